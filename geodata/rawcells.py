"""Cells as stored: text kept in the number fields of a GeoPackage or a Shapefile.

SQLite lets any field hold any value, so a GeoPackage edited outside GIS software (a script, a
database browser, a CSV pasted into a table) can hold ``三亿``, ``NaN`` or ``—`` in a ``REAL`` or
``INTEGER`` field; a Shapefile's DBF edited as a table can hold text in a numeric (``N``/``F``)
field. GDAL reads such a cell as ``0``, and a quota or an area read as 0 silently removes land.
:func:`restore_text_cells` puts the stored text back into the frame read by GDAL, so that
:func:`geodata.schema.coerce_table` reports it (``'三亿' 不是数字``) like any other cell.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["restore_text_cells"]

# declared types whose SQLite affinity is INTEGER, REAL or NUMERIC (GDAL reads them as numbers)
_NUMERIC_TYPES = ("INT", "REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL", "BOOL")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def restore_text_cells(path: str | Path, layer: str, frame: Any) -> Any:
    """Replace the cells GDAL read from text stored in number fields by that text.

    Parameters
    ----------
    path
        The file the frame was read from; anything but a ``.gpkg`` is returned unchanged.
    layer
        The table (layer) name.
    frame
        The (Geo)DataFrame read from it by pyogrio/GDAL, in the table's row order.

    Returns
    -------
    The same frame, or a copy whose affected columns hold the stored text in the affected rows
    (object dtype). Unchanged when the table cannot be read this way.
    """
    p = Path(path)
    if not isinstance(frame, pd.DataFrame) or len(frame) == 0:
        return frame
    if p.suffix.lower() == ".shp":
        return _put_back(frame, _dbf_texts(p, frame))
    if p.suffix.lower() != ".gpkg":
        return frame
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, ValueError):
        return frame
    try:
        info = con.execute(f"PRAGMA table_info({_quote(layer)})").fetchall()
        numeric = [
            str(name)
            for _, name, decl, _, _, pk in info
            if not pk
            and str(name) in frame.columns
            and any(t in str(decl).upper() for t in _NUMERIC_TYPES)
        ]
        if not numeric:
            return frame
        cols = ", ".join(_quote(c) for c in numeric)
        rows = con.execute(f"SELECT {cols} FROM {_quote(layer)} ORDER BY rowid").fetchall()
    except sqlite3.Error:
        return frame
    finally:
        con.close()
    if len(rows) != len(frame):
        return frame
    texts = {
        col: {i: r[j] for i, r in enumerate(rows) if isinstance(r[j], str)}
        for j, col in enumerate(numeric)
    }
    return _put_back(frame, texts)


def _put_back(frame: Any, texts: dict[str, dict[int, str]]) -> Any:
    """``frame`` with ``texts`` (column → row position → text) put into its cells."""
    out = frame
    for col, cells in texts.items():
        if not cells or col not in frame.columns:
            continue
        if out is frame:
            out = frame.copy()
        values = out[col].astype(object).tolist()
        for i, text in cells.items():
            values[i] = text
        out[col] = pd.Series(values, index=out.index, dtype=object)
    return out


def _dbf_texts(shp: Path, frame: Any) -> dict[str, dict[int, str]]:
    """Text in the numeric fields of a Shapefile's DBF (names and text decoded as ISO-8859-1,
    as :func:`geodata.vector.read_vector` reads them before decoding with the real codec)."""
    dbf = next((q for q in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if q.is_file()), None)
    if dbf is None:
        return {}
    try:
        data = dbf.read_bytes()
        count, header_len, record_len = struct.unpack("<IHH", data[4:12])
        fields: list[tuple[str, str, int, int]] = []  # name, type, offset in record, length
        offset = 1  # the deletion flag
        for pos in range(32, header_len - 1, 32):
            if data[pos] == 0x0D:
                break
            name = data[pos : pos + 11].split(b"\0", 1)[0].decode("latin-1")
            kind, length = chr(data[pos + 11]), data[pos + 16]
            fields.append((name, kind, offset, length))
            offset += length
    except (OSError, struct.error, IndexError):
        return {}
    numeric = [f for f in fields if f[1] in "NF" and f[0] in frame.columns]
    if not numeric:
        return {}
    texts: dict[str, dict[int, str]] = {f[0]: {} for f in numeric}
    row = 0
    for k in range(count):
        start = header_len + k * record_len
        record = data[start : start + record_len]
        if len(record) < record_len:
            return {}
        if record[:1] == b"*":
            continue  # deleted: GDAL skips it too
        for name, _, off, length in numeric:
            raw = record[off : off + length].strip(b" \0")
            if not raw or raw.strip(b"*") == b"":
                continue  # blank, or a number too wide for the field: GDAL reads null
            text = raw.decode("latin-1")
            try:
                float(text)
            except ValueError:
                texts[name][row] = text
        row += 1
    return texts if row == len(frame) else {}
