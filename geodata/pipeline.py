"""Import a project pipeline (项目库) from Excel (.xlsx) or CSV as people actually keep it.

Real pipelines carry a title row above the header, Chinese headers with units in brackets and
many synonyms (``投资总额(万元)``, ``占地(公顷)``, ``建设单位`` …), merged cells, full-width
digits, units written in the cells (``3公顷``, ``5000万元``), ids with leading zeros, formulas
and files saved in GBK. :func:`read_pipeline` finds the header row, maps the headers to the
contract's ``projects`` columns, converts every quantity exactly to the contract unit and then
runs :func:`geodata.schema.coerce_table`. Every problem goes into the
:class:`~geodata.report.Report` with the file, the sheet (as layer), the row number the user sees
in Excel and the column header as written.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.report import Problem, Report
from geodata.schema import (
    LAYERS,
    Column,
    NumberRange,
    coerce_table,
    is_blank,
    normalise_text,
    parse_bool,
    parse_list,
    parse_number,
)
from geodata.units import MU_PER_HECTARE, WAN_PER_YI

__all__ = ["HEADER_SYNONYMS", "NEED_NAMES", "TAG_NAMES", "match_header", "read_pipeline"]

_PROJECT_COLUMNS: tuple[str, ...] = tuple(c.name for c in LAYERS["projects"])
_LABEL_ZH: dict[str, str] = {c.name: c.label_zh for c in LAYERS["projects"]}
_COLUMN: dict[str, Column] = {c.name: c for c in LAYERS["projects"]}
_REQUIRED: tuple[str, ...] = tuple(c.name for c in LAYERS["projects"] if c.required)

#: Header synonyms (normalised: NFKC, lower case, no blanks, units and brackets removed) → column.
HEADER_SYNONYMS: dict[str, str] = {
    **{name: name for name in _PROJECT_COLUMNS},
    # project_id
    "项目编号": "project_id",
    "项目代码": "project_id",
    "编号": "project_id",
    "项目id": "project_id",
    "id": "project_id",
    # name, company
    "项目名称": "name",
    "项目名": "name",
    "名称": "name",
    "企业名称": "company",
    "公司名称": "company",
    "建设单位": "company",
    "企业": "company",
    "公司": "company",
    "投资主体": "company",
    "投资方": "company",
    "签约企业": "company",
    # cluster
    "产业集群": "cluster",
    "产业类别": "cluster",
    "所属产业": "cluster",
    "所属集群": "cluster",
    "产业方向": "cluster",
    "产业": "cluster",
    "集群": "cluster",
    # stage
    "项目阶段": "stage",
    "项目状态": "stage",
    "状态": "stage",
    "阶段": "stage",
    # money
    "总投资": "investment_yi",
    "投资总额": "investment_yi",
    "计划总投资": "investment_yi",
    "总投资额": "investment_yi",
    "投资额": "investment_yi",
    "年产值": "output_yi",
    "预计年产值": "output_yi",
    "达产产值": "output_yi",
    "达产后年产值": "output_yi",
    "产值": "output_yi",
    "年税收": "tax_wan",
    "预计年税收": "tax_wan",
    "达产税收": "tax_wan",
    "达产后年税收": "tax_wan",
    "税收": "tax_wan",
    "年纳税": "tax_wan",
    # space
    "用地面积": "land_mu",
    "占地": "land_mu",
    "占地面积": "land_mu",
    "用地": "land_mu",
    "用地需求": "land_mu",
    "用地规模": "land_mu",
    "拟用地面积": "land_mu",
    "需用地": "land_mu",
    "厂房面积": "floor_m2",
    "租赁面积": "floor_m2",
    "厂房需求": "floor_m2",
    "需求厂房面积": "floor_m2",
    "载体面积": "floor_m2",
    "载体类型": "carrier",
    "载体需求": "carrier",
    "用地性质": "land_use",
    "用地类型": "land_use",
    # others
    "就业人数": "jobs",
    "用工": "jobs",
    "用工人数": "jobs",
    "员工人数": "jobs",
    "就业": "jobs",
    "污染等级": "pollution",
    "环境影响等级": "pollution",
    "计划开工年份": "start_year",
    "开工年份": "start_year",
    "计划开工": "start_year",
    "计划开工时间": "start_year",
    "开工时间": "start_year",
    "拿地即开工": "ready_to_build",
    "是否拿地即开工": "ready_to_build",
    "配套需求": "needs",
    "配套要求": "needs",
    "基础设施需求": "needs",
    "标签": "tags",
    "项目标签": "tags",
    "企业标签": "tags",
    "锁定载体": "pinned_carrier",
    "锁定地块": "pinned_carrier",
    "指定载体": "pinned_carrier",
    "荷载要求": "min_floor_load_kg_m2",
    "楼面荷载要求": "min_floor_load_kg_m2",
    "净高要求": "min_clear_height_m",
}

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


@dataclass(frozen=True, slots=True)
class _Unit:
    """A unit written in a header or a cell: kind (area/money), display name, factor to base."""

    kind: str
    name: str
    factor: Fraction  # area: to 亩; money: to 亿元
    en: str = ""


_MU = _Unit("area", "亩", Fraction(1), "mu")
_HA = _Unit("area", "公顷", Fraction(MU_PER_HECTARE), "ha")
_M2 = _Unit("area", "平方米", Fraction(15, 10000), "m²")
_YI = _Unit("money", "亿元", Fraction(1), "亿元 (1e8 yuan)")
_WAN = _Unit("money", "万元", Fraction(1, WAN_PER_YI), "万元 (1e4 yuan)")
_YUAN = _Unit("money", "元", Fraction(1, WAN_PER_YI * WAN_PER_YI), "yuan")

# Unit spellings after NFKC + lower case (㎡ and m² both become "m2", ㏊ becomes "ha").
_UNIT_TOKENS: dict[str, _Unit] = {
    "亩": _MU,
    "mu": _MU,
    "公顷": _HA,
    "ha": _HA,
    "hm2": _HA,
    "平方米": _M2,
    "平米": _M2,
    "m2": _M2,
    "亿元": _YI,
    "亿": _YI,
    "yi": _YI,
    "万元": _WAN,
    "万": _WAN,
    "wan": _WAN,
    "元": _YUAN,
}
# Units stripped from the end of a header written without brackets (用地面积亩, 总投资万元).
_TRAILING_UNITS = ("平方米", "亿元", "万元", "公顷", "平米", "亩", "m2")

#: Quantity columns: unit kind and the contract unit.
_QUANTITY: dict[str, _Unit] = {
    "investment_yi": _YI,
    "output_yi": _YI,
    "tax_wan": _WAN,
    "land_mu": _MU,
    "floor_m2": _M2,
}

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_CELL_UNIT_RE = re.compile(
    rf"^({_NUM})({'|'.join(sorted(map(re.escape, _UNIT_TOKENS), key=len, reverse=True))})?$"
)
_YEAR_RE = re.compile(r"^(\d{4})(?:年.*|[-/.]\d{1,2}(?:[-/.]\d{1,2})?|年)?$")
_SKIP_TOTAL = ("合计", "总计", "小计")
_SKIP_NOTE = ("注", "备注", "说明", "填表", "填报")
_HEADER_SCAN_ROWS = 50
_BRACKETS = str.maketrans("【】[]〔〕", "()()()")


@dataclass(slots=True)
class _Grid:
    """Cells of one sheet (or CSV) as the user sees them."""

    rows: list[tuple[int, list[Any]]]  # (row number shown in Excel, cell values)
    layer: str | None = None  # sheet name
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formulas: list[tuple[int, int]] = field(default_factory=list)  # formula cells, no cache
    hidden: bool = False  # a hidden or very hidden sheet


@dataclass(slots=True)
class _Header:
    """The header of a sheet: one row, or a group row above a row of sub-headers."""

    index: int  # index into ``_Grid.rows`` of the (first) header row
    row: int  # Excel row of the (first) header row
    end: int  # Excel row of the last header row
    cells: list[Any]  # the header of each column, two levels combined, for matching
    shown: list[str]  # the header of each column as written (two levels as "group / sub")

    def columns(self) -> dict[int, str]:
        """Column index → contract column, for the known headers."""
        return _header_columns(self.cells)


# --------------------------------------------------------------------------- headers


def _col_letter(index: int) -> str:
    """Excel column letter of a 0-based column index."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _unit_of(text: str) -> _Unit | None:
    t = text.strip().removeprefix("单位:").removeprefix("单位").strip(":/ ")
    return _UNIT_TOKENS.get(t)


