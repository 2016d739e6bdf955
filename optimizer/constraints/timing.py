"""Time rules: planning horizon, carrier availability and 拿地即开工 readiness (static).

For a placement of project p on carrier c in year y (y in the planning years Y)::

    y ≥ start_year(p)                     (a project is not supplied before it wants to start)
    y ≥ available_year(c)                 (收储/cleared, or the building finished)
    ready_to_build(p) ⇒ R(p, c) ≤ max(A(y), S(p))      (parcels only)

with A(y) = 1 January of y + transfer days (the land contract), S(p) = 1 January of the desired
start year, and R(p, c) the latest date among the preconditions that apply to p (the readiness
rule set of :mod:`optimizer.readiness`; an unscheduled precondition makes R infinite). The earliest
start of a placement is max(A(y), S(p), R(p, c)); for factories max(1 January of y, S(p)).

Rule codes: ``horizon``, ``available``, ``readiness``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from geodata.instance import Project
from optimizer.arrays import NEVER, CarrierArrays
from optimizer.readiness import RuleSet

RULES = ("horizon", "available", "readiness")


def applicable_items(project: Project, rules: RuleSet) -> list[str]:
    """Readiness item keys (``power``, ``gas`` …) that apply to the project."""
    return list(dict.fromkeys(pre.item for pre in rules.applicable(project.needs)))


def ready_ordinal(project: Project, arr: CarrierArrays, rules: RuleSet) -> np.ndarray:
    """Per parcel: the date (ordinal) all applicable preconditions are met (NEVER if unscheduled)."""
    items = applicable_items(project, rules)
    if not items:
        return np.zeros(len(arr), dtype=np.int64)
    return np.max(np.vstack([arr.ready[k] for k in items]), axis=0)


def acquisition(year: int, rules: RuleSet) -> int:
    """Ordinal date the land contract is signed for a supply decided in ``year``."""
    return (dt.date(year, 1, 1) + dt.timedelta(days=rules.transfer_days)).toordinal()


def desired_start(project: Project) -> int:
    """Ordinal of the project's desired start (1 January of its start year)."""
    return dt.date(project.start_year, 1, 1).toordinal()


def year_masks(
    project: Project,
    arr: CarrierArrays,
    years: tuple[int, ...],
    rules: RuleSet,
    ready: np.ndarray | None,
) -> dict[int, list[tuple[str, np.ndarray]]]:
    """Per year: pass-masks over the carriers for the year-dependent rules."""
    out: dict[int, list[tuple[str, np.ndarray]]] = {}
    s = desired_start(project)
    for y in years:
        masks: list[tuple[str, np.ndarray]] = [
            ("horizon", np.full(len(arr), y >= project.start_year)),
            ("available", arr.available_year <= y),
        ]
        if arr.kind == "parcel" and project.ready_to_build and ready is not None:
            masks.append(("readiness", ready <= max(acquisition(y, rules), s)))
        out[y] = masks
    return out


def start_ordinal(project: Project, kind: str, year: int, ready: int, rules: RuleSet) -> int:
    """Earliest start (ordinal) of a placement; NEVER when a precondition is unscheduled."""
    s = desired_start(project)
    if kind == "factory":
        return max(dt.date(year, 1, 1).toordinal(), s)
    if ready >= NEVER:
        return NEVER
    return max(acquisition(year, rules), s, ready)
