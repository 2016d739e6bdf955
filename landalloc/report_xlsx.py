"""``report.xlsx``: KPIs first, formatted for forwarding, then the detail tables.

The report is the table for people; the CSVs beside it are for machines. Each coded column of
the result tables (``cluster``, ``stage``, ``carrier_kind``, ``zone``, ``readiness``) is shown by
name (the data's zone and cluster names, the words of :mod:`maps.i18n`), and the code is kept in
the column after it, headed 代码 in Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from geodata.textsafe import text_cells_as_text
from maps.i18n import cluster_names, code_label, zone_names
from optimizer.kpis import tier_text

if TYPE_CHECKING:
    from geodata.store import Tables

HEADERS_ZH: dict[str, str] = {
    "project_id": "项目编号",
    "name": "项目名称",
    "company": "企业名称",
    "cluster_name": "产业集群",
    "cluster": "集群代码",
    "stage_name": "项目阶段",
    "stage": "阶段代码",
    "carrier_kind_name": "载体类型",
    "carrier_kind": "载体类型代码",
    "carrier_id": "载体编号",
    "group_id": "合并供地组(地块编号)",
    "share": "分摊比例",
    "zone_name": "片区",
    "zone": "片区代码",
    "year": "供地年份",
    "area_mu": "供地面积(亩)",
    "floor_m2": "厂房面积(㎡)",
    "start_date": "最早开工日期",
    "readiness_name": "开工条件",
    "readiness": "开工条件代码",
    "missing": "缺项(责任部门 日期)",
    "investment_yi": "总投资(亿元)",
    "output_yi": "年产值(亿元)",
    "tax_wan": "年税收(万元)",
    "jobs": "就业(人)",
    "ready_to_build": "要求拿地即开工",
    "priority_points": "优先级(分)",
    "coefficient": "目标系数",
    "runner_up": "备选载体(编号@年份)",
    "land_mu": "需地(亩)",
    "reason_code": "原因代码",
    "reason": "未落地原因",
    "quota_mu": "用地指标(亩)",
    "used_mu": "已用(亩)",
    "committed_mu": "年内已用(方案前,亩)",
}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


#: Note on the ``share`` header: why a 合并供地 project's amounts are split over its rows.
SHARE_NOTE = {
    "zh": "合并供地项目的总投资、年产值、年税收、就业按各地块面积占比分摊到各行，"
    "各行相加等于项目数，各列合计等于指标页；非合并供地的行分摊比例为 1。",
    "en": "A merged-supply (合并供地) project's investment, output, tax and jobs are split over "
    "its parcels' rows by area, so the rows add up to the project and each column to the KPIs. "
    "1 on other rows.",
}


#: The coded columns of the result tables, each shown by name in the column of the given name.
CODED_COLUMNS: dict[str, str] = {
    "cluster": "cluster_name",
    "stage": "stage_name",
    "carrier_kind": "carrier_kind_name",
    "zone": "zone_name",
    "readiness": "readiness_name",
}


@dataclass(frozen=True)
class Names:
    """The data's names of its zones and clusters, in one language (code → name)."""

    zones: Mapping[str, str] = field(default_factory=dict)
    clusters: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tables: Tables, lang: str) -> Names:
        """The names of the ``zones`` and ``clusters`` layers (:mod:`maps.i18n`)."""
        return cls(zone_names(tables, lang), cluster_names(tables, lang))

    def label(self, column: str, code: Any, lang: str) -> Any:
        """The name shown for the value ``code`` of the coded ``column`` (blank stays blank)."""
        if not isinstance(code, str) or not code:
            return code
        if column == "cluster":
            return self.clusters.get(code, code)
        if column == "zone":
            return self.zones.get(code) or code_label("zone", code, lang)
        return code_label(column, code, lang)


