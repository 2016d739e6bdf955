"""``landalloc readiness``: the "拿地即开工" check for the project service team.

Two uses:

* ``landalloc readiness DATA`` — the district's 标准地 inventory as of ``--today``: which parcels
  are ready, which become ready in each quarter, which are blocked and by which department;
* ``landalloc readiness DATA --project ID`` — the parcels for one project, ready first, with the
  start date each would give;
* ``landalloc readiness DATA --schedule`` — the schedule worked back from the start dates of a
  plan (倒排工期, :mod:`landalloc.readiness_schedule`); ``--slips`` — what moves when one
  department's dates slip (:mod:`landalloc.readiness_slips`); ``--unlock`` — which gaps, delivered
  earlier, gain most (:mod:`landalloc.readiness_unlock`). The plan: ``--plan RESULT_DIR``,
  ``--scenario FILE`` or the default scenario of the data (:mod:`landalloc.readiness_plan`).

With ``--out DIR`` the views are written as ``readiness.xlsx`` (one sheet per view, coloured
green/amber/red), CSV files and ``readiness.gpkg`` (layer ``readiness``: parcel polygons with
``parcel_id, status, ready_date, missing`` for QGIS and the maps).

The command is three modules: this one (options and the two uses), what is printed
(:mod:`landalloc.readiness_print`) and the files written (:mod:`landalloc.readiness_sheets`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from geodata.instance import Instance
from geodata.report import fail
from geodata.store import load
from landalloc.console import lang_of, print_report, t
from landalloc.readiness_modes import _plan_options, run_plan_modes
from landalloc.readiness_print import _print_inventory, _print_ranking, _say
from landalloc.readiness_sheets import (
    _colour_by_text,
    _label,
    _rules_sheet,
    _safe_name,
    _status_colours,
    _status_label,
    _write_csv,
    _write_inventory,
    _write_xlsx,
)
from optimizer.readiness import RuleSet, load_rules
from optimizer.views.ranking import rank_parcels
from optimizer.views.readiness import department_view, parcel_inventory, quarter_view

HELP = """\
"拿地即开工"条件检查 / readiness check: can construction start the day the land is acquired?

\b
检查七通一平、规划条件、区域评估是否到位，以及土地出让周期（规则见 --rules）。
Checks site levelling, utilities, planning conditions and regional assessments
against the land-transfer timeline (rules overridable with --rules).

\b
示例 / examples:
  landalloc readiness geodata/demo.gpkg --today 2025-06-30 --out out/readiness
  landalloc readiness geodata/demo.gpkg --project P0001
  landalloc readiness geodata/demo.gpkg --schedule            # 倒排工期 / schedule
  landalloc readiness geodata/demo.gpkg --slips --months 6    # 延误敏感性 / slips
  landalloc readiness geodata/demo.gpkg --unlock --months 3   # 优先打通 / what unlocks most

