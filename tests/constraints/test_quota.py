"""Land quotas (optimizer/constraints/quota.py): per year, per zone, and pins above them."""

from __future__ import annotations

import pytest
from builders import parcel, project, solve, tables

from optimizer.errors import InfeasibleError


def test_quota_limits_land_per_year() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000), parcel("P3", 50, 2000)],
        [project(f"J{i}", land_mu=45) for i in range(3)],
        {2026: 100.0},
    )
    sol, bad, _ = solve(t)
    assert bad == [] and len(sol.chosen) == 2
    from builders import instance

    from optimizer.explain import unassigned_table

    un = unassigned_table(instance(t), sol)
    assert list(un["reason_code"]) == ["quota_exhausted"]
    assert "2026" in un["reason"].iloc[0]


def test_zone_quota_binds_below_district_quota() -> None:
    t = tables(
        [
            parcel("P1", 50, 0, zone="A"),
            parcel("P2", 50, 1000, zone="A"),
            parcel("P3", 50, 2000, zone="B"),
        ],
        [project(f"J{i}", land_mu=45) for i in range(3)],
        {2026: 1000.0},
        zone_quotas={(2026, "A"): 60.0},
    )
    sol, bad, _ = solve(t)
    assert bad == [] and len(sol.chosen) == 2
    assert sum(1 for c in sol.chosen if c.zone == "A") == 1


def test_quota_pins_above_quota_are_infeasible_and_name_the_quota() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [
            project("J1", land_mu=45, pinned_carrier="P1"),
            project("J2", land_mu=45, pinned_carrier="P2"),
        ],
        {2026: 60.0},
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert any("quota" in en and "2026" in en for _, en in e.value.conflicts)
