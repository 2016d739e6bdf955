"""Result and comparison maps: one self-contained HTML file each, built only from tables.

The page is a folium/Leaflet map with every script and style inlined (:mod:`maps.assets`), the
data embedded as escaped JSON (:func:`maps.offline.script_json`) and all user text written into
the page by the map script through ``textContent``. Geometry is simplified in the projected CRS,
projected to WGS84 for display, rounded and delta-encoded (:mod:`maps.geom`); parcels are drawn
on a canvas.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import branca.element
import folium
import geopandas as gpd
import pandas as pd
from jinja2 import Template

from geodata.report import DataError, Report
from geodata.schema import (
    ASSIGNMENT_COLUMNS,
    UNASSIGNED_COLUMNS,
    normalise_id,
    normalise_text,
    parse_number,
)
from geodata.store import Tables, atomic_path
from maps import assets, geom, i18n
from maps.i18n import STAGES, texts, tr
from maps.offline import TileSpec, script_json, tile_specs

#: Columns an assignments table must have; the others of the contract default to blank.
ASSIGNMENT_REQUIRED = ("project_id", "carrier_kind", "carrier_id")
READINESS_COLUMNS = ("parcel_id", "status", "ready_date", "missing")
READY_CODE = {"": 0, "ready": 1, "ready_by": 2, "blocked": 3}
#: Colours for clusters that have none (or share the default grey).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#ad494a",
    "#637939",
)
_COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
#: At most this many not-placed projects are listed by name in the KPI panel.
MAX_UNASSIGNED_LISTED = 300


@dataclass(frozen=True, slots=True)
class ResultTables:
    """One scenario's result, as the maps read it.

    Parameters
    ----------
    name
        The scenario name shown on the map.
    assignments, unassigned
        The solver's tables (columns as in :data:`ASSIGNMENT_COLUMNS`, :data:`UNASSIGNED_COLUMNS`).
    kpis
        The KPI dictionary of ``summary.json``.
    readiness
        Optional per-parcel readiness (``parcel_id, status, ready_date, missing``).
    """

    name: str
    assignments: pd.DataFrame
    unassigned: pd.DataFrame
    kpis: Mapping[str, Any]
    readiness: pd.DataFrame | None = None


# --------------------------------------------------------------------------- small helpers


def _text(v: Any) -> str:
    return normalise_text(v)


def _num(v: Any) -> float | None:
    return parse_number(v)


def _int(v: Any) -> int | None:
    f = parse_number(v)
    return None if f is None else round(f)


def _fmt(x: Any, digits: int = 1) -> str:
    f = parse_number(x)
    if f is None:
        return "—"
    return f"{f:,.{digits}f}"


def _pct(x: Any) -> str:
    f = parse_number(x)
    return "—" if f is None else f"{f * 100:.0f}%"


def _frame(
    df: pd.DataFrame | None,
    columns: Sequence[str],
    required: Sequence[str],
    layer: str,
    report: Report,
) -> pd.DataFrame:
    """Check the required columns and add the missing optional ones as blanks."""
    if df is None:
        df = pd.DataFrame(columns=list(columns))
    missing = [c for c in required if c not in df.columns]
    if missing:
        report.error(
            "missing_column",
            f"{layer} 缺少必填列 {', '.join(missing)}；找到的列：{', '.join(map(str, df.columns))}",
            f"{layer} lacks required column(s) {', '.join(missing)}; found: "
            f"{', '.join(map(str, df.columns))}",
            layer=layer,
            hint_zh=", ".join(columns),
            hint_en=", ".join(columns),
        )
    out = df.copy()
    for c in columns:
        if c not in out.columns:
            out[c] = ""
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- geometry payload


@dataclass(slots=True)
class _Geo:
    payload: dict[str, Any]
    parcel_index: dict[str, int]
    factory_index: dict[str, int]
    parcel_zone: list[str]
    factory_zone: list[str]


def _zone_names(tables: Tables, lang: str) -> dict[str, str]:
    return i18n.zone_names(tables, lang)


def _admitted(tables: Tables, lang: str) -> list[str]:
    """Per parcel, the clusters its zoning admits (names, joined), or "any industry"."""
    par = tables.parcels
    if not len(par):
        return []
    name_col = "name_en" if lang == "en" else "name_zh"
    names = {
        normalise_id(r.get("cluster")): _text(r.get(name_col)) or _text(r.get("name_zh"))
        for r in tables.clusters.to_dict("records")
    }
    sep = ", " if lang == "en" else "、"
    out: list[str] = []
    for value in par["clusters"] if "clusters" in par.columns else [()] * len(par):
        if isinstance(value, str):
            value = re.split(r"[,;，；、\s]+", value)
        codes = [normalise_id(c) for c in (value if isinstance(value, list | tuple) else ())]
        codes = [c for c in codes if c]
        out.append(
            sep.join(names.get(c) or c for c in codes)
            if codes
            else tr(lang, "不限（工业用途均可）", "any industrial use")
        )
    return out


def _geo_payload(tables: Tables, *, lang: str, shift_gcj02: bool) -> _Geo:
    par = tables.parcels
    zone_names = _zone_names(tables, lang)
    parcel_ids = [normalise_id(v) for v in par["parcel_id"]] if len(par) else []
    parcel_zone = [normalise_id(v) for v in par["zone"]] if len(par) else []
    areas = [_num(v) for v in par["area_mu"]] if len(par) else []
    encoded: list[geom.Encoded] = []
    bounds = None
    if len(par):
        encoded, bounds = geom.display_polygons(par.geometry, shift_gcj02=shift_gcj02)
    land_use = [_text(v) for v in par["land_use"]] if "land_use" in par.columns else []
    land_use += [""] * (len(parcel_ids) - len(land_use))
    admitted = _admitted(tables, lang)
    parcels = [
        [pid, zone_names.get(z, z), round(a, 1) if a is not None else None, g, lu, adm]
        for pid, z, a, g, lu, adm in zip(
            parcel_ids, parcel_zone, areas, encoded, land_use, admitted, strict=True
        )
    ]
    fac = tables.factories
    factories: list[list[Any]] = []
    factory_ids: list[str] = []
    factory_zone: list[str] = []
    if len(fac):
        pts = geom.point_latlng(fac.geometry, shift_gcj02=shift_gcj02)
        factory_ids = [normalise_id(v) for v in fac["factory_id"]]
        factory_zone = [normalise_id(v) for v in fac["zone"]]
        for fid, z, floor, pt in zip(
            factory_ids, factory_zone, fac["floor_area_m2"], pts, strict=True
        ):
            factories.append([fid, zone_names.get(z, z), _num(floor) or 0.0, pt])
        if bounds is None and pts:
            lats = [p[0] for p in pts]
            lngs = [p[1] for p in pts]
            bounds = [[min(lats), min(lngs)], [max(lats), max(lngs)]]
    zones: list[dict[str, Any]] = []
    zlayer = tables.zones
    if zlayer is not None and len(zlayer) and zlayer.geometry.notna().any():
        zg = zlayer[zlayer.geometry.notna() & ~zlayer.geometry.is_empty]
        enc, _ = geom.display_polygons(zg.geometry, tolerance_m=5.0, shift_gcj02=shift_gcj02)
        labels = geom.point_latlng(zg.geometry, shift_gcj02=shift_gcj02)
        for code, g, p in zip(zg["zone"], enc, labels, strict=True):
            c = normalise_id(code)
            zones.append({"n": zone_names.get(c, c), "g": g, "p": p})
    elif len(par):
        # no zones layer: outline each zone's parcels (hull, 60 m margin), labelled as derived
        derived = gpd.GeoDataFrame({"zone": parcel_zone}, geometry=par.geometry.values, crs=par.crs)
        hulls = derived.dissolve("zone").convex_hull.buffer(60.0)
        enc, _ = geom.display_polygons(hulls, tolerance_m=5.0, shift_gcj02=shift_gcj02)
        labels = geom.point_latlng(hulls, shift_gcj02=shift_gcj02)
        note = tr(lang, "（按地块范围）", " (from parcels)")
        for code, g, p in zip(hulls.index, enc, labels, strict=True):
            zones.append({"n": zone_names.get(str(code), str(code)) + note, "g": g, "p": p})
    return _Geo(
        payload={"parcels": parcels, "factories": factories, "zones": zones, "bounds": bounds},
        parcel_index={pid: i for i, pid in enumerate(parcel_ids)},
        factory_index={fid: i for i, fid in enumerate(factory_ids)},
        parcel_zone=parcel_zone,
        factory_zone=factory_zone,
    )


# --------------------------------------------------------------------------- result payload


def _clusters(
    tables: Tables, extra: Sequence[str], lang: str
) -> tuple[list[list[str]], dict[str, int]]:
    rows: list[list[str]] = []
    index: dict[str, int] = {}
    seen_colours: set[str] = set()
    k = 0
    cl = tables.clusters
    name_col = "name_en" if lang == "en" else "name_zh"
    for r in cl.to_dict("records"):
        code = normalise_id(r.get("cluster"))
        if not code or code in index:
            continue
        colour = _text(r.get("color"))
        if not _COLOUR_RE.match(colour) or colour.lower() in seen_colours or colour == "#888888":
            colour = PALETTE[k % len(PALETTE)]
            k += 1
        seen_colours.add(colour.lower())
        index[code] = len(rows)
        rows.append([code, _text(r.get(name_col)) or _text(r.get("name_zh")) or code, colour])
    for code in extra:
        if code and code not in index:
            index[code] = len(rows)
            rows.append([code, code, PALETTE[k % len(PALETTE)]])
            k += 1
    if "" not in index:
        index[""] = len(rows)
        rows.append(["", tr(lang, "未注明", "unspecified"), "#9e9e9e"])
    return rows, index


def _kpi_sections(kpis: Mapping[str, Any], zone_names: Mapping[str, str], lang: str) -> list[Any]:
    t = texts(lang)
    sections: list[Any] = []
    placed = kpis.get("projects_placed")
    total = kpis.get("projects_total")
    main = [
        [
            tr(lang, "落地总投资", "Investment placed"),
            f"{_fmt(kpis.get('investment_yi'), 1)} {t['yi']}",
        ],
        [tr(lang, "年产值", "Annual output"), f"{_fmt(kpis.get('output_yi'), 1)} {t['yi']}"],
        [tr(lang, "年税收", "Annual tax"), f"{_fmt(kpis.get('tax_wan'), 0)} {t['wan']}"],
    ]
    if kpis.get("jobs") is not None:
        main.append([tr(lang, "就业", "Jobs"), _fmt(kpis.get("jobs"), 0)])
    main.append([tr(lang, "落地项目", "Projects placed"), f"{_fmt(placed, 0)} / {_fmt(total, 0)}"])
    if kpis.get("supply_rate_signed_major") is not None:
        main.append(
            [
                tr(lang, "签约重大项目供地率", "Land supply rate, signed major"),
                _pct(kpis.get("supply_rate_signed_major")),
            ]
        )
    if kpis.get("ready_share") is not None:
        main.append(
            [tr(lang, "拿地即开工占比", "Ready-to-build share"), _pct(kpis.get("ready_share"))]
        )
    sections.append([tr(lang, "落地成效", "Outcome"), main])
    got = kpis.get("major_by_tier") or {}
    tot = kpis.get("major_total_by_tier") or {}
    if isinstance(got, Mapping) and isinstance(tot, Mapping) and (got or tot):
        tiers = list(dict.fromkeys([*tot.keys(), *got.keys()]))
        sections.append(
            [
                tr(lang, "重大项目（落地 / 项目库）", "Major projects (placed / pipeline)"),
                [[_text(k), f"{_fmt(got.get(k), 0)} / {_fmt(tot.get(k), 0)}"] for k in tiers],
            ]
        )
    quota = kpis.get("quota") or []
    if isinstance(quota, Sequence) and quota:
        rows = []
        for q in quota:
            if not isinstance(q, Mapping):
                continue
            zone = _text(q.get("zone")) or "*"
            zname = zone_names.get(zone) or i18n.code_label("zone", zone, lang)
            used, cap = _num(q.get("used_mu")), _num(q.get("quota_mu"))
            share = f"（{used / cap:.0%}）" if used is not None and cap else ""
            rows.append(
                [f"{_text(q.get('year'))} {zname}", f"{_fmt(used, 0)} / {_fmt(cap, 0)}{share}"]
            )
        sections.append(
            [tr(lang, "用地指标 已用 / 指标（亩）", "Land quota used / quota (mu)"), rows]
        )
    return sections


def _result_payload(
    tables: Tables,
    geo: _Geo,
    res: ResultTables,
    *,
    title: str,
    subtitle: str,
    date: str,
    tiles: list[TileSpec],
    notice: str,
    lang: str,
    report: Report,
    label: str = "",
) -> dict[str, Any]:
    t = texts(lang)
    layer_a = f"assignments{label}"
    asg = _frame(res.assignments, ASSIGNMENT_COLUMNS, ASSIGNMENT_REQUIRED, layer_a, report)
    una = _frame(res.unassigned, UNASSIGNED_COLUMNS, ("project_id",), f"unassigned{label}", report)
    rdy = None
    if res.readiness is not None:
        rdy = _frame(
            res.readiness, READINESS_COLUMNS, ("parcel_id", "status"), f"readiness{label}", report
        )
    if report.errors:
        return {}
    extra = sorted(
        {normalise_id(c) for c in asg["cluster"]} | {normalise_id(c) for c in una["cluster"]}
    )
    clusters, cindex = _clusters(tables, extra, lang)
    projects: list[list[Any]] = []
    pindex: dict[str, int] = {}
    prow: list[list[list[Any]]] = [[] for _ in geo.parcel_index]
    frow: list[list[list[Any]]] = [[] for _ in geo.factory_index]
    years: set[int] = set()
    for i, r in enumerate(asg.to_dict("records")):
        pid = normalise_id(r["project_id"])
        kind = _text(r["carrier_kind"]).lower()
        cid = normalise_id(r["carrier_id"])
        where = {"layer": layer_a, "row": i + 1}
        if not pid:
            report.error(
                "blank_id", "项目编号为空", "blank project_id", column="project_id", **where
            )
            continue
        if kind not in ("parcel", "factory"):
            report.error(
                "bad_carrier_kind",
                f"载体类型 {kind or '（空）'} 无效",
                f"invalid carrier_kind {kind or '(blank)'}",
                column="carrier_kind",
                hint_zh="parcel 或 factory",
                hint_en="parcel or factory",
                **where,
            )
            continue
        index = geo.parcel_index if kind == "parcel" else geo.factory_index
        if cid not in index:
            report.error(
                "unknown_carrier",
                f"{'地块' if kind == 'parcel' else '标准厂房'} {cid} 不在数据文件中（结果与数据不一致？）",
                f"{kind} {cid} is not in the data file (result and data do not match?)",
                column="carrier_id",
                **where,
            )
            continue
        readiness = _text(r["readiness"]).lower()
        year = _int(r["year"])
        if year is not None:
            years.add(year)
        share = _num(r["share"])
        if pid not in pindex:
            pindex[pid] = len(projects)
            stage = _text(r["stage"])
            stage_label = STAGES.get(stage, (stage, stage))[1 if lang == "en" else 0]
            projects.append(
                [
                    pid,
                    _text(r["name"]),
                    _text(r["company"]),
                    cindex.get(normalise_id(r["cluster"]), cindex[""]),
                    stage_label,
                    _num(r["investment_yi"]),
                    _num(r["output_yi"]),
                    _num(r["tax_wan"]),
                    _int(r["jobs"]),
                    year,
                    _text(r["start_date"]),
                    READY_CODE.get(readiness, 0),
                    _text(r["missing"]),
                    _text(r["group_id"]),
                    kind,
                ]
            )
        elif share is not None:
            # another parcel of a 合并供地 group: its row holds its share of the project's amounts
            # (results without ``share`` repeat the whole amounts on every row)
            proj = projects[pindex[pid]]
            for j, col in enumerate(("investment_yi", "output_yi", "tax_wan", "jobs"), start=5):
                v = _num(r[col])
                if v is not None:
                    proj[j] = round(v) + (proj[j] or 0) if j == 8 else round(v + (proj[j] or 0), 6)
        rec = [
            pindex[pid],
            _num(r["area_mu"]) or 0.0,
            _num(r["floor_m2"]) or 0.0,
            year,
            share if share is not None else 1.0,
        ]
        (prow if kind == "parcel" else frow)[index[cid]].append(rec)
    pready: list[Any] = [0] * len(geo.parcel_index)
    if rdy is not None:
        for i, r in enumerate(rdy.to_dict("records")):
            pid = normalise_id(r["parcel_id"])
            status = _text(r["status"]).lower()
            where = {"layer": f"readiness{label}", "row": i + 1}
            if pid not in geo.parcel_index:
                report.error(
                    "unknown_carrier",
                    f"地块 {pid} 不在数据文件中",
                    f"parcel {pid} is not in the data file",
                    column="parcel_id",
                    **where,
                )
                continue
            if status not in READY_CODE:
                report.error(
                    "bad_status",
                    f"开工条件状态 {status} 无效",
                    f"invalid readiness status {status}",
                    column="status",
                    hint_zh="ready、ready_by 或 blocked",
                    hint_en="ready, ready_by or blocked",
                    **where,
                )
                continue
            pready[geo.parcel_index[pid]] = [
                READY_CODE[status],
                _text(r["ready_date"]),
                _text(r["missing"]),
            ]
    used = sorted(
        {p[3] for p in projects},
        key=lambda ci: (clusters[ci][0] == "", clusters[ci][0]),
    )
    zone_names = _zone_names(tables, lang)
    reason_col = "reason_en" if lang == "en" else "reason"
    listed: list[str] = []
    for r in una.to_dict("records")[:MAX_UNASSIGNED_LISTED]:
        name = _text(r["name"]) or normalise_id(r["project_id"])
        code = normalise_id(r["cluster"])
        cname = clusters[cindex[code]][1] if code in cindex and code else ""
        inv = _num(r["investment_yi"])
        bits = [b for b in (cname, f"{inv:,.2f} {t['yi']}" if inv is not None else "") if b]
        reason = _text(r[reason_col]) or _text(r["reason"]) or _text(r["reason_code"])
        listed.append(f"{name}（{'，'.join(bits)}）：{reason}" if bits else f"{name}：{reason}")
    if len(una) > MAX_UNASSIGNED_LISTED:
        more = len(una) - MAX_UNASSIGNED_LISTED
        listed.append(tr(lang, f"……另有 {more} 个", f"… and {more} more"))
    scenario = _text(res.name) or _text(res.kpis.get("scenario"))
    dateline = " · ".join(
        b
        for b in (tr(lang, f"方案：{scenario}", f"Scenario: {scenario}") if scenario else "", date)
        if b
    )
    return {
        "t": t,
        "title": title,
        "subtitle": subtitle,
        "dateline": dateline,
        "scenario": scenario,
        "notice": notice,
        "tiles": [s.to_json() for s in tiles],
        "clusters": clusters,
        "usedClusters": used,
        "projects": projects,
        "prow": prow,
        "frow": frow,
        "pready": pready,
        "years": sorted(years),
        "kpi": _kpi_sections(res.kpis, zone_names, lang),
        "unassigned": listed,
        "unassignedTotal": len(una),
    }


# --------------------------------------------------------------------------- the page


class _Init(branca.element.MacroElement):
    """Calls the map script on a folium map with its (escaped) result payload."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "LandallocMap.init({{ this._parent.get_name() }}, landallocGeo, {{ this.payload }});"
        "{% if this.sync %}LandallocMap.syncAll();{% endif %}"
        "{% endmacro %}"
    )

    def __init__(self, payload: str, sync: bool = False) -> None:
        super().__init__()
        self._name = "LandallocInit"
        self.payload = payload
        self.sync = sync


