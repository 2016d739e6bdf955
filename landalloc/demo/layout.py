"""Geometry of the demo district: street blocks of parcels and factories, zones on a grid.

Each zone is laid out in local metres (:func:`lay_out_zone`: rows of street blocks; the parcels of
a block are adjacent, so they can be merged for 合并供地), then rotated a little and placed in its
cell of a grid around the district's centre in CGCS2000 / 3-degree Gauss-Kruger CM 120E
(:func:`place_zones`), north to south in the order of the zones' real-world locations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from geodata.crs import DEFAULT_WORKING_CRS
from landalloc.demo.catalogue import ZoneSpec

#: Gap between zones of the district grid (m).
ZONE_GAP_M = 300.0

#: Gap between parcels of one block (m); below ``geometry.ADJACENCY_GAP_M``, so they are adjacent.
PARCEL_GAP_M = 8.0
#: Roads between blocks and rows (m); above ``geometry.ADJACENCY_GAP_M``, so they are not.
ROAD_M = (35.0, 50.0)


@dataclass(slots=True)
class ZoneLayout:
    """Parcels and factories of one zone in local metres, before the zone is placed."""

    parcel_xy: np.ndarray  # (n, 5, 2) closed quadrilaterals
    factory_xy: np.ndarray  # (m, 5, 2) rectangles
    width: float
    height: float


def lay_out_zone(
    rng: np.random.Generator,
    area_m2: np.ndarray,
    block_of: np.ndarray,
    fac_w: np.ndarray,
    fac_d: np.ndarray,
) -> ZoneLayout:
    """Street blocks in rows: the lots of a block share a depth and are :data:`PARCEL_GAP_M` apart.

    Parcel ``i`` belongs to block ``block_of[i]`` (consecutive). The dividing lines between the
    parcels of a block are slanted a little (the top end moves one way, the bottom end the other),
    which keeps every parcel's area exact. Factories stand in blocks of up to three.
    """
    n_blocks = int(block_of[-1]) + 1 if len(block_of) else 0
    sizes = np.bincount(block_of, minlength=n_blocks)
    mean_m2 = np.bincount(block_of, weights=area_m2, minlength=n_blocks) / np.maximum(sizes, 1)
    depth_b = np.clip(np.sqrt(mean_m2) * rng.uniform(0.9, 1.3, n_blocks), 60.0, 480.0)
    depth = depth_b[block_of]
    width = area_m2 / depth
    fac_blocks = [np.arange(j, min(j + 3, len(fac_w))) for j in range(0, len(fac_w), 3)]
    # block order: parcel blocks (0..n_blocks-1) and factory blocks (n_blocks..), shuffled, but
    # block 0 stays first (it may be the 合并供地 block)
    kinds = [("p", b) for b in range(n_blocks)] + [("f", j) for j in range(len(fac_blocks))]
    perm = rng.permutation(len(kinds) - 1) + 1 if len(kinds) > 1 else np.zeros(0, dtype=int)
    order = [kinds[0], *(kinds[int(i)] for i in perm)] if kinds else []
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if n_blocks else np.zeros(0, int)
    block_w = np.bincount(block_of, weights=width, minlength=n_blocks) + PARCEL_GAP_M * (sizes - 1)
    total = float(area_m2.sum() + (fac_w * fac_d).sum())
    row_width = max(900.0, math.sqrt(total * 1.6))
    roads = rng.uniform(*ROAD_M, len(order) + 1)
    x0 = np.zeros(len(area_m2))
    y0 = np.zeros(len(area_m2))
    fx0 = np.zeros(len(fac_w))
    fy0 = np.zeros(len(fac_w))
    x = y = row_depth = max_x = 0.0
    for k, (kind, b) in enumerate(order):
        if kind == "p":
            bw, bd = float(block_w[b]), float(depth_b[b])
        else:
            idx = fac_blocks[b]
            bw = float(fac_w[idx].sum() + PARCEL_GAP_M * (len(idx) - 1))
            bd = float(fac_d[idx].max())
        if x > 0 and x + bw > row_width:
            y += row_depth + float(roads[k])
            x = row_depth = 0.0
        if kind == "p":
            s = int(starts[b])
            w = width[s : s + int(sizes[b])]
            x0[s : s + len(w)] = x + np.concatenate([[0.0], np.cumsum(w + PARCEL_GAP_M)[:-1]])
            y0[s : s + len(w)] = y
        else:
            w = fac_w[idx]
            fx0[idx] = x + np.concatenate([[0.0], np.cumsum(w + PARCEL_GAP_M)[:-1]])
            fy0[idx] = y
        x += bw
        max_x = max(max_x, x)
        x += float(roads[k])
        row_depth = max(row_depth, bd)
    # slanted dividers: shift d of the line right of parcel i (0 at the block's right end)
    last = np.ones(len(area_m2), dtype=bool)
    last[:-1] = block_of[1:] != block_of[:-1]
    nxt_w = np.append(width[1:], np.inf)
    d = rng.uniform(-1.0, 1.0, len(area_m2)) * np.minimum(15.0, 0.2 * np.minimum(width, nxt_w))
    d[last] = 0.0
    dl = np.concatenate([[0.0], d[:-1]])
    dl[np.concatenate([[True], last[:-1]])] = 0.0
    x1, y1 = x0 + width, y0 + depth
    parcel_xy = np.stack(
        [
            np.stack([x0 - dl, y0], axis=1),
            np.stack([x1 - d, y0], axis=1),
            np.stack([x1 + d, y1], axis=1),
            np.stack([x0 + dl, y1], axis=1),
            np.stack([x0 - dl, y0], axis=1),
        ],
        axis=1,
    )
    factory_xy = _rectangles(fx0, fy0, fx0 + fac_w, fy0 + fac_d)
    return ZoneLayout(parcel_xy, factory_xy, max_x, y + row_depth)


def _rectangles(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Closed rectangles (n, 5, 2) from their corner coordinates."""
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return np.stack([np.stack([a, b], axis=1) for a, b in corners], axis=1).reshape(-1, 5, 2)


