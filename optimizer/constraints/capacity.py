"""Parcel capacity over the whole horizon (non-divisible: one project; divisible: its area).

Formulation, with G(c) the candidates that use parcel c (alone or in a 合并供地 group) and s_i the
land a candidate takes from c (base units 0.01 亩)::

    Σ_{i ∈ G(c)} x_i ≤ 1                 for a non-divisible parcel c
    Σ_{i ∈ G(c)} s_i · x_i ≤ area(c)     for a divisible parcel c

Constraint names: ``parcel[c]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from geodata.instance import Instance
from optimizer.constraints.base import ModelContext, group_indices
from optimizer.constraints.family import Resource

if TYPE_CHECKING:
    from optimizer.candidate import Candidate

CODE = "capacity"
LABEL = ("地块容量", "parcel capacity")


def add(ctx: ModelContext, pins: Mapping[str, str], quotas: Mapping[tuple[int, str], int]) -> None:
    """Add the family's constraints (:func:`add_parcel_capacity`)."""
    add_parcel_capacity(ctx)


def ledger(instance: Instance, quotas: Mapping[tuple[int, str], int]) -> ParcelLedger:
    """A fresh ledger of the room left on every parcel."""
    return ParcelLedger(instance)


def add_parcel_capacity(ctx: ModelContext) -> None:
    """Add one capacity constraint per parcel used by two or more candidates."""
    cols = ctx.cols
    single = np.flatnonzero(cols.kind == "parcel")
    uses: dict[str, np.ndarray] = {
        str(k): v for k, v in group_indices(cols.carrier[single], single).items()
    }
    # 合并供地 candidates use every parcel of their group (few: added one by one)
    for i in np.flatnonzero(cols.kind == "group"):
        for pid in ctx.cands.candidates[int(i)].carriers:
            uses[pid] = np.append(uses.get(pid, np.empty(0, np.int64)), np.int64(i))
    parcels = {p.parcel_id: p for p in ctx.instance.parcels}
    for cid in sorted(uses):
        idx = np.sort(uses[cid])
        parcel = parcels[cid]
        if parcel.divisible:
            land = cols.land_cmu[idx]
            if int(land.sum()) <= parcel.area_cmu:
                continue
            ct = ctx.add_linear(idx, land, 0, parcel.area_cmu, f"parcel[{cid}]")
        else:
            if len(idx) < 2:
                continue
            ct = ctx.add_at_most_one(idx, f"parcel[{cid}]")
        ctx.enforce(
            ct,
            f"parcel:{cid}",
            f"地块 {cid} 的容量（不可分割地块只能供一个项目）",
            f"capacity of parcel {cid}",
        )


class ParcelLedger:
    """Room left on each parcel while candidates are taken one by one (factories use none).

    A non-divisible parcel takes one project (alone or in a 合并供地 group); a divisible one
    takes projects up to its area.
    """

    def __init__(self, instance: Instance) -> None:
        #: parcel → (area left, divisible)
        self.free = {p.parcel_id: (p.area_cmu, p.divisible) for p in instance.parcels}
        #: non-divisible parcels already given
        self.used_once: set[str] = set()

    def _full(self, cid: str, land_cmu: int) -> bool:
        area, divisible = self.free[cid]
        return cid in self.used_once or (divisible and area < land_cmu)

    def fits(self, c: Candidate) -> bool:
        """Every parcel of ``c`` has room for it."""
        if c.kind == "factory":
            return True
        for cid in c.carriers:  # a loop rather than _full: the greedy asks millions of times
            area, divisible = self.free[cid]
            if cid in self.used_once or (divisible and area < c.land_cmu):
                return False
        return True

    def over(self, c: Candidate) -> list[Resource]:
        """The parcels of ``c`` without room for it."""
        if c.kind == "factory":
            return []
        return [cid for cid in c.carriers if self._full(cid, c.land_cmu)]

    def take(self, c: Candidate) -> None:
        """Give ``c`` its parcels."""
        if c.kind == "factory":
            return
        for cid in c.carriers:
            area, divisible = self.free[cid]
            if divisible:
                self.free[cid] = (area - c.land_cmu, True)
            else:
                self.used_once.add(cid)
