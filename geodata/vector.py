"""Reading foreign vector and table files for ``landalloc import``.

Vector layers (parcels, factories, zones) come from Shapefile, GeoJSON, GeoPackage or FileGDB
through pyogrio; small tables (quotas, clusters) from ``.csv`` or ``.xlsx``. This module only
*reads* and *maps headers*: text encodings are settled here (never a garbled name), Chinese
headers are mapped to the contract's column names (:data:`SYNONYMS`), CRS and projection go
through :mod:`geodata.crs`, and the schema/geometry tiers stay in :mod:`geodata.store`.

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
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon

from geodata import crs as crs_mod
from geodata.geometry import AREA_TOLERANCE
from geodata.instance import READINESS_NAMES_ZH
from geodata.rawcells import restore_text_cells
from geodata.report import Report
from geodata.schema import (
    LAYERS,
    NUMBER_RANGES,
    is_blank,
    normalise_text,
    parse_list,
    parse_number,
)
from geodata.units import M2_PER_MU, MU_PER_HECTARE

_MAX_AREA_MU = NUMBER_RANGES[("parcels", "area_mu")].high

#: File suffixes read as vector data.
VECTOR_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg", ".gdb")
#: File suffixes read as tables.
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: DBF language-driver ids that declare the Chinese GBK code page (936).
_GBK_LDIDS = {0x4D, 0x7A}
#: Values of the quota zone meaning "the whole district".
DISTRICT_WORDS = {"*", "全区", "全区合计", "区级", "全部", "合计", "全域", "district", "all"}
#: Land-use class names that identify one contract class without doubt.
LAND_USE_NAMES = {
    "新型产业用地": "M0",
    "一类工业用地": "M1",
    "二类工业用地": "M2",
    "三类工业用地": "M3",
}

#: Foreign header → (contract column, factor applied to numbers) per layer. Keys are compared
#: after :func:`header_key` (NFKC, lower case, no blanks); the contract names themselves and the
#: ``label_zh`` of :data:`geodata.schema.LAYERS` are always accepted as well.
SYNONYMS: dict[str, dict[str, tuple[str, float]]] = {
    "parcels": {
        "宗地编号": ("parcel_id", 1),
        "地块编码": ("parcel_id", 1),
        "地块代码": ("parcel_id", 1),
        "地块号": ("parcel_id", 1),
        "宗地号": ("parcel_id", 1),
        "园区": ("zone", 1),
        "所属片区": ("zone", 1),
        "所属园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "用地类型": ("land_use", 1),
        "用地分类": ("land_use", 1),
        "产业准入": ("clusters", 1),
        "准入产业集群": ("clusters", 1),
        "面积(亩)": ("area_mu", 1),
        "用地面积(亩)": ("area_mu", 1),
        "地块面积(亩)": ("area_mu", 1),
        "面积(公顷)": ("area_mu", MU_PER_HECTARE),
        "面积(ha)": ("area_mu", MU_PER_HECTARE),
        "用地面积(公顷)": ("area_mu", MU_PER_HECTARE),
        "面积(m2)": ("area_mu", 1 / M2_PER_MU),
        "面积(平方米)": ("area_mu", 1 / M2_PER_MU),
        "用地面积(平方米)": ("area_mu", 1 / M2_PER_MU),
        "是否可分割": ("divisible", 1),
        "供地年份": ("available_year", 1),
        "可供地年份": ("available_year", 1),
        "投资强度(万元/亩)": ("min_intensity_wan_per_mu", 1),
        "投资强度下限": ("min_intensity_wan_per_mu", 1),
        "亩均税收(万元/亩)": ("min_tax_wan_per_mu", 1),
        "亩均税收下限": ("min_tax_wan_per_mu", 1),
        "最小容积率": ("far_min", 1),
        "最大容积率": ("far_max", 1),
        **{zh: (f"ready_{en}", 1) for en, zh in READINESS_NAMES_ZH.items()},
    },
    "factories": {
        "载体编号": ("factory_id", 1),
        "楼栋编号": ("factory_id", 1),
        "厂房编码": ("factory_id", 1),
        "园区": ("zone", 1),
        "所属片区": ("zone", 1),
        "所属园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "产业准入": ("clusters", 1),
        "可用面积(m2)": ("floor_area_m2", 1),
        "可用面积(平方米)": ("floor_area_m2", 1),
        "可租面积(m2)": ("floor_area_m2", 1),
        "可租面积(平方米)": ("floor_area_m2", 1),
        "空置面积(m2)": ("floor_area_m2", 1),
        "空置面积(平方米)": ("floor_area_m2", 1),
        "可用建筑面积(平方米)": ("floor_area_m2", 1),
        "楼面荷载": ("floor_load_kg_m2", 1),
        "荷载(kg/m2)": ("floor_load_kg_m2", 1),
        "净高": ("clear_height_m", 1),
    },
    "zones": {
        "片区": ("zone", 1),
        "园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "片区编号": ("zone", 1),
        "片区名称": ("name_zh", 1),
    },
    "quotas": {
        "年度": ("year", 1),
        "园区": ("zone", 1),
        "片区代码": ("zone", 1),
        "指标(亩)": ("land_mu", 1),
        "用地指标": ("land_mu", 1),
        "年度指标(亩)": ("land_mu", 1),
        "指标(公顷)": ("land_mu", MU_PER_HECTARE),
        "用地指标(公顷)": ("land_mu", MU_PER_HECTARE),
    },
    "clusters": {
        "代码": ("cluster", 1),
        "集群编码": ("cluster", 1),
        "产业集群代码": ("cluster", 1),
        "名称": ("name_zh", 1),
        "集群名称": ("name_zh", 1),
        "英文名": ("name_en", 1),
        "链主x": ("anchor_x", 1),
        "链主y": ("anchor_y", 1),
    },
}


def header_key(name: object) -> str:
    """Normalise a header for matching: NFKC (full-width → half-width, ㎡ → m2), lower, no blanks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).lower()


