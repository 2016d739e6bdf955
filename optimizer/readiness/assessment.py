"""Readiness for "拿地即开工": is a parcel ready by a date, for a project or for 标准地?

What the candidate builder, the solver's KPIs and the independent verifier use: :func:`assess`
(a project on a parcel supplied in a year) and :func:`parcel_status` (a parcel on a day, no
project), both pure functions of :mod:`geodata.instance` objects and a
:class:`~optimizer.readiness.rules.RuleSet`.

Semantics of :func:`assess` (the solver and the independent verifier rely on them)
----------------------------------------------------------------------------------
For a project placed on a parcel with land supplied in year ``year``:

* the supply decision is taken on 1 January of ``year``;
* ``acquisition`` (land transfer completed, contract signed) = ``date(year, 1, 1) +
  rules.transfer_days`` days;
* ``desired_start`` = ``date(project.start_year, 1, 1)``;
* the *applicable* preconditions are those with ``applies_to == "all"`` plus those with
  ``applies_to == "need:X"`` where ``X`` is in ``project.needs``; a precondition's date is
  ``parcel.ready[column without the "ready_" prefix]`` (absent or ``None`` = not scheduled);
* ``ready_date`` = the latest applicable date; when any applicable precondition is not scheduled,
  ``ready_date`` and ``earliest_start`` are ``None`` and the status is ``"blocked"``;
* otherwise, with ``base = max(acquisition, desired_start)``: status ``"ready"`` when
  ``ready_date <= base``, else ``"ready_by"``; ``earliest_start = max(acquisition,
  desired_start, ready_date)``;
* with no applicable precondition at all the status is ``"ready"``, ``ready_date`` is ``None``
  and ``earliest_start = base``;
* ``missing`` lists, in rule-set order, the applicable preconditions whose date is ``None`` or
  later than ``base``.

A parcel on a day (no particular project)
-----------------------------------------
:func:`parcel_status` judges a parcel against ``today`` using the "all" preconditions plus the
utilities in ``rules.standard_needs`` (water, power, road, drainage by default): ``"ready"``
(标准地-ready: all met by ``today``), ``"ready_by"`` (all scheduled, the last after ``today``) or
``"blocked"`` (one not scheduled). The district views built on it are
:mod:`optimizer.views.readiness`.

Vocabulary
----------
:data:`STATUS_LABELS` is the one set of words for the three statuses, in every output (the
``readiness`` command, the maps and ``report.xlsx``, whose words in :mod:`maps.i18n` are the
same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from geodata.instance import Parcel, Project
from optimizer.readiness.rules import Precondition, RuleSet

Status = Literal["ready", "ready_by", "blocked"]

#: Display names of the statuses (zh, en): the words of :mod:`maps.i18n` and ``report.xlsx``.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "ready": ("已具备", "ready"),
    "ready_by": ("预计具备", "ready by"),
    "blocked": ("不具备", "not ready"),
}


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Missing:
    """A precondition not met in time; ``date`` is ``None`` when it is not scheduled at all."""

    key: str
    name_zh: str
    name_en: str
    owner_zh: str
    owner_en: str
    date: dt.date | None

    def text(self, lang: str = "zh") -> str:
        """``供电（供电服务中心）2026-03-01`` / ``power connected (…) not scheduled``."""
        if lang == "zh":
            when = self.date.isoformat() if self.date else "未排期"
            return f"{self.name_zh}（{self.owner_zh}）{when}"
        when = self.date.isoformat() if self.date else "not scheduled"
        return f"{self.name_en} ({self.owner_en}) {when}"


@dataclass(frozen=True)
class Assessment:
    """Readiness of one (project, parcel, supply year); see the module docstring."""

    status: Status
    acquisition: dt.date
    desired_start: dt.date
    earliest_start: dt.date | None
    ready_date: dt.date | None
    missing: tuple[Missing, ...]


@dataclass(frozen=True)
class ParcelStatus:
    """Readiness of a parcel on a given day, for the district inventory (no project)."""

    parcel_id: str
    status: Status
    ready_date: dt.date | None
    missing: tuple[Missing, ...]
    dates: Mapping[str, dt.date | None]


# --------------------------------------------------------------------------- assessment


def _date_of(parcel: Parcel, pre: Precondition) -> dt.date | None:
    value = parcel.ready.get(pre.item)
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _missing(pre: Precondition, date: dt.date | None) -> Missing:
    return Missing(pre.key, pre.name_zh, pre.name_en, pre.owner_zh, pre.owner_en, date)


def acquisition_date(year: int, rules: RuleSet) -> dt.date:
    """The day the land transfer completes for a supply decided on 1 January of ``year``."""
    return dt.date(year, 1, 1) + dt.timedelta(days=rules.transfer_days)


def assess(project: Project, parcel: Parcel, year: int, rules: RuleSet) -> Assessment:
    """Readiness of ``project`` on ``parcel`` with land supplied in ``year``.

    Parameters
    ----------
    project, parcel
        From the :class:`~geodata.instance.Instance`.
    year
        The supply year (decision on 1 January of that year).
    rules
        From :func:`load_rules`.

    Returns
    -------
    Assessment
        See the module docstring for the exact semantics.
    """
    acquisition = acquisition_date(year, rules)
    desired = dt.date(project.start_year, 1, 1)
    base = max(acquisition, desired)
    dates = [(pre, _date_of(parcel, pre)) for pre in rules.applicable(project.needs)]
    missing = tuple(_missing(p, d) for p, d in dates if d is None or d > base)
    if any(d is None for _, d in dates):
        return Assessment("blocked", acquisition, desired, None, None, missing)
    known = [d for _, d in dates if d is not None]
    ready_date = max(known) if known else None
    if ready_date is None or ready_date <= base:
        return Assessment("ready", acquisition, desired, base, ready_date, missing)
    return Assessment("ready_by", acquisition, desired, ready_date, ready_date, missing)


def parcel_status(
    parcel: Parcel,
    today: dt.date,
    rules: RuleSet,
    needs: Iterable[str] | None = None,
) -> ParcelStatus:
    """Readiness of a parcel on ``today`` for the given utility ``needs``.

    Parameters
    ----------
    parcel
        The parcel.
    today
        The reference day: items dated on or before it are met.
    rules
        The rule set.
    needs
        Utilities to check; default ``rules.standard_needs`` (标准地-ready).

    Returns
    -------
    ParcelStatus
        ``dates`` holds the date of every precondition of the rule set (applicable or not).
    """
    use = rules.standard_needs if needs is None else frozenset(needs)
    all_dates = {pre.key: _date_of(parcel, pre) for pre in rules.preconditions}
    applicable = rules.applicable(use)
    missing = tuple(
        _missing(p, all_dates[p.key])
        for p in applicable
        if all_dates[p.key] is None or all_dates[p.key] > today  # type: ignore[operator]
    )
    if any(m.date is None for m in missing):
        return ParcelStatus(parcel.parcel_id, "blocked", None, missing, all_dates)
    known = [d for p in applicable if (d := all_dates[p.key]) is not None]
    ready_date = max(known) if known else None
    status: Status = "ready_by" if missing else "ready"
    return ParcelStatus(parcel.parcel_id, status, ready_date, missing, all_dates)


def missing_text(missing: Sequence[Missing], lang: str = "zh") -> str:
    """All missing items as one line (``；``-joined in Chinese, ``; `` in English)."""
    return ("；" if lang == "zh" else "; ").join(m.text(lang) for m in missing)


__all__ = [
    "STATUS_LABELS",
    "Assessment",
    "Missing",
    "ParcelStatus",
    "Status",
    "acquisition_date",
    "assess",
    "missing_text",
    "parcel_status",
]
