"""Parcels, projects and instances for the readiness tests (not a test module).

``make_parcel`` gives a parcel whose readiness items are all met on :data:`EARLY` unless given,
``make_district`` five parcels from ready to blocked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geodata.instance import DEFAULT_NEEDS, READINESS_ITEMS, Instance, Parcel, Project, Quota

D = dt.date
EARLY = D(2024, 6, 1)


def make_parcel(pid: str = "P1", **ready: dt.date | None) -> Parcel:
    """A parcel whose readiness items are all met on ``EARLY`` unless given."""
    dates: dict[str, dt.date | None] = dict.fromkeys(READINESS_ITEMS, EARLY)
    dates.update(ready)
    return Parcel(
        parcel_id=pid,
        zone="Z1",
        land_use="M1",
        clusters=frozenset(),
        area_cmu=5000,
        divisible=False,
        available_year=2025,
        max_pollution=3,
        min_intensity_wan_per_mu=0.0,
        min_tax_wan_per_mu=0.0,
        far_min=None,
        far_max=None,
        ready=dates,
        x_m=0.0,
        y_m=0.0,
    )


def make_project(
    pid: str = "J1", start_year: int = 2026, needs: frozenset[str] = DEFAULT_NEEDS, **kw: Any
) -> Project:
    fields: dict[str, Any] = {
        "project_id": pid,
        "name": "测试项目",
        "company": "",
        "cluster": "光子",
        "stage": "signed",
        "investment_wan": 20000,
        "land_cmu": 4000,
        "floor_m2": 0,
        "carrier": "land",
        "land_use": "M1",
        "output_wan": 0,
        "tax_wan": 0,
        "jobs": 0,
        "pollution": 1,
        "start_year": start_year,
        "ready_to_build": True,
        "needs": needs,
        "min_floor_load_kg_m2": None,
        "min_clear_height_m": None,
        "tags": frozenset(),
        "pinned_carrier": None,
    }
    fields.update(kw)
    return Project(**fields)


def make_instance(parcels: list[Parcel], projects: list[Project] | None = None) -> Instance:
    return Instance(
        parcels=tuple(parcels),
        factories=(),
        projects=tuple(projects or [make_project()]),
        quotas=(Quota(2025, "*", 100000),),
        clusters=(),
    )


def make_district() -> Instance:
    """A, ready; B and C, ready later; D, no power scheduled; E, no planning nor gas."""
    return make_instance(
        [
            make_parcel("A"),
            make_parcel("B", power=D(2025, 8, 15)),
            make_parcel("C", power=D(2026, 2, 1), water=D(2025, 12, 1)),
            make_parcel("D", power=None),
            make_parcel("E", planning=None, gas=None),
        ]
    )
