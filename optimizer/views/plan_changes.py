"""What changes between two plans when readiness dates move, each change with its cause.

A table for people, beside the KPIs, used by the slip report and the unlock ranking: a *base*
plan on the data as they are, a *new* plan on the data with some readiness dates moved
(:mod:`optimizer.readiness.slip`), both as ``project → {"carriers": [...], "year": y, "start":
"YYYY-MM-DD" or ""}`` (the JSON of an engine task).

Changes (``change``)
--------------------
* ``start_later`` / ``start_earlier``: same carriers and year, another start date;
* ``moved``: other carriers or another year;
* ``unplaced``: placed in the base plan, not in the new one (the placement fails);
* ``placed``: placed only in the new one.

Causes (``cause``)
------------------
The readiness items whose dates moved on the project's parcels (in the base placement) and that
apply to the project, as ``通电（供电服务中心）2026-12-29 → 2027-06-29``. For a move or a
failure the cause says whether the base placement itself broke (a 拿地即开工 project whose
parcel is no longer ready in its year) or would start later; otherwise the change is the plan
re-arranging around others (连锁调整), naming the project now on the base parcel when there is
one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geodata.instance import Instance, Project
from geodata.units import WAN_PER_YI
from optimizer.readiness.assessment import assess
from optimizer.readiness.rules import RuleSet

#: A plan as the engine tasks return it: project → placement.
PlanMap = Mapping[str, Mapping[str, Any]]

#: Names of the changes (zh, en), in the order of the table.
CHANGES: dict[str, tuple[str, str]] = {
    "unplaced": ("无法落地", "no longer placed"),
    "moved": ("改变落点", "moved"),
    "start_later": ("开工推迟", "starts later"),
    "start_earlier": ("开工提前", "starts earlier"),
    "placed": ("新增落地", "newly placed"),
}

COLUMNS = [
    "change",
    "project_id",
    "project_name",
    "investment_yi",
    "before",
    "after",
    "days",
    "cause",
]


def _day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _where(pl: Mapping[str, Any] | None, lang: str) -> str:
    if pl is None:
        return "未落地" if lang == "zh" else "not placed"
    start = pl.get("start") or ("未定" if lang == "zh" else "unknown")
    carriers = "+".join(pl["carriers"])
    if lang == "zh":
        return f"{carriers}（{pl['year']} 年供地，开工 {start}）"
    return f"{carriers} (supplied {pl['year']}, start {start})"


def moved_items(
    project: Project,
    placement: Mapping[str, Any],
    before: Instance,
    after: Instance,
    rules: RuleSet,
    lang: str = "zh",
) -> list[str]:
    """The applicable readiness items whose dates differ on the placement's parcels."""
    old = {p.parcel_id: p for p in before.parcels}
    new = {p.parcel_id: p for p in after.parcels}
    out: list[str] = []
    none = "未排期" if lang == "zh" else "not scheduled"
    for cid in placement["carriers"]:
        if cid not in old or cid not in new:
            continue
        for pre in rules.applicable(project.needs):
            a, b = old[cid].ready.get(pre.item), new[cid].ready.get(pre.item)
            if a != b:
                owner = pre.owner(lang)
                name = (
                    f"{pre.name(lang)}（{owner}）"
                    if lang == "zh"
                    else f"{pre.name(lang)} ({owner})"
                )
                out.append(f"{cid} {name} {a or none} → {b or none}")
    return list(dict.fromkeys(out))


def _broken(
    project: Project, placement: Mapping[str, Any], after: Instance, rules: RuleSet
) -> tuple[bool, dt.date | None]:
    """Whether the placement is no longer allowed on ``after`` (a 拿地即开工 project whose
    parcel is not ready), and its earliest start there (``None``: not known)."""
    parcels = {p.parcel_id: p for p in after.parcels}
    starts: list[dt.date] = []
    broken, unknown = False, False
    for cid in placement["carriers"]:
        parcel = parcels.get(cid)
        if parcel is None:  # a factory: no readiness
            continue
        a = assess(project, parcel, int(placement["year"]), rules)
        broken |= project.ready_to_build and a.status != "ready"
        if a.earliest_start is None:
            unknown = True
        else:
            starts.append(a.earliest_start)
    return broken, None if unknown or not starts else max(starts)


