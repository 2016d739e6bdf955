"""Foreign headers of vector layers and small tables, mapped to the contract's column names.

:data:`SYNONYMS` lists the Chinese headers each layer may use (with the factor that converts a
unit given in the header, 公顷/㎡ → 亩); :func:`map_columns` renames and converts, and reports
ambiguous columns and areas without a unit; :func:`translate_clusters` turns cluster names into
their codes. Part of the importer of :mod:`geodata.vector`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd

from geodata.instance import READINESS_NAMES_ZH
from geodata.report import Report
from geodata.schema import LAYERS, is_blank, normalise_text, parse_list, parse_number
from geodata.units import M2_PER_MU, MU_PER_HECTARE

#: Values of the quota zone meaning "the whole district".
DISTRICT_WORDS = {"*", "全区", "全区合计", "区级", "全部", "合计", "全域", "district", "all"}
#: Land-use class names that identify one contract class without doubt.
LAND_USE_NAMES = {
    "新型产业用地": "M0",
    "一类工业用地": "M1",
    "二类工业用地": "M2",
    "三类工业用地": "M3",
}

#: Foreign header → (contract column, factor applied to numbers) per layer. Keys are compared
#: after :func:`header_key` (NFKC, lower case, no blanks); the contract names themselves and the
#: ``label_zh`` of :data:`geodata.schema.LAYERS` are always accepted as well.
SYNONYMS: dict[str, dict[str, tuple[str, float]]] = {
    "parcels": {
        "宗地编号": ("parcel_id", 1),
        "地块编码": ("parcel_id", 1),
        "地块代码": ("parcel_id", 1),
        "地块号": ("parcel_id", 1),
        "宗地号": ("parcel_id", 1),
        "园区": ("zone", 1),
        "所属片区": ("zone", 1),
        "所属园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "用地类型": ("land_use", 1),
        "用地分类": ("land_use", 1),
        "产业准入": ("clusters", 1),
        "准入产业集群": ("clusters", 1),
        "面积(亩)": ("area_mu", 1),
        "用地面积(亩)": ("area_mu", 1),
        "地块面积(亩)": ("area_mu", 1),
        "面积(公顷)": ("area_mu", MU_PER_HECTARE),
        "面积(ha)": ("area_mu", MU_PER_HECTARE),
        "用地面积(公顷)": ("area_mu", MU_PER_HECTARE),
        "面积(m2)": ("area_mu", 1 / M2_PER_MU),
        "面积(平方米)": ("area_mu", 1 / M2_PER_MU),
        "用地面积(平方米)": ("area_mu", 1 / M2_PER_MU),
        "是否可分割": ("divisible", 1),
        "供地年份": ("available_year", 1),
        "可供地年份": ("available_year", 1),
        "投资强度(万元/亩)": ("min_intensity_wan_per_mu", 1),
        "投资强度下限": ("min_intensity_wan_per_mu", 1),
        "亩均税收(万元/亩)": ("min_tax_wan_per_mu", 1),
        "亩均税收下限": ("min_tax_wan_per_mu", 1),
        "最小容积率": ("far_min", 1),
        "最大容积率": ("far_max", 1),
        **{zh: (f"ready_{en}", 1) for en, zh in READINESS_NAMES_ZH.items()},
        "是否已供地": ("supplied", 1),
        "是否供地": ("supplied", 1),
        "已出让": ("supplied", 1),
        "供地时间": ("supplied_date", 1),
        "出让日期": ("supplied_date", 1),
        "出让时间": ("supplied_date", 1),
        "供地项目编号": ("supplied_project", 1),
        "受让项目": ("supplied_project", 1),
        "是否存量": ("stock", 1),
        "存量": ("stock", 1),
        "低效用地": ("stock", 1),
        "存量低效用地": ("stock", 1),
        "工业上楼": ("stock", 1),
    },
    "factories": {
        "载体编号": ("factory_id", 1),
        "楼栋编号": ("factory_id", 1),
        "厂房编码": ("factory_id", 1),
        "园区": ("zone", 1),
        "所属片区": ("zone", 1),
        "所属园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "产业准入": ("clusters", 1),
        "可用面积(m2)": ("floor_area_m2", 1),
        "可用面积(平方米)": ("floor_area_m2", 1),
        "可租面积(m2)": ("floor_area_m2", 1),
        "可租面积(平方米)": ("floor_area_m2", 1),
        "空置面积(m2)": ("floor_area_m2", 1),
        "空置面积(平方米)": ("floor_area_m2", 1),
        "可用建筑面积(平方米)": ("floor_area_m2", 1),
        "楼面荷载": ("floor_load_kg_m2", 1),
        "荷载(kg/m2)": ("floor_load_kg_m2", 1),
        "净高": ("clear_height_m", 1),
    },
    "zones": {
        "片区": ("zone", 1),
        "园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "片区编号": ("zone", 1),
        "片区名称": ("name_zh", 1),
    },
    "quotas": {
        "年度": ("year", 1),
        "园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "指标(亩)": ("land_mu", 1),
        "用地指标": ("land_mu", 1),
        "年度指标(亩)": ("land_mu", 1),
        "指标(公顷)": ("land_mu", MU_PER_HECTARE),
        "用地指标(公顷)": ("land_mu", MU_PER_HECTARE),
        "已用指标(亩)": ("used_mu", 1),
        "已用指标": ("used_mu", 1),
        "已使用指标(亩)": ("used_mu", 1),
        "年内已用(亩)": ("used_mu", 1),
        "已用指标(公顷)": ("used_mu", MU_PER_HECTARE),
    },
    "clusters": {
        "代码": ("cluster", 1),
        "集群编码": ("cluster", 1),
        "产业集群代码": ("cluster", 1),
        "名称": ("name_zh", 1),
        "集群名称": ("name_zh", 1),
        "英文名": ("name_en", 1),
        "链主x": ("anchor_x", 1),
        "链主y": ("anchor_y", 1),
    },
}


def header_key(name: object) -> str:
    """Normalise a header for matching: NFKC (full-width → half-width, ㎡ → m2), lower, no blanks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).lower()


