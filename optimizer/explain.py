"""Explanations: why each unplaced project got no carrier, and each placed one's runner-ups.

Pure functions of (instance, solution). Reason codes:

``no_candidate``      no carrier passes the static rules (each rule's count of excluded carriers)
``not_ready``         a 拿地即开工 project whose compatible parcels are not ready in time
``out_of_horizon``    the project starts after the last planning year
``stage_excluded``    negotiating projects are excluded by the scenario
``quota_exhausted``   a free candidate carrier exists, but the year's quota (district or zone) is
                      used up by higher-priority placements
``outcompeted``       every candidate carrier is taken by other (higher-priority) projects
``not_selected``      a free candidate with quota room remains (only with a non-optimal solution)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pandas as pd

from geodata.instance import Instance, Project
from geodata.schema import UNASSIGNED_COLUMNS
from geodata.units import WAN_PER_YI, cmu_to_mu
from optimizer.candidate import Candidate, CandidateSet
from optimizer.constraints import RULE_NAMES, ledgers
from optimizer.constraints.family import Ledger
from optimizer.solution import Solution

#: (reason code, Chinese, English)
_Reason = tuple[str, str, str]


def _usage(
    instance: Instance, quotas: Mapping[tuple[int, str], int], chosen: list[Candidate]
) -> tuple[dict[str, list[str]], list[Ledger]]:
    """Who holds each carrier, and the model families' ledgers after the chosen placements."""
    holders: dict[str, list[str]] = defaultdict(list)
    left = ledgers(instance, quotas)
    for c in chosen:
        for cid in c.carriers:
            holders[cid].append(c.project_id)
        for led in left:
            led.take(c)
    return holders, left


