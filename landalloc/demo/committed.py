"""What the demo has already committed in its first year: supplied parcels, used quota, 存量 land.

The demo plans in the middle of its first year. Two of the pinned land projects that start that
year have had their parcels supplied (已供地) already: the pin becomes a supply with a date, and
the project is committed. One more parcel was supplied to a project signed the year before,
outside this pipeline. The land of these supplies is recorded as quota already used
(``used_mu``) on the first year's district row and on the zone rows of their zones. Two parcels
of 浒墅关经开区 (or of the second zone) are 存量/低效用地 being revitalised, as the seeds'
"低效用地盘活" and "产业综合体" programmes describe: supplying them uses no new quota.

No random draw is made here (the choices follow the ids), so the draws of every other part of
the generator are unchanged.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from landalloc.demo.catalogue import ZoneSpec

#: Supply dates of the committed parcels (month, day) in the first year, in order.
SUPPLY_DAYS: tuple[tuple[int, int], ...] = ((3, 16), (5, 20), (4, 8))
#: The project outside the pipeline that the third supplied parcel went to.
OUTSIDE_PROJECT = "XM2025-031"
#: 存量 parcels marked in the zone of revitalised land.
N_STOCK = 2
#: The zone whose old industrial land is revitalised (the second zone when it is absent).
STOCK_ZONE = "XSG"


def commit(
    projects: list[dict[str, Any]],
    parcels: dict[str, list[Any]],
    quotas: list[dict[str, Any]],
    zones: Sequence[ZoneSpec],
    first_year: int,
) -> None:
    """Add the committed columns to ``parcels`` and ``used_mu`` to ``quotas`` (in place)."""
    n = len(parcels["parcel_id"])
    parcels["supplied"] = [False] * n
    parcels["supplied_date"] = [None] * n
    parcels["supplied_project"] = [""] * n
    parcels["stock"] = [False] * n
    for q in quotas:
        q["used_mu"] = 0.0
    index = {pid: j for j, pid in enumerate(parcels["parcel_id"])}
    pinned = sorted(
        (p for p in projects if p["pinned_carrier"] in index and p["start_year"] == first_year),
        key=lambda p: str(p["project_id"]),
    )
    chosen: list[tuple[int, str]] = []
    for pro in pinned[:2]:
        chosen.append((index[pro["pinned_carrier"]], str(pro["project_id"])))
        pro["pinned_carrier"] = ""  # the decision is now a supply: the project is committed
    taken = {str(p["pinned_carrier"]) for p in projects} | {
        parcels["parcel_id"][j] for j, _ in chosen
    }
    outside = _free_parcel(parcels, taken, first_year)
    if outside is not None:
        chosen.append((outside, OUTSIDE_PROJECT))
        taken.add(parcels["parcel_id"][outside])
    for (j, who), (month, day) in zip(chosen, SUPPLY_DAYS, strict=False):
        parcels["supplied"][j] = True
        parcels["supplied_date"][j] = dt.date(first_year, month, day)
        parcels["supplied_project"][j] = who
    _use_quota(quotas, parcels, [j for j, _ in chosen], first_year)
    _mark_stock(parcels, taken, zones)


def _free_parcel(parcels: dict[str, list[Any]], taken: set[str], year: int) -> int | None:
    """The smallest whole parcel available in ``year`` and not taken (ties by id)."""
    free = [
        j
        for j, pid in enumerate(parcels["parcel_id"])
        if pid not in taken
        and not parcels["divisible"][j]
        and int(parcels["available_year"][j]) <= year
    ]
    if not free:
        return None
    return min(free, key=lambda j: (float(parcels["area_mu"][j]), parcels["parcel_id"][j]))


def _use_quota(
    quotas: list[dict[str, Any]], parcels: dict[str, list[Any]], supplied: list[int], year: int
) -> None:
    """Record the supplied land as quota used this year (rounded up to 0.1 亩) on the first
    year's district row and on the rows of their zones."""
    by_zone: dict[str, float] = {}
    for j in supplied:
        zone = str(parcels["zone"][j])
        by_zone[zone] = by_zone.get(zone, 0.0) + float(parcels["area_mu"][j])
    for q in quotas:
        if q["year"] != year:
            continue
        land = sum(by_zone.values()) if q["zone"] == "*" else by_zone.get(q["zone"], 0.0)
        q["used_mu"] = min(float(q["land_mu"]), math.ceil(land * 10 - 1e-9) / 10)


def _mark_stock(parcels: dict[str, list[Any]], taken: set[str], zones: Sequence[ZoneSpec]) -> None:
    """Mark :data:`N_STOCK` parcels of :data:`STOCK_ZONE` as 存量: the largest whole ones there
    that are neither pinned nor supplied."""
    codes = [z.code for z in zones]
    home = STOCK_ZONE if STOCK_ZONE in codes else codes[min(1, len(codes) - 1)]
    area = np.asarray(parcels["area_mu"], dtype=float)
    order = sorted(range(len(area)), key=lambda j: (-area[j], parcels["parcel_id"][j]))
    marked = 0
    for j in order:
        if marked >= N_STOCK:
            break
        whole = not parcels["divisible"][j]
        if parcels["zone"][j] == home and parcels["parcel_id"][j] not in taken and whole:
            parcels["stock"][j] = True
            marked += 1
