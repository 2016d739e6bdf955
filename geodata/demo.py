"""A reproducible demonstration district modelled on 苏州高新区.

:func:`generate` builds a fictional but realistic district from a seed: zones laid out on a grid in
the order of their real-world locations (科技城, 浒墅关经开区, 狮山横塘, 枫桥, 通安, 东渚) in CGCS2000 /
3-degree Gauss-Kruger CM 120E (EPSG:4549), parcels in street blocks (adjacent parcels inside a
block can be merged for 合并供地), standard factories, a pipeline of projects with the investment
tiers the seed reports count (≥ 1 / 10 / 50 / 100 亿元), yearly land quotas for the district and
for two zones, seven industry clusters with their 链主 anchor points, and a few pinned decisions.

Every company, project and parcel is invented. The same seed and parameters always give the same
tables. Sizes are parameters (the defaults are the demo: 6 zones, 400 parcels, 40 factories, 200
projects, 2026–2028); the generator is vectorised so that 10 000 parcels take about a second.
The tables are built directly in the typed form of the schema tier (the tests check that
:func:`geodata.schema.coerce_table` leaves them unchanged), then go through the parcel geometry
checks and the reference tier (:func:`geodata.store.check_references`) before they are returned;
:func:`write_demo` writes them atomically. Pinned projects satisfy the optimizer's static rules
(see :func:`_parcel_fit_mask`) and fit within half of each year's quotas.
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
import shapely
from pyproj import Transformer

from geodata.crs import DEFAULT_WORKING_CRS
from geodata.geometry import check_parcel_geometry
from geodata.report import Report
from geodata.schema import LAYERS
from geodata.store import (
    Tables,
    atomic_path,
    check_output_path,
    check_references,
    write_tables,
)
from geodata.textsafe import text_cells_as_text
from geodata.units import M2_PER_MU, WAN_PER_YI

#: Seed of the shipped demo file ``geodata/demo.gpkg``.
DEMO_SEED = 20261122
DEFAULT_FIRST_YEAR = 2026
DEFAULT_YEARS = 3
DEFAULT_ZONES = 6
DEFAULT_PARCELS = 400
DEFAULT_FACTORIES = 40
DEFAULT_PROJECTS = 200
#: Total district quota of all years / total land demand of the projects.
DEFAULT_QUOTA_RATIO = 0.6
#: Accepted ranges of the size parameters.
ZONES_RANGE = (1, 30)
PARCELS_RANGE = (30, 50000)
FACTORIES_RANGE = (3, 5000)
PROJECTS_RANGE = (20, 20000)
YEARS_RANGE = (1, 10)
FIRST_YEAR_RANGE = (2000, 2090)
QUOTA_RATIO_RANGE = (0.05, 2.0)
#: Waste tolerance of the optimizer's default policy: a whole parcel may be at most this much
#: larger than the demand (mirrored here so that pins are placeable; see optimizer.settings).
WASTE_TOLERANCE = 0.5
#: Gap between zones of the district grid (m).
ZONE_GAP_M = 300.0

#: Gap between parcels of one block (m); below ``geometry.ADJACENCY_GAP_M``, so they are adjacent.
PARCEL_GAP_M = 8.0
#: Roads between blocks and rows (m); above ``geometry.ADJACENCY_GAP_M``, so they are not.
ROAD_M = (35.0, 50.0)


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
        "KJC",
        "科技城",
        "Science & Technology Town",
        120.430,
        31.330,
        ("photonics", "digital", "medical_devices", "ic"),
        0.20,
        (("M0", 0.35), ("M1", 0.65)),
        350.0,
        30.0,
        0.25,
    ),
    ZoneSpec(
        "XSG",
        "浒墅关经开区",
        "Xushuguan Economic Development Zone",
        120.490,
        31.410,
        ("equipment", "new_energy", "ic"),
        0.20,
        (("M1", 0.5), ("M2", 0.4), ("M3", 0.1)),
        280.0,
        20.0,
        0.30,
    ),
    ZoneSpec(
        "SSHT",
        "狮山横塘",
        "Shishan-Hengtang",
        120.560,
        31.280,
        ("digital", "biomed", "medical_devices"),
        0.12,
        (("M0", 0.4), ("M1", 0.6)),
        400.0,
        35.0,
    ),
    ZoneSpec(
        "FQ",
        "枫桥",
        "Fengqiao",
        120.520,
        31.325,
        ("ic", "equipment", "photonics"),
        0.14,
        (("M1", 0.8), ("M2", 0.2)),
        300.0,
        25.0,
    ),
    ZoneSpec(
        "TA",
        "通安",
        "Tong'an",
        120.440,
        31.385,
        ("new_energy", "equipment"),
        0.18,
        (("M1", 0.5), ("M2", 0.5)),
        250.0,
        15.0,
    ),
    ZoneSpec(
        "DZ",
        "东渚",
        "Dongzhu",
        120.375,
        31.345,
        ("biomed", "medical_devices", "photonics"),
        0.16,
        (("M1", 0.8), ("M0", 0.2)),
        300.0,
        20.0,
    ),
)

CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec(
        "photonics",
        "光子",
        "Photonics",
        "#7b3294",
        0.14,
        (("M1", 0.85), ("M0", 0.15)),
        "光电科技",
        ("激光器", "光模块", "光纤传感器", "光学镜头", "激光加工设备", "光电芯片"),
        (1.5, 3.5),
        (("telecom", 0.5),),
    ),
    ClusterSpec(
        "ic",
        "集成电路",
        "Integrated circuits",
        "#2c7bb6",
        0.14,
        (("M1", 0.9), ("M2", 0.1)),
        "半导体",
        ("功率半导体", "晶圆级封装", "模拟芯片", "半导体设备零部件", "掩膜版", "传感器芯片"),
        (1.2, 3.0),
        (("telecom", 0.5), ("gas", 0.3)),
    ),
    ClusterSpec(
        "medical_devices",
        "医疗器械",
        "Medical devices",
        "#d7191c",
        0.16,
        (("M1", 1.0),),
        "医疗科技",
        ("影像设备", "微创手术器械", "体外诊断试剂", "骨科植入物", "医用耗材", "康复设备"),
        (1.5, 3.5),
    ),
    ClusterSpec(
        "biomed",
        "生物医药",
        "Biomedicine",
        "#1a9641",
        0.14,
        (("M1", 0.8), ("M2", 0.2)),
        "生物医药",
        ("抗体药物", "细胞治疗", "创新制剂", "疫苗", "原料药中试", "基因检测"),
        (0.8, 2.5),
        (("gas", 0.5), ("heat", 0.5)),
    ),
    ClusterSpec(
        "new_energy",
        "新能源",
        "New energy",
        "#fdae61",
        0.14,
        (("M1", 0.6), ("M2", 0.4)),
        "新能源科技",
        ("储能电池", "光伏组件", "氢燃料电池", "逆变器", "动力电池材料", "充电设备"),
        (1.5, 3.5),
        (("gas", 0.4),),
    ),
    ClusterSpec(
        "equipment",
        "高端装备",
        "High-end equipment",
        "#636363",
        0.16,
        (("M1", 0.5), ("M2", 0.45), ("M3", 0.05)),
        "智能装备",
        ("工业机器人", "精密数控机床", "半导体装备", "轨道交通装备", "智能检测设备", "高端轴承"),
        (1.5, 3.0),
        (("gas", 0.3),),
    ),
    ClusterSpec(
        "digital",
        "数字经济",
        "Digital economy",
        "#00a6ca",
        0.12,
        (("M0", 0.7), ("M1", 0.3)),
        "信息技术",
        ("工业软件", "数据中心", "人工智能算法", "工业互联网平台", "芯片设计", "智慧城市系统"),
        (1.0, 3.0),
        (("telecom", 1.0),),
    ),
)

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
    zones: int


# --------------------------------------------------------------------------- helpers


def _pick(rng: np.random.Generator, weighted: Sequence[tuple[str, float]]) -> str:
    w = np.cumsum([x for _, x in weighted], dtype=float)
    k = int(np.searchsorted(w, rng.random() * w[-1], side="right"))
    return str(weighted[min(k, len(weighted) - 1)][0])


def _year_weights(n_years: int, decay: float) -> np.ndarray:
    w = np.array([decay**k for k in range(n_years)], dtype=float)
    return w / w.sum()


def _check_params(**values: float) -> None:
    report = Report()
    for option, zh, (lo, hi), value in (
        ("--zones", "片区数", ZONES_RANGE, values["n_zones"]),
        ("--parcels", "地块数", PARCELS_RANGE, values["n_parcels"]),
        ("--factories", "标准厂房数", FACTORIES_RANGE, values["n_factories"]),
        ("--projects", "项目数", PROJECTS_RANGE, values["n_projects"]),
        ("--first-year", "起始年份", FIRST_YEAR_RANGE, values["first_year"]),
        ("--years", "规划年数", YEARS_RANGE, values["n_years"]),
        ("--quota-ratio", "指标/需求比", QUOTA_RATIO_RANGE, values["quota_ratio"]),
    ):
        if not lo <= value <= hi:
            report.error(
                "bad_demo_parameter",
                f"{zh}（{option}）{value:g} 超出允许范围",
                f"{option} {value:g} is out of range",
                hint_zh=f"{lo:g}–{hi:g}",
                hint_en=f"{lo:g}–{hi:g}",
            )
    if not report.errors and values["n_parcels"] < 5 * values["n_zones"]:
        report.error(
            "bad_demo_parameter",
            f"地块数 {values['n_parcels']:g} 太少：每个片区至少 5 宗（--zones {values['n_zones']:g}）",
            f"--parcels {values['n_parcels']:g} is too few: at least 5 per zone "
            f"(--zones {values['n_zones']:g})",
            hint_zh=f"≥ {5 * values['n_zones']:g}",
            hint_en=f">= {5 * values['n_zones']:g}",
        )
    report.raise_if_errors()


def zone_specs(n_zones: int = DEFAULT_ZONES) -> tuple[ZoneSpec, ...]:
    """The first ``n_zones`` zones: the six of 苏州高新区, then generic ``Z07``, ``Z08`` …"""
    out = list(ZONES[:n_zones])
    codes = [c.code for c in CLUSTERS]
    for k in range(len(ZONES) + 1, n_zones + 1):
        focus = tuple(codes[(k + j) % len(codes)] for j in range(2 + k % 2))
        out.append(
            ZoneSpec(
                f"Z{k:02d}",
                f"拓展片区{k:02d}",
                f"Expansion zone {k:02d}",
                math.nan,
                math.nan,
                focus,
                1.0 / len(ZONES),
                (("M1", 0.6), ("M2", 0.35), ("M3", 0.05)),
                280.0 + 10.0 * (k % 3),
                20.0 + 5.0 * (k % 2),
            )
        )
    return tuple(out)


def _split(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``weights`` (each ≥ ``minimum``)."""
    w = weights / weights.sum()
    counts = np.maximum(minimum, np.floor(w * total)).astype(int)
    order = np.argsort(-(w * total - np.floor(w * total)), kind="stable")
    k = 0
    while counts.sum() < total:
        counts[order[k % len(order)]] += 1
        k += 1
    while counts.sum() > total:
        i = int(np.argmax(counts))
        counts[i] -= 1
    return counts


