"""Import a project pipeline (项目库) from Excel (.xlsx) or CSV as people actually keep it.

Real pipelines carry a title row above the header, Chinese headers with units in brackets and
many synonyms (``投资总额(万元)``, ``占地(公顷)``, ``建设单位`` …), merged cells, full-width
digits, units written in the cells (``3公顷``, ``5000万元``), ids with leading zeros, formulas
and files saved in GBK. :func:`read_pipeline` finds the header row, maps the headers to the
contract's ``projects`` columns, converts every quantity exactly to the contract unit and then
runs :func:`geodata.schema.coerce_table`. Every problem goes into the
:class:`~geodata.report.Report` with the file, the sheet (as layer), the row number the user sees
in Excel and the column header as written.

The importer is five modules: this one (the sheet to read, its data rows, the table), the files
(:mod:`geodata.pipeline_files`), the header (:mod:`geodata.pipeline_headers`), the units
(:mod:`geodata.pipeline_units`) and the conversion of cells (:mod:`geodata.pipeline_values`).
Their public names are importable from here.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.pipeline_files import _Grid, _read_csv, _read_xlsx, _where
from geodata.pipeline_headers import (
    _HEADER_SCAN_ROWS,
    _LABEL_ZH,
    _PROJECT_COLUMNS,
    _REQUIRED,
    HEADER_SYNONYMS,
    _col_letter,
    _find_header,
    _Header,
    _header_columns,
    _split_header,
    match_header,
)
from geodata.pipeline_units import _QUANTITY, _Unit
from geodata.pipeline_values import _CARRIERS as _CARRIERS
from geodata.pipeline_values import _LAND_USES as _LAND_USES
from geodata.pipeline_values import _STAGES as _STAGES
from geodata.pipeline_values import (
    NEED_NAMES,
    TAG_NAMES,
    _check_space,
    _convert_columns,
    _Ctx,
)
from geodata.report import Problem, Report
from geodata.schema import coerce_table, is_blank, normalise_text

__all__ = ["HEADER_SYNONYMS", "NEED_NAMES", "TAG_NAMES", "match_header", "read_pipeline"]

_SKIP_TOTAL = ("合计", "总计", "小计")
_SKIP_NOTE = ("注", "备注", "说明", "填表", "填报")


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
    grids = _read_grids(path, report, sheet, encoding)
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


def _read_grids(
    path: Path, report: Report, sheet: str | None, encoding: str | None
) -> list[_Grid] | None:
    """The candidate sheets of a workbook, or the rows of a CSV; ``None`` after an error."""
    fname = path.name
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
        return _read_xlsx(path, report, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        g = _read_csv(path, report, encoding)
        return None if g is None else [g]
    report.error(
        "unsupported_format",
        f"不支持的文件类型 “{path.suffix}”",
        f"unsupported file type '{path.suffix}'",
        hint_zh=".xlsx 或 .csv",
        hint_en=".xlsx or .csv",
        file=fname,
    )
    return None


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


@dataclass(slots=True)
class _Columns:
    """The header's known columns: their cells, declared units and labels as written."""

    by_col: dict[str, list[int]]  # contract column → indices of the columns meaning it
    units: dict[str, _Unit | None]  # contract column → unit declared by its header
    labels: dict[str, str]  # contract column → header as written with its letter
    ignored: list[str]  # headers that are no contract column


def _table_from_grid(
    grid: _Grid, header: _Header, report: Report, fname: str, clusters: pd.DataFrame | None
) -> pd.DataFrame | None:
    layer = grid.layer
    where = _where(fname, layer)
    cols = _map_header(header, report, where)
    complete = _check_columns(header, cols, report, where)
    _report_formulas(
        grid,
        report,
        fname,
        {i: f"{header.shown[i]} [{_col_letter(i)}]" for i in _flat(cols.by_col)},
    )
    if cols.ignored:
        report.add(
            Problem(
                "info",
                "ignored_columns",
                f"以下列不属于项目库数据，已忽略：{'、'.join(cols.ignored)}",
                f"these columns are not part of the project table and were ignored: "
                f"{', '.join(cols.ignored)}",
                row=header.row,
                **where,
            )
        )
    if not complete:
        return None
    data = _data_rows(grid, header, cols, report, where)
    if not data:
        report.error(
            "empty_input",
            f"表头（第 {header.row} 行）下面没有任何项目数据行",
            f"no project rows below the header (row {header.row})",
            hint_zh="表头下方每行填写一个项目",
            hint_en="one project per row below the header",
            row=header.row,
            **where,
        )
        return None
    rows = [r for r, _ in data]
    columns: dict[str, list[Any]] = {
        col: [cells[idx[0]] if idx[0] < len(cells) else None for _, cells in data]
        for col, idx in cols.by_col.items()
    }
    ctx = _Ctx(report=report, file=fname, layer=layer, labels=cols.labels)
    conv = _convert_columns(columns, rows, cols.units, clusters, ctx)
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in conv.items()})
    sub = Report()
    table = coerce_table(frame, "projects", sub, file=fname, row_numbers=rows)
    report.extend(
        dataclasses.replace(p, layer=layer, column=cols.labels.get(p.column or "", p.column))
        for p in sub
        if (p.row, p.column) not in ctx.reported
    )
    table = table[[c for c in _PROJECT_COLUMNS if c in table.columns]].reset_index(drop=True)
    _check_space(table, rows, ctx)
    return table


