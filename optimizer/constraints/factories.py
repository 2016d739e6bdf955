"""Standard factories: the floor area let stays within the free floor area.

A let lasts beyond the horizon, so the per-year condition reduces to the cumulative one; the
building's availability year is enforced on the candidates (see :mod:`timing`)::

    Σ_{i ∈ F(f)} floor(p_i) · x_i ≤ free_floor(f)      for every factory f

Constraint names: ``factory[f]``.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from optimizer.constraints.base import ModelContext


def add_factory_capacity(ctx: ModelContext) -> None:
    """Add one floor-area constraint per factory whose candidates could overfill it."""
    uses: dict[str, list[int]] = defaultdict(list)
    for c in ctx.cands.candidates:
        if c.kind == "factory":
            uses[c.carriers[0]].append(c.index)
    if not uses:
        return
    floors = {f.factory_id: f.floor_m2 for f in ctx.instance.factories}
    for fid in sorted(uses):
        idx = uses[fid]
        # one project appears with several years; the most it can take is once per project
        per_project: dict[str, int] = {}
        for i in idx:
            c = ctx.cands.candidates[i]
            per_project[c.project_id] = c.floor_m2
        if sum(per_project.values()) <= floors[fid]:
            continue
        expr = cp_model.LinearExpr.weighted_sum(
            [ctx.x[i] for i in idx], [ctx.cands.candidates[i].floor_m2 for i in idx]
        )
        ct = ctx.model.add(expr <= floors[fid]).with_name(f"factory[{fid}]")
        ctx.enforce(
            ct, f"factory:{fid}", f"标准厂房 {fid} 的可用面积", f"free floor area of factory {fid}"
        )
