"""Large-neighbourhood search: feasible, never below its start, finds what greedy misses."""

from __future__ import annotations

from builders import factory, instance, parcel, project, tables, verify_table
from hypothesis import HealthCheck, given, settings
from test_optimizer_properties import brute_force, factory_tables, small_tables

from geodata.store import Tables
from optimizer.constraints.locks import resolve_pins
from optimizer.greedy import greedy
from optimizer.kpis import assignments_table
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings
from optimizer.solution import Solution

#: Every part goes through the search, however small.
LNS = SolverSettings(time_limit_s=3, deterministic=True, workers=1, lns_min_candidates=1)


def _solve(t: Tables) -> tuple[Solution, list[str], Problem]:
    prob = Problem(instance(t)).add_quota()
    sol = prob.solve(LNS)
    table = assignments_table(prob.instance, sol, load_rules())
    return sol, verify_table(t, prob.instance, prob, table), prob


def test_the_search_finds_the_pair_that_greedy_misses() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("F1", floor_m2=600, inv=2.0, carrier="factory"),
            project("F2", floor_m2=500, inv=1.9, carrier="factory"),
            project("F3", floor_m2=450, inv=1.8, carrier="factory"),
        ],
        {2026: 500.0},
        factories=[factory("FA", 1000)],
    )
    sol, bad, _ = _solve(t)
    assert bad == []
    assert {c.project_id for c in sol.greedy} == {"F1"}
    assert {c.project_id for c in sol.chosen} == {"F2", "F3"}
    assert sol.outcome.status == "FEASIBLE"  # the search proves nothing
    # the Lagrangian bound of the search: a number, never below the plan
    assert sol.outcome.best_bound >= sol.outcome.objective
    assert any(ph.startswith("lns:") for ph in sol.outcome.phases)
    assert sol.outcome.objective > sol.outcome.greedy_objective


def test_pinned_projects_keep_their_carrier() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [
            project("J1", land_mu=45, inv=3.0, pinned_carrier="P2"),
            project("J2", land_mu=45, inv=2.0),
        ],
        {2026: 100.0},
    )
    sol, bad, _ = _solve(t)
    assert bad == []
    assert sol.placed()["J1"].carriers == ("P2",)
    assert sol.placed()["J2"].carriers == ("P1",)


def test_deterministic_search_gives_identical_assignments() -> None:
    from geodata.store import build_instance
    from landalloc.demo import generate

    inst = build_instance(generate(4, n_projects=40, n_parcels=60, n_factories=6, n_years=2))
    prob = Problem.standard(inst)
    a = prob.solve(LNS)
    b = prob.solve(LNS)
    assert [c.index for c in a.chosen] == [c.index for c in b.chosen]
    assert a.outcome.objective >= a.outcome.greedy_objective


def _check(t: Tables) -> None:
    sol, bad, prob = _solve(t)
    assert bad == []
    pins = resolve_pins(prob.instance, prob.policy)
    start = greedy(prob.instance, prob.candidates(), prob.effective_quotas(), pins)
    assert sol.outcome.greedy_objective == sum(c.coef for c in start)
    assert sol.outcome.greedy_objective <= sol.outcome.objective <= brute_force(prob)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables(max_projects=5))
def test_land_search_is_feasible_and_between_greedy_and_optimum(t: Tables) -> None:
    _check(t)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(factory_tables())
def test_factory_search_is_feasible_and_between_greedy_and_optimum(t: Tables) -> None:
    _check(t)


def test_a_neighbourhood_only_gets_the_quota_and_floor_the_others_leave() -> None:
    # J1 and K1 (cluster c1) are fixed while the c2 neighbourhood is solved: 20 亩 of quota and
    # 200 m² of floor are left, enough for one of J2/J3 and one of K2/K3, not for both
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 12, 1000), parcel("P3", 12, 2000)],
        [
            project("J1", land_mu=45, inv=12.0),
            project("J2", land_mu=10, inv=2.0, cluster="c2"),
            project("J3", land_mu=10, inv=1.9, cluster="c2"),
            project("K1", floor_m2=800, inv=12.0, carrier="factory"),
            project("K2", floor_m2=150, inv=2.0, cluster="c2", carrier="factory"),
            project("K3", floor_m2=150, inv=1.9, cluster="c2", carrier="factory"),
        ],
        {2026: 70.0},
        factories=[factory("FA", 1000)],
    )
    sol, bad, _ = _solve(t)
    assert bad == []
    assert set(sol.placed()) == {"J1", "J2", "K1", "K2"}


def test_pins_the_greedy_cannot_hold_are_solved_as_one_model() -> None:
    # greedy gives J1 (higher priority) the 2026 quota; J2 can only be supplied in 2026 (zone B
    # has no 2027 quota): only the whole model finds J1 in 2027 and J2 in 2026
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000, zone="B")],
        [
            project("J1", land_mu=45, inv=12.0, pinned_carrier="P1"),
            project("J2", land_mu=45, inv=2.0, pinned_carrier="P2"),
        ],
        {2026: 50.0, 2027: 50.0},
        zone_quotas={(2027, "B"): 0.0},
    )
    sol, bad, _ = _solve(t)
    assert bad == []
    assert {c.project_id for c in sol.greedy} == {"J1"}
    assert {(c.project_id, c.year) for c in sol.chosen} == {("J1", 2027), ("J2", 2026)}
    assert not any(ph.startswith("lns:") for ph in sol.outcome.phases)
