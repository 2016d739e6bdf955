"""Quotas, clusters and zones for the importer: a ``.csv`` / ``.xlsx`` or a GeoPackage layer.

Zones come as boundaries (a vector layer) or as a table of codes and names; a table's zones get
an outline around their carriers, and zone names written in the other layers become codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry import Polygon

from geodata import vector
from geodata.report import Report
from geodata.schema import coerce_table, is_blank, normalise_id, normalise_text
from geodata.store import Tables

#: Tables that may come from a ``.csv`` / ``.xlsx`` or from a GeoPackage layer of that name.
TABLE_KINDS = ("quotas", "clusters", "zones")
#: What each table is called in Chinese messages.
KIND_ZH = {"quotas": "用地指标", "clusters": "产业集群", "zones": "片区", "factories": "标准厂房"}
#: Margin (m) of the outline drawn around a zone's carriers when zones come as a table.
ZONE_OUTLINE_MARGIN_M = 60.0
#: Where the hints point for templates of the tables (the import kit).
KIT_HINT_ZH = "导入模板：landalloc template DIR"
KIT_HINT_EN = "templates: landalloc template DIR"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a table comes from: a file, and the GeoPackage layer (``None``: its only table)."""

    path: Path
    layer: str | None = None


def gpkg_layers(path: Path) -> dict[str, str | None] | None:
    """Layer name → geometry type (``None`` for a table) of a GeoPackage; ``None`` if unreadable."""
    try:
        listed = pyogrio.list_layers(path)
    except Exception:  # pyogrio raises DataSourceError and friends
        return None
    return {str(n): (None if g is None else str(g)) for n, g in listed}


def is_gpkg(path: Path) -> bool:
    return path.suffix.lower() == ".gpkg"


def read_gpkg_table(path: Path, layer: str, report: Report, kind: str) -> pd.DataFrame | None:
    """The attributes of one GeoPackage layer as a table (geometry dropped); ``None`` on error."""
    if not path.is_file():
        report.error("no_file", f"找不到文件 {path}", f"file not found: {path}", file=str(path))
        return None
    layers = gpkg_layers(path)
    if layers is None:
        report.error(
            "unreadable",
            "无法作为 GeoPackage 读取",
            "cannot read as a GeoPackage",
            file=path.name,
            layer=layer,
        )
        return None
    if layer not in layers:
        names = "、".join(layers) or "（无）"
        report.error(
            "missing_layer",
            f"找不到图层 {layer}；文件中的图层：{names}",
            f"layer {layer} not found; layers in the file: {', '.join(layers) or '(none)'}",
            hint_zh=f"图层名为 {kind}（{KIND_ZH[kind]}），或给出 .csv/.xlsx；{KIT_HINT_ZH}",
            hint_en=f"a layer named {kind}, or a .csv/.xlsx; {KIT_HINT_EN}",
            file=path.name,
            layer=layer,
        )
        return None
    try:
        df = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    except Exception as exc:
        report.error(
            "unreadable", f"无法读取：{exc}", f"cannot read: {exc}", file=path.name, layer=layer
        )
        return None
    try:  # text kept in number fields, where available
        from geodata.rawcells import restore_text_cells

        df = restore_text_cells(path, layer, df)
    except ImportError:
        pass
    df = pd.DataFrame(df).drop(columns="geometry", errors="ignore")
    if len(df):
        blank = [all(is_blank(v) for v in row) for row in df.itertuples(index=False)]
        df = df.loc[[not b for b in blank]].reset_index(drop=True)
    df.columns = [normalise_text(c) for c in df.columns]
    return df


def read_attributes(
    src: Source, kind: str, report: Report, encoding: str | None
) -> pd.DataFrame | None:
    """Quotas or clusters from a ``.csv`` / ``.xlsx`` or a GeoPackage layer, headers mapped."""
    if is_gpkg(src.path):
        layer = src.layer or kind
        raw = read_gpkg_table(src.path, layer, report, kind)
    else:
        layer = kind
        raw = vector.read_table(src.path, report, kind=kind, encoding=encoding)
    if raw is None:
        return None
    return vector.map_columns(raw, kind, report, file=src.path.name, layer=layer)


