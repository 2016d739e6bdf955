"""Synthetic district and fake results for the maps' tests and benchmark (no solver involved).

A test helper (``from map_sample import …`` in ``tests/``; ``bench/bench_map.py`` puts ``tests/``
on its path), not part of the installed packages.

:func:`sample_tables` lays out ``n`` parcels on a grid near 苏州高新区 in EPSG:4549, each with a
wavy outline of ``vertices`` points (so simplification has work to do); :func:`fake_result`
places projects on some of them and in the factories the way the solver's tables look.
"""

from __future__ import annotations

import math
import random
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, Polygon, box

from geodata.report import Report
from geodata.store import Tables, from_frames

CRS = "EPSG:4549"
X0, Y0 = 535_000.0, 3_462_000.0
CLUSTERS = (
    ("photonics", "光子", "Photonics", "#e6550d"),
    ("ic", "集成电路", "Integrated circuits", "#3182bd"),
    ("medtech", "医疗器械", "Medical devices", "#31a354"),
    ("biopharma", "生物医药", "Biopharma", "#756bb1"),
    ("newenergy", "新能源", "New energy", "#fdae6b"),
    ("equipment", "高端装备", "High-end equipment", "#636363"),
    ("digital", "数字经济", "Digital economy", "#e7298a"),
)
ZONES = (
    ("kjc", "科技城", "Science City"),
    ("xsg", "浒墅关经开区", "Xushuguan EDZ"),
    ("sh", "狮山横塘", "Shishan Hengtang"),
    ("fq", "枫桥", "Fengqiao"),
)


