"""The cause of every difference between a plan and a reference plan, in words, with numbers.

Pure functions of (instance, plan, reference). A project *changed* when its carrier(s) or year
differ from the reference, or one of the two plans leaves it unplaced. Each change gets one cause,
found by asking the model families' ledgers (:func:`optimizer.constraints.ledgers`, filled with
the new plan's placements of every *other* project) whether the project's reference placement
still fits:

``rule_changed``  the reference placement is no longer a candidate (rezoning, a carrier withheld,
                  a changed rule); for a gained project: it had no candidate in the reference
``displaced``     its reference carrier is taken in the new plan: moved (or lost) to make room
                  for the project(s) named
``quota``         its reference year's quota row (district or zone) is too full for it: the quota
                  figures of both plans, the land it needs and, when lost, its points per 亩
                  against those of the projects kept under that row
``freed``         (gained or moved) its new carrier was held in the reference by a project that
                  moved or lost its place, or its year's quota grew
``better``        moved: the reference placement still fits, and the new one scores more
``unattributed``  no single change explains it (the solver's choice among plans of equal score,
                  or a solve that is not proven optimal); never left blank

Every cause carries its facts (``facts``: the numbers and project ids its words state), so that
an audit can re-derive each claim from the data and both plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geodata.instance import Instance
from geodata.units import cmu_to_mu
from optimizer.anchor import Placement, Reference, placement_of
from optimizer.candidate import Candidate
from optimizer.constraints import ledgers
from optimizer.constraints.family import Ledger
from optimizer.constraints.quota import quota_cmu, stock_areas
from optimizer.solution import Solution

CHANGE_COLUMNS = [
    "project_id",
    "name",
    "change",
    "before",
    "after",
    "cause_code",
    "cause",
    "cause_en",
    "facts",
]


@dataclass(frozen=True)
class ReferencePlan:
    """A reference plan with what its causes need besides the placements.

    Parameters
    ----------
    plan
        The placements.
    quotas
        The reference's quota rows, (year, zone) → 0.01 亩.
    reasons
        Project → reason code of the projects the reference left unplaced.
    """

    plan: Reference
    quotas: Mapping[tuple[int, str], int] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cause:
    """One change and its cause."""

    project_id: str
    change: str  # moved | lost | gained
    before: Placement | None
    after: Placement | None
    code: str
    zh: str
    en: str
    facts: dict[str, Any]


def text_of(p: Placement | None) -> str:
    """``carrier[+carrier]@year`` or empty."""
    return "" if p is None else "+".join(p[0]) + "@" + str(p[1])


def causes(
    instance: Instance,
    plan: Solution,
    ref: ReferencePlan,
    zone_names: Mapping[str, tuple[str, str]] | None = None,
) -> list[Cause]:
    """The cause of each project's change from ``ref`` to ``plan`` (module docstring)."""
    zones = zone_names or {}
    now = {c.project_id: c for c in plan.chosen}
    before = ref.plan.placements
    ref_holders: dict[str, str] = {cid: pid for pid, (cids, _) in before.items() for cid in cids}
    out: list[Cause] = []
    for p in sorted(instance.projects, key=lambda q: q.project_id):
        pid = p.project_id
        b, c = before.get(pid), now.get(pid)
        a = placement_of(c) if c is not None else None
        if a == b:
            continue
        change = "moved" if b and a else ("lost" if b else "gained")
        others = [x for x in plan.chosen if x.project_id != pid]
        left, holders = _fill(instance, plan.quotas, others)
        ctx = _Ctx(instance, plan, ref, left, holders, ref_holders, zones)
        code, zh, en, facts = (
            ctx.gained(pid, c) if b is None and c is not None else ctx.lost_or_moved(pid, b, c)
        )
        out.append(Cause(pid, change, b, a, code, zh, en, facts))
    return out


