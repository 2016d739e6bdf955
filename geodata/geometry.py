"""Geometry checks, repair, areas and adjacency — always in the projected working CRS."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.report import Report
from geodata.units import M2_PER_MU

#: A repair may change a parcel's area by at most this share before it is refused.
REPAIR_TOLERANCE = 0.01
#: Overlap (m²) between two parcels above which they are reported as overlapping.
OVERLAP_TOLERANCE_M2 = 1.0
#: Parcels whose boundaries are within this distance (m) count as adjacent for 合并供地.
ADJACENCY_GAP_M = 30.0
#: A stated ``area_mu`` may differ from its polygon's area by this share (import warning;
#: an error for what-if parcels written in a scenario).
AREA_TOLERANCE = 0.05


def _polygon_part(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts of a geometry (after ``make_valid``)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys: list[Polygon] = []
    for g in getattr(geom, "geoms", []):
        if isinstance(g, Polygon):
            polys.append(g)
        elif isinstance(g, MultiPolygon):
            polys.extend(g.geoms)
    if not polys:
        return Polygon()
    return MultiPolygon(polys) if len(polys) > 1 else polys[0]


def check_parcel_geometry(
    gdf: gpd.GeoDataFrame,
    report: Report,
    *,
    file: str | None,
    layer: str = "parcels",
    id_column: str = "parcel_id",
    row_offset: int = 1,
) -> gpd.GeoDataFrame:
    """Refuse empty/non-polygon geometries, repair invalid ones, refuse overlaps.

    The frame must already be in a projected CRS. Returns a copy with repaired geometries.
    """
    out = gdf.copy()
    geoms = list(out.geometry)
    ids = out[id_column].tolist() if id_column in out.columns else [None] * len(out)
    for i, geom in enumerate(geoms):
        where = {"file": file, "layer": layer, "row": i + row_offset, "column": "geometry"}
        label = f"地块 {ids[i]}" if ids[i] else "该行"
        if geom is None or geom.is_empty:
            report.error("empty_geometry", f"{label} 没有几何图形", "empty geometry", **where)
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            report.error(
                "not_polygon",
                f"{label} 的几何类型是 {geom.geom_type}，地块必须是面",
                f"geometry is a {geom.geom_type}; parcels must be polygons",
                hint_zh="Polygon 或 MultiPolygon",
                hint_en="Polygon or MultiPolygon",
                **where,
            )
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = _polygon_part(shapely.make_valid(geom))
            before, after = abs(geom.area), fixed.area
            change = abs(after - before) / before if before > 0 else 1.0
            if fixed.is_empty or change > REPAIR_TOLERANCE:
                report.error(
                    "irreparable_geometry",
                    f"{label} 几何无效（{reason}），修复后面积变化 {change:.1%}，超过 "
                    f"{REPAIR_TOLERANCE:.0%}，无法自动修复",
                    f"invalid geometry ({reason}); repair changes the area by {change:.1%} "
                    f"(> {REPAIR_TOLERANCE:.0%})",
                    hint_zh="在 GIS 中修正该地块边界",
                    hint_en="fix the boundary in a GIS",
                    **where,
                )
                continue
            report.warning(
                "repaired_geometry",
                f"{label} 几何无效（{reason}），已自动修复（面积变化 {change:.2%}）",
                f"invalid geometry ({reason}) repaired (area change {change:.2%})",
                **where,
            )
            geoms[i] = fixed
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    _check_overlaps(out, ids, report, file=file, layer=layer, row_offset=row_offset)
    return out


def overlapping_pairs(
    geoms: Sequence[BaseGeometry | None], *, tolerance_m2: float = OVERLAP_TOLERANCE_M2
) -> list[tuple[int, int, float]]:
    """Pairs of polygons that overlap by more than ``tolerance_m2``.

    Parameters
    ----------
    geoms
        Geometries in a projected CRS (metres). Empty, non-polygonal and invalid geometries are
        skipped (GEOS cannot intersect invalid ones; they are refused elsewhere).
    tolerance_m2
        Overlaps up to this area are ignored (digitising noise along shared edges).

    Returns
    -------
    list of (int, int, float)
        ``(i, j, overlap_m2)`` with ``i < j`` positions in ``geoms``.
    """
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    ok = np.array(
        [
            g is not None
            and not g.is_empty
            and isinstance(g, Polygon | MultiPolygon)
            and g.is_valid
            for g in arr
        ],
        dtype=bool,
    )
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return []
    tree = shapely.STRtree(arr[idx])
    left, right = tree.query(arr[idx], predicate="intersects")
    out: list[tuple[int, int, float]] = []
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        ia, ib = int(idx[a]), int(idx[b])
        inter = float(shapely.intersection(arr[ia], arr[ib]).area)
        if inter > tolerance_m2:
            out.append((ia, ib, inter))
    return out


def _check_overlaps(
    gdf: gpd.GeoDataFrame,
    ids: list[object],
    report: Report,
    *,
    file: str | None,
    layer: str,
    row_offset: int,
) -> None:
    for ia, ib, inter in overlapping_pairs(list(gdf.geometry.values)):
        report.error(
            "overlapping_parcels",
            f"地块 {ids[ia]} 与 {ids[ib]}（第 {ib + row_offset} 行）重叠 {inter / M2_PER_MU:.2f} 亩",
            f"parcel {ids[ia]} overlaps {ids[ib]} (row {ib + row_offset}) by {inter:.0f} m²",
            hint_zh="地块之间不应重叠",
            hint_en="parcels must not overlap",
            file=file,
            layer=layer,
            row=ia + row_offset,
            column="geometry",
        )


def area_mu(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Planar area in 亩 of each geometry; the frame must be in a projected CRS (metres)."""
    if gdf.crs is None or not gdf.crs.is_projected:
        raise ValueError("area must be computed in a projected CRS")
    return np.asarray(gdf.geometry.area, dtype=float) / M2_PER_MU


def adjacency(
    gdf: gpd.GeoDataFrame, id_column: str, zone_column: str, gap_m: float = ADJACENCY_GAP_M
) -> dict[str, tuple[str, ...]]:
    """Neighbours of each parcel within ``gap_m`` metres and in the same zone, sorted by id."""
    geoms = np.array(gdf.geometry.values, dtype=object)
    ids = gdf[id_column].astype(str).tolist()
    zones = gdf[zone_column].astype(str).tolist()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=gap_m)
    nb: dict[str, set[str]] = defaultdict(set)
    for a, b in zip(left, right, strict=True):
        if a != b and zones[a] == zones[b]:
            nb[ids[a]].add(ids[b])
    return {i: tuple(sorted(nb.get(i, ()))) for i in ids}
