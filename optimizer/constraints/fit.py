"""One definition of "a project fits a carrier": the static rules, their names and their reasons.

The rules live in the static families of the registry (:mod:`optimizer.constraints`), each with
its names and the numbers behind a failure; this module asks the question for everyone who asks
it: the candidate builder (:mod:`optimizer.candidates`) and the ranking of the parcels for one
project (:mod:`optimizer.views.ranking`). A (project, carrier) pair fits when every mask of
:func:`static_masks` passes; the year rules (:mod:`timing`) and the quotas come after.

This module imports neither :mod:`optimizer.candidates` nor the readiness views, so both can
import it.
"""

from __future__ import annotations

import numpy as np

import optimizer.constraints as registry
from geodata.instance import Project
from geodata.units import cmu_to_mu
from optimizer.arrays import CarrierArrays
from optimizer.constraints import OWNER, RULE_NAMES, wants
from optimizer.constraints.locks import stage_ok, withheld_mask
from optimizer.settings import Policy

__all__ = [
    "RULE_NAMES",
    "misfits",
    "reason",
    "stage_ok",
    "static_masks",
    "wants",
    "withheld_mask",
]


def static_masks(
    project: Project,
    arr: CarrierArrays,
    policy: Policy,
    withheld: np.ndarray | None = None,
    stage: bool | None = None,
) -> list[tuple[str, np.ndarray]]:
    """Pass-masks over the carriers of ``arr`` for every static rule, in rule order.

    The masks of the registry's static families (:func:`optimizer.constraints.static_masks`).
    ``withheld`` (:func:`withheld_mask`) and ``stage`` (:func:`stage_ok`), which callers written
    before the registry pass, stand for the locks family's own ``withheld`` and ``stage`` masks
    when given; new code leaves them out.
    """
    masks = registry.static_masks(project, arr, policy)
    given: dict[str, np.ndarray] = {}
    if withheld is not None:
        given["withheld"] = ~withheld
    if stage is not None:
        given["stage"] = np.full(len(arr), stage)
    return [(name, given.get(name, m)) for name, m in masks] if given else masks


def _carrier_detail(project: Project) -> tuple[str, str]:
    land = f"{cmu_to_mu(project.land_cmu):g}"
    return (
        f"载体类型 {project.carrier}，用地 {land} 亩，厂房 {project.floor_m2:,} m²",
        f"carrier {project.carrier}, land {land} mu, floor {project.floor_m2:,} m²",
    )


def reason(
    rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
) -> tuple[str, str]:
    """A failed rule on carrier ``i`` in words (zh, en): its name, then the numbers."""
    name_zh, name_en = RULE_NAMES[rule]
    if rule == "carrier":
        zh, en = _carrier_detail(project)
    elif rule in OWNER:
        zh, en = OWNER[rule].detail(rule, project, arr, i, policy)
    else:
        zh, en = "", ""
    return (f"{name_zh}：{zh}" if zh else name_zh, f"{name_en}: {en}" if en else name_en)


def misfits(project: Project, arr: CarrierArrays, policy: Policy) -> list[list[tuple[str, str]]]:
    """Per carrier of ``arr``: every static rule the project breaks, in words; empty = it fits.

    The same masks as the candidate builder's (:func:`static_masks`), plus ``carrier`` when the
    project does not use this kind of carrier at all (the builder then skips it).
    """
    masks = static_masks(project, arr, policy)
    if not wants(project, arr):
        masks.insert(0, ("carrier", np.zeros(len(arr), dtype=bool)))
    ok = np.ones(len(arr), dtype=bool)
    for _, m in masks:
        ok &= m
    out: list[list[tuple[str, str]]] = [[] for _ in range(len(arr))]
    for i in np.flatnonzero(~ok).tolist():
        out[i] = [reason(name, project, arr, i, policy) for name, m in masks if not bool(m[i])]
    return out
