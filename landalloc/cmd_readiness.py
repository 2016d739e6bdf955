"""``landalloc readiness``: the "拿地即开工" check for the project service team.

Two uses:

* ``landalloc readiness DATA`` — the district's 标准地 inventory as of ``--today``: which parcels
  are ready, which become ready in each quarter, which are blocked and by which department;
* ``landalloc readiness DATA --project ID`` — the parcels for one project, ready first, with the
  start date each would give.

With ``--out DIR`` the views are written as ``readiness.xlsx`` (one sheet per view, coloured
green/amber/red), CSV files and ``readiness.gpkg`` (layer ``readiness``: parcel polygons with
``parcel_id, status, ready_date, missing`` for QGIS and the maps).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import geopandas as gpd
import pandas as pd

from geodata.instance import Instance, Project
from geodata.report import fail
from geodata.schema import LAYERS
from geodata.store import Tables, atomic_path, load
from geodata.textsafe import neutralise_csv_text, text_cells_as_text
from geodata.units import cmu_to_mu
from landalloc.console import out_console, print_report, t
from optimizer.readiness import (
    STATUS_LABELS,
    RuleSet,
    department_view,
    load_rules,
    parcel_inventory,
    parcel_statuses,
    quarter_view,
    rank_parcels,
)

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
"""

#: Column headers of the written views (zh, en); absent columns keep their machine name.
_LABELS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "rank"),
    "parcel_id": ("地块编号", "parcel id"),
    "zone": ("片区", "zone"),
    "area_mu": ("面积(亩)", "area (mu)"),
    "available_year": ("可供年份", "available from"),
    "year": ("供地年份", "supply year"),
    "status": ("状态", "status"),
    "acquisition": ("出让完成日", "land acquired"),
    "earliest_start": ("最早开工日", "earliest start"),
    "ready_date": ("条件具备日期", "ready date"),
    "quarter": ("具备季度", "ready in quarter"),
    "missing": ("缺项（责任部门、日期）", "missing (owner, date)"),
    "missing_keys": ("缺项代码", "missing keys"),
    "n_missing": ("缺项数", "items missing"),
    "standard_ready": ("标准地已具备", "standard-land ready"),
    "misfit": ("不符合的静态条件", "static rules not met"),
    "owner": ("责任部门", "owner"),
    "items": ("缺项及宗数", "items (parcels)"),
    "parcels_total": ("待办地块(宗)", "parcels waiting"),
    "parcels_scheduled": ("已排期(宗)", "scheduled"),
    "parcels_unscheduled": ("未排期(宗)", "not scheduled"),
    "next_date": ("最早计划日期", "next date"),
    "last_date": ("最晚计划日期", "last date"),
    "parcel_ids": ("地块编号", "parcel ids"),
    "period": ("时段", "period"),
    "period_end": ("截至日期", "up to"),
    "newly_ready": ("新增具备(宗)", "newly ready"),
    "newly_ready_area_mu": ("新增面积(亩)", "new area (mu)"),
    "cumulative_ready": ("累计具备(宗)", "ready in total"),
    "cumulative_area_mu": ("累计面积(亩)", "total area (mu)"),
    "share_ready": ("具备比例", "share ready"),
}
_LABELS.update(
    {c.name: (c.label_zh, c.name) for c in LAYERS["parcels"] if c.name.startswith("ready_")}
)

_GREEN, _AMBER, _RED = "C6EFCE", "FFEB9C", "FFC7CE"


def _label(col: str, lang: str) -> str:
    zh, en = _LABELS.get(col, (col, col))
    return t(lang, zh, en)


def _status_label(status: str, lang: str) -> str:
    zh, en = STATUS_LABELS[status]
    return t(lang, zh, en)


def _mu(x: float) -> str:
    return f"{x:,.1f}"


# --------------------------------------------------------------------------- views for output


