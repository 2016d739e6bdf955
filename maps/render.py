"""Result and comparison maps: one self-contained HTML file each, built only from tables.

The page is a folium/Leaflet map with every script and style inlined (:mod:`maps.assets`), the
data embedded as escaped JSON (:func:`maps.offline.script_json`) and all user text written into
the page by the map script through ``textContent``. Geometry is simplified in the projected CRS,
projected to WGS84 for display, rounded and delta-encoded (:mod:`maps.geom`); parcels are drawn
on a canvas.

The page is built in parts: the geometry payload (:mod:`maps.geo_payload`), each scenario's
result payload (:mod:`maps.result_payload`), their keyed records (:mod:`maps.payload`) and the
page around them (:mod:`maps.page`); the public names of those modules are importable from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.report import DataError, Report
from geodata.store import Tables, atomic_path
from maps.geo_payload import _geo_payload
from maps.i18n import texts, tr
from maps.offline import TileSpec, tile_specs
from maps.page import _page
from maps.payload import _fmt, _text
from maps.result_payload import ASSIGNMENT_REQUIRED as ASSIGNMENT_REQUIRED
from maps.result_payload import MAX_UNASSIGNED_LISTED as MAX_UNASSIGNED_LISTED
from maps.result_payload import PALETTE as PALETTE
from maps.result_payload import READINESS_COLUMNS as READINESS_COLUMNS
from maps.result_payload import READY_CODE as READY_CODE
from maps.result_payload import ResultTables, _result_payload

# --------------------------------------------------------------------------- the maps


def _common(
    basemap: str, lang: str, tianditu_key: str | None, shift_gcj02: bool, date: str | None
) -> tuple[list[TileSpec], str, str]:
    tiles = tile_specs(basemap, lang=lang, tianditu_key=tianditu_key, shift_gcj02=shift_gcj02)
    notice = ""
    if shift_gcj02:
        notice = tr(
            lang,
            "注意：为与高德底图（GCJ-02）对齐，本图显示的坐标已偏移为 GCJ-02；数据文件中的坐标未改动。",
            "Note: to match the Gaode (GCJ-02) basemap, the coordinates shown here are shifted to "
            "GCJ-02; the coordinates in the data are unchanged.",
        )
    when = date or dt.date.today().isoformat()
    return tiles, notice, tr(lang, f"生成日期 {when}", f"generated {when}")


def render_result_map(
    tables: Tables,
    assignments: pd.DataFrame,
    unassigned: pd.DataFrame,
    kpis: Mapping[str, Any],
    *,
    readiness: pd.DataFrame | None = None,
    title: str,
    subtitle: str = "",
    basemap: str = "none",
    lang: str = "zh",
    tianditu_key: str | None = None,
    shift_gcj02: bool = False,
    date: str | None = None,
    plans: Sequence[tuple[str, ResultTables]] = (),
) -> str:
    """Render the result map of one scenario as a self-contained HTML page.

    Parameters
    ----------
    tables
        The data layers (parcels, factories, zones, clusters) in the working projected CRS.
    assignments, unassigned
        The solver's result tables (see :data:`ASSIGNMENT_COLUMNS`, :data:`UNASSIGNED_COLUMNS`).
    kpis
        The KPI dictionary (``scenario``, ``investment_yi``, ``quota``, …).
    readiness
        Optional per-parcel readiness for the readiness layer.
    title, subtitle
        Shown at the top of the map (escaped).
    basemap
        ``none`` (default), ``osm``, ``tianditu`` or ``gaode``.
    lang
        ``zh`` (default) or ``en``.
    tianditu_key
        Key for the 天地图 basemap.
    shift_gcj02
        Explicit consent to shift a display copy to GCJ-02 (required with ``gaode``).
    date
        The date shown under the title (today by default).
    plans
        Alternative plans ``(label, tables)``, B first: radio layers 方案A (shown), 方案B, ….

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    DataError
        When the result tables do not fit the data or the basemap choice is unusable.
    """
    tiles, notice, dateline = _common(basemap, lang, tianditu_key, shift_gcj02, date)
    report = Report()
    geo = _geo_payload(tables, lang=lang, shift_gcj02=shift_gcj02)
    res = ResultTables(
        name=_text(kpis.get("scenario")),
        assignments=assignments,
        unassigned=unassigned,
        kpis=kpis,
        readiness=readiness,
    )
    payload = _result_payload(
        tables,
        geo,
        res,
        title=title,
        subtitle=subtitle,
        date=dateline,
        tiles=tiles,
        notice=notice,
        lang=lang,
        report=report,
    )
    common = {"tables": tables, "geo": geo, "lang": lang, "report": report, "date": dateline}
    _add_plans(payload, res, plans, common, tiles=tiles, notice=notice)
    if report.errors:
        raise DataError(report)
    return _page(title, geo.payload, [payload])


#: The parts of a result payload that change from plan to plan (``payload["plans"]``).
PLAN_KEYS = ("clusters", "usedClusters", "projects", "prow", "frow", "years")


def _plan_label(label: str, lang: str) -> str:
    return tr(lang, f"方案{label}", f"Plan {label}")


def _add_plans(
    payload: dict[str, Any],
    main: ResultTables,
    plans: Sequence[tuple[str, ResultTables]],
    common: dict[str, Any],
    **page: Any,
) -> None:
    """Give ``payload`` (plan A's) the placements of every plan and a KPI line per plan (its
    ``objective`` and investment); nothing without plans."""
    if not plans or common["report"].errors:
        return
    lang = common["lang"]
    every = [("A", main, payload)]
    for label, res in plans:
        name = _plan_label(label, lang)
        p = _result_payload(**common, res=res, title=name, subtitle="", label=name, **page)
        if common["report"].errors:
            return
        every.append((label, res, p))
    payload["plans"] = [
        {"label": _plan_label(label, lang), **{k: p[k] for k in PLAN_KEYS}} for label, _, p in every
    ]
    yi = texts(lang)["yi"]
    rows = [
        {
            "label": _plan_label(label, lang),
            "value": tr(lang, "目标值 ", "objective ")
            + _fmt(res.kpis.get("objective"), 2)
            + tr(lang, " · 投资 ", " · investment ")
            + f"{_fmt(res.kpis.get('investment_yi'), 1)} {yi}",
        }
        for label, res, _ in every
    ]
    title = tr(lang, "比选方案（目标值 · 投资）", "Alternative plans (objective · investment)")
    payload["kpi"].append({"title": title, "rows": rows})


def render_compare_map(
    tables: Tables,
    left: ResultTables,
    right: ResultTables,
    *,
    title: str = "",
    subtitle: str = "",
    basemap: str = "none",
    lang: str = "zh",
    tianditu_key: str | None = None,
    shift_gcj02: bool = False,
    date: str | None = None,
) -> str:
    """Render two scenarios side by side (views kept in step) in one self-contained page.

    Parameters are those of :func:`render_result_map`; ``left`` and ``right`` carry each
    scenario's tables and name. Each half has its own title (the scenario name), KPI panel,
    legend and filters; the geometry is embedded once.
    """
    tiles, notice, dateline = _common(basemap, lang, tianditu_key, shift_gcj02, date)
    report = Report()
    geo = _geo_payload(tables, lang=lang, shift_gcj02=shift_gcj02)
    payloads = []
    for side, res in (
        ("（左）" if lang == "zh" else " (left)", left),
        ("（右）" if lang == "zh" else " (right)", right),
    ):
        name = _text(res.name) or _text(res.kpis.get("scenario"))
        payloads.append(
            _result_payload(
                tables,
                geo,
                res,
                title=name or (title + side),
                subtitle=title if name else subtitle,
                date=dateline,
                tiles=tiles,
                notice=notice,
                lang=lang,
                report=report,
                label=side.strip(),
            )
        )
    if report.errors:
        raise DataError(report)
    changed = _changed_parcels(payloads[0], payloads[1])
    label = tr(lang, "两方案安排不同的地块", "Parcels that differ")
    for p in payloads:
        p["changed"] = changed
        p["kpi"][0]["rows"].append({"label": label, "value": f"{sum(changed):,}"})
    page_title = title or " | ".join(p["scenario"] for p in payloads)
    return _page(page_title, geo.payload, payloads)


def _changed_parcels(a: dict[str, Any], b: dict[str, Any]) -> list[int]:
    """1 for each parcel whose placed projects differ between two payloads, else 0."""

    def ids(p: dict[str, Any]) -> list[frozenset[str]]:
        return [frozenset(p["projects"][r["project"]]["id"] for r in on) for on in p["prow"]]

    return [int(x != y) for x, y in zip(ids(a), ids(b), strict=True)]


def write_map(html_text: str, path: str | Path) -> Path:
    """Write a map page atomically (a temporary file in the same folder, then a rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(html_text, encoding="utf-8")
    return path
