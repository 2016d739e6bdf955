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

from geodata.instance import Instance
from geodata.schema import UNASSIGNED_COLUMNS
from geodata.units import WAN_PER_YI, cmu_to_mu
from optimizer.candidates import RULE_NAMES, Candidate
from optimizer.solution import Solution


def _usage(
    instance: Instance, chosen: list[Candidate]
) -> tuple[dict[str, list[str]], dict[str, int], dict[str, int], dict[tuple[int, str], int]]:
    holders: dict[str, list[str]] = defaultdict(list)
    parcel_left = {p.parcel_id: p.area_cmu for p in instance.parcels}
    floor_left = {f.factory_id: f.floor_m2 for f in instance.factories}
    land_used: dict[tuple[int, str], int] = defaultdict(int)
    for c in chosen:
        for cid in c.carriers:
            holders[cid].append(c.project_id)
            if c.kind == "factory":
                floor_left[cid] -= c.floor_m2
            else:
                parcel_left[cid] -= c.land_cmu if len(c.carriers) == 1 else parcel_left[cid]
        if c.land_cmu:
            land_used[(c.year, "*")] += c.land_cmu
            land_used[(c.year, c.zone)] += c.land_cmu
    return holders, parcel_left, floor_left, land_used


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
    cands = solution.cands
    holders, parcel_left, floor_left, used = _usage(instance, solution.chosen)
    divisible = {p.parcel_id: p.divisible for p in instance.parcels}
    quotas = solution.quotas
    last = max(solution.years) if solution.years else 0
    names = {p.project_id: p.name for p in instance.projects}
    rows = []
    for p in instance.projects:
        if p.project_id in placed:
            continue
        idx = cands.by_project.get(p.project_id, [])
        exc: dict[str, int] = dict(cands.excluded.get(p.project_id, {}))
        if p.start_year > last:
            code, zh, en = (
                "out_of_horizon",
                f"计划开工年份 {p.start_year} 晚于规划期末 {last} 年",
                f"start year {p.start_year} is after the last planning year {last}",
            )
        elif not idx and exc.get("stage"):
            code, zh, en = (
                "stage_excluded",
                "本情景不安排在谈项目",
                "the scenario excludes negotiating projects",
            )
        elif not idx:
            parts = sorted(((n, r) for r, n in exc.items() if n), key=lambda t: (-t[0], t[1]))
            if exc.get("readiness") and p.ready_to_build:
                code = "not_ready"
                zh = (
                    f"拿地即开工项目：{exc['readiness']} 宗其他条件符合的地块在开工前未完成"
                    "七通一平/规划/区域评估等前置条件"
                )
                en = (
                    f"start-on-acquisition project: {exc['readiness']} otherwise suitable "
                    "parcels are not ready by its start"
                )
            else:
                code = "no_candidate"
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
        else:
            code, zh, en = _competition(
                [cands.candidates[i] for i in idx],
                holders,
                parcel_left,
                floor_left,
                used,
                quotas,
                divisible,
                names,
                zone_names or {},
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
            }
        )
    return pd.DataFrame(rows, columns=list(UNASSIGNED_COLUMNS))


def _competition(
    options: list[Candidate],
    holders: dict[str, list[str]],
    parcel_left: dict[str, int],
    floor_left: dict[str, int],
    used: dict[tuple[int, str], int],
    quotas: dict[tuple[int, str], int],
    divisible: dict[str, bool],
    names: dict[str, str],
    zone_names: Mapping[str, tuple[str, str]],
) -> tuple[str, str, str]:
    quota_years: set[tuple[int, str]] = set()
    takers: set[str] = set()
    free_with_room = False
    for c in options:
        free = True
        for cid in c.carriers:
            if c.kind == "factory":
                if floor_left[cid] < c.floor_m2:
                    free = False
                    takers.update(holders[cid])
            elif (divisible.get(cid) and parcel_left[cid] < c.land_cmu) or (
                not divisible.get(cid) and holders.get(cid)
            ):
                free = False
                takers.update(holders[cid])
        if not free:
            continue
        if c.land_cmu:
            over = [
                key
                for key in ((c.year, "*"), (c.year, c.zone))
                if key in quotas or key[1] == "*"
                if used.get(key, 0) + c.land_cmu > quotas.get(key, 0)
            ]
            if over:
                quota_years.update(over)
                continue
        free_with_room = True
    if free_with_room:
        return (
            "not_selected",
            "求解未达最优，该项目仍有可用载体与指标，可延长求解时间",
            "the solution is not optimal; a free carrier with quota room remains",
        )
    if quota_years:

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
            ", ".join(label(k, False) for k in ks)
            + " land quota exhausted by higher-priority projects"
        )
        if takers:
            zh += f"；其余候选载体已被占用（{_who(takers, names, True)}）"
            en += f"; its other candidate carriers are taken ({_who(takers, names, False)})"
        return "quota_exhausted", zh, en
    return (
        "outcompeted",
        f"其候选载体均被更高优先级项目占用：{_who(takers, names, True)}",
        f"all its candidate carriers went to higher-priority projects: {_who(takers, names, False)}",
    )


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