def change_table(
    instance: Instance,
    plan: Solution,
    ref: ReferencePlan,
    zone_names: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """:func:`causes` as a table (:data:`CHANGE_COLUMNS`; ``facts`` as JSON text)."""
    import json

    names = {p.project_id: p.name for p in instance.projects}
    rows = [
        {
            "project_id": x.project_id,
            "name": names.get(x.project_id, ""),
            "change": x.change,
            "before": text_of(x.before),
            "after": text_of(x.after),
            "cause_code": x.code,
            "cause": x.zh,
            "cause_en": x.en,
            "facts": json.dumps(x.facts, ensure_ascii=False, sort_keys=True),
        }
        for x in causes(instance, plan, ref, zone_names)
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _fill(
    instance: Instance, quotas: Mapping[tuple[int, str], int], chosen: list[Candidate]
) -> tuple[list[Ledger], dict[str, str]]:
    left = ledgers(instance, quotas)
    holders: dict[str, str] = {}
    for c in chosen:
        for led in left:
            led.take(c)
        for cid in c.carriers:
            holders[cid] = c.project_id
    return left, holders


_Out = tuple[str, str, str, dict[str, Any]]


@dataclass
class _Ctx:
    instance: Instance
    plan: Solution
    ref: ReferencePlan
    left: list[Ledger]
    holders: dict[str, str]  # carrier → project in the new plan (the project itself excluded)
    ref_holders: dict[str, str]  # carrier → project in the reference
    zones: Mapping[str, tuple[str, str]]

    def _row(self, key: tuple[int, str], zh: bool) -> str:
        year, zone = key
        if zone == "*":
            return f"{year} 年全区" if zh else f"{year} district"
        named = self.zones.get(zone, ("", ""))[0 if zh else 1]
        if named and named != zone:
            return f"{year} 年{named}" if zh else f"{year} {named}"
        return f"{year} 年片区 {zone}" if zh else f"{year} zone {zone}"

    def _name(self, pid: str) -> str:
        return next((p.name for p in self.instance.projects if p.project_id == pid), "")

    def lost_or_moved(self, pid: str, b: Placement | None, c: Candidate | None) -> _Out:
        assert b is not None
        moved = c is not None
        where = f"改至 {text_of(placement_of(c))}" if c is not None else "未能落地"
        where_en = f"moved to {text_of(placement_of(c))}" if c is not None else "lost its place"
        keep = [
            self.plan.cands.candidates[i]
            for i in self.plan.cands.by_project.get(pid, [])
            if placement_of(self.plan.cands.candidates[i]) == b
        ]
        if not keep:
            return (
                "rule_changed",
                f"{where}：原载体 {text_of(b)} 在本情景中已不可用（规划调整、保留载体或准入条件变化）",
                f"{where_en}: its former carrier {text_of(b)} is no longer allowed in this "
                "scenario (rezoning, a withheld carrier or a changed rule)",
                {"before": text_of(b), "candidate": False},
            )
        k = max(keep, key=lambda x: x.coef)
        over = [key for led in self.left for key in led.over(k)]
        taken = sorted({self.holders[x] for x in over if isinstance(x, str) and x in self.holders})
        rows = sorted(x for x in over if isinstance(x, tuple))
        if rows:
            return self._quota(pid, k, rows, where, where_en, moved)
        if taken:
            who = "、".join(f"{t}（{self._name(t)}）" for t in taken)
            return (
                "displaced",
                f"{where}：为 {who} 腾出原载体 {text_of(b)}",
                f"{where_en}: to make room on {text_of(b)} for {', '.join(taken)}",
                {"before": text_of(b), "takers": taken},
            )
        if c is not None and c.coef > k.coef:
            return (
                "better",
                f"{where}：原载体仍可用，新载体得分更高（{c.coef} 分，原 {k.coef} 分）",
                f"{where_en}: its former carrier is still free; the new one scores more "
                f"({c.coef} points against {k.coef})",
                {"before": text_of(b), "points_new": c.coef, "points_old": k.coef},
            )
        return self._unattributed(where, where_en, {"before": text_of(b), "fits": True})

    def _quota(
        self,
        pid: str,
        k: Candidate,
        rows: list[tuple[int, str]],
        where: str,
        where_en: str,
        moved: bool,
    ) -> _Out:
        key = rows[0]
        q_new = self.plan.quotas.get(key, 0)
        q_ref = self.ref.quotas.get(key, q_new)
        stock = stock_areas(self.instance)
        used = sum(
            quota_cmu(x, stock)
            for x in self.plan.chosen
            if x.project_id != pid and x.year == key[0] and (key[1] == "*" or x.zone == key[1])
        )
        need = quota_cmu(k, stock)
        facts: dict[str, Any] = {
            "year": key[0],
            "zone": key[1],
            "quota_ref_mu": cmu_to_mu(q_ref),
            "quota_mu": cmu_to_mu(q_new),
            "used_mu": cmu_to_mu(used),
            "need_mu": cmu_to_mu(need),
        }
        d = cmu_to_mu(q_ref - q_new)
        if d > 0:
            zh_q = f"{self._row(key, True)}用地指标减少 {d:g} 亩（{cmu_to_mu(q_ref):g} → {cmu_to_mu(q_new):g} 亩）"
            en_q = f"the {self._row(key, False)} quota is down by {d:g} mu ({cmu_to_mu(q_ref):g} → {cmu_to_mu(q_new):g})"
        else:
            zh_q = f"{self._row(key, True)}用地指标 {cmu_to_mu(q_new):g} 亩"
            en_q = f"the {self._row(key, False)} quota is {cmu_to_mu(q_new):g} mu"
        zh = f"{where}：{zh_q}，其他项目已用 {cmu_to_mu(used):g} 亩，余量不足其所需 {cmu_to_mu(need):g} 亩"
        en = f"{where_en}: {en_q}; other projects use {cmu_to_mu(used):g} mu, too little is left for its {cmu_to_mu(need):g} mu"
        if not moved and need:
            kept = [
                x
                for x in self.plan.chosen
                if x.land_cmu and x.year == key[0] and (key[1] == "*" or x.zone == key[1])
            ]
            own = k.coef / cmu_to_mu(need)
            avg = (
                sum(x.coef for x in kept) / cmu_to_mu(sum(x.land_cmu for x in kept))
                if kept
                else 0.0
            )
            facts |= {"points": k.coef, "ppm": round(own, 2), "kept_ppm": round(avg, 2)}
            zh += f"；其每亩得分 {own:.2f}（{k.coef} 分），该指标内保留项目平均每亩 {avg:.2f} 分"
            en += f"; it scores {own:.2f} points/mu ({k.coef} points) against {avg:.2f} on average for the projects kept under that quota"
        return "quota", zh, en, facts

    def gained(self, pid: str, c: Candidate) -> _Out:
        was = self.ref.reasons.get(pid, "")
        a = text_of(placement_of(c))
        if was in ("no_candidate", "not_ready", "stage_excluded", "out_of_horizon"):
            return (
                "rule_changed",
                f"新增落地于 {a}：基准情景中没有符合条件的载体（原因代码 {was}），本情景的规划、载体或规则调整后可落地",
                f"placed on {a}: it had no compatible carrier in the reference ({was}); the "
                "scenario's rezoning, carriers or rules admit it",
                {"after": a, "reference_reason": was},
            )
        held = sorted(
            {self.ref_holders[cid] for cid in c.carriers if cid in self.ref_holders} - {pid}
        )
        if held:
            who = "、".join(f"{t}（{self._name(t)}）" for t in held)
            return (
                "freed",
                f"新增落地于 {a}：该载体在基准方案中由 {who} 占用，本情景中已调整",
                f"placed on {a}: the carrier was held in the reference by {', '.join(held)}, "
                "which moved or lost its place",
                {"after": a, "held_by": held},
            )
        key = (c.year, "*")
        q_new, q_ref = self.plan.quotas.get(key, 0), self.ref.quotas.get(key, 0)
        if c.land_cmu and q_new > q_ref:
            d = cmu_to_mu(q_new - q_ref)
            return (
                "freed",
                f"新增落地于 {a}：{self._row(key, True)}用地指标增加 {d:g} 亩",
                f"placed on {a}: the {self._row(key, False)} quota is up by {d:g} mu",
                {"after": a, "year": c.year, "zone": "*", "quota_up_mu": d},
            )
        return self._unattributed(f"新增落地于 {a}", f"placed on {a}", {"after": a})

    @staticmethod
    def _unattributed(where: str, where_en: str, facts: dict[str, Any]) -> _Out:
        return (
            "unattributed",
            f"{where}：无法归因于单一变化（得分相同的方案之间的选择，或求解未证明最优）",
            f"{where_en}: not attributable to one change (a choice between plans of equal "
            "score, or a solve not proven optimal)",
            facts,
        )