# --------------------------------------------------------------------------- layout


@dataclass(slots=True)
class _ZoneLayout:
    """Parcels and factories of one zone in local metres, before the zone is placed."""

    parcel_xy: np.ndarray  # (n, 5, 2) closed quadrilaterals
    factory_xy: np.ndarray  # (m, 5, 2) rectangles
    width: float
    height: float


def _lay_out_zone(
    rng: np.random.Generator,
    area_m2: np.ndarray,
    block_of: np.ndarray,
    fac_w: np.ndarray,
    fac_d: np.ndarray,
) -> _ZoneLayout:
    """Street blocks in rows: the lots of a block share a depth and are :data:`PARCEL_GAP_M` apart.

    Parcel ``i`` belongs to block ``block_of[i]`` (consecutive). The dividing lines between the
    parcels of a block are slanted a little (the top end moves one way, the bottom end the other),
    which keeps every parcel's area exact. Factories stand in blocks of up to three.
    """
    n_blocks = int(block_of[-1]) + 1 if len(block_of) else 0
    sizes = np.bincount(block_of, minlength=n_blocks)
    mean_m2 = np.bincount(block_of, weights=area_m2, minlength=n_blocks) / np.maximum(sizes, 1)
    depth_b = np.clip(np.sqrt(mean_m2) * rng.uniform(0.9, 1.3, n_blocks), 60.0, 480.0)
    depth = depth_b[block_of]
    width = area_m2 / depth
    fac_blocks = [np.arange(j, min(j + 3, len(fac_w))) for j in range(0, len(fac_w), 3)]
    # block order: parcel blocks (0..n_blocks-1) and factory blocks (n_blocks..), shuffled, but
    # block 0 stays first (it may be the 合并供地 block)
    kinds = [("p", b) for b in range(n_blocks)] + [("f", j) for j in range(len(fac_blocks))]
    perm = rng.permutation(len(kinds) - 1) + 1 if len(kinds) > 1 else np.zeros(0, dtype=int)
    order = [kinds[0], *(kinds[int(i)] for i in perm)] if kinds else []
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if n_blocks else np.zeros(0, int)
    block_w = np.bincount(block_of, weights=width, minlength=n_blocks) + PARCEL_GAP_M * (sizes - 1)
    total = float(area_m2.sum() + (fac_w * fac_d).sum())
    row_width = max(900.0, math.sqrt(total * 1.6))
    roads = rng.uniform(*ROAD_M, len(order) + 1)
    x0 = np.zeros(len(area_m2))
    y0 = np.zeros(len(area_m2))
    fx0 = np.zeros(len(fac_w))
    fy0 = np.zeros(len(fac_w))
    x = y = row_depth = max_x = 0.0
    for k, (kind, b) in enumerate(order):
        if kind == "p":
            bw, bd = float(block_w[b]), float(depth_b[b])
        else:
            idx = fac_blocks[b]
            bw = float(fac_w[idx].sum() + PARCEL_GAP_M * (len(idx) - 1))
            bd = float(fac_d[idx].max())
        if x > 0 and x + bw > row_width:
            y += row_depth + float(roads[k])
            x = row_depth = 0.0
        if kind == "p":
            s = int(starts[b])
            w = width[s : s + int(sizes[b])]
            x0[s : s + len(w)] = x + np.concatenate([[0.0], np.cumsum(w + PARCEL_GAP_M)[:-1]])
            y0[s : s + len(w)] = y
        else:
            w = fac_w[idx]
            fx0[idx] = x + np.concatenate([[0.0], np.cumsum(w + PARCEL_GAP_M)[:-1]])
            fy0[idx] = y
        x += bw
        max_x = max(max_x, x)
        x += float(roads[k])
        row_depth = max(row_depth, bd)
    # slanted dividers: shift d of the line right of parcel i (0 at the block's right end)
    last = np.ones(len(area_m2), dtype=bool)
    last[:-1] = block_of[1:] != block_of[:-1]
    nxt_w = np.append(width[1:], np.inf)
    d = rng.uniform(-1.0, 1.0, len(area_m2)) * np.minimum(15.0, 0.2 * np.minimum(width, nxt_w))
    d[last] = 0.0
    dl = np.concatenate([[0.0], d[:-1]])
    dl[np.concatenate([[True], last[:-1]])] = 0.0
    x1, y1 = x0 + width, y0 + depth
    parcel_xy = np.stack(
        [
            np.stack([x0 - dl, y0], axis=1),
            np.stack([x1 - d, y0], axis=1),
            np.stack([x1 + d, y1], axis=1),
            np.stack([x0 + dl, y1], axis=1),
            np.stack([x0 - dl, y0], axis=1),
        ],
        axis=1,
    )
    factory_xy = _rectangles(fx0, fy0, fx0 + fac_w, fy0 + fac_d)
    return _ZoneLayout(parcel_xy, factory_xy, max_x, y + row_depth)


