"""Explanations: why each unplaced project got no carrier, and each placed one's runner-ups.

Pure functions of (instance, solution). Reason codes:

``no_candidate``      no carrier passes the static rules (each rule's count of excluded carriers)
``not_ready``         a 拿地即开工 project whose compatible parcels are not ready in time
``out_of_horizon``    the project starts after the last planning year
``stage_excluded``    negotiating projects are excluded by the scenario
``quota_exhausted``   a free candidate carrier exists, but the year's quota (district or zone) is
                      used up: the quota, the land used and the land it needs
``outcompeted``       every candidate carrier is taken by other projects (named)
``not_selected``      a free candidate with quota room remains (only with a non-optimal solution)

A project already supplied land (已供地, ``supplied_parcels``) is committed, not unplaced: it has
no row. The quotas a reason states are what the plan may still use; the quota this year has
already used (the data's ``used_mu``) is named after them.

The last three get, when given, the counterfactual of :mod:`optimizer.counterfactual`: what
placing the project would cost the plan, in points, and which projects would have to go or move.
The reasons claim nothing about priorities that the numbers do not show. Each row's ``facts``
(JSON) holds the figures and project ids its words state, for the reason audit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping

import pandas as pd

from geodata.instance import Instance, Project
from geodata.schema import UNASSIGNED_COLUMNS
from geodata.units import WAN_PER_YI, cmu_to_mu
from optimizer.candidate import Candidate, CandidateSet
from optimizer.constraints import RULE_NAMES, ledgers
from optimizer.constraints.clashes import site_notes
from optimizer.constraints.family import Ledger
from optimizer.constraints.quota import QuotaLedger
from optimizer.counterfactual import Counterfactual
from optimizer.solution import Solution

#: (reason code, Chinese, English, facts)
_Reason = tuple[str, str, str, dict]


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
    counterfactuals: Mapping[str, Counterfactual] | None = None,
) -> pd.DataFrame:
    """One row per unplaced project: project_id, reason_code, reason (Chinese), reason_en, …,
    and ``facts`` (JSON: the figures the reason states).

    ``zone_names`` (zone code → (Chinese name, English name)) names the zones in the reasons;
    a zone without a name (or named by its code) is shown as 片区 and its code.
    ``counterfactuals`` (:func:`optimizer.counterfactual.counterfactuals`) add the cost of placing
    each project to its reason.
    """
    placed = solution.placed()
    holders, left = _usage(instance, solution.quotas, solution.chosen)
    last = max(solution.years) if solution.years else 0
    names = {p.project_id: p.name for p in instance.projects}
    committed = {(q.year, q.zone): q.used_cmu for q in instance.quotas if q.used_cmu}
    rows = []
    for p in instance.projects:
        if p.project_id in placed or p.supplied_parcels:  # supplied already: committed
            continue
        code, zh, en, facts = _reason(
            p, solution.cands, last, holders, left, names, zone_names or {}
        )
        if code == "quota_exhausted" and committed:
            zh, en, facts = _committed_note(zh, en, facts, committed, zone_names or {})
        zh, en, facts = _with_site_note(p, instance, zh, en, facts)  # 邻避: sensitive sites
        cf = (counterfactuals or {}).get(p.project_id)
        if cf is not None and code in ("quota_exhausted", "outcompeted", "not_selected"):
            zh, en, facts = (
                zh + _cf_text(cf, names, True),
                en + _cf_text(cf, names, False),
                {
                    **facts,
                    "counterfactual": _cf_facts(cf),
                },
            )
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
                "facts": json.dumps(facts, ensure_ascii=False, sort_keys=True),
            }
        )
    return pd.DataFrame(rows, columns=[*UNASSIGNED_COLUMNS, "facts"])


def _committed_note(
    zh: str,
    en: str,
    facts: dict,
    committed: Mapping[tuple[int, str], int],
    zone_names: Mapping[str, tuple[str, str]],
) -> tuple[str, str, dict]:
    """A quota reason with the quota already used this year before the plan (the quotas it
    states are what the plan may still use): the words and ``committed_mu`` in the facts."""
    rows = facts.get("quota", [])
    for q in rows:
        q["committed_mu"] = cmu_to_mu(committed.get((q["year"], q["zone"]), 0))
    shown = [q for q in rows if q["committed_mu"]]
    if not shown:
        return zh, en, facts

    def where(q: dict, k: int) -> str:
        named = zone_names.get(q["zone"], ("", ""))[k]
        if q["zone"] == "*":
            return ("全区", "district")[k]
        if named and named != q["zone"]:
            return named
        return (f"{q['zone']}片区", f"zone {q['zone']}")[k]

    where_zh = "、".join(f"{q['year']} 年{where(q, 0)} {q['committed_mu']:g} 亩" for q in shown)
    where_en = "; ".join(f"{q['year']} {where(q, 1)} {q['committed_mu']:g} mu" for q in shown)
    return (
        f"{zh}（上述指标已扣除年内已用：{where_zh}）",
        f"{en} (the quotas stated are after what this year has already used: {where_en})",
        facts,
    )


def _cf_facts(cf: Counterfactual) -> dict:
    return {
        "status": cf.status,
        "placement": cf.placement,
        "points": cf.points,
        "loss": cf.loss,
        "removed": list(cf.removed),
        "removed_points": cf.removed_points,
        "moved": list(cf.moved),
    }


def _cf_text(cf: Counterfactual, names: dict[str, str], zh: bool) -> str:
    """The counterfactual in words: what placing the project would cost."""
    if cf.status == "skipped":
        return (
            "；强行安排的代价未在计算时限内求出"
            if zh
            else "; the cost of placing it was not computed within the time budget"
        )
    if cf.status == "impossible":
        return (
            "；即使相关项目调整也无法安排该项目"
            if zh
            else "; it cannot be placed even if the projects in its way move"
        )
    who = _who(set(cf.removed), names, zh)
    if cf.loss <= 0:
        return (
            f"；强行安排（本项目 {cf.points} 分）不降低方案得分（求解未证明最优）"
            if zh
            else f"; placing it on {cf.placement} ({cf.points} points) costs nothing (the solve is not proven optimal)"
        )
    year = cf.placement.rsplit("@", 1)[-1]
    zh_t = f"；若强行安排（{year} 年落地，本项目 {cf.points} 分），方案将少 {cf.loss} 分"
    en_t = (
        f"; placing it on {cf.placement} ({cf.points} points) would cost the plan {cf.loss} points"
    )
    if cf.removed:
        zh_t += f"：{who} 需放弃落地（合计 {cf.removed_points} 分）"
        en_t += f": {who} would lose their place ({cf.removed_points} points)"
    if cf.moved:
        zh_t += f"，{len(cf.moved)} 个项目需调整载体"
        en_t += f", {len(cf.moved)} project(s) would move"
    if cf.status == "found":
        zh_t += "（未证明为最小代价）"
        en_t += " (not proven least)"
    return zh_t if zh else en_t


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
            {"start_year": p.start_year, "last_year": last},
        )
    if not idx and exc.get("stage"):
        return (
            "stage_excluded",
            "本情景不安排在谈项目",
            "the scenario excludes negotiating projects",
            {},
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
            {"excluded": exc},
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
    return "no_candidate", zh, en, {"excluded": exc}


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
            {},
        )
    if quota_years:
        return _quota_exhausted(quota_years, takers, names, zone_names, left)
    zh, en, facts = _clash_notes(options, left)  # neighbours that clash (邻避), when any
    return (
        "outcompeted",
        f"其候选载体均已被其他项目占用：{_who(takers, names, True)}{zh}",
        f"all its candidate carriers are taken: {_who(takers, names, False)}{en}",
        {"takers": sorted(takers), **facts},
    )


def _with_site_note(
    p: Project, instance: Instance, zh: str, en: str, facts: dict
) -> tuple[str, str, dict]:
    """A reason with the carriers a sensitive site's buffer kept the project off (邻避)."""
    z, e, f = site_notes(p, instance.clashes)
    return (zh + z, en + e, {**facts, "clash_sites": f}) if z else (zh, en, facts)


