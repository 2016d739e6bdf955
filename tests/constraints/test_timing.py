"""Time rules (optimizer/constraints/timing.py): horizon, availability, 拿地即开工 readiness."""

from __future__ import annotations

from builders import parcel, placed, project, solve, tables


def test_ready_to_build_only_on_ready_parcels() -> None:
    ready = {
        f"ready_{k}": "2025-01-01"
        for k in ("levelled", "water", "power", "road", "drainage", "planning", "assessment")
    }
    late = {**ready, "ready_power": "2027-06-01"}
    t = tables(
        [parcel("P1", 50, 0, **late), parcel("P2", 60, 1000, **ready)],
        [project("J1", land_mu=45, ready_to_build=True, start_year=2026)],
        {2026: 1000.0},
    )
    sol, bad, _ = solve(t)
    assert bad == [] and placed(sol) == {"J1": ("P2",)}
    t2 = tables(
        [parcel("P1", 50, 0, **late)],
        [project("J1", land_mu=45, ready_to_build=True, start_year=2026)],
        {2026: 1000.0},
    )
    sol2, _, _ = solve(t2)
    assert placed(sol2) == {}
    from builders import instance

    from optimizer.explain import unassigned_table

    assert list(unassigned_table(instance(t2), sol2)["reason_code"]) == ["not_ready"]
