"""Solving a problem (optimizer/problem.py): the builder (``standard`` and every ``add_*``, each
with the plan it changes) and the greedy fallback when CP-SAT finds nothing."""

from __future__ import annotations

import pytest
from builders import instance, parcel, placed, project, solve, tables, verify_table

from geodata.store import Tables
from optimizer.kpis import assignments_table
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings, Weights
from optimizer.solution import Solution

Y = {2026: 1000.0}


def test_no_solver_solution_falls_back_to_greedy_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ortools.sat.python import cp_model

    from optimizer import search

    real = search.run_cpsat

    def no_solution(*a: object, **k: object) -> tuple[object, object]:
        _, solver = real(*a, **k)  # type: ignore[arg-type]
        return cp_model.UNKNOWN, solver

    monkeypatch.setattr(search, "run_cpsat", no_solution)
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [project("J1", land_mu=45), project("J2", land_mu=45)],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert sol.outcome.status == "FEASIBLE"
    assert "greedy-fallback" in sol.outcome.phases
    assert len(sol.chosen) == 2 and sol.outcome.objective == sol.outcome.greedy_objective


# --------------------------------------------------------------------------- the builder

#: Every readiness item in place long before the planning years.
READY = {
    f"ready_{k}": "2025-01-01"
    for k in ("levelled", "water", "power", "road", "drainage", "planning", "assessment")
}
#: The same, but power only from mid-2027.
LATE_POWER = {**READY, "ready_power": "2027-06-01"}


def _solved(t: Tables, prob: Problem) -> Solution:
    """Solve ``prob`` and check its plan with the independent verifier."""
    sol = prob.solve(SolverSettings(time_limit_s=10, workers=1))
    table = assignments_table(prob.instance, sol, prob.rules or load_rules())
    assert verify_table(t, prob.instance, prob, table) == []
    return sol


def _land_used(sol: Solution, year: int) -> int:
    return sum(c.land_cmu for c in sol.chosen if c.year == year)


def test_standard_takes_the_data_quotas() -> None:
    t = tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(3)],
        [project(f"J{i}", land_mu=45) for i in range(3)],
        {2026: 100.0},
    )
    unlimited = Problem(instance(t))
    assert len(_solved(t, unlimited).chosen) == 3
    prob = Problem.standard(instance(t))
    assert prob.quotas == {(2026, "*"): 10_000} and prob.years == (2026,)
    sol = _solved(t, prob)
    assert len(sol.chosen) == 2 and _land_used(sol, 2026) <= 10_000


def test_add_quota_scale_halves_the_quota_and_the_plan_keeps_to_it() -> None:
    t = tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(4)],
        [project(f"J{i}", land_mu=45) for i in range(4)],
        {2026: 200.0},
    )
    full = Problem(instance(t)).add_quota()
    half = Problem(instance(t)).add_quota(scale=0.5)
    assert full.quotas == {(2026, "*"): 20_000}
    assert half.quotas == {(2026, "*"): 10_000}
    assert len(_solved(t, full).chosen) == 4
    sol = _solved(t, half)
    assert len(sol.chosen) == 2 and _land_used(sol, 2026) <= 10_000


def test_add_quota_by_year_and_override() -> None:
    t = tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(3)],
        [project(f"J{i}", land_mu=45, start_year=2026) for i in range(3)],
        {2026: 200.0, 2027: 200.0},
    )
    prob = Problem(instance(t)).add_quota(scale=0.5, by_year={2027: 0.25})
    assert prob.quotas == {(2026, "*"): 10_000, (2027, "*"): 2_500}  # 200 × 0.5 × 0.25 亩
    # overrides are in 亩, not scaled, and may add a (year, zone) the data has no row for
    prob = prob.add_quota(scale=0.5, override={(2026, "*"): 50.004, (2027, "A"): 30.0})
    assert prob.quotas == {(2026, "*"): 5_000, (2027, "*"): 10_000, (2027, "A"): 3_000}
    sol = _solved(t, prob)
    assert _land_used(sol, 2026) <= 5_000 and _land_used(sol, 2027) <= 3_000
    assert len(sol.chosen) == 1  # one 50 亩 parcel fits 2026; none fits zone A's 30 亩 in 2027


