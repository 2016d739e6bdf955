"""Annual land quotas (用地指标), per zone where given and for the whole district.

Formulation, with s_i the land candidate i supplies (0 for factories) and y_i its year::

    Σ_{i: y_i = y} s_i · x_i ≤ Q(y, *)               for every planning year y
    Σ_{i: y_i = y, zone_i = z} s_i · x_i ≤ Q(y, z)   for every zone quota (y, z)

A planning year with no district quota row supplies no land (Q(y, *) = 0). Constraint names:
``quota[y,z]``.

What is committed this year is taken into account: Q is the quota the plan may still use (the
row's quota less its ``used`` land, :meth:`optimizer.problem.Problem.effective_quotas`), and land
on a 存量/低效用地 parcel (``stock``: revitalised land, 工业上楼) uses no new construction quota,
so s_i counts only the non-stock parcels of a candidate (:func:`quota_land`).
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


def stock_areas(instance: Instance) -> dict[str, int]:
    """Parcel id → area (0.01 亩) of every 存量 parcel, whose land uses no quota."""
    return {p.parcel_id: p.area_cmu for p in instance.parcels if p.stock}


def quota_cmu(c: Candidate, stock: Mapping[str, int]) -> int:
    """The land ``c`` counts against the quota: none on a 存量 parcel, and a 合并供地 group's
    land less its 存量 members' areas."""
    if not c.land_cmu or not stock:
        return c.land_cmu
    if c.kind == "group":
        return max(0, c.land_cmu - sum(stock.get(cid, 0) for cid in c.carriers))
    return 0 if c.carriers[0] in stock else c.land_cmu


def quota_land(ctx: ModelContext) -> np.ndarray:
    """Per candidate of ``ctx``: the land it counts against the quota (:func:`quota_cmu`)."""
    cols = ctx.cols
    stock = stock_areas(ctx.instance)
    if not stock:
        return cols.land_cmu
    land = cols.land_cmu.copy()
    on_stock = (cols.kind == "parcel") & np.isin(cols.carrier, list(stock))
    land[on_stock] = 0
    for i in np.flatnonzero(cols.kind == "group").tolist():
        land[i] = quota_cmu(ctx.cands.candidates[i], stock)
    return land


def add(ctx: ModelContext, pins: Mapping[str, str], quotas: Mapping[tuple[int, str], int]) -> None:
    """Add the family's constraints (:func:`add_quota`)."""
    add_quota(ctx, quotas)


def ledger(instance: Instance, quotas: Mapping[tuple[int, str], int]) -> QuotaLedger:
    """A fresh ledger of the land each quota row has supplied."""
    return QuotaLedger(quotas, stock_areas(instance))


def add_quota(ctx: ModelContext, quotas: Mapping[tuple[int, str], int]) -> None:
    """Add the quota constraints for ``quotas`` ((year, zone) → 0.01 亩)."""
    cols = ctx.cols
    counted = quota_land(ctx)
    landed = counted > 0
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
            land = counted[idx]
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

    A candidate that supplies no land (a factory) uses no quota, nor does land on a 存量 parcel
    (``stock``: parcel id → area). A year without a district row supplies no land; a zone
    without a row of its own is bound by the district row only.
    """

    def __init__(
        self, quotas: Mapping[tuple[int, str], int], stock: Mapping[str, int] | None = None
    ) -> None:
        self.quotas = quotas
        self.stock: Mapping[str, int] = stock or {}
        #: (year, zone) → land supplied (0.01 亩); ``*`` the district.
        self.used: dict[tuple[int, str], int] = defaultdict(int)

    def fits(self, c: Candidate) -> bool:
        """``c`` leaves its year's district row and zone row (if any) within their quota."""
        land = quota_cmu(c, self.stock)
        if not land:
            return True
        if self.used[(c.year, "*")] + land > self.quotas.get((c.year, "*"), 0):
            return False
        zq = self.quotas.get((c.year, c.zone))
        return zq is None or self.used[(c.year, c.zone)] + land <= zq

    def over(self, c: Candidate) -> list[Resource]:
        """The quota rows (year, zone) ``c`` would overfill."""
        land = quota_cmu(c, self.stock)
        if not land:
            return []
        return [
            key
            for key in ((c.year, "*"), (c.year, c.zone))
            if key in self.quotas or key[1] == "*"
            if self.used.get(key, 0) + land > self.quotas.get(key, 0)
        ]

    def take(self, c: Candidate) -> None:
        """Count the land ``c`` supplies against its year's district and zone rows."""
        land = quota_cmu(c, self.stock)
        if not land:
            return
        self.used[(c.year, "*")] += land
        self.used[(c.year, c.zone)] += land
