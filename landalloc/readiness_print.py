"""What ``landalloc readiness`` prints: the inventory by status, quarter and department, or
the parcels ranked for one project."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from geodata.instance import Instance, Project
from geodata.units import cmu_to_mu
from landalloc.console import out_console, t
from landalloc.readiness_sheets import _status_label
from optimizer.readiness import RuleSet
from optimizer.views.readiness import parcel_statuses


def _mu(x: float) -> str:
    return f"{x:,.1f}"


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
        ("ready_by", "预计具备（已排期）", "ready later (scheduled)"),
        ("blocked", "不具备（有条件未排期）", "not ready (an item not scheduled)"),
    ):
        part = inv[inv["status"] == status]
        _say(
            t(
                lang,
                f"  {zh}：{len(part)} 宗，{_mu(float(part['area_mu'].sum()))} 亩",
                f"  {en}: {len(part)} parcels, {_mu(float(part['area_mu'].sum()))} mu",
            )
        )
    _print_quarters(qv, lang)
    _print_departments(dep, lang)
    _print_blockers(inst, today, rules, lang)


def _print_quarters(qv: pd.DataFrame, lang: str) -> None:
    """Parcels ready by the end of each quarter (the first twelve periods)."""
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


def _print_departments(dep: pd.DataFrame, lang: str) -> None:
    """Per owning department, the parcels waiting for it and its items."""
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


def _print_blockers(inst: Instance, today: dt.date, rules: RuleSet, lang: str) -> None:
    """The items not scheduled that keep parcels from being ready, most frequent first."""
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
            t(lang, "不具备的原因（未排期事项）：", "not ready because of (items not scheduled): ")
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
            f"{scope}地块 {len(ranked)} 宗：已具备 {counts['ready']}、预计具备 {counts['ready_by']}、"
            f"不具备 {counts['blocked']}；按可开工日期排序（前 {min(top, len(ranked))} 宗）：",
            f"{len(ranked)} {scope}parcels: {counts['ready']} ready, {counts['ready_by']} ready "
            f"later, {counts['blocked']} not ready; best first (top {min(top, len(ranked))}):",
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
