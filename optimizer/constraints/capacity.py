"""Parcel capacity over the whole horizon (non-divisible: one project; divisible: its area).

Formulation, with G(c) the candidates that use parcel c (alone or in a 合并供地 group) and s_i the
land a candidate takes from c (base units 0.01 亩)::

    Σ_{i ∈ G(c)} x_i ≤ 1                 for a non-divisible parcel c
    Σ_{i ∈ G(c)} s_i · x_i ≤ area(c)     for a divisible parcel c

Constraint names: ``parcel[c]``.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from optimizer.constraints.base import ModelContext


def add_parcel_capacity(ctx: ModelContext) -> None:
    """Add one capacity constraint per parcel used by two or more candidates."""
    uses: dict[str, list[int]] = defaultdict(list)
    for c in ctx.cands.candidates:
        if c.kind in ("parcel", "group"):
            for pid in c.carriers:
                uses[pid].append(c.index)
    parcels = {p.parcel_id: p for p in ctx.instance.parcels}
    for cid in sorted(uses):
        idx = uses[cid]
        parcel = parcels[cid]
        if parcel.divisible:
            if sum(ctx.cands.candidates[i].land_cmu for i in idx) <= parcel.area_cmu:
                continue
            expr = cp_model.LinearExpr.weighted_sum(
                [ctx.x[i] for i in idx], [ctx.cands.candidates[i].land_cmu for i in idx]
            )
            ct = ctx.model.add(expr <= parcel.area_cmu).with_name(f"parcel[{cid}]")
        else:
            if len(idx) < 2:
                continue
            ct = ctx.model.add_at_most_one(ctx.x[i] for i in idx).with_name(f"parcel[{cid}]")
        ctx.enforce(
            ct,
            f"parcel:{cid}",
            f"地块 {cid} 的容量（不可分割地块只能供一个项目）",
            f"capacity of parcel {cid}",
        )
