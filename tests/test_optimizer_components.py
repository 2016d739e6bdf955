"""Independent parts: which candidates are linked, and solving part by part is exact."""

from __future__ import annotations

import itertools

import pytest
from builders import factory, instance, parcel, project, solve, tables

from optimizer.components import split_components
from optimizer.problem import Problem
from optimizer.settings import Policy


def _parts(t: object, **kw: object) -> list[set[str]]:
    prob = Problem(instance(t)).add_quota()  # type: ignore[arg-type]
    cands = prob.candidates()
    parts = split_components(cands, prob.effective_quotas())
    return [{cands.candidates[i].project_id for i in part} for part in parts]


def test_land_and_factory_projects_are_separate_parts_and_a_binding_quota_links_land() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [
            project("J1", land_mu=45),
            project("J2", land_mu=45),
            project("F1", floor_m2=800, carrier="factory"),
        ],
        {2026: 60.0},  # one 50-亩 parcel a year: J1 and J2 compete for the quota
        factories=[factory("FA", 1000)],
    )
    assert sorted(map(sorted, _parts(t))) == [["F1"], ["J1", "J2"]]


def test_a_quota_that_cannot_bind_does_not_link() -> None:
    t = tables(
        [parcel("P1", 50, 0, clusters="c1"), parcel("P2", 50, 1000, clusters="c2")],
        [project("J1", land_mu=45), project("J2", land_mu=45, cluster="c2")],
        {2026: 500.0},
    )
    assert sorted(map(sorted, _parts(t))) == [["J1"], ["J2"]]


def test_a_land_or_factory_project_links_the_two_parts() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("J1", land_mu=45),
            project("E1", land_mu=45, floor_m2=800, carrier="either"),
            project("F1", floor_m2=800, carrier="factory"),
        ],
        {2026: 500.0},
        factories=[factory("FA", 1000)],
    )
    assert _parts(t) == [{"J1", "E1", "F1"}]


def test_solving_by_parts_reaches_the_joint_optimum() -> None:
    """Two independent parts, each with a choice greedy gets wrong; the sum is optimal."""
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 30, 1000), parcel("Q1", 50, 3000, zone="B")],
        [
            project("J1", land_mu=28, inv=3.0),
            project("J2", land_mu=45, inv=2.5),
            project("F1", floor_m2=600, inv=2.0, carrier="factory"),
            project("F2", floor_m2=500, inv=1.9, carrier="factory"),
            project("F3", floor_m2=450, inv=1.8, carrier="factory"),
        ],
        {2026: 500.0},
        factories=[factory("FA", 1000)],
    )
    sol, bad, prob = solve(t)
    assert bad == []
    assert sol.outcome.parts >= 2 and sol.outcome.status == "OPTIMAL"
    # brute force over the joint candidates: at most one per project, the verifier decides
    cands = prob.candidates().candidates
    best = max(
        sum(c.coef for c in combo)
        for r in range(len(cands) + 1)
        for combo in itertools.combinations(cands, r)
        if _feasible(combo, t)
    )
    assert sol.outcome.objective == best
    assert {c.project_id for c in sol.chosen} >= {"F2", "F3"}  # not F1, which greedy takes


def _feasible(combo: tuple[object, ...], t: object) -> bool:
    from geodata.units import CMU_PER_MU

    projects = [c.project_id for c in combo]  # type: ignore[attr-defined]
    if len(set(projects)) < len(projects):
        return False
    carriers = [k for c in combo if c.kind == "parcel" for k in c.carriers]  # type: ignore[attr-defined]
    if len(set(carriers)) < len(carriers):
        return False
    floor = sum(c.floor_m2 for c in combo if c.kind == "factory")  # type: ignore[attr-defined]
    land = sum(c.land_cmu for c in combo)  # type: ignore[attr-defined]
    return floor <= 1000 and land <= 500 * CMU_PER_MU


def test_lexicographic_mode_by_parts_places_the_majors_first() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("BIG", land_mu=45, inv=12.0),
            project(
                "SMALL",
                land_mu=45,
                inv=2.0,
                stage="signed",
                tags="fortune500;chain_leader;hq;listed",
            ),
            project("F1", floor_m2=800, carrier="factory"),
        ],
        {2026: 500.0},
        factories=[factory("FA", 1000)],
    )
    plain, _, _ = solve(t)
    assert {c.project_id for c in plain.chosen} == {"SMALL", "F1"}  # more points than BIG
    sol, bad, _ = solve(t, policy=Policy(lexicographic=True))
    assert bad == []
    assert sol.outcome.parts == 2
    assert {c.project_id for c in sol.chosen} == {"BIG", "F1"}


def test_many_small_parts_are_all_solved_and_the_log_stays_short() -> None:
    n = 25
    t = tables(
        [parcel(f"P{i:02d}", 50, 1000 * i, clusters=f"k{i:02d}") for i in range(n)],
        [project(f"J{i:02d}", land_mu=45, cluster=f"k{i:02d}") for i in range(n)],
        {2026: 5000.0},
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert sol.outcome.parts == n and sol.outcome.status == "OPTIMAL"
    assert len(sol.chosen) == n
    assert f"=== part {n}/{n}" in sol.log and "=== part 1/" not in sol.log
    assert "part 1: OPTIMAL" in sol.log


def test_many_parts_share_the_time_limit_instead_of_each_taking_a_floor() -> None:
    from optimizer.components import MIN_PART_S, part_limit

    # 100 equal parts, 1 s, each using all it is given: a hundredth each, not 100 floors of 0.2 s
    budget, limits = 1.0, []
    for k in range(100):
        limits.append(part_limit(budget, 1, 100 - k, 100 - k, only=False))
        budget -= limits[-1]
    assert limits[0] == pytest.approx(0.01) and sum(limits) == pytest.approx(1.0)
    # nothing left: the least moment, not 0.2 s
    assert part_limit(0.0, 5, 50, 10, only=False) == MIN_PART_S
    # plenty left: the share by size (a quarter of 8 s), and small parts at least 0.2 s
    assert part_limit(8.0, 25, 100, 4, only=False) == pytest.approx(2.0)
    assert part_limit(30.0, 1, 1000, 4, only=False) == pytest.approx(0.2)
    # a problem that is a single part keeps its floor of a second
    assert part_limit(0.0, 10, 10, 1, only=True) == 1.0


def test_a_group_links_every_parcel_it_uses() -> None:
    side = (50 * 10000 / 15) ** 0.5  # P2 touches P1's east edge
    t = tables(
        [parcel("P1", 50, 0, clusters="c1"), parcel("P2", 50, side), parcel("P3", 50, 5000)],
        [
            project("J1", land_mu=90),  # only on the group P1 + P2
            project("J2", land_mu=45, cluster="c2"),  # P2 or P3, not P1
        ],
        {2026: 500.0},
    )
    prob = Problem(instance(t)).add_quota()
    groups = [c.carriers for c in prob.candidates().candidates if c.kind == "group"]
    assert groups and all(g == ("P1", "P2") for g in groups)
    assert _parts(t) == [{"J1", "J2"}]
