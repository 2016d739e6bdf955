"""Converting the cells of a 项目库 to contract values, column by column.

Quantities are converted exactly to the contract unit (a unit in the header or in the cell;
mixed or conflicting units are errors naming the rows), Chinese names to codes (stages,
carriers, utilities, tags, land uses, cluster names when the clusters table is given), years
and levels written with words (``2026年``, ``二类``) to numbers. :func:`convert_columns`
dispatches; every problem names the Excel row and the header as written (:class:`_Ctx`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pandas as pd

from geodata.pipeline_headers import _COLUMN, _LABEL_ZH
from geodata.pipeline_units import _QUANTITY, _fmt_number, _split_cell_unit, _Unit
from geodata.report import Report
from geodata.schema import NumberRange, is_blank, normalise_text, parse_bool, parse_list

#: Chinese utility names → contract codes of ``needs``.
NEED_NAMES: dict[str, str] = {
    "供水": "water",
    "给水": "water",
    "自来水": "water",
    "水": "water",
    "供电": "power",
    "电力": "power",
    "用电": "power",
    "电": "power",
    "道路": "road",
    "路": "road",
    "通信": "telecom",
    "通讯": "telecom",
    "电信": "telecom",
    "网络": "telecom",
    "燃气": "gas",
    "天然气": "gas",
    "供气": "gas",
    "气": "gas",
    "供热": "heat",
    "热力": "heat",
    "蒸汽": "heat",
    "热": "heat",
    "排水": "drainage",
    "污水": "drainage",
    "雨污水": "drainage",
    **{u: u for u in ("water", "power", "road", "telecom", "gas", "heat", "drainage")},
}

#: Chinese tag names → contract tag codes (other tags are kept as written).
TAG_NAMES: dict[str, str] = {
    "世界500强": "fortune500",
    "世界五百强": "fortune500",
    "500强": "fortune500",
    "财富500强": "fortune500",
    "总部": "hq",
    "总部项目": "hq",
    "总部经济": "hq",
    "上市": "listed",
    "上市公司": "listed",
    "上市企业": "listed",
    "专精特新": "specialised",
    "专精特新小巨人": "specialised",
    "小巨人": "specialised",
    "链主": "chain_leader",
    "链主企业": "chain_leader",
    **{t: t for t in ("fortune500", "hq", "listed", "specialised", "chain_leader")},
}

_STAGES: dict[str, str] = {
    "在谈": "negotiating",
    "洽谈": "negotiating",
    "在洽": "negotiating",
    "洽谈中": "negotiating",
    "在谈项目": "negotiating",
    "意向": "negotiating",
    "签约": "signed",
    "已签约": "signed",
    "签约项目": "signed",
    "注册": "registered",
    "已注册": "registered",
    "注册项目": "registered",
    **{s: s for s in ("negotiating", "signed", "registered")},
}

_CARRIERS: dict[str, str] = {
    "土地": "land",
    "用地": "land",
    "地块": "land",
    "拿地": "land",
    "供地": "land",
    "厂房": "factory",
    "标准厂房": "factory",
    "租赁厂房": "factory",
    "租赁": "factory",
    "均可": "either",
    "都可": "either",
    "不限": "either",
    "土地或厂房": "either",
    "地块或厂房": "either",
    **{c: c for c in ("land", "factory", "either")},
}

_LAND_USES: dict[str, str] = {
    "新型产业用地": "M0",
    "一类工业用地": "M1",
    "二类工业用地": "M2",
    "三类工业用地": "M3",
}

_CN_DIGITS = {"一": "1", "二": "2", "三": "3"}

_YEAR_RE = re.compile(r"^(\d{4})(?:年.*|[-/.]\d{1,2}(?:[-/.]\d{1,2})?|年)?$")


def _fmt_rows(rows: Iterable[int]) -> str:
    rows = sorted(set(rows))
    shown = "、".join(str(r) for r in rows[:20])
    return shown + ("…" if len(rows) > 20 else "")


def _fmt_rows_en(rows: Iterable[int]) -> str:
    rows = sorted(set(rows))
    return ", ".join(str(r) for r in rows[:20]) + (", …" if len(rows) > 20 else "")


@dataclass(slots=True)
class _Ctx:
    """Where we are, for messages."""

    report: Report
    file: str
    layer: str | None
    labels: dict[str, str]  # contract column → header as written with its letter
    #: cells (Excel row, contract column) already reported here: coerce_table's findings on
    #: them are dropped
    reported: set[tuple[int, str]] = field(default_factory=set)

    def error(self, code: str, zh: str, en: str, col: str, row: int | None, **kw: Any) -> None:
        self.report.error(
            code, zh, en, file=self.file, layer=self.layer, row=row, column=self.labels[col], **kw
        )


_Parsed = list[tuple[float, _Unit | None] | None]


def _convert_quantity(
    col: str, values: list[Any], rows: list[int], header_unit: _Unit | None, ctx: _Ctx
) -> list[Any]:
    """Convert one quantity column to its contract unit; report unit problems."""
    target = _QUANTITY[col]
    parsed: _Parsed = [None if is_blank(v) else _split_cell_unit(v) for v in values]
    wrong_kind = [
        (r, p[1])
        for p, r in zip(parsed, rows, strict=True)
        if p and p[1] and p[1].kind != target.kind
    ]
    for r, u in wrong_kind:
        ctx.error(
            "bad_unit",
            f"单位 {u.name} 不适用于本列",
            f"unit {u.en} does not fit this column",
            col,
            r,
            hint_zh=f"以 {target.name} 为单位的数字",
            hint_en=f"a number in {target.en}",
        )
    if header_unit is not None:
        _check_header_unit(col, parsed, rows, header_unit, target, ctx)
    else:
        _check_one_unit(col, parsed, rows, target, ctx)
    return _in_contract_unit(col, values, parsed, rows, header_unit, target, ctx)


def _check_header_unit(
    col: str, parsed: _Parsed, rows: list[int], header_unit: _Unit, target: _Unit, ctx: _Ctx
) -> None:
    """Cells that write another unit than the header declares: one error naming the rows."""
    label = ctx.labels[col]
    conflict = [
        r
        for p, r in zip(parsed, rows, strict=True)
        if p and p[1] and p[1].kind == target.kind and p[1].factor != header_unit.factor
    ]
    if not conflict:
        return
    wrong = sorted(
        {p[1] for p in parsed if p and p[1] and p[1].kind == target.kind and p[1] != header_unit},
        key=lambda u: u.name,
    )
    ctx.error(
        "unit_conflict",
        f"列 {label} 的表头单位是 {header_unit.name}，但第 {_fmt_rows(conflict)} 行的"
        f"单元格写的是 {'、'.join(u.name for u in wrong)}",
        f"column {label} declares {header_unit.en} in its header, but row(s) "
        f"{_fmt_rows_en(conflict)} write {', '.join(u.en for u in wrong)} in the cell",
        col,
        conflict[0],
        hint_zh=f"统一用 {header_unit.name}，或去掉单元格中的单位",
        hint_en=f"use {header_unit.en} throughout, or drop the unit from the cells",
    )


def _check_one_unit(col: str, parsed: _Parsed, rows: list[int], target: _Unit, ctx: _Ctx) -> None:
    """Without a unit in the header, the cells must not mix units (a bare number is ``target``)."""
    label = ctx.labels[col]
    groups: dict[_Unit | None, list[int]] = {}
    for p, r in zip(parsed, rows, strict=True):
        if p is None or (p[1] is not None and p[1].kind != target.kind):
            continue
        groups.setdefault(p[1], []).append(r)
    if len({u or target for u in groups}) <= 1:
        return
    parts_zh = [
        f"{u.name if u else f'未写单位（按 {target.name}）'}：第 {_fmt_rows(v)} 行"
        for u, v in groups.items()
    ]
    parts_en = [
        f"{u.en if u else f'no unit (read as {target.en})'}: row(s) {_fmt_rows_en(v)}"
        for u, v in groups.items()
    ]
    first_minor = min(groups.items(), key=lambda kv: (len(kv[1]), kv[1][0]))[1][0]
    ctx.error(
        "mixed_units",
        f"列 {label} 混用了不同单位（{'；'.join(parts_zh)}）",
        f"column {label} mixes units ({'; '.join(parts_en)})",
        col,
        first_minor,
        hint_zh="同一列统一单位，最好写在表头，例如 用地面积(亩)",
        hint_en="use one unit per column, best in the header, e.g. 用地面积(亩)",
    )


def _in_contract_unit(
    col: str,
    values: list[Any],
    parsed: _Parsed,
    rows: list[int],
    header_unit: _Unit | None,
    target: _Unit,
    ctx: _Ctx,
) -> list[Any]:
    """The values in the contract unit, exactly; a value outside the plausible range is None."""
    spec = _COLUMN[col]
    low, high = Fraction(spec.min or 0), Fraction(spec.max or 0)
    rng = NumberRange(float(low), float(high), spec.unit).text()
    out: list[Any] = []
    for v, p, r in zip(values, parsed, rows, strict=True):
        if p is None:
            out.append(v)  # blank, or coerce_table reports the unparsable text
            continue
        x, cell_unit = p
        unit = (
            cell_unit
            if cell_unit is not None and cell_unit.kind == target.kind
            else (header_unit or target)
        )
        y = Fraction(x) * unit.factor / target.factor
        if low <= y <= high:
            out.append(float(y))
            continue
        # checked here, before float(): 1e308 公顷 in 亩 does not fit a float
        written = v if isinstance(v, str) else _fmt_number(x)
        written = normalise_text(written)
        same = unit.factor == target.factor
        is_zh = "" if same else f"（折合 {_fmt_number(y)} {target.name}）"
        is_en = "" if same else f" (= {_fmt_number(y)} {target.en})"
        ctx.error(
            "below_min" if y < low else "above_max",
            f"{_LABEL_ZH[col]} 的值 {written}{is_zh} 超出合理范围 {rng}",
            f"{col} value {written}{is_en} is outside the plausible range {rng}",
            col,
            r,
            hint_zh=f"{rng} 之内的数值（请检查单位）",
            hint_en=f"a value within {rng} (check the unit)",
        )
        ctx.reported.add((r, col))
        out.append(None)
    return out


def _convert_cluster(
    values: list[Any], rows: list[int], clusters: pd.DataFrame | None, ctx: _Ctx
) -> list[Any]:
    if clusters is None or len(clusters) == 0 or "cluster" not in clusters.columns:
        return [normalise_text(v) if not is_blank(v) else v for v in values]
    lookup: dict[str, str] = {}
    names: list[str] = []
    for rec in clusters.to_dict("records"):
        code = normalise_text(rec.get("cluster"))
        if not code:
            continue
        zh = normalise_text(rec.get("name_zh"))
        names.append(f"{zh}（{code}）" if zh and zh != code else code)
        for key in (code, zh, normalise_text(rec.get("name_en"))):
            if key:
                lookup.setdefault(_match_key(key), code)
    out: list[Any] = []
    for v, r in zip(values, rows, strict=True):
        if is_blank(v):
            out.append(v)
            continue
        key = _match_key(v)
        found = lookup.get(key) or lookup.get(re.sub(r"(产业集群|产业|集群|行业)$", "", key))
        if found is None:
            ctx.error(
                "unknown_cluster",
                f"产业集群 “{normalise_text(v)}” 不在集群表中",
                f"cluster '{normalise_text(v)}' is not in the clusters table",
                "cluster",
                r,
                hint_zh="、".join(names),
                hint_en=", ".join(names),
            )
            out.append(normalise_text(v))
        else:
            out.append(found)
    return out


def _match_key(value: Any) -> str:
    """A cell as a lookup key: normalised text, no whitespace, lower case."""
    return re.sub(r"\s+", "", normalise_text(value)).lower()


def _convert_choice(
    col: str, values: list[Any], rows: list[int], table: dict[str, str], ctx: _Ctx, hint: str
) -> list[Any]:
    out: list[Any] = []
    for v, r in zip(values, rows, strict=True):
        if is_blank(v):
            out.append(v)
            continue
        key = _match_key(v)
        code = table.get(key)
        if code is None:
            ctx.error(
                f"bad_{col}",
                f"取值 “{normalise_text(v)}” 无法识别",
                f"value '{normalise_text(v)}' is not recognised",
                col,
                r,
                hint_zh=hint,
                hint_en=", ".join(sorted(set(table.values()))),
            )
            out.append(None)
        else:
            out.append(code)
    return out


def _convert_list(
    col: str, values: list[Any], rows: list[int], table: dict[str, str], ctx: _Ctx, strict: bool
) -> list[Any]:
    out: list[Any] = []
    for v, r in zip(values, rows, strict=True):
        if is_blank(v):
            out.append(v)
            continue
        items = parse_list(re.sub(r"[\s/]+", ";", normalise_text(v)))
        codes: list[str] = []
        for item in items:
            key = item.lower().replace('"', "").replace("“", "").replace("”", "")
            if key in ("无", "none", "-"):
                continue
            code = table.get(key)
            if code is None and strict:
                ctx.error(
                    f"unknown_{col}",
                    f"无法识别 “{item}”",
                    f"'{item}' is not recognised",
                    col,
                    r,
                    hint_zh="供水、供电、道路、通信、燃气、供热、排水",
                    hint_en="water, power, road, telecom, gas, heat, drainage",
                )
                continue
            codes.append(code or item)
        out.append(";".join(dict.fromkeys(codes)))
    return out


def _convert_int_like(col: str, values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, dt.date | dt.datetime) and col == "start_year":
            out.append(v.year)
            continue
        if is_blank(v) or not isinstance(v, str):
            out.append(v)
            continue
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", v))
        if col == "start_year":
            m = _YEAR_RE.match(s)
            out.append(int(m.group(1)) if m else v)
        elif col == "pollution":
            s = re.sub(r"(级|类)$", "", s.removeprefix("第"))
            out.append(_CN_DIGITS.get(s, s))
        else:  # jobs
            out.append(re.sub(r"(人|名)$", "", s))
    return out


def _convert_land_use(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if is_blank(v):
            out.append(v)
            continue
        s = re.sub(r"\s+", "", normalise_text(v)).upper()
        m = re.search(r"M[0-3]", s)
        out.append(m.group(0) if m else _LAND_USES.get(s, v))
    return out


def _convert_bool(values: list[Any]) -> list[Any]:
    extra = {"需要": True, "要求": True, "不需要": False, "不要求": False, "无": False}
    out: list[Any] = []
    for v in values:
        key = normalise_text(v)
        out.append(extra[key] if parse_bool(v) is None and key in extra else v)
    return out


def _convert_columns(
    columns: dict[str, list[Any]],
    rows: list[int],
    units: dict[str, _Unit | None],
    clusters: pd.DataFrame | None,
    ctx: _Ctx,
) -> dict[str, list[Any]]:
    """Every mapped column's cells converted to contract values (``units``: header units)."""
    conv: dict[str, list[Any]] = {}
    for col, values in columns.items():
        if col in _QUANTITY:
            conv[col] = _convert_quantity(col, values, rows, units[col], ctx)
        elif col == "cluster":
            conv[col] = _convert_cluster(values, rows, clusters, ctx)
        elif col == "stage":
            conv[col] = _convert_choice(col, values, rows, _STAGES, ctx, "在谈、签约、注册")
        elif col == "carrier":
            conv[col] = _convert_choice(col, values, rows, _CARRIERS, ctx, "土地、厂房、均可")
        elif col == "needs":
            conv[col] = _convert_list(col, values, rows, NEED_NAMES, ctx, strict=True)
        elif col == "tags":
            conv[col] = _convert_list(col, values, rows, TAG_NAMES, ctx, strict=False)
        elif col in ("start_year", "pollution", "jobs"):
            conv[col] = _convert_int_like(col, values)
        elif col == "land_use":
            conv[col] = _convert_land_use(values)
        elif col == "ready_to_build":
            conv[col] = _convert_bool(values)
        else:
            conv[col] = values
    return conv


