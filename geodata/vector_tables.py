"""Small tables (quotas, clusters, zones, the pipeline as a plain table) from ``.csv``/``.xlsx``.

Cells are read as text (no type or ``NaN`` guessing: the schema tier parses and reports them),
headers are normalised, blank rows and unnamed blank columns dropped. Part of the importer of
:mod:`geodata.vector`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pandas as pd

from geodata.report import Report
from geodata.schema import is_blank, normalise_text
from geodata.vector_encoding import _text_source


def read_table(
    path: Path,
    report: Report,
    *,
    kind: str,
    sheet: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame | None:
    """Read a ``.csv`` or ``.xlsx`` table as text cells (header row first); no renaming.

    CSV files must be UTF-8 (with or without BOM) unless ``encoding`` is given. Fully blank rows
    are dropped. Returns ``None`` after an error.
    """
    path = Path(path)
    fname = path.name
    if not path.exists():
        report.error("no_file", f"找不到文件 {path}", f"file not found: {path}", file=str(path))
        return None
    suffix = path.suffix.lower()
    df: pd.DataFrame | None
    if suffix == ".csv":
        df = _read_csv(path, report, encoding, kind)
    elif suffix in (".xlsx", ".xlsm"):
        df = _read_xlsx(path, report, sheet, kind)
    else:
        report.error(
            "unsupported_format",
            f"不支持的表格格式 {suffix or '（无扩展名）'}",
            f"unsupported table format {suffix or '(no extension)'}",
            hint_zh=".csv 或 .xlsx",
            hint_en=".csv or .xlsx",
            file=fname,
        )
        return None
    if df is None:
        return None
    if len(df):
        blank = [all(is_blank(v) for v in row) for row in df.itertuples(index=False)]
        df = df.loc[[not b for b in blank]].reset_index(drop=True)
    df.columns = [normalise_text(c) for c in df.columns]
    return df


def _read_csv(path: Path, report: Report, encoding: str | None, kind: str) -> pd.DataFrame | None:
    """A CSV table as text cells; ``None`` after an error (undecodable, empty, unreadable)."""
    fname = path.name
    text = _text_source(path, report, encoding, kind)
    if text is None:
        return None
    if not text.strip():
        report.error(
            "empty_file",
            "文件是空的（没有表头）",
            "the file is empty (no header)",
            file=fname,
            layer=kind,
        )
        return None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except Exception as exc:
        report.error(
            "unreadable",
            f"无法读取 CSV：{exc}",
            f"cannot read CSV: {exc}",
            file=fname,
            layer=kind,
        )
        return None
    return df


def _read_xlsx(path: Path, report: Report, sheet: str | None, kind: str) -> pd.DataFrame | None:
    """A sheet (``sheet``, or the first visible one) as cells, blank unnamed columns dropped;
    ``None`` after an error."""
    fname = path.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = pd.ExcelFile(path, engine="openpyxl")
            sheets = [str(s) for s in book.sheet_names]
            if sheet is not None and sheet not in sheets:
                report.error(
                    "missing_sheet",
                    f"找不到工作表 {sheet}；文件中的工作表：{'、'.join(sheets)}",
                    f"sheet {sheet} not found; sheets in the file: {', '.join(sheets)}",
                    file=fname,
                    layer=kind,
                )
                return None
            if sheet is None:  # the first visible sheet: hidden ones hold old copies
                states = [getattr(w, "sheet_state", "visible") for w in book.book.worksheets]
                shown = [n for n, st in zip(sheets, states, strict=True) if st == "visible"]
                sheet = (shown or sheets)[0]
            # no NaN guessing: "NaN", "N/A" … stay text and are reported, not read as blank
            df = book.parse(sheet, dtype=object, keep_default_na=False)
    except Exception as exc:
        report.error(
            "unreadable",
            f"无法读取 Excel 文件：{exc}",
            f"cannot read the Excel file: {exc}",
            file=fname,
            layer=kind,
        )
        return None
    df = df.loc[
        :,
        [
            not str(c).startswith("Unnamed:") or not all(is_blank(v) for v in df[c])
            for c in df.columns
        ],
    ]
    return df
