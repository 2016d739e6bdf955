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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.report import DataError, Report
from geodata.store import Tables, atomic_path
from maps.geo_payload import _geo_payload
from maps.i18n import tr
from maps.offline import TileSpec, tile_specs
from maps.page import _page
from maps.payload import _text
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
    if report.errors:
        raise DataError(report)
    return _page(title, geo.payload, [payload])


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