def _rectangles(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return np.stack([np.stack([a, b], axis=1) for a, b in corners], axis=1).reshape(-1, 5, 2)


def _place(xy: np.ndarray, centre: np.ndarray, angle_deg: float, target: np.ndarray) -> np.ndarray:
    """Rotate local coordinates about ``centre`` and move ``centre`` to ``target``."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    return (xy - centre) @ rot + target


def _grid_order(zones: Sequence[ZoneSpec], cols: int) -> list[int]:
    """Zone indices in grid order: rows from north to south, west to east within a row."""
    named = sorted(
        (i for i, z in enumerate(zones) if not math.isnan(z.lat)), key=lambda i: -zones[i].lat
    )
    generic = [i for i, z in enumerate(zones) if math.isnan(z.lat)]
    out: list[int] = []
    for r in range(0, len(named), cols):
        out += sorted(named[r : r + cols], key=lambda i: zones[i].lon)
    return out + generic


# --------------------------------------------------------------------------- parcels


def _dates(base: np.ndarray, offset: np.ndarray, scheduled: np.ndarray) -> list[dt.date | None]:
    """``base`` (datetime64[D]) + ``offset`` days, ``None`` where not scheduled."""
    days = (base + offset.astype("timedelta64[D]")).astype(object)
    return [v if s else None for v, s in zip(days.tolist(), scheduled.tolist(), strict=True)]


def _readiness(
    rng: np.random.Generator, avail: np.ndarray, first: int, standard: np.ndarray
) -> dict[str, list[dt.date | None]]:
    """Dates of 七通一平, planning conditions and regional assessments (vectorised).

    Parcels available in the first year are mostly levelled already; later ones get future dates.
    Gas and heat are often not scheduled, a few parcels miss power or planning, so readiness
    checks meet ready, ready-by-a-date and blocked parcels.
    """
    n = len(avail)
    year_start = (avail - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    prev_march = year_start - np.timedelta64(306, "D")  # about 1 March of the year before
    levelled_off = rng.integers(0, 396, n)
    levelled_ok = ~((avail > first) & (rng.random(n) < 0.05))
    levelled = prev_march + levelled_off.astype("timedelta64[D]")
    base = np.where(levelled_ok, levelled, year_start)
    out: dict[str, list[dt.date | None]] = {
        "ready_levelled": _dates(levelled, np.zeros(n, dtype=int), levelled_ok)
    }
    for item in ("water", "power", "road", "drainage", "telecom"):
        out[f"ready_{item}"] = _dates(base, rng.integers(-60, 541, n), rng.random(n) >= 0.06)
    for item, p in (("gas", 0.7), ("heat", 0.35)):
        out[f"ready_{item}"] = _dates(base, rng.integers(90, 721, n), rng.random(n) < p)
    prev_sept = year_start - np.timedelta64(122, "D")
    out["ready_planning"] = _dates(prev_sept, rng.integers(0, 303, n), rng.random(n) < 0.85)
    past = np.datetime64(f"{first - 2}-06-01")
    assessed = _dates(np.full(n, past), rng.integers(0, 579, n), np.ones(n, dtype=bool))
    other = _dates(
        year_start - np.timedelta64(365, "D"), rng.integers(0, 912, n), rng.random(n) < 0.5
    )
    out["ready_assessment"] = [
        a if s else o for a, o, s in zip(assessed, other, standard.tolist(), strict=True)
    ]
    return out


def _parcel_columns(
    rng: np.random.Generator,
    zones: Sequence[ZoneSpec],
    zone_of: np.ndarray,
    area: np.ndarray,
    years: list[int],
) -> dict[str, list[Any]]:
    """Attributes of all parcels (``zone_of`` indexes ``zones``), as lists of Python values."""
    n = len(area)
    first = years[0]
    land_use = np.empty(n, dtype=object)
    intensity = np.zeros(n)
    tax = np.zeros(n)
    for zi, zone in enumerate(zones):
        sel = np.flatnonzero(zone_of == zi)
        names = [u for u, _ in zone.land_uses]
        w = np.array([x for _, x in zone.land_uses])
        land_use[sel] = np.array(names, dtype=object)[
            rng.choice(len(names), len(sel), p=w / w.sum())
        ]
        intensity[sel] = zone.intensity_floor
        tax[sel] = zone.tax_floor
    codes = [c.code for c in CLUSTERS]
    open_ = rng.random(n) < 0.15
    drop = rng.random(n) < 0.3
    add = rng.random(n) < 0.15
    pick = rng.integers(0, 1 << 30, (n, 2))
    clusters: list[tuple[str, ...]] = []
    for i in range(n):
        if open_[i]:
            clusters.append(())
            continue
        cs = list(zones[int(zone_of[i])].focus)
        if len(cs) > 1 and drop[i]:
            cs.pop(int(pick[i, 0] % len(cs)))
        if add[i]:
            others = [c for c in codes if c not in cs]
            cs.append(others[int(pick[i, 1] % len(others))])
        clusters.append(tuple(sorted(cs)))
    max_pol = np.array([_MAX_POLLUTION[u] for u in land_use], dtype=int)
    max_pol[(land_use == "M1") & (rng.random(n) < 0.15)] = 1
    avail = np.asarray(years)[rng.choice(len(years), n, p=_year_weights(len(years), 0.45))]
    standard = rng.random(n) < 0.7
    step = rng.choice([-50.0, 0.0, 0.0, 50.0], n)
    intensity = np.where(standard, intensity + step, 0.0)
    tax = np.where(standard, tax + step / 10, 0.0)
    divisible = ((area >= 150.0) & (rng.random(n) < 0.5)) | (rng.random(n) < 0.05)
    far_min = [(_FAR[u][0] if s else None) for u, s in zip(land_use, standard, strict=True)]
    far_max = [(_FAR[u][1] if s else None) for u, s in zip(land_use, standard, strict=True)]
    cols: dict[str, list[Any]] = {
        "zone": [zones[int(z)].code for z in zone_of],
        "land_use": [str(u) for u in land_use],
        "clusters": clusters,
        "area_mu": area.tolist(),
        "divisible": divisible.tolist(),
        "available_year": avail.tolist(),
        "max_pollution": max_pol.tolist(),
        "min_intensity_wan_per_mu": intensity.tolist(),
        "min_tax_wan_per_mu": tax.tolist(),
        "far_min": far_min,
        "far_max": far_max,
    }
    cols.update(_readiness(rng, avail, first, standard))
    return cols


# --------------------------------------------------------------------------- factories


def _factory_columns(
    rng: np.random.Generator, zones: Sequence[ZoneSpec], zone_of: np.ndarray, years: list[int]
) -> tuple[dict[str, list[Any]], np.ndarray, np.ndarray]:
    """Attributes of all factories, and the width and depth of their footprints (m)."""
    m = len(zone_of)
    floor = np.round(np.exp(rng.uniform(math.log(2000.0), math.log(50000.0), m)), -2)
    loads = np.array([350.0, 500.0, 800.0, 1000.0, 1500.0])
    k = rng.choice(len(loads), m, p=[0.15, 0.3, 0.25, 0.2, 0.1])
    load = loads[k]
    height = np.choose(
        k,
        [
            np.full(m, 4.2),
            rng.choice([4.5, 5.4], m),
            np.full(m, 6.0),
            np.full(m, 8.0),
            rng.choice([10.0, 12.0], m),
        ],
    )
    floors = np.choose(
        k,
        [
            rng.integers(4, 9, m),
            rng.integers(3, 6, m),
            rng.integers(2, 4, m),
            rng.integers(1, 3, m),
            np.ones(m, dtype=int),
        ],
    )
    footprint = floor / floors
    width = np.sqrt(footprint * 2.0)
    open_ = rng.random(m) < 0.3
    avail = np.asarray(years)[rng.choice(len(years), m, p=_year_weights(len(years), 0.35))]
    counters: dict[int, int] = {}
    ids = []
    for z in zone_of.tolist():
        counters[z] = counters.get(z, 0) + 1
        ids.append(f"{zones[z].code}-F{counters[z]:02d}")
    cols: dict[str, list[Any]] = {
        "factory_id": ids,
        "zone": [zones[z].code for z in zone_of.tolist()],
        "clusters": [
            () if o else tuple(sorted(zones[z].focus))
            for z, o in zip(zone_of.tolist(), open_.tolist(), strict=True)
        ],
        "floor_area_m2": floor.tolist(),
        "floor_load_kg_m2": load.tolist(),
        "clear_height_m": height.tolist(),
        "available_year": avail.tolist(),
        "max_pollution": np.where(load <= 500.0, 1, 2).tolist(),
    }
    return cols, width, footprint / width


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
        "needs": tuple(sorted(needs)),
        "min_floor_load_kg_m2": (1000.0 if heavy else 500.0)
        if floor and rng.random() < 0.6
        else None,
        "min_clear_height_m": (8.0 if heavy else None) if floor else None,
        "tags": tuple(sorted(tags)),
        "pinned_carrier": "",
    }


_RANK = {"M0": 0, "M1": 1, "M2": 2, "M3": 3}


def _parcel_fit_mask(pro: dict[str, Any], par: dict[str, Any]) -> np.ndarray:
    """Parcels on which ``pro`` passes every static rule of the optimizer (no quota).

    Mirrors ``optimizer.candidates`` with the default policy: the 标准地 indicators are computed on
    the land supplied (the whole parcel unless it is divisible), the whole parcel may exceed the
    demand by at most :data:`WASTE_TOLERANCE`, land-use ranks (M0 only on M0, M1–M3 on a parcel
    of equal or higher rank), cluster admission, pollution and availability in the start year.
    A 1 % margin keeps the indicator floors safe from rounding to the optimizer's integer units.
    """
    land = float(pro["land_mu"])
    area = par["area_mu"]
    supplied = np.where(par["divisible"], land, area)
    rank = _RANK[pro["land_use"]]
    use_ok = (par["rank"] == 0) if rank == 0 else (par["rank"] >= rank) & (par["rank"] > 0)
    ok = (
        (par["open"] | np.array([pro["cluster"] in c for c in par["clusters"]], dtype=bool))
        & use_ok
        & (par["max_pollution"] >= pro["pollution"])
        & (area >= land)
        & (par["divisible"] | (area <= land * (1.0 + WASTE_TOLERANCE) * 0.999))
        & (pro["investment_yi"] * WAN_PER_YI / supplied >= par["min_intensity"] * 1.01)
        & (pro["tax_wan"] / supplied >= par["min_tax"] * 1.01)
        & (par["available_year"] <= pro["start_year"])
    )
    floor = float(pro["floor_m2"] or 0.0)
    if floor > 0:
        far = floor / (supplied * M2_PER_MU)
        ok &= (far >= par["far_min"] * 1.01) & (far <= par["far_max"] * 0.99)
    return ok


def _fits_factory(pro: dict[str, Any], fac: dict[str, Any]) -> bool:
    """Static rules of the optimizer for a project in a standard factory."""
    clusters = fac["clusters"]
    return bool(
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
    parcels: dict[str, list[Any]],
    factories: dict[str, list[Any]],
    quotas: list[dict[str, Any]],
    n_pins: int,
) -> None:
    """Lock a few signed projects to carriers they fit (decisions already taken).

    The signed contract fixes the land at a little below the parcel's area. A pinned project is
    not 拿地即开工 (its readiness was settled with the contract). Pinned land of each start year
    stays below half of that year's district quota and of its zone's quota, so every pin can be
    honoured whatever else the optimizer places.
    """
    par: dict[str, Any] = {
        "area_mu": np.asarray(parcels["area_mu"], dtype=float),
        "divisible": np.asarray(parcels["divisible"], dtype=bool),
        "rank": np.array([_RANK[u] for u in parcels["land_use"]]),
        "open": np.array([len(c) == 0 for c in parcels["clusters"]], dtype=bool),
        "clusters": parcels["clusters"],
        "max_pollution": np.asarray(parcels["max_pollution"]),
        "min_intensity": np.asarray(parcels["min_intensity_wan_per_mu"], dtype=float),
        "min_tax": np.asarray(parcels["min_tax_wan_per_mu"], dtype=float),
        "far_min": np.array([v if v is not None else 0.0 for v in parcels["far_min"]]),
        "far_max": np.array([v if v is not None else np.inf for v in parcels["far_max"]]),
        "available_year": np.asarray(parcels["available_year"]),
    }
    zone = parcels["zone"]
    cap = {(q["year"], q["zone"]): 0.5 * q["land_mu"] for q in quotas}
    used: dict[tuple[int, str], float] = {}
    taken = np.zeros(len(zone), dtype=bool)
    pinned = 0
    order = [int(i) for i in rng.permutation(len(projects))]
    for i in order:
        pro = projects[i]
        if pinned >= n_pins:
            break
        if pro["stage"] != "signed" or pro["carrier"] != "land" or pro["investment_yi"] >= 50:
            continue
        land = float(pro["land_mu"])
        near = (par["area_mu"] >= 0.8 * land) & (par["area_mu"] <= 1.25 * land)
        cand = np.flatnonzero(near & ~taken & ~par["divisible"])
        rng.shuffle(cand)
        for j in cand.tolist():
            area = float(par["area_mu"][j])
            # the contract's land: a little below the parcel, within the waste tolerance
            trial = dict(pro, land_mu=math.floor(area * 0.95 * 10) / 10)
            y = int(trial["start_year"])
            keys = [(y, "*"), (y, zone[j])]
            if any(k in cap and used.get(k, 0.0) + area > cap[k] for k in keys):
                continue
            if (y, "*") not in cap:
                continue
            one = {k: v[j : j + 1] for k, v in par.items()}
            if bool(_parcel_fit_mask(trial, one)[0]):
                pro.update(trial, pinned_carrier=parcels["parcel_id"][j], ready_to_build=False)
                taken[j] = True
                for k in keys:
                    used[k] = used.get(k, 0.0) + area
                pinned += 1
                break
    fac_rows = [
        dict(zip(factories, vals, strict=True)) for vals in zip(*factories.values(), strict=True)
    ]
    for i in order:
        pro = projects[i]
        if pro["stage"] == "signed" and pro["carrier"] == "factory" and not pro["pinned_carrier"]:
            for fac in fac_rows:
                if _fits_factory(pro, fac):
                    pro["pinned_carrier"] = fac["factory_id"]
                    return


# --------------------------------------------------------------------------- assembly


def generate(
    seed: int = DEMO_SEED,
    *,
    n_zones: int = DEFAULT_ZONES,
    n_parcels: int = DEFAULT_PARCELS,
    n_factories: int = DEFAULT_FACTORIES,
    n_projects: int = DEFAULT_PROJECTS,
    first_year: int = DEFAULT_FIRST_YEAR,
    n_years: int = DEFAULT_YEARS,
    quota_ratio: float = DEFAULT_QUOTA_RATIO,
) -> Tables:
    """Generate the demonstration district.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed and parameters give the same tables.
    n_zones
        Number of zones (:data:`ZONES_RANGE`): the six of 苏州高新区 first, then generic ones.
    n_parcels, n_factories, n_projects
        Exact numbers of parcels, standard factories and pipeline projects.
    first_year, n_years
        The planning years ``first_year … first_year + n_years - 1`` (quotas, availability,
        start years).
    quota_ratio
        Total district quota over all years divided by the projects' total land demand (0.6: the
        demand is about 1.7 times what can be supplied, so not every project can be placed).

    Returns
    -------
    Tables
        All contract layers plus a ``zones`` layer, in EPSG:4549, in the typed form of the schema
        tier, after the parcel geometry checks and the reference tier.

    Raises
    ------
    DataError
        When a parameter is out of range.
    """
    _check_params(
        n_zones=n_zones,
        n_parcels=n_parcels,
        n_factories=n_factories,
        n_projects=n_projects,
        first_year=first_year,
        n_years=n_years,
        quota_ratio=quota_ratio,
    )
    rng = np.random.default_rng(seed)
    years = list(range(first_year, first_year + n_years))
    zones = zone_specs(n_zones)

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
    mega = next((p for p in projects if p["investment_yi"] >= 100), None)

    # parcels: counts per zone, areas, street blocks of one to four parcels
    zone_w = np.array([z.share for z in zones])
    counts = _split(n_parcels, zone_w, 5)
    zone_of = np.repeat(np.arange(len(zones)), counts)
    area = np.round(np.clip(rng.lognormal(math.log(55.0), 0.6, n_parcels), 10.0, 300.0), 1)
    block_size = rng.choice([1, 2, 3, 4], n_parcels, p=[0.25, 0.35, 0.28, 0.12])
    mega_zone = 1 if len(zones) > 1 else 0
    mega_idx = np.zeros(0, dtype=int)
    if mega is not None:
        # 合并供地: three large adjacent parcels opening the zone; the two largest hold the project
        s = int(counts[:mega_zone].sum())
        mega_idx = np.arange(s, s + 3)
        area[mega_idx] = np.sort(np.round(rng.uniform(150.0, 230.0, 3), 1))[::-1]
        block_size[s] = 3
        mega.update(
            land_mu=round(float(area[s] + area[s + 1]) * 0.97, 1),
            land_use="M1",
            pollution=2,
            carrier="land",
            start_year=years[0],
            ready_to_build=False,
        )
    cols = _parcel_columns(rng, zones, zone_of, area, years)
    if mega is not None:
        for j in mega_idx.tolist():
            cols["land_use"][j] = "M1"
            cols["clusters"][j] = ("equipment", "new_energy")
            cols["max_pollution"][j] = 3
            cols["available_year"][j] = years[0]
            cols["divisible"][j] = False
    fac_zone_w = np.array([0.25, 0.1, 0.25, 0.15, 0.1, 0.15] + [0.15] * len(zones))[: len(zones)]
    fac_zone = np.sort(rng.choice(len(zones), n_factories, p=fac_zone_w / fac_zone_w.sum()))
    fac_cols, fac_w, fac_d = _factory_columns(rng, zones, fac_zone, years)

    # lay out each zone, then place the zones on a grid around the district's centre
    parcel_xy = np.zeros((n_parcels, 5, 2))
    factory_xy = np.zeros((n_factories, 5, 2))
    ids: list[str] = []
    layouts: list[_ZoneLayout] = []
    for zi, zone in enumerate(zones):
        sel = np.flatnonzero(zone_of == zi)
        fsel = np.flatnonzero(fac_zone == zi)
        block_of = _blocks(block_size[sel], mega_first=zi == mega_zone and mega is not None)
        layouts.append(
            _lay_out_zone(rng, area[sel] * M2_PER_MU, block_of, fac_w[fsel], fac_d[fsel])
        )
        w = max(2, len(str(len(sel))))
        ids += [f"{zone.code}-{k + 1:0{w}d}" for k in range(len(sel))]
    angles = rng.uniform(-12.0, 12.0, len(zones))
    outlines = _place_zones(zones, layouts, angles, zone_of, fac_zone, parcel_xy, factory_xy)

    crs = DEFAULT_WORKING_CRS
    par_cols: dict[str, list[Any]] = {"parcel_id": ids, **cols}
    _fix_oversized(rng, projects, float(area.max()), mega)
    quotas = _quotas(projects, years, zones, quota_ratio)
    _pin(rng, projects, par_cols, fac_cols, quotas, n_pins=min(12, max(3, n_projects // 50)))
    parcels_gdf = _geo_frame(par_cols, LAYERS["parcels"], shapely.polygons(parcel_xy), crs)
    factories_gdf = _geo_frame(fac_cols, LAYERS["factories"], shapely.polygons(factory_xy), crs)
    clusters = _clusters(parcels_gdf, zones)
    zone_frame = gpd.GeoDataFrame(
        {
            "zone": [z.code for z in zones],
            "name_zh": [z.name_zh for z in zones],
            "name_en": [z.name_en for z in zones],
            "focus_clusters": [";".join(z.focus) for z in zones],
        },
        geometry=outlines,
        crs=crs,
    )
    report = Report()
    parcels_gdf = check_parcel_geometry(parcels_gdf, report, file=None)
    tables = Tables(
        parcels=parcels_gdf,
        factories=factories_gdf,
        projects=_frame({k: [p[k] for p in projects] for k in projects[0]}, LAYERS["projects"]),
        quotas=_frame(
            {k: [q[k] for q in quotas] for k in ("year", "zone", "land_mu")}, LAYERS["quotas"]
        ),
        clusters=_frame(clusters, LAYERS["clusters"]),
        zones=zone_frame,
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


def _blocks(sizes: np.ndarray, *, mega_first: bool) -> np.ndarray:
    """Block number of each parcel of a zone, from the drawn block sizes (vectorised)."""
    n = len(sizes)
    if n == 0:
        return np.zeros(0, dtype=int)
    # a block starts at parcel i when i is the first parcel after the previous block; emulate
    # the sequential grouping with the drawn size of each starting parcel
    starts = np.zeros(n, dtype=bool)
    i = 0
    size_list = sizes.tolist()
    if mega_first:
        size_list[0] = 3
    while i < n:
        starts[i] = True
        i += int(size_list[i])
    return np.cumsum(starts) - 1


def _place_zones(
    zones: Sequence[ZoneSpec],
    layouts: list[_ZoneLayout],
    angles: np.ndarray,
    zone_of: np.ndarray,
    fac_zone: np.ndarray,
    parcel_xy: np.ndarray,
    factory_xy: np.ndarray,
) -> list[Any]:
    """Rotate each zone, place it in its grid cell; fill the coordinate arrays; return outlines."""
    to_xy = Transformer.from_crs("EPSG:4490", DEFAULT_WORKING_CRS, always_xy=True)
    cx, cy = to_xy.transform(120.475, 31.335)
    cols = math.ceil(math.sqrt(len(zones)))
    order = _grid_order(zones, cols)
    margin = 150.0
    boxes = []
    for lay, a in zip(layouts, angles, strict=True):
        w, h = lay.width + 2 * margin, lay.height + 2 * margin
        c, s = abs(math.cos(math.radians(a))), abs(math.sin(math.radians(a)))
        boxes.append((w * c + h * s, w * s + h * c))
    rows = math.ceil(len(zones) / cols)
    cell = {zi: divmod(k, cols) for k, zi in enumerate(order)}
    col_w = [max((boxes[z][0] for z in order if cell[z][1] == c), default=0.0) for c in range(cols)]
    row_h = [max((boxes[z][1] for z in order if cell[z][0] == r), default=0.0) for r in range(rows)]
    total_w = sum(col_w) + ZONE_GAP_M * (cols - 1)
    total_h = sum(row_h) + ZONE_GAP_M * (rows - 1)
    outlines = []
    for zi, lay in enumerate(layouts):
        r, c = cell[zi]
        tx = cx - total_w / 2 + sum(col_w[:c]) + ZONE_GAP_M * c + col_w[c] / 2
        ty = cy + total_h / 2 - sum(row_h[:r]) - ZONE_GAP_M * r - row_h[r] / 2
        centre = np.array([lay.width / 2, lay.height / 2])
        target = np.array([tx, ty])
        parcel_xy[zone_of == zi] = _place(lay.parcel_xy, centre, float(angles[zi]), target)
        factory_xy[fac_zone == zi] = _place(lay.factory_xy, centre, float(angles[zi]), target)
        ring = _rectangles(
            np.array([-margin]),
            np.array([-margin]),
            np.array([lay.width + margin]),
            np.array([lay.height + margin]),
        )
        outlines.append(shapely.polygons(_place(ring, centre, float(angles[zi]), target))[0])
    return outlines


def _frame(cols: dict[str, list[Any]], spec: Sequence[Any]) -> pd.DataFrame:
    """A table in the schema tier's typed form: object columns in contract order."""
    return pd.DataFrame({c.name: pd.Series(cols[c.name], dtype=object) for c in spec})