def _split_header(raw: Any) -> tuple[str, _Unit | None, list[str]]:
    """Normalised header name, the unit it declares, and unrecognised bracket texts."""
    s = unicodedata.normalize("NFKC", normalise_text(raw)).lower()
    s = re.sub(r"\s+", "", s)
    s = s.translate(_BRACKETS)
    if s in HEADER_SYNONYMS:
        return s, None, []
    unit: _Unit | None = None
    others: list[str] = []
    for inner in re.findall(r"\(([^()]*)\)", s):
        u = _unit_of(inner)
        if u is not None:
            unit = u
        else:
            others.append(inner)
    name = re.sub(r"\([^()]*\)", "", s).strip("/:_-")
    if "/" in name:  # 总投资/万元
        head, _, tail = name.rpartition("/")
        u = _unit_of(tail)
        if u is not None and head:
            name, unit = head, u
    if unit is None and name not in HEADER_SYNONYMS:
        for token in _TRAILING_UNITS:
            if name.endswith(token) and len(name) > len(token):
                name, unit = name[: -len(token)].strip("/:_-"), _UNIT_TOKENS[token]
                break
    return name, unit, others


def match_header(raw: Any) -> tuple[str, _Unit | None] | None:
    """Map one header cell to a contract column of ``projects``.

    Parameters
    ----------
    raw
        The header as written, e.g. ``"投资总额（万元）"`` or ``"ＬＡＮＤ_MU"``.

    Returns
    -------
    tuple or None
        ``(column, unit)`` where ``unit`` is the unit the header declares (``None`` when it
        declares none), or ``None`` when the header is not a known column.
    """
    if is_blank(raw):
        return None
    name, unit, _ = _split_header(raw)
    col = HEADER_SYNONYMS.get(name)
    return None if col is None else (col, unit)