def _lookup(kind: str) -> dict[str, tuple[str, float]]:
    table: dict[str, tuple[str, float]] = {}
    for col in LAYERS.get(kind, ()):
        table[header_key(col.name)] = (col.name, 1)
        if col.label_zh:
            table[header_key(col.label_zh)] = (col.name, 1)
    if kind == "zones":
        table.update({"zone": ("zone", 1), "name_zh": ("name_zh", 1)})
    for foreign, target in SYNONYMS.get(kind, {}).items():
        table[header_key(foreign)] = target
    return table


def map_columns(
    df: pd.DataFrame,
    kind: str,
    report: Report,
    *,
    file: str | None,
    layer: str | None = None,
    truncated: Iterable[str] = (),
) -> pd.DataFrame:
    """Rename foreign headers to contract names and convert units (公顷/㎡ → 亩).

    Only headers that identify one contract column are mapped; other columns are kept as they
    are. Two source columns mapping to the same contract column are an error (ambiguous; the
    first is used so that no follow-up "missing column" is reported). A bare
    ``面积`` without a unit is not used (warning): the area is then computed from the geometry.

    Parameters
    ----------
    df
        The table as read.
    kind
        ``parcels``, ``factories``, ``zones``, ``quotas`` or ``clusters``.
    report
        Receives the problems.
    file, layer
        Where, for messages.
    truncated
        Headers that a Shapefile writer may have cut at 10 bytes; such a header is also matched
        as the beginning of a known header when all its matches name the same contract column.

    Returns
    -------
    pandas.DataFrame
        A copy with renamed (and, for area columns in other units, converted) columns.
    """
    lookup = _lookup(kind)
    cut = set(truncated)
    layer = layer or kind
    renames: dict[str, str] = {}
    factors: dict[str, float] = {}
    sources: dict[str, list[str]] = {}
    for col in df.columns:
        if col == "geometry" or (isinstance(df, gpd.GeoDataFrame) and col == df.geometry.name):
            continue
        hit = lookup.get(header_key(col))
        if hit is None and col in cut and len(header_key(col)) >= 2:
            targets = {v for k, v in lookup.items() if k.startswith(header_key(col))}
            hit = targets.pop() if len(targets) == 1 else None
        if hit is None:
            if kind in ("parcels", "factories") and header_key(col) in ("面积", "用地面积"):
                report.warning(
                    "area_without_unit",
                    f"列 {col} 未注明单位（亩、公顷或平方米），未使用；面积按图形计算",
                    f"column {col} gives no unit (亩, 公顷 or m²) and is not used; the area is "
                    "computed from the geometry",
                    hint_zh="列名写明单位，如 面积(亩)",
                    hint_en="a header with its unit, e.g. 面积(亩)",
                    file=file,
                    layer=layer,
                    column=str(col),
                )
            continue
        target, factor = hit
        sources.setdefault(target, []).append(str(col))
        if len(sources[target]) == 1:
            renames[str(col)] = target
            factors[str(col)] = factor
    for target, cols in sources.items():
        if len(cols) < 2:
            continue
        report.error(
            "ambiguous_column",
            f"多列都对应 {target}：{'、'.join(cols)}，无法确定使用哪一列",
            f"several columns map to {target}: {', '.join(cols)}; cannot tell which to use",
            hint_zh="只保留其中一列",
            hint_en="keep only one of them",
            file=file,
            layer=layer,
            column=", ".join(cols),
        )
    out = df.copy()
    for src in renames:
        if factors[src] != 1:
            out[src] = [_scaled(v, factors[src]) for v in out[src].tolist()]
    keep = [c for c in out.columns if c in renames or c not in renames.values()]
    out = out[keep].rename(columns=renames)
    if kind == "parcels" and "land_use" in out.columns:
        out["land_use"] = [_land_use(v) for v in out["land_use"].tolist()]
    if kind == "quotas" and "zone" in out.columns:
        out["zone"] = [
            "*" if normalise_text(v).lower() in DISTRICT_WORDS else v for v in out["zone"].tolist()
        ]
    return out


