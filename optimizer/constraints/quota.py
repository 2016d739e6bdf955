"""Annual land quotas (用地指标), per zone where given and for the whole district.

Formulation, with s_i the land candidate i supplies (0 for factories) and y_i its year::

    Σ_{i: y_i = y} s_i · x_i ≤ Q(y, *)               for every planning year y
    Σ_{i: y_i = y, zone_i = z} s_i · x_i ≤ Q(y, z)   for every zone quota (y, z)

A planning year with no district quota row supplies no land (Q(y, *) = 0). Constraint names:
``quota[y,z]``.
"""

from __future__ import annotations

import numpy as np

from geodata.units import cmu_to_mu
from optimizer.constraints.base import ModelContext


def add_quota(ctx: ModelContext, quotas: dict[tuple[int, str], int]) -> None:
    """Add the quota constraints for ``quotas`` ((year, zone) → 0.01 亩)."""
    cols = ctx.cols
    landed = cols.land_cmu > 0
    for y in ctx.years:
        in_year = np.flatnonzero(landed & (cols.year == y))
        if len(in_year) == 0:
            continue
        zones = sorted({"*", *(str(z) for z in np.unique(cols.zone[in_year]))})
        for zone in zones:
            key = (y, zone)
            if key not in quotas and zone != "*":
                continue
            cap = quotas.get(key, 0)
            idx = in_year if zone == "*" else in_year[cols.zone[in_year] == zone]
            land = cols.land_cmu[idx]
            if int(land.sum()) <= cap:
                continue
            ct = ctx.add_linear(idx, land, 0, cap, f"quota[{y},{zone}]")
            where_zh = "全区" if zone == "*" else f"片区 {zone}"
            where_en = "district" if zone == "*" else f"zone {zone}"
            ctx.enforce(
                ct,
                f"quota:{y}:{zone}",
                f"{y} 年{where_zh}用地指标 {cmu_to_mu(cap):,.1f} 亩",
                f"{y} land quota of the {where_en}: {cmu_to_mu(cap):,.1f} mu",
            )
