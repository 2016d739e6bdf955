"""The result payload of a map: one scenario's clusters, projects, placements and KPI panel.

Built from the result tables (:class:`ResultTables`) against the geometry payload
(:mod:`maps.geo_payload`): a placement on a carrier that is not in the data, an unknown carrier
kind or readiness status is an error naming the table and row. Records are keyed as in
:mod:`maps.payload`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geodata.report import Report
from geodata.schema import ASSIGNMENT_COLUMNS, UNASSIGNED_COLUMNS, normalise_id
from geodata.store import Tables
from maps import i18n
from maps.geo_payload import _Geo, _zone_names
from maps.i18n import STAGES, texts, tr
from maps.offline import TileSpec
from maps.payload import _fmt, _int, _num, _pct, _text
from maps.redact import Redaction

#: Columns an assignments table must have; the others of the contract default to blank.
ASSIGNMENT_REQUIRED = ("project_id", "carrier_kind", "carrier_id")
READINESS_COLUMNS = ("parcel_id", "status", "ready_date", "missing")
READY_CODE = {"": 0, "ready": 1, "ready_by": 2, "blocked": 3}
#: The clusters' colours, in the order of the data's clusters layer: the Okabe–Ito set (a
#: categorical palette that stays distinct with the common colour-vision deficiencies), strongest
#: first, then Paul Tol's "muted" set for more than seven clusters. The layer's own ``color``
#: column is not used: one palette on every map, never a colour that means something else.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#332288",
    "#117733",
    "#882255",
    "#999933",
    "#44AA99",
    "#AA4499",
)
#: The colour of placed projects without a cluster.
UNSPECIFIED_COLOUR = "#9E9E9E"
#: At most this many not-placed projects are listed by name in the KPI panel.
MAX_UNASSIGNED_LISTED = 300
#: The amounts of a project that the rows of a 合并供地 group share (payload key, column).
_AMOUNTS = (("investment", "investment_yi"), ("output", "output_yi"), ("tax", "tax_wan"))


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


def _clusters(
    tables: Tables, extra: Sequence[str], lang: str
) -> tuple[list[dict[str, str]], dict[str, int]]:
    """The legend's clusters (each with a distinct colour) and their index by code; the codes
    of ``extra`` that the data do not name and "unspecified" (``""``) are added."""
    rows: list[dict[str, str]] = []
    index: dict[str, int] = {}
    cl = tables.clusters
    name_col = "name_en" if lang == "en" else "name_zh"
    for r in cl.to_dict("records"):
        code = normalise_id(r.get("cluster"))
        if not code or code in index:
            continue
        index[code] = len(rows)
        name = _text(r.get(name_col)) or _text(r.get("name_zh")) or code
        rows.append({"code": code, "name": name, "colour": PALETTE[len(rows) % len(PALETTE)]})
    for code in extra:
        if code and code not in index:
            index[code] = len(rows)
            rows.append({"code": code, "name": code, "colour": PALETTE[len(rows) % len(PALETTE)]})
    if "" not in index:
        index[""] = len(rows)
        rows.append(
            {"code": "", "name": tr(lang, "未注明", "unspecified"), "colour": UNSPECIFIED_COLOUR}
        )
    return rows, index


def _kpi_row(label: str, value: str) -> dict[str, str]:
    return {"label": label, "value": value}


def _kpi_sections(
    kpis: Mapping[str, Any], zone_names: Mapping[str, str], lang: str
) -> list[dict[str, Any]]:
    t = texts(lang)
    sections: list[dict[str, Any]] = []
    placed = kpis.get("projects_placed")
    total = kpis.get("projects_total")
    main = [
        _kpi_row(
            tr(lang, "落地总投资", "Investment placed"),
            f"{_fmt(kpis.get('investment_yi'), 1)} {t['yi']}",
        ),
        _kpi_row(
            tr(lang, "年产值", "Annual output"), f"{_fmt(kpis.get('output_yi'), 1)} {t['yi']}"
        ),
        _kpi_row(tr(lang, "年税收", "Annual tax"), f"{_fmt(kpis.get('tax_wan'), 0)} {t['wan']}"),
    ]
    if kpis.get("jobs") is not None:
        main.append(_kpi_row(tr(lang, "就业（人）", "Jobs"), _fmt(kpis.get("jobs"), 0)))
    main.append(
        _kpi_row(
            tr(lang, "落地项目 / 项目库（个）", "Projects placed / pipeline"),
            f"{_fmt(placed, 0)} / {_fmt(total, 0)}",
        )
    )
    if kpis.get("supply_rate_signed_major") is not None:
        main.append(
            _kpi_row(
                tr(lang, "签约重大项目供地率", "Land supply rate, signed major"),
                _pct(kpis.get("supply_rate_signed_major")),
            )
        )
    if kpis.get("ready_share") is not None:
        main.append(
            _kpi_row(
                tr(lang, "拿地即开工占比", "Ready-to-build share"), _pct(kpis.get("ready_share"))
            )
        )
    sections.append({"title": tr(lang, "落地成效", "Outcome"), "rows": main})
    sections += _committed_section(kpis, lang)
    got = kpis.get("major_by_tier") or {}
    tot = kpis.get("major_total_by_tier") or {}
    if isinstance(got, Mapping) and isinstance(tot, Mapping) and (got or tot):
        tiers = list(dict.fromkeys([*tot.keys(), *got.keys()]))
        sections.append(
            {
                "title": tr(
                    lang, "重大项目（落地 / 项目库）", "Major projects (placed / pipeline)"
                ),
                "rows": [
                    _kpi_row(_text(k), f"{_fmt(got.get(k), 0)} / {_fmt(tot.get(k), 0)}")
                    for k in tiers
                ],
            }
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
                _kpi_row(
                    f"{_text(q.get('year'))} {zname}", f"{_fmt(used, 0)} / {_fmt(cap, 0)}{share}"
                )
            )
        sections.append(
            {
                "title": tr(lang, "用地指标 已用 / 指标（亩）", "Land quota used / quota (mu)"),
                "rows": rows,
            }
        )
    return sections


def _committed_section(kpis: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """The section of what is committed apart from the plan (parcels already supplied, the
    quota this year has already used) and the plan's land on 存量 carriers, which uses no
    quota; [] when there is none."""
    t = texts(lang)
    done = kpis.get("committed")
    rows: list[dict[str, str]] = []
    if isinstance(done, Mapping) and done.get("parcels"):
        rows.append(
            _kpi_row(
                tr(lang, "已供地块（宗 / 亩）", "Parcels supplied (count / mu)"),
                f"{_fmt(done.get('parcels'), 0)} / {_fmt(done.get('land_mu'), 1)}",
            )
        )
        if done.get("projects"):
            rows.append(
                _kpi_row(
                    tr(lang, "已供地项目（个 / 投资）", "Projects supplied (count / investment)"),
                    f"{_fmt(done.get('projects'), 0)} / {_fmt(done.get('investment_yi'), 1)} {t['yi']}",
                )
            )
    used = done.get("quota_used_mu") if isinstance(done, Mapping) else None
    for year, mu in used.items() if isinstance(used, Mapping) else []:
        rows.append(
            _kpi_row(
                tr(lang, f"{year} 年已用指标（亩）", f"Quota used in {year} (mu)"), _fmt(mu, 1)
            )
        )
    if _num(kpis.get("stock_land_mu")):
        rows.append(
            _kpi_row(
                tr(lang, "方案中存量用地（不占指标，亩）", "Planned on stock land, no quota (mu)"),
                _fmt(kpis.get("stock_land_mu"), 1),
            )
        )
    if not rows:
        return []
    title = tr(lang, "年内已落实与存量用地", "Committed this year, stock land")
    return [{"title": title, "rows": rows}]


@dataclass(slots=True)
class _Placed:
    """The projects placed in a result and their placements on each parcel and factory."""

    projects: list[dict[str, Any]]
    prow: list[list[dict[str, Any]]]
    frow: list[list[dict[str, Any]]]
    years: set[int]


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
    redaction: Redaction | None = None,
) -> dict[str, Any]:
    t = texts(lang)
    layer_a = f"assignments{label}"
    asg = _frame(res.assignments, ASSIGNMENT_COLUMNS, ASSIGNMENT_REQUIRED, layer_a, report)
    una = _frame(res.unassigned, UNASSIGNED_COLUMNS, ("project_id",), f"unassigned{label}", report)
    if redaction is not None:
        asg = redaction.frame(asg, amounts=True)
        una = redaction.frame(una, amounts=True)
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
    placed = _placements(asg, geo, cindex, layer_a, lang, report)
    masked = dict(redaction.masked) if redaction is not None else {}
    for proj in placed.projects:  # as written (the names of the data are shown NFKC-normalised)
        proj["name"] = masked.get(proj["id"], proj["name"])
    pready = _parcel_readiness(rdy, geo, f"readiness{label}", report)
    used = sorted(
        {p["cluster"] for p in placed.projects},
        key=lambda ci: (clusters[ci]["code"] == "", clusters[ci]["code"]),
    )
    zone_names = _zone_names(tables, lang)
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
        "projects": placed.projects,
        "prow": placed.prow,
        "frow": placed.frow,
        "pready": pready,
        "years": sorted(placed.years),
        "kpi": _kpi_sections(res.kpis, zone_names, lang),
        "unassigned": _unassigned_lines(una, clusters, cindex, lang, masked),
        "unassignedTotal": len(una),
    }


def _placements(
    asg: pd.DataFrame,
    geo: _Geo,
    cindex: dict[str, int],
    layer_a: str,
    lang: str,
    report: Report,
) -> _Placed:
    """The placed projects (whole amounts) and each carrier's placements, from the assignments;
    a row with a blank project, an unknown carrier kind or a carrier not in the data is an
    error."""
    placed = _Placed(
        projects=[],
        prow=[[] for _ in geo.parcel_index],
        frow=[[] for _ in geo.factory_index],
        years=set(),
    )
    pindex: dict[str, int] = {}
    for i, r in enumerate(asg.to_dict("records")):
        pid = normalise_id(r["project_id"])
        kind = _text(r["carrier_kind"]).lower()
        cid = normalise_id(r["carrier_id"])
        index = _carrier_index(pid, kind, cid, geo, report, {"layer": layer_a, "row": i + 1})
        if index is None:
            continue
        year = _int(r["year"])
        if year is not None:
            placed.years.add(year)
        share = _num(r["share"])
        if pid not in pindex:
            pindex[pid] = len(placed.projects)
            placed.projects.append(_project(r, pid, kind, year, cindex, lang))
        elif share is not None:
            # another parcel of a 合并供地 group: its row holds its share of the project's amounts
            # (results without ``share`` repeat the whole amounts on every row)
            proj = placed.projects[pindex[pid]]
            for key, col in _AMOUNTS:
                v = _num(r[col])
                if v is not None:
                    proj[key] = round(v + (proj[key] or 0), 6)
            jobs = _num(r["jobs"])
            if jobs is not None:
                proj["jobs"] = round(jobs) + (proj["jobs"] or 0)
        rec = {
            "project": pindex[pid],
            "area": _num(r["area_mu"]) or 0.0,
            "floor": _num(r["floor_m2"]) or 0.0,
            "year": year,
            "share": share if share is not None else 1.0,
        }
        (placed.prow if kind == "parcel" else placed.frow)[index[cid]].append(rec)
    return placed


def _carrier_index(
    pid: str, kind: str, cid: str, geo: _Geo, report: Report, where: dict[str, Any]
) -> dict[str, int] | None:
    """The index of the carriers of ``kind`` when the row names a project and a known carrier;
    ``None`` after reporting the row."""
    if not pid:
        report.error("blank_id", "项目编号为空", "blank project_id", column="project_id", **where)
        return None
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
        return None
    index = geo.parcel_index if kind == "parcel" else geo.factory_index
    if cid not in index:
        report.error(
            "unknown_carrier",
            f"{'地块' if kind == 'parcel' else '标准厂房'} {cid} 不在数据文件中（结果与数据不一致？）",
            f"{kind} {cid} is not in the data file (result and data do not match?)",
            column="carrier_id",
            **where,
        )
        return None
    return index


def _project(
    r: Mapping[Any, Any], pid: str, kind: str, year: int | None, cindex: dict[str, int], lang: str
) -> dict[str, Any]:
    """A placed project from its first assignment row."""
    stage = _text(r["stage"])
    return {
        "id": pid,
        "name": _text(r["name"]),
        "company": _text(r["company"]),
        "cluster": cindex.get(normalise_id(r["cluster"]), cindex[""]),
        "stage": STAGES.get(stage, (stage, stage))[1 if lang == "en" else 0],
        "investment": _num(r["investment_yi"]),
        "output": _num(r["output_yi"]),
        "tax": _num(r["tax_wan"]),
        "jobs": _int(r["jobs"]),
        "year": year,
        "start": _text(r["start_date"]),
        "readiness": READY_CODE.get(_text(r["readiness"]).lower(), 0),
        "missing": _text(r["missing"]),
        "group": _text(r["group_id"]),
        "kind": kind,
    }


def _parcel_readiness(rdy: pd.DataFrame | None, geo: _Geo, layer: str, report: Report) -> list[Any]:
    """Per parcel, its readiness record from the readiness table, or ``0``."""
    pready: list[Any] = [0] * len(geo.parcel_index)
    if rdy is None:
        return pready
    for i, r in enumerate(rdy.to_dict("records")):
        pid = normalise_id(r["parcel_id"])
        status = _text(r["status"]).lower()
        where = {"layer": layer, "row": i + 1}
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
        pready[geo.parcel_index[pid]] = {
            "status": READY_CODE[status],
            "date": _text(r["ready_date"]),
            "missing": _text(r["missing"]),
        }
    return pready


def _unassigned_lines(
    una: pd.DataFrame,
    clusters: list[dict[str, str]],
    cindex: dict[str, int],
    lang: str,
    masked: Mapping[str, str],
) -> list[str]:
    """The not-placed projects for the KPI panel, each with its cluster, amount and reason (at
    most :data:`MAX_UNASSIGNED_LISTED`, then how many more)."""
    t = texts(lang)
    reason_col = "reason_en" if lang == "en" else "reason"
    listed: list[str] = []
    for r in una.to_dict("records")[:MAX_UNASSIGNED_LISTED]:
        pid = normalise_id(r["project_id"])
        name = masked.get(pid) or _text(r["name"]) or pid
        code = normalise_id(r["cluster"])
        cname = clusters[cindex[code]]["name"] if code in cindex and code else ""
        inv = _num(r["investment_yi"])
        bits = [b for b in (cname, f"{inv:,.2f} {t['yi']}" if inv is not None else "") if b]
        reason = _text(r[reason_col]) or _text(r["reason"]) or _text(r["reason_code"])
        listed.append(f"{name}（{'，'.join(bits)}）：{reason}" if bits else f"{name}：{reason}")
    if len(una) > MAX_UNASSIGNED_LISTED:
        more = len(una) - MAX_UNASSIGNED_LISTED
        listed.append(tr(lang, f"……另有 {more} 个", f"… and {more} more"))
    return listed
