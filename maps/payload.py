"""The data a map page carries: keyed records, sent as rows under their column names.

The renderers build every record of the payload by name (a parcel is ``{"id": …, "zone": …}``)
and the map script reads them by name. On the page each kind of record is sent as a list of
rows under ``columns`` (the field names in row order), which the script turns back into objects
when it loads (``keyed`` in ``landalloc_map.js``): the same records as objects with their keys
repeated would make the demo's map 15–29 % larger. The names below are the contract between
this module and the script.

Records that point to others do so by position in their list: a project's ``cluster`` is the
index of its cluster, a placement's ``project`` the index of its project; ``prow``/``frow``
hold, per parcel/factory (in the order of the geometry), the placements on it, and ``pready``
the parcel's readiness record or ``0``. A result with alternative plans also has ``plans``:
per plan its label and its own ``clusters``, ``usedClusters``, ``projects``, ``prow``, ``frow``
and ``years``, encoded like the scenario's; plan A's (a comparison's base) are the scenario's own,
so that plan carries only ``same: true``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from geodata.schema import normalise_text, parse_number

#: A parcel of the geometry payload: display id, zone name, area (亩), encoded polygons, land use
#: and the clusters its zoning admits (names, joined).
PARCEL = ("id", "zone", "area", "geom", "landUse", "admitted")
#: A factory: id, zone name, free floor area (㎡) and its position ``[lat, lng]``.
FACTORY = ("id", "zone", "floor", "latlng")
#: A zone outline: name, encoded polygons and the label's position.
ZONE = ("name", "geom", "labelAt")
#: A cluster of the legend: code, name and colour.
CLUSTER = ("code", "name", "colour")
#: A placed project: the project's whole amounts (亿元, 万元, jobs), the index of its cluster,
#: its stage label, year and start date, readiness code (``READY_CODE``) with the missing
#: items, its 合并供地 group and the kind of its carriers (``parcel``/``factory``).
PROJECT = (
    "id",
    "name",
    "company",
    "cluster",
    "stage",
    "investment",
    "output",
    "tax",
    "jobs",
    "year",
    "start",
    "readiness",
    "missing",
    "group",
    "kind",
)
#: A placement on one carrier: project index, area (亩), floor (㎡), year and the carrier's
#: share of the project's amounts.
PLACEMENT = ("project", "area", "floor", "year", "share")
#: A parcel's own readiness: code, date it becomes ready and the missing items.
READINESS = ("status", "date", "missing")
#: A section of the KPI panel: title and its rows (``KPI_ROW``).
KPI_SECTION = ("title", "rows")
KPI_ROW = ("label", "value")


def rows(fields: Sequence[str], records: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """Records as rows in the order of ``fields``; each record has exactly those keys."""
    out: list[list[Any]] = []
    for rec in records:
        if len(rec) != len(fields) or any(f not in rec for f in fields):
            raise ValueError(f"payload record {sorted(rec)} does not have the fields {fields}")
        out.append([rec[f] for f in fields])
    return out


def encode_geo(geo: Mapping[str, Any]) -> dict[str, Any]:
    """The geometry payload as sent: parcels, factories and zones as rows under ``columns``."""
    return {
        "columns": {"parcels": PARCEL, "factories": FACTORY, "zones": ZONE},
        "parcels": rows(PARCEL, geo["parcels"]),
        "factories": rows(FACTORY, geo["factories"]),
        "zones": rows(ZONE, geo["zones"]),
        "bounds": geo["bounds"],
    }


def encode_result(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's payload as sent: its records as rows under ``columns``, the rest as is."""
    out = dict(payload)
    out["columns"] = {
        "clusters": CLUSTER,
        "projects": PROJECT,
        "placements": PLACEMENT,
        "readiness": READINESS,
        "kpiSections": KPI_SECTION,
        "kpiRows": KPI_ROW,
    }
    out["clusters"] = rows(CLUSTER, payload["clusters"])
    out["projects"] = rows(PROJECT, payload["projects"])
    out["prow"] = [rows(PLACEMENT, on) for on in payload["prow"]]
    out["frow"] = [rows(PLACEMENT, on) for on in payload["frow"]]
    out["pready"] = [rows(READINESS, [r])[0] if r else 0 for r in payload["pready"]]
    out["kpi"] = rows(
        KPI_SECTION, [{**s, "rows": rows(KPI_ROW, s["rows"])} for s in payload["kpi"]]
    )
    if "plans" in payload:  # the alternative plans' placements (switchable layers)
        out["plans"] = [
            {
                **p,
                "clusters": rows(CLUSTER, p["clusters"]),
                "projects": rows(PROJECT, p["projects"]),
                "prow": [rows(PLACEMENT, on) for on in p["prow"]],
                "frow": [rows(PLACEMENT, on) for on in p["frow"]],
            }
            if not p.get("same")
            else dict(p)  # the payload's own placements, sent once
            for p in payload["plans"]
        ]
    return out


# --------------------------------------------------------------------------- cell helpers


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