def _scaled(value: Any, factor: float) -> Any:
    x = parse_number(value)
    if x is None or abs(x * factor) == float("inf"):
        return value  # left for the schema tier to report (as written)
    return x * factor


def _land_use(value: Any) -> Any:
    s = normalise_text(value)
    if s in LAND_USE_NAMES:
        return LAND_USE_NAMES[s]
    m = re.match(r"^(M[0-3])(?![0-9A-Za-z])", s.upper())
    return m.group(1) if m else value


def translate_clusters(
    df: pd.DataFrame, column: str, clusters: pd.DataFrame | None
) -> pd.DataFrame:
    """Replace cluster names (``name_zh``/``name_en`` of the clusters table) by their codes.

    Items that already are codes, or match no name, are left unchanged (the reference tier
    reports unknown codes). Lists are re-joined with ``;``.
    """
    if clusters is None or column not in df.columns or "cluster" not in clusters.columns:
        return df
    names: dict[str, str] = {}
    codes = {normalise_text(c) for c in clusters["cluster"].tolist() if not is_blank(c)}
    for name_col in ("name_zh", "name_en"):
        if name_col not in clusters.columns:
            continue
        for code, name in zip(
            clusters["cluster"].tolist(), clusters[name_col].tolist(), strict=True
        ):
            if not is_blank(name) and not is_blank(code):
                names.setdefault(normalise_text(name), normalise_text(code))
    out = df.copy()
    values = []
    for v in out[column].tolist():
        if is_blank(v):
            values.append(v)
            continue
        items = [i if i in codes else names.get(i, i) for i in parse_list(v)]
        values.append(";".join(items))
    out[column] = values
    return out