def _geo_frame(
    cols: dict[str, list[Any]], spec: Sequence[Any], geoms: np.ndarray, crs: str
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(_frame(cols, spec), geometry=list(geoms), crs=crs)


def _fix_oversized(
    rng: np.random.Generator,
    projects: list[dict[str, Any]],
    largest: float,
    mega: dict[str, Any] | None,
) -> None:
    """A small district may have no parcel as large as a project: such projects scale down."""
    for pro in projects:
        if pro is not mega and pro["land_mu"] > largest:
            pro["land_mu"] = round(largest * float(rng.uniform(0.7, 0.95)), 1)


def _round_up(x: float, step: float) -> float:
    return math.ceil(x / step) * step


def _quotas(
    projects: list[dict[str, Any]], years: list[int], zones: Sequence[ZoneSpec], ratio: float
) -> list[dict[str, Any]]:
    """District quotas of ``ratio`` × the land demand, split over the years; two zone quotas.

    Each year gets its share half in proportion to the demand starting that year and half evenly.
    The first year can always hold the largest project, and a zone quota its largest supply.
    """
    land = [
        (int(p["start_year"]), float(p["land_mu"])) for p in projects if p["carrier"] != "factory"
    ]
    demand = sum(a for _, a in land)
    largest = max((a for _, a in land), default=0.0) * (1.0 + WASTE_TOLERANCE)
    by_year = np.array([sum(a for y, a in land if y == year) for year in years])
    share = 0.5 * by_year / max(demand, 1e-9) + 0.5 / len(years)
    step = 50.0 if demand * ratio / len(years) >= 500 else 10.0
    rows: list[dict[str, Any]] = []
    for k, year in enumerate(years):
        district = _round_up(demand * ratio * float(share[k]), step)
        if k == 0:
            district = max(district, _round_up(largest * 1.1, step))
        rows.append({"year": year, "zone": "*", "land_mu": float(district)})
        for zone in zones:
            if zone.quota_share and len(zones) >= 3:
                zq = max(_round_up(district * zone.quota_share, 10.0), _round_up(largest, 10.0))
                rows.append({"year": year, "zone": zone.code, "land_mu": float(zq)})
    return rows


def _clusters(parcels: gpd.GeoDataFrame, zones: Sequence[ZoneSpec]) -> dict[str, list[Any]]:
    """Cluster table; the 链主 anchor sits on the largest parcel of the cluster's first focus zone."""
    pts = parcels.geometry.representative_point()
    area = parcels["area_mu"].astype(float).to_numpy()
    zone = parcels["zone"].to_numpy()
    rows: dict[str, list[Any]] = {
        k: [] for k in ("cluster", "name_zh", "name_en", "color", "anchor_x", "anchor_y")
    }
    for c in CLUSTERS:
        home = next((z.code for z in zones if c.code in z.focus), None)
        member = np.array([c.code in v for v in parcels["clusters"]], dtype=bool)
        for mask in (member & (zone == home), zone == home, member, np.ones(len(area), bool)):
            if mask.any():
                break
        j = int(np.flatnonzero(mask)[np.argmax(area[mask])])
        rows["cluster"].append(c.code)
        rows["name_zh"].append(c.name_zh)
        rows["name_en"].append(c.name_en)
        rows["color"].append(c.color)
        rows["anchor_x"].append(round(float(pts.iloc[j].x), 1))
        rows["anchor_y"].append(round(float(pts.iloc[j].y), 1))
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
        zones=len(tables.zones) if tables.zones is not None else 0,
    )


