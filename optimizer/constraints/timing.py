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

CODE = "timing"
RULE_NAMES: dict[str, tuple[str, str]] = {
    "horizon": ("计划开工年份晚于规划期", "start year after the planning horizon"),
    "available": ("规划期内不可供应", "not available within the horizon"),
    "readiness": ("拿地即开工条件不满足", "not ready for start on acquisition"),
}
RULES = tuple(RULE_NAMES)

#: Codes of a placement's readiness (:func:`start_grid`), by position in :data:`STATUSES`.
STATUSES = ("ready", "ready_by", "blocked", "")


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
    idx: np.ndarray,
    years: tuple[int, ...],
    ready: np.ndarray | None,
    rules: RuleSet,
) -> list[tuple[str, np.ndarray]]:
    """Pass-masks (years × the carriers ``idx`` of ``arr``) of the year rules, in rule order.

    ``readiness`` applies to 拿地即开工 projects on parcels (``ready``: see :func:`ready_ordinal`).
    """
    yrs = np.array(years, dtype=np.int64)
    shape = (len(yrs), len(idx))
    out: list[tuple[str, np.ndarray]] = [
        ("horizon", np.broadcast_to((yrs >= project.start_year)[:, None], shape)),
        ("available", arr.available_year[idx][None, :] <= yrs[:, None]),
    ]
    if arr.kind == "parcel" and project.ready_to_build and ready is not None:
        base = np.maximum(acquisitions(yrs, rules), desired_start(project))
        out.append(("readiness", ready[idx][None, :] <= base[:, None]))
    return out


def acquisitions(yrs: np.ndarray, rules: RuleSet) -> np.ndarray:
    """:func:`acquisition` of each year of ``yrs``."""
    return np.array([acquisition(int(y), rules) for y in yrs], dtype=np.int64)


def start_grid(
    project: Project, kind: str, yrs: np.ndarray, r: np.ndarray, rules: RuleSet
) -> tuple[np.ndarray, np.ndarray]:
    """Earliest start (ordinal) and readiness status (index into :data:`STATUSES`) of each
    placement (years × carriers whose readiness dates are ``r``): :func:`start_ordinal` and
    :func:`ready_status` over arrays."""
    desired = desired_start(project)
    n = len(r)
    if kind == "parcel":
        base = np.maximum(acquisitions(yrs, rules), desired)  # per year
        start = np.where(r[None, :] >= NEVER, NEVER, np.maximum(base[:, None], r[None, :]))
        status = np.where(r[None, :] >= NEVER, 2, np.where(r[None, :] <= base[:, None], 0, 1))
        return start, status
    jan1 = np.array([dt.date(int(y), 1, 1).toordinal() for y in yrs], dtype=np.int64)
    start = np.broadcast_to(np.maximum(jan1, desired)[:, None], (len(yrs), n))
    return start, np.full((len(yrs), n), 3)


def ready_status(project: Project, year: int, ready: int, rules: RuleSet) -> str:
    """Readiness of a parcel placement: ``ready`` by the start, ``ready_by`` a later date, or
    ``blocked`` (a precondition is not scheduled)."""
    if ready >= NEVER:
        return "blocked"
    limit = max(acquisition(year, rules), desired_start(project))
    return "ready" if ready <= limit else "ready_by"


def start_ordinal(project: Project, kind: str, year: int, ready: int, rules: RuleSet) -> int:
    """Earliest start (ordinal) of a placement; NEVER when a precondition is unscheduled."""
    s = desired_start(project)
    if kind == "factory":
        return max(dt.date(year, 1, 1).toordinal(), s)
    if ready >= NEVER:
        return NEVER
    return max(acquisition(year, rules), s, ready)
