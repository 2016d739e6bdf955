"""The district's 标准地 readiness views: inventory, departments and quarters (no project).

Tables for people, beside the KPIs (:mod:`optimizer.kpis`): pure functions of the instance, a day
and a :class:`~optimizer.readiness.rules.RuleSet`, written by ``landalloc readiness`` and the
result folder. Each parcel is judged by
:func:`optimizer.readiness.assessment.parcel_status` (the "all" preconditions plus
``rules.standard_needs``, against ``today``): :func:`parcel_inventory` lists them,
:func:`department_view` and :func:`quarter_view` summarise them per owning department and per
calendar quarter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from geodata.instance import Instance
from geodata.units import cmu_to_mu
from optimizer.readiness.assessment import Missing, ParcelStatus, missing_text, parcel_status
from optimizer.readiness.rules import RuleSet


def quarter_of(day: dt.date) -> str:
    """The calendar quarter of a day, e.g. ``2026Q1``."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(day: dt.date) -> dt.date:
    """The last day of the quarter containing ``day``."""
    q = (day.month - 1) // 3 + 1
    if q == 4:
        return dt.date(day.year, 12, 31)
    return dt.date(day.year, 3 * q + 1, 1) - dt.timedelta(days=1)


# --------------------------------------------------------------------------- inventory views


def parcel_statuses(instance: Instance, today: dt.date, rules: RuleSet) -> list[ParcelStatus]:
    """:func:`parcel_status` of every parcel of the instance, in parcel-id order."""
    return [parcel_status(p, today, rules) for p in instance.parcels]


def parcel_inventory(
    instance: Instance, today: dt.date, rules: RuleSet, lang: str = "zh"
) -> pd.DataFrame:
    """The district's 标准地 inventory: one row per parcel.

    Parameters
    ----------
    instance
        The data.
    today
        The reference day.
    rules
        The rule set (``rules.standard_needs`` defines the utilities checked).
    lang
        Language of the ``missing`` text.

    Returns
    -------
    pandas.DataFrame
        Columns ``parcel_id, zone, area_mu, available_year, status, ready_date, quarter,
        missing, missing_keys, n_missing, standard_ready`` and one date column per precondition
        column of the rule set (``ready_levelled``, …). ``status`` is ``ready`` / ``ready_by`` /
        ``blocked``; ``quarter`` is the quarter a ``ready_by`` parcel becomes ready;
        ``standard_ready`` is true for parcels ready today. Dates are :class:`datetime.date`
        (``None`` when unknown).
    """
    columns = list(dict.fromkeys(pre.column for pre in rules.preconditions))
    rows: list[dict[str, Any]] = []
    for parcel in instance.parcels:
        st = parcel_status(parcel, today, rules)
        row: dict[str, Any] = {
            "parcel_id": parcel.parcel_id,
            "zone": parcel.zone,
            "area_mu": cmu_to_mu(parcel.area_cmu),
            "available_year": parcel.available_year,
            "status": st.status,
            "ready_date": st.ready_date,
            "quarter": quarter_of(st.ready_date)
            if st.status == "ready_by" and st.ready_date
            else "",
            "missing": missing_text(st.missing, lang),
            "missing_keys": ";".join(m.key for m in st.missing),
            "n_missing": len(st.missing),
            "standard_ready": st.status == "ready",
        }
        for col in columns:
            value = parcel.ready.get(col.removeprefix("ready_"))
            row[col] = value if isinstance(value, dt.date) else None
        rows.append(row)
    base = [
        "parcel_id",
        "zone",
        "area_mu",
        "available_year",
        "status",
        "ready_date",
        "quarter",
        "missing",
        "missing_keys",
        "n_missing",
        "standard_ready",
    ]
    frame = pd.DataFrame(rows, columns=[*base, *columns])
    for col in ("ready_date", *columns):
        frame[col] = frame[col].astype(object)
    return frame