def unassigned_table(
    instance: Instance,
    solution: Solution,
    zone_names: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """One row per unplaced project: project_id, reason_code, reason (Chinese), reason_en, …

    ``zone_names`` (zone code → (Chinese name, English name)) names the zones in the reasons;
    a zone without a name (or named by its code) is shown as 片区 and its code.
    """
    placed = solution.placed()
    holders, left = _usage(instance, solution.quotas, solution.chosen)
    last = max(solution.years) if solution.years else 0
    names = {p.project_id: p.name for p in instance.projects}
    rows = []
    for p in instance.projects:
        if p.project_id in placed:
            continue
        code, zh, en = _reason(p, solution.cands, last, holders, left, names, zone_names or {})
        rows.append(
            {
                "project_id": p.project_id,
                "name": p.name,
                "company": p.company,
                "cluster": p.cluster,
                "stage": p.stage,
                "investment_yi": p.investment_wan / WAN_PER_YI,
                "land_mu": cmu_to_mu(p.land_cmu),
                "floor_m2": p.floor_m2,
                "reason_code": code,
                "reason": zh,
                "reason_en": en,
            }
        )
    return pd.DataFrame(rows, columns=list(UNASSIGNED_COLUMNS))


def _reason(
    p: Project,
    cands: CandidateSet,
    last: int,
    holders: dict[str, list[str]],
    left: list[Ledger],
    names: dict[str, str],
    zone_names: Mapping[str, tuple[str, str]],
) -> _Reason:
    """Why the unplaced project ``p`` got no carrier."""
    idx = cands.by_project.get(p.project_id, [])
    exc: dict[str, int] = dict(cands.excluded.get(p.project_id, {}))
    if p.start_year > last:
        return (
            "out_of_horizon",
            f"计划开工年份 {p.start_year} 晚于规划期末 {last} 年",
            f"start year {p.start_year} is after the last planning year {last}",
        )
    if not idx and exc.get("stage"):
        return (
            "stage_excluded",
            "本情景不安排在谈项目",
            "the scenario excludes negotiating projects",
        )
    if not idx:
        return _no_candidate(p, exc)
    options = [cands.candidates[i] for i in idx]
    return _competition(options, holders, left, names, zone_names)


def _no_candidate(p: Project, exc: dict[str, int]) -> _Reason:
    """No carrier passes the static rules: the rules, each with the carriers it excluded."""
    parts = sorted(((n, r) for r, n in exc.items() if n), key=lambda t: (-t[0], t[1]))
    if exc.get("readiness") and p.ready_to_build:
        return (
            "not_ready",
            f"拿地即开工项目：{exc['readiness']} 宗其他条件符合的地块在开工前未完成"
            "七通一平/规划/区域评估等前置条件",
            f"start-on-acquisition project: {exc['readiness']} otherwise suitable "
            "parcels are not ready by its start",
        )
    if p.wants_land and not p.wants_factory:
        need_zh, need_en = (
            f"需地 {cmu_to_mu(p.land_cmu):g} 亩",
            f"needs {cmu_to_mu(p.land_cmu):g} mu",
        )
    elif p.wants_factory and not p.wants_land:
        need_zh, need_en = (
            f"需厂房 {p.floor_m2:,} ㎡",
            f"needs {p.floor_m2:,} m² of factory",
        )
    else:
        need_zh, need_en = "", ""
    zh = (
        f"没有符合条件的载体（{need_zh}）："
        + "、".join(f"{RULE_NAMES[r][0]} {n} 个" for n, r in parts)
        if parts
        else "没有可用的载体"
    )
    en = (
        f"no compatible carrier ({need_en}): "
        + ", ".join(f"{RULE_NAMES[r][1]}: {n}" for n, r in parts)
        if parts
        else "no carrier at all"
    )
    return "no_candidate", zh, en


def _competition(
    options: list[Candidate],
    holders: dict[str, list[str]],
    left: list[Ledger],
    names: dict[str, str],
    zone_names: Mapping[str, tuple[str, str]],
) -> _Reason:
    """Why none of the project's candidates was placed: what each would overfill (the model
    families' ledgers after the placements): a carrier taken, or a quota used up."""
    quota_years: set[tuple[int, str]] = set()
    takers: set[str] = set()
    free_with_room = False
    for c in options:
        over = [key for led in left for key in led.over(c)]
        taken = [key for key in over if isinstance(key, str)]
        if taken:
            for cid in taken:
                takers.update(holders[cid])
            continue
        rows = [key for key in over if isinstance(key, tuple)]
        if rows:
            quota_years.update(rows)
            continue
        free_with_room = True
    if free_with_room:
        return (
            "not_selected",
            "求解未达最优，该项目仍有可用载体与指标，可延长求解时间",
            "the solution is not optimal; a free carrier with quota room remains",
        )
    if quota_years:
        return _quota_exhausted(quota_years, takers, names, zone_names)
    return (
        "outcompeted",
        f"其候选载体均被更高优先级项目占用：{_who(takers, names, True)}",
        f"all its candidate carriers went to higher-priority projects: {_who(takers, names, False)}",
    )


def _quota_exhausted(
    quota_years: set[tuple[int, str]],
    takers: set[str],
    names: dict[str, str],
    zone_names: Mapping[str, tuple[str, str]],
) -> _Reason:
    def label(k: tuple[int, str], zh: bool) -> str:
        named = zone_names.get(k[1], ("", ""))[0 if zh else 1]
        if named and named != k[1]:
            return f"{k[0]} 年{named}" if zh else f"{k[0]} {named}"
        if k[1] == "*":
            return f"{k[0]} 年全区" if zh else f"{k[0]} district"
        return f"{k[0]} 年{k[1]}片区" if zh else f"{k[0]} zone {k[1]}"

    ks = sorted(quota_years)
    zh = "、".join(label(k, True) for k in ks) + "用地指标已被更高优先级项目用尽"
    en = (
        ", ".join(label(k, False) for k in ks) + " land quota exhausted by higher-priority projects"
    )
    if takers:
        zh += f"；其余候选载体已被占用（{_who(takers, names, True)}）"
        en += f"; its other candidate carriers are taken ({_who(takers, names, False)})"
    return "quota_exhausted", zh, en


def _who(ids: set[str], names: dict[str, str], zh: bool) -> str:
    s = sorted(ids)
    shown = ", ".join(f"{i}（{names.get(i, '')}）" if zh else i for i in s[:5])
    more = len(s) - 5
    if more > 0:
        shown += f" 等 {len(s)} 个" if zh else f" and {more} more"
    return shown


def runner_ups(solution: Solution, k: int = 3) -> dict[str, str]:
    """Project → its best other carriers (by objective coefficient), as text."""
    out: dict[str, str] = {}
    for pid, c in solution.placed().items():
        seen: dict[tuple[str, ...], Candidate] = {}
        for i in solution.cands.by_project[pid]:
            o = solution.cands.candidates[i]
            if o.carriers == c.carriers:
                continue
            if o.carriers not in seen or o.coef > seen[o.carriers].coef:
                seen[o.carriers] = o
        best = sorted(seen.values(), key=lambda o: (-o.coef, o.carriers))[:k]
        out[pid] = "; ".join(f"{'+'.join(o.carriers)}@{o.year}" for o in best)
    return out