def _place(xy: np.ndarray, centre: np.ndarray, angle_deg: float, target: np.ndarray) -> np.ndarray:
    """Rotate local coordinates about ``centre`` and move ``centre`` to ``target``."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    return (xy - centre) @ rot + target


def _grid_order(zones: Sequence[ZoneSpec], cols: int) -> list[int]:
    """Zone indices in grid order: rows from north to south, west to east within a row."""
    named = sorted(
        (i for i, z in enumerate(zones) if not math.isnan(z.lat)), key=lambda i: -zones[i].lat
    )
    generic = [i for i, z in enumerate(zones) if math.isnan(z.lat)]
    out: list[int] = []
    for r in range(0, len(named), cols):
        out += sorted(named[r : r + cols], key=lambda i: zones[i].lon)
    return out + generic


def blocks(sizes: np.ndarray, *, mega_first: bool) -> np.ndarray:
    """Block number of each parcel of a zone, from the drawn block sizes (vectorised)."""
    n = len(sizes)
    if n == 0:
        return np.zeros(0, dtype=int)
    # a block starts at parcel i when i is the first parcel after the previous block; emulate
    # the sequential grouping with the drawn size of each starting parcel
    starts = np.zeros(n, dtype=bool)
    i = 0
    size_list = sizes.tolist()
    if mega_first:
        size_list[0] = 3
    while i < n:
        starts[i] = True
        i += int(size_list[i])
    return np.cumsum(starts) - 1


def place_zones(
    zones: Sequence[ZoneSpec],
    layouts: list[ZoneLayout],
    angles: np.ndarray,
    zone_of: np.ndarray,
    fac_zone: np.ndarray,
    parcel_xy: np.ndarray,
    factory_xy: np.ndarray,
) -> list[Any]:
    """Rotate each zone, place it in its grid cell; fill the coordinate arrays; return outlines."""
    to_xy = Transformer.from_crs("EPSG:4490", DEFAULT_WORKING_CRS, always_xy=True)
    cx, cy = to_xy.transform(120.475, 31.335)
    cols = math.ceil(math.sqrt(len(zones)))
    order = _grid_order(zones, cols)
    margin = 150.0
    boxes = []
    for lay, a in zip(layouts, angles, strict=True):
        w, h = lay.width + 2 * margin, lay.height + 2 * margin
        c, s = abs(math.cos(math.radians(a))), abs(math.sin(math.radians(a)))
        boxes.append((w * c + h * s, w * s + h * c))
    rows = math.ceil(len(zones) / cols)
    cell = {zi: divmod(k, cols) for k, zi in enumerate(order)}
    col_w = [max((boxes[z][0] for z in order if cell[z][1] == c), default=0.0) for c in range(cols)]
    row_h = [max((boxes[z][1] for z in order if cell[z][0] == r), default=0.0) for r in range(rows)]
    total_w = sum(col_w) + ZONE_GAP_M * (cols - 1)
    total_h = sum(row_h) + ZONE_GAP_M * (rows - 1)
    outlines = []
    for zi, lay in enumerate(layouts):
        r, c = cell[zi]
        tx = cx - total_w / 2 + sum(col_w[:c]) + ZONE_GAP_M * c + col_w[c] / 2
        ty = cy + total_h / 2 - sum(row_h[:r]) - ZONE_GAP_M * r - row_h[r] / 2
        centre = np.array([lay.width / 2, lay.height / 2])
        target = np.array([tx, ty])
        parcel_xy[zone_of == zi] = _place(lay.parcel_xy, centre, float(angles[zi]), target)
        factory_xy[fac_zone == zi] = _place(lay.factory_xy, centre, float(angles[zi]), target)
        ring = _rectangles(
            np.array([-margin]),
            np.array([-margin]),
            np.array([lay.width + margin]),
            np.array([lay.height + margin]),
        )
        outlines.append(shapely.polygons(_place(ring, centre, float(angles[zi]), target))[0])
    return outlines


def lay_out_district(
    rng: np.random.Generator,
    zones: Sequence[ZoneSpec],
    zone_of: np.ndarray,
    area_m2: np.ndarray,
    block_size: np.ndarray,
    mega_zone: int | None,
    fac_zone: np.ndarray,
    fac_w: np.ndarray,
    fac_d: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Lay out each zone, then place the zones on a grid around the district's centre.

    Parcels and factories are grouped by zone (``zone_of``, ``fac_zone``); the first block of zone
    ``mega_zone`` is the 合并供地 block of three. Returns the parcels' quadrilaterals (n, 5, 2),
    the factories' rectangles (m, 5, 2) and the zones' outlines.
    """
    parcel_xy = np.zeros((len(zone_of), 5, 2))
    factory_xy = np.zeros((len(fac_zone), 5, 2))
    layouts: list[ZoneLayout] = []
    for zi in range(len(zones)):
        sel = np.flatnonzero(zone_of == zi)
        fsel = np.flatnonzero(fac_zone == zi)
        block_of = blocks(block_size[sel], mega_first=zi == mega_zone)
        layouts.append(lay_out_zone(rng, area_m2[sel], block_of, fac_w[fsel], fac_d[fsel]))
    angles = rng.uniform(-12.0, 12.0, len(zones))
    outlines = place_zones(zones, layouts, angles, zone_of, fac_zone, parcel_xy, factory_xy)
    return parcel_xy, factory_xy, outlines