# --------------------------------------------------------------------------- encodings


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
    chunks, ldid = dbf_text_bytes(dbf)
    cpg = next(
        (p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.exists()), None
    )
    declared: str | None = None
    source = ""
    if cpg is not None:
        text = cpg.read_text("ascii", errors="replace").strip()
        declared = _codec(text)
        source = cpg.name
        if declared is None and wanted is None:
            report.error(
                "unknown_encoding",
                f"{cpg.name} 中的编码 “{text}” 无法识别；{ask_zh}",
                f"the code page '{text}' in {cpg.name} is not recognised; {ask_en}",
                **where,
            )
            return None
    elif ldid in _GBK_LDIDS:
        declared, source = "gbk", "DBF"
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


# --------------------------------------------------------------------------- vector files


def read_vector(
    path: Path,
    report: Report,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    prefer: tuple[str, ...] = (),
    layer_option: str = "--parcels-layer",
) -> gpd.GeoDataFrame | None:
    """Read one vector layer (Shapefile, GeoJSON, GeoPackage, FileGDB) with its own CRS.

    Parameters
    ----------
    path
        The file (or ``.gdb`` folder).
    report
        Receives every problem; nothing is raised for bad input.
    layer
        The layer to read; needed when the source holds several layers and none is named as in
        ``prefer``.
    encoding
        Attribute encoding for Shapefiles without ``.cpg`` (or overriding it) and for non-UTF-8
        GeoJSON.
    prefer
        Layer names tried, in order, when ``layer`` is not given and there are several.
    layer_option
        The command-line option that names the layer, for messages.

    Returns
    -------
    geopandas.GeoDataFrame or None
        The layer in its declared CRS (no reprojection, no renaming), or ``None`` after an error.
    """
    path = Path(path)
    fname = path.name
    if not path.exists():
        report.error("no_file", f"找不到文件 {path}", f"file not found: {path}", file=str(path))
        return None
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        report.error(
            "unsupported_format",
            f"不支持的矢量格式 {suffix or '（无扩展名）'}",
            f"unsupported vector format {suffix or '(no extension)'}",
            hint_zh="Shapefile (.shp)、GeoJSON (.geojson)、GeoPackage (.gpkg) 或 FileGDB (.gdb)",
            hint_en="Shapefile (.shp), GeoJSON (.geojson), GeoPackage (.gpkg) or FileGDB (.gdb)",
            file=fname,
        )
        return None
    source: Any = path
    kwargs: dict[str, Any] = {}
    codec: str | None = None
    if suffix == ".shp":
        codec = shapefile_encoding(path, report, encoding=encoding, layer=layer)
        if codec is None:
            return None
        # byte-transparent read; decoded below with the settled codec
        kwargs["encoding"] = "ISO-8859-1"
    elif suffix in (".geojson", ".json"):
        text = _text_source(path, report, encoding, layer or "")
        if text is None:
            return None
        source = io.BytesIO(text.encode("utf-8"))
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        report.error(
            "unreadable",
            f"无法读取：{exc}",
            f"cannot read: {exc}",
            file=fname,
        )
        return None
    names = [str(n) for n in listed[:, 0]]
    if layer is None:
        if len(names) == 1:
            layer = names[0]
        else:
            layer = next((p for p in prefer if p in names), None)
            if layer is None:
                report.error(
                    "choose_layer",
                    f"文件包含多个图层（{'、'.join(names) or '无'}），请用 {layer_option} 指定",
                    f"the file holds several layers ({', '.join(names) or 'none'}); choose one "
                    f"with {layer_option}",
                    hint_zh="、".join(names),
                    hint_en=", ".join(names),
                    file=fname,
                )
                return None
    elif layer not in names:
        report.error(
            "missing_layer",
            f"找不到图层 {layer}；文件中的图层：{'、'.join(names) or '（无）'}",
            f"layer {layer} not found; layers in the file: {', '.join(names) or '(none)'}",
            hint_zh="、".join(names),
            hint_en=", ".join(names),
            file=fname,
            layer=layer,
        )
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if isinstance(source, io.BytesIO):
                gdf = pyogrio.read_dataframe(source, **kwargs)
            else:
                gdf = pyogrio.read_dataframe(source, layer=layer, **kwargs)
                gdf = restore_text_cells(path, layer, gdf)  # text in number fields
    except Exception as exc:
        report.error(
            "unreadable", f"无法读取：{exc}", f"cannot read: {exc}", file=fname, layer=layer
        )
        return None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        report.error(
            "no_geometry",
            "图层没有几何列（不是空间图层）",
            "the layer has no geometry column",
            file=fname,
            layer=layer,
        )
        return None
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    truncated: set[str] = set()
    if codec is not None:
        gdf, truncated = _recode(gdf, codec)
    gdf.attrs["layer"] = layer
    gdf.attrs["truncated"] = truncated
    return gdf


