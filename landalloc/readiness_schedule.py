"""``landalloc readiness --schedule``: the schedule worked back from start dates (倒排工期).

What is printed (per department: items by status, then the most urgent open items) and written
(``schedule.xlsx``: one sheet with the department column, filterable and coloured by status, a
summary per department and the rules; ``schedule.csv`` for machines). The table itself is
:func:`optimizer.views.schedule.department_schedule`; :func:`schedule_sheet` is also the
``倒排工期`` sheet of ``report.xlsx``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from landalloc.console import t
from landalloc.readiness_print import _rows, _say
from landalloc.readiness_sheets import (
    _AMBER,
    _GREEN,
    _RED,
    _colour_by_text,
    _rules_sheet,
    _write_csv,
    _write_xlsx,
)
from optimizer.readiness import RuleSet
from optimizer.views.schedule import (
    SCHEDULE_STATUS,
    department_schedule,
    placements_of,
    schedule_summary,
    status_label,
)

#: Headers of the schedule for people (zh, en), in column order.
_HEADERS: dict[str, tuple[str, str]] = {
    "owner": ("责任部门", "department"),
    "item": ("事项", "item"),
    "parcel_id": ("地块编号", "parcel"),
    "zone_name": ("片区", "zone"),
    "project_id": ("项目编号", "project"),
    "project_name": ("项目名称", "project name"),
    "deadline": ("最迟完成日期", "deadline"),
    "status": ("状态", "status"),
    "scheduled": ("计划完成日期", "scheduled"),
    "days_over": ("超出天数", "days over"),
    "lead_days": ("提前量(天)", "lead (days)"),
    "year": ("供地年份", "supply year"),
    "target_start": ("目标开工日期", "target start"),
    "planned_start": ("预计开工日期", "planned start"),
    "item_key": ("事项代码", "item code"),
    "zone": ("片区代码", "zone code"),
}
_SUMMARY_HEADERS: dict[str, tuple[str, str]] = {
    "owner": ("责任部门", "department"),
    "items": ("事项数", "items"),
    **{s: (f"{zh}(项)", en) for s, (zh, en) in SCHEDULE_STATUS.items()},
    "next_deadline": ("最近截止日期(未完成)", "next open deadline"),
}
_COLOURS = {"late": _RED, "at_risk": _AMBER, "unscheduled": _RED, "on_time": _GREEN}


def plan_schedule(
    plan_instance: Any, assignments: pd.DataFrame, rules: RuleSet, today: dt.date, lang: str
) -> pd.DataFrame:
    """The schedule of a plan's land placements (:func:`department_schedule`)."""
    return department_schedule(plan_instance, placements_of(assignments), rules, today, lang)


def schedule_sheet(
    schedule: pd.DataFrame, lang: str, zones: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The schedule for people: headers and statuses by name, the zone by name then code."""
    out = schedule.copy()
    out["status"] = [status_label(s, lang) for s in out["status"]]
    names = zones or {}
    out["zone_name"] = [names.get(z) or z for z in out["zone"]]
    out = out[list(_HEADERS)]
    return out.rename(columns={c: t(lang, *_HEADERS[c]) for c in out.columns})


def report_sheet(result: Any, day: dt.date, lang: str) -> pd.DataFrame:
    """The ``倒排工期`` sheet of ``report.xlsx``: the schedule of a run's plan
    (:class:`landalloc.run.RunResult`) as of ``day`` (the run date), for people
    (:func:`schedule_sheet`, zones by the data's names)."""
    from maps.i18n import zone_names

    sched = plan_schedule(result.instance, result.assignments, result.rules, day, lang)
    return schedule_sheet(sched, lang, zone_names(result.tables, lang))


def _summary_sheet(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = summary[list(_SUMMARY_HEADERS)]
    return out.rename(columns={c: t(lang, *_SUMMARY_HEADERS[c]) for c in out.columns})


def _filter_and_colour(ws: Any, df: pd.DataFrame, lang: str) -> None:
    ws.auto_filter.ref = ws.dimensions
    colours = {status_label(s, lang): c for s, c in _COLOURS.items()}
    _colour_by_text(ws, df, t(lang, *_HEADERS["status"]), colours)


def write_schedule(
    out: Path,
    schedule: pd.DataFrame,
    rules: RuleSet,
    today: dt.date,
    lang: str,
    zones: Mapping[str, str] | None = None,
) -> list[str]:
    """Write ``schedule.xlsx`` and ``schedule.csv`` into ``out`` (each atomically)."""
    sheet = schedule_sheet(schedule, lang, zones)
    summary = _summary_sheet(schedule_summary(schedule, lang), lang)

    def style(ws: Any, df: pd.DataFrame) -> None:
        _filter_and_colour(ws, df, lang)

    sheets: list[tuple[str, pd.DataFrame, Callable[[Any, pd.DataFrame], None] | None]] = [
        (t(lang, "倒排工期", "schedule"), sheet, style),
        (t(lang, "按部门汇总", "by department"), summary, None),
        (t(lang, "规则", "rules"), _rules_sheet(rules, today, lang), None),
    ]
    out.mkdir(parents=True, exist_ok=True)
    _write_xlsx(out / "schedule.xlsx", sheets)
    _write_csv(out / "schedule.csv", schedule.drop(columns=["owner", "item"]))
    return ["schedule.xlsx", "schedule.csv"]


def print_schedule(
    schedule: pd.DataFrame,
    rules: RuleSet,
    today: dt.date,
    label: str,
    lang: str,
    top: int = 5,
    zones: Mapping[str, str] | None = None,
) -> None:
    """Per department: its items by status, then its ``top`` most urgent open items."""
    placements = schedule[["project_id", "parcel_id"]].drop_duplicates()
    _say(
        t(
            lang,
            f"倒排工期：方案 {label}，{len(placements)} 个项目-地块，{len(schedule)} 项事项，"
            f"检查日期 {today}，出让周期 {rules.transfer_days} 天",
            f"schedule worked back from start dates: plan {label}, {len(placements)} "
            f"project-parcels, {len(schedule)} items, as of {today}, land transfer "
            f"{rules.transfer_days} days",
        )
    )
    names = zones or {}
    for r in _rows(schedule_summary(schedule, lang)):
        counts = t(lang, "、", ", ").join(
            f"{status_label(s, lang)} {getattr(r, s)}" for s in SCHEDULE_STATUS if getattr(r, s)
        )
        _say(t(lang, f"{r.owner}：{r.items} 项（{counts}）", f"{r.owner}: {r.items} ({counts})"))
        part = schedule[(schedule["owner"] == r.owner) & (schedule["status"] != "done")]
        for x in _rows(part.head(top)):
            zone = names.get(x.zone) or x.zone
            when = x.scheduled if x.scheduled is not None else t(lang, "未排期", "not scheduled")
            _say(
                f"  {x.deadline} {status_label(x.status, lang)} {x.item} {x.parcel_id}"
                f"（{zone}）{x.project_id} {x.project_name} "
                + t(lang, f"计划 {when}", f"scheduled {when}")
            )
        if len(part) > top:
            _say(t(lang, f"  ……另 {len(part) - top} 项见输出表格", f"  … {len(part) - top} more"))


__all__ = ["plan_schedule", "print_schedule", "report_sheet", "schedule_sheet", "write_schedule"]
