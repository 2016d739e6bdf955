"""The import kit: Excel templates for the tables ``landalloc import`` reads (``landalloc template``).

One workbook per table — 项目库 (projects), 用地指标 (quotas), 产业集群 (clusters) and 片区 (zones) —
each with a data sheet first (the contract's columns under the Chinese headers the importer
recognises, units in the header, one or two example rows, drop-down lists and number checks) and
a 说明 sheet that explains every column (meaning, unit, required or optional, value when blank,
allowed values, other accepted headers), Chinese first with English.

The columns come from :data:`geodata.schema.LAYERS` (header = ``label_zh``), the accepted values
and other headers from the importer itself (:mod:`geodata.pipeline`, :mod:`geodata.vector`), so
the kit follows the contract; only the explanations (:mod:`landalloc.import_kit_meaning`) are
written by hand, and :func:`check_kit` (run by the tests) fails when a column has none or a
header would not be read back as its column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geodata import pipeline, vector
from geodata.report import Report, fail
from geodata.schema import LAYERS, Column
from geodata.store import atomic_path
from geodata.textsafe import text_cells_as_text
from landalloc.import_kit_meaning import MEANING as MEANING


@dataclass(frozen=True, slots=True)
class Template:
    """One workbook of the kit."""

    layer: str  # contract layer
    file: str  # file name in the kit folder
    sheet: str  # the data sheet (first sheet)
    title_zh: str
    title_en: str
    row_zh: str  # what one row is
    row_en: str
    examples: tuple[dict[str, Any], ...]  # by contract column; display values


TEMPLATES: tuple[Template, ...] = (
    Template(
        "projects",
        "项目库.xlsx",
        "项目库",
        "项目库",
        "project pipeline",
        "一个项目",
        "one project",
        (
            {
                "project_id": "XM-001",
                "name": "光子芯片研发生产基地（示例）",
                "company": "示例光电科技有限公司",
                "cluster": "光子",
                "stage": "签约",
                "investment_yi": 12,
                "land_mu": 60,
                "carrier": "土地",
                "land_use": "M1",
                "output_yi": 20,
                "tax_wan": 3000,
                "jobs": 300,
                "pollution": 1,
                "start_year": 2026,
                "ready_to_build": "是",
                "needs": "供水;供电;道路;排水",
                "tags": "专精特新",
            },
            {
                "project_id": "XM-002",
                "name": "医疗器械生产线（示例）",
                "company": "示例医疗器械有限公司",
                "cluster": "生物医药",
                "stage": "在谈",
                "investment_yi": 3,
                "floor_m2": 5000,
                "carrier": "厂房",
                "output_yi": 5,
                "tax_wan": 800,
                "jobs": 120,
                "pollution": 1,
                "start_year": 2027,
                "ready_to_build": "否",
                "needs": "供水;供电",
                "min_floor_load_kg_m2": 800,
                "min_clear_height_m": 8,
            },
        ),
    ),
    Template(
        "quotas",
        "用地指标.xlsx",
        "用地指标",
        "用地指标",
        "land quotas",
        "一年一个片区（或全区）的指标",
        "the quota of one year for one zone (or the whole district)",
        (
            {"year": 2026, "zone": "全区", "land_mu": 500, "used_mu": 120},
            {"year": 2026, "zone": "KJC", "land_mu": 300, "used_mu": 0},
        ),
    ),
    Template(
        "clusters",
        "产业集群.xlsx",
        "产业集群",
        "产业集群",
        "industry clusters",
        "一个产业集群",
        "one industry cluster",
        (
            {"cluster": "photonics", "name_zh": "光子", "name_en": "Photonics", "color": "#7b3294"},
            {
                "cluster": "biomed",
                "name_zh": "生物医药",
                "name_en": "Biomedicine",
                "color": "#1a9641",
            },
        ),
    ),
    Template(
        "zones",
        "片区.xlsx",
        "片区",
        "片区",
        "zones",
        "一个片区",
        "one zone",
        (
            {"zone": "KJC", "name_zh": "科技城", "name_en": "Science City"},
            {"zone": "SSH", "name_zh": "狮山", "name_en": "Shishan"},
        ),
    ),
)

_UNIT_EN = {
    "亩": "mu",
    "㎡": "m²",
    "亿元": "1e8 yuan",
    "万元": "1e4 yuan",
    "m": "m",
    "kg/㎡": "kg/m²",
}
#: The importer's own value tables of the enum columns of ``projects``.
_CHOICE_TABLES: dict[str, dict[str, str]] = {
    "stage": pipeline._STAGES,
    "carrier": pipeline._CARRIERS,
    "land_use": pipeline._LAND_USES,
}
_LIST_TABLES: dict[str, dict[str, str]] = {
    "needs": pipeline.NEED_NAMES,
    "tags": pipeline.TAG_NAMES,
}
#: Rows of the data sheets that carry drop-down lists and number checks.
_VALIDATED_ROWS = 2000
_REQUIRED_FILL = "F4B183"
_OPTIONAL_FILL = "D9E1F2"


def header(col: Column) -> str:
    """The template header of a column: its Chinese label (with the unit) or its name."""
    return col.label_zh or col.name


def columns(layer: str) -> tuple[Column, ...]:
    """The columns of a template: every column of the contract layer, in contract order."""
    return LAYERS[layer]


def _unit(col: Column) -> str:
    m = re.search(r"\(([^()]*)\)$", header(col))
    return m.group(1) if m else ""


def _both(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} / {en}"


def _unit_text(unit: str) -> str:
    en = _UNIT_EN.get(unit, unit)
    return "—" if not unit else unit if en == unit else f"{unit} / {en}"


def _zh_names(table: dict[str, str], code: str) -> list[str]:
    return [k for k, v in table.items() if v == code and not k.isascii()]


def _num(x: float) -> str:
    """A bound as people write it: ``10000``, ``0.5``, ``-100000000`` (no exponent)."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def choice_names(col: Column) -> list[str]:
    """The values offered in a drop-down list (empty when the column has none)."""
    if col.kind == "bool":
        return ["是", "否"]
    if col.name in _CHOICE_TABLES:
        table = _CHOICE_TABLES[col.name]
        out = []
        for code in col.choices:
            names = _zh_names(table, code)
            out.append(names[0] if names and col.name != "land_use" else code)
        if col.name == "land_use":
            out += [n for c in col.choices for n in _zh_names(table, c)]
        return out
    return []


