"""The layers and columns of the data contract (``shared/docs/contract.md``) as data.

:func:`coerce_table` is the schema tier of validation: it checks required columns, parses and
range-checks every cell, applies the documented defaults and reports every problem with its row
and column. Importers map foreign headers to these names first, then call it. The parsers of
single cells (:func:`normalise_text`, :func:`parse_number` …) are :mod:`geodata.cells`, also
importable from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import pandas as pd

# the cell parsers live in geodata.cells; importers have always taken them from here
from geodata.cells import as_written, parse_number_or_inf
from geodata.cells import id_key as id_key
from geodata.cells import is_blank as is_blank
from geodata.cells import normalise_id as normalise_id
from geodata.cells import normalise_text as normalise_text
from geodata.cells import parse_bool as parse_bool
from geodata.cells import parse_date as parse_date
from geodata.cells import parse_list as parse_list
from geodata.cells import parse_number as parse_number
from geodata.instance import READINESS_NAMES_ZH
from geodata.report import Report

Kind = Literal["text", "int", "real", "bool", "date", "list", "enum"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a contract layer."""

    name: str
    kind: Kind
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    min: float | None = None  # from NUMBER_RANGES, do not set here
    max: float | None = None  # from NUMBER_RANGES, do not set here
    positive: bool = False
    label_zh: str = ""
    unit: str = ""  # from NUMBER_RANGES: the contract unit, for messages
    #: an optional minimum or requirement where 0 (like a blank) means "no requirement"
    zero_is_blank: bool = False


_READY = tuple(
    Column(f"ready_{k}", "date", label_zh=f"{zh}就绪日期") for k, zh in READINESS_NAMES_ZH.items()
)

