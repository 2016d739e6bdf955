"""Standard factories (optimizer/constraints/factories.py): floor area let within the free floor."""

from __future__ import annotations

import pytest
from builders import factory, parcel, project, solve, tables

from optimizer.errors import InfeasibleError

Y = {2026: 1000.0}


def test_factory_floor_area_is_shared_within_capacity() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("J1", floor_m2=6000), project("J2", floor_m2=6000), project("J3", floor_m2=3000)],
        Y,
        factories=[factory("F1", 10000)],
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert sum(c.floor_m2 for c in sol.chosen) <= 10000
    assert len(sol.chosen) == 2


def test_factory_pins_beyond_floor_area_are_infeasible() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("J1", floor_m2=6000, pinned_carrier="F1"),
            project("J2", floor_m2=6000, pinned_carrier="F1"),
        ],
        Y,
        factories=[factory("F1", 10000)],
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert any("factory F1" in en for _, en in e.value.conflicts)