def _inventory_sheet(inv: pd.DataFrame, lang: str) -> pd.DataFrame:
    order = {"ready": 0, "ready_by": 1, "blocked": 2}
    out = inv.drop(columns=["missing_keys"]).copy()
    out["_order"] = [order[s] for s in out["status"]]
    out["_day"] = [d if isinstance(d, dt.date) else dt.date.max for d in out["ready_date"]]
    out = out.sort_values(["_order", "_day", "parcel_id"], kind="stable").drop(
        columns=["_order", "_day"]
    )
    out["status"] = [_status_label(s, lang) for s in out["status"]]
    out["standard_ready"] = [
        t(lang, "是" if b else "否", "yes" if b else "no") for b in out["standard_ready"]
    ]
    return out.rename(columns={c: _label(c, lang) for c in out.columns})


def _department_sheet(dep: pd.DataFrame, lang: str) -> pd.DataFrame:
    keep = "zh" if lang == "zh" else "en"
    out = dep.rename(columns={f"owner_{keep}": "owner", f"items_{keep}": "items"}).drop(
        columns=[c for c in dep.columns if c.endswith("_zh") or c.endswith("_en")],
        errors="ignore",
    )
    cols = ["owner", "parcels_total", "parcels_scheduled", "parcels_unscheduled", "area_mu",
            "items", "next_date", "last_date", "parcel_ids"]  # fmt: skip
    out = out[cols]
    return out.rename(columns={c: _label(c, lang) for c in out.columns})


def _quarter_sheet(qv: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = qv.copy()
    out["period"] = [
        t(lang, "今天", "today") if p == "now" else t(lang, "更晚", "later") if p == "later" else p
        for p in out["period"]
    ]
    out["share_ready"] = [round(float(s), 4) for s in out["share_ready"]]
    return out.rename(columns={c: _label(c, lang) for c in out.columns})


def _rules_sheet(rules: RuleSet, today: dt.date | None, lang: str) -> pd.DataFrame:
    rows: list[dict[str, Any]] = [
        {
            t(lang, "项", "item"): t(lang, "规则版本", "rules version"),
            t(lang, "内容", "value"): rules.version,
        },
        {
            t(lang, "项", "item"): t(lang, "出让周期(天)", "transfer days"),
            t(lang, "内容", "value"): str(rules.transfer_days),
        },
        {
            t(lang, "项", "item"): t(lang, "标准地所需配套", "standard-land utilities"),
            t(lang, "内容", "value"): ";".join(sorted(rules.standard_needs)),
        },
    ]
    if today is not None:
        rows.append(
            {
                t(lang, "项", "item"): t(lang, "检查日期", "as of"),
                t(lang, "内容", "value"): today.isoformat(),
            }
        )
    for p in rules.preconditions:
        scope = (
            t(lang, "所有项目", "all projects")
            if p.applies_to == "all"
            else t(lang, f"需要 {p.applies_to[5:]} 的项目", f"projects needing {p.applies_to[5:]}")
        )
        rows.append(
            {
                t(lang, "项", "item"): p.name(lang),
                t(lang, "内容", "value"): f"{p.column} · {scope} · {p.owner(lang)}",
            }
        )
    return pd.DataFrame(rows)


def _fill(color: str) -> Any:
    from openpyxl.styles import PatternFill

    return PatternFill(start_color=color, end_color=color, fill_type="solid")


def _format_sheet(ws: Any, df: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "B2"
    for i, col in enumerate(df.columns, start=1):
        values = [str(col), *(str(v) for v in df[col].head(200).tolist())]
        width = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in v) for v in values), default=8)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
        if df[col].map(lambda v: isinstance(v, dt.date)).any():
            for cell in ws[get_column_letter(i)][1:]:
                cell.number_format = "yyyy-mm-dd"


def _colour_by_text(ws: Any, df: pd.DataFrame, col: str, colours: dict[str, str]) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.utils import get_column_letter

    if col not in df.columns or not len(df):
        return
    letter = get_column_letter(list(df.columns).index(col) + 1)
    area = f"A2:{get_column_letter(len(df.columns))}{len(df) + 1}"
    for text, colour in colours.items():
        ws.conditional_formatting.add(
            area, FormulaRule(formula=[f'${letter}2="{text}"'], fill=_fill(colour))
        )


