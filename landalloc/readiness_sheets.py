"""The views of ``landalloc readiness`` as files: readiness.xlsx, CSVs and readiness.gpkg.

Column headers in Chinese or English (:data:`_LABELS`), statuses by name, sheets coloured
green/amber/red by status (conditional formats, so that sorting keeps the colours), department
and item names kept as text, every file replaced atomically. Used by
:mod:`landalloc.cmd_readiness`.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geodata.schema import LAYERS
from geodata.store import Tables, atomic_path
from geodata.textsafe import neutralise_csv_text, text_cells_as_text
from landalloc.console import t
from optimizer.readiness import STATUS_LABELS, RuleSet

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