def parse_working_crs(text: str, report: Report) -> CRS | None:
    """Check the working CRS given with ``--crs``: projected, in metres, CGCS2000-compatible.

    ``--crs GCJ02`` / ``BD09`` (the data's obfuscated lon/lat) is refused: such data must be
    converted with a coordinate conversion tool first.
    """
    kind = crs_mod.obfuscated_kind(text)
    if kind is not None:
        crs_mod.report_obfuscated(report, kind, text, column="--crs")
        return None
    try:
        crs = CRS.from_user_input(text)
    except CRSError:
        report.error(
            "bad_crs",
            f"无法识别的坐标系 {text}",
            f"unrecognised CRS {text}",
            hint_zh="如 EPSG:4549",
            hint_en="e.g. EPSG:4549",
            column="--crs",
        )
        return None
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    datum = crs.datum.name.lower() if crs.datum is not None else ""
    refused = any(k in datum for k in ("beijing", "xian"))
    if not crs.is_projected or unit not in ("metre", "meter") or refused:
        report.error(
            "bad_working_crs",
            f"工作坐标系 {crs.name} 必须是以米为单位的 CGCS2000 投影坐标系",
            f"the working CRS {crs.name} must be a projected CGCS2000 CRS in metres",
            hint_zh="如 EPSG:4549（CGCS2000 3度带 中央经线120°E）",
            hint_en="e.g. EPSG:4549 (CGCS2000 / 3-degree GK CM 120E)",
            column="--crs",
        )
        return None
    return crs


def to_working_layer(
    gdf: gpd.GeoDataFrame,
    report: Report,
    working: CRS,
    *,
    file: str | None,
    layer: str,
) -> gpd.GeoDataFrame | None:
    """Check a layer's CRS and coordinates (:func:`geodata.crs.check_crs`) and project it.

    Warns when the working CRS distorts areas over the data by more than
    :data:`geodata.crs.MAX_AREA_DISTORTION` (data far from the zone's central meridian); running
    past the zone's nominal edge (EPSG area of use) alone is fine. Returns ``None`` when the CRS
    is refused.
    """
    if len(gdf) == 0 and gdf.crs is not None:
        return crs_mod.to_working(gdf, working)
    declared = crs_mod.check_crs(gdf, report, file=file, layer=layer)
    if declared is None:
        return None
    out = crs_mod.to_working(gdf, working)
    valid = out.geometry[out.geometry.notna() & ~out.geometry.is_empty]
    if len(valid):
        lon0, lat0, lon1, lat1 = valid.to_crs("EPSG:4326").total_bounds
        lons, lats = [lon0, lon1, lon0, lon1], [lat0, lat0, lat1, lat1]
        distortion = crs_mod.area_distortion(working, lons, lats)
        if distortion > crs_mod.MAX_AREA_DISTORTION:
            report.warning(
                "outside_working_crs",
                f"数据（经度 {lon0:.2f}–{lon1:.2f}）离工作坐标系 {working.name} 的中央经线较远，"
                f"面积会失真约 {distortion:.2%}",
                f"the data (longitude {lon0:.2f}–{lon1:.2f}) lie far from the central meridian "
                f"of the working CRS {working.name}; areas will be distorted by about "
                f"{distortion:.2%}",
                hint_zh="用 --crs 选择覆盖该区域的 CGCS2000 3度带",
                hint_en="choose a CGCS2000 3-degree zone covering the area with --crs",
                file=file,
                layer=layer,
            )
    return out