def _colour_positive(ws: Any, df: pd.DataFrame, col: str, colour: str) -> None:
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.utils import get_column_letter

    if col not in df.columns or not len(df):
        return
    letter = get_column_letter(list(df.columns).index(col) + 1)
    ws.conditional_formatting.add(
        f"{letter}2:{letter}{len(df) + 1}",
        CellIsRule(operator="greaterThan", formula=["0"], fill=_fill(colour)),
    )


def _style_quarters(ws: Any, df: pd.DataFrame, lang: str) -> None:
    from openpyxl.utils import get_column_letter

    _colour_positive(ws, df, _label("newly_ready", lang), _GREEN)
    share = _label("share_ready", lang)
    if share in df.columns:
        letter = get_column_letter(list(df.columns).index(share) + 1)
        for cell in ws[letter][1:]:
            cell.number_format = "0%"


def _colour_departments(ws: Any, df: pd.DataFrame, lang: str) -> None:
    _colour_positive(ws, df, _label("parcels_scheduled", lang), _AMBER)
    _colour_positive(ws, df, _label("parcels_unscheduled", lang), _RED)


def _status_colours(lang: str) -> dict[str, str]:
    return {
        _status_label("ready", lang): _GREEN,
        _status_label("ready_by", lang): _AMBER,
        _status_label("blocked", lang): _RED,
    }


def _write_xlsx(
    path: Path,
    sheets: list[tuple[str, pd.DataFrame, Callable[[Any, pd.DataFrame], None] | None]],
) -> None:
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, df, style in sheets:
            df.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            text_cells_as_text(ws)  # department and item names (rules files) stay text
            _format_sheet(ws, df)
            if style is not None:
                style(ws, df)


def _write_csv(path: Path, df: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        neutralise_csv_text(df).to_csv(
            tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d"
        )


def _write_gpkg(path: Path, tables: Tables, inv: pd.DataFrame) -> None:
    parcels = tables.parcels[["parcel_id", "geometry"]]
    cols = ["parcel_id", "zone", "area_mu", "status", "ready_date", "quarter", "missing",
            "n_missing"]  # fmt: skip
    data = inv[cols].copy()
    data["ready_date"] = [
        d.isoformat() if isinstance(d, dt.date) else None for d in data["ready_date"]
    ]
    merged = parcels.merge(data, on="parcel_id", how="inner")
    gdf = gpd.GeoDataFrame(merged, geometry="geometry", crs=tables.parcels.crs)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(tmp, layer="readiness", driver="GPKG", engine="pyogrio")


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "project"


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


# --------------------------------------------------------------------------- printing


def _rows(df: pd.DataFrame) -> list[SimpleNamespace]:
    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in df.to_dict("records")]


def _say(text: str) -> None:
    out_console.print(text, markup=False)


def _standard_names(rules: RuleSet, lang: str) -> str:
    """The preconditions that make a parcel 标准地-ready, by name."""
    names = [p.name(lang) for p in rules.applicable(rules.standard_needs)]
    return t(lang, "、", ", ").join(dict.fromkeys(names))