def _lookup(kind: str) -> dict[str, tuple[str, float]]:
    table: dict[str, tuple[str, float]] = {}
    for col in LAYERS.get(kind, ()):
        table[header_key(col.name)] = (col.name, 1)
        if col.label_zh:
            table[header_key(col.label_zh)] = (col.name, 1)
    if kind == "zones":
        table.update({"zone": ("zone", 1), "name_zh": ("name_zh", 1)})
    for foreign, target in SYNONYMS.get(kind, {}).items():
        table[header_key(foreign)] = target
    return table


def map_columns(
    df: pd.DataFrame,
    kind: str,
    report: Report,
    *,
    file: str | None,
    layer: str | None = None,
    truncated: Iterable[str] = (),
) -> pd.DataFrame:
    """Rename foreign headers to contract names and convert units (公顷/㎡ → 亩).

    Only headers that identify one contract column are mapped; other columns are kept as they
    are. Two source columns mapping to the same contract column are an error (ambiguous; the
    first is used so that no follow-up "missing column" is reported). A bare
    ``面积`` without a unit is not used (warning): the area is then computed from the geometry.

    Parameters
    ----------
    df
        The table as read.
    kind
        ``parcels``, ``factories``, ``zones``, ``quotas`` or ``clusters``.
    report
        Receives the problems.
    file, layer
        Where, for messages.
    truncated
        Headers that a Shapefile writer may have cut at 10 bytes; such a header is also matched
        as the beginning of a known header when all its matches name the same contract column.

    Returns
    -------
    pandas.DataFrame
        A copy with renamed (and, for area columns in other units, converted) columns.
    """
    layer = layer or kind
    renames, factors, sources = _match_columns(df, kind, report, file, layer, set(truncated))
    for target, cols in sources.items():
        if len(cols) < 2:
            continue
        report.error(
            "ambiguous_column",
            f"多列都对应 {target}：{'、'.join(cols)}，无法确定使用哪一列",
            f"several columns map to {target}: {', '.join(cols)}; cannot tell which to use",
            hint_zh="只保留其中一列",
            hint_en="keep only one of them",
            file=file,
            layer=layer,
            column=", ".join(cols),
        )
    out = df.copy()
    for src in renames:
        if factors[src] != 1:
            out[src] = [_scaled(v, factors[src]) for v in out[src].tolist()]
    keep = [c for c in out.columns if c in renames or c not in renames.values()]
    out = out[keep].rename(columns=renames)
    if kind == "parcels" and "land_use" in out.columns:
        out["land_use"] = [_land_use(v) for v in out["land_use"].tolist()]
    if kind == "quotas" and "zone" in out.columns:
        out["zone"] = [
            "*" if normalise_text(v).lower() in DISTRICT_WORDS else v for v in out["zone"].tolist()
        ]
    return out


