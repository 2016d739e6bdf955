"""A reproducible demonstration district modelled on 苏州高新区.

:func:`generate` builds a fictional but realistic district from a seed: six zones laid out around
their real-world locations (科技城, 浒墅关经开区, 狮山横塘, 枫桥, 通安, 东渚) in CGCS2000 /
3-degree Gauss-Kruger CM 120E (EPSG:4549), parcels in street blocks (adjacent parcels inside a
block can be merged for 合并供地), standard factories, a pipeline of projects with the investment
tiers the seed reports count (≥ 1 / 10 / 50 / 100 亿元), yearly land quotas for the district and
for two zones, seven industry clusters with their 链主 anchor points, and a few pinned decisions.

Every company, project and parcel is invented. The same seed and parameters always give the same
tables. The tables go through the schema tier (:func:`geodata.store.from_frames`) and the
reference tier (:func:`geodata.store.check_references`) before they are returned, so a demo file
is valid by construction; :func:`write_demo` writes it atomically.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import Polygon, box

from geodata.crs import DEFAULT_WORKING_CRS
from geodata.report import Report
from geodata.schema import LAYERS
from geodata.store import (
    Tables,
    atomic_path,
    check_output_path,
    check_references,
    from_frames,
    write_tables,
)
from geodata.units import M2_PER_MU, WAN_PER_YI

#: Seed of the shipped demo file ``geodata/demo.gpkg``.
DEMO_SEED = 2025
DEFAULT_FIRST_YEAR = 2025
DEFAULT_YEARS = 3
DEFAULT_PROJECTS = 150
#: Accepted range of the number of projects (the district layout is sized for it).
PROJECTS_RANGE = (20, 600)
YEARS_RANGE = (1, 10)
FIRST_YEAR_RANGE = (2000, 2090)

#: Gap between parcels of one block (m); below ``geometry.ADJACENCY_GAP_M``, so they are adjacent.
PARCEL_GAP_M = 8.0
#: Road between blocks and rows (m); above ``geometry.ADJACENCY_GAP_M``, so they are not.
ROAD_M = 40.0


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """One 片区 of the demo district."""

    code: str
    name_zh: str
    name_en: str
    lon: float
    lat: float
    focus: tuple[str, ...]
    #: share of the district's parcels
    share: float
    #: land-use classes of its parcels with their weights
    land_uses: tuple[tuple[str, float], ...]
    #: 标准地 floors: investment intensity (万元/亩) and tax (万元/亩/年)
    intensity_floor: float
    tax_floor: float
    #: share of the district quota given to the zone as its own quota (0 = no zone quota)
    quota_share: float = 0.0


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """One 产业集群 with what its projects typically look like."""

    code: str
    name_zh: str
    name_en: str
    color: str
    share: float
    land_uses: tuple[tuple[str, float], ...]
    company_suffix: str
    products: tuple[str, ...]
    #: output / investment range
    output_ratio: tuple[float, float]
    #: extra utilities its land projects need, with the probability of each
    extra_needs: tuple[tuple[str, float], ...] = ()


ZONES: tuple[ZoneSpec, ...] = (
    ZoneSpec(
        "KJC", "科技城", "Science & Technology Town", 120.430, 31.330,
        ("photonics", "digital", "medical_devices", "ic"), 0.20,
        (("M0", 0.35), ("M1", 0.65)), 350.0, 30.0, 0.25,
    ),
    ZoneSpec(
        "XSG", "浒墅关经开区", "Xushuguan Economic Development Zone", 120.490, 31.410,
        ("equipment", "new_energy", "ic"), 0.20,
        (("M1", 0.5), ("M2", 0.4), ("M3", 0.1)), 280.0, 20.0, 0.30,
    ),
    ZoneSpec(
        "SSHT", "狮山横塘", "Shishan-Hengtang", 120.560, 31.280,
        ("digital", "biomed", "medical_devices"), 0.12,
        (("M0", 0.4), ("M1", 0.6)), 400.0, 35.0,
    ),
    ZoneSpec(
        "FQ", "枫桥", "Fengqiao", 120.520, 31.325,
        ("ic", "equipment", "photonics"), 0.14,
        (("M1", 0.8), ("M2", 0.2)), 300.0, 25.0,
    ),
    ZoneSpec(
        "TA", "通安", "Tong'an", 120.440, 31.385,
        ("new_energy", "equipment"), 0.18,
        (("M1", 0.5), ("M2", 0.5)), 250.0, 15.0,
    ),
    ZoneSpec(
        "DZ", "东渚", "Dongzhu", 120.375, 31.345,
        ("biomed", "medical_devices", "photonics"), 0.16,
        (("M1", 0.8), ("M0", 0.2)), 300.0, 20.0,
    ),
)  # fmt: skip

CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec(
        "photonics", "光子", "Photonics", "#7b3294", 0.14, (("M1", 0.85), ("M0", 0.15)),
        "光电科技", ("激光器", "光模块", "光纤传感器", "光学镜头", "激光加工设备", "光电芯片"),
        (1.5, 3.5), (("telecom", 0.5),),
    ),
    ClusterSpec(
        "ic", "集成电路", "Integrated circuits", "#2c7bb6", 0.14, (("M1", 0.9), ("M2", 0.1)),
        "半导体", ("功率半导体", "晶圆级封装", "模拟芯片", "半导体设备零部件", "掩膜版", "传感器芯片"),
        (1.2, 3.0), (("telecom", 0.5), ("gas", 0.3)),
    ),
    ClusterSpec(
        "medical_devices", "医疗器械", "Medical devices", "#d7191c", 0.16, (("M1", 1.0),),
        "医疗科技", ("影像设备", "微创手术器械", "体外诊断试剂", "骨科植入物", "医用耗材", "康复设备"),
        (1.5, 3.5),
    ),
    ClusterSpec(
        "biomed", "生物医药", "Biomedicine", "#1a9641", 0.14, (("M1", 0.8), ("M2", 0.2)),
        "生物医药", ("抗体药物", "细胞治疗", "创新制剂", "疫苗", "原料药中试", "基因检测"),
        (0.8, 2.5), (("gas", 0.5), ("heat", 0.5)),
    ),
    ClusterSpec(
        "new_energy", "新能源", "New energy", "#fdae61", 0.14, (("M1", 0.6), ("M2", 0.4)),
        "新能源科技", ("储能电池", "光伏组件", "氢燃料电池", "逆变器", "动力电池材料", "充电设备"),
        (1.5, 3.5), (("gas", 0.4),),
    ),
    ClusterSpec(
        "equipment", "高端装备", "High-end equipment", "#636363", 0.16,
        (("M1", 0.5), ("M2", 0.45), ("M3", 0.05)),
        "智能装备", ("工业机器人", "精密数控机床", "半导体装备", "轨道交通装备", "智能检测设备", "高端轴承"),
        (1.5, 3.0), (("gas", 0.3),),
    ),
    ClusterSpec(
        "digital", "数字经济", "Digital economy", "#00a6ca", 0.12, (("M0", 0.7), ("M1", 0.3)),
        "信息技术", ("工业软件", "数据中心", "人工智能算法", "工业互联网平台", "芯片设计", "智慧城市系统"),
        (1.0, 3.0), (("telecom", 1.0),),
    ),
)  # fmt: skip

_BRAND_A = "瑞博晶恒启睿泰维凯越宸曜铭昇璟澜嘉翊"
_BRAND_B = "芯光创达源微锐拓迈驰思诺森禾途际晟"
_KINDS = ("研发生产基地项目", "生产线项目", "智能制造项目", "扩产项目", "产业化项目")
_BASE_NEEDS = ("water", "power", "road", "drainage")
_MAX_POLLUTION = {"M0": 1, "M1": 2, "M2": 3, "M3": 3}
_FAR = {"M0": (2.0, 4.0), "M1": (1.2, 2.5), "M2": (1.0, 2.0), "M3": (0.8, 1.5)}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """Headline figures of a demo district (what the CLI prints)."""

    parcels: int
    parcel_mu: float
    factories: int
    factory_m2: float
    projects: int
    signed: int
    land_demand_mu: float
    tiers: dict[float, int]
    quotas: dict[int, float]
    pinned: int


# --------------------------------------------------------------------------- helpers


def _pick(rng: np.random.Generator, weighted: Sequence[tuple[str, float]]) -> str:
    names = [n for n, _ in weighted]
    w = np.array([x for _, x in weighted], dtype=float)
    return str(names[int(rng.choice(len(names), p=w / w.sum()))])


def _day(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    span = max(0, (end - start).days)
    return start + dt.timedelta(days=int(rng.integers(0, span + 1)))


def _year_weights(n_years: int, decay: float) -> np.ndarray:
    w = np.array([decay**k for k in range(n_years)], dtype=float)
    return w / w.sum()


def _check_params(n_projects: int, first_year: int, n_years: int) -> None:
    report = Report()
    for option, value, (lo, hi), zh in (
        ("--projects", n_projects, PROJECTS_RANGE, "项目数"),
        ("--first-year", first_year, FIRST_YEAR_RANGE, "起始年份"),
        ("--years", n_years, YEARS_RANGE, "规划年数"),
    ):
        if not lo <= value <= hi:
            report.error(
                "bad_demo_parameter",
                f"{zh}（{option}）{value} 超出允许范围",
                f"{option} {value} is out of range",
                hint_zh=f"{lo}–{hi}",
                hint_en=f"{lo}–{hi}",
            )
    report.raise_if_errors()


# --------------------------------------------------------------------------- layout


@dataclass(slots=True)
class _Lot:
    """A parcel or factory footprint to be laid out, with its attributes."""

    width: float
    depth: float
    attrs: dict[str, Any]
    geom: Polygon | None = None


def _lay_out(
    rng: np.random.Generator, blocks: list[list[_Lot]], centre: tuple[float, float]
) -> Polygon:
    """Place blocks of lots in rows around ``centre``; return the zone outline.

    Lots of one block share a depth and are :data:`PARCEL_GAP_M` apart; blocks and rows are
    separated by roads of :data:`ROAD_M`. The layout is turned by a small angle, like a real
    street grid.
    """
    total = sum(lot.width * lot.depth for b in blocks for lot in b)
    row_width = max(900.0, math.sqrt(total * 1.6))
    x = y = row_depth = 0.0
    max_x = 0.0
    for block in blocks:
        width = sum(lot.width for lot in block) + PARCEL_GAP_M * (len(block) - 1)
        if x > 0 and x + width > row_width:
            y += row_depth + ROAD_M
            x = row_depth = 0.0
        for lot in block:
            lot.geom = box(x, y, x + lot.width, y + lot.depth)
            x += lot.width + PARCEL_GAP_M
        x += ROAD_M - PARCEL_GAP_M
        max_x = max(max_x, x)
        row_depth = max(row_depth, max(lot.depth for lot in block))
    height = y + row_depth
    angle = float(rng.uniform(-12.0, 12.0))
    dx, dy = centre[0] - max_x / 2, centre[1] - height / 2

    def place(g: Polygon) -> Polygon:
        moved = affinity.translate(g, dx, dy)
        return affinity.rotate(moved, angle, origin=centre)

    for block in blocks:
        for lot in block:
            assert lot.geom is not None
            lot.geom = place(lot.geom)
    return place(box(-150.0, -150.0, max_x + 150.0, height + 150.0))


def _parcel_blocks(rng: np.random.Generator, areas: list[float]) -> list[list[float]]:
    """Group parcel areas into street blocks of one to four parcels."""
    blocks: list[list[float]] = []
    i = 0
    while i < len(areas):
        k = int(rng.choice([1, 2, 3, 4], p=[0.3, 0.35, 0.25, 0.1]))
        blocks.append(areas[i : i + k])
        i += k
    return blocks


def _parcel_area(rng: np.random.Generator) -> float:
    return round(float(np.clip(rng.lognormal(math.log(45.0), 0.75), 10.0, 300.0)), 1)


# --------------------------------------------------------------------------- parcels


def _parcel_attrs(
    rng: np.random.Generator, zone: ZoneSpec, area: float, years: list[int]
) -> dict[str, Any]:
    first = years[0]
    land_use = _pick(rng, zone.land_uses)
    if rng.random() < 0.2:
        clusters: list[str] = []
    else:
        clusters = list(zone.focus)
        if len(clusters) > 1 and rng.random() < 0.3:
            clusters.pop(int(rng.integers(len(clusters))))
        if rng.random() < 0.15:
            others = [c.code for c in CLUSTERS if c.code not in clusters]
            clusters.append(others[int(rng.integers(len(others)))])
    max_pollution = _MAX_POLLUTION[land_use]
    if land_use == "M1" and rng.random() < 0.15:
        max_pollution = 1
    year = int(rng.choice(years, p=_year_weights(len(years), 0.45)))
    standard = rng.random() < 0.7
    attrs: dict[str, Any] = {
        "zone": zone.code,
        "land_use": land_use,
        "clusters": ";".join(sorted(clusters)),
        "area_mu": area,
        "divisible": bool(area >= 120 and rng.random() < 0.5) or bool(rng.random() < 0.08),
        "available_year": year,
        "max_pollution": max_pollution,
        "min_intensity_wan_per_mu": 0.0,
        "min_tax_wan_per_mu": 0.0,
        "far_min": None,
        "far_max": None,
    }
    if standard:
        step = float(rng.choice([-50.0, 0.0, 0.0, 50.0]))
        attrs["min_intensity_wan_per_mu"] = zone.intensity_floor + step
        attrs["min_tax_wan_per_mu"] = zone.tax_floor + step / 10
        attrs["far_min"], attrs["far_max"] = _FAR[land_use]
    attrs.update(_readiness(rng, year, first, standard))
    return attrs


def _readiness(
    rng: np.random.Generator, year: int, first: int, standard: bool
) -> dict[str, dt.date | None]:
    """Dates of 七通一平, planning conditions and regional assessments for one parcel."""
    out: dict[str, dt.date | None] = {}
    levelled: dt.date | None = _day(rng, dt.date(year - 1, 3, 1), dt.date(year, 3, 31))
    if year > first and rng.random() < 0.05:
        levelled = None
    out["ready_levelled"] = levelled
    base = levelled or dt.date(year, 1, 1)
    for item in ("water", "power", "road", "drainage", "telecom"):
        scheduled = rng.random() >= 0.06
        out[f"ready_{item}"] = (
            base + dt.timedelta(days=int(rng.integers(-60, 541))) if scheduled else None
        )
    for item, p in (("gas", 0.7), ("heat", 0.35)):
        out[f"ready_{item}"] = (
            base + dt.timedelta(days=int(rng.integers(90, 721))) if rng.random() < p else None
        )
    out["ready_planning"] = (
        _day(rng, dt.date(year - 1, 9, 1), dt.date(year, 6, 30)) if rng.random() < 0.85 else None
    )
    if standard:
        out["ready_assessment"] = _day(rng, dt.date(first - 2, 6, 1), dt.date(first - 1, 12, 31))
    else:
        out["ready_assessment"] = (
            _day(rng, dt.date(year - 1, 1, 1), dt.date(year + 1, 6, 30))
            if rng.random() < 0.5
            else None
        )
    return out


# --------------------------------------------------------------------------- factories


def _factory_lot(rng: np.random.Generator, zone: ZoneSpec, years: list[int], index: int) -> _Lot:
    floor = round(float(np.exp(rng.uniform(math.log(2000.0), math.log(50000.0)))), -2)
    load = float(rng.choice([350.0, 500.0, 800.0, 1000.0, 1500.0], p=[0.15, 0.3, 0.25, 0.2, 0.1]))
    height, floors = {
        350.0: (4.2, int(rng.integers(4, 9))),
        500.0: (float(rng.choice([4.5, 5.4])), int(rng.integers(3, 6))),
        800.0: (6.0, int(rng.integers(2, 4))),
        1000.0: (8.0, int(rng.integers(1, 3))),
        1500.0: (float(rng.choice([10.0, 12.0])), 1),
    }[load]
    footprint = floor / floors
    width = math.sqrt(footprint * 2.0)
    clusters = [] if rng.random() < 0.3 else list(zone.focus)
    attrs: dict[str, Any] = {
        "factory_id": f"{zone.code}-F{index:02d}",
        "zone": zone.code,
        "clusters": ";".join(sorted(clusters)),
        "floor_area_m2": floor,
        "floor_load_kg_m2": load,
        "clear_height_m": height,
        "available_year": int(rng.choice(years, p=_year_weights(len(years), 0.35))),
        "max_pollution": 1 if load <= 500.0 else 2,
        "floors": floors,
    }
    return _Lot(width, footprint / width, attrs)


# --------------------------------------------------------------------------- projects


def _tier_investments(rng: np.random.Generator, n: int) -> list[float]:
    """Investments (亿元) with the tier mix of the seed reports, in random order."""
    n100 = 1 if n >= 100 else 0
    n50 = round(n * 0.015)
    n10 = max(1, round(n * 0.10))
    n_small = round(n * 0.15)
    n_mid = n - n100 - n50 - n10 - n_small
    values = (
        [float(rng.uniform(100.0, 130.0)) for _ in range(n100)]
        + [float(rng.uniform(50.0, 80.0)) for _ in range(n50)]
        + [float(np.exp(rng.uniform(math.log(10.0), math.log(45.0)))) for _ in range(n10)]
        + [float(np.clip(rng.lognormal(math.log(2.5), 0.6), 1.0, 9.8)) for _ in range(n_mid)]
        + [float(rng.uniform(0.2, 0.95)) for _ in range(n_small)]
    )
    return [round(values[i], 2) for i in rng.permutation(len(values))]


def _company(rng: np.random.Generator, spec: ClusterSpec, used: set[str], big: bool) -> str:
    for _ in range(200):
        brand = (
            _BRAND_A[int(rng.integers(len(_BRAND_A)))] + _BRAND_B[int(rng.integers(len(_BRAND_B)))]
        )
        name = f"苏州{brand}{spec.company_suffix}{'股份' if big else ''}有限公司"
        if name not in used:
            used.add(name)
            return name
    name = f"苏州{spec.company_suffix}示例{len(used) + 1}有限公司"
    used.add(name)
    return name


def _project(
    rng: np.random.Generator,
    pid: str,
    inv: float,
    spec: ClusterSpec,
    years: list[int],
    used_names: set[str],
) -> dict[str, Any]:
    inv_wan = inv * WAN_PER_YI
    if inv < 1.0:
        carrier = "factory" if rng.random() < 0.8 else "land"
    elif inv < 3.0:
        carrier = _pick(
            rng,
            (
                ("factory", 0.3 + (0.2 if spec.code == "digital" else 0.0)),
                ("either", 0.15),
                ("land", 0.55),
            ),
        )
    else:
        carrier = "land"
    if inv >= 50:
        intensity = rng.uniform(1800.0, 3000.0)
    elif inv >= 10:
        intensity = rng.uniform(700.0, 2200.0)
    elif inv >= 1:
        intensity = rng.uniform(280.0, 700.0) if inv < 3 else rng.uniform(450.0, 1100.0)
    else:
        intensity = rng.uniform(250.0, 500.0)
    land = (
        round(float(np.clip(inv_wan / intensity, 8.0, 300.0)), 1) if carrier != "factory" else 0.0
    )
    floor = (
        float(np.clip(round(inv_wan * rng.uniform(0.5, 1.2), -2), 1000.0, 45000.0))
        if carrier != "land"
        else 0.0
    )
    land_use = _pick(rng, spec.land_uses)
    if land_use == "M0":
        pollution = 1
    elif land_use == "M1":
        pollution = 1 if rng.random() < 0.8 else 2
    else:
        pollution = 2 if rng.random() < 0.7 else 3
    output = round(inv * float(rng.uniform(*spec.output_ratio)), 2)
    tax = round(output * WAN_PER_YI * float(rng.uniform(0.018, 0.045)))
    jobs = int(max(15.0, inv * rng.uniform(18.0, 40.0)))
    if inv >= 10:
        stage = _pick(rng, (("signed", 0.45), ("registered", 0.2), ("negotiating", 0.35)))
    else:
        stage = _pick(rng, (("signed", 0.3), ("registered", 0.15), ("negotiating", 0.55)))
    tags: list[str] = []
    if (inv >= 10 and rng.random() < 0.3) or rng.random() < 0.03:
        tags.append("fortune500")
    if rng.random() < (0.4 if inv >= 10 else 0.15):
        tags.append("listed")
    if rng.random() < 0.1:
        tags.append("hq")
    if inv < 10 and rng.random() < 0.25:
        tags.append("specialised")
    if inv >= 50 or (inv >= 10 and rng.random() < 0.2):
        tags.append("chain_leader")
    needs = list(_BASE_NEEDS) + [u for u, p in spec.extra_needs if rng.random() < p]
    product = spec.products[int(rng.integers(len(spec.products)))]
    kind = "总部及研发中心项目" if "hq" in tags else _KINDS[int(rng.integers(len(_KINDS)))]
    heavy = spec.code == "equipment" or (spec.code == "new_energy" and rng.random() < 0.5)
    return {
        "project_id": pid,
        "name": f"{product}{kind}",
        "company": _company(rng, spec, used_names, inv >= 10),
        "cluster": spec.code,
        "stage": stage,
        "investment_yi": inv,
        "land_mu": land,
        "floor_m2": floor,
        "carrier": carrier,
        "land_use": land_use,
        "output_yi": output,
        "tax_wan": float(tax),
        "jobs": jobs,
        "pollution": pollution,
        "start_year": int(rng.choice(years, p=_year_weights(len(years), 0.7))),
        "ready_to_build": bool(rng.random() < (0.45 if stage != "negotiating" else 0.15)),
        "needs": ";".join(needs),
        "min_floor_load_kg_m2": (1000.0 if heavy else 500.0)
        if floor and rng.random() < 0.6
        else None,
        "min_clear_height_m": (8.0 if heavy else None) if floor else None,
        "tags": ";".join(tags),
        "pinned_carrier": "",
    }


def _fits_parcel(pro: dict[str, Any], par: dict[str, Any]) -> bool:
    """Static hard rules of one project on one parcel (no quota, no time)."""
    land = float(pro["land_mu"])
    area = float(par["area_mu"])
    clusters = [c for c in str(par["clusters"]).split(";") if c]
    return (
        (not clusters or pro["cluster"] in clusters)
        and pro["land_use"] == par["land_use"]
        and pro["pollution"] <= par["max_pollution"]
        and land <= area
        and pro["investment_yi"] * WAN_PER_YI / land >= par["min_intensity_wan_per_mu"]
        and pro["tax_wan"] / land >= par["min_tax_wan_per_mu"]
        and pro["start_year"] >= par["available_year"]
    )


def _fits_factory(pro: dict[str, Any], fac: dict[str, Any]) -> bool:
    clusters = [c for c in str(fac["clusters"]).split(";") if c]
    return (
        (not clusters or pro["cluster"] in clusters)
        and pro["pollution"] <= fac["max_pollution"]
        and pro["floor_m2"] <= fac["floor_area_m2"]
        and (pro["min_floor_load_kg_m2"] or 0.0) <= fac["floor_load_kg_m2"]
        and (pro["min_clear_height_m"] or 0.0) <= fac["clear_height_m"]
        and pro["start_year"] >= fac["available_year"]
    )


def _pin(
    rng: np.random.Generator,
    projects: list[dict[str, Any]],
    parcels: list[dict[str, Any]],
    factories: list[dict[str, Any]],
    n_pins: int,
) -> None:
    """Lock a few signed projects to carriers they fit (decisions already taken)."""
    taken: set[str] = set()
    pinned = 0
    order = [int(i) for i in rng.permutation(len(projects))]
    for i in order:
        pro = projects[i]
        if pinned >= n_pins:
            break
        if pro["stage"] != "signed" or pro["carrier"] != "land" or pro["investment_yi"] >= 50:
            continue
        land = float(pro["land_mu"])
        for par in sorted(parcels, key=lambda p: (p["area_mu"], p["parcel_id"])):
            if par["parcel_id"] in taken or par["divisible"]:
                continue
            if not 0.8 * land <= par["area_mu"] <= 1.25 * land:
                continue
            # the signed contract fixes the land: close to the parcel's area, never above it
            trial = dict(pro, land_mu=round(par["area_mu"] * 0.95, 1))
            if _fits_parcel(trial, par):
                pro.update(trial, pinned_carrier=par["parcel_id"], ready_to_build=False)
                taken.add(par["parcel_id"])
                pinned += 1
                break
    for i in order:
        pro = projects[i]
        if pro["stage"] == "signed" and pro["carrier"] == "factory" and not pro["pinned_carrier"]:
            for fac in factories:
                if _fits_factory(pro, fac):
                    pro["pinned_carrier"] = fac["factory_id"]
                    return


# --------------------------------------------------------------------------- assembly


def generate(
    seed: int = DEMO_SEED,
    *,
    n_projects: int = DEFAULT_PROJECTS,
    first_year: int = DEFAULT_FIRST_YEAR,
    n_years: int = DEFAULT_YEARS,
) -> Tables:
    """Generate the demonstration district.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed and parameters give the same tables.
    n_projects
        Number of pipeline projects (:data:`PROJECTS_RANGE`); parcels and factories scale with it.
    first_year, n_years
        The planning years ``first_year … first_year + n_years - 1`` (quotas, availability,
        start years).

    Returns
    -------
    Tables
        All contract layers plus a ``zones`` layer, in EPSG:4549, after the schema tier.

    Raises
    ------
    DataError
        When a parameter is out of range.
    """
    _check_params(n_projects, first_year, n_years)
    rng = np.random.default_rng(seed)
    years = list(range(first_year, first_year + n_years))
    to_xy = Transformer.from_crs("EPSG:4490", DEFAULT_WORKING_CRS, always_xy=True)

    # projects first: the largest one shapes a block of parcels that can be merged for it
    invest = _tier_investments(rng, n_projects)
    shares = np.array([c.share for c in CLUSTERS])
    width = max(3, len(str(n_projects)))
    used_names: set[str] = set()
    projects: list[dict[str, Any]] = []
    for k, inv in enumerate(invest):
        spec = CLUSTERS[int(rng.choice(len(CLUSTERS), p=shares / shares.sum()))]
        if inv >= 100:
            spec = next(c for c in CLUSTERS if c.code == "new_energy")
        projects.append(
            _project(rng, f"XM{first_year}-{k + 1:0{width}d}", inv, spec, years, used_names)
        )

    # parcels, zone by zone, in street blocks
    n_parcels = max(12, round(n_projects * 0.95))
    zone_w = np.array([z.share for z in ZONES])
    counts = np.maximum(2, np.round(zone_w / zone_w.sum() * n_parcels)).astype(int)
    parcels: list[dict[str, Any]] = []
    factories: list[dict[str, Any]] = []
    geoms: dict[str, Polygon] = {}
    zone_rows: list[dict[str, Any]] = []
    n_factories = max(6, round(n_projects * 0.12))
    fac_zone = rng.choice(len(ZONES), size=n_factories, p=[0.25, 0.1, 0.25, 0.15, 0.1, 0.15])
    mega = next((p for p in projects if p["investment_yi"] >= 100), None)
    for zi, zone in enumerate(ZONES):
        areas = [_parcel_area(rng) for _ in range(int(counts[zi]))]
        blocks_mu = _parcel_blocks(rng, areas)
        merged_block: list[float] = []
        if zone.code == "XSG" and mega is not None:
            # 合并供地: three large adjacent parcels, the two largest hold the largest project
            merged_block = sorted(
                (round(float(rng.uniform(150.0, 230.0)), 1) for _ in range(3)), reverse=True
            )
            blocks_mu.insert(0, merged_block)
            mega.update(
                land_mu=round((merged_block[0] + merged_block[1]) * 0.97, 1),
                land_use="M1",
                pollution=2,
                carrier="land",
                start_year=years[0],
                ready_to_build=False,
            )
        blocks: list[list[_Lot]] = []
        n = 0
        for bi, block in enumerate(blocks_mu):
            mean_m2 = float(np.mean(block)) * M2_PER_MU
            depth = float(np.clip(math.sqrt(mean_m2) * rng.uniform(0.9, 1.3), 60.0, 480.0))
            lots = []
            for area in block:
                n += 1
                attrs = _parcel_attrs(rng, zone, area, years)
                attrs["parcel_id"] = f"{zone.code}-{n:02d}"
                if merged_block and bi == 0:
                    attrs.update(
                        land_use="M1",
                        clusters="equipment;new_energy",
                        max_pollution=3,
                        available_year=years[0],
                        divisible=False,
                    )
                lots.append(_Lot(area * M2_PER_MU / depth, depth, attrs))
            blocks.append(lots)
        fac_lots = [
            _factory_lot(rng, zone, years, j + 1) for j in range(int((fac_zone == zi).sum()))
        ]
        all_blocks = blocks + [fac_lots[j : j + 3] for j in range(0, len(fac_lots), 3)]
        centre = to_xy.transform(zone.lon, zone.lat)
        outline = _lay_out(rng, all_blocks, (float(centre[0]), float(centre[1])))
        for lot in (lot for b in blocks for lot in b):
            assert lot.geom is not None
            parcels.append(lot.attrs)
            geoms[lot.attrs["parcel_id"]] = lot.geom
        for lot in fac_lots:
            assert lot.geom is not None
            factories.append(lot.attrs)
            geoms[lot.attrs["factory_id"]] = lot.geom
        zone_rows.append(
            {
                "zone": zone.code,
                "name_zh": zone.name_zh,
                "name_en": zone.name_en,
                "focus_clusters": ";".join(zone.focus),
                "geometry": outline,
            }
        )

    # a small district may have no parcel as large as a project: such projects scale down
    largest = max(p["area_mu"] for p in parcels)
    for pro in projects:
        if pro is not mega and pro["land_mu"] > largest:
            pro["land_mu"] = round(largest * float(rng.uniform(0.7, 0.95)), 1)
    _pin(rng, projects, parcels, factories, n_pins=max(1, n_projects // 50))
    quotas = _quotas(projects, years)
    clusters = _clusters(parcels, geoms)

    crs = DEFAULT_WORKING_CRS
    par_gdf = gpd.GeoDataFrame(
        pd.DataFrame(parcels), geometry=[geoms[p["parcel_id"]] for p in parcels], crs=crs
    )
    fac_gdf = gpd.GeoDataFrame(
        pd.DataFrame(factories), geometry=[geoms[f["factory_id"]] for f in factories], crs=crs
    )
    report = Report()
    tables = from_frames(
        parcels=par_gdf,
        factories=fac_gdf,
        projects=pd.DataFrame(projects),
        quotas=pd.DataFrame(quotas),
        clusters=pd.DataFrame(clusters),
        zones=gpd.GeoDataFrame(zone_rows, geometry="geometry", crs=crs),
        report=report,
        file=None,
        crs=crs,
    )
    if not report.errors:
        check_references(tables, report)
    if report.problems:
        # the generator is wrong, not the user's input
        raise RuntimeError(
            "demo generator produced invalid data:\n" + "\n".join(p.text("en") for p in report)
        )
    return tables


def _round_up(x: float, step: float) -> float:
    return math.ceil(x / step) * step


def _quotas(projects: list[dict[str, Any]], years: list[int]) -> list[dict[str, Any]]:
    """District quotas a little below the land demand, falling each year; two zone quotas."""
    land = [float(p["land_mu"]) for p in projects if p["carrier"] != "factory"]
    demand = sum(land)
    largest = max(land, default=0.0)
    per_year = demand * 1.02 / len(years)
    rows: list[dict[str, Any]] = []
    for k, year in enumerate(years):
        district = max(
            _round_up(per_year * max(0.5, 1 - 0.08 * k), 50.0), _round_up(largest * 1.1, 50.0)
        )
        rows.append({"year": year, "zone": "*", "land_mu": district})
        for zone in ZONES:
            if zone.quota_share:
                share = _round_up(district * zone.quota_share, 10.0)
                rows.append(
                    {
                        "year": year,
                        "zone": zone.code,
                        "land_mu": max(share, _round_up(largest * 1.1, 10.0)),
                    }
                )
    return rows


def _clusters(parcels: list[dict[str, Any]], geoms: dict[str, Polygon]) -> list[dict[str, Any]]:
    """Cluster table; the 链主 anchor sits on the largest parcel of the cluster's first focus zone."""
    rows = []
    for c in CLUSTERS:
        home = next(z.code for z in ZONES if c.code in z.focus)
        candidates = [
            p for p in parcels if p["zone"] == home and c.code in str(p["clusters"]).split(";")
        ] or [p for p in parcels if p["zone"] == home]
        site = max(candidates, key=lambda p: (p["area_mu"], p["parcel_id"]))
        pt = geoms[site["parcel_id"]].representative_point()
        rows.append(
            {
                "cluster": c.code,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "color": c.color,
                "anchor_x": round(pt.x, 1),
                "anchor_y": round(pt.y, 1),
            }
        )
    return rows