def _default_text(col: Column) -> tuple[str, str]:
    d = col.default
    if d is None or d == "":
        return "（空）", "(blank)"
    if col.kind == "bool":
        return ("是", "yes") if d else ("否", "no")
    if col.name in _CHOICE_TABLES:
        names = _zh_names(_CHOICE_TABLES[col.name], str(d))
        return (names[0] if names else str(d)), str(d)
    if col.name in _LIST_TABLES:
        items = str(d).split(";")
        zh = [(_zh_names(_LIST_TABLES[col.name], i) or [i])[0] for i in items]
        return ";".join(zh), str(d)
    text = _num(d) if isinstance(d, int | float) else str(d)
    return text, text


def _allowed(layer: str, col: Column) -> tuple[str, str]:
    """Allowed values, Chinese and English."""
    if col.name in _CHOICE_TABLES:
        table = _CHOICE_TABLES[col.name]
        zh = "；".join(f"{'、'.join(_zh_names(table, c)[:3]) or c} → {c}" for c in col.choices)
        return zh + "；也可直接写英文代码", " / ".join(col.choices)
    if col.name in _LIST_TABLES:
        table = _LIST_TABLES[col.name]
        codes = list(dict.fromkeys(v for v in table.values()))
        zh = "、".join((_zh_names(table, c) or [c])[0] for c in codes)
        extra = "；其他标签按原文保留" if col.name == "tags" else ""
        return f"{zh}{extra}", ", ".join(codes) + (", or any other text" if extra else "")
    if col.kind == "bool":
        return "是 / 否（也接受 1/0、true/false）", "yes / no (是 / 否, 1/0, true/false)"
    if layer == "quotas" and col.name == "zone":
        words = sorted(w for w in vector.DISTRICT_WORDS if not w.isascii())
        return (
            f"片区代码或片区名称；{'、'.join(words)} 或 * = 全区",
            "a zone code or name; * = district",
        )
    if layer == "projects" and col.name == "cluster":
        return "产业集群表中的代码或名称", "a code or name of the clusters table"
    if col.name == "color":
        return "#RRGGBB，如 #1a9641", "#RRGGBB, e.g. #1a9641"
    if col.kind in ("int", "real"):
        what_zh = "整数" if col.kind == "int" else "数字"
        what_en = "an integer" if col.kind == "int" else "a number"
        if col.positive:
            high = f"，≤ {_num(col.max)}" if col.max is not None else ""
            return f"{what_zh}，> 0{high}", f"{what_en} > 0" + high.replace("，", ", ")
        if col.min is not None and col.max is not None:
            lo, hi = _num(col.min), _num(col.max)
            return f"{what_zh} {lo}–{hi}", f"{what_en} {lo}–{hi}"
        if col.min is not None:
            return f"{what_zh}，≥ {_num(col.min)}", f"{what_en} ≥ {_num(col.min)}"
        return what_zh, what_en
    return "文本", "text"