def test_add_locks_pins_and_withholds() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 60, 1000)], [project("J1", land_mu=45)], {2026: 1000.0}
    )
    base = Problem.standard(instance(t))
    assert placed(_solved(t, base)) == {"J1": ("P1",)}  # the closer fit
    pinned = base.add_locks({"J1": "P2"})
    assert pinned.policy.pins == {"J1": "P2"}
    assert placed(_solved(t, pinned)) == {"J1": ("P2",)}
    withheld = base.add_locks(withheld={"P1"})
    assert withheld.policy.withheld == frozenset({"P1"})
    assert placed(_solved(t, withheld)) == {"J1": ("P2",)}


def test_add_policy_changes_a_knob() -> None:
    t = tables(
        [parcel("P1", 40, 0), parcel("P2", 200, 1000), parcel("P3", 60, 2000)],
        [project("J1", land_mu=45)],
        {2026: 1000.0},
    )
    base = Problem.standard(instance(t))
    assert placed(_solved(t, base.add_policy(waste_tolerance=0.5))) == {"J1": ("P3",)}
    strict = base.add_policy(waste_tolerance=0.2)
    assert strict.policy.waste_tolerance == 0.2
    assert placed(_solved(t, strict)) == {}


def test_add_readiness_rules() -> None:
    t = tables(
        [parcel("P1", 50, 0, **LATE_POWER)],
        [project("J1", land_mu=45, ready_to_build=True, start_year=2026)],
        {2026: 1000.0},
    )
    base = Problem.standard(instance(t))
    assert placed(_solved(t, base)) == {}  # no power in 2026
    rules = load_rules(override={"preconditions": {"power": {"enabled": False}}})
    relaxed = base.add_readiness(rules)
    assert relaxed.rules is rules
    assert placed(_solved(t, relaxed)) == {"J1": ("P1",)}
    assert relaxed.add_readiness().rules is rules  # None keeps the rule set


def test_add_readiness_strict_ready_signed_spares_pinned_projects_in_any_order() -> None:
    t = tables(
        [parcel("P1", 50, 0, **LATE_POWER), parcel("P2", 50, 1000, **LATE_POWER)],
        [
            project("J1", land_mu=45, stage="signed", start_year=2026),
            project("J2", land_mu=45, stage="signed", start_year=2026),
        ],
        {2026: 1000.0},
    )
    base = Problem.standard(instance(t))
    assert set(placed(_solved(t, base))) == {"J1", "J2"}  # not ready_to_build: power may follow
    strict = base.add_readiness(strict_ready_signed=True)
    assert all(p.ready_to_build for p in strict.instance.projects)
    assert not any(p.ready_to_build for p in base.instance.projects)  # the data are untouched
    assert placed(_solved(t, strict)) == {}  # signed projects must start: no parcel is ready
    # a pinned project's land is decided: it keeps the data's value, whichever is added first
    for prob in (
        strict.add_locks({"J1": "P1"}),
        base.add_locks({"J1": "P1"}).add_readiness(strict_ready_signed=True),
    ):
        ready = {p.project_id: p.ready_to_build for p in prob.instance.projects}
        assert ready == {"J1": False, "J2": True}
        assert placed(_solved(t, prob)) == {"J1": ("P1",)}
    assert strict.add_readiness(strict_ready_signed=False).instance == base.instance


def test_maximise_priority_weights_and_lexicographic() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("J1", land_mu=45, inv=5.0), project("J2", land_mu=45, inv=2.0, tags="hq")],
        {2026: 1000.0},
    )
    base = Problem.standard(instance(t))
    no_tags = base.maximise_priority(Weights(tag_points={}))
    assert placed(_solved(t, no_tags)) == {"J1": ("P1",)}
    hq = base.maximise_priority(Weights(tag_points={"hq": 1000.0}))
    assert placed(_solved(t, hq)) == {"J2": ("P1",)}
    # majors first: J1 (12 亿) needs both parcels, J2 and J3 weigh more together
    t = tables(
        [parcel("P1", 60, 0), parcel("P2", 60, 200.0)],
        [
            project("J1", land_mu=110, inv=12.0),
            project("J2", land_mu=55, inv=9.0, stage="signed", tags="fortune500;hq"),
            project("J3", land_mu=55, inv=9.0, stage="signed", tags="fortune500;hq"),
        ],
        {2026: 120.0},
    )
    base = Problem.standard(instance(t))
    assert "J1" not in placed(_solved(t, base.maximise_priority()))
    lex = base.maximise_priority(lexicographic=True)
    assert lex.policy.lexicographic and lex.weights == base.weights
    assert "J1" in placed(_solved(t, lex))