LAYERS: dict[str, tuple[Column, ...]] = {
    "parcels": (
        Column("parcel_id", "text", required=True, label_zh="地块编号"),
        Column("zone", "text", required=True, label_zh="片区"),
        Column(
            "land_use", "enum", default="M1", choices=("M0", "M1", "M2", "M3"), label_zh="用地性质"
        ),
        Column("clusters", "list", default="", label_zh="准入产业"),
        Column("area_mu", "real", positive=True, label_zh="面积(亩)"),
        Column("divisible", "bool", default=False, label_zh="可分割"),
        Column("available_year", "int", label_zh="可供年份"),
        Column("max_pollution", "int", default=3, label_zh="污染等级上限"),
        Column("min_intensity_wan_per_mu", "real", default=0.0, label_zh="投资强度下限(万元/亩)"),
        Column("min_tax_wan_per_mu", "real", default=0.0, label_zh="亩均税收下限(万元/亩)"),
        Column("far_min", "real", label_zh="容积率下限"),
        Column("far_max", "real", label_zh="容积率上限"),
        *_READY,
        # what is already committed this year (old files without these columns: not supplied,
        # not stock)
        Column("supplied", "bool", default=False, label_zh="已供地"),
        Column("supplied_date", "date", label_zh="供地日期"),
        Column("supplied_project", "text", default="", label_zh="供地项目"),
        Column("stock", "bool", default=False, label_zh="存量用地"),
    ),
    "factories": (
        Column("factory_id", "text", required=True, label_zh="厂房编号"),
        Column("zone", "text", required=True, label_zh="片区"),
        Column("clusters", "list", default="", label_zh="准入产业"),
        Column("floor_area_m2", "real", required=True, positive=True, label_zh="可用建筑面积(㎡)"),
        Column("floor_load_kg_m2", "real", positive=True, label_zh="楼面荷载(kg/㎡)"),
        Column("clear_height_m", "real", positive=True, label_zh="净高(m)"),
        Column("available_year", "int", label_zh="可用年份"),
        Column("max_pollution", "int", default=2, label_zh="污染等级上限"),
    ),
    "projects": (
        Column("project_id", "text", required=True, label_zh="项目编号"),
        Column("name", "text", default="", label_zh="项目名称"),
        Column("company", "text", default="", label_zh="企业名称"),
        Column("cluster", "text", required=True, label_zh="产业集群"),
        Column(
            "stage",
            "enum",
            default="negotiating",
            choices=("negotiating", "signed", "registered"),
            label_zh="项目阶段",
        ),
        Column("investment_yi", "real", required=True, label_zh="总投资(亿元)"),
        Column("land_mu", "real", default=0.0, label_zh="用地面积(亩)"),
        Column("floor_m2", "real", default=0.0, label_zh="厂房面积(㎡)"),
        Column("carrier", "enum", choices=("land", "factory", "either"), label_zh="载体类型"),
        Column(
            "land_use", "enum", default="M1", choices=("M0", "M1", "M2", "M3"), label_zh="用地性质"
        ),
        Column("output_yi", "real", default=0.0, label_zh="年产值(亿元)"),
        Column("tax_wan", "real", default=0.0, label_zh="年税收(万元)"),
        Column("jobs", "int", default=0, label_zh="就业人数"),
        Column("pollution", "int", default=1, label_zh="污染等级"),
        Column("start_year", "int", label_zh="计划开工年份"),
        Column("ready_to_build", "bool", default=False, label_zh="拿地即开工"),
        Column("needs", "list", default="water;power;road;drainage", label_zh="配套需求"),
        Column("min_floor_load_kg_m2", "real", zero_is_blank=True, label_zh="荷载要求(kg/㎡)"),
        Column("min_clear_height_m", "real", zero_is_blank=True, label_zh="净高要求(m)"),
        Column("tags", "list", default="", label_zh="标签"),
        Column("pinned_carrier", "text", default="", label_zh="锁定载体"),
    ),
    "quotas": (
        Column("year", "int", required=True, label_zh="年份"),
        Column("zone", "text", required=True, label_zh="片区"),
        Column("land_mu", "real", required=True, label_zh="用地指标(亩)"),
        Column("used_mu", "real", default=0.0, label_zh="年内已用指标(亩)"),
    ),
    "clusters": (
        Column("cluster", "text", required=True, label_zh="集群代码"),
        Column("name_zh", "text", default="", label_zh="中文名称"),
        Column("name_en", "text", default="", label_zh="英文名称"),
        Column("color", "text", default="#888888", label_zh="颜色"),
        Column("anchor_x", "real", label_zh="链主位置X(m)"),
        Column("anchor_y", "real", label_zh="链主位置Y(m)"),
    ),
    # attributes of the optional zones layer (boundaries, or a table of codes and names)
    "zones": (
        Column("zone", "text", required=True, label_zh="片区代码"),
        Column("name_zh", "text", default="", label_zh="片区名称"),
        Column("name_en", "text", default="", label_zh="英文名称"),
    ),
}