def projects_sheet(tables: Tables) -> pd.DataFrame:
    """The projects as a plain 项目库 sheet: one column per contract column, Chinese headers."""
    out = pd.DataFrame()
    for col in LAYERS["projects"]:
        values = tables.projects[col.name].tolist()
        if col.kind == "list":
            values = [";".join(v) if v else "" for v in values]
        elif col.kind == "bool":
            values = ["是" if v else "否" for v in values]
        out[col.label_zh or col.name] = pd.Series(values, dtype=object)
    return out


#: Forms of the 项目库 spreadsheet written by :func:`write_demo`.
XLSX_FORMS = ("messy", "plain")
#: Title of the messy 项目库 sheet (merged across the table, above a blank row and the header).
MESSY_TITLE = "苏州高新区2026年重点产业项目库（截至2026年11月）"
MESSY_SHEET = "项目库"
#: The grouping column of the messy sheet (not a contract column; merged over equal runs).
MESSY_GROUP = "所属片区/招商部门"
_STAGE_ZH = {"negotiating": "在谈", "signed": "签约", "registered": "注册"}
_CARRIER_ZH = {"land": "土地", "factory": "厂房", "either": "均可"}
_LAND_USE_ZH = {
    "M0": "新型产业用地",
    "M1": "一类工业用地",
    "M2": "二类工业用地",
    "M3": "三类工业用地",
}
_NEED_ZH = {
    "water": "供水", "power": "供电", "road": "道路", "telecom": "通信", "gas": "燃气",
    "heat": "供热", "drainage": "排水",
}  # fmt: skip
_TAG_ZH = {
    "fortune500": "世界500强", "hq": "总部", "listed": "上市", "specialised": "专精特新",
    "chain_leader": "链主",
}  # fmt: skip
#: Decimals of 占地(公顷): 亩/15 to 6 decimals is within 1e-5 亩 of the value, far inside 0.01 亩.
HECTARE_DECIMALS = 6
_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def _num(x: float) -> int | float:
    """``x`` as an int when it is whole (so Excel shows ``10700`` rather than ``10700.0``)."""
    return int(x) if float(x).is_integer() else float(x)


