"""The parcels for one project, ranked by readiness (``landalloc readiness --project``).

A table for people, beside the KPIs (:mod:`optimizer.kpis`): which parcels the project fits
(the candidate builder's static rules, :mod:`optimizer.constraints.fit`, so that "fits" has one
definition) and, on each, when construction could start
(:func:`optimizer.readiness.assessment.assess`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from geodata.instance import Instance, Parcel, Project
from geodata.units import cmu_to_mu
from optimizer.arrays import parcel_arrays
from optimizer.constraints import fit
from optimizer.readiness.assessment import assess, missing_text
from optimizer.readiness.rules import RuleSet
from optimizer.settings import Policy


def static_misfit(
    project: Project, parcel: Parcel, policy: Policy | None = None
) -> list[tuple[str, str]]:
    """The static rules the project breaks on the parcel, as (zh, en) texts; empty when it fits.

    The candidate builder's rules (:func:`optimizer.constraints.fit.static_masks` under
    ``policy``, default :class:`~optimizer.settings.Policy`): cluster admission, land-use rank,
    pollution, area (enough land, waste within the tolerance unless divisible), the 标准地
    indicators, withheld carriers and excluded negotiating projects; a project that takes no land
    fits no parcel. Each text names the rule and gives the numbers, e.g.
    ``面积不符（不足或浪费超限）：地块 60 亩 < 需求 80 亩``.
    """
    alone = Instance(parcels=(parcel,), factories=(), projects=(), quotas=(), clusters=())
    return fit.misfits(project, parcel_arrays(alone), policy or Policy())[0]


_STATUS_RANK = {"ready": 0, "ready_by": 1, "blocked": 2}


def rank_parcels(
    instance: Instance,
    project: Project,
    rules: RuleSet,
    *,
    today: dt.date | None = None,
    year: int | None = None,
    only_fitting: bool = True,
    lang: str = "zh",
    policy: Policy | None = None,
) -> pd.DataFrame:
    """Parcels for one project, ranked by readiness: ready first, then by earliest start.

    Parameters
    ----------
    instance, project, rules
        The data, the project and the rule set.
    today
        Supply is not decided before the year of ``today`` (default: no such bound).
    year
        The supply year to assess; default per parcel ``max(project.start_year,
        parcel.available_year, today.year)``.
    only_fitting
        Keep only parcels that pass :func:`static_misfit`: exactly the parcels on which the
        candidate builder places the project alone (before the year rules, the quotas and any
        candidate cap). 合并供地 groups are not ranked: a parcel too small alone is listed as
        not fitting even when the solver may offer it in a group.
    lang
        Language of the ``missing`` and ``misfit`` texts.
    policy
        The policy knobs the static rules depend on (waste tolerance, 标准地 indicators, withheld
        carriers, negotiating projects); default :class:`~optimizer.settings.Policy`.

    Returns
    -------
    pandas.DataFrame
        Columns ``rank, parcel_id, zone, area_mu, year, status, acquisition, earliest_start,
        ready_date, missing, misfit``; ties broken by parcel id.
    """
    rows: list[dict[str, Any]] = []
    misfits = fit.misfits(project, parcel_arrays(instance), policy or Policy())
    for parcel, misfit in zip(instance.parcels, misfits, strict=True):
        if only_fitting and misfit:
            continue
        y = year
        if y is None:
            y = max(project.start_year, parcel.available_year, today.year if today else 0)
        rows.append(_row(project, parcel, y, rules, misfit, lang))
    return _ranked(rows)


#: The columns of :func:`rank_parcels`.
_COLUMNS = [
    "rank",
    "parcel_id",
    "zone",
    "area_mu",
    "year",
    "status",
    "acquisition",
    "earliest_start",
    "ready_date",
    "missing",
    "misfit",
]


def _row(
    project: Project,
    parcel: Parcel,
    year: int,
    rules: RuleSet,
    misfit: list[tuple[str, str]],
    lang: str,
) -> dict[str, Any]:
    """One parcel of :func:`rank_parcels`, without its rank."""
    a = assess(project, parcel, year, rules)
    return {
        "parcel_id": parcel.parcel_id,
        "zone": parcel.zone,
        "area_mu": cmu_to_mu(parcel.area_cmu),
        "year": year,
        "status": a.status,
        "acquisition": a.acquisition,
        "earliest_start": a.earliest_start,
        "ready_date": a.ready_date,
        "missing": missing_text(a.missing, lang),
        "misfit": ("；" if lang == "zh" else "; ").join(
            zh if lang == "zh" else en for zh, en in misfit
        ),
    }


def _ranked(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows ready first, then by earliest start and parcel id, ranked from 1."""
    rows.sort(
        key=lambda r: (
            _STATUS_RANK[r["status"]],
            r["earliest_start"] or dt.date.max,
            r["parcel_id"],
        )
    )
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    for col in ("acquisition", "earliest_start", "ready_date"):
        frame[col] = frame[col].astype(object)
    return frame


__all__ = ["rank_parcels", "static_misfit"]
