"""Text encodings of foreign files: settled from the bytes, never guessed.

Shapefile text encoding
    The raw bytes of the DBF's field names and text values are checked before anything is
    decoded. A code page declared by a ``.cpg`` file (or, without one, a DBF language-driver byte
    declaring GBK, 0x4D or 0x7A) is used when the bytes decode with it. Otherwise pure ASCII or
    valid UTF-8 is read as UTF-8. Otherwise the explicit ``encoding`` (``--encoding``) is used
    when the bytes decode with it; without one the file is refused with a message asking for
    ``--encoding gbk``. ``--encoding`` is thus a fallback for files whose encoding is not
    otherwise known, so one option can serve several input files. GBK is never guessed from the
    bytes alone: most byte strings that are valid GBK are also valid Big5 or GB18030 and many are
    valid Latin-1, so a guess could silently produce wrong names.

Text files (GeoJSON, CSV) are UTF-8 (with or without BOM) unless ``--encoding`` names another.
Part of the importer of :mod:`geodata.vector`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd

from geodata.report import Report

#: DBF language-driver ids that declare the Chinese GBK code page (936).
_GBK_LDIDS = {0x4D, 0x7A}


def _codec(name: str) -> str | None:
    """Python codec name for a code page as written in a ``.cpg`` or on the command line."""
    s = name.strip().strip("\ufeff").upper()
    s = re.sub(r"^ANSI\s*", "", s)
    if s.isdigit():
        s = {"65001": "UTF-8", "936": "GBK", "950": "BIG5", "88591": "ISO-8859-1"}.get(s, f"CP{s}")
    try:
        return codecs.lookup(s).name
    except LookupError:
        return None


def dbf_text_bytes(path: Path) -> tuple[list[tuple[bytes, bool]], int]:
    """The raw bytes of a DBF's non-ASCII field names and text values, and its language id.

    Parameters
    ----------
    path
        The ``.dbf`` file.

    Returns
    -------
    tuple
        ((bytes, may_be_cut) pairs to check, the language-driver byte at offset 29).
        ``may_be_cut`` marks field names long enough for a writer to have cut a multi-byte
        character at the 10-byte limit.
    """
    data = path.read_bytes()
    if len(data) < 32:
        return [], 0
    nrec = int.from_bytes(data[4:8], "little")
    header_len = int.from_bytes(data[8:10], "little")
    rec_len = int.from_bytes(data[10:12], "little")
    ldid = data[29]
    fields: list[tuple[int, int, bool]] = []  # offset in record, length, is text
    chunks: list[tuple[bytes, bool]] = []
    pos, offset = 32, 1
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        desc = data[pos : pos + 32]
        name = desc[:11].split(b"\x00", 1)[0]
        if any(b > 127 for b in name):
            chunks.append((name, len(name) >= 8))
        ftype = chr(desc[11])
        flen = desc[16]
        fields.append((offset, flen, ftype == "C"))
        offset += flen
        pos += 32
    for r in range(nrec):
        start = header_len + r * rec_len
        rec = data[start : start + rec_len]
        if len(rec) < rec_len:
            break
        for foff, flen, is_text in fields:
            if is_text:
                raw = rec[foff : foff + flen].rstrip(b" \x00")
                if any(b > 127 for b in raw):
                    chunks.append((raw, False))
    return chunks, ldid


def _decodes(chunks: Iterable[tuple[bytes, bool]], codec: str) -> bool:
    """True when every chunk decodes (a cut last character allowed where ``may_be_cut``)."""
    for raw, may_be_cut in chunks:
        try:
            raw.decode(codec)
        except UnicodeDecodeError as exc:
            if not (may_be_cut and exc.start >= len(raw) - 3):
                return False
            try:
                raw[: exc.start].decode(codec)
            except UnicodeDecodeError:
                return False
    return True


def shapefile_encoding(
    path: Path, report: Report, *, encoding: str | None, layer: str | None = None
) -> str | None:
    """Settle the text encoding of a Shapefile (see the module docstring for the rules).

    Returns the Python codec name, or ``None`` after reporting an error.
    """
    fname = path.name
    where: dict[str, Any] = {"file": fname, "layer": layer}
    ask_zh = f"请用 --encoding 指定 {fname} 的属性编码，例如 --encoding gbk"
    ask_en = f"pass the attribute encoding of {fname} with --encoding, e.g. --encoding gbk"
    wanted: str | None = None
    if encoding:
        wanted = _codec(encoding)
        if wanted is None:
            report.error(
                "unknown_encoding",
                f"不认识的编码 {encoding}",
                f"unknown encoding {encoding}",
                hint_zh="gbk、gb18030、utf-8 等",
                hint_en="gbk, gb18030, utf-8, …",
                **where,
            )
            return None
    dbf = _dbf_of(path, report, where)
    if dbf is None:
        return None
    chunks, ldid = dbf_text_bytes(dbf)
    found = _declared(path, ldid, wanted, report, where, ask_zh, ask_en)
    if found is None:
        return None
    declared, source = found
    if declared is not None and _decodes(chunks, declared):
        return declared
    if declared is not None and wanted is None:
        report.error(
            "bad_encoding",
            f"{fname} 的属性文字不是 {source} 声明的 {declared} 编码；{ask_zh}",
            f"the text of {fname} is not valid {declared} as declared by {source}; {ask_en}",
            **where,
        )
        return None
    if declared is None and _decodes(chunks, "utf-8"):
        return "utf-8"
    if wanted is None:
        report.error(
            "unknown_encoding",
            f"{fname} 没有 .cpg 编码文件，属性文字也不是 UTF-8，无法确定编码（可能是 GBK）；"
            f"为避免乱码未读取。{ask_zh}",
            f"{fname} has no .cpg file and its text is not UTF-8, so its encoding is unknown "
            f"(GBK?); it was not read to avoid garbled names. {ask_en[0].upper()}{ask_en[1:]}",
            hint_zh="--encoding gbk（或在 .cpg 文件中写明编码）",
            hint_en="--encoding gbk (or a .cpg file naming the code page)",
            **where,
        )
        return None
    if not _decodes(chunks, wanted):
        report.error(
            "bad_encoding",
            f"{fname} 的属性文字不是有效的 {wanted} 编码（--encoding {encoding}）",
            f"the text of {fname} is not valid {wanted} (--encoding {encoding})",
            hint_zh="正确的编码，例如 gbk 或 utf-8",
            hint_en="the right encoding, e.g. gbk or utf-8",
            **where,
        )
        return None
    if declared is not None:
        report.warning(
            "encoding_override",
            f"{fname} 的属性文字不是 {source} 声明的 {declared} 编码，按 --encoding {encoding} 读取",
            f"the text of {fname} is not valid {declared} as declared by {source}; read with "
            f"--encoding {encoding}",
            **where,
        )
    return wanted


def _dbf_of(path: Path, report: Report, where: dict[str, Any]) -> Path | None:
    """The ``.dbf`` (or ``.DBF``) beside a ``.shp``; ``None`` after reporting it missing."""
    dbf = path.with_suffix(".dbf")
    if not dbf.exists():
        dbf = path.with_suffix(".DBF")
    if not dbf.exists():
        report.error(
            "missing_dbf",
            f"找不到属性表 {path.with_suffix('.dbf').name}（Shapefile 的 .dbf 文件）",
            f"attribute table {path.with_suffix('.dbf').name} (the Shapefile's .dbf) is missing",
            **where,
        )
        return None
    return dbf


def _declared(
    path: Path,
    ldid: int,
    wanted: str | None,
    report: Report,
    where: dict[str, Any],
    ask_zh: str,
    ask_en: str,
) -> tuple[str | None, str] | None:
    """The codec a ``.cpg`` file or the DBF's language byte declares (``None``: none) and who
    declares it; ``None`` after reporting a ``.cpg`` that names no known code page (unless
    ``wanted``, the ``--encoding`` codec, is given)."""
    cpg = next(
        (p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.exists()), None
    )
    if cpg is not None:
        text = cpg.read_text("ascii", errors="replace").strip()
        declared = _codec(text)
        if declared is None and wanted is None:
            report.error(
                "unknown_encoding",
                f"{cpg.name} 中的编码 “{text}” 无法识别；{ask_zh}",
                f"the code page '{text}' in {cpg.name} is not recognised; {ask_en}",
                **where,
            )
            return None
        return declared, cpg.name
    if ldid in _GBK_LDIDS:
        return "gbk", "DBF"
    return None, ""


def _recode(gdf: gpd.GeoDataFrame, codec: str) -> tuple[gpd.GeoDataFrame, set[str]]:
    """Decode a Shapefile read as ISO-8859-1 (bytes as code points) with the real codec.

    Returns the frame and the column names that may have been cut at the DBF's 10-byte limit
    (a writer may even cut a multi-byte character; its remains are dropped).
    """
    names: dict[str, str] = {}
    truncated: set[str] = set()
    for col in gdf.columns:
        if col == "geometry":
            continue
        raw = str(col).encode("latin-1")
        try:
            name = raw.decode(codec)
        except UnicodeDecodeError:
            name = raw.decode(codec, errors="ignore")
            truncated.add(name)
        if len(raw) >= 10:
            truncated.add(name)
        names[str(col)] = name
    out = gdf.rename(columns=names)
    for col in names.values():
        values = out[col].tolist()
        if any(isinstance(v, str) for v in values):
            out[col] = [
                v.encode("latin-1").decode(codec) if isinstance(v, str) else v for v in values
            ]
    return out, truncated


def _text_source(path: Path, report: Report, encoding: str | None, kind: str) -> str | None:
    """Decode a text file (GeoJSON, CSV): UTF-8 (with or without BOM), else ``encoding``."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if encoding:
        codec = _codec(encoding)
        if codec is not None:
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                pass
        report.error(
            "bad_encoding",
            f"{path.name} 不能按 {encoding} 解码",
            f"{path.name} cannot be decoded as {encoding}",
            hint_zh="正确的编码，例如 gbk 或 utf-8",
            hint_en="the right encoding, e.g. gbk or utf-8",
            file=path.name,
            layer=kind,
        )
        return None
    report.error(
        "unknown_encoding",
        f"{path.name} 不是 UTF-8 编码（可能是 GBK）；为避免乱码未读取。请用 --encoding 指定编码，"
        "例如 --encoding gbk",
        f"{path.name} is not UTF-8 (GBK?); it was not read to avoid garbled text. Pass its "
        "encoding with --encoding, e.g. --encoding gbk",
        hint_zh="--encoding gbk，或另存为 UTF-8",
        hint_en="--encoding gbk, or save it as UTF-8",
        file=path.name,
        layer=kind,
    )
    return None
