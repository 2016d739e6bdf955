"""Reading foreign vector and table files for ``landalloc import``.

Vector layers (parcels, factories, zones) come from Shapefile, GeoJSON, GeoPackage or FileGDB
through pyogrio; small tables (quotas, clusters) from ``.csv`` or ``.xlsx``. This module only
*reads* and *maps headers*: text encodings are settled first (never a garbled name), Chinese
headers are mapped to the contract's column names (:data:`SYNONYMS`), CRS and projection go
through :mod:`geodata.crs`, and the schema/geometry tiers stay in :mod:`geodata.store`.

The reader is four modules: this one (vector layers, the working CRS, the geometry checks),
the encodings (:mod:`geodata.vector_encoding`), the headers (:mod:`geodata.vector_headers`) and
the tables (:mod:`geodata.vector_tables`); their public names are importable from here.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon

from geodata import crs as crs_mod
from geodata.geometry import AREA_TOLERANCE
from geodata.rawcells import restore_text_cells
from geodata.report import Report
from geodata.schema import NUMBER_RANGES, is_blank, parse_number
from geodata.units import M2_PER_MU
from geodata.vector_encoding import _recode, _text_source
from geodata.vector_encoding import dbf_text_bytes as dbf_text_bytes
from geodata.vector_encoding import shapefile_encoding as shapefile_encoding
from geodata.vector_headers import DISTRICT_WORDS as DISTRICT_WORDS
from geodata.vector_headers import LAND_USE_NAMES as LAND_USE_NAMES
from geodata.vector_headers import SYNONYMS as SYNONYMS
from geodata.vector_headers import header_key as header_key
from geodata.vector_headers import map_columns as map_columns
from geodata.vector_headers import translate_clusters as translate_clusters
from geodata.vector_tables import read_table as read_table

_MAX_AREA_MU = NUMBER_RANGES[("parcels", "area_mu")].high

#: File suffixes read as vector data.
VECTOR_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg", ".gdb")
#: File suffixes read as tables.
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


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
    chosen = _choose_layer(path, layer, prefer, layer_option, report)
    if chosen is None:
        return None
    layer = chosen
    gdf = _read_frame(source, path, layer, kwargs, report)
    if gdf is None:
        return None
    truncated: set[str] = set()
    if codec is not None:
        gdf, truncated = _recode(gdf, codec)
    gdf.attrs["layer"] = layer
    gdf.attrs["truncated"] = truncated
    return gdf


def _choose_layer(
    path: Path, layer: str | None, prefer: tuple[str, ...], layer_option: str, report: Report
) -> str | None:
    """The layer to read: ``layer`` when the file has it, else the only one or the first of
    ``prefer``; ``None`` after an error."""
    fname = path.name
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
    return layer


def _read_frame(
    source: Any, path: Path, layer: str, kwargs: dict[str, Any], report: Report
) -> gpd.GeoDataFrame | None:
    """The layer as read by pyogrio, its geometry column named ``geometry``; ``None`` after an
    error (unreadable, or no geometry)."""
    fname = path.name
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
