"""Locked decisions: pinned placements and withheld carriers.

Formulation: a withheld carrier c has no candidate (x_i = 0 for every i using c, applied by
pruning with rule ``withheld``); a pinned project p → c keeps only candidates using c and must be
placed (``pin[p]`` in :mod:`assignment`). This module resolves the pins and explains a pin whose
carrier was excluded by a static rule, before any model is built.
"""

from __future__ import annotations

import numpy as np

from geodata.instance import Instance
from optimizer.arrays import factory_arrays, parcel_arrays
from optimizer.candidates import RULE_NAMES, CandidateSet
from optimizer.constraints import specs, standard_land, timing, zoning
from optimizer.readiness import RuleSet
from optimizer.settings import Policy


def resolve_pins(instance: Instance, policy: Policy) -> dict[str, str]:
    """Project → pinned carrier, from the data's ``pinned_carrier`` and the scenario's pins."""
    pins = {p.project_id: p.pinned_carrier for p in instance.projects if p.pinned_carrier}
    pins.update(policy.pins)
    return dict(sorted(pins.items()))


def pin_conflicts(
    instance: Instance,
    cands: CandidateSet,
    pins: dict[str, str],
    years: tuple[int, ...],
    rules: RuleSet,
    policy: Policy,
) -> list[tuple[str, str]]:
    """Pins that have no candidate at all, each with the rules that exclude the carrier."""
    out: list[tuple[str, str]] = []
    par, fac = parcel_arrays(instance), factory_arrays(instance)
    for pid, cid in pins.items():
        if pid not in cands.by_project:
            out.append((f"锁定的项目 {pid} 不存在", f"pinned project {pid} does not exist"))
            continue
        if cands.by_project[pid]:
            continue
        project = instance.project(pid)
        failed: list[str] = []
        if cid in policy.withheld:
            failed.append("withheld")
        if cid in par.ids:
            i = par.ids.index(cid)
            masks = [*zoning.masks(project, par), *standard_land.masks(project, par, policy)]
            if not project.wants_land:
                failed.append("area")
            ready = timing.ready_ordinal(project, par, rules)
            year_rules = timing.year_masks(project, par, years, rules, ready)
        elif cid in fac.ids:
            i = fac.ids.index(cid)
            masks = [*zoning.masks(project, fac), *specs.masks(project, fac)]
            if not project.wants_factory:
                failed.append("floor_area")
            year_rules = timing.year_masks(project, fac, years, rules, None)
        else:
            out.append(
                (
                    f"项目 {pid} 锁定的载体 {cid} 不存在",
                    f"project {pid} is pinned to carrier {cid}, which does not exist",
                )
            )
            continue
        failed += [name for name, m in masks if not bool(m[i])]
        if not failed:
            for name in timing.RULES:
                fails_all = all(
                    not bool(np.asarray(m)[i])
                    for ms in year_rules.values()
                    for n, m in ms
                    if n == name
                )
                if fails_all and any(n == name for ms in year_rules.values() for n, _ in ms):
                    failed.append(name)
        names_zh = "、".join(RULE_NAMES[r][0] for r in dict.fromkeys(failed)) or "无候选年份"
        names_en = ", ".join(RULE_NAMES[r][1] for r in dict.fromkeys(failed)) or "no year"
        out.append(
            (
                f"项目 {pid} 锁定到 {cid}，但该载体不符合规则：{names_zh}",
                f"project {pid} is pinned to {cid}, which breaks: {names_en}",
            )
        )
    return out
