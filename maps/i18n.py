"""The words shown on the maps, in Chinese (default) and English.

Also the one place for the display names of the codes in the result tables (stages, carrier
kinds, readiness, the solve status, the district ``*``, zones and clusters by the data's names):
the maps, ``report.xlsx`` and the comparison all show them from here (:func:`code_label`,
:func:`zone_names`, :func:`cluster_names`). The CSVs keep the codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from geodata.schema import normalise_id, normalise_text

if TYPE_CHECKING:
    from geodata.store import Tables

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "noBasemap": "无底图",
        "zones": "片区边界",
        "parcels": "地块",
        "factories": "标准厂房",
        "parcel": "地块",
        "factory": "标准厂房",
        "vacant": "空置地块（未安排项目）",
        "vacantShort": "空置",
        "factoryEmpty": "暂无入驻项目",
        "projectId": "项目编号",
        "company": "企业",
        "cluster": "产业集群",
        "stage": "项目阶段",
        "investment": "总投资",
        "output": "年产值",
        "tax": "年税收",
        "jobs": "就业",
        "land": "用地",
        "floor": "厂房面积",
        "group": "合并供地",
        "groupShare": "本地块分摊（按面积）",
        "year": "供地年份",
        "start": "计划开工",
        "readiness": "拿地即开工",
        "parcelReadiness": "地块开工条件",
        "landUse": "用地性质",
        "admitted": "准入产业",
        "ready": "已具备",
        "readyBy": "预计具备",
        "blocked": "不具备",
        "unknown": "未评估",
        "missing": "缺项",
        "floorFree": "可用建筑面积",
        "occupancy": "已占用",
        "yi": "亿元",
        "wan": "万元",
        "mu": "亩",
        "filters": "图层筛选",
        "byYear": "供地年份",
        "byCluster2": "产业集群",
        "byReadiness2": "开工条件",
        "kpiTitle": "关键指标",
        "unassigned": "未落地项目",
        "legend": "图例",
        "readinessAtRisk": "开工条件（仅标出开工受影响的已安排项目）",
        "readinessAll": "开工条件（全部地块）",
        "showReadiness": "标出全部地块的开工条件",
        "persons": "人",
        "clustersLegend": "产业集群（已安排项目）",
        "internal": "内部资料",
        "redactedNote": "在谈项目已隐去名称与企业",
        "scenarioShown": "显示情景",
        "plans": "比选方案",
        "base": "基准",
        "scenarioCol": "情景",
        "open": "（",
        "close": "）",
        "delta": "Δ",
        "changes": "与基准相比的变化",
        "lost": "失去项目",
        "gained": "新增项目",
        "moved": "项目调整（位置或年份）",
        "unchanged": "未变化",
        "changesOnly": "突出显示变化（其余变灰）",
        "changedCount": "变化地块",
        "occ0": "空置",
        "occ1": "占用 < 50%",
        "occ2": "占用 50%–99%",
        "occ3": "满租",
        "zoneLine": "片区边界",
        "changedOnly": "只看有变化的地块",
    },
    "en": {
        "noBasemap": "No basemap",
        "zones": "Zone boundaries",
        "parcels": "Parcels",
        "factories": "Standard factories",
        "parcel": "Parcel",
        "factory": "Factory",
        "vacant": "Vacant parcel (no project)",
        "vacantShort": "Vacant",
        "factoryEmpty": "No tenant yet",
        "projectId": "Project ID",
        "company": "Company",
        "cluster": "Cluster",
        "stage": "Stage",
        "investment": "Investment",
        "output": "Annual output",
        "tax": "Annual tax",
        "jobs": "Jobs",
        "land": "Land",
        "floor": "Floor area",
        "group": "Merged supply",
        "groupShare": "This parcel's share (by area)",
        "year": "Supply year",
        "start": "Start date",
        "readiness": "Ready to build",
        "parcelReadiness": "Parcel readiness",
        "landUse": "Land-use class",
        "admitted": "Admitted clusters",
        "ready": "Ready",
        "readyBy": "Ready by",
        "blocked": "Not ready",
        "unknown": "Not assessed",
        "missing": "missing",
        "floorFree": "Free floor area",
        "occupancy": "Let",
        "yi": "100M CNY",
        "wan": "10k CNY",
        "mu": "mu",
        "filters": "Layers",
        "byYear": "Supply year",
        "byCluster2": "Clusters",
        "byReadiness2": "Readiness",
        "kpiTitle": "Key figures",
        "unassigned": "Projects not placed",
        "legend": "Legend",
        "readinessAtRisk": "Readiness (only placed projects whose start is at risk)",
        "readinessAll": "Readiness (all parcels)",
        "showReadiness": "Show readiness of all parcels",
        "persons": "",
        "clustersLegend": "Clusters (placed projects)",
        "internal": "Internal",
        "redactedNote": "names and companies of projects in negotiation withheld",
        "scenarioShown": "Scenario shown",
        "plans": "Alternative plans",
        "base": "Base",
        "scenarioCol": "Scenario",
        "open": " (",
        "close": ")",
        "delta": "Δ",
        "changes": "Change against the base",
        "lost": "Project lost",
        "gained": "Project gained",
        "moved": "Project moved (place or year)",
        "unchanged": "Unchanged",
        "changesOnly": "Highlight changes (grey the rest)",
        "changedCount": "Parcels changed",
        "occ0": "Empty",
        "occ1": "Let < 50%",
        "occ2": "Let 50–99%",
        "occ3": "Fully let",
        "zoneLine": "Zone boundary",
        "changedOnly": "Only parcels that changed",
    },
}

STAGES: dict[str, tuple[str, str]] = {
    "negotiating": ("在谈", "negotiating"),
    "signed": ("签约", "signed"),
    "registered": ("注册", "registered"),
}


#: The solve status of ``summary.json`` (``OPTIMAL`` is proven; ``FEASIBLE`` is not).
SOLVE_STATUS: dict[str, tuple[str, str]] = {
    "OPTIMAL": ("已证明最优", "optimal (proven)"),
    "FEASIBLE": ("可行解", "feasible"),
    "INFEASIBLE": ("无可行解", "infeasible"),
    "NO_SOLUTION": ("未找到解", "no solution"),
    "MODEL_INVALID": ("模型无效", "model invalid"),
}

#: The zone code of the whole district (quotas).
DISTRICT: tuple[str, str] = ("全区", "district")

#: Codes shown by a word of :data:`TEXTS`: the carrier kinds and readiness of ``assignments.csv``.
_TEXT_KEYS: dict[str, dict[str, str]] = {
    "carrier_kind": {"parcel": "parcel", "factory": "factory"},
    "readiness": {"ready": "ready", "ready_by": "readyBy", "blocked": "blocked"},
}


def code_label(kind: str, code: str, lang: str) -> str:
    """The display name of a code of the result tables; an unknown code is shown as it is.

    Parameters
    ----------
    kind
        ``stage``, ``carrier_kind``, ``readiness``, ``status`` (the solve status) or ``zone``
        (only the district ``*`` has a name here; see :func:`zone_names` for the others).
    code
        The code (blank gives blank).
    lang
        ``zh`` unless ``en``.
    """
    i = 1 if lang == "en" else 0
    if kind == "stage":
        return STAGES[code][i] if code in STAGES else code
    if kind == "status":
        return SOLVE_STATUS[code][i] if code in SOLVE_STATUS else code
    if kind == "zone":
        return DISTRICT[i] if code == "*" else code
    key = _TEXT_KEYS[kind].get(code)
    return texts(lang)[key] if key else code


def _names(df: Any, code_col: str, lang: str) -> dict[str, str]:
    """Code → name (``name_en`` in English, ``name_zh`` otherwise; the code when blank)."""
    if not isinstance(df, pd.DataFrame) or code_col not in df.columns:
        return {}
    col = "name_en" if lang == "en" else "name_zh"
    names = df[col] if col in df.columns else [None] * len(df)
    out: dict[str, str] = {}
    for code, name in zip(df[code_col], names, strict=True):
        c = normalise_id(code)
        if c and c not in out:
            out[c] = normalise_text(name) or c
    return out


def zone_names(tables: Tables, lang: str) -> dict[str, str]:
    """Zone code → name from the data's ``zones`` layer (``*`` → 全区/district).

    A zone without a name in the language shows its code; zones the layer does not list (or all
    zones, without a ``zones`` layer) are missing: callers show their code.
    """
    out = _names(tables.zones, "zone", lang)
    out["*"] = code_label("zone", "*", lang)
    return out


def cluster_names(tables: Tables, lang: str) -> dict[str, str]:
    """Cluster code → name from the data's ``clusters`` layer (the code when it has none)."""
    return _names(tables.clusters, "cluster", lang)


def texts(lang: str) -> dict[str, str]:
    """The map words for a language (``zh`` unless ``en``)."""
    return TEXTS["en" if lang == "en" else "zh"]


def tr(lang: str, zh: str, en: str) -> str:
    """Pick one of two texts."""
    return en if lang == "en" else zh
