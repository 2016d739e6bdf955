"""``landalloc readiness --slips``: what moves when one department's dates slip.

The built-in sensitivity report of item 3 of issue 19: for each department that owns a
readiness precondition, the base scenario with that department's scheduled dates delayed by
``--months`` (default 6; the scenario knob ``readiness_slip``, :mod:`optimizer.readiness.slip`)
is solved again, all departments in parallel on the engine (:mod:`landalloc.engine`), and
compared with the base solved the same way. Two views, each change with its cause
(:func:`optimizer.views.plan_changes.plan_changes`):

* **the plan kept** (exact, no solve): the base placements on the slipped dates — the starts that
  move and the 拿地即开工 placements that fail (:func:`~optimizer.views.plan_changes.kept_plan`);
* **the plan re-optimised** (a re-solve): what the district loses in projects and investment
  once the plan adapts, and every placement that differs. A re-solve that is not proven optimal
  may also differ where the slip changed nothing (knock-on changes, named as such).

Written: ``slips.xlsx`` (a summary per department; the changes of the kept plan and of the
re-optimised plan, each with the department column, filterable) and ``slips_summary.csv``,
``slips.csv`` (kept plan) and ``slips_replanned.csv`` for machines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from landalloc.console import t
from landalloc.readiness_plan import PlanBase, base_data, run_variants, variant
from landalloc.readiness_print import _rows, _say
from landalloc.readiness_sheets import _write_csv, _write_xlsx
from optimizer.readiness import RuleSet
from optimizer.readiness.slip import Slip, slip_columns, slip_instance
from optimizer.views.plan_changes import CHANGES, kept_plan, plan_changes

#: Months a department's dates slip when ``--months`` is not given.
DEFAULT_MONTHS = 6

_SUMMARY: dict[str, tuple[str, str]] = {
    "department": ("责任部门", "department"),
    "months": ("推迟(月)", "months later"),
    "starts_later": ("方案不变：开工推迟(个)", "plan kept: starts later"),
    "mean_days_later": ("方案不变：平均推迟(天)", "plan kept: mean days later"),
    "unplaced": ("方案不变：不再满足拿地即开工(个)", "plan kept: placements that fail"),
    "unplaced_investment_yi": (
        "方案不变：失败落点投资(亿元)",
        "plan kept: investment of failed placements (100M CNY)",
    ),
    "d_projects": ("重新优化：落地项目增减(个)", "re-optimised: change in projects placed"),
    "d_investment_yi": (
        "重新优化：落地投资增减(亿元)",
        "re-optimised: change in investment (100M CNY)",
    ),
    "d_objective": ("重新优化：目标值增减", "re-optimised: change in objective"),
    "moved": ("重新优化：改变落点(个)", "re-optimised: placements that differ"),
    "sentence": ("结论", "finding"),
}
_DETAIL: dict[str, tuple[str, str]] = {
    "department": ("责任部门", "department"),
    "change": ("变化", "change"),
    "project_id": ("项目编号", "project"),
    "project_name": ("项目名称", "project name"),
    "investment_yi": ("总投资(亿元)", "investment (100M CNY)"),
    "before": ("基准方案", "base plan"),
    "after": ("推迟后", "after the slip"),
    "days": ("开工推迟(天)", "days later"),
    "cause": ("原因", "cause"),
}


def slip_departments(rules: RuleSet) -> list[tuple[str, str]]:
    """The departments that own a readiness precondition, (zh, en), in rule order."""
    return [o for o in rules.owners() if slip_columns(rules, Slip(0, department=o[0]))]


def _sentence(row: dict[str, Any], lang: str) -> str:
    zh = lang == "zh"
    parts = []
    if row["starts_later"]:
        parts.append(
            f"{row['starts_later']} 个项目开工推迟（平均 {row['mean_days_later']:.0f} 天）"
            if zh
            else f"{row['starts_later']} starts later (by {row['mean_days_later']:.0f} days on "
            "average)"
        )
    if row["unplaced"]:
        parts.append(
            f"{row['unplaced']} 个落点不再满足拿地即开工（投资 "
            f"{row['unplaced_investment_yi']:.1f} 亿元）"
            if zh
            else f"{row['unplaced']} placements fail ({row['unplaced_investment_yi']:.1f} 100M CNY)"
        )
    kept = ("、" if zh else ", ").join(parts) or ("没有影响" if zh else "nothing changes")
    replan = (
        f"重新优化后落地项目 {row['d_projects']:+d} 个、投资 {row['d_investment_yi']:+.1f} 亿元"
        if zh
        else f"re-optimised: {row['d_projects']:+d} projects, {row['d_investment_yi']:+.1f} "
        "100M CNY placed"
    )
    who = row["department"]
    return (f"{who}的日期推迟 {row['months']} 个月：方案不变时，{kept}；{replan}" if zh
            else f"{who}'s dates {row['months']} months later: with the plan kept, {kept}; "
            f"{replan}")  # fmt: skip


def _summary_row(
    dept: str, months: int, changes: pd.DataFrame, replanned: pd.DataFrame, res: dict[str, Any],
    ref: dict[str, Any], lang: str,
) -> dict[str, Any]:  # fmt: skip
    later = changes[changes["change"] == "start_later"]
    days = [d for d in later["days"] if d is not None]
    lost = changes[changes["change"] == "unplaced"]
    row: dict[str, Any] = {
        "department": dept,
        "months": months,
        "starts_later": len(later),
        "mean_days_later": round(sum(days) / len(days), 1) if days else 0.0,
        "unplaced": len(lost),
        "unplaced_investment_yi": round(float(lost["investment_yi"].sum()), 2),
        "d_projects": res["projects_placed"] - ref["projects_placed"],
        "d_investment_yi": round(res["investment_yi"] - ref["investment_yi"], 2),
        "d_objective": round(float(res["objective"]) - float(ref["objective"]), 1),
        "moved": len(replanned),
    }
    row["sentence"] = _sentence(row, lang)
    return row


def slip_report(
    base: PlanBase, months: int, lang: str, opts: dict[str, Any], cache: Path | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """Solve the base and one slip per department: the summary, the changes of the kept plan
    and of the re-optimised plan (each with a ``department`` column), and where the work ran."""
    inst, rules, _ = base_data(base)
    depts = slip_departments(rules)
    scenarios = {"base": base.scenario}
    for zh, _en in depts:
        scenarios[zh] = variant(base, [{"department": zh, "months": months}])
    title = t(lang, "部门延误", "slips")
    results, where = run_variants(
        base, scenarios, address=opts.get("address"), processes=opts.get("processes"),
        cache_dir=cache, progress=title, lang=lang,
    )  # fmt: skip
    ref = results["base"]
    if ref.get("error"):
        raise RuntimeError(f"the base scenario could not be solved: {ref.get('message')}")
    summary: list[dict[str, Any]] = []
    kept: list[pd.DataFrame] = []
    replans: list[pd.DataFrame] = []
    base_plan = ref["placements"]
    for zh, en in depts:
        res = results[zh]
        name = zh if lang == "zh" else en
        if res.get("error"):
            continue
        after = slip_instance(inst, rules, [Slip(months, department=zh)])
        changes = plan_changes(base_plan, kept_plan(base_plan, after, rules), inst, after, rules,
                               lang)  # fmt: skip
        replanned = plan_changes(base_plan, res["placements"], inst, after, rules, lang)
        summary.append(_summary_row(name, months, changes, replanned, res, ref, lang))
        for frame, into in ((changes, kept), (replanned, replans)):
            frame.insert(0, "department", name)
            into.append(frame)
    summary.sort(key=lambda r: (-r["unplaced_investment_yi"], -r["starts_later"], r["department"]))
    return pd.DataFrame(summary, columns=[*_SUMMARY]), _concat(kept), _concat(replans), where


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*_DETAIL])


def _people(df: pd.DataFrame, headers: dict[str, tuple[str, str]], lang: str) -> pd.DataFrame:
    out = df[list(headers)].copy()
    if "change" in out.columns:
        out["change"] = [t(lang, *CHANGES[c]) for c in out["change"]]
    return out.rename(columns={c: t(lang, *headers[c]) for c in out.columns})


def _filter(ws: Any, df: pd.DataFrame) -> None:
    ws.auto_filter.ref = ws.dimensions


def write_slips(
    out: Path, summary: pd.DataFrame, kept: pd.DataFrame, replanned: pd.DataFrame, lang: str
) -> list[str]:
    """``slips.xlsx`` and the CSVs (each written atomically); the names written."""
    style: Callable[[Any, pd.DataFrame], None] = _filter
    out.mkdir(parents=True, exist_ok=True)
    _write_xlsx(
        out / "slips.xlsx",
        [
            (t(lang, "按部门汇总", "by department"), _people(summary, _SUMMARY, lang), style),
            (t(lang, "方案不变时的变化", "plan kept"), _people(kept, _DETAIL, lang), style),
            (t(lang, "重新优化后的变化", "re-optimised"), _people(replanned, _DETAIL, lang),
             style),
        ],
    )  # fmt: skip
    _write_csv(out / "slips_summary.csv", summary)
    _write_csv(out / "slips.csv", kept)
    _write_csv(out / "slips_replanned.csv", replanned)
    return ["slips.xlsx", "slips_summary.csv", "slips.csv", "slips_replanned.csv"]


def print_slips(summary: pd.DataFrame, detail: pd.DataFrame, lang: str, top: int = 5) -> None:
    """One line per department, then its ``top`` largest changes with their causes."""
    for r in _rows(summary):
        _say(str(r.sentence))
        part = detail[detail["department"] == r.department]
        for x in _rows(part.head(top)):
            days = t(lang, f"（{x.days} 天）", f" ({x.days} days)") if x.days is not None else ""
            _say(
                f"  {t(lang, *CHANGES[x.change])}{days} {x.project_id} {x.project_name}："
                f"{x.before} → {x.after}；{x.cause}"
            )
        if len(part) > top:
            _say(t(lang, f"  ……另 {len(part) - top} 项见输出表格", f"  … {len(part) - top} more"))


def run_slips(
    base: PlanBase, out: Path, day: dt.date, lang: str, opts: dict[str, Any]
) -> list[str]:
    """``--slips``: solve, print and write the report; the names of the files written."""
    months = opts.get("months") or DEFAULT_MONTHS
    _say(
        t(
            lang,
            f"延误敏感性：基准 {base.label}，逐个部门推迟 {months} 个月，每次求解 "
            f"{base.overrides['time_limit_s']:g} 秒",
            f"slips: base {base.label}, each department {months} months later, "
            f"{base.overrides['time_limit_s']:g} s per solve",
        )
    )
    summary, kept, replanned, where = slip_report(base, months, lang, opts, out / ".cache")
    _say(where)
    print_slips(summary, kept, lang)
    return write_slips(out, summary, kept, replanned, lang)


__all__ = ["DEFAULT_MONTHS", "run_slips", "slip_departments", "slip_report", "write_slips"]