def _header_columns(cells: list[Any]) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, v in enumerate(cells):
        m = match_header(v)
        if m is not None:
            out[i] = m[0]
    return out


def _unit_text(value: Any) -> str | None:
    """The unit a header cell consists of (``亿元``, ``（万元）``, ``单位：亩``), as written."""
    if not isinstance(value, str):
        return None
    text = normalise_text(value).translate(_BRACKETS)
    inner = re.sub(r"[()（）]", "", text).strip()
    norm = unicodedata.normalize("NFKC", inner).lower().replace(" ", "")
    return inner if norm and _unit_of(norm) is not None else None


def _single_header(grid: _Grid, index: int) -> _Header:
    rowno, cells = grid.rows[index]
    shown = ["" if is_blank(v) else normalise_text(v) for v in cells]
    return _Header(index=index, row=rowno, end=rowno, cells=list(cells), shown=shown)


def _two_level_header(grid: _Grid, index: int) -> _Header | None:
    """The two-row header starting at ``grid.rows[index]``, or ``None`` when there is none.

    The common 项目库 layout: group labels (``投资及用地需求``) merged across their sub-headers
    (``总投资（亿元）| 用地（亩）| …``) in the first row, single-level columns (``项目编号``)
    merged down over both rows (or written in the first row only). A column's header is the
    lower level when that is a known column, else the two levels joined (``投资`` + ``总额(万元)``;
    ``总投资`` + ``(亿元)``). The rows are a two-level header only when the second one adds known
    columns, holds only text, and under each known header of the first row holds nothing, the
    same text, a unit or another known header (a data row never passes: its project id is no
    header).
    """
    if index + 1 >= len(grid.rows):
        return None
    top_row, top_cells = grid.rows[index]
    low_row, low_cells = grid.rows[index + 1]
    if low_row != top_row + 1:
        return None
    n = max(len(top_cells), len(low_cells))
    top = list(top_cells) + [None] * (n - len(top_cells))
    low = list(low_cells) + [None] * (n - len(low_cells))
    if any(not is_blank(v) and not isinstance(v, str) for v in low):
        return None  # numbers or dates: a data row
    # group labels: merged across columns in the first row, or a label that is no known column
    # followed by blank cells, above sub-headers
    group: list[Any] = [None] * n
    for r0, c0, r1, c1 in grid.merges:
        if r0 == top_row and r1 == top_row and c1 > c0:
            for c in range(c0 - 1, min(c1, n)):
                group[c] = top[c0 - 1]
    for i in range(n):
        if group[i] is not None:
            continue
        if not is_blank(top[i]) and match_header(top[i]) is None and not is_blank(low[i]):
            group[i] = top[i]
        elif i and is_blank(top[i]) and not is_blank(low[i]) and group[i - 1] is not None:
            group[i] = group[i - 1]
    cells: list[Any] = []
    shown: list[str] = []
    gained = 0
    labels_over_subs: set[str] = set()
    for i in range(n):
        t, lo, g = top[i], low[i], group[i]
        t_text = "" if is_blank(t) else normalise_text(t)
        lo_text = "" if is_blank(lo) else normalise_text(lo)
        if not lo_text or lo_text == t_text:  # single-level (merged down, or first row only)
            cells.append(t)
            shown.append(t_text)
            continue
        unit = _unit_text(lo)
        if g is None and match_header(t) is not None and unit is not None:  # 总投资 over 亿元
            cells.append(f"{t_text}({unit})")
            shown.append(f"{t_text} / {lo_text}")
            gained += match_header(cells[-1]) != match_header(t)
            continue
        if g is None and match_header(t) is not None and match_header(lo) is None:
            return None  # contradicts a single-level column of the first row: not a header
        g_text = "" if g is None or is_blank(g) else normalise_text(g)
        if match_header(lo) is not None:
            cells.append(lo)
            shown.append(lo_text)
        elif g_text:
            cells.append(f"{g_text}{lo_text}")
            shown.append(f"{g_text} / {lo_text}")
        else:
            cells.append(lo)
            shown.append(lo_text)
        if match_header(cells[-1]) is not None:
            gained += 1
            if g_text and _unit_text(g_text) is None:  # not a note such as 单位：万元
                labels_over_subs.add(g_text)
    if not gained:
        return None
    if not any(match_header(t) is not None for t in top) and len(labels_over_subs) < 2:
        return None  # one label over the columns (a title above the header), not a group row
    cols = set(_header_columns(cells).values())
    if "project_id" not in cols or len(cols) < 2:
        return None
    return _Header(index=index, row=top_row, end=low_row, cells=cells, shown=shown)