@dataclass(frozen=True, slots=True)
class NumberRange:
    """The plausible values of one number column, in its contract unit (bounds included)."""

    low: float
    high: float
    unit: str = ""

    def text(self) -> str:
        """``"0–10,000 亿元"``."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{_fmt_bound(self.low)}–{_fmt_bound(self.high)}{unit}"


def _fmt_bound(x: float) -> str:
    """``10,000``, ``1990``, ``0.5``: thousands separated from 10,000 on (not in years)."""
    if float(x).is_integer():
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:,}"


#: The plausible range of every number column of every layer (``(layer, column)`` → range), in
#: the contract unit: the one table every check uses (:func:`coerce_table` for GeoPackage layers,
#: CSV/Excel tables, the 项目库 and scenario edits). Generous but finite: a value outside is a
#: typing or unit mistake (or ``1e308``), and finite bounds keep every quantity far inside the
#: 64-bit integers of the solver after scaling (:mod:`geodata.units`).
NUMBER_RANGES: dict[tuple[str, str], NumberRange] = {
    ("parcels", "area_mu"): NumberRange(0, 100_000, "亩"),
    ("parcels", "available_year"): NumberRange(1990, 2100),
    ("parcels", "max_pollution"): NumberRange(1, 3),
    ("parcels", "min_intensity_wan_per_mu"): NumberRange(0, 100_000, "万元/亩"),
    ("parcels", "min_tax_wan_per_mu"): NumberRange(0, 10_000, "万元/亩"),
    ("parcels", "far_min"): NumberRange(0, 30),
    ("parcels", "far_max"): NumberRange(0, 30),
    ("factories", "floor_area_m2"): NumberRange(0, 10_000_000, "㎡"),
    ("factories", "floor_load_kg_m2"): NumberRange(0, 100_000, "kg/㎡"),
    ("factories", "clear_height_m"): NumberRange(0, 200, "m"),
    ("factories", "available_year"): NumberRange(1990, 2100),
    ("factories", "max_pollution"): NumberRange(1, 3),
    ("projects", "investment_yi"): NumberRange(0, 10_000, "亿元"),
    ("projects", "land_mu"): NumberRange(0, 100_000, "亩"),
    ("projects", "floor_m2"): NumberRange(0, 10_000_000, "㎡"),
    ("projects", "output_yi"): NumberRange(0, 50_000, "亿元"),
    ("projects", "tax_wan"): NumberRange(0, 10_000_000, "万元"),
    ("projects", "jobs"): NumberRange(0, 1_000_000, "人"),
    ("projects", "pollution"): NumberRange(1, 3),
    ("projects", "start_year"): NumberRange(1990, 2100),
    ("projects", "min_floor_load_kg_m2"): NumberRange(0, 100_000, "kg/㎡"),
    ("projects", "min_clear_height_m"): NumberRange(0, 200, "m"),
    ("quotas", "year"): NumberRange(1990, 2100),
    ("quotas", "land_mu"): NumberRange(0, 1_000_000, "亩"),
    ("quotas", "used_mu"): NumberRange(0, 1_000_000, "亩"),
    ("clusters", "anchor_x"): NumberRange(-100_000_000, 100_000_000, "m"),
    ("clusters", "anchor_y"): NumberRange(-100_000_000, 100_000_000, "m"),
}


def _with_ranges(layers: dict[str, tuple[Column, ...]]) -> dict[str, tuple[Column, ...]]:
    """Give every number column its bounds and unit from :data:`NUMBER_RANGES`."""
    out: dict[str, tuple[Column, ...]] = {}
    for layer, cols in layers.items():
        typed: list[Column] = []
        for c in cols:
            rng = NUMBER_RANGES.get((layer, c.name))
            if c.kind in ("int", "real") and rng is None:
                raise RuntimeError(f"NUMBER_RANGES has no range for {layer}.{c.name}")
            if rng is not None:
                c = replace(c, min=rng.low, max=rng.high, unit=rng.unit)
            typed.append(c)
        out[layer] = tuple(typed)
    unknown = set(NUMBER_RANGES) - {(lay, c.name) for lay, cs in out.items() for c in cs}
    if unknown:
        raise RuntimeError(f"NUMBER_RANGES names unknown columns: {sorted(unknown)}")
    return out


LAYERS = _with_ranges(LAYERS)

#: Columns of ``assignments.csv`` (one row per project and carrier), shared by the optimizer that
#: writes it and the maps that read it. A project's amounts (``investment_yi``, ``output_yi``,
#: ``tax_wan``, ``jobs``) are counted once: the rows of a 合并供地 group carry the parcel's part,
#: ``share`` of the project (by area; 1 on other rows), so the columns sum to the KPIs.
ASSIGNMENT_COLUMNS: tuple[str, ...] = (
    "project_id",
    "name",
    "company",
    "cluster",
    "stage",
    "carrier_kind",
    "carrier_id",
    "group_id",
    "share",
    "zone",
    "year",
    "area_mu",
    "floor_m2",
    "start_date",
    "readiness",
    "missing",
    "investment_yi",
    "output_yi",
    "tax_wan",
    "jobs",
    "ready_to_build",
    "priority_points",
    "coefficient",
    "runner_up",
)

#: Columns of ``unassigned.csv`` (one row per unplaced project, with its reason), shared by the
#: optimizer that writes it and the maps that read it.
UNASSIGNED_COLUMNS: tuple[str, ...] = (
    "project_id",
    "name",
    "company",
    "cluster",
    "stage",
    "investment_yi",
    "land_mu",
    "floor_m2",
    "reason_code",
    "reason",
    "reason_en",
)

ID_COLUMN = {
    "parcels": "parcel_id",
    "factories": "factory_id",
    "projects": "project_id",
    "clusters": "cluster",
    "zones": "zone",
}

#: Columns holding ids or codes that name a row of some layer: kept exactly as written (only
#: surrounding whitespace trimmed); compared by :func:`id_key` only to find duplicates and
#: references spelled differently.
ID_LIKE_COLUMNS = frozenset(
    {"parcel_id", "factory_id", "project_id", "pinned_carrier", "zone", "supplied_project"}
)


def coerce_table(
    df: pd.DataFrame,
    layer: str,
    report: Report,
    *,
    file: str | None = None,
    row_offset: int = 1,
    row_numbers: list[int] | None = None,
) -> pd.DataFrame:
    """Check and normalise one contract layer; append every problem to ``report``.

    Parameters
    ----------
    df
        The table with contract column names (extra columns are kept).
    layer
        ``parcels``, ``factories``, ``projects``, ``quotas`` or ``clusters``.
    report
        Receives one :class:`~geodata.report.Problem` per bad cell.
    file
        The file name for messages.
    row_offset
        Added to the 0-based position to give the row shown in messages.
    row_numbers
        Explicit row numbers (e.g. Excel rows), overriding ``row_offset``.

    Returns
    -------
    pandas.DataFrame
        The same rows with typed values and defaults filled in (``None`` where a column has no
        default and the cell is blank). Rows are in the input order.
    """
    spec = LAYERS[layer]
    out = df.copy()
    where: dict[str, Any] = {"file": file, "layer": layer}
    found = [str(c) for c in df.columns if str(c) != "geometry"]
    missing = [c.name for c in spec if c.required and c.name not in df.columns]
    if missing:
        report.error(
            "missing_column",
            f"缺少必填列 {', '.join(missing)}；找到的列：{', '.join(found) or '（无）'}",
            f"missing required column(s) {', '.join(missing)}; columns found: "
            f"{', '.join(found) or '(none)'}",
            column=", ".join(missing),
            **where,
        )
        return out.iloc[0:0]
    if len(df) == 0:
        report.error("empty_layer", "没有任何数据行", "the layer has no rows", **where)
        return out
    rows = row_numbers or [i + row_offset for i in range(len(df))]
    for col in spec:
        if col.name not in df.columns:
            out[col.name] = [col.default] * len(df)
            if col.kind == "list":
                out[col.name] = [tuple(parse_list(col.default or "")) for _ in range(len(df))]
            continue
        values: list[Any] = []
        for raw, rowno in zip(df[col.name].tolist(), rows, strict=True):
            values.append(_coerce_cell(raw, col, report, row=rowno, column=col.name, **where))
        out[col.name] = pd.Series(values, index=out.index, dtype=object)
    idcol = ID_COLUMN.get(layer)
    if idcol is not None:
        _check_duplicate_ids(out[idcol].tolist(), rows, idcol, report, where)
    return out


def _check_duplicate_ids(
    ids: list[Any], rows: list[int], idcol: str, report: Report, where: dict[str, Any]
) -> None:
    """One error per id that repeats an earlier row's id (compared by :func:`id_key`)."""
    seen: dict[str, tuple[str, int]] = {}  # id_key → (first spelling, its row)
    for v, rowno in zip(ids, rows, strict=True):
        if v in (None, ""):
            continue
        key = id_key(v)
        if key not in seen:
            seen[key] = (str(v), rowno)
            continue
        first, first_row = seen[key]
        if first == str(v):
            zh = f"编号 “{v}” 重复（与第 {first_row} 行相同）"
            en = f"duplicate id '{v}' (same as row {first_row})"
        else:
            zh = (
                f"编号 “{v}” 与第 {first_row} 行的 “{first}” 重复（两者只有全角/半角、空格"
                "或大小写不同）"
            )
            en = (
                f"id '{v}' duplicates '{first}' of row {first_row} (they differ only in "
                "width, spaces or case)"
            )
        report.error(
            "duplicate_id",
            zh,
            en,
            row=rowno,
            column=idcol,
            hint_zh="每行一个不同的编号",
            hint_en="a distinct id on every row",
            **where,
        )


