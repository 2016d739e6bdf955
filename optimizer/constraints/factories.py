"""Standard factories: the floor area let stays within the free floor area.

A let lasts beyond the horizon, so the per-year condition reduces to the cumulative one; the
building's availability year is enforced on the candidates (see :mod:`timing`)::

    Σ_{i ∈ F(f)} floor(p_i) · x_i ≤ free_floor(f)      for every factory f

Constraint names: ``factory[f]``.
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

CODE = "factories"
LABEL = ("标准厂房可用面积", "free floor area of standard factories")


def add(ctx: ModelContext, pins: Mapping[str, str], quotas: Mapping[tuple[int, str], int]) -> None:
    """Add the family's constraints (:func:`add_factory_capacity`)."""
    add_factory_capacity(ctx)


def ledger(instance: Instance, quotas: Mapping[tuple[int, str], int]) -> FloorLedger:
    """A fresh ledger of the floor area left in every factory."""
    return FloorLedger(instance)


def add_factory_capacity(ctx: ModelContext) -> None:
    """Add one floor-area constraint per factory whose candidates could overfill it."""
    cols = ctx.cols
    fac = np.flatnonzero(cols.kind == "factory")
    if len(fac) == 0:
        return
    floors = {f.factory_id: f.floor_m2 for f in ctx.instance.factories}
    for fid, idx in group_indices(cols.carrier[fac], fac).items():
        # one project appears with several years; the most it can take is once per project
        per_project = dict(
            zip(cols.project[idx].tolist(), cols.floor_m2[idx].tolist(), strict=True)
        )
        if sum(per_project.values()) <= floors[str(fid)]:
            continue
        ct = ctx.add_linear(idx, cols.floor_m2[idx], 0, floors[str(fid)], f"factory[{fid}]")
        ctx.enforce(
            ct, f"factory:{fid}", f"标准厂房 {fid} 的可用面积", f"free floor area of factory {fid}"
        )


class FloorLedger:
    """Free floor area left in each factory while candidates are taken one by one."""

    def __init__(self, instance: Instance) -> None:
        #: factory → free floor area left (m²)
        self.free = {f.factory_id: f.floor_m2 for f in instance.factories}

    def fits(self, c: Candidate) -> bool:
        """``c`` is not in a factory, or its factory has the floor area left."""
        return c.kind != "factory" or self.free[c.carriers[0]] >= c.floor_m2

    def over(self, c: Candidate) -> list[Resource]:
        """The factory of ``c`` when it has not the floor area left."""
        if c.kind != "factory":
            return []
        return [cid for cid in c.carriers if self.free[cid] < c.floor_m2]

    def take(self, c: Candidate) -> None:
        """Count the floor area ``c`` takes in its factory."""
        if c.kind == "factory":
            for cid in c.carriers:
                self.free[cid] -= c.floor_m2