# --------------------------------------------------------------------------- reading files


def _where(file: str, layer: str | None = None) -> dict[str, Any]:
    return {"file": file, "layer": layer}


def _read_xlsx(path: Path, report: Report, sheet: str | None) -> list[_Grid] | None:
    """All candidate sheets (just ``sheet`` when given) as grids; ``None`` on failure."""
    fname = path.name
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        report.error(
            "encrypted_xlsx",
            "文件受密码保护（已加密），或其实是旧版 .xls 文件，无法读取",
            "the workbook is password-protected (encrypted) or is really an old .xls file",
            hint_zh="在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码），"
            "再另存为 .xlsx",
            hint_en="remove the password in Excel (File → Info → Protect Workbook → Encrypt "
            "with Password, clear it) and save as .xlsx",
            **_where(fname),
        )
        return None
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, data_only=True)
            wbf = openpyxl.load_workbook(path, data_only=False, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        report.error(
            "unreadable_xlsx",
            f"无法作为 .xlsx 工作簿读取：{exc}",
            f"cannot read as an .xlsx workbook: {exc}",
            hint_zh="在 Excel 或 WPS 中打开并另存为 .xlsx（Excel 工作簿）",
            hint_en="open it in Excel or WPS and save as .xlsx (Excel Workbook)",
            **_where(fname),
        )
        return None
    except Exception as exc:  # openpyxl raises InvalidFileException and friends
        report.error(
            "unreadable_xlsx",
            f"无法作为 .xlsx 工作簿读取：{type(exc).__name__}: {exc}",
            f"cannot read as an .xlsx workbook: {type(exc).__name__}: {exc}",
            hint_zh="在 Excel 或 WPS 中打开并另存为 .xlsx（Excel 工作簿）",
            hint_en="open it in Excel or WPS and save as .xlsx (Excel Workbook)",
            **_where(fname),
        )
        return None
    try:
        names = list(wb.sheetnames)
        if sheet is not None:
            wanted = normalise_text(sheet)
            match = [n for n in names if n == sheet] or [
                n for n in names if normalise_text(n) == wanted
            ]
            if not match:
                report.error(
                    "missing_sheet",
                    f"找不到工作表 “{sheet}”；文件中的工作表：{'、'.join(names)}",
                    f"no sheet named '{sheet}'; sheets in the file: {', '.join(names)}",
                    hint_zh="用 --sheet 指定其中一个工作表",
                    hint_en="choose one of them with --sheet",
                    **_where(fname),
                )
                return None
            names = match[:1]
        grids = []
        for name in names:
            grid = _sheet_grid(wb[name], wbf[name], name)
            grid.hidden = wb[name].sheet_state != "visible"
            grids.append(grid)
        return grids
    finally:
        wbf.close()


def _cell_value(cell: Any) -> Any:
    """A cell's value, with integer cells formatted ``000…`` shown with their leading zeros."""
    v = cell.value
    if isinstance(v, int | float) and not isinstance(v, bool):
        fmt = str(getattr(cell, "number_format", "") or "")
        if re.fullmatch(r"0{2,}", fmt) and float(v).is_integer():
            return str(int(v)).zfill(len(fmt))
    return v


def _sheet_grid(ws: Any, ws_formula: Any, name: str) -> _Grid:
    rows: list[tuple[int, list[Any]]] = []
    for r, row in enumerate(ws.iter_rows(), start=1):
        rows.append((r, [_cell_value(c) for c in row]))
    merges: list[tuple[int, int, int, int]] = []
    for rng in ws.merged_cells.ranges:
        r0, c0, r1, c1 = rng.min_row, rng.min_col, rng.max_row, rng.max_col
        merges.append((r0, c0, r1, c1))
        if r0 > len(rows) or c0 > len(rows[r0 - 1][1]):
            continue
        # fill downwards only: a value merged across columns (a title, a wide header) belongs
        # to its first column, one merged across rows belongs to every row of the range
        value = rows[r0 - 1][1][c0 - 1]
        for r in range(r0 + 1, min(r1, len(rows)) + 1):
            cells = rows[r - 1][1]
            if c0 - 1 < len(cells):
                cells[c0 - 1] = value
    formulas: list[tuple[int, int]] = []
    for row in ws_formula.iter_rows():
        for c in row:
            if getattr(c, "data_type", None) != "f":
                continue
            r, col = int(c.row), int(c.column)
            if r <= len(rows) and col <= len(rows[r - 1][1]) and rows[r - 1][1][col - 1] is None:
                formulas.append((r, col))
    return _Grid(rows=rows, layer=name, merges=merges, formulas=formulas)


def _decode(data: bytes, encoding: str | None, report: Report, fname: str) -> str | None:
    if encoding is not None:
        try:
            return data.decode(encoding)
        except LookupError:
            report.error(
                "bad_encoding",
                f"未知的编码名称 “{encoding}”",
                f"unknown encoding name '{encoding}'",
                hint_zh="utf-8、gbk 或 gb18030",
                hint_en="utf-8, gbk or gb18030",
                **_where(fname),
            )
            return None
        except UnicodeDecodeError as exc:
            report.error(
                "bad_encoding",
                f"文件不能按 {encoding} 编码解读（第 {exc.start} 字节起）",
                f"the file cannot be decoded as {encoding} (from byte {exc.start})",
                hint_zh="换一个 --encoding（常见：utf-8、gbk、gb18030）",
                hint_en="try another --encoding (common: utf-8, gbk, gb18030)",
                **_where(fname),
            )
            return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    report.error(
        "unknown_encoding",
        "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）",
        "cannot tell the file's encoding (neither UTF-8 nor GBK/GB18030)",
        hint_zh="用 --encoding 指定编码，例如 --encoding big5；或在 Excel 中另存为“CSV UTF-8”",
        hint_en="name the encoding with --encoding, e.g. --encoding big5; or save as "
        "'CSV UTF-8' in Excel",
        **_where(fname),
    )
    return None


def _read_csv(path: Path, report: Report, encoding: str | None) -> _Grid | None:
    text = _decode(path.read_bytes(), encoding, report, path.name)
    if text is None:
        return None
    lines = [ln for ln in text.splitlines() if ln.strip()][:10]
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [(i, list(rec)) for i, rec in enumerate(reader, start=1)]
    return _Grid(rows=rows, layer=None)


# --------------------------------------------------------------------------- converting cells


def _fmt_rows(rows: Iterable[int]) -> str:
    rows = sorted(set(rows))
    shown = "、".join(str(r) for r in rows[:20])
    return shown + ("…" if len(rows) > 20 else "")


def _fmt_rows_en(rows: Iterable[int]) -> str:
    rows = sorted(set(rows))
    return ", ".join(str(r) for r in rows[:20]) + (", …" if len(rows) > 20 else "")


def _split_cell_unit(raw: Any) -> tuple[float, _Unit | None] | None:
    """``"3公顷"`` → ``(3.0, 公顷)``; a plain number → ``(x, None)``; ``None`` when unparsable."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        x = parse_number(raw)
        return None if x is None else (x, None)
    s = unicodedata.normalize("NFKC", normalise_text(raw)).lower()
    s = re.sub(r"[\s,]", "", s)
    m = _CELL_UNIT_RE.match(s)
    if m is None:
        return None
    x = parse_number(m.group(1))
    if x is None:
        return None
    return x, (_UNIT_TOKENS[m.group(2)] if m.group(2) else None)


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


def _convert_quantity(
    col: str, values: list[Any], rows: list[int], header_unit: _Unit | None, ctx: _Ctx
) -> list[Any]:
    """Convert one quantity column to its contract unit; report unit problems."""
    target = _QUANTITY[col]
    label = ctx.labels[col]
    parsed: list[tuple[float, _Unit | None] | None] = [
        None if is_blank(v) else _split_cell_unit(v) for v in values
    ]
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
        conflict = [
            r
            for p, r in zip(parsed, rows, strict=True)
            if p and p[1] and p[1].kind == target.kind and p[1].factor != header_unit.factor
        ]
        if conflict:
            wrong = sorted(
                {
                    p[1]
                    for p in parsed
                    if p and p[1] and p[1].kind == target.kind and p[1] != header_unit
                },
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
    else:
        groups: dict[_Unit | None, list[int]] = {}
        for p, r in zip(parsed, rows, strict=True):
            if p is None or (p[1] is not None and p[1].kind != target.kind):
                continue
            groups.setdefault(p[1], []).append(r)
        if len({u or target for u in groups}) > 1:
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


def _fmt_number(x: float | Fraction) -> str:
    """A number for messages: integers without ``.0``, huge ones in ``e`` notation."""
    big = Fraction(x)
    if abs(big) >= 10**15:  # may not fit a float (1e308 公顷 in 亩)
        digits = str(int(abs(big)))
        sign = "-" if x < 0 else ""
        rest = digits[1:6].rstrip("0")
        return f"{sign}{digits[0]}{'.' + rest if rest else ''}e+{len(digits) - 1}"
    f = float(x)
    return str(int(f)) if f.is_integer() else f"{f:.6g}"


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


# --------------------------------------------------------------------------- the importer


def read_pipeline(
    path: Path,
    report: Report,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    clusters: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """Read a project pipeline (项目库) from ``.xlsx`` or ``.csv`` into the ``projects`` table.

    Parameters
    ----------
    path
        The workbook (``.xlsx``/``.xlsm``) or CSV file. ``.xls`` is refused (save as ``.xlsx``).
    report
        Receives every problem, with the file, the sheet as layer, the row the user sees in Excel
        and the column header as written.
    sheet
        The sheet to read (hidden sheets too); by default the visible sheet with a recognisable
        header row (one or two rows: group labels above sub-headers), preferring one with every
        required column and a name like 项目库, with a warning naming it when several qualify.
        Hidden sheets are never read by default.
    encoding
        The CSV encoding; by default UTF-8 (with or without BOM), then GB18030 (a superset of
        GBK) are tried.
    clusters
        The ``clusters`` table (``cluster``, ``name_zh``, ``name_en``); when given, Chinese or
        English cluster names are mapped to their codes and unknown clusters are errors.

    Returns
    -------
    pandas.DataFrame or None
        The contract's ``projects`` columns with values in contract units (after
        :func:`geodata.schema.coerce_table`), in the order of the file; ``None`` when the file,
        its header row or a required column could not be found. When ``report`` holds errors the
        table is partial and must not be used; the caller raises
        :class:`~geodata.report.DataError`.
    """
    path = Path(path)
    fname = path.name
    if not path.is_file():
        report.error("no_file", f"找不到文件 {path}", f"file not found: {path}", file=str(path))
        return None
    suffix = path.suffix.lower()
    if suffix == ".xls":
        report.error(
            "xls_unsupported",
            "不支持旧版 Excel 97-2003 格式（.xls）",
            "the old Excel 97-2003 format (.xls) is not supported",
            hint_zh="在 Excel 或 WPS 中打开，另存为 .xlsx（Excel 工作簿）后再导入",
            hint_en="open it in Excel or WPS and save it as .xlsx (Excel Workbook)",
            file=fname,
        )
        return None
    if suffix in (".xlsx", ".xlsm"):
        grids = _read_xlsx(path, report, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        g = _read_csv(path, report, encoding)
        grids = None if g is None else [g]
    else:
        report.error(
            "unsupported_format",
            f"不支持的文件类型 “{path.suffix}”",
            f"unsupported file type '{path.suffix}'",
            hint_zh=".xlsx 或 .csv",
            hint_en=".xlsx or .csv",
            file=fname,
        )
        return None
    if grids is None:
        return None
    if not any(any(not is_blank(v) for v in cells) for g in grids for _, cells in g.rows):
        report.error(
            "empty_input",
            "文件是空的，没有表头也没有数据",
            "the file is empty: no header and no data",
            hint_zh="第一行（或标题行下方）为表头，之后每行一个项目",
            hint_en="a header row (possibly below a title), then one project per row",
            **_where(fname, grids[0].layer if grids else None),
        )
        return None
    chosen = _choose_sheet(grids, report, fname)
    if chosen is None:
        return None
    return _table_from_grid(chosen[0], chosen[1], report, fname, clusters)


_PIPELINE_SHEET_WORDS = ("项目库", "项目", "pipeline", "project")


def _choose_sheet(grids: list[_Grid], report: Report, fname: str) -> tuple[_Grid, _Header] | None:
    """The sheet to read and its header; ``None`` after an error.

    Hidden sheets are read only when named with ``--sheet`` (then ``grids`` holds just that
    one). Among the visible sheets with a header, one with all required columns and a name
    like 项目库 is preferred; when several qualify, the one taken is named in a warning.
    """
    found = [(g, h) for g in grids if (h := _find_header(g)) is not None]
    named = len(grids) == 1  # --sheet, or a workbook of one sheet
    visible = [(g, h) for g, h in found if named or not g.hidden]
    hidden = [g.layer or "" for g, _ in found if not named and g.hidden]
    if not visible:
        if hidden:
            report.error(
                "hidden_sheet",
                f"只有隐藏的工作表带项目库表头：{'、'.join(hidden)}；隐藏的工作表多为旧版本，"
                "默认不读取",
                f"only hidden sheets have a project table header: {', '.join(hidden)}; hidden "
                "sheets usually hold old versions and are not read by default",
                hint_zh=f"确要读取时用 --sheet {hidden[0]} 指定，或在 Excel 中取消隐藏",
                hint_en=f"name it with --sheet {hidden[0]}, or unhide it in Excel",
                file=fname,
                layer=hidden[0],
            )
            return None
        shown = [g for g in grids if not g.hidden] or grids
        g = next(
            (g for g in shown if any(any(not is_blank(v) for v in c) for _, c in g.rows)),
            shown[0],
        )
        _report_no_header(g, report, fname)
        return None

    def score(item: tuple[_Grid, _Header]) -> tuple[bool, bool]:
        g, h = item
        complete = set(_REQUIRED) <= set(h.columns().values())
        name = (g.layer or "").lower()
        return complete, any(w in name for w in _PIPELINE_SHEET_WORDS)

    best = max(visible, key=score)  # the first of the best
    if hidden:
        report.add(
            Problem(
                "info",
                "hidden_sheet_skipped",
                f"隐藏的工作表未读取：{'、'.join(hidden)}",
                f"hidden sheets were not read: {', '.join(hidden)}",
                file=fname,
                layer=best[0].layer,
            )
        )
    rivals = [v for v in visible if score(v)[0] == score(best)[0]]
    if len(rivals) > 1:
        others = [g.layer or "" for g, _ in rivals if g is not best[0]]
        report.warning(
            "several_sheets",
            f"有多个工作表带项目库表头；读取的是 “{best[0].layer}”，未读取：{'、'.join(others)}",
            f"several sheets have a project table header; read '{best[0].layer}', not "
            f"{', '.join(others)}",
            hint_zh="用 --sheet 指定要读取的工作表",
            hint_en="name the sheet to read with --sheet",
            file=fname,
            layer=best[0].layer,
        )
    return best


def _find_header(grid: _Grid) -> _Header | None:
    """The first header with ``project_id`` and another known column (one or two rows)."""
    for i, (_, cells) in enumerate(grid.rows[:_HEADER_SCAN_ROWS]):
        two = _two_level_header(grid, i)
        if two is not None:
            return two
        cols = set(_header_columns(cells).values())
        if "project_id" in cols and len(cols) >= 2:
            return _single_header(grid, i)
    return None


def _report_no_header(grid: _Grid, report: Report, fname: str) -> None:
    best = max(
        grid.rows[:_HEADER_SCAN_ROWS],
        key=lambda rc: (len(_header_columns(rc[1])), sum(not is_blank(v) for v in rc[1])),
    )
    found = [normalise_text(v) for v in best[1] if not is_blank(v)]
    missing = "、".join(f"{_LABEL_ZH[c]}（{c}）" for c in _REQUIRED)
    report.error(
        "missing_column",
        f"找不到表头行：没有一行同时包含 项目编号 和其他已知列；缺少必填列 {missing}；"
        f"找到的列（第 {best[0]} 行）：{'、'.join(found) or '（无）'}",
        f"no header row found: no row has 项目编号 (project_id) and another known column; "
        f"required columns: {', '.join(_REQUIRED)}; columns found (row {best[0]}): "
        f"{', '.join(found) or '(none)'}",
        hint_zh="表头写 项目编号、产业集群、总投资(亿元) 等（见 docs/data-format.md）",
        hint_en="headers such as 项目编号 / project_id, 产业集群 / cluster, 总投资(亿元) / "
        "investment_yi (see docs/data-format.md)",
        file=fname,
        layer=grid.layer,
        row=best[0],
    )
    _report_formulas(grid, report, fname, None)


def _report_formulas(grid: _Grid, report: Report, fname: str, cols: dict[int, str] | None) -> None:
    """Report formula cells without a cached value (in ``cols`` when given: index → label)."""
    for r, c in grid.formulas:
        if cols is not None and c - 1 not in cols:
            continue
        report.error(
            "formula_no_cache",
            "公式没有缓存值，请在 Excel 中打开并保存",
            "the formula has no cached value; open the file in Excel and save it",
            hint_zh="在 Excel/WPS 中打开后保存（会写入计算结果），或把公式粘贴为数值",
            hint_en="open and save it in Excel/WPS (this stores the results), or paste as values",
            file=fname,
            layer=grid.layer,
            row=r,
            column=cols[c - 1] if cols is not None else _col_letter(c - 1),
        )


def _table_from_grid(
    grid: _Grid, header: _Header, report: Report, fname: str, clusters: pd.DataFrame | None
) -> pd.DataFrame | None:
    header_row, header_cells = header.row, header.cells
    layer = grid.layer
    where = _where(fname, layer)
    # map headers
    by_col: dict[str, list[int]] = {}
    units: dict[str, _Unit | None] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    for i, raw in enumerate(header_cells):
        if is_blank(raw):
            continue
        text = header.shown[i]
        name, unit, others = _split_header(raw)
        col = HEADER_SYNONYMS.get(name)
        if col is None:
            ignored.append(text)
            continue
        by_col.setdefault(col, []).append(i)
        units[col] = unit
        labels[col] = f"{text} [{_col_letter(i)}]"
        if col in _QUANTITY:
            if unit is not None and unit.kind != _QUANTITY[col].kind:
                report.error(
                    "bad_header_unit",
                    f"表头单位 {unit.name} 不适用于 {_LABEL_ZH[col]}",
                    f"header unit {unit.en} does not fit {col}",
                    hint_zh=f"例如 {_LABEL_ZH[col]}",
                    hint_en=f"e.g. {_LABEL_ZH[col]}",
                    row=header_row,
                    column=labels[col],
                    **where,
                )
            unknown = [o for o in others if re.search(r"[元米亩顷]|m|ha", o)]
            if unit is None and unknown:
                report.error(
                    "unknown_unit",
                    f"无法识别表头中的单位 “{unknown[0]}”",
                    f"unknown unit '{unknown[0]}' in the header",
                    hint_zh="亩、公顷、平方米、㎡、亿元、万元",
                    hint_en="亩 (mu), 公顷 (ha), 平方米 / ㎡ (m²), 亿元, 万元",
                    row=header_row,
                    column=labels[col],
                    **where,
                )
    for col, idx in by_col.items():
        if len(idx) > 1:
            heads = [f"{header.shown[i]} [{_col_letter(i)}]" for i in idx]
            report.error(
                "duplicate_column",
                f"多列都表示 {_LABEL_ZH[col]}（{col}）：{'、'.join(heads)}",
                f"several columns mean {col}: {', '.join(heads)}",
                hint_zh="只保留一列",
                hint_en="keep only one of them",
                row=header_row,
                column=heads[1],
                **where,
            )
    found = [t for t in header.shown if t]
    missing = [c for c in _REQUIRED if c not in by_col]
    if missing:
        report.error(
            "missing_column",
            f"缺少必填列 {'、'.join(f'{_LABEL_ZH[c]}（{c}）' for c in missing)}；"
            f"找到的列：{'、'.join(found)}",
            f"missing required column(s) {', '.join(missing)}; columns found: {', '.join(found)}",
            hint_zh="、".join(_LABEL_ZH[c] for c in missing),
            hint_en=", ".join(missing),
            row=header_row,
            column=", ".join(missing),
            **where,
        )
    mapped = {idx[0] for idx in by_col.values()}
    _report_formulas(
        grid,
        report,
        fname,
        {i: f"{header.shown[i]} [{_col_letter(i)}]" for i in _flat(by_col)},
    )
    if ignored:
        report.add(
            Problem(
                "info",
                "ignored_columns",
                f"以下列不属于项目库数据，已忽略：{'、'.join(ignored)}",
                f"these columns are not part of the project table and were ignored: "
                f"{', '.join(ignored)}",
                row=header_row,
                **where,
            )
        )
    if missing or any(len(i) > 1 for i in by_col.values()):
        return None
    # data rows start below the header (and below header cells merged downwards)
    header_end = header.end
    for r0, _, r1, _ in grid.merges:
        if header.row <= r0 <= header.end:
            header_end = max(header_end, r1)
    key = by_col["project_id"][0]
    skip: set[int] = set()
    for r0, c0, r1, c1 in grid.merges:
        if c0 <= key + 1 <= c1 and r0 > header_end and r1 > r0:
            report.error(
                "merged_key",
                f"项目编号单元格跨第 {r0}–{r1} 行合并，无法分辨这几行属于哪个项目",
                f"the project id cell is merged over rows {r0}–{r1}; cannot tell which project "
                "these rows belong to",
                hint_zh="取消合并，每行填写自己的项目编号（一行一个项目）",
                hint_en="unmerge it and give every row its own project id (one project per row)",
                row=r0,
                column=labels["project_id"],
                **where,
            )
            skip.update(range(r0 + 1, r1 + 1))
    data: list[tuple[int, list[Any]]] = []
    for rowno, cells in grid.rows:
        if rowno <= header_end or rowno in skip:
            continue
        vals = [cells[i] if i < len(cells) else None for i in sorted(mapped)]
        if all(is_blank(v) for v in vals):
            continue
        texts = [normalise_text(v) for v in cells if not is_blank(v)]
        id_blank = key >= len(cells) or is_blank(cells[key])
        if id_blank and any(t.startswith(_SKIP_TOTAL) for t in texts):
            continue  # a totals row
        if len(texts) == 1 and texts[0].startswith(_SKIP_NOTE):
            continue  # a note below the table
        data.append((rowno, cells))
    if not data:
        report.error(
            "empty_input",
            f"表头（第 {header_row} 行）下面没有任何项目数据行",
            f"no project rows below the header (row {header_row})",
            hint_zh="表头下方每行填写一个项目",
            hint_en="one project per row below the header",
            row=header_row,
            **where,
        )
        return None
    rows = [r for r, _ in data]
    columns: dict[str, list[Any]] = {
        col: [cells[idx[0]] if idx[0] < len(cells) else None for _, cells in data]
        for col, idx in by_col.items()
    }
    ctx = _Ctx(report=report, file=fname, layer=layer, labels=labels)
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
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in conv.items()})
    sub = Report()
    table = coerce_table(frame, "projects", sub, file=fname, row_numbers=rows)
    report.extend(
        dataclasses.replace(p, layer=layer, column=labels.get(p.column or "", p.column))
        for p in sub
        if (p.row, p.column) not in ctx.reported
    )
    table = table[[c for c in _PROJECT_COLUMNS if c in table.columns]].reset_index(drop=True)
    _check_space(table, rows, ctx)
    return table


def _flat(by_col: dict[str, list[int]]) -> list[int]:
    return [i for idx in by_col.values() for i in idx]


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
