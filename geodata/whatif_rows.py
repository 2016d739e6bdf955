"""Rows of a layer written by hand in a what-if file (a scenario's ``extra_projects`` …).

:class:`Locator` says where a key of that file is (its file, ``key.0.column`` and line), so that
every problem names the entry; :func:`typed_rows` turns the written entries into typed cells of
a layer of the contract (:data:`geodata.schema.LAYERS`).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.report import Report
from geodata.schema import LAYERS, coerce_table

#: The line of a key path in the what-if file (``None``: unknown).
LineOf = Callable[[tuple[str | int, ...]], int | None]


class Locator:
    """Where a key of the what-if file is: the file, ``a.0.b`` and the 1-based line.

    Parameters
    ----------
    path
        The file that holds the what-if rows.
    line_of
        Finds the line of a key path (e.g. in the file's YAML tree); asked only when a problem is
        reported. Without it, problems name no line.
    """

    def __init__(self, path: str | Path, line_of: LineOf | None = None) -> None:
        self.path = Path(path)
        self._line_of = line_of

    def line(self, *loc: str | int) -> int | None:
        """1-based line of the key ``loc`` (or of its nearest existing parent)."""
        return self._line_of(tuple(loc)) if self._line_of is not None else None

    def at(self, *loc: str | int) -> dict[str, Any]:
        """The ``file``, ``row`` and ``column`` keywords of a problem about key ``loc``."""
        return {
            "file": str(self.path),
            "row": self.line(*loc),
            "column": ".".join(str(k) for k in loc),
        }


def yaml_cell(value: Any) -> Any:
    """A YAML value as a table cell: lists (``clusters: [a, b]``) become ``a;b``."""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


def blank(value: Any) -> bool:
    """An empty cell: ``None``, NaN or ``""``."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def typed_rows(
    items: list[dict[str, Any]],
    key: str,
    layer: str,
    extra_keys: tuple[str, ...],
    columns_hint: tuple[str, str],
    loc: Locator,
    report: Report,
    *,
    skip: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Rows written in the what-if file as typed cells of a contract ``layer``.

    Unknown keys (not a column of the layer nor one of ``extra_keys``) are reported with a "did
    you mean"; every bad cell is reported at ``<key>.<i>.<column>`` with its line (problems whose
    code is in ``skip`` are left to the caller). YAML lists become the layer's list cells.
    """
    columns = [c.name for c in LAYERS[layer]]
    allowed = [*columns, *extra_keys]
    for i, item in enumerate(items):
        for k in item:
            if str(k) not in allowed:
                near = difflib.get_close_matches(str(k), allowed, n=1)
                name = f"{key}.{i}.{k}"
                hint = f"{key}.{i}.{near[0]}" if near else None
                report.error(
                    "unknown_key",
                    f"未知的键 {name}" + (f"，是否应为 {hint}？" if hint else ""),
                    f"unknown key {name}" + (f"; did you mean {hint}?" if hint else ""),
                    hint_zh=None if hint else columns_hint[0],
                    hint_en=None if hint else columns_hint[1],
                    **loc.at(key, i, str(k)),
                )
    frame = pd.DataFrame(
        [{k: yaml_cell(v) for k, v in item.items() if k in columns} for item in items],
        columns=columns,
    )
    frame = frame.dropna(axis=1, how="all").astype(object)
    for c in LAYERS[layer]:
        if c.required and c.name not in frame.columns:
            frame[c.name] = None  # reported per row as blank
    cells = Report()
    typed = coerce_table(frame, layer, cells, row_numbers=list(range(len(items))))
    for p in cells:
        if p.code in skip:
            continue
        i, col = int(p.row or 0), str(p.column)
        report.add(dataclasses.replace(p, layer=None, **loc.at(key, i, col)))
    return typed


def spelled_as(existing: str, given: str) -> tuple[str, str]:
    """Message parts naming the data's spelling of an id equal to ``given`` after normalising."""
    if existing == given:
        return "", ""
    return (
        f" {existing}（只有全角/半角、空格或大小写不同）",
        f" as {existing} (differing only in width, spaces or case)",
    )