def named_columns(df: pd.DataFrame, lang: str, names: Names | None = None) -> pd.DataFrame:
    """``df`` with a name column before each coded column (:data:`CODED_COLUMNS`).

    A Chinese table shows the Chinese reason of an unplaced project, an English one the English
    reason (as ``reason``).
    """
    n = names or Names()
    out = df.copy()
    for col, name_col in CODED_COLUMNS.items():
        if col in out.columns:
            out.insert(
                list(out.columns).index(col),
                name_col,
                [n.label(col, v, lang) for v in out[col]],
            )
    if "reason_en" in out.columns:
        if lang == "en":
            out = out.drop(columns=["reason"], errors="ignore").rename(
                columns={"reason_en": "reason"}
            )
        else:
            out = out.drop(columns=["reason_en"])
    return out


def _sheet(wb: Workbook, title: str, df: pd.DataFrame, lang: str) -> None:
    ws = wb.create_sheet(title)
    cols = list(df.columns)
    ws.append([HEADERS_ZH.get(c, c) if lang == "zh" else c for c in cols])
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in row])
    if "share" in cols:
        note = SHARE_NOTE["zh" if lang == "zh" else "en"]
        ws.cell(row=1, column=cols.index("share") + 1).comment = Comment(note, "landalloc")
    _format(ws, len(cols))


def add_table_sheet(
    wb: Workbook,
    title: str,
    df: pd.DataFrame,
    lang: str = "zh",
    *,
    headers: dict[str, str] | None = None,
) -> None:
    """Append a formatted sheet (bold frozen header, fitted widths) holding ``df``.

    Parameters
    ----------
    wb
        The workbook.
    title
        The sheet name.
    df
        The table; in Chinese its column names are translated with ``headers`` (default the
        report's :data:`HEADERS_ZH`); names without a translation are kept.
    lang
        ``zh`` or ``en``.
    headers
        Extra Chinese headers, taking precedence over :data:`HEADERS_ZH`.
    """
    ws = wb.create_sheet(title)
    names = {**HEADERS_ZH, **(headers or {})}
    cols = list(df.columns)
    ws.append([names.get(c, c) if lang == "zh" else c for c in cols])
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in row])
    _format(ws, len(cols))


def _format(ws: Any, ncols: int) -> None:
    text_cells_as_text(ws)  # names from the data stay text, never formulas (every sheet gets here)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"
    for i in range(1, ncols + 1):
        letter = get_column_letter(i)
        width = max(
            (
                sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(c.value))
                for c in ws[letter]
                if c.value is not None
            ),
            default=8,
        )
        ws.column_dimensions[letter].width = min(max(8, width + 2), 60)


def _kpi_rows(kpi: dict[str, Any], zh: bool) -> list[tuple[str, Any]]:
    """(label, value) rows of the KPI sheet for one placement."""
    rows: list[tuple[str, Any]] = [
        (
            "落地项目数 / 项目总数" if zh else "projects placed / total",
            f"{kpi['projects_placed']} / {kpi['projects_total']}",
        ),
        ("落地总投资(亿元)" if zh else "investment landed (100M CNY)", kpi["investment_yi"]),
        ("落地年产值(亿元)" if zh else "output landed (100M CNY)", kpi["output_yi"]),
        ("落地年税收(万元)" if zh else "tax landed (10k CNY)", kpi["tax_wan"]),
        ("就业(人)" if zh else "jobs", kpi["jobs"]),
        ("供地面积(亩)" if zh else "land supplied (mu)", kpi["land_mu"]),
        ("标准厂房出租面积(㎡)" if zh else "factory floor let (m²)", kpi["floor_m2"]),
    ]
    for label, n in kpi["major_by_tier"].items():
        total = kpi["major_total_by_tier"][label]
        rows.append(
            (
                (
                    f"重大项目{label}落地 / 总数"
                    if zh
                    else f"major {tier_text(label, 'en')} placed / total"
                ),
                f"{n} / {total}",
            )
        )
    sr = kpi.get("supply_rate_signed_major")
    rows.append(
        (
            "签约重大项目供地率" if zh else "supply rate of signed majors",
            f"{sr:.1%}" if sr is not None else "—",
        )
    )
    rs = kpi.get("ready_share")
    rows.append(
        (
            "拿地即开工占比" if zh else "share ready on acquisition",
            f"{rs:.1%}" if rs is not None else "—",
        )
    )
    return rows + _committed_rows(kpi, zh)