def _cause(
    project: Project,
    base: Mapping[str, Any],
    change: str,
    holders: Mapping[str, str],
    before: Instance,
    after: Instance,
    rules: RuleSet,
    lang: str,
) -> str:
    zh = lang == "zh"
    items = "；".join(moved_items(project, base, before, after, rules, lang))
    if change in ("start_later", "start_earlier"):
        return items or "—"
    broken, start = _broken(project, base, after, rules)
    old_start = _day(str(base.get("start") or ""))
    if broken and items:
        return (f"原落点不再满足拿地即开工：{items}" if zh
                else f"the base placement is no longer ready on acquisition: {items}")  # fmt: skip
    if items and (start is None or (old_start is not None and start > old_start)):
        return (
            f"原落点开工推迟：{items}" if zh else f"the base placement would start later: {items}"
        )
    others = sorted({holders[c] for c in base["carriers"] if c in holders} - {project.project_id})
    if others:
        who = "、".join(others) if zh else ", ".join(others)
        return (f"连锁调整：原地块改由 {who} 使用" if zh
                else f"knock-on: its base carrier now hosts {who}")  # fmt: skip
    return "连锁调整（方案重新优化）" if zh else "knock-on (the plan re-optimised)"


def _change(b: Mapping[str, Any] | None, n: Mapping[str, Any] | None) -> tuple[str, int | None]:
    """The kind of change of one project and the days its start moved (when it did)."""
    if b is None:
        return ("placed", None) if n is not None else ("", None)
    if n is None:
        return "unplaced", None
    if list(b["carriers"]) != list(n["carriers"]) or int(b["year"]) != int(n["year"]):
        return "moved", None
    old, new = _day(str(b.get("start") or "")), _day(str(n.get("start") or ""))
    if old == new:
        return "", None
    if old is None or new is None:
        return ("start_later" if new is None else "start_earlier"), None
    days = (new - old).days
    return ("start_later" if days > 0 else "start_earlier"), days


def kept_plan(base: PlanMap, after: Instance, rules: RuleSet) -> dict[str, dict[str, Any]]:
    """The base plan kept as it is on the moved dates: each placement's start recomputed
    (:func:`~optimizer.readiness.assessment.assess`), the placements no longer allowed (a
    拿地即开工 project whose parcel is not ready in its year) dropped.

    Compared with the base by :func:`plan_changes`, it shows exactly what the moved dates do to
    the plan, without the noise of a re-solve: starts that move and placements that fail.
    """
    projects = {p.project_id: p for p in after.projects}
    parcels = {p.parcel_id for p in after.parcels}
    out: dict[str, dict[str, Any]] = {}
    for pid, pl in base.items():
        project = projects.get(pid)
        if project is None or not any(c in parcels for c in pl["carriers"]):
            out[pid] = dict(pl)  # a factory: no readiness
            continue
        broken, start = _broken(project, pl, after, rules)
        if not broken:
            out[pid] = {**pl, "start": start.isoformat() if start else ""}
    return out


def plan_changes(
    base: PlanMap,
    new: PlanMap,
    before: Instance,
    after: Instance,
    rules: RuleSet,
    lang: str = "zh",
) -> pd.DataFrame:
    """Every project whose placement or start differs between the plans, with its cause.

    Parameters
    ----------
    base, new
        The two plans (project → placement with start date).
    before, after
        The data of each plan (``after``: with the moved readiness dates).
    rules
        The readiness rule set of both.
    lang
        Language of ``before``, ``after`` and ``cause``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``change`` is a code of :data:`CHANGES`, ``days`` how many
        days the start moved (same placement only). Sorted by change, then by investment
        (largest first) and project id.
    """
    projects = {p.project_id: p for p in before.projects}
    holders = {c: pid for pid, pl in new.items() for c in pl["carriers"]}
    rows: list[dict[str, Any]] = []
    for pid in sorted(set(base) | set(new)):
        b, n = base.get(pid), new.get(pid)
        change, days = _change(b, n)
        project = projects.get(pid)
        if not change or project is None:
            continue
        cause = (
            _cause(project, b, change, holders, before, after, rules, lang)
            if b is not None
            else (
                "连锁调整（方案重新优化）" if lang == "zh" else "knock-on (the plan re-optimised)"
            )
        )
        rows.append(
            {
                "change": change,
                "project_id": pid,
                "project_name": project.name,
                "investment_yi": project.investment_wan / WAN_PER_YI,
                "before": _where(b, lang),
                "after": _where(n, lang),
                "days": days,
                "cause": cause,
            }
        )
    order = {c: i for i, c in enumerate(CHANGES)}
    rows.sort(key=lambda r: (order[r["change"]], -r["investment_yi"], r["project_id"]))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["days"] = pd.Series([r["days"] for r in rows], index=frame.index, dtype=object)
    return frame


__all__ = ["CHANGES", "COLUMNS", "PlanMap", "kept_plan", "moved_items", "plan_changes"]
