"""Standard factories: the floor area let stays within the free floor area.

A let lasts beyond the horizon, so the per-year condition reduces to the cumulative one; the
building's availability year is enforced on the candidates (see :mod:`timing`)::

    Σ_{i ∈ F(f)} floor(p_i) · x_i ≤ free_floor(f)      for every factory f

Constraint names: ``factory[f]``.
"""

from __future__ import annotations

import numpy as np

from optimizer.constraints.base import ModelContext, group_indices


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
