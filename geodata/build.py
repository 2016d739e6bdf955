"""Validated tables → the integer :class:`~geodata.instance.Instance` the optimizer reads.

Areas become centi-mu, money 万元 and floor areas whole m² (:mod:`geodata.units`); blanks take
the contract defaults (the first quota year for availability and start years); parcels get their
neighbours in the same zone and a representative point. Everything is sorted by id.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from geodata import geometry as geom_mod
from geodata.instance import (
    DEFAULT_NEEDS,
    READINESS_ITEMS,
    Cluster,
    Factory,
    Instance,
    Parcel,
    Project,
    Quota,
)
from geodata.tables import Tables, first_year
from geodata.units import mu_to_cmu, to_int, yi_to_wan


def _opt(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def build_instance(tables: Tables) -> Instance:
    """Turn validated tables into the integer :class:`Instance` (sorted by id)."""
    first = first_year(tables)
    parcels = _parcels(tables, first)
    factories = _factories(tables, first)
    projects = _committed(_projects(tables, first), parcels)
    quota_rows: list[Any] = list(tables.quotas.itertuples(index=False))
    quotas = [
        Quota(
            year=int(q.year),
            zone=str(q.zone),
            land_cmu=mu_to_cmu(float(q.land_mu)),
            used_cmu=mu_to_cmu(float(getattr(q, "used_mu", 0.0) or 0.0)),
        )
        for q in quota_rows
    ]
    clusters = [
        Cluster(
            cluster=str(r.cluster),
            name_zh=str(r.name_zh or r.cluster),
            name_en=str(r.name_en or r.cluster),
            color=str(r.color or "#888888"),
            anchor_x_m=_opt(r.anchor_x),
            anchor_y_m=_opt(r.anchor_y),
        )
        for r in tables.clusters.itertuples(index=False)
    ]
    return Instance(
        parcels=tuple(sorted(parcels, key=lambda x: x.parcel_id)),
        factories=tuple(sorted(factories, key=lambda x: x.factory_id)),
        projects=tuple(sorted(projects, key=lambda x: x.project_id)),
        quotas=tuple(sorted(quotas, key=lambda q: (q.year, q.zone))),
        clusters=tuple(sorted(clusters, key=lambda c: c.cluster)),
        crs=tables.crs,
        source=tables.source,
    )


def _parcels(tables: Tables, first: int) -> list[Parcel]:
    """The parcels, with their neighbours in the same zone and a representative point."""
    par = tables.parcels
    nb = geom_mod.adjacency(par, "parcel_id", "zone") if len(par) else {}
    cent: Any = par.geometry.representative_point() if len(par) else []
    parcels = []
    r: Any
    for i, r in enumerate(par.itertuples(index=False)):
        parcels.append(
            Parcel(
                parcel_id=str(r.parcel_id),
                zone=str(r.zone),
                land_use=str(r.land_use),
                clusters=frozenset(r.clusters),
                area_cmu=mu_to_cmu(float(r.area_mu)),
                divisible=bool(r.divisible),
                available_year=int(r.available_year or first),
                max_pollution=int(r.max_pollution),
                min_intensity_wan_per_mu=float(r.min_intensity_wan_per_mu or 0.0),
                min_tax_wan_per_mu=float(r.min_tax_wan_per_mu or 0.0),
                far_min=_opt(r.far_min),
                far_max=_opt(r.far_max),
                ready={k: getattr(r, f"ready_{k}") for k in READINESS_ITEMS},
                x_m=float(cent.iloc[i].x),
                y_m=float(cent.iloc[i].y),
                neighbours=nb.get(str(r.parcel_id), ()),
                **_supply(r),
            )
        )
    return parcels


def _supply(r: Any) -> dict[str, Any]:
    """What is already committed on a parcel row (columns absent in older files: defaults)."""
    supplied = bool(getattr(r, "supplied", False) or False)
    when = getattr(r, "supplied_date", None)
    return {
        "supplied": supplied,
        "supplied_date": when if supplied and not pd.isna(when) else None,
        "supplied_project": str(getattr(r, "supplied_project", "") or "") if supplied else "",
        "stock": bool(getattr(r, "stock", False) or False),
    }


def _committed(projects: list[Project], parcels: list[Parcel]) -> list[Project]:
    """The projects with the parcels already supplied to them (``supplied_parcels``)."""
    held: dict[str, list[str]] = {}
    for p in parcels:
        if p.supplied and p.supplied_project:
            held.setdefault(p.supplied_project, []).append(p.parcel_id)
    return [
        replace(p, supplied_parcels=tuple(sorted(held[p.project_id])))
        if p.project_id in held
        else p
        for p in projects
    ]


def _factories(tables: Tables, first: int) -> list[Factory]:
    """The standard factories, each at a representative point."""
    fac = tables.factories
    factories: list[Factory] = []
    if not len(fac):
        return factories
    pts = fac.geometry.representative_point()
    r: Any
    for i, r in enumerate(fac.itertuples(index=False)):
        factories.append(
            Factory(
                factory_id=str(r.factory_id),
                zone=str(r.zone),
                clusters=frozenset(r.clusters),
                floor_m2=to_int(float(r.floor_area_m2)),
                floor_load_kg_m2=_opt(r.floor_load_kg_m2),
                clear_height_m=_opt(r.clear_height_m),
                available_year=int(r.available_year or first),
                max_pollution=int(r.max_pollution),
                x_m=float(pts.iloc[i].x),
                y_m=float(pts.iloc[i].y),
            )
        )
    return factories


def _projects(tables: Tables, first: int) -> list[Project]:
    """The projects; a blank carrier is derived from the space they need."""
    projects = []
    r: Any
    for r in tables.projects.itertuples(index=False):
        land = float(r.land_mu or 0.0)
        floor = float(r.floor_m2 or 0.0)
        carrier = r.carrier or (
            "either" if land > 0 and floor > 0 else "factory" if floor > 0 else "land"
        )
        projects.append(
            Project(
                project_id=str(r.project_id),
                name=str(r.name or ""),
                company=str(r.company or ""),
                cluster=str(r.cluster),
                stage=str(r.stage),
                investment_wan=yi_to_wan(float(r.investment_yi)),
                land_cmu=mu_to_cmu(land),
                floor_m2=to_int(floor),
                carrier=str(carrier),
                land_use=str(r.land_use),
                output_wan=yi_to_wan(float(r.output_yi or 0.0)),
                tax_wan=to_int(float(r.tax_wan or 0.0)),
                jobs=int(r.jobs or 0),
                pollution=int(r.pollution),
                start_year=int(r.start_year or first),
                ready_to_build=bool(r.ready_to_build),
                needs=frozenset(r.needs) if r.needs else DEFAULT_NEEDS,
                min_floor_load_kg_m2=_opt(r.min_floor_load_kg_m2),
                min_clear_height_m=_opt(r.min_clear_height_m),
                tags=frozenset(r.tags),
                pinned_carrier=str(r.pinned_carrier) if r.pinned_carrier else None,
            )
        )
    return projects