def _grouped(x: float, full_width: bool = False) -> str:
    """``x`` as text with thousands separators, optionally in full-width characters."""
    text = f"{_num(x):,}"
    return text.translate(_FULL_WIDTH) if full_width else text


def _departments(tables: Tables) -> list[str]:
    """The 招商部门 of each project: the zone that hosts its pinned carrier or its cluster."""
    zone_name: dict[str, str] = {}
    focus: list[tuple[str, set[str]]] = []
    if tables.zones is not None:
        for rec in tables.zones.drop(columns="geometry").to_dict("records"):
            zone_name[str(rec["zone"])] = str(rec.get("name_zh") or rec["zone"])
            focus.append((str(rec["zone"]), set(str(rec.get("focus_clusters") or "").split(";"))))
    carrier_zone = dict(zip(tables.parcels["parcel_id"], tables.parcels["zone"], strict=True))
    carrier_zone.update(zip(tables.factories["factory_id"], tables.factories["zone"], strict=True))
    out: list[str] = []
    for i, (cluster, pin) in enumerate(
        zip(tables.projects["cluster"], tables.projects["pinned_carrier"], strict=True)
    ):
        zone = carrier_zone.get(str(pin))
        if zone is None:
            hosts = [z for z, f in focus if cluster in f] or [z for z, _ in focus]
            zone = hosts[i % len(hosts)] if hosts else None
        out.append(f"{zone_name.get(zone, zone)}招商局" if zone else "投资促进局")
    return out


