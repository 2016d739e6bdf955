"""The header of a 项目库: finding the header row and mapping its cells to contract columns.

Headers are matched after NFKC, lower case and without blanks, brackets and the unit they
declare (``投资总额（万元）`` → ``investment_yi`` in 万元) against :data:`HEADER_SYNONYMS`. A
header is one row, or two: group labels above sub-headers (:func:`_two_level_header`); it is the
first row (within :data:`_HEADER_SCAN_ROWS`) with ``project_id`` and another known column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from geodata.pipeline_files import _Grid
from geodata.pipeline_units import _TRAILING_UNITS, _UNIT_TOKENS, _Unit, _unit_of
from geodata.schema import LAYERS, Column, is_blank, normalise_text

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

#: Rows searched for the header from the top of a sheet.
_HEADER_SCAN_ROWS = 50
_BRACKETS = str.maketrans("【】[]〔〕", "()()()")


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


def _col_letter(index: int) -> str:
    """Excel column letter of a 0-based column index."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


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