def check_point_or_polygon(
    gdf: gpd.GeoDataFrame, report: Report, *, file: str | None, layer: str, id_column: str
) -> None:
    """Factories: every geometry must be a non-empty point or polygon."""
    ids = gdf[id_column].tolist() if id_column in gdf.columns else [None] * len(gdf)
    for i, geom in enumerate(gdf.geometry):
        label = f"{ids[i]} " if not is_blank(ids[i]) else ""
        where: dict[str, Any] = {"file": file, "layer": layer, "row": i + 1, "column": "geometry"}
        if geom is None or geom.is_empty:
            report.error(
                "empty_geometry", f"{label}没有几何图形", f"{label}has an empty geometry", **where
            )
        elif not isinstance(geom, Point | MultiPoint | Polygon | MultiPolygon):
            report.error(
                "bad_geometry_type",
                f"{label}的几何类型是 {geom.geom_type}，应为点或面",
                f"{label}is a {geom.geom_type}; expected a point or polygon",
                **where,
            )


def check_area_column(
    gdf: gpd.GeoDataFrame,
    report: Report,
    *,
    file: str | None,
    layer: str = "parcels",
    tolerance: float = AREA_TOLERANCE,
) -> None:
    """Warn where a given ``area_mu`` differs from the geometry's area by more than ``tolerance``.

    The frame must be in the projected working CRS.
    """
    if "area_mu" not in gdf.columns or gdf.crs is None or not gdf.crs.is_projected:
        return
    for i, (given, geom) in enumerate(zip(gdf["area_mu"].tolist(), gdf.geometry, strict=True)):
        x = parse_number(given)
        if x is None or not 0 < x <= _MAX_AREA_MU or geom is None or geom.is_empty:
            continue  # bad values are the schema tier's
        computed = geom.area / M2_PER_MU
        if computed > 0 and abs(x - computed) / computed > tolerance:
            report.warning(
                "area_mismatch",
                f"面积 {x:.2f} 亩与图形面积 {computed:.2f} 亩相差超过 {tolerance:.0%}；使用所填面积",
                f"area {x:.2f} mu differs from the geometry's {computed:.2f} mu by more than "
                f"{tolerance:.0%}; the given area is used",
                file=file,
                layer=layer,
                row=i + 1,
                column="area_mu",
            )


# --------------------------------------------------------------------------- tables


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
    if suffix == ".csv":
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
    elif suffix in (".xlsx", ".xlsm"):
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
    if len(df):
        blank = [all(is_blank(v) for v in row) for row in df.itertuples(index=False)]
        df = df.loc[[not b for b in blank]].reset_index(drop=True)
    df.columns = [normalise_text(c) for c in df.columns]
    return df


def read_layer(
    path: Path,
    report: Report,
    *,
    kind: str,
    working: CRS,
    layer: str | None = None,
    encoding: str | None = None,
    layer_option: str = "--parcels-layer",
) -> gpd.GeoDataFrame | None:
    """Read a vector layer, map its headers and project it to the working CRS.

    Returns ``None`` when the file cannot be read or its CRS is refused (problems in ``report``).
    """
    gdf = read_vector(
        path, report, layer=layer, encoding=encoding, prefer=(kind,), layer_option=layer_option
    )
    if gdf is None:
        return None
    lname = str(gdf.attrs.get("layer") or kind)
    mapped = map_columns(
        gdf,
        kind,
        report,
        file=Path(path).name,
        layer=lname,
        truncated=gdf.attrs.get("truncated", ()),
    )
    mapped = gpd.GeoDataFrame(mapped, geometry="geometry", crs=gdf.crs)
    return to_working_layer(mapped, report, working, file=Path(path).name, layer=lname)


def files_of(paths: Mapping[str, Path | None]) -> dict[str, str]:
    """Layer → file name, for messages."""
    return {k: Path(v).name for k, v in paths.items() if v is not None}
