"""Greedy placement by priority: the baseline CP-SAT is compared against, and its hint.

Projects are taken by decreasing priority (pinned projects first, ties by id); each takes its best
candidate (highest coefficient, ties by carrier id and year) that still fits the parcels, factories
and quotas left.
"""

from __future__ import annotations

from collections import defaultdict

from geodata.instance import Instance
from optimizer.candidates import Candidate, CandidateSet


def greedy(
    instance: Instance,
    cands: CandidateSet,
    quotas: dict[tuple[int, str], int],
    pins: dict[str, str],
) -> list[Candidate]:
    """Return the greedy choice (one candidate per placed project)."""
    parcel_free = {p.parcel_id: (p.area_cmu, p.divisible) for p in instance.parcels}
    used_once: set[str] = set()
    floor_free = {f.factory_id: f.floor_m2 for f in instance.factories}
    used: dict[tuple[int, str], int] = defaultdict(int)
    order = sorted(
        cands.by_project,
        key=lambda pid: (pid not in pins, -cands.priority[pid], pid),
    )
    chosen: list[Candidate] = []
    for pid in order:
        options = sorted(
            (cands.candidates[i] for i in cands.by_project[pid]),
            key=lambda c: (-c.coef, c.carriers, c.year),
        )
        for c in options:
            if not _fits(c, parcel_free, used_once, floor_free, used, quotas):
                continue
            chosen.append(c)
            if c.kind == "factory":
                floor_free[c.carriers[0]] -= c.floor_m2
            else:
                for cid in c.carriers:
                    area, divisible = parcel_free[cid]
                    if divisible:
                        parcel_free[cid] = (area - c.land_cmu, True)
                    else:
                        used_once.add(cid)
                used[(c.year, "*")] += c.land_cmu
                used[(c.year, c.zone)] += c.land_cmu
            break
    return chosen


def _fits(
    c: Candidate,
    parcel_free: dict[str, tuple[int, bool]],
    used_once: set[str],
    floor_free: dict[str, int],
    used: dict[tuple[int, str], int],
    quotas: dict[tuple[int, str], int],
) -> bool:
    if c.kind == "factory":
        return floor_free[c.carriers[0]] >= c.floor_m2
    for cid in c.carriers:
        area, divisible = parcel_free[cid]
        if cid in used_once or (divisible and area < c.land_cmu):
            return False
    if used[(c.year, "*")] + c.land_cmu > quotas.get((c.year, "*"), 0):
        return False
    zq = quotas.get((c.year, c.zone))
    return zq is None or used[(c.year, c.zone)] + c.land_cmu <= zq