def department_view(instance: Instance, today: dt.date, rules: RuleSet) -> pd.DataFrame:
    """Parcels waiting on each owning department (标准地 check, as of ``today``).

    Returns
    -------
    pandas.DataFrame
        One row per department with at least one gap: ``owner_zh, owner_en, parcels_total,
        parcels_scheduled`` (every gap of this owner has a date after ``today``),
        ``parcels_unscheduled`` (at least one gap of this owner has no date), ``area_mu``,
        ``items_zh, items_en`` (per item counts, e.g. ``通电 14``), ``next_date`` and
        ``last_date`` (of the scheduled gaps), ``parcel_ids`` (``;``-joined). Sorted by
        ``parcels_total`` descending, then by name.
    """
    area = {p.parcel_id: cmu_to_mu(p.area_cmu) for p in instance.parcels}
    owners: dict[tuple[str, str], dict[str, Any]] = {}
    for st in parcel_statuses(instance, today, rules):
        by_owner: dict[tuple[str, str], list[Missing]] = {}
        for m in st.missing:
            by_owner.setdefault((m.owner_zh, m.owner_en), []).append(m)
        for owner, items in by_owner.items():
            acc = owners.setdefault(
                owner,
                {"parcels": [], "unscheduled": set(), "items": {}, "dates": []},
            )
            acc["parcels"].append(st.parcel_id)
            if any(m.date is None for m in items):
                acc["unscheduled"].add(st.parcel_id)
            for m in items:
                acc["items"][(m.name_zh, m.name_en)] = (
                    acc["items"].get((m.name_zh, m.name_en), 0) + 1
                )
                if m.date is not None:
                    acc["dates"].append(m.date)
    rows: list[dict[str, Any]] = []
    for (zh, en), acc in owners.items():
        total = len(acc["parcels"])
        unscheduled = len(acc["unscheduled"])
        items = acc["items"]
        rows.append(
            {
                "owner_zh": zh,
                "owner_en": en,
                "parcels_total": total,
                "parcels_scheduled": total - unscheduled,
                "parcels_unscheduled": unscheduled,
                "area_mu": round(sum(area[p] for p in acc["parcels"]), 2),
                "items_zh": "、".join(f"{n[0]} {c}" for n, c in items.items()),
                "items_en": ", ".join(f"{n[1]} {c}" for n, c in items.items()),
                "next_date": min(acc["dates"]) if acc["dates"] else None,
                "last_date": max(acc["dates"]) if acc["dates"] else None,
                "parcel_ids": ";".join(acc["parcels"]),
            }
        )
    rows.sort(key=lambda r: (-r["parcels_total"], r["owner_zh"]))
    cols = [
        "owner_zh",
        "owner_en",
        "parcels_total",
        "parcels_scheduled",
        "parcels_unscheduled",
        "area_mu",
        "items_zh",
        "items_en",
        "next_date",
        "last_date",
        "parcel_ids",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    for col in ("next_date", "last_date"):
        frame[col] = frame[col].astype(object)
    return frame


def quarter_view(
    instance: Instance, today: dt.date, rules: RuleSet, max_quarters: int = 40
) -> pd.DataFrame:
    """How many parcels are 标准地-ready now and by the end of each coming quarter.

    Parameters
    ----------
    instance, today, rules
        As for :func:`parcel_inventory`.
    max_quarters
        Quarters listed at most after ``today``; later ready dates are lumped into a ``later``
        row.

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (``now``, then ``2025Q3``, …, possibly ``later``), ``period_end``
        (the date counted up to; ``None`` for ``later``), ``newly_ready``,
        ``newly_ready_area_mu``, ``cumulative_ready``, ``cumulative_area_mu``, ``share_ready``
        (of all parcels, 0–1) and ``parcel_ids`` (newly ready, ``;``-joined). Blocked parcels are
        never counted; quarters run up to the last scheduled ready date.
    """
    area = {p.parcel_id: cmu_to_mu(p.area_cmu) for p in instance.parcels}
    total = len(instance.parcels)
    statuses = parcel_statuses(instance, today, rules)
    now = [s.parcel_id for s in statuses if s.status == "ready"]
    pending = sorted(
        (s.ready_date, s.parcel_id)
        for s in statuses
        if s.status == "ready_by" and s.ready_date is not None
    )
    rows: list[dict[str, Any]] = []
    cum_n, cum_area = 0, 0.0

    def add(period: str, end: dt.date | None, ids: list[str]) -> None:
        nonlocal cum_n, cum_area
        new_area = sum(area[i] for i in ids)
        cum_n += len(ids)
        cum_area += new_area
        rows.append(
            {
                "period": period,
                "period_end": end,
                "newly_ready": len(ids),
                "newly_ready_area_mu": round(new_area, 2),
                "cumulative_ready": cum_n,
                "cumulative_area_mu": round(cum_area, 2),
                "share_ready": cum_n / total if total else 0.0,
                "parcel_ids": ";".join(ids),
            }
        )

    add("now", today, now)
    end = quarter_end(today)
    i = 0
    for _ in range(max_quarters):
        if i >= len(pending):
            break
        ids = []
        while i < len(pending) and pending[i][0] <= end:
            ids.append(pending[i][1])
            i += 1
        add(quarter_of(end), end, ids)
        end = quarter_end(end + dt.timedelta(days=1))
    if i < len(pending):
        add("later", None, [pid for _, pid in pending[i:]])
    frame = pd.DataFrame(rows)
    frame["period_end"] = frame["period_end"].astype(object)
    return frame


__all__ = [
    "department_view",
    "parcel_inventory",
    "parcel_statuses",
    "quarter_end",
    "quarter_of",
    "quarter_view",
]