# --------------------------------------------------------------------------- output


def summarise(tables: Tables) -> DemoSummary:
    """Headline figures of a generated district."""
    pro = tables.projects
    inv = pro["investment_yi"].astype(float)
    land_rows = pro[pro["carrier"] != "factory"]
    quo = tables.quotas
    return DemoSummary(
        parcels=len(tables.parcels),
        parcel_mu=float(tables.parcels["area_mu"].astype(float).sum()),
        factories=len(tables.factories),
        factory_m2=float(tables.factories["floor_area_m2"].astype(float).sum()),
        projects=len(pro),
        signed=int((pro["stage"] == "signed").sum()),
        land_demand_mu=float(land_rows["land_mu"].astype(float).sum()),
        tiers={t: int((inv >= t).sum()) for t in (1.0, 10.0, 50.0, 100.0)},
        quotas={
            int(y): float(q)
            for y, z, q in zip(quo["year"], quo["zone"], quo["land_mu"], strict=True)
            if z == "*"
        },
        pinned=int((pro["pinned_carrier"].astype(str) != "").sum()),
    )


def projects_sheet(tables: Tables) -> pd.DataFrame:
    """The projects as a 项目库 spreadsheet with the contract's Chinese headers."""
    out = pd.DataFrame()
    for col in LAYERS["projects"]:
        values = tables.projects[col.name].tolist()
        if col.kind == "list":
            values = [";".join(v) if v else "" for v in values]
        elif col.kind == "bool":
            values = ["是" if v else "否" for v in values]
        out[col.label_zh or col.name] = pd.Series(values, dtype=object)
    return out