def _map_header(header: _Header, report: Report, where: dict[str, Any]) -> _Columns:
    """Map each header cell to a contract column; report units that do not fit their column."""
    cols = _Columns(by_col={}, units={}, labels={}, ignored=[])
    for i, raw in enumerate(header.cells):
        if is_blank(raw):
            continue
        text = header.shown[i]
        name, unit, others = _split_header(raw)
        col = HEADER_SYNONYMS.get(name)
        if col is None:
            cols.ignored.append(text)
            continue
        cols.by_col.setdefault(col, []).append(i)
        cols.units[col] = unit
        cols.labels[col] = f"{text} [{_col_letter(i)}]"
        if col not in _QUANTITY:
            continue
        if unit is not None and unit.kind != _QUANTITY[col].kind:
            report.error(
                "bad_header_unit",
                f"表头单位 {unit.name} 不适用于 {_LABEL_ZH[col]}",
                f"header unit {unit.en} does not fit {col}",
                hint_zh=f"例如 {_LABEL_ZH[col]}",
                hint_en=f"e.g. {_LABEL_ZH[col]}",
                row=header.row,
                column=cols.labels[col],
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
                row=header.row,
                column=cols.labels[col],
                **where,
            )
    return cols


def _check_columns(header: _Header, cols: _Columns, report: Report, where: dict[str, Any]) -> bool:
    """Report columns given twice and required columns missing; True when there are none."""
    for col, idx in cols.by_col.items():
        if len(idx) > 1:
            heads = [f"{header.shown[i]} [{_col_letter(i)}]" for i in idx]
            report.error(
                "duplicate_column",
                f"多列都表示 {_LABEL_ZH[col]}（{col}）：{'、'.join(heads)}",
                f"several columns mean {col}: {', '.join(heads)}",
                hint_zh="只保留一列",
                hint_en="keep only one of them",
                row=header.row,
                column=heads[1],
                **where,
            )
    found = [t for t in header.shown if t]
    missing = [c for c in _REQUIRED if c not in cols.by_col]
    if missing:
        report.error(
            "missing_column",
            f"缺少必填列 {'、'.join(f'{_LABEL_ZH[c]}（{c}）' for c in missing)}；"
            f"找到的列：{'、'.join(found)}",
            f"missing required column(s) {', '.join(missing)}; columns found: {', '.join(found)}",
            hint_zh="、".join(_LABEL_ZH[c] for c in missing),
            hint_en=", ".join(missing),
            row=header.row,
            column=", ".join(missing),
            **where,
        )
    return not missing and not any(len(i) > 1 for i in cols.by_col.values())


def _data_rows(
    grid: _Grid, header: _Header, cols: _Columns, report: Report, where: dict[str, Any]
) -> list[tuple[int, list[Any]]]:
    """The project rows below the header: no blank, totals or note rows; merged ids reported."""
    # data rows start below the header (and below header cells merged downwards)
    header_end = header.end
    for r0, _, r1, _ in grid.merges:
        if header.row <= r0 <= header.end:
            header_end = max(header_end, r1)
    key = cols.by_col["project_id"][0]
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
                column=cols.labels["project_id"],
                **where,
            )
            skip.update(range(r0 + 1, r1 + 1))
    mapped = sorted({idx[0] for idx in cols.by_col.values()})
    data: list[tuple[int, list[Any]]] = []
    for rowno, cells in grid.rows:
        if rowno <= header_end or rowno in skip:
            continue
        vals = [cells[i] if i < len(cells) else None for i in mapped]
        if all(is_blank(v) for v in vals):
            continue
        texts = [normalise_text(v) for v in cells if not is_blank(v)]
        id_blank = key >= len(cells) or is_blank(cells[key])
        if id_blank and any(t.startswith(_SKIP_TOTAL) for t in texts):
            continue  # a totals row
        if len(texts) == 1 and texts[0].startswith(_SKIP_NOTE):
            continue  # a note below the table
        data.append((rowno, cells))
    return data


def _flat(by_col: dict[str, list[int]]) -> list[int]:
    return [i for idx in by_col.values() for i in idx]