def _parcel(x: float, y: float, w: float, h: float, vertices: int, rng: random.Random) -> Polygon:
    if vertices <= 4:
        return box(x, y, x + w, y + h)
    per_side = max(1, vertices // 4)
    pts: list[tuple[float, float]] = []
    corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    for k in range(4):
        (ax, ay), (bx, by) = corners[k], corners[(k + 1) % 4]
        for j in range(per_side):
            f = j / per_side
            # small wobble along the edge (< 0.6 m) that the display simplification removes
            wob = 0.0 if j == 0 else 0.6 * math.sin(j * 1.7)
            nx, ny = (by - ay), -(bx - ax)
            norm = math.hypot(nx, ny) or 1.0
            pts.append((ax + f * (bx - ax) + wob * nx / norm, ay + f * (by - ay) + wob * ny / norm))
    _ = rng
    return Polygon(pts)


def _grid_parcels(
    n: int, vertices: int, rng: random.Random
) -> tuple[gpd.GeoDataFrame, list[Polygon], list[str], int]:
    """``n`` parcels on a square grid, four zones in its quarters: the layer, the outlines,
    the zone of each and the number of grid columns."""
    cols = max(1, math.ceil(math.sqrt(n)))
    size = 180.0
    gap = 20.0
    parcels: list[dict[str, Any]] = []
    geoms = []
    zone_of = []
    for i in range(n):
        r, c = divmod(i, cols)
        half = 0 if c < cols / 2 else 1
        zq = (0 if r < cols / 2 else 2) + half
        zone = ZONES[zq % len(ZONES)][0]
        zone_of.append(zone)
        geoms.append(
            _parcel(X0 + c * (size + gap), Y0 + r * (size + gap), size, size, vertices, rng)
        )
        parcels.append(
            {
                "parcel_id": f"P{i + 1:05d}",
                "zone": zone,
                "land_use": "M1",
                "clusters": "",
                "available_year": 2025,
                "ready_power": "2025-06-01" if i % 3 else "",
            }
        )
    pgdf = gpd.GeoDataFrame(pd.DataFrame(parcels), geometry=geoms, crs=CRS)
    return pgdf, geoms, zone_of, cols


def _factories(n_factories: int, side: float) -> gpd.GeoDataFrame:
    """Factory points in a column west of the grid (``side`` metres high)."""
    return gpd.GeoDataFrame(
        pd.DataFrame(
            {
                "factory_id": [f"F{j + 1:03d}" for j in range(n_factories)],
                "zone": [ZONES[j % len(ZONES)][0] for j in range(n_factories)],
                "floor_area_m2": [8000.0 + 4000.0 * (j % 5) for j in range(n_factories)],
            }
        ),
        geometry=[
            Point(X0 - 120.0, Y0 + (j + 0.5) * side / max(1, n_factories))
            for j in range(n_factories)
        ],
        crs=CRS,
    )


def _zones(zone_of: list[str], geoms: list[Polygon]) -> gpd.GeoDataFrame:
    """Zone outlines: the convex hull of each zone's parcels, a little buffered."""
    hulls = (
        gpd.GeoDataFrame({"zone": zone_of}, geometry=geoms, crs=CRS)
        .dissolve("zone")
        .convex_hull.buffer(8.0, join_style="mitre")
    )
    names = {z[0]: z for z in ZONES}
    codes = [str(c) for c in hulls.index]
    return gpd.GeoDataFrame(
        {
            "zone": codes,
            "name_zh": [names[c][1] for c in codes],
            "name_en": [names[c][2] for c in codes],
            "focus": ["" for _ in codes],
        },
        geometry=list(hulls.values),
        crs=CRS,
    )


def sample_tables(
    n: int = 8, *, vertices: int = 4, seed: int = 1, with_zones: bool = True, n_factories: int = 2
) -> Tables:
    """A small (or large) synthetic district as validated :class:`~geodata.store.Tables`."""
    rng = random.Random(seed)
    pgdf, geoms, zone_of, cols = _grid_parcels(n, vertices, rng)
    factories = _factories(n_factories, cols * (180.0 + 20.0))
    zones = _zones(zone_of, geoms) if with_zones else None
    projects = pd.DataFrame(
        {"project_id": ["X1"], "cluster": [CLUSTERS[0][0]], "investment_yi": [1.0], "land_mu": [10]}
    )
    quotas = pd.DataFrame({"year": [2025, 2026], "zone": ["*", "*"], "land_mu": [3000.0, 3000.0]})
    clusters = pd.DataFrame(
        {
            "cluster": [c[0] for c in CLUSTERS],
            "name_zh": [c[1] for c in CLUSTERS],
            "name_en": [c[2] for c in CLUSTERS],
            "color": [c[3] for c in CLUSTERS],
        }
    )
    report = Report()
    tables = from_frames(
        parcels=pgdf,
        factories=factories,
        projects=projects,
        quotas=quotas,
        clusters=clusters,
        zones=zones,
        report=report,
        file="sample",
        crs=CRS,
    )
    report.raise_if_errors()
    return tables


def _parcel_rows(
    tables: Tables,
    share: float,
    rng: random.Random,
    names: dict[int, str] | None,
    cl: list[tuple[str, str]],
) -> list[dict[str, Any]]:
    """Assignment rows of about ``share`` of the parcels, one project each."""
    par = tables.parcels
    rows: list[dict[str, Any]] = []
    k = 0
    ids = [str(v) for v in par["parcel_id"]]
    zones = [str(v) for v in par["zone"]]
    areas = [float(v) for v in par["area_mu"]]
    for i, pid in enumerate(ids):
        if rng.random() >= share:
            continue
        c = cl[k % len(cl)]
        name = (names or {}).get(k, f"{c[1]}项目{k + 1}")
        rows.append(
            {
                "project_id": f"J{k + 1:05d}",
                "name": name,
                "company": f"苏州{c[1]}科技有限公司{k + 1}",
                "cluster": c[0],
                "stage": ("signed", "registered", "negotiating")[k % 3],
                "carrier_kind": "parcel",
                "carrier_id": pid,
                "group_id": "",
                "zone": zones[i],
                "year": 2025 + k % 3,
                "area_mu": round(areas[i], 1),
                "floor_m2": 0.0,
                "start_date": f"{2025 + k % 3}-0{1 + k % 9}-15",
                "readiness": ("ready", "ready_by", "blocked")[k % 3],
                "missing": ""
                if k % 3 == 0
                else "供电(供电服务中心) 2027-03-01; 燃气(燃气公司) 未排期",
                "investment_yi": round(1.0 + rng.random() * 20, 2),
                "output_yi": round(2.0 + rng.random() * 30, 2),
                "tax_wan": round(500 + rng.random() * 8000),
                "jobs": int(50 + rng.random() * 400),
            }
        )
        k += 1
    return rows


def _factory_rows(tables: Tables, cl: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """One assignment row in every factory."""
    rows: list[dict[str, Any]] = []
    for j, fid in enumerate(str(v) for v in tables.factories["factory_id"]):
        c = cl[j % len(cl)]
        rows.append(
            {
                "project_id": f"JF{j + 1:03d}",
                "name": f"{c[1]}研发中试项目",
                "company": f"{c[1]}创新公司",
                "cluster": c[0],
                "stage": "signed",
                "carrier_kind": "factory",
                "carrier_id": fid,
                "group_id": "",
                "zone": str(tables.factories["zone"].iloc[j]),
                "year": 2025,
                "area_mu": 0.0,
                "floor_m2": 3000.0,
                "start_date": "2025-03-01",
                "readiness": "",
                "missing": "",
                "investment_yi": 0.8,
                "output_yi": 1.5,
                "tax_wan": 300,
                "jobs": 60,
            }
        )
    return rows


def _unassigned() -> pd.DataFrame:
    """Two unplaced projects with their reasons."""
    return pd.DataFrame(
        {
            "project_id": ["U1", "U2"],
            "name": ["新能源电池项目", "生物医药基地"],
            "company": ["某新能源公司", "某药业"],
            "cluster": ["newenergy", "biopharma"],
            "investment_yi": [12.0, 3.5],
            "land_mu": [300.0, 80.0],
            "floor_m2": [0.0, 0.0],
            "reason_code": ["quota", "no_parcel"],
            "reason": ["2025 年用地指标已被更高优先级项目用完", "没有准入生物医药且 ≥ 80 亩的地块"],
            "reason_en": [
                "2025 quota used by higher-priority projects",
                "no parcel for biopharma ≥ 80 mu",
            ],
        }
    )


def _kpis(assignments: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of the fake plan (totals of ``assignments``, the rest made up)."""
    inv = float(assignments["investment_yi"].sum()) if len(assignments) else 0.0
    return {
        "scenario": "2025-2027 基准方案",
        "investment_yi": inv,
        "output_yi": float(assignments["output_yi"].sum()) if len(assignments) else 0.0,
        "tax_wan": float(assignments["tax_wan"].sum()) if len(assignments) else 0.0,
        "jobs": int(assignments["jobs"].sum()) if len(assignments) else 0,
        "projects_placed": int(assignments["project_id"].nunique()) if len(assignments) else 0,
        "projects_total": (int(assignments["project_id"].nunique()) if len(assignments) else 0) + 2,
        "major_by_tier": {"≥1亿": 12, "≥10亿": 3, "≥50亿": 0, "≥100亿": 0},
        "major_total_by_tier": {"≥1亿": 14, "≥10亿": 4, "≥50亿": 1, "≥100亿": 0},
        "quota": [
            {"year": 2025, "zone": "*", "quota_mu": 3000.0, "used_mu": 1200.0},
            {"year": 2026, "zone": "*", "quota_mu": 3000.0, "used_mu": 900.0},
            {"year": 2025, "zone": "kjc", "quota_mu": 800.0, "used_mu": 700.0},
        ],
        "supply_rate_signed_major": 0.86,
        "ready_share": 0.4,
    }


def _readiness(tables: Tables, assignments: pd.DataFrame) -> pd.DataFrame:
    """Readiness of the parcels left free: ready, ready by a date or blocked, in turn."""
    placed = (
        set(assignments.loc[assignments["carrier_kind"] == "parcel", "carrier_id"])
        if len(assignments)
        else set()
    )
    rrows = []
    for i, pid in enumerate(str(v) for v in tables.parcels["parcel_id"]):
        if pid in placed:
            continue
        status = ("ready", "ready_by", "blocked")[i % 3]
        rrows.append(
            {
                "parcel_id": pid,
                "status": status,
                "ready_date": "2026-05-01" if status == "ready_by" else "",
                "missing": "" if status == "ready" else "排水(水务局) 未排期",
            }
        )
    return pd.DataFrame(rrows, columns=["parcel_id", "status", "ready_date", "missing"])


def fake_result(
    tables: Tables, *, share: float = 0.6, seed: int = 2, names: dict[int, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Assignments, unassigned, kpis and readiness shaped like the solver's output.

    ``names`` overrides the project name of the i-th placed project (for escaping tests).
    """
    rng = random.Random(seed)
    cl = [
        (str(c), str(n or c))
        for c, n in zip(tables.clusters["cluster"], tables.clusters["name_zh"], strict=True)
    ] or [(c[0], c[1]) for c in CLUSTERS]
    rows = _parcel_rows(tables, share, rng, names, cl) + _factory_rows(tables, cl)
    assignments = pd.DataFrame(rows)
    return assignments, _unassigned(), _kpis(assignments), _readiness(tables, assignments)
