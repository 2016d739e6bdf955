"""Result and comparison maps: one self-contained HTML file each, built only from tables.

The page is a folium/Leaflet map with every script and style inlined (:mod:`maps.assets`), the
data embedded as escaped JSON (:func:`maps.offline.script_json`) and all user text written into
the page by the map script through ``textContent``. Geometry is simplified in the projected CRS,
projected to WGS84 for display, rounded and delta-encoded (:mod:`maps.geom`); parcels are drawn
on a canvas.

The page is built in parts: the geometry payload (:mod:`maps.geo_payload`), each scenario's
result payload (:mod:`maps.result_payload`), their keyed records (:mod:`maps.payload`), the
comparison's changes and KPI table (:mod:`maps.compare_payload`), the redaction
(:mod:`maps.redact`) and the page around them (:mod:`maps.page`); the public names of those
modules are importable from here. In the page, the panels sit in two columns beside the data
(``landalloc_panels.js``) and the map script draws the layers (``landalloc_map.js``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.report import DataError, Report
from geodata.store import Tables, atomic_path
from maps.compare_payload import compare_section
from maps.geo_payload import _geo_payload
from maps.i18n import cluster_names, texts, tr
from maps.offline import TileSpec, tile_specs
from maps.page import _page
from maps.payload import _fmt, _text
from maps.redact import Redaction, redaction
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
    redact: bool = False,
) -> str:
    """Render the result map of one scenario as a self-contained HTML page.

    Parameters
    ----------
    tables
        The data layers (parcels, factories, zones, clusters) in the working projected CRS.
    assignments, unassigned, kpis
        The solver's result tables (see :data:`ASSIGNMENT_COLUMNS`, :data:`UNASSIGNED_COLUMNS`)
        and the KPI dictionary (``scenario``, ``investment_yi``, ``quota``, …).
    readiness
        Optional per-parcel readiness for the readiness outlines.
    title, subtitle
        Shown at the top of the map (escaped).
    basemap, tianditu_key, shift_gcj02
        ``none`` (default), ``osm``, ``tianditu`` (with its key) or ``gaode`` (with the explicit
        consent to shift a display copy to GCJ-02).
    lang
        ``zh`` (default) or ``en``.
    date
        The date shown under the title (today by default).
    plans
        Alternative plans ``(label, tables)``, B first: radio layers 方案A (shown), 方案B, ….
    redact
        The redacted export (:mod:`maps.redact`): projects in negotiation shown only as cluster
        and size band, no companies, the page marked 内部资料.

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
    masks = _redaction(tables, [res, *(r for _, r in plans)], lang) if redact else None
    common: dict[str, Any] = {"tables": tables, "geo": geo, "lang": lang, "report": report}
    common["date"] = dateline
    payload = _result_payload(
        **common, res=res, title=title, subtitle=subtitle, tiles=tiles, notice=notice,
        redaction=masks,
    )  # fmt: skip
    _add_plans(payload, res, plans, common, tiles=tiles, notice=notice, redaction=masks)
    if report.errors:
        raise DataError(report)
    payload["redacted"] = redact
    return _page(title, geo.payload, [payload])


def _redaction(tables: Tables, results: Sequence[ResultTables], lang: str) -> Redaction:
    """The redaction covering every project of ``results`` and of the data."""
    frames = [f for r in results for f in (r.assignments, r.unassigned)]
    return redaction(frames, cluster_names(tables, lang), lang, projects=tables.projects)


#: The parts of a result payload that change from plan to plan (``payload["plans"]``).
PLAN_KEYS = ("clusters", "usedClusters", "projects", "prow", "frow", "years")


def _plan(label: str, payload: dict[str, Any], same: bool) -> dict[str, Any]:
    """One plan of ``payload["plans"]``: its label and placements, or (``same``) only a mark
    that they are the payload's own (sent once)."""
    if same:
        return {"label": label, "same": True}
    return {"label": label, **{k: payload[k] for k in PLAN_KEYS}}


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
    payload["plans"] = [_plan(_plan_label(label, lang), p, p is payload) for label, _, p in every]
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
    base: ResultTables,
    *scenarios: ResultTables,
    title: str = "",
    subtitle: str = "",
    basemap: str = "none",
    lang: str = "zh",
    tianditu_key: str | None = None,
    shift_gcj02: bool = False,
    date: str | None = None,
    redact: bool = False,
) -> str:
    """Render a comparison of scenarios as one large map in one self-contained page.

    Each scenario is a switchable layer (the base first; the second scenario is shown when the
    page opens); the parcels whose placements changed against the base are highlighted (lost,
    gained, moved, each in its own style) and one KPI table gives the base, the scenario shown
    and the difference (Δ). Parameters are those of :func:`render_result_map`; ``base`` and
    ``scenarios`` carry each scenario's tables and name.

    Raises
    ------
    DataError
        When a result does not fit the data, or no scenario is given beside the base.
    """
    if not scenarios:
        raise ValueError("a comparison needs a base and at least one other scenario")
    tiles, notice, dateline = _common(basemap, lang, tianditu_key, shift_gcj02, date)
    report = Report()
    geo = _geo_payload(tables, lang=lang, shift_gcj02=shift_gcj02)
    runs = [base, *scenarios]
    masks = _redaction(tables, runs, lang) if redact else None
    common: dict[str, Any] = {"tables": tables, "geo": geo, "lang": lang, "report": report}
    common["date"] = dateline
    payloads = []
    for i, res in enumerate(runs):
        name = _text(res.name) or _text(res.kpis.get("scenario"))
        p = _result_payload(
            **common,
            res=res,
            title=title or name,
            subtitle=subtitle,
            tiles=tiles,
            notice=notice,
            label=f"[{i + 1}]",
            redaction=masks,
        )
        if report.errors:
            raise DataError(report)
        payloads.append(p)
    names = [p["scenario"] or f"{i + 1}" for i, p in enumerate(payloads)]
    page_title = title or " ↔ ".join(names)
    payload = payloads[0]
    payload["title"] = page_title
    payload["dateline"] = dateline  # the scenarios are named in the switcher
    payload["plans"] = [
        _plan(n, p, i == 0) for i, (n, p) in enumerate(zip(names, payloads, strict=True))
    ]
    payload["compare"] = compare_section(payloads, [r.kpis for r in runs], lang)
    payload["compare"]["names"] = names
    payload["kpi"] = []
    payload["redacted"] = redact
    return _page(page_title, geo.payload, [payload])


def write_map(html_text: str, path: str | Path) -> Path:
    """Write a map page atomically (a temporary file in the same folder, then a rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(html_text, encoding="utf-8")
    return path
