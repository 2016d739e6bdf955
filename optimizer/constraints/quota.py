"""Annual land quotas (用地指标), per zone where given and for the whole district.

Formulation, with s_i the land candidate i supplies (0 for factories) and y_i its year::

    Σ_{i: y_i = y} s_i · x_i ≤ Q(y, *)               for every planning year y
    Σ_{i: y_i = y, zone_i = z} s_i · x_i ≤ Q(y, z)   for every zone quota (y, z)

A planning year with no district quota row supplies no land (Q(y, *) = 0). Constraint names:
``quota[y,z]``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from geodata.instance import Instance
from geodata.units import cmu_to_mu
from optimizer.constraints.base import ModelContext
from optimizer.constraints.family import Resource

if TYPE_CHECKING:
    from optimizer.candidate import Candidate

CODE = "quota"
LABEL = ("年度用地指标", "annual land quotas")


def add(ctx: ModelContext, pins: Mapping[str, str], quotas: Mapping[tuple[int, str], int]) -> None:
    """Add the family's constraints (:func:`add_quota`)."""
    add_quota(ctx, quotas)


def ledger(instance: Instance, quotas: Mapping[tuple[int, str], int]) -> QuotaLedger:
    """A fresh ledger of the land each quota row has supplied."""
    return QuotaLedger(quotas)


def add_quota(ctx: ModelContext, quotas: Mapping[tuple[int, str], int]) -> None:
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


class QuotaLedger:
    """Land supplied per quota row while candidates are taken one by one.

    A candidate that supplies no land (a factory) uses no quota. A year without a district row
    supplies no land; a zone without a row of its own is bound by the district row only.
    """

    def __init__(self, quotas: Mapping[tuple[int, str], int]) -> None:
        self.quotas = quotas
        #: (year, zone) → land supplied (0.01 亩); ``*`` the district.
        self.used: dict[tuple[int, str], int] = defaultdict(int)

    def fits(self, c: Candidate) -> bool:
        """``c`` leaves its year's district row and zone row (if any) within their quota."""
        if not c.land_cmu:
            return True
        if self.used[(c.year, "*")] + c.land_cmu > self.quotas.get((c.year, "*"), 0):
            return False
        zq = self.quotas.get((c.year, c.zone))
        return zq is None or self.used[(c.year, c.zone)] + c.land_cmu <= zq

    def over(self, c: Candidate) -> list[Resource]:
        """The quota rows (year, zone) ``c`` would overfill."""
        if not c.land_cmu:
            return []
        return [
            key
            for key in ((c.year, "*"), (c.year, c.zone))
            if key in self.quotas or key[1] == "*"
            if self.used.get(key, 0) + c.land_cmu > self.quotas.get(key, 0)
        ]

    def take(self, c: Candidate) -> None:
        """Count the land ``c`` supplies against its year's district and zone rows."""
        if not c.land_cmu:
            return
        self.used[(c.year, "*")] += c.land_cmu
        self.used[(c.year, c.zone)] += c.land_cmu
