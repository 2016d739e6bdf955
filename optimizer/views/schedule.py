"""Schedules worked back from start dates (倒排工期): who must deliver what, by when.

A table for people, beside the KPIs: for every project a plan places on a parcel, the land
transfer and each readiness precondition that applies to the project get a deadline worked back
from the start the plan aims at, and a status against the date the data schedule them.

Semantics
---------
For a placement of project ``p`` on parcel ``c`` with land supplied in year ``y``:

* ``target_start`` = ``max(acquisition(y), desired_start(p))``: the start the plan aims at when
  everything is delivered in time (:func:`optimizer.readiness.assessment.assess`'s ``base``;
  ``acquisition(y)`` = 1 January of ``y`` + ``transfer_days``);
* ``planned_start`` = the start the data give (``assess(...).earliest_start``; ``None`` when a
  precondition is not scheduled);
* the **land transfer** (土地出让, owner ``rules.transfer_owner``) must begin by
  ``target_start − transfer_days``; the plan begins it on 1 January of ``y`` (its ``scheduled``
  date);
* each **precondition** that applies to ``p`` must be in place by ``target_start −
  pre.lead(transfer_days)`` (``lead_days``, plus ``transfer_days`` when ``due: transfer``); its
  ``scheduled`` date is the parcel's date for it.

Status of an item, against ``today``:

* ``done`` (已到位): scheduled on or before its deadline and on or before ``today``;
* ``on_time`` (按期): scheduled on or before its deadline, after ``today``;
* ``at_risk`` (有风险): scheduled after its deadline, which has not passed yet;
* ``unscheduled`` (未排期): no date, and the deadline has not passed yet;
* ``late`` (已逾期): the deadline has passed and the item was not in place by it (no date, or
  a date after the deadline). The land transfer of a plan's placement is ``late`` once its
  deadline has passed (the transfer cannot be known to have begun); on a parcel the data record
  as already supplied (已供地) it is ``done``, scheduled on the supply date.

The parcels already supplied to a project of the data are committed placements: they join the
schedule (in the year of their supply date) whether the plan lists them or not, since their
preconditions may still be open.

``days_over`` is ``scheduled − deadline`` in days when positive (how far the item is behind).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geodata.instance import Instance, Parcel, Project
from optimizer.readiness.assessment import acquisition_date, assess
from optimizer.readiness.rules import RuleSet

#: The key of the land transfer item (not a precondition of the rule set).
TRANSFER = "transfer"

#: Statuses of a schedule item, most urgent first, with their names (zh, en).
SCHEDULE_STATUS: dict[str, tuple[str, str]] = {
    "late": ("已逾期", "late"),
    "at_risk": ("有风险", "at risk"),
    "unscheduled": ("未排期", "not scheduled"),
    "on_time": ("按期", "on time"),
    "done": ("已到位", "done"),
}

#: The name of the land transfer item (zh, en).
TRANSFER_NAME = ("土地出让（发布出让公告）", "land transfer (announcement published)")

#: The columns of :func:`department_schedule`.
COLUMNS = [
    "owner",
    "item",
    "parcel_id",
    "zone",
    "project_id",
    "project_name",
    "deadline",
    "status",
    "scheduled",
    "days_over",
    "lead_days",
    "year",
    "target_start",
    "planned_start",
    "item_key",
    "owner_zh",
    "owner_en",
]
_DATES = ("deadline", "scheduled", "target_start", "planned_start")


@dataclass(frozen=True)
class Placement:
    """A project on a parcel, supplied in a year (a row of ``assignments.csv`` on land)."""

    project_id: str
    parcel_id: str
    year: int


def placements_of(assignments: pd.DataFrame) -> list[Placement]:
    """The land placements of an assignments table (``carrier_kind`` ``parcel``)."""
    if not len(assignments):
        return []
    land = assignments[assignments["carrier_kind"] == "parcel"]
    return [
        Placement(str(p), str(c), int(y))
        for p, c, y in zip(land["project_id"], land["carrier_id"], land["year"], strict=True)
    ]


def item_status(deadline: dt.date, scheduled: dt.date | None, today: dt.date) -> str:
    """The status of one item (see the module docstring)."""
    if scheduled is not None and scheduled <= deadline:
        return "done" if scheduled <= today else "on_time"
    if deadline < today:
        return "late"
    return "at_risk" if scheduled is not None else "unscheduled"


def _row(
    owner: tuple[str, str], item: tuple[str, str], key: str, lang: str, **values: Any
) -> dict[str, Any]:
    zh = lang == "zh"
    return {
        "owner": owner[0] if zh else owner[1],
        "item": item[0] if zh else item[1],
        "item_key": key,
        "owner_zh": owner[0],
        "owner_en": owner[1],
        **values,
    }


def _items(
    project: Project, parcel: Parcel, year: int, rules: RuleSet, today: dt.date, lang: str
) -> list[dict[str, Any]]:
    """The schedule rows of one placement: the land transfer, then each precondition."""
    a = assess(project, parcel, year, rules)
    target = max(a.acquisition, a.desired_start)
    common = {
        "parcel_id": parcel.parcel_id,
        "zone": parcel.zone,
        "project_id": project.project_id,
        "project_name": project.name,
        "year": year,
        "target_start": target,
        "planned_start": a.earliest_start,
    }
    decision = acquisition_date(year, rules) - dt.timedelta(days=rules.transfer_days)
    deadline = target - dt.timedelta(days=rules.transfer_days)
    status = "late" if deadline < today else "on_time"
    if parcel.supplied:  # 已供地: the transfer is done
        decision, status = parcel.supplied_date or decision, "done"
    rows = [
        _row(
            (rules.transfer_owner_zh, rules.transfer_owner_en), TRANSFER_NAME, TRANSFER, lang,
            deadline=deadline, scheduled=decision, status=status, days_over=None,
            lead_days=rules.transfer_days, **common,
        )
    ]  # fmt: skip
    for pre in rules.applicable(project.needs):
        value = parcel.ready.get(pre.item)
        when = value.date() if isinstance(value, dt.datetime) else value
        when = when if isinstance(when, dt.date) else None
        lead = pre.lead(rules.transfer_days)
        due = target - dt.timedelta(days=lead)
        over = (when - due).days if when is not None and when > due else None
        rows.append(
            _row(
                (pre.owner_zh, pre.owner_en), (pre.name_zh, pre.name_en), pre.key, lang,
                deadline=due, scheduled=when, status=item_status(due, when, today),
                days_over=over, lead_days=lead, **common,
            )
        )  # fmt: skip
    return rows


def department_schedule(
    instance: Instance,
    placements: Iterable[Placement],
    rules: RuleSet,
    today: dt.date,
    lang: str = "zh",
) -> pd.DataFrame:
    """The schedule worked back from the plan's start dates, one row per item.

    Parameters
    ----------
    instance
        The data the plan was made on.
    placements
        The plan's projects on parcels (:func:`placements_of`); placements whose project or
        parcel is not in ``instance`` are skipped.
    rules
        The readiness rule set (lead times: ``transfer_days``, each precondition's ``due`` and
        ``lead_days``).
    today
        The reference day of the statuses.
    lang
        Language of the ``owner`` and ``item`` columns.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: department, item, parcel, zone, project, deadline, status (a
        code of :data:`SCHEDULE_STATUS`), the scheduled date, ``days_over``, the lead time in
        days, the supply year, the target and planned starts, the item's code and the
        department in both languages. Sorted by deadline, then department, parcel, project and
        item (the land transfer first).
    """
    projects = {p.project_id: p for p in instance.projects}
    parcels = {p.parcel_id: p for p in instance.parcels}
    order = {TRANSFER: -1, **{p.key: i for i, p in enumerate(rules.preconditions)}}
    rows: list[dict[str, Any]] = []
    for pl in _with_committed(instance, placements):
        project, parcel = projects.get(pl.project_id), parcels.get(pl.parcel_id)
        if project is not None and parcel is not None:
            rows.extend(_items(project, parcel, pl.year, rules, today, lang))
    rows.sort(
        key=lambda r: (
            r["deadline"],
            r["owner_zh"],
            r["parcel_id"],
            r["project_id"],
            order[r["item_key"]],
        )
    )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in (*_DATES, "days_over"):  # dates and whole days, None when unknown
        frame[col] = pd.Series([r[col] for r in rows], index=frame.index, dtype=object)
    return frame


def _with_committed(instance: Instance, placements: Iterable[Placement]) -> list[Placement]:
    """``placements`` and the committed ones: each parcel already supplied to a project of the
    data, in the year of its supply date (the first quota year when it has none)."""
    out = list(placements)
    seen = {(p.project_id, p.parcel_id) for p in out}
    first = min(instance.years) if instance.years else dt.date.today().year
    known = {p.project_id for p in instance.projects}
    for c in instance.parcels:
        if (
            c.supplied
            and c.supplied_project in known
            and (c.supplied_project, c.parcel_id) not in seen
        ):
            year = c.supplied_date.year if c.supplied_date else first
            out.append(Placement(c.supplied_project, c.parcel_id, year))
    return out


def schedule_summary(schedule: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per department: items by status and the next deadline of the items still open.

    Returns
    -------
    pandas.DataFrame
        Columns ``owner, items, late, at_risk, unscheduled, on_time, done, next_deadline``
        (earliest deadline of the items not ``done``; ``None`` when every item is done),
        ``owner_zh, owner_en``; the departments with late items first (most late first), then
        by name.
    """
    rows: list[dict[str, Any]] = []
    for (zh, en), part in schedule.groupby(["owner_zh", "owner_en"], sort=True):
        counts = part["status"].value_counts()
        open_items = part[part["status"] != "done"]
        rows.append(
            {
                "owner": zh if lang == "zh" else en,
                "items": len(part),
                **{s: int(counts.get(s, 0)) for s in SCHEDULE_STATUS},
                "next_deadline": min(open_items["deadline"]) if len(open_items) else None,
                "owner_zh": zh,
                "owner_en": en,
            }
        )
    rows.sort(key=lambda r: (-r["late"], -r["at_risk"], r["owner_zh"]))
    cols = ["owner", "items", *SCHEDULE_STATUS, "next_deadline", "owner_zh", "owner_en"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["next_deadline"] = frame["next_deadline"].astype(object)
    return frame


def status_label(status: str, lang: str = "zh") -> str:
    """The name of a schedule status in one language."""
    zh, en = SCHEDULE_STATUS[status]
    return zh if lang == "zh" else en


__all__: Sequence[str] = [
    "COLUMNS",
    "SCHEDULE_STATUS",
    "TRANSFER",
    "TRANSFER_NAME",
    "Placement",
    "department_schedule",
    "item_status",
    "placements_of",
    "schedule_summary",
    "status_label",
]
