"""Greedy placements: by priority (the baseline CP-SAT is compared against) and LP-guided (a hint).

:func:`greedy` takes projects by decreasing priority (pinned projects first, ties by id); each
takes its best candidate (highest coefficient, ties by carrier id and year) that still fits the
parcels, factories and quotas left. It is what a planner's spreadsheet does, and the reports show
it beside the optimised placement.

:func:`lp_guided` takes *candidates* in the order of their value in the LP relaxation
(:mod:`optimizer.relaxation`), then by coefficient: the relaxation has already weighed each
project's priority against the quota it uses, which the priority order ignores. It is only used
as a starting point (hint) for CP-SAT.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from geodata.instance import Instance
from optimizer.candidates import Candidate, CandidateSet


class Packer:
    """What is left of the parcels, factories and quotas while candidates are taken one by one."""

    def __init__(self, instance: Instance, quotas: dict[tuple[int, str], int]) -> None:
        self.parcel_free = {p.parcel_id: (p.area_cmu, p.divisible) for p in instance.parcels}
        self.used_once: set[str] = set()
        self.floor_free = {f.factory_id: f.floor_m2 for f in instance.factories}
        self.used: dict[tuple[int, str], int] = defaultdict(int)
        self.quotas = quotas
        self.chosen: list[Candidate] = []

    def fits(self, c: Candidate) -> bool:
        """Whether ``c`` fits what is left."""
        if c.kind == "factory":
            return self.floor_free[c.carriers[0]] >= c.floor_m2
        for cid in c.carriers:
            area, divisible = self.parcel_free[cid]
            if cid in self.used_once or (divisible and area < c.land_cmu):
                return False
        if self.used[(c.year, "*")] + c.land_cmu > self.quotas.get((c.year, "*"), 0):
            return False
        zq = self.quotas.get((c.year, c.zone))
        return zq is None or self.used[(c.year, c.zone)] + c.land_cmu <= zq

    def take(self, c: Candidate) -> None:
        """Place ``c`` (which fits)."""
        self.chosen.append(c)
        if c.kind == "factory":
            self.floor_free[c.carriers[0]] -= c.floor_m2
            return
        for cid in c.carriers:
            area, divisible = self.parcel_free[cid]
            if divisible:
                self.parcel_free[cid] = (area - c.land_cmu, True)
            else:
                self.used_once.add(cid)
        self.used[(c.year, "*")] += c.land_cmu
        self.used[(c.year, c.zone)] += c.land_cmu


def greedy(
    instance: Instance,
    cands: CandidateSet,
    quotas: dict[tuple[int, str], int],
    pins: dict[str, str],
) -> list[Candidate]:
    """Return the greedy choice by priority (one candidate per placed project)."""
    packer = Packer(instance, quotas)
    order = sorted(
        cands.by_project,
        key=lambda pid: (pid not in pins, -cands.priority[pid], pid),
    )
    for pid in order:
        options = sorted(
            (cands.candidates[i] for i in cands.by_project[pid]),
            key=lambda c: (-c.coef, c.carriers, c.year),
        )
        for c in options:
            if packer.fits(c):
                packer.take(c)
                break
    return packer.chosen


def lp_guided(
    instance: Instance,
    cands: CandidateSet,
    quotas: dict[tuple[int, str], int],
    pins: dict[str, str],
    values: np.ndarray,
) -> list[Candidate]:
    """Return a greedy choice that follows the LP relaxation.

    Parameters
    ----------
    instance, cands, quotas, pins
        As for :func:`greedy`.
    values
        The LP value of every candidate (same order as ``cands.candidates``).

    Returns
    -------
    list of Candidate
        One candidate per placed project. Candidates of pinned projects come first, then all
        others by decreasing LP value (rounded to 1e-6), coefficient and index (deterministic).
    """
    packer = Packer(instance, quotas)
    lp = np.round(np.asarray(values, dtype=float), 6)
    order = sorted(
        range(len(cands.candidates)),
        key=lambda i: (
            cands.candidates[i].project_id not in pins,
            -lp[i],
            -cands.candidates[i].coef,
            i,
        ),
    )
    placed: set[str] = set()
    for i in order:
        c = cands.candidates[i]
        if c.project_id not in placed and packer.fits(c):
            packer.take(c)
            placed.add(c.project_id)
    return packer.chosen