def _coerce_cell(raw: Any, col: Column, report: Report, **where: Any) -> Any:
    blank = is_blank(raw)
    if blank:
        if col.required:
            report.error(
                "blank_required",
                f"必填项 {col.name}（{col.label_zh}）为空",
                f"required value {col.name} is blank",
                **where,
            )
            return None
        if col.kind == "list":
            return tuple(parse_list(col.default or ""))
        return col.default
    if col.kind == "text":
        return normalise_id(raw) if col.name in ID_LIKE_COLUMNS else normalise_text(raw)
    if col.kind == "list":
        return tuple(parse_list(raw))
    if col.kind == "enum":
        s = normalise_text(raw)
        match = {c.lower(): c for c in col.choices}.get(s.lower())
        if match is None:
            report.error(
                "bad_choice",
                f"取值 “{s}” 无效",
                f"invalid value '{s}'",
                hint_zh="、".join(col.choices),
                hint_en=", ".join(col.choices),
                **where,
            )
        return match
    if col.kind == "bool":
        b = parse_bool(raw)
        if b is None:
            report.error(
                "bad_bool",
                f"“{normalise_text(raw)}” 不是 是/否",
                f"'{normalise_text(raw)}' is not yes/no",
                hint_zh="是 / 否",
                hint_en="true / false",
                **where,
            )
        return b
    if col.kind == "date":
        d = parse_date(raw)
        if d == "bad":
            report.error(
                "bad_date",
                f"“{normalise_text(raw)}” 不是日期",
                f"'{normalise_text(raw)}' is not a date",
                hint_zh="YYYY-MM-DD",
                hint_en="YYYY-MM-DD",
                **where,
            )
            return None
        return d
    return _coerce_number(raw, col, report, **where)