def messy_rows(tables: Tables) -> tuple[list[str], list[list[Any]]]:
    """Header and data rows of the 项目库 the way it is kept in practice.

    Chinese headers with units and synonyms (``投资总额(万元)``, ``占地(公顷)``), Chinese
    cluster/stage/utility/tag names, quantities in the units of the header (investment in 万元,
    land in 公顷 = 亩/15 to :data:`HECTARE_DECIMALS` decimals), some numbers as text with
    thousands separators or full-width digits, units written in some cells (``１１，５００㎡``,
    ``32人``, ``2026年``), rows sorted by the grouping column :data:`MESSY_GROUP` (stable, so
    within a group the projects keep their order) and numbered in ``序号``.
    """
    pro = tables.projects
    name_zh = dict(zip(tables.clusters["cluster"], tables.clusters["name_zh"], strict=True))
    groups = _departments(tables)
    order = sorted(range(len(pro)), key=lambda i: groups[i])
    header = [
        "序号", "项目编号", "项目名称", "企业名称", MESSY_GROUP, "产业集群", "项目阶段",
        "投资总额(万元)", "占地(公顷)", "厂房面积(平方米)", "载体类型", "用地性质",
        "年产值(亿元)", "年税收(万元)", "就业人数", "污染等级", "计划开工年份", "拿地即开工",
        "配套需求", "荷载要求(kg/㎡)", "净高要求(m)", "标签", "锁定载体",
    ]  # fmt: skip
    recs = pro.to_dict("records")
    rows: list[list[Any]] = []
    for n, i in enumerate(order, start=1):
        r = recs[i]
        # a few deterministic variations, spread over the sheet
        text_money, full_width, cell_unit = n % 5 == 0, n % 7 == 3, n % 6 == 1
        wan = round(float(r["investment_yi"]) * WAN_PER_YI, 2)
        land = float(r["land_mu"])
        floor = float(r["floor_m2"])
        ha = round(land / 15, HECTARE_DECIMALS)
        tax = float(r["tax_wan"])
        rows.append([
            n,
            str(r["project_id"]),
            r["name"],
            r["company"],
            groups[i],
            name_zh.get(r["cluster"], r["cluster"]),
            _STAGE_ZH[r["stage"]],
            _grouped(wan, full_width) if text_money or full_width else _num(wan),
            (None if land == 0 else
             (f"{_num(ha)}公顷" if cell_unit else
              (f"{_num(ha)}".translate(_FULL_WIDTH) if full_width else _num(ha)))),
            (None if floor == 0 else
             (_grouped(floor, full_width) + "㎡" if cell_unit or full_width else _num(floor))),
            _CARRIER_ZH[r["carrier"]],
            f"{_LAND_USE_ZH[r['land_use']]}({r['land_use']})" if n % 4 == 0 else r["land_use"],
            _num(float(r["output_yi"])),
            _grouped(tax, full_width) if text_money or full_width else _num(tax),
            f"{r['jobs']}人" if cell_unit else int(r["jobs"]),
            f"{r['pollution']}级" if n % 8 == 2 else int(r["pollution"]),
            f"{r['start_year']}年" if cell_unit else int(r["start_year"]),
            "是" if r["ready_to_build"] else "否",
            "、".join(_NEED_ZH[x] for x in r["needs"]),
            None if r["min_floor_load_kg_m2"] is None else _num(r["min_floor_load_kg_m2"]),
            None if r["min_clear_height_m"] is None else _num(r["min_clear_height_m"]),
            "、".join(_TAG_ZH.get(x, x) for x in r["tags"]) or None,
            r["pinned_carrier"] or None,
        ])  # fmt: skip
    return header, rows