def _committed_rows(kpi: dict[str, Any], zh: bool) -> list[tuple[str, Any]]:
    """What is committed apart from the plan and the plan's 存量 land (none in older KPIs)."""
    done = kpi.get("committed") or {}
    rows: list[tuple[str, Any]] = []
    if done.get("parcels"):
        rows.append(
            (
                "年内已供地块(宗 / 亩)" if zh else "parcels already supplied (count / mu)",
                f"{done['parcels']} / {done['land_mu']:g}",
            )
        )
        rows.append(
            (
                "已供地项目(个 / 亿元)" if zh else "projects already supplied (count / 100M CNY)",
                f"{done['projects']} / {done['investment_yi']:g}",
            )
        )
    for year, mu in (done.get("quota_used_mu") or {}).items():
        rows.append((f"{year} 年已用指标(亩)" if zh else f"quota used in {year} (mu)", mu))
    if kpi.get("stock_land_mu"):
        rows.append(
            (
                "方案中存量用地(不占指标,亩)" if zh else "planned stock land, no quota (mu)",
                kpi["stock_land_mu"],
            )
        )
    return rows


def write_report(
    path: Path,
    kpi: dict[str, Any],
    assignments: pd.DataFrame,
    unassigned: pd.DataFrame,
    quotas: pd.DataFrame,
    readiness: pd.DataFrame | None,
    outcome: dict[str, Any],
    lang: str = "zh",
    *,
    greedy: dict[str, Any] | None = None,
    names: Names | None = None,
    schedule: pd.DataFrame | None = None,
) -> None:
    """Write the forwarding report (the caller makes the write atomic).

    ``schedule`` (headers and names already in ``lang``,
    :func:`landalloc.readiness_schedule.report_sheet`) is the last sheet, 倒排工期, with a filter.

    With ``greedy`` (the KPIs of the greedy placement) the first sheet has a third column, so
    readers see what optimisation adds. ``names`` (the data's zone and cluster names in
    ``lang``, :meth:`Names.of`) name zones and clusters; without them their codes are shown.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "指标" if lang == "zh" else "KPIs"
    zh = lang == "zh"
    head: list[tuple[str, Any]] = [
        ("情景" if zh else "scenario", kpi.get("scenario", "")),
        (
            "求解状态" if zh else "status",
            code_label("status", str(outcome.get("status") or ""), lang),
        ),
    ]
    rows = head + _kpi_rows(kpi, zh)
    if greedy is not None:
        ref = [("", ""), ("", "—"), *_kpi_rows(greedy, zh)]
        ws.append(
            [
                "指标" if zh else "KPI",
                "优化方案" if zh else "optimised",
                "对照：按优先级依次安排" if zh else "reference: greedy by priority",
            ]
        )
        for (label, value), (_, gvalue) in zip(rows, ref, strict=True):
            ws.append([label, value, gvalue])
        _format(ws, 3)
    else:
        ws.append(["指标" if zh else "KPI", "数值" if zh else "value"])
        for r in rows:
            ws.append(list(r))
        _format(ws, 2)
    _sheet(wb, "落地项目" if zh else "placements", named_columns(assignments, lang, names), lang)
    _sheet(wb, "未落地项目" if zh else "unplaced", named_columns(unassigned, lang, names), lang)
    _sheet(wb, "用地指标" if zh else "quota use", named_columns(quotas, lang, names), lang)
    if readiness is not None:
        _sheet(wb, "开工条件" if zh else "readiness", named_columns(readiness, lang, names), lang)
    if schedule is not None:
        add_table_sheet(wb, "倒排工期" if zh else "schedule", schedule, lang)
        wb.worksheets[-1].auto_filter.ref = wb.worksheets[-1].dimensions
    wb.save(path)