def _check_space(table: pd.DataFrame, rows: list[int], ctx: _Ctx) -> None:
    """A project must need some space, and the space its carrier names must be > 0."""
    for rowno, pid, carrier, land, floor in zip(
        rows,
        table["project_id"],
        table["carrier"],
        table["land_mu"],
        table["floor_m2"],
        strict=True,
    ):
        land_v = float(land) if land is not None and not pd.isna(land) else None
        floor_v = float(floor) if floor is not None and not pd.isna(floor) else None
        if carrier in ("land", "either") and land_v == 0 and (carrier == "land" or floor_v == 0):
            ctx.error(
                "zero_area",
                f"项目 {pid} 的载体类型为 {carrier}，但用地面积为 0",
                f"project {pid} asks for carrier {carrier} but its land area is 0",
                "land_mu" if "land_mu" in ctx.labels else "carrier",
                rowno,
                hint_zh="大于 0 的用地面积（亩）",
                hint_en="a land area > 0 (mu)",
            )
        elif carrier == "factory" and floor_v == 0:
            ctx.error(
                "zero_area",
                f"项目 {pid} 的载体类型为 厂房，但厂房面积为 0",
                f"project {pid} asks for a factory but its floor area is 0",
                "floor_m2" if "floor_m2" in ctx.labels else "carrier",
                rowno,
                hint_zh="大于 0 的厂房面积（平方米）",
                hint_en="a floor area > 0 (m²)",
            )
        elif carrier is None and land_v == 0 and floor_v == 0:
            ctx.report.warning(
                "no_space_need",
                f"项目 {pid} 既没有用地面积也没有厂房面积，无法安排载体",
                f"project {pid} has neither a land area nor a floor area; it cannot be placed",
                file=ctx.file,
                layer=ctx.layer,
                row=rowno,
                column=ctx.labels.get("land_mu"),
            )