def _print_inventory(
    data: Path, inst: Instance, today: dt.date, rules: RuleSet, inv: pd.DataFrame,
    dep: pd.DataFrame, qv: pd.DataFrame, lang: str,
) -> None:  # fmt: skip
    _say(
        t(
            lang,
            f"拿地即开工条件检查：{data.name}，检查日期 {today}，规则版本 {rules.version}"
            f"（出让周期 {rules.transfer_days} 天）",
            f"readiness check: {data.name}, as of {today}, rules {rules.version} "
            f"(land transfer {rules.transfer_days} days)",
        )
    )
    total_area = float(inv["area_mu"].sum()) if len(inv) else 0.0
    _say(
        t(
            lang,
            f"地块 {len(inv)} 宗，共 {_mu(total_area)} 亩（标准地条件：{_standard_names(rules, lang)}）：",
            f"{len(inv)} parcels, {_mu(total_area)} mu (standard land: "
            f"{_standard_names(rules, lang)}):",
        )
    )
    for status, zh, en in (
        ("ready", "已具备（今天即可拿地开工）", "ready today (标准地)"),
        ("ready_by", "待具备（已排期）", "ready later (scheduled)"),
        ("blocked", "受阻（有条件未排期）", "blocked (an item not scheduled)"),
    ):
        part = inv[inv["status"] == status]
        _say(
            t(
                lang,
                f"  {zh}：{len(part)} 宗，{_mu(float(part['area_mu'].sum()))} 亩",
                f"  {en}: {len(part)} parcels, {_mu(float(part['area_mu'].sum()))} mu",
            )
        )
    if len(qv) > 1:
        _say(t(lang, "按季度累计具备：", "ready by the end of each quarter:"))
        for r in _rows(qv.iloc[1:13]):
            period = t(lang, "更晚", "later") if r.period == "later" else str(r.period)
            _say(
                t(
                    lang,
                    f"  {period}：新增 {r.newly_ready} 宗，累计 {r.cumulative_ready} 宗"
                    f"（{r.share_ready:.0%}）",
                    f"  {period}: +{r.newly_ready}, {r.cumulative_ready} in total "
                    f"({r.share_ready:.0%})",
                )
            )
        if len(qv) > 13:
            _say(
                t(
                    lang,
                    f"  ……另 {len(qv) - 13} 个时段见输出表格",
                    f"  … {len(qv) - 13} more periods in the outputs",
                )
            )
    if len(dep):
        _say(t(lang, "按责任部门：", "by owning department:"))
        for r in _rows(dep):
            span = ""
            if r.next_date is not None:
                span = t(
                    lang,
                    f"，计划 {r.next_date} 至 {r.last_date}",
                    f", planned {r.next_date} to {r.last_date}",
                )
            _say(
                t(
                    lang,
                    f"  {r.owner_zh}：{r.parcels_total} 宗地块待办（{r.parcels_scheduled} 宗已排期"
                    f"{span}；{r.parcels_unscheduled} 宗未排期）——{r.items_zh}",
                    f"  {r.owner_en}: {r.parcels_total} parcels wait ({r.parcels_scheduled} "
                    f"scheduled{span}; {r.parcels_unscheduled} not scheduled) — {r.items_en}",
                )
            )
    blockers = Counter(
        (m.name_zh, m.name_en, m.owner_zh, m.owner_en)
        for st in parcel_statuses(inst, today, rules)
        for m in st.missing
        if m.date is None
    )
    if blockers:
        parts = [
            t(lang, f"{zh}（{ozh}）{n} 宗", f"{en} ({oen}) {n}")
            for (zh, en, ozh, oen), n in blockers.most_common()
        ]
        _say(
            t(lang, "受阻原因（未排期事项）：", "blocked by (items not scheduled): ")
            + t(lang, "、", ", ").join(parts)
        )