def _clash_notes(options: list[Candidate], left: list[Ledger]) -> tuple[str, str, dict]:
    """The clash buffers (邻避) that keep the candidates out, with the distances: words added to
    a reason (the first three, also ``clashes`` in its facts) and how many (``clashes_total``)."""
    notes = [n for c in options for led in left if hasattr(led, "notes") for n in led.notes(c)]
    if not notes:
        return "", "", {}
    more = len(notes) - 3
    zh = (
        "；邻避："
        + "；".join(n[0] for n in notes[:3])
        + (f" 等 {len(notes)} 处" if more > 0 else "")
    )
    en = "; clash buffers: " + "; ".join(n[1] for n in notes[:3])
    facts = {"clashes": [n[2] for n in notes[:3]], "clashes_total": len(notes)}
    return zh, en + (f" and {more} more" if more > 0 else ""), facts


def _quota_exhausted(
    quota_years: set[tuple[int, str]],
    takers: set[str],
    names: dict[str, str],
    zone_names: Mapping[str, tuple[str, str]],
    left: list[Ledger],
) -> _Reason:
    def label(k: tuple[int, str], zh: bool) -> str:
        named = zone_names.get(k[1], ("", ""))[0 if zh else 1]
        if named and named != k[1]:
            return f"{k[0]} 年{named}" if zh else f"{k[0]} {named}"
        if k[1] == "*":
            return f"{k[0]} 年全区" if zh else f"{k[0]} district"
        return f"{k[0]} 年{k[1]}片区" if zh else f"{k[0]} zone {k[1]}"

    ks = sorted(quota_years)
    book = next((led for led in left if isinstance(led, QuotaLedger)), None)
    used = dict(book.used) if book else {}
    quotas = dict(book.quotas) if book else {}
    figures = [(k, cmu_to_mu(quotas.get(k, 0)), cmu_to_mu(used.get(k, 0))) for k in ks]
    zh = "、".join(f"{label(k, True)}用地指标 {q:g} 亩已用 {u:g} 亩" for k, q, u in figures)
    zh += "，余量不足"
    en = "; ".join(f"{label(k, False)} land quota {q:g} mu, {u:g} used" for k, q, u in figures)
    en += ": too little is left"
    facts: dict = {
        "quota": [{"year": k[0], "zone": k[1], "quota_mu": q, "used_mu": u} for k, q, u in figures],
        "takers": sorted(takers),
    }
    if takers:
        zh += f"；其余候选载体已被占用（{_who(takers, names, True)}）"
        en += f"; its other candidate carriers are taken ({_who(takers, names, False)})"
    return "quota_exhausted", zh, en, facts


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