def read_zones(
    src: Source, report: Report, crs: CRS, encoding: str | None
) -> tuple[gpd.GeoDataFrame | None, pd.DataFrame | None]:
    """Zones as boundaries (a vector layer) or as a table of codes and names.

    Returns ``(boundaries, None)`` or ``(None, table)``; the table is checked here (codes
    required and unique) and gets outlines around its carriers after the schema tier.
    """
    path = src.path
    table: pd.DataFrame | None = None
    layer = src.layer or "zones"
    if path.suffix.lower() in vector.TABLE_SUFFIXES:
        table = vector.read_table(path, report, kind="zones", encoding=encoding)
        if table is None:
            return None, None
    elif is_gpkg(path) and path.is_file():
        layers = gpkg_layers(path) or {}
        name = src.layer or ("zones" if "zones" in layers else None)
        if name is None and len(layers) == 1:
            name = next(iter(layers))
        if name is not None and name in layers and layers[name] is None:
            layer = name
            table = read_gpkg_table(path, name, report, "zones")
            if table is None:
                return None, None
    if table is not None:
        mapped = vector.map_columns(table, "zones", report, file=path.name, layer=layer)
        checked = coerce_table(mapped, "zones", report, file=path.name)
        return None, checked
    zones = vector.read_layer(
        path,
        report,
        kind="zones",
        working=crs,
        layer=src.layer,
        encoding=encoding,
        layer_option="--zones-layer",
    )
    if zones is not None:
        _zone_values(zones, report, path.name, str(zones.attrs.get("layer", "zones")))
    return zones, None


def _zone_values(gdf: gpd.GeoDataFrame, report: Report, file: str, layer: str) -> None:
    if "zone" not in gdf.columns:
        found = ", ".join(str(c) for c in gdf.columns if c != "geometry")
        report.error(
            "missing_column",
            f"片区图层缺少片区代码列（zone / 片区）；找到的列：{found or '（无）'}",
            f"the zones layer has no zone code column (zone / 片区); columns found: "
            f"{found or '(none)'}",
            file=file,
            layer=layer,
            column="zone",
        )
        return
    gdf["zone"] = [normalise_id(z) for z in gdf["zone"].tolist()]  # codes as written


def zone_names(zones: pd.DataFrame | None) -> dict[str, str]:
    """Zone name (Chinese or English) → code, for names that are not themselves codes."""
    if zones is None or "zone" not in zones.columns:
        return {}
    codes = {normalise_id(z) for z in zones["zone"].tolist()}
    out: dict[str, str] = {}
    for col in ("name_zh", "name_en"):
        if col not in zones.columns:
            continue
        for code, name in zip(zones["zone"].tolist(), zones[col].tolist(), strict=True):
            key = normalise_text(name)
            if key and key not in codes and not is_blank(code):
                out.setdefault(key, normalise_id(code))
    return out


def translate_zones(df: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Replace zone names by their codes in the ``zone`` column (codes and others unchanged)."""
    if "zone" not in df.columns:
        return df
    out = df.copy()
    out["zone"] = [names.get(normalise_text(v), v) for v in out["zone"].tolist()]
    return out


def zone_outlines(table: pd.DataFrame, tables: Tables) -> gpd.GeoDataFrame:
    """The zones table with an outline per zone: the hull of its parcels and factories plus
    :data:`ZONE_OUTLINE_MARGIN_M` (an empty polygon for a zone without carriers); the column
    ``boundary`` says ``derived``."""
    parts: dict[str, list[object]] = {}
    for df in (tables.parcels, tables.factories):
        if len(df) == 0:
            continue
        for zone, geom in zip(df["zone"].tolist(), df.geometry.tolist(), strict=True):
            if geom is not None and not geom.is_empty:
                parts.setdefault(str(zone), []).append(geom)
    outlines = []
    for zone in table["zone"].tolist():
        geoms = parts.get(str(zone))
        if geoms:
            hull = shapely.union_all(geoms).convex_hull
            outlines.append(hull.buffer(ZONE_OUTLINE_MARGIN_M))
        else:
            outlines.append(Polygon())
    cols = [c for c in ("zone", "name_zh", "name_en") if c in table.columns]
    out = table[cols].reset_index(drop=True).copy()
    out["boundary"] = "derived"
    return gpd.GeoDataFrame(out, geometry=outlines, crs=tables.parcels.crs or tables.crs)
