"""Locked decisions: withheld carriers, the stages that take part, pinned placements (static).

Formulation: a withheld carrier c has no candidate (x_i = 0 for every i using c), and neither
has a negotiating project when the scenario excludes them, unless it is pinned::

    c ∉ withheld
    stage(p) ≠ negotiating  or  include_negotiating  or  p pinned

What is already committed is never planned again: a parcel already supplied (已供地) has no
candidate, and neither has a project that already holds supplied land::

    c not supplied
    p holds no supplied parcel

A pinned project p → c keeps only candidates using c and must be placed (``pin[p]`` in
:mod:`assignment`). This module also resolves the pins and explains a pin whose carrier the rules
exclude, before any model is built.

Rule codes: ``withheld``, ``stage``, ``supplied``, ``committed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

# the registry lists this module: its names are looked up when the pin checks run
import optimizer.constraints as registry
from geodata.instance import Instance, Project
from optimizer.arrays import CarrierArrays, factory_arrays, parcel_arrays
from optimizer.readiness import RuleSet
from optimizer.settings import Policy

if TYPE_CHECKING:
    from optimizer.candidate import CandidateSet

CODE = "locks"
RULE_NAMES: dict[str, tuple[str, str]] = {
    "withheld": ("载体被保留（不供应）", "carrier withheld"),
    "stage": ("在谈项目不参与本情景", "negotiating projects excluded by the scenario"),
    "supplied": ("地块已供地（不再重新安排）", "parcel already supplied (not planned again)"),
    "committed": (
        "项目已供地（不再重新安排）",
        "project already supplied land (not planned again)",
    ),
}
RULES = tuple(RULE_NAMES)
PER_MEMBER = True

#: The last withheld mask of each kind of carrier: (its ids, the withheld set, the mask). The
#: candidate builder asks once per project; the ids are the same list object every time.
_HELD: dict[str, tuple[list[str], frozenset[str], np.ndarray]] = {}


def stage_ok(project: Project, policy: Policy) -> bool:
    """The project takes part in the scenario (negotiating ones only when included or pinned)."""
    pinned = project.project_id in policy.pins or bool(project.pinned_carrier)
    return policy.include_negotiating or project.stage != "negotiating" or pinned


def withheld_mask(arr: CarrierArrays, policy: Policy) -> np.ndarray:
    """Carriers the scenario withholds (read-only: the last one of each kind is reused)."""
    if not policy.withheld:
        return np.zeros(len(arr), dtype=bool)
    last = _HELD.get(arr.kind)
    if last is not None and last[0] is arr.ids and last[1] is policy.withheld:
        return last[2]
    mask = np.array([c in policy.withheld for c in arr.ids], dtype=bool)
    mask.flags.writeable = False
    _HELD[arr.kind] = (arr.ids, policy.withheld, mask)
    return mask


def masks(project: Project, arr: CarrierArrays, policy: Policy) -> list[tuple[str, np.ndarray]]:
    """Pass-masks over the carriers of ``arr``: not withheld, the project's stage takes part, the
    carrier is not already supplied and the project holds no supplied land."""
    supplied = arr.supplied if arr.kind == "parcel" else np.zeros(len(arr), dtype=bool)
    return [
        ("withheld", ~withheld_mask(arr, policy)),
        ("stage", np.full(len(arr), stage_ok(project, policy))),
        ("supplied", ~supplied),
        ("committed", np.full(len(arr), not project.supplied_parcels)),
    ]


def group_masks(
    project: Project, arr: CarrierArrays, members: np.ndarray, total: int, policy: Policy
) -> list[tuple[str, np.ndarray]]:
    """None: every member of a group passes :func:`masks` (``PER_MEMBER``)."""
    return []


def detail(
    rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
) -> tuple[str, str]:
    """No numbers: the rule's name says it all."""
    return ("", "")


def resolve_pins(instance: Instance, policy: Policy) -> dict[str, str]:
    """Project → pinned carrier, from the data's ``pinned_carrier`` and the scenario's pins.

    A project that already holds supplied land is committed: the data's pin of it is dropped."""
    pins = {
        p.project_id: p.pinned_carrier
        for p in instance.projects
        if p.pinned_carrier and not p.supplied_parcels
    }
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
    arrays = (parcel_arrays(instance), factory_arrays(instance))
    for pid, cid in pins.items():
        if pid not in cands.by_project:
            out.append((f"锁定的项目 {pid} 不存在", f"pinned project {pid} does not exist"))
            continue
        if cands.by_project[pid]:
            continue
        arr = next((a for a in arrays if cid in a.ids), None)
        if arr is None:
            out.append(
                (
                    f"项目 {pid} 锁定的载体 {cid} 不存在",
                    f"project {pid} is pinned to carrier {cid}, which does not exist",
                )
            )
            continue
        failed = _broken(instance.project(pid), arr, arr.ids.index(cid), years, rules, policy)
        names = registry.RULE_NAMES
        names_zh = "、".join(names[r][0] for r in dict.fromkeys(failed)) or "无候选年份"
        names_en = ", ".join(names[r][1] for r in dict.fromkeys(failed)) or "no year"
        out.append(
            (
                f"项目 {pid} 锁定到 {cid}，但该载体不符合规则：{names_zh}",
                f"project {pid} is pinned to {cid}, which breaks: {names_en}",
            )
        )
    return out


def _broken(
    project: Project,
    arr: CarrierArrays,
    i: int,
    years: tuple[int, ...],
    rules: RuleSet,
    policy: Policy,
) -> list[str]:
    """The rules of every family that exclude carrier ``i`` of ``arr`` for ``project``.

    The static rules first (a carrier of a kind the project does not use fails ``area`` or
    ``floor_area``, after this family's own rules); the year rules only when those all pass, each
    when it fails in every planning year.
    """
    failed = [name for name, m in registry.static_masks(project, arr, policy) if not bool(m[i])]
    if not registry.wants(project, arr):
        kind_rule = "area" if arr.kind == "parcel" else "floor_area"
        failed.insert(sum(r in RULE_NAMES for r in failed), kind_rule)
    if failed or not years:
        return failed
    ready = registry.ready_dates(project, arr, rules)
    for name, m in registry.year_masks(project, arr, np.array([i]), years, ready, rules):
        if not bool(np.asarray(m)[:, 0].any()):
            failed.append(name)
    return failed
