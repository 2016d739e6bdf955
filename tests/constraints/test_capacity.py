"""Parcel capacity (optimizer/constraints/capacity.py): one project, or a divisible parcel's area."""

from __future__ import annotations

import pytest
from builders import parcel, project, solve, tables

from optimizer.errors import InfeasibleError

Y = {2026: 1000.0}


def test_divisible_parcel_hosts_several_projects_up_to_its_area() -> None:
    t = tables(
        [parcel("P1", 100, 0, divisible=True)],
        [project("J1", land_mu=40), project("J2", land_mu=40), project("J3", land_mu=40)],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert len(sol.chosen) == 2  # 3 × 40 > 100


def test_divisible_parcel_pins_beyond_its_area_are_infeasible() -> None:
    t = tables(
        [parcel("P1", 100, 0, divisible=True)],
        [project(f"J{i}", land_mu=40, pinned_carrier="P1") for i in range(3)],
        Y,
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert any("P1" in en for _, en in e.value.conflicts)