def _print_ranking(
    project: Project, ranked: pd.DataFrame, rules: RuleSet, top: int, lang: str, only_fitting: bool
) -> None:
    name = (
        f"（{project.name}）"
        if project.name and lang == "zh"
        else f" ({project.name})"
        if project.name
        else ""
    )
    by_need = {p.applies_to[5:]: p.name(lang) for p in rules.preconditions if p.applies_to != "all"}
    needs = t(lang, "、", ", ").join(by_need.get(u, u) for u in sorted(project.needs))
    _say(
        t(
            lang,
            f"项目 {project.project_id}{name}：产业 {project.cluster}，用地 "
            f"{cmu_to_mu(project.land_cmu):g} 亩，用地性质 {project.land_use}，计划 "
            f"{project.start_year} 年开工，配套需求 {needs}；出让周期 {rules.transfer_days} 天",
            f"project {project.project_id}{name}: cluster {project.cluster}, "
            f"{cmu_to_mu(project.land_cmu):g} mu of {project.land_use}, start wanted in "
            f"{project.start_year}, needs {needs}; land transfer {rules.transfer_days} days",
        )
    )
    if not len(ranked):
        _say(
            t(
                lang,
                "没有符合该项目静态条件（产业准入、用地性质、污染等级、面积、标准地指标）的单宗地块；"
                "加 --all 查看全部地块",
                "no single parcel passes the project's static rules (cluster, land use, "
                "pollution, area, standard-land indicators); add --all to see every parcel",
            )
        )
        if project.wants_land:
            _say(
                t(
                    lang,
                    "本排序只看单宗地块；单宗都不够大时，求解器还会考虑相邻地块合并供地",
                    "this ranking looks at single parcels; when none is large enough, the "
                    "solver also considers groups of adjacent parcels",
                )
            )
        return
    counts = Counter(ranked["status"])
    scope = t(lang, "符合静态条件的", "fitting ") if only_fitting else t(lang, "全部", "all ")
    _say(
        t(
            lang,
            f"{scope}地块 {len(ranked)} 宗：已具备 {counts['ready']}、待具备 {counts['ready_by']}、"
            f"受阻 {counts['blocked']}；按可开工日期排序（前 {min(top, len(ranked))} 宗）：",
            f"{len(ranked)} {scope}parcels: {counts['ready']} ready, {counts['ready_by']} ready "
            f"later, {counts['blocked']} blocked; best first (top {min(top, len(ranked))}):",
        )
    )
    for r in _rows(ranked.head(top)):
        start = (
            t(lang, f"可开工 {r.earliest_start}", f"start {r.earliest_start}")
            if r.earliest_start is not None
            else t(lang, "无法确定开工日", "no start date")
        )
        line = (
            f"  {r.rank:>3}. {r.parcel_id} {r.zone} {_mu(float(r.area_mu))}"
            f"{t(lang, ' 亩', ' mu')} {t(lang, f'{r.year} 年供地', f'supplied {r.year}')} "
            f"{_status_label(str(r.status), lang)} {start}"
        )
        if r.missing:
            line += t(lang, f"；缺：{r.missing}", f"; missing: {r.missing}")
        if r.misfit:
            line += t(lang, f"；不符合：{r.misfit}", f"; does not fit: {r.misfit}")
        _say(line)


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
    ) -> None:
        from landalloc.cli import lang_of

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


def _write_inventory(
    out: Path, tables: Tables, inv: pd.DataFrame, dep: pd.DataFrame, qv: pd.DataFrame,
    rules: RuleSet, day: dt.date, lang: str,
) -> list[str]:  # fmt: skip
    inv_sheet = _inventory_sheet(inv, lang)
    dep_sheet = _department_sheet(dep, lang)
    q_sheet = _quarter_sheet(qv, lang)
    status_col = _label("status", lang)
    sheets: list[tuple[str, pd.DataFrame, Callable[[Any, pd.DataFrame], None] | None]] = [
        (
            t(lang, "按地块", "by parcel"),
            inv_sheet,
            lambda ws, df: _colour_by_text(ws, df, status_col, _status_colours(lang)),
        ),
        (
            t(lang, "按季度", "by quarter"),
            q_sheet,
            lambda ws, df: _style_quarters(ws, df, lang),
        ),
        (
            t(lang, "按部门", "by department"),
            dep_sheet,
            lambda ws, df: _colour_departments(ws, df, lang),
        ),
        (t(lang, "规则", "rules"), _rules_sheet(rules, day, lang), None),
    ]
    out.mkdir(parents=True, exist_ok=True)
    # Everything is computed before the first file is written; each file is replaced atomically.
    _write_xlsx(out / "readiness.xlsx", sheets)
    _write_csv(out / "readiness_parcels.csv", inv)
    _write_csv(out / "readiness_departments.csv", dep)
    _write_csv(out / "readiness_quarters.csv", qv)
    names = ["readiness.xlsx", "readiness_parcels.csv", "readiness_departments.csv",
             "readiness_quarters.csv"]  # fmt: skip
    if len(tables.parcels) and "geometry" in tables.parcels.columns:
        _write_gpkg(out / "readiness.gpkg", tables, inv)
        names.append("readiness.gpkg")
    return names


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
