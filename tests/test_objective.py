"""Objective terms (optimizer/objective.py): priority, quality, coefficients, tiers."""

from __future__ import annotations

import numpy as np
import pytest
from builders import instance, parcel, placed, project, solve, tables

from geodata.instance import Project
from optimizer.objective import (
    coefficient,
    lexicographic_weights,
    priority_points,
    quality_points,
    tier_of,
)
from optimizer.settings import Policy, Weights


@pytest.fixture(scope="module")
def projects() -> dict[str, Project]:
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("J100", inv=100.0, land_mu=45),
            project("J50", inv=50.0, land_mu=45),
            project("J12", inv=12.0, land_mu=45, stage="signed", tags="fortune500;hq"),
            project("J10", inv=10.0, land_mu=45),
            project("J1", inv=1.0, land_mu=45, output_yi=4.0, tax_wan=2000, jobs=300),
            project("Jsmall", inv=0.2, land_mu=45),
        ],
        {2026: 1000.0},
    )
    return {p.project_id: p for p in instance(t).projects}


def test_tiers(projects: dict[str, Project]) -> None:
    got = {pid: tier_of(p) for pid, p in projects.items()}
    assert got == {"J100": 100, "J50": 50, "J12": 10, "J10": 10, "J1": 1, "Jsmall": 0}


def test_priority_points(projects: dict[str, Project]) -> None:
    w = Weights()
    # tier ≥10 亿 100 + 12 亿 × 2 + signed 60 + fortune500 30 + hq 20
    assert priority_points(projects["J12"], w) == pytest.approx(234.0)
    # tier ≥1 亿 20 + 1 亿 × 2 + output 4 亿 × 0.5 + tax 2000 万 / 1000 + 300 jobs / 100
    assert priority_points(projects["J1"], w) == pytest.approx(29.0)
    # 0.2 亿 × 2 = 0.4 points: a project is always worth at least 1 point
    assert priority_points(projects["Jsmall"], w) == 1.0


def test_quality_points_and_coefficients(projects: dict[str, Project]) -> None:
    w = Weights()
    p = projects["J12"]  # 45 亩 = 4500 base units
    q = quality_points(
        p,
        supplied_cmu=np.array([4500, 5000]),  # exact, then 5 亩 wasted (−1)
        focus=np.array([True, False]),  # +5 on a carrier that names the cluster
        distance_m=np.array([0.0, 4000.0]),  # anchor +5 at the firm, +2.5 at half the radius
        delay_years=np.array([0, 1]),  # −8 a year late
        delay_days=np.array([0, 60]),  # −0.5 a month
        w=w,
    )
    assert q.tolist() == pytest.approx([10.0, -1.0 + 2.5 - 8.0 - 1.0])
    no_anchor = quality_points(
        p, supplied_cmu=0, focus=False, distance_m=None, delay_years=0, delay_days=-30, w=w
    )
    assert float(no_anchor) == 0.0  # an earlier start than desired is no bonus
    assert coefficient(234.0, q).tolist() == [244, 227]  # 226.5 rounds half up
    assert int(coefficient(1.0, -50.0)) == 1  # placing a project is always worth ≥ 1


def test_lexicographic_weights_let_one_project_outweigh_all_below(
    projects: dict[str, Project],
) -> None:
    ps = list(projects.values())
    w = lexicographic_weights(ps)
    # tiers: 100 ×1, 50 ×1, 10 ×2, 1 ×1, below 1 亿 ×1
    assert w == {0: 0, 1: 1, 10: 2, 50: 6, 100: 12}
    for t in (1, 10, 50, 100):
        below = sum(w[tier_of(p)] for p in ps if tier_of(p) < t)
        assert w[t] > below


def test_lexicographic_places_the_major_project_first() -> None:
    # two touching 60 亩 parcels; J1 is 12 亿 and needs both (tier 10) but J2,J3 together weigh more in the plain objective
    t = tables(
        [parcel("P1", 60, 0), parcel("P2", 60, 200.0)],
        [
            project("J1", land_mu=110, inv=12.0),
            project("J2", land_mu=55, inv=9.0, stage="signed", tags="fortune500;hq"),
            project("J3", land_mu=55, inv=9.0, stage="signed", tags="fortune500;hq"),
        ],
        {2026: 120.0},
    )
    plain, _, _ = solve(t)
    lex, bad, _ = solve(t, policy=Policy(lexicographic=True))
    assert bad == []
    assert "J1" in placed(lex)
    assert "J1" not in placed(plain)