\b
--schedule、--slips、--unlock 需要一个方案：--plan 结果目录（landalloc solve 写出），或 --scenario
情景文件（在此求解），都不给时按数据的默认情景（数据中的全部指标年份、默认政策与权重）求解，
每次求解 --time-limit 秒（默认 10）。不给 --out 时写入 out/readiness。
They need a plan: --plan RESULT_DIR, --scenario FILE (solved here), or else the data's default
scenario (every quota year, default policy and weights), --time-limit seconds per solve
(default 10). Without --out they write to out/readiness.
"""


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise fail(
            "output_not_dir",
            f"输出位置 {out} 已存在且不是文件夹",
            f"output {out} exists and is not a folder",
            file=str(out),
            hint_zh="--out 应为文件夹",
            hint_en="--out takes a folder",
        )


# --------------------------------------------------------------------------- command


def register(app: click.Group) -> None:
    """Add the ``readiness`` command to the app."""

    @app.command("readiness", help=HELP)
    @click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="检查日期（默认今天）/ reference day YYYY-MM-DD (default: today)",
    )
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="输出文件夹：readiness.xlsx、CSV、readiness.gpkg / output folder",
    )
    @click.option(
        "--rules",
        "rules_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="覆盖默认规则的 YAML 文件 / YAML file overriding the default rules",
    )
    @click.option(
        "--project",
        "project_id",
        default=None,
        help="只看一个项目：按就绪情况给地块排序 / rank parcels for one project",
    )
    @click.option(
        "--year",
        type=click.IntRange(1990, 2100),
        default=None,
        help="（配合 --project）供地年份，默认 max(计划开工年, 地块可供年, 今年) / supply year",
    )
    @click.option(
        "--all",
        "show_all",
        is_flag=True,
        help="（配合 --project）也列出不符合静态条件的地块 / include parcels that do not fit",
    )
    @click.option(
        "--top",
        type=click.IntRange(1, None),
        default=20,
        show_default=True,
        help="（配合 --project）显示前几宗 / parcels to print",
    )
    @_plan_options
    @click.pass_context
    def readiness_cmd(
        ctx: click.Context,
        data: Path,
        today: dt.datetime | None,
        out: Path | None,
        rules_file: Path | None,
        project_id: str | None,
        year: int | None,
        show_all: bool,
        top: int,
        **plan_opts: Any,
    ) -> None:
        mode = [m for m in ("schedule", "slips", "unlock") if plan_opts[m]]
        if mode:
            day = today.date() if today is not None else dt.date.today()
            run_plan_modes(ctx, data, day, out, rules_file, mode, plan_opts)
            return
        _run(ctx, data, today, out, rules_file, project_id, year, show_all, top)


def _run(
    ctx: click.Context, data: Path, today: dt.datetime | None, out: Path | None,
    rules_file: Path | None, project_id: str | None, year: int | None, show_all: bool, top: int,
) -> None:  # fmt: skip
    """``landalloc readiness``: the inventory, or the ranking for one project."""
    lang = lang_of(ctx)
    day = today.date() if today is not None else dt.date.today()
    if out is not None:
        _check_out_dir(out)
    rules = load_rules(path=rules_file)
    inst, tables, report = load(data)
    if report.warnings:
        print_report(report, lang)
    if project_id is not None:
        _project_mode(inst, rules, project_id, day, year, show_all, top, out, lang, data)
        return
    inv = parcel_inventory(inst, day, rules, lang)
    dep = department_view(inst, day, rules)
    qv = quarter_view(inst, day, rules)
    _print_inventory(data, inst, day, rules, inv, dep, qv, lang)
    if out is None:
        return
    names = _write_inventory(out, tables, inv, dep, qv, rules, day, lang)
    _say(t(lang, "已写出：", "written: ") + ", ".join(str(out / n) for n in names))


def _project_mode(
    inst: Instance, rules: RuleSet, project_id: str, day: dt.date, year: int | None,
    show_all: bool, top: int, out: Path | None, lang: str, data: Path,
) -> None:  # fmt: skip
    ids = {p.project_id: p for p in inst.projects}
    project = ids.get(project_id.strip())
    if project is None:
        sample = "、".join(sorted(ids)[:10])
        raise fail(
            "unknown_project",
            f"数据中没有项目 {project_id}",
            f"no project {project_id} in the data",
            file=data.name,
            layer="projects",
            column="project_id",
            hint_zh=f"已有项目编号如 {sample}",
            hint_en=f"existing ids e.g. {sample.replace('、', ', ')}",
        )
    ranked = rank_parcels(
        inst, project, rules, today=day, year=year, only_fitting=not show_all, lang=lang
    )
    _print_ranking(project, ranked, rules, top, lang, not show_all)
    if out is None:
        return
    sheet = ranked.copy()
    sheet["status"] = [_status_label(s, lang) for s in sheet["status"]]
    sheet = sheet.rename(columns={c: _label(c, lang) for c in sheet.columns})
    status_col = _label("status", lang)
    stem = f"readiness_project_{_safe_name(project.project_id)}"
    out.mkdir(parents=True, exist_ok=True)
    _write_xlsx(
        out / f"{stem}.xlsx",
        [
            (
                t(lang, "地块排序", "ranked parcels"),
                sheet,
                lambda ws, df: _colour_by_text(ws, df, status_col, _status_colours(lang)),
            ),
            (t(lang, "规则", "rules"), _rules_sheet(rules, day, lang), None),
        ],
    )
    _write_csv(out / f"{stem}.csv", ranked)
    _say(t(lang, "已写出：", "written: ") + f"{out / (stem + '.xlsx')}, {out / (stem + '.csv')}")
