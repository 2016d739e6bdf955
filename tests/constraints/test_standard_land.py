"""标准地 and area fit (optimizer/constraints/standard_land.py)."""

from __future__ import annotations

from builders import parcel, placed, project, solve, tables

from optimizer.settings import Policy

Y = {2026: 1000.0}


def test_area_fit_and_waste_tolerance() -> None:
    t = tables(
        [parcel("P1", 40, 0), parcel("P2", 200, 1000), parcel("P3", 60, 2000)],
        [project("J1", land_mu=45)],
        Y,
    )
    sol, bad, _ = solve(t, policy=Policy(waste_tolerance=0.5))
    assert bad == [] and placed(sol) == {"J1": ("P3",)}
    sol, bad, _ = solve(t, policy=Policy(waste_tolerance=0.2))
    assert placed(sol) == {}


def test_standard_land_intensity_floor_on_supplied_area() -> None:
    # 2 亿 = 20000 万 on a 60 亩 parcel = 333 万/亩 < 400
    t = tables(
        [parcel("P1", 60, 0, min_intensity_wan_per_mu=400)], [project("J1", land_mu=45, inv=2.0)], Y
    )
    sol, _, _ = solve(t)
    assert placed(sol) == {}
    sol, bad, _ = solve(t, policy=Policy(standard_land=False))
    assert bad == [] and placed(sol) == {"J1": ("P1",)}