def other_headers(layer: str, col: Column) -> list[str]:
    """Other headers the importer reads as this column (its synonyms)."""
    if layer == "projects":
        base = re.sub(r"\([^()]*\)$", "", header(col))
        names = [k for k, v in pipeline.HEADER_SYNONYMS.items() if v == col.name]
        return [n for n in names if n not in (col.name, base) and not n.isascii()][:6]
    own = vector.header_key(header(col))
    return [
        k
        for k, (target, _) in vector.SYNONYMS.get(layer, {}).items()
        if target == col.name and vector.header_key(k) != own
    ][:6]


def explanation_rows(layer: str) -> list[list[str]]:
    """One row per template column for the 说明 sheet (see :data:`EXPLANATION_HEADER`)."""
    rows = []
    for col in columns(layer):
        meaning_zh, meaning_en = MEANING[layer][col.name]
        unit = _unit(col)
        allowed_zh, allowed_en = _allowed(layer, col)
        default_zh, default_en = _default_text(col)
        rows.append(
            [
                header(col),
                col.name,
                meaning_zh,
                meaning_en,
                _unit_text(unit),
                "必填 / required" if col.required else "选填 / optional",
                "—" if col.required else _both(default_zh, default_en),
                allowed_zh,
                allowed_en,
                "、".join(other_headers(layer, col)) or "—",
            ]
        )
    return rows


#: Header of the column table of the 说明 sheet.
EXPLANATION_HEADER = (
    "表头 Header",
    "契约列名 Column",
    "含义",
    "Meaning",
    "单位 Unit",
    "必填 Required",
    "空白时 If blank",
    "可填写的值",
    "Allowed values",
    "也可写作 Other headers",
)


def check_kit() -> list[str]:
    """Problems of the kit's definition (empty when sound): every template column has an
    explanation and its header is read back by the importer as that column."""
    problems: list[str] = []
    for tpl in TEMPLATES:
        cols = columns(tpl.layer)
        for col in cols:
            if col.name not in MEANING.get(tpl.layer, {}):
                problems.append(f"{tpl.layer}.{col.name}: no explanation in MEANING")
        heads = [header(c) for c in cols]
        if tpl.layer == "projects":
            back = [(pipeline.match_header(h) or ("?", None))[0] for h in heads]
        else:
            mapped = vector.map_columns(pd.DataFrame(columns=heads), tpl.layer, Report(), file=None)
            back = [str(c) for c in mapped.columns]
        for col, h, b in zip(cols, heads, back, strict=True):
            if b != col.name:
                problems.append(f"{tpl.layer}: header {h} is read as {b}, not {col.name}")
        for ex in tpl.examples:
            problems += [
                f"{tpl.layer}: example column {k}" for k in ex if k not in MEANING[tpl.layer]
            ]
    return problems


#: The commands that follow the kit (shown in every 说明 sheet and by ``landalloc template``).
IMPORT_COMMAND = (
    "landalloc import --parcels 地块.shp --projects 项目库.xlsx --quotas 用地指标.xlsx "
    "--clusters 产业集群.xlsx --zones 片区.xlsx --out 数据.gpkg"
)
VALIDATE_COMMAND = "landalloc validate 数据.gpkg"
SCENARIO_COMMAND = "landalloc scenario new 方案 --data 数据.gpkg"
SOLVE_COMMAND = "landalloc solve scenarios/方案.yaml --out out/方案"


def _instructions(tpl: Template) -> list[tuple[str, str]]:
    first, last = 2, 1 + len(tpl.examples)
    return [
        (
            f"第 1 行是表头，请勿修改表头文字（可以删除选填列，不可删除必填列）；橙色表头为必填列。"
            f"第 {first}–{last} 行是示例，请覆盖或删除，然后每行填写{tpl.row_zh}。",
            f"Row 1 is the header: keep its text (optional columns may be deleted, required ones "
            f"not); orange headers are required. Rows {first}–{last} are examples: overwrite or "
            f"delete them, then one row per {tpl.row_en.removeprefix('one ')}.",
        ),
        (
            "编号、代码请按文本填写（单元格已设为文本格式，前导零会保留）；数字单元格只填数字，单位见表头。",
            "Ids and codes are text (the cells are formatted as text, leading zeros stay); number "
            "cells hold a plain number in the unit of the header.",
        ),
        (
            f"填好后导入、检查、求解：{IMPORT_COMMAND}；{VALIDATE_COMMAND}；{SCENARIO_COMMAND}；"
            f"{SOLVE_COMMAND}",
            f"When filled, import, check and solve: {IMPORT_COMMAND}; {VALIDATE_COMMAND}; "
            f"{SCENARIO_COMMAND}; {SOLVE_COMMAND}",
        ),
    ]


