"""The catalogue of the demo district: its zones, industry clusters, names and size parameters.

Zones (片区) are modelled on 苏州高新区 and listed with their real-world locations, their focus
clusters, land-use mix and 标准地 floors; clusters with what their projects typically look like.
Every name is invented. Also the size parameters with their defaults and accepted ranges
(:func:`check_params`), and the small random helpers the other modules share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geodata.report import Report
from optimizer.settings import Policy

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
#: Waste tolerance of the optimizer's default policy (:class:`optimizer.settings.Policy`): a whole
#: parcel may be at most this much larger than the demand; the first year's quota holds the largest
#: project with this much waste.
WASTE_TOLERANCE = Policy().waste_tolerance


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

#: Syllables of invented company names (one of each; see :mod:`landalloc.demo.projects`).
BRAND_A = "瑞博晶恒启睿泰维凯越宸曜铭昇璟澜嘉翊"
BRAND_B = "芯光创达源微锐拓迈驰思诺森禾途际晟"
#: Kinds of project (the end of a project's name).
KINDS = ("研发生产基地项目", "生产线项目", "智能制造项目", "扩产项目", "产业化项目")
#: Utilities every project needs (clusters add their own).
BASE_NEEDS = ("water", "power", "road", "drainage")
#: Highest pollution class admitted by land-use class (a few M1 parcels admit class 1 only).
MAX_POLLUTION = {"M0": 1, "M1": 2, "M2": 3, "M3": 3}
#: Plot-ratio range (容积率) of a 标准地 parcel by land-use class.
FAR = {"M0": (2.0, 4.0), "M1": (1.2, 2.5), "M2": (1.0, 2.0), "M3": (0.8, 1.5)}

# --------------------------------------------------------------------------- helpers


def pick(rng: np.random.Generator, weighted: Sequence[tuple[str, float]]) -> str:
    """One of the names of ``weighted`` (name, weight), drawn in proportion to the weights."""
    w = np.cumsum([x for _, x in weighted], dtype=float)
    k = int(np.searchsorted(w, rng.random() * w[-1], side="right"))
    return str(weighted[min(k, len(weighted) - 1)][0])


def year_weights(n_years: int, decay: float) -> np.ndarray:
    """Probabilities of the ``n_years`` planning years, each ``decay`` times the previous one."""
    w = np.array([decay**k for k in range(n_years)], dtype=float)
    return w / w.sum()


def check_params(**values: float) -> None:
    """Raise :class:`~geodata.report.DataError` listing every size parameter out of range."""
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


def split_counts(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
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
