"""Reading the cells of a 项目库 file: the sheets of an ``.xlsx`` or the rows of a CSV.

A :class:`_Grid` holds one sheet's cells as the user sees them (row numbers as in Excel, merged
cells filled downwards, ``000…`` formatted ids with their zeros), with the merged ranges, the
formula cells that have no cached value and whether the sheet is hidden. CSV files are decoded
as UTF-8, then GB18030 (or the ``encoding`` given). Problems go into the report with the file.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geodata.report import Report
from geodata.schema import normalise_text


@dataclass(slots=True)
class _Grid:
    """Cells of one sheet (or CSV) as the user sees them."""

    rows: list[tuple[int, list[Any]]]  # (row number shown in Excel, cell values)
    layer: str | None = None  # sheet name
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formulas: list[tuple[int, int]] = field(default_factory=list)  # formula cells, no cache
    hidden: bool = False  # a hidden or very hidden sheet


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
