"""Annual land quotas (用地指标), per zone where given and for the whole district.

Formulation, with s_i the land candidate i supplies (0 for factories) and y_i its year::

    Σ_{i: y_i = y} s_i · x_i ≤ Q(y, *)               for every planning year y
    Σ_{i: y_i = y, zone_i = z} s_i · x_i ≤ Q(y, z)   for every zone quota (y, z)

A planning year with no district quota row supplies no land (Q(y, *) = 0). Constraint names:
``quota[y,z]``.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from geodata.units import cmu_to_mu
from optimizer.constraints.base import ModelContext


def add_quota(ctx: ModelContext, quotas: dict[tuple[int, str], int]) -> None:
    """Add the quota constraints for ``quotas`` ((year, zone) → 0.01 亩)."""
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for c in ctx.cands.candidates:
        if c.land_cmu > 0:
            by_key[(c.year, "*")].append(c.index)
            by_key[(c.year, c.zone)].append(c.index)
    for y in ctx.years:
        for key in sorted(k for k in by_key if k[0] == y):
            zone = key[1]
            if key not in quotas and zone != "*":
                continue
            cap = quotas.get(key, 0)
            idx = by_key[key]
            if sum(ctx.cands.candidates[i].land_cmu for i in idx) <= cap:
                continue
            expr = cp_model.LinearExpr.weighted_sum(
                [ctx.x[i] for i in idx], [ctx.cands.candidates[i].land_cmu for i in idx]
            )
            ct = ctx.model.add(expr <= cap).with_name(f"quota[{y},{zone}]")
            where_zh = "全区" if zone == "*" else f"片区 {zone}"
            where_en = "district" if zone == "*" else f"zone {zone}"
            ctx.enforce(
                ct,
                f"quota:{y}:{zone}",
                f"{y} 年{where_zh}用地指标 {cmu_to_mu(cap):,.1f} 亩",
                f"{y} land quota of the {where_en}: {cmu_to_mu(cap):,.1f} mu",
            )
