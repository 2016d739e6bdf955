"""What unlocks most (优先打通): which readiness gaps, delivered earlier, gain the plan most.

A table for people, beside the KPIs. A *gap group* is one readiness date column in one zone
(for example the power connection of 科技城): the parcels of the zone whose date for it is still
to come (after ``today``). Delivering the group ``months`` earlier is the slip
``{precondition, zone, months: -months}`` (:mod:`optimizer.readiness.slip`); its gain is measured
against the base plan in two ways:

* **the plan kept** (exact): the base placements start earlier on the earlier dates
  (:func:`~optimizer.views.plan_changes.kept_plan`): ``earlier`` projects, ``earlier_yi`` their
  investment;
* **the plan re-optimised** (a re-solve with the same settings): ``more_projects`` and
  ``more_yi``, the projects and investment placed beyond the base plan. Earlier dates only
  relax the model, so a re-solve whose objective is below the base's found a worse plan than
  one it could have kept (the search is not proven optimal): its gains are then counted as 0
  and ``method`` says so.

The ranking is by ``benefit_yi`` = ``max(0, more_yi) + earlier_yi``, the investment that lands
or starts earlier, then by the objective's gain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geodata.instance import Instance
from geodata.units import WAN_PER_YI
from optimizer.readiness.rules import RuleSet
from optimizer.readiness.slip import Slip, slip_instance
from optimizer.views.plan_changes import PlanMap, kept_plan


@dataclass(frozen=True)
class GapGroup:
    """One readiness date column in one zone, with the parcels whose date is still to come."""

    key: str
    column: str
    zone: str
    names: tuple[str, str]
    owners: tuple[str, str]
    parcels: tuple[str, ...]

    @property
    def label(self) -> str:
        """A stable label (``power@KJC``) naming the group's task."""
        return f"{self.key}@{self.zone}"

    def slip(self, months: int) -> Slip:
        """The slip that delivers the group ``months`` earlier."""
        return Slip(-months, precondition=self.key, zone=self.zone)


def gap_groups(instance: Instance, rules: RuleSet, today: dt.date) -> list[GapGroup]:
    """Every (date column, zone) with a parcel whose date is after ``today``.

    The preconditions that read the same column (the two regional assessments) form one group,
    named after the first and owned by all of their departments.
    """
    by_column: dict[str, list[Any]] = {}
    for pre in rules.preconditions:
        by_column.setdefault(pre.column, []).append(pre)
    out: list[GapGroup] = []
    zones = sorted({p.zone for p in instance.parcels})
    for column, pres in by_column.items():
        item = column.removeprefix("ready_")
        for zone in zones:
            ids = tuple(
                p.parcel_id
                for p in instance.parcels
                if p.zone == zone
                and isinstance(p.ready.get(item), dt.date)
                and p.ready[item] > today  # type: ignore[operator]
            )
            if not ids:
                continue
            zh = "、".join(dict.fromkeys(p.owner_zh for p in pres))
            en = ", ".join(dict.fromkeys(p.owner_en for p in pres))
            names = (
                "、".join(dict.fromkeys(p.name_zh for p in pres)),
                ", ".join(dict.fromkeys(p.name_en for p in pres)),
            )
            out.append(GapGroup(pres[0].key, column, zone, names, (zh, en), ids))
    return out


def _invest(instance: Instance, ids: set[str]) -> float:
    return sum(p.investment_wan for p in instance.projects if p.project_id in ids) / WAN_PER_YI


def _earlier(base: PlanMap, kept: PlanMap) -> dict[str, int]:
    """Projects that start earlier in ``kept`` → days earlier (0 when the base start was not
    known)."""
    out: dict[str, int] = {}
    for pid, pl in kept.items():
        old, new = base[pid].get("start") or "", pl.get("start") or ""
        if new and (not old or new < old):
            gain = dt.date.fromisoformat(old) - dt.date.fromisoformat(new) if old else None
            out[pid] = gain.days if gain is not None else 0
    return out