def write_demo(
    path: str | Path,
    *,
    seed: int = DEMO_SEED,
    n_projects: int = DEFAULT_PROJECTS,
    first_year: int = DEFAULT_FIRST_YEAR,
    n_years: int = DEFAULT_YEARS,
    xlsx: str | Path | None = None,
    overwrite: bool = False,
) -> Tables:
    """Generate the district and write it as a GeoPackage (and the projects as ``.xlsx``).

    Both files are written to temporary names first and renamed only when both are complete, so a
    failed run leaves nothing behind. Raises :class:`~geodata.report.DataError` for bad
    parameters or an output that exists without ``overwrite``.

    Parameters
    ----------
    path
        The GeoPackage to write.
    seed, n_projects, first_year, n_years
        As for :func:`generate`.
    xlsx
        When given, the projects are also written there as a 项目库 sheet with Chinese headers
        (:func:`projects_sheet`), readable by :func:`geodata.pipeline.read_pipeline`.
    overwrite
        Replace existing files.

    Returns
    -------
    Tables
        The generated tables.
    """
    path = Path(path)
    targets = [path] + ([Path(xlsx)] if xlsx is not None else [])
    for target in targets:
        check_output_path(target, [t for t in targets if t is not target], overwrite)
    tables = generate(seed, n_projects=n_projects, first_year=first_year, n_years=n_years)
    with ExitStack() as stack:
        tmp_gpkg = stack.enter_context(atomic_path(path))
        if xlsx is not None:
            tmp_xlsx = stack.enter_context(atomic_path(xlsx))
            projects_sheet(tables).to_excel(tmp_xlsx, sheet_name="项目库", index=False)
        write_tables(tables, tmp_gpkg)
    return tables
