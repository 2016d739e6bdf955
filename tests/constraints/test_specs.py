"""Factory specs (optimizer/constraints/specs.py): floor area, floor load, clear height."""

from __future__ import annotations

from builders import factory, parcel, placed, project, solve, tables

Y = {2026: 1000.0}


def test_factory_specs_exclude_low_floor_load() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("J1", floor_m2=3000, min_floor_load_kg_m2=1200)],
        Y,
        factories=[
            factory("F1", 10000, floor_load_kg_m2=800),
            factory("F2", 10000, floor_load_kg_m2=1500),
        ],
    )
    sol, bad, _ = solve(t)
    assert bad == [] and placed(sol) == {"J1": ("F2",)}