def group_gain(
    group: GapGroup,
    months: int,
    base: Mapping[str, Any],
    result: Mapping[str, Any],
    instance: Instance,
    rules: RuleSet,
) -> dict[str, Any]:
    """The gain of delivering ``group`` ``months`` earlier (see the module docstring).

    ``base`` and ``result`` are the engine results of the base and of the variant
    (``objective``, ``projects_placed``, ``investment_yi``, ``placements``).
    """
    after = slip_instance(instance, rules, [group.slip(months)])
    kept = kept_plan(base["placements"], after, rules)
    earlier = _earlier(base["placements"], kept)
    row: dict[str, Any] = {
        "label": group.label,
        "key": group.key,
        "zone": group.zone,
        "item_zh": group.names[0],
        "item_en": group.names[1],
        "owner_zh": group.owners[0],
        "owner_en": group.owners[1],
        "parcels": len(group.parcels),
        "months": months,
        "earlier": len(earlier),
        "earlier_days": round(sum(earlier.values()) / len(earlier)) if earlier else 0,
        "earlier_yi": round(_invest(instance, set(earlier)), 2),
        "more_projects": 0,
        "more_yi": 0.0,
        "d_objective": None,
        "method": "error",
    }
    if result.get("error"):
        return row
    d_obj = float(result["objective"]) - float(base["objective"])
    row["d_objective"] = round(d_obj, 1)
    if d_obj >= 0:
        row["more_projects"] = int(result["projects_placed"]) - int(base["projects_placed"])
        row["more_yi"] = round(float(result["investment_yi"]) - float(base["investment_yi"]), 2)
        row["method"] = "resolved"
    else:
        row["method"] = "kept"
    return row


def rank_gains(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The gains ranked by ``benefit_yi``, then the objective's gain and the label; ``rank``
    from 1."""
    for r in rows:
        r["benefit_yi"] = round(max(0.0, r["more_yi"]) + r["earlier_yi"], 2)
    rows.sort(key=lambda r: (-r["benefit_yi"], -(r["d_objective"] or 0.0), r["label"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    cols = ["rank", "label", "key", "zone", "item_zh", "item_en", "owner_zh", "owner_en",
            "parcels", "months", "benefit_yi", "more_projects", "more_yi", "earlier",
            "earlier_days", "earlier_yi", "d_objective", "method"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def gain_sentence(row: Mapping[str, Any], zone_name: str, lang: str = "zh") -> str:
    """``若科技城片区通电提前 3 个月到位，可多落地 2 个项目、投资 5.1 亿元，并使 11 个项目平均提前
    60 天开工（投资 37.0 亿元）（责任：供电服务中心）``."""
    n, yi = int(row["more_projects"]), float(row["more_yi"])
    more = n > 0 or yi > 0
    if lang == "zh":
        parts = []
        if n > 0:
            parts.append(f"可多落地 {n} 个项目、投资 {yi:.1f} 亿元")
        elif yi > 0:
            parts.append(f"可多落地投资 {yi:.1f} 亿元（落地项目数 {n:+d}）")
        if row["earlier"]:
            parts.append(
                f"使 {row['earlier']} 个项目平均提前 {row.get('earlier_days', 0)} 天开工"
                f"（投资 {row['earlier_yi']:.1f} 亿元）"
            )
        gain = "，并".join(parts) if parts else "方案没有可见收益"
        if parts and not more:
            gain = "可" + gain
        return (f"若{zone_name}片区{row['item_zh']}提前 {row['months']} 个月到位，{gain}"
                f"（责任：{row['owner_zh']}）")  # fmt: skip
    parts = []
    if more:
        parts.append(f"{n:+d} projects and {yi:+.1f} 100M CNY placed")
    if row["earlier"]:
        parts.append(
            f"{row['earlier']} projects start {row.get('earlier_days', 0)} days earlier on average "
            f"({row['earlier_yi']:.1f} 100M CNY)"
        )
    gain = "; ".join(parts) if parts else "no visible gain"
    return (f"{row['item_en']} in {zone_name} {row['months']} months earlier: {gain} "
            f"(owner: {row['owner_en']})")  # fmt: skip


__all__ = ["GapGroup", "gain_sentence", "gap_groups", "group_gain", "rank_gains"]
