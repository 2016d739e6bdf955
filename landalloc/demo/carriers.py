"""Attributes of the demo's carriers: parcels (with their readiness dates) and standard factories.

The columns are built directly in the typed form of the schema tier (lists of Python values in
the contract's units), vectorised so that tens of thousands of parcels take well under a second.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from landalloc.demo.catalogue import (
    CLUSTERS,
    FAR,
    MAX_POLLUTION,
    ZoneSpec,
    split_counts,
    year_weights,
)

# --------------------------------------------------------------------------- parcels


def _dates(base: np.ndarray, offset: np.ndarray, scheduled: np.ndarray) -> list[dt.date | None]:
    """``base`` (datetime64[D]) + ``offset`` days, ``None`` where not scheduled."""
    days = (base + offset.astype("timedelta64[D]")).astype(object)
    return [v if s else None for v, s in zip(days.tolist(), scheduled.tolist(), strict=True)]


def _readiness(
    rng: np.random.Generator, avail: np.ndarray, first: int, standard: np.ndarray
) -> dict[str, list[dt.date | None]]:
    """Dates of 七通一平, planning conditions and regional assessments (vectorised).

    Parcels available in the first year are mostly levelled already; later ones get future dates.
    Gas and heat are often not scheduled, a few parcels miss power or planning, so readiness
    checks meet ready, ready-by-a-date and blocked parcels.
    """
    n = len(avail)
    year_start = (avail - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    prev_march = year_start - np.timedelta64(306, "D")  # about 1 March of the year before
    levelled_off = rng.integers(0, 396, n)
    levelled_ok = ~((avail > first) & (rng.random(n) < 0.05))
    levelled = prev_march + levelled_off.astype("timedelta64[D]")
    base = np.where(levelled_ok, levelled, year_start)
    out: dict[str, list[dt.date | None]] = {
        "ready_levelled": _dates(levelled, np.zeros(n, dtype=int), levelled_ok)
    }
    for item in ("water", "power", "road", "drainage", "telecom"):
        out[f"ready_{item}"] = _dates(base, rng.integers(-60, 541, n), rng.random(n) >= 0.06)
    for item, p in (("gas", 0.7), ("heat", 0.35)):
        out[f"ready_{item}"] = _dates(base, rng.integers(90, 721, n), rng.random(n) < p)
    prev_sept = year_start - np.timedelta64(122, "D")
    out["ready_planning"] = _dates(prev_sept, rng.integers(0, 303, n), rng.random(n) < 0.85)
    past = np.datetime64(f"{first - 2}-06-01")
    assessed = _dates(np.full(n, past), rng.integers(0, 579, n), np.ones(n, dtype=bool))
    other = _dates(
        year_start - np.timedelta64(365, "D"), rng.integers(0, 912, n), rng.random(n) < 0.5
    )
    out["ready_assessment"] = [
        a if s else o for a, o, s in zip(assessed, other, standard.tolist(), strict=True)
    ]
    return out


def parcel_columns(
    rng: np.random.Generator,
    zones: Sequence[ZoneSpec],
    zone_of: np.ndarray,
    area: np.ndarray,
    years: list[int],
) -> dict[str, list[Any]]:
    """Attributes of all parcels (``zone_of`` indexes ``zones``), as lists of Python values."""
    n = len(area)
    first = years[0]
    land_use = np.empty(n, dtype=object)
    intensity = np.zeros(n)
    tax = np.zeros(n)
    for zi, zone in enumerate(zones):
        sel = np.flatnonzero(zone_of == zi)
        names = [u for u, _ in zone.land_uses]
        w = np.array([x for _, x in zone.land_uses])
        land_use[sel] = np.array(names, dtype=object)[
            rng.choice(len(names), len(sel), p=w / w.sum())
        ]
        intensity[sel] = zone.intensity_floor
        tax[sel] = zone.tax_floor
    codes = [c.code for c in CLUSTERS]
    open_ = rng.random(n) < 0.15
    drop = rng.random(n) < 0.3
    add = rng.random(n) < 0.15
    pick = rng.integers(0, 1 << 30, (n, 2))
    clusters: list[tuple[str, ...]] = []
    for i in range(n):
        if open_[i]:
            clusters.append(())
            continue
        cs = list(zones[int(zone_of[i])].focus)
        if len(cs) > 1 and drop[i]:
            cs.pop(int(pick[i, 0] % len(cs)))
        if add[i]:
            others = [c for c in codes if c not in cs]
            cs.append(others[int(pick[i, 1] % len(others))])
        clusters.append(tuple(sorted(cs)))
    max_pol = np.array([MAX_POLLUTION[u] for u in land_use], dtype=int)
    max_pol[(land_use == "M1") & (rng.random(n) < 0.15)] = 1
    avail = np.asarray(years)[rng.choice(len(years), n, p=year_weights(len(years), 0.45))]
    standard = rng.random(n) < 0.7
    step = rng.choice([-50.0, 0.0, 0.0, 50.0], n)
    intensity = np.where(standard, intensity + step, 0.0)
    tax = np.where(standard, tax + step / 10, 0.0)
    divisible = ((area >= 150.0) & (rng.random(n) < 0.5)) | (rng.random(n) < 0.05)
    far_min = [(FAR[u][0] if s else None) for u, s in zip(land_use, standard, strict=True)]
    far_max = [(FAR[u][1] if s else None) for u, s in zip(land_use, standard, strict=True)]
    cols: dict[str, list[Any]] = {
        "zone": [zones[int(z)].code for z in zone_of],
        "land_use": [str(u) for u in land_use],
        "clusters": clusters,
        "area_mu": area.tolist(),
        "divisible": divisible.tolist(),
        "available_year": avail.tolist(),
        "max_pollution": max_pol.tolist(),
        "min_intensity_wan_per_mu": intensity.tolist(),
        "min_tax_wan_per_mu": tax.tolist(),
        "far_min": far_min,
        "far_max": far_max,
    }
    cols.update(_readiness(rng, avail, first, standard))
    return cols


# --------------------------------------------------------------------------- factories


def factory_columns(
    rng: np.random.Generator, zones: Sequence[ZoneSpec], zone_of: np.ndarray, years: list[int]
) -> tuple[dict[str, list[Any]], np.ndarray, np.ndarray]:
    """Attributes of all factories, and the width and depth of their footprints (m)."""
    m = len(zone_of)
    floor = np.round(np.exp(rng.uniform(math.log(2000.0), math.log(50000.0), m)), -2)
    loads = np.array([350.0, 500.0, 800.0, 1000.0, 1500.0])
    k = rng.choice(len(loads), m, p=[0.15, 0.3, 0.25, 0.2, 0.1])
    load = loads[k]
    height = np.choose(
        k,
        [
            np.full(m, 4.2),
            rng.choice([4.5, 5.4], m),
            np.full(m, 6.0),
            np.full(m, 8.0),
            rng.choice([10.0, 12.0], m),
        ],
    )
    floors = np.choose(
        k,
        [
            rng.integers(4, 9, m),
            rng.integers(3, 6, m),
            rng.integers(2, 4, m),
            rng.integers(1, 3, m),
            np.ones(m, dtype=int),
        ],
    )
    footprint = floor / floors
    width = np.sqrt(footprint * 2.0)
    open_ = rng.random(m) < 0.3
    avail = np.asarray(years)[rng.choice(len(years), m, p=year_weights(len(years), 0.35))]
    counters: dict[int, int] = {}
    ids = []
    for z in zone_of.tolist():
        counters[z] = counters.get(z, 0) + 1
        ids.append(f"{zones[z].code}-F{counters[z]:02d}")
    cols: dict[str, list[Any]] = {
        "factory_id": ids,
        "zone": [zones[z].code for z in zone_of.tolist()],
        "clusters": [
            () if o else tuple(sorted(zones[z].focus))
            for z, o in zip(zone_of.tolist(), open_.tolist(), strict=True)
        ],
        "floor_area_m2": floor.tolist(),
        "floor_load_kg_m2": load.tolist(),
        "clear_height_m": height.tolist(),
        "available_year": avail.tolist(),
        "max_pollution": np.where(load <= 500.0, 1, 2).tolist(),
    }
    return cols, width, footprint / width


@dataclass(slots=True)
class DrawnParcels:
    """The parcels of the district before they are laid out."""

    #: columns of the ``parcels`` layer (``parcel_id`` first), as lists of Python values
    cols: dict[str, list[Any]]
    #: index into the zones of each parcel (parcels are grouped by zone)
    zone_of: np.ndarray
    area_mu: np.ndarray
    #: drawn size of the street block that starts at each parcel (see ``layout.blocks``)
    block_size: np.ndarray
    #: zone whose first block holds the 合并供地 parcels of the largest project, if there is one
    mega_zone: int | None


def draw_parcels(
    rng: np.random.Generator,
    zones: Sequence[ZoneSpec],
    n_parcels: int,
    years: list[int],
    mega: dict[str, Any] | None,
) -> DrawnParcels:
    """Parcels: counts per zone, areas, street blocks of one to four parcels, attributes.

    When there is a project of ≥ 100 亿元 (``mega``), the second zone opens with three large
    adjacent parcels (合并供地): the two largest hold the project, whose demand, land use and start
    are adjusted to them (``mega`` is updated).
    """
    zone_w = np.array([z.share for z in zones])
    counts = split_counts(n_parcels, zone_w, 5)
    zone_of = np.repeat(np.arange(len(zones)), counts)
    area = np.round(np.clip(rng.lognormal(math.log(55.0), 0.6, n_parcels), 10.0, 300.0), 1)
    block_size = rng.choice([1, 2, 3, 4], n_parcels, p=[0.25, 0.35, 0.28, 0.12])
    mega_zone = 1 if len(zones) > 1 else 0
    mega_idx = np.zeros(0, dtype=int)
    if mega is not None:
        s = int(counts[:mega_zone].sum())
        mega_idx = np.arange(s, s + 3)
        area[mega_idx] = np.sort(np.round(rng.uniform(150.0, 230.0, 3), 1))[::-1]
        block_size[s] = 3
        mega.update(
            land_mu=round(float(area[s] + area[s + 1]) * 0.97, 1),
            land_use="M1",
            pollution=2,
            carrier="land",
            start_year=years[0],
            ready_to_build=False,
        )
    cols = parcel_columns(rng, zones, zone_of, area, years)
    for j in mega_idx.tolist():
        cols["land_use"][j] = "M1"
        cols["clusters"][j] = ("equipment", "new_energy")
        cols["max_pollution"][j] = 3
        cols["available_year"][j] = years[0]
        cols["divisible"][j] = False
    ids: list[str] = []
    for zone, count in zip(zones, counts.tolist(), strict=True):
        w = max(2, len(str(count)))
        ids += [f"{zone.code}-{k + 1:0{w}d}" for k in range(count)]
    return DrawnParcels(
        {"parcel_id": ids, **cols},
        zone_of,
        area,
        block_size,
        mega_zone if mega is not None else None,
    )


def draw_factories(
    rng: np.random.Generator, zones: Sequence[ZoneSpec], n_factories: int, years: list[int]
) -> tuple[np.ndarray, dict[str, list[Any]], np.ndarray, np.ndarray]:
    """Factories: the zone of each (sorted), their columns, and footprint widths and depths (m)."""
    fac_zone_w = np.array([0.25, 0.1, 0.25, 0.15, 0.1, 0.15] + [0.15] * len(zones))[: len(zones)]
    fac_zone = np.sort(rng.choice(len(zones), n_factories, p=fac_zone_w / fac_zone_w.sum()))
    cols, width, depth = factory_columns(rng, zones, fac_zone, years)
    return fac_zone, cols, width, depth