def write_messy_pipeline_xlsx(tables: Tables, path: str | Path) -> None:
    """Write the projects as the 项目库 workbook people actually keep (see :func:`messy_rows`).

    Sheet :data:`MESSY_SHEET`; row 1 is the title :data:`MESSY_TITLE` merged across the table,
    row 2 is blank, row 3 the header, data from row 4; the grouping column :data:`MESSY_GROUP` is
    merged vertically over consecutive rows with the same value; project ids are text cells
    (format ``@``) so leading zeros survive; a note row follows the table.
    :func:`geodata.pipeline.read_pipeline` with the ``clusters`` table reads it back to the
    ``projects`` table (to the contract's precision: 0.01 亩, 1 万元).
    Writes ``path`` directly; :func:`write_demo` wraps it in an atomic write.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    header, rows = messy_rows(tables)
    wb = Workbook()
    ws = wb.active
    ws.title = MESSY_SHEET
    width = len(header)
    ws.cell(row=1, column=1, value=MESSY_TITLE).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    first = 4
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=first - 1, column=j, value=h)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", wrap_text=True)
    id_col = header.index("项目编号") + 1
    group_col = header.index(MESSY_GROUP) + 1
    for k, row in enumerate(rows):
        for j, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(row=first + k, column=j, value=v)
        ws.cell(row=first + k, column=id_col).number_format = "@"
    start = 0
    for k in range(1, len(rows) + 1):  # merge runs of equal groups
        if k == len(rows) or rows[k][group_col - 1] != rows[start][group_col - 1]:
            if k - start > 1:
                ws.merge_cells(
                    start_row=first + start,
                    start_column=group_col,
                    end_row=first + k - 1,
                    end_column=group_col,
                )
            ws.cell(row=first + start, column=group_col).alignment = Alignment(vertical="center")
            start = k
    ws.cell(
        row=first + len(rows) + 1,
        column=1,
        value="注：投资总额、年税收单位为万元，年产值单位为亿元，占地单位为公顷；本表为虚构示范数据。",
    )
    for j, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(30, 2 * len(h) + 2))
    ws.freeze_panes = ws.cell(row=first, column=3)
    text_cells_as_text(ws)
    wb.save(path)


def write_pipeline_xlsx(tables: Tables, path: str | Path, form: str = "messy") -> None:
    """Write the projects as a 项目库 workbook: ``messy`` (as kept in practice) or ``plain``.

    Parameters
    ----------
    tables
        Tables from :func:`generate` (the messy form also uses clusters, zones and carriers).
    path
        The ``.xlsx`` to write (directly; callers wanting atomicity use ``atomic_path``).
    form
        ``"messy"`` (:func:`write_messy_pipeline_xlsx`) or ``"plain"`` (:func:`projects_sheet`:
        one column per contract column).
    """
    if form == "messy":
        write_messy_pipeline_xlsx(tables, path)
    elif form == "plain":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            projects_sheet(tables).to_excel(writer, sheet_name=MESSY_SHEET, index=False)
            text_cells_as_text(writer.sheets[MESSY_SHEET])
    else:
        raise ValueError(f"unknown xlsx form {form!r}; expected one of {XLSX_FORMS}")


def write_demo(
    path: str | Path,
    *,
    seed: int = DEMO_SEED,
    n_zones: int = DEFAULT_ZONES,
    n_parcels: int = DEFAULT_PARCELS,
    n_factories: int = DEFAULT_FACTORIES,
    n_projects: int = DEFAULT_PROJECTS,
    first_year: int = DEFAULT_FIRST_YEAR,
    n_years: int = DEFAULT_YEARS,
    quota_ratio: float = DEFAULT_QUOTA_RATIO,
    xlsx: str | Path | None = None,
    xlsx_form: str = "messy",
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
    seed, n_zones, n_parcels, n_factories, n_projects, first_year, n_years, quota_ratio
        As for :func:`generate`.
    xlsx
        When given, the projects are also written there as a 项目库 workbook readable by
        :func:`geodata.pipeline.read_pipeline` (see :func:`write_pipeline_xlsx`).
    xlsx_form
        ``"messy"`` (default: title row, synonyms, units, merged cells, full-width digits, as
        kept in practice) or ``"plain"`` (one column per contract column).
    overwrite
        Replace existing files.

    Returns
    -------
    Tables
        The generated tables.
    """
    if xlsx_form not in XLSX_FORMS:
        raise ValueError(f"unknown xlsx form {xlsx_form!r}; expected one of {XLSX_FORMS}")
    path = Path(path)
    targets = [path] + ([Path(xlsx)] if xlsx is not None else [])
    for target in targets:
        check_output_path(target, [t for t in targets if t is not target], overwrite)
    tables = generate(
        seed,
        n_zones=n_zones,
        n_parcels=n_parcels,
        n_factories=n_factories,
        n_projects=n_projects,
        first_year=first_year,
        n_years=n_years,
        quota_ratio=quota_ratio,
    )
    with ExitStack() as stack:
        tmp_gpkg = stack.enter_context(atomic_path(path))
        if xlsx is not None:
            tmp_xlsx = stack.enter_context(atomic_path(xlsx))
            write_pipeline_xlsx(tables, tmp_xlsx, xlsx_form)
        write_tables(tables, tmp_gpkg)
    return tables
