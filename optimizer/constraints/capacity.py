"""Parcel capacity over the whole horizon (non-divisible: one project; divisible: its area).

Formulation, with G(c) the candidates that use parcel c (alone or in a 合并供地 group) and s_i the
land a candidate takes from c (base units 0.01 亩)::

    Σ_{i ∈ G(c)} x_i ≤ 1                 for a non-divisible parcel c
    Σ_{i ∈ G(c)} s_i · x_i ≤ area(c)     for a divisible parcel c

Constraint names: ``parcel[c]``.
"""

from __future__ import annotations

import numpy as np

from optimizer.constraints.base import ModelContext, group_indices


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