def _match_columns(
    df: pd.DataFrame, kind: str, report: Report, file: str | None, layer: str, cut: set[str]
) -> tuple[dict[str, str], dict[str, float], dict[str, list[str]]]:
    """Source column → contract column and factor (the first source of each), and the sources
    of every contract column; a bare area without a unit is reported and not matched."""
    lookup = _lookup(kind)
    renames: dict[str, str] = {}
    factors: dict[str, float] = {}
    sources: dict[str, list[str]] = {}
    for col in df.columns:
        if col == "geometry" or (isinstance(df, gpd.GeoDataFrame) and col == df.geometry.name):
            continue
        hit = lookup.get(header_key(col))
        if hit is None and col in cut and len(header_key(col)) >= 2:
            targets = {v for k, v in lookup.items() if k.startswith(header_key(col))}
            hit = targets.pop() if len(targets) == 1 else None
        if hit is None:
            if kind in ("parcels", "factories") and header_key(col) in ("面积", "用地面积"):
                report.warning(
                    "area_without_unit",
                    f"列 {col} 未注明单位（亩、公顷或平方米），未使用；面积按图形计算",
                    f"column {col} gives no unit (亩, 公顷 or m²) and is not used; the area is "
                    "computed from the geometry",
                    hint_zh="列名写明单位，如 面积(亩)",
                    hint_en="a header with its unit, e.g. 面积(亩)",
                    file=file,
                    layer=layer,
                    column=str(col),
                )
            continue
        target, factor = hit
        sources.setdefault(target, []).append(str(col))
        if len(sources[target]) == 1:
            renames[str(col)] = target
            factors[str(col)] = factor
    return renames, factors, sources


def _scaled(value: Any, factor: float) -> Any:
    x = parse_number(value)
    if x is None or abs(x * factor) == float("inf"):
        return value  # left for the schema tier to report (as written)
    return x * factor


def _land_use(value: Any) -> Any:
    s = normalise_text(value)
    if s in LAND_USE_NAMES:
        return LAND_USE_NAMES[s]
    m = re.match(r"^(M[0-3])(?![0-9A-Za-z])", s.upper())
    return m.group(1) if m else value


def translate_clusters(
    df: pd.DataFrame, column: str, clusters: pd.DataFrame | None
) -> pd.DataFrame:
    """Replace cluster names (``name_zh``/``name_en`` of the clusters table) by their codes.

    Items that already are codes, or match no name, are left unchanged (the reference tier
    reports unknown codes). Lists are re-joined with ``;``.
    """
    if clusters is None or column not in df.columns or "cluster" not in clusters.columns:
        return df
    names: dict[str, str] = {}
    codes = {normalise_text(c) for c in clusters["cluster"].tolist() if not is_blank(c)}
    for name_col in ("name_zh", "name_en"):
        if name_col not in clusters.columns:
            continue
        for code, name in zip(
            clusters["cluster"].tolist(), clusters[name_col].tolist(), strict=True
        ):
            if not is_blank(name) and not is_blank(code):
                names.setdefault(normalise_text(name), normalise_text(code))
    out = df.copy()
    values = []
    for v in out[column].tolist():
        if is_blank(v):
            values.append(v)
            continue
        items = [i if i in codes else names.get(i, i) for i in parse_list(v)]
        values.append(";".join(items))
    out[column] = values
    return out