def _page(page_title: str, geo: dict[str, Any], payloads: list[dict[str, Any]]) -> str:
    fig = branca.element.Figure()
    fig.header.add_child(
        branca.element.Element(f"<title>{html.escape(page_title)}</title>"), name="la_title"
    )
    fig.header.add_child(branca.element.Element(assets.head_html()), name="la_assets")
    fig.header.add_child(
        branca.element.Element(
            f'<script type="application/json" id="landalloc-geo">{script_json(geo)}</script>\n'
            "<script>var landallocGeo = JSON.parse("
            "document.getElementById('landalloc-geo').textContent);</script>"
        ),
        name="la_geo",
    )
    b = geo.get("bounds") or [[31.3, 120.5], [31.3, 120.5]]
    centre = [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2]
    n = len(payloads)
    for i, payload in enumerate(payloads):
        m = folium.Map(
            location=centre,
            tiles=None,
            prefer_canvas=True,
            zoom_start=13,
            width=f"{100 / n:.4f}%",
            height="100%",
            left=f"{100 * i / n:.4f}%",
            position="absolute",
            fade_animation=False,
        )
        m._id = f"la{i}"
        m.default_js = []
        m.default_css = []
        m.add_child(_Init(script_json(payload), sync=n > 1 and i == n - 1))
        fig.add_child(m, name=m.get_name())
    out: str = fig.render()
    return out


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
        p["kpi"][0][1].append([label, f"{sum(changed):,}"])
    page_title = title or " | ".join(p["scenario"] for p in payloads)
    return _page(page_title, geo.payload, payloads)


def _changed_parcels(a: dict[str, Any], b: dict[str, Any]) -> list[int]:
    """1 for each parcel whose placed projects differ between two payloads, else 0."""

    def ids(p: dict[str, Any]) -> list[frozenset[str]]:
        return [frozenset(p["projects"][r[0]][0] for r in rows) for rows in p["prow"]]

    return [int(x != y) for x, y in zip(ids(a), ids(b), strict=True)]


def write_map(html_text: str, path: str | Path) -> Path:
    """Write a map page atomically (a temporary file in the same folder, then a rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(html_text, encoding="utf-8")
    return path