def _data_sheet(ws: Any, tpl: Template) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws.title = tpl.sheet
    cols = columns(tpl.layer)
    example_font = Font(italic=True, color="808080")
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=header(col))
        cell.font = Font(bold=True)
        fill = _REQUIRED_FILL if col.required else _OPTIONAL_FILL
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        meaning_zh, meaning_en = MEANING[tpl.layer][col.name]
        cell.comment = Comment(f"{meaning_zh}\n{meaning_en}", "landalloc")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(10, min(32, 2 * len(header(col)) + 4))
        if col.kind in ("text", "list", "enum"):
            ws.column_dimensions[letter].number_format = "@"
        for i, ex in enumerate(tpl.examples, start=2):
            value = ex.get(col.name)
            c = ws.cell(row=i, column=j, value=value)
            c.font = example_font
            if col.kind in ("text", "list", "enum"):
                c.number_format = "@"
        rng = f"{letter}2:{letter}{_VALIDATED_ROWS + 1}"
        names = choice_names(col)
        dv: DataValidation | None = None
        if names:
            dv = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True)
            dv.error = "请从下拉列表中选择：" + "、".join(names)
        elif col.kind in ("int", "real"):
            kind = "whole" if col.kind == "int" else "decimal"
            if col.positive:
                dv = DataValidation(type=kind, operator="greaterThan", formula1="0")
                dv.error = "请填写大于 0 的数 / a number > 0"
            elif col.min is not None and col.max is not None:
                lo, hi = _num(col.min), _num(col.max)
                dv = DataValidation(type=kind, operator="between", formula1=lo, formula2=hi)
                dv.error = f"请填写 {lo}–{hi} 之间的数 / a number {lo}–{hi}"
            elif col.min is not None:
                lo = _num(col.min)
                dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=lo)
                dv.error = f"请填写不小于 {lo} 的数 / a number ≥ {lo}"
        if dv is not None:
            dv.allow_blank = True
            dv.showErrorMessage = True
            dv.errorTitle = "无效的值 / invalid value"
            ws.add_data_validation(dv)
            dv.add(rng)
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 32


def _explanation_sheet(ws: Any, tpl: Template) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws.title = "说明"
    ws.cell(row=1, column=1, value=f"{tpl.title_zh}模板说明 / {tpl.title_en} template").font = Font(
        bold=True, size=14
    )
    r = 2
    for zh, en in _instructions(tpl):
        ws.cell(row=r, column=1, value=zh)
        ws.cell(row=r + 1, column=1, value=en).font = Font(color="595959")
        r += 2
    r += 1
    for j, h in enumerate(EXPLANATION_HEADER, start=1):
        c = ws.cell(row=r, column=j, value=h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor=_OPTIONAL_FILL)
    for row in explanation_rows(tpl.layer):
        r += 1
        for j, v in enumerate(row, start=1):
            c = ws.cell(row=r, column=j, value=v)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.number_format = "@"
    widths = (22, 22, 36, 36, 14, 16, 18, 36, 30, 28)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[chr(64 + j)].width = w


def write_template(tpl: Template, path: str | Path) -> None:
    """Write one workbook of the kit to ``path`` (directly; see :func:`write_kit`)."""
    from openpyxl import Workbook

    wb = Workbook()
    data = wb.active
    _data_sheet(data, tpl)
    notes = wb.create_sheet("说明")
    _explanation_sheet(notes, tpl)
    for ws in wb.worksheets:
        text_cells_as_text(ws)
    wb.save(path)


def write_kit(directory: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write the four templates into ``directory`` (created when missing); return their paths.

    Raises :class:`~geodata.report.DataError` when ``directory`` is a file or, without
    ``overwrite``, when one of the files exists (nothing is written then). Each file is written
    to a temporary name and renamed when complete.
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise fail(
            "bad_output",
            f"{folder} 是一个文件，请给出文件夹",
            f"{folder} is a file; give a folder",
            file=str(folder),
        )
    targets = [folder / tpl.file for tpl in TEMPLATES]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        names = "、".join(p.name for p in existing)
        raise fail(
            "output_exists",
            f"{folder} 中已有 {names}；如需覆盖请加 --overwrite",
            f"{folder} already holds {', '.join(p.name for p in existing)}; pass --overwrite to "
            "replace them",
            file=str(folder),
        )
    for tpl, target in zip(TEMPLATES, targets, strict=True):
        with atomic_path(target) as tmp:
            write_template(tpl, tmp)
    return targets


def template_of(layer: str) -> Template:
    """The template of a contract layer."""
    return next(t for t in TEMPLATES if t.layer == layer)


def headers(layer: str) -> Sequence[str]:
    """The data-sheet headers of a layer's template, in order."""
    return [header(c) for c in columns(layer)]
