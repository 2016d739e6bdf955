"""The plan modes of ``landalloc readiness``: ``--schedule``, ``--slips`` and ``--unlock``.

Their options (:func:`_plan_options`) and :func:`run_plan_modes`, which gets the plan
(:mod:`landalloc.readiness_plan`) once and runs each mode asked for: the schedule worked back
from its start dates (:mod:`landalloc.readiness_schedule`), one slip per department
(:mod:`landalloc.readiness_slips`) and what unlocks most (:mod:`landalloc.readiness_unlock`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from geodata.report import fail
from landalloc.console import lang_of, t
from landalloc.readiness_plan import Plan, PlanBase, folder_plan, plan_base, solved_plan
from landalloc.readiness_print import _say
from landalloc.readiness_schedule import plan_schedule, print_schedule, write_schedule
from maps.i18n import zone_names

#: Where the plan modes write when no ``--out`` is given.
DEFAULT_OUT = Path("out/readiness")


def _plan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options of the plan modes, added to the ``readiness`` command."""
    options = [
        click.option("--schedule", is_flag=True, help="倒排工期：各部门按截止日期的待办 / "
                     "per-department schedule worked back from the plan's start dates"),
        click.option("--slips", is_flag=True, help="延误敏感性：逐个部门推迟 --months 个月 / "
                     "what moves when one department's dates slip"),
        click.option("--unlock", is_flag=True, help="优先打通：各片区各缺项提前 --months 个月"
                     "的收益排序 / what unlocks most when a gap is delivered earlier"),
        click.option("--months", type=click.IntRange(1, 60), default=None,
                     help="推迟/提前的月数（--slips 默认 6，--unlock 默认 3）/ months"),
        click.option("--zone", default=None,
                     help="（配合 --unlock）只看一个片区（片区代码）/ only the gaps of one zone"),
        click.option("--plan", "plan_dir", type=click.Path(file_okay=False, path_type=Path),
                     default=None, help="方案：landalloc solve 的结果目录 / a result folder"),
        click.option("--scenario", "scenario_path",
                     type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="方案：在此求解的情景文件 / a scenario file solved here"),
        click.option("--time-limit", type=click.FloatRange(0.1, None), default=None,
                     help="每次求解的秒数（默认 10 或情景文件的值）/ seconds per solve"),
        click.option("--processes", type=click.IntRange(1, None), default=None,
                     help="并行求解的本机进程数（默认每核一个）/ local worker processes"),
        click.option("--address", default=None,
                     help="已有 Dask 集群地址 / an existing Dask cluster (tcp://HOST:8786)"),
    ]  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


def _base(data: Path, rules_file: Path | None, opts: dict[str, Any], lang: str) -> PlanBase:
    """The base scenario: the result folder's recorded one, ``--scenario`` or the default."""
    scenario = opts["scenario_path"]
    plan_dir = opts["plan_dir"]
    recorded = plan_dir is not None and (plan_dir / "scenario.yaml").exists()
    if recorded:
        scenario = plan_dir / "scenario.yaml"
    return plan_base(
        data,
        scenario_path=scenario,
        rules_file=rules_file,
        time_limit_s=opts["time_limit"],
        keep_data=recorded,
        lang=lang,
    )


def _check(data: Path, opts: dict[str, Any]) -> None:
    if opts["plan_dir"] is not None and opts["scenario_path"] is not None:
        raise fail(
            "plan_twice",
            "--plan 与 --scenario 只能给一个",
            "give --plan or --scenario, not both",
            hint_zh="--plan 用已有结果，--scenario 在此求解",
            hint_en="--plan uses a result, --scenario solves one here",
        )
    plan_dir = opts["plan_dir"]
    if plan_dir is not None and not (plan_dir / "assignments.csv").is_file():
        raise fail(
            "not_a_result",
            f"{plan_dir} 不是 landalloc solve 的结果目录（缺 assignments.csv）",
            f"{plan_dir} is not a result folder of landalloc solve (no assignments.csv)",
            file=str(plan_dir),
        )


def run_plan_modes(
    ctx: click.Context,
    data: Path,
    day: dt.date,
    out: Path | None,
    rules_file: Path | None,
    modes: list[str],
    opts: dict[str, Any],
) -> None:
    """Get the plan, then run each of ``modes`` (``schedule``, ``slips``, ``unlock``)."""
    lang = lang_of(ctx)
    _check(data, opts)
    target = out if out is not None else DEFAULT_OUT
    if target.exists() and not target.is_dir():
        raise fail(
            "output_not_dir",
            f"输出位置 {target} 已存在且不是文件夹",
            f"output {target} exists and is not a folder",
            file=str(target),
        )
    base = _base(data, rules_file, opts, lang)
    if opts["plan_dir"] is not None and "schedule" in modes:
        plan: Plan | None = folder_plan(opts["plan_dir"], base.data, rules_file)
    else:
        plan = None
    written: list[str] = []
    if "schedule" in modes:
        if plan is None:
            _say(t(lang, f"求解方案：{base.label} …", f"solving the plan: {base.label} …"))
            plan = solved_plan(base, lang)
        zones = zone_names(plan.tables, lang)
        sched = plan_schedule(plan.instance, plan.assignments, plan.rules, day, lang)
        print_schedule(sched, plan.rules, day, plan.label, lang, zones=zones)
        written += write_schedule(target, sched, plan.rules, day, lang, zones)
    if "slips" in modes:
        from landalloc.readiness_slips import run_slips

        written += run_slips(base, target, day, lang, opts)
    if "unlock" in modes:
        from landalloc.readiness_unlock import run_unlock

        written += run_unlock(base, target, day, lang, opts)
    _say(t(lang, "已写出：", "written: ") + ", ".join(str(target / n) for n in written))


__all__ = ["DEFAULT_OUT", "run_plan_modes"]
