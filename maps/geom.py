"""Display geometry: simplify in the projected CRS, project to WGS84, round and encode compactly.

Encoding of a (multi)polygon: a list of polygons, each a list of rings, each ring a flat list of
integers ``[lat0, lng0, dlat1, dlng1, …]`` in units of 1e-5 degree (≈ 1 m), the first pair
absolute and the others differences to the previous vertex; the closing vertex is omitted. The
map script decodes it. This keeps 10 000 parcels well under the size budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from maps.offline import wgs84_to_gcj02

#: Vertices closer than this to the simplified line are dropped (metres, projected CRS).
SIMPLIFY_TOLERANCE_M = 1.0
#: Decimal places of the displayed degrees (5 ≈ 1.1 m).
DECIMALS = 5
_SCALE = 10**DECIMALS

Encoded = list[list[list[int]]]


def _projected(gs: gpd.GeoSeries) -> gpd.GeoSeries:
    if gs.crs is None:
        raise ValueError("geometry has no CRS")
    if CRS.from_user_input(gs.crs).is_projected:
        return gs
    return gs.to_crs(gs.estimate_utm_crs())


def simplify(gs: gpd.GeoSeries, tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> gpd.GeoSeries:
    """Simplify polygons in a projected CRS, keeping shared edges shared where possible.

    A clean coverage (no overlaps, matching shared edges) is simplified as a whole
    (:func:`shapely.coverage_simplify`), so neighbours keep a common boundary; otherwise each
    polygon is simplified on its own with topology preserved (never emptied or made invalid).
    """
    gs = _projected(gs)
    geoms = np.asarray(gs.values, dtype=object)
    if len(geoms) == 0 or tolerance_m <= 0:
        return gs
    ok = np.array([g is not None and not g.is_empty for g in geoms])
    out = geoms.copy()
    sub = geoms[ok]
    simplified: np.ndarray | None = None
    if len(sub) > 1 and hasattr(shapely, "coverage_simplify"):
        try:
            if bool(shapely.coverage_is_valid(sub)):
                simplified = np.asarray(shapely.coverage_simplify(sub, tolerance_m), dtype=object)
        except shapely.errors.GEOSException:
            simplified = None
    if simplified is None:
        simplified = np.asarray(
            shapely.simplify(sub, tolerance_m, preserve_topology=True), dtype=object
        )
    bad = shapely.is_empty(simplified) | ~shapely.is_valid(simplified)
    simplified[bad] = sub[bad]
    out[ok] = simplified
    return gpd.GeoSeries(out, index=gs.index, crs=gs.crs)


def to_display(gs: gpd.GeoSeries, *, shift_gcj02: bool = False) -> gpd.GeoSeries:
    """Project to EPSG:4326 for display; optionally shift a copy to GCJ-02 (never stored)."""
    out = gs.to_crs("EPSG:4326")
    if shift_gcj02:
        out = gpd.GeoSeries(
            shapely.transform(np.asarray(out.values, dtype=object), wgs84_to_gcj02),
            index=out.index,
            crs=out.crs,
        )
    return out


def _ring(coords: Sequence[Sequence[float]] | np.ndarray) -> list[int]:
    arr = np.asarray(coords, dtype=float)[:, :2]
    if len(arr) > 1 and np.array_equal(arr[0], arr[-1]):
        arr = arr[:-1]
    ints = np.rint(arr[:, ::-1] * _SCALE).astype(np.int64)  # (lat, lng)
    if len(ints) > 3:
        keep = np.ones(len(ints), dtype=bool)
        keep[1:] = np.any(ints[1:] != ints[:-1], axis=1)
        if keep.sum() >= 3:
            ints = ints[keep]
    deltas = ints.copy()
    deltas[1:] = ints[1:] - ints[:-1]
    return [int(v) for v in deltas.ravel()]


def encode_polygonal(geom: BaseGeometry | None) -> Encoded:
    """Encode a Polygon/MultiPolygon (lng/lat degrees) as described in the module docstring."""
    if geom is None or geom.is_empty:
        return []
    polys: list[Polygon]
    if isinstance(geom, Polygon):
        polys = [geom]
    elif isinstance(geom, MultiPolygon):
        polys = list(geom.geoms)
    else:
        polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return [
        [_ring(p.exterior.coords), *(_ring(r.coords) for r in p.interiors)]
        for p in polys
        if not p.is_empty
    ]


def decode_ring(flat: Sequence[int]) -> list[tuple[float, float]]:
    """Inverse of the ring encoding: ``[(lat, lng), …]`` in degrees (used by tests)."""
    out: list[tuple[float, float]] = []
    lat = lng = 0
    for i in range(0, len(flat), 2):
        lat += int(flat[i])
        lng += int(flat[i + 1])
        out.append((lat / _SCALE, lng / _SCALE))
    return out


def point_latlng(gs: gpd.GeoSeries, *, shift_gcj02: bool = False) -> list[list[float]]:
    """A representative point of each geometry as ``[lat, lng]`` rounded for display."""
    pts = gpd.GeoSeries(gs.representative_point(), crs=gs.crs)
    disp = to_display(pts, shift_gcj02=shift_gcj02)
    xy = shapely.get_coordinates(np.asarray(disp.values, dtype=object))
    return [[round(float(y), DECIMALS), round(float(x), DECIMALS)] for x, y in xy]


def bounds_latlng(gs: gpd.GeoSeries) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of display geometries, or ``None`` when empty."""
    valid = gs[~(gs.isna() | gs.is_empty)]
    if len(valid) == 0:
        return None
    x0, y0, x1, y1 = (float(v) for v in valid.total_bounds)
    return [[round(y0, DECIMALS), round(x0, DECIMALS)], [round(y1, DECIMALS), round(x1, DECIMALS)]]


def display_polygons(
    gs: gpd.GeoSeries, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M, shift_gcj02: bool = False
) -> tuple[list[Encoded], list[list[float]] | None]:
    """Simplify, project and encode polygons; also return their display bounds."""
    disp = to_display(simplify(gs, tolerance_m), shift_gcj02=shift_gcj02)
    return [encode_polygonal(g) for g in disp.values], bounds_latlng(disp)