def _coerce_number(raw: Any, col: Column, report: Report, **where: Any) -> Any:
    """A non-blank cell of an ``int`` or ``real`` column: parsed and range-checked."""
    x = parse_number_or_inf(raw)
    if x is None:
        text = normalise_text(raw)
        report.error(
            "bad_number",
            f"“{text}” 不是数字",
            f"'{text}' is not a number",
            hint_zh="用阿拉伯数字填写，例如 50" + ("" if col.required else "；不知道时留空"),
            hint_en="a plain number, e.g. 50" + ("" if col.required else "; blank if unknown"),
            **where,
        )
        return None
    if col.zero_is_blank and x == 0:
        return col.default  # 0 = no requirement
    shown = as_written(raw)
    rng = NumberRange(
        col.min if col.min is not None else -math.inf,
        col.max if col.max is not None else math.inf,
        col.unit,
    )
    if col.positive and x <= 0:
        report.error(
            "not_positive",
            f"{col.name}（{col.label_zh}）必须大于 0（实际 {shown}）",
            f"{col.name} must be > 0 (got {shown})",
            hint_zh=f"大于 0，不超过 {_fmt_bound(rng.high)} {rng.unit}".rstrip(),
            hint_en=f"above 0, at most {_fmt_bound(rng.high)} {rng.unit}".rstrip(),
            **where,
        )
        return None
    if not rng.low <= x <= rng.high:
        report.error(
            "below_min" if x < rng.low else "above_max",
            f"{col.name}（{col.label_zh}）的值 {shown} 超出合理范围 {rng.text()}",
            f"{col.name} value {shown} is outside the plausible range {rng.text()}",
            hint_zh=f"{rng.text()} 之内的数值（请检查单位）",
            hint_en=f"a value within {rng.text()} (check the unit)",
            **where,
        )
        return None
    if col.kind == "int":
        if not float(x).is_integer():
            report.error("bad_int", f"“{shown}” 应为整数", f"'{shown}' must be an integer", **where)
            return None
        return int(x)
    return x
