"""The comparison part of a comparison map: what changed on each parcel, and the KPI table.

A comparison map is one map of the base scenario whose plans (switchable layers) are the base
and every other scenario (:func:`maps.render.render_compare_map`). This module adds, per
scenario, the change of every parcel and factory against the base (lost, gained, moved) and one
KPI table with the base, each scenario and the difference (Δ).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from maps.i18n import texts, tr
from maps.payload import _fmt, _num, _text

#: Change codes of a carrier against the base: none, a project lost (placed in the base, not
#: placed at all here), a project gained (not placed in the base), a project moved (placed in
#: both, on another carrier or in another year).
UNCHANGED, LOST, GAINED, MOVED = 0, 1, 2, 3


def _placed(plan: Mapping[str, Any], key: str) -> list[dict[str, int | None]]:
    """Per carrier, project id → year of the plan's placements on it."""
    projects = plan["projects"]
    return [{projects[r["project"]]["id"]: r["year"] for r in on} for on in plan.get(key, [])]


#: Where a project is: carrier kind (``p``/``f``), carrier index and year.
_Place = tuple[str, int, int | None]


def _where(per_carrier: list[dict[str, int | None]], kind: str) -> dict[str, set[_Place]]:
    """Project id → the carriers (and years) it is placed on."""
    out: dict[str, set[_Place]] = {}
    for i, on in enumerate(per_carrier):
        for pid, year in on.items():
            out.setdefault(pid, set()).add((kind, i, year))
    return out


def changes(base: Mapping[str, Any], other: Mapping[str, Any]) -> tuple[list[int], list[int]]:
    """The change code of every parcel and every factory of ``other`` against ``base``.

    A carrier where a project of the base is placed nowhere in ``other`` is :data:`LOST`; else
    where a project placed nowhere in the base now is :data:`GAINED`; else where a project of
    either plan is on another carrier or in another year in the other plan, :data:`MOVED`.
    """
    bp, bf = _placed(base, "prow"), _placed(base, "frow")
    op, of = _placed(other, "prow"), _placed(other, "frow")
    b_where = {**_where(bp, "p")}
    for pid, places in _where(bf, "f").items():
        b_where.setdefault(pid, set()).update(places)
    o_where = {**_where(op, "p")}
    for pid, places in _where(of, "f").items():
        o_where.setdefault(pid, set()).update(places)

    def code(b: dict[str, int | None], o: dict[str, int | None]) -> int:
        if b == o:
            return UNCHANGED
        if any(pid not in o_where for pid in b):
            return LOST
        if any(pid not in b_where for pid in o):
            return GAINED
        if any(b_where.get(pid) != o_where.get(pid) for pid in {*b, *o}):
            return MOVED
        return UNCHANGED

    parcels = [code(b, o) for b, o in zip(bp, op, strict=True)]
    factories = [code(b, o) for b, o in zip(bf, of, strict=True)]
    return parcels, factories


#: The KPIs of the comparison table: key in the KPI dictionary, label (zh, en), digits, kind.
KPI_TABLE: tuple[tuple[str, str, str, int, str], ...] = (
    ("investment_yi", "落地总投资（亿元）", "Investment placed (100M CNY)", 1, "num"),
    ("output_yi", "年产值（亿元）", "Annual output (100M CNY)", 1, "num"),
    ("tax_wan", "年税收（万元）", "Annual tax (10k CNY)", 0, "num"),
    ("jobs", "就业（人）", "Jobs", 0, "num"),
    ("projects_placed", "落地项目（个）", "Projects placed", 0, "num"),
    ("land_mu", "供地面积（亩）", "Land supplied (mu)", 0, "num"),
    ("supply_rate_signed_major", "签约重大项目供地率", "Supply rate, signed major", 1, "pct"),
    ("ready_share", "拿地即开工占比", "Ready-to-build share", 1, "pct"),
)


def _delta(
    v: float | None, base: float | None, digits: int, kind: str, lang: str
) -> tuple[str, int]:
    """The difference as shown, and its direction (-1, 0, 1)."""
    if v is None or base is None:
        return "—", 0
    d = (v - base) * (100 if kind == "pct" else 1)
    if round(d, digits) == 0:
        return "0", 0
    sign = "+" if d > 0 else "−"
    unit = tr(lang, "个百分点", " pp") if kind == "pct" else ""
    return f"{sign}{_fmt(abs(d), digits)}{unit}", 1 if d > 0 else -1


def _value(v: float | None, digits: int, kind: str) -> str:
    if v is None:
        return "—"
    return f"{v * 100:.{digits}f}%" if kind == "pct" else _fmt(v, digits)


def kpi_table(kpis: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Rows of the comparison's KPI table: label, each scenario's value and its Δ to the first."""
    i = 1 if lang == "en" else 0
    rows: list[dict[str, Any]] = []
    tiers: list[str] = []
    for k in kpis:
        got = k.get("major_by_tier")
        if isinstance(got, Mapping):
            tiers += [str(t) for t in got if str(t) not in tiers]
    for key, zh, en, digits, kind in KPI_TABLE:
        vals = [_num(k.get(key)) for k in kpis]
        if all(v is None for v in vals):
            continue
        rows.append(_table_row((zh, en)[i], vals, digits, kind, lang))
    for tier in tiers:
        vals = [_num((k.get("major_by_tier") or {}).get(tier)) for k in kpis]
        label = tr(lang, f"重大项目 {tier}（个）", f"Major projects {tier}")
        rows.append(_table_row(label, vals, 0, "num", lang))
    return rows


def _table_row(
    label: str, vals: list[float | None], digits: int, kind: str, lang: str
) -> dict[str, Any]:
    deltas = [_delta(v, vals[0], digits, kind, lang) for v in vals]
    return {
        "label": label,
        "values": [_value(v, digits, kind) for v in vals],
        "deltas": [d[0] for d in deltas],
        "dirs": [d[1] for d in deltas],
    }


def compare_section(
    plans: Sequence[Mapping[str, Any]], kpis: Sequence[Mapping[str, Any]], lang: str
) -> dict[str, Any]:
    """The ``compare`` part of the payload: scenario names, changes and counts, KPI table.

    ``plans`` are the scenarios' result payloads, the base first; the scenario shown when the
    page opens is the second (the first change against the base).
    """
    t = texts(lang)
    names = [_text(p.get("scenario")) or _text(p.get("title")) for p in plans]
    pch: list[list[int]] = []
    fch: list[list[int]] = []
    counts: list[list[int]] = []
    for p in plans:
        pc, fc = changes(plans[0], p)
        pch.append(pc)
        fch.append(fc)
        counts.append([sum(1 for c in pc + fc if c == k) for k in (LOST, GAINED, MOVED)])
    return {
        "names": names,
        "shown": 1 if len(plans) > 1 else 0,
        "rows": kpi_table(kpis, lang),
        "changes": pch,
        "fchanges": fch,
        "counts": counts,
        "baseWord": t["base"],
    }
