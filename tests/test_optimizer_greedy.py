"""Greedy placements: by priority (the baseline) and LP-guided (the hint)."""

from __future__ import annotations

import numpy as np
from builders import instance, parcel, project, solve, tables, verify_table

from geodata.store import Tables
from optimizer.constraints.locks import resolve_pins
from optimizer.greedy import greedy, lp_guided
from optimizer.kpis import assignments_table
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings


def _quota_bound() -> Tables:
    """100 亩 of quota: A (the largest priority alone) or B and C (more together)."""
    return tables(
        [parcel("P1", 80, 0), parcel("P2", 50, 1000), parcel("P3", 50, 2000)],
        [
            project("A", land_mu=78, inv=5),
            project("B", land_mu=48, inv=4),
            project("C", land_mu=48, inv=4),
        ],
        {2026: 100.0},
    )


def test_priority_greedy_takes_the_top_project_and_blocks_the_rest() -> None:
    t = _quota_bound()
    inst = instance(t)
    prob = Problem(inst).add_quota()
    cands = prob.candidates()
    chosen = greedy(inst, cands, prob.effective_quotas(), {})
    assert [c.project_id for c in chosen] == ["A"]


def test_lp_guided_follows_the_relaxation() -> None:
    t = _quota_bound()
    inst = instance(t)
    prob = Problem(inst).add_quota()
    cands = prob.candidates()
    values = np.array([1.0 if c.project_id in ("B", "C") else 0.0 for c in cands.candidates])
    chosen = lp_guided(inst, cands, prob.effective_quotas(), {}, values)
    assert sorted(c.project_id for c in chosen) == ["B", "C"]
    # fed the opposite values it takes A, and nothing else fits
    chosen = lp_guided(inst, cands, prob.effective_quotas(), {}, 1.0 - values)
    assert [c.project_id for c in chosen] == ["A"]


def test_lp_guided_places_pinned_projects_first() -> None:
    t = tables(
        [parcel("P1", 80, 0), parcel("P2", 50, 1000), parcel("P3", 50, 2000)],
        [
            project("A", land_mu=78, inv=5, pinned_carrier="P1"),
            project("B", land_mu=48, inv=4),
            project("C", land_mu=48, inv=4),
        ],
        {2026: 100.0},
    )
    inst = instance(t)
    prob = Problem(inst).add_quota()
    cands = prob.candidates()
    pins = resolve_pins(inst, prob.policy)
    values = np.array([1.0 if c.project_id in ("B", "C") else 0.0 for c in cands.candidates])
    chosen = lp_guided(inst, cands, prob.effective_quotas(), pins, values)
    assert [c.project_id for c in chosen] == ["A"]


def test_solve_starts_from_the_lp_guided_placement_when_it_is_better() -> None:
    t = _quota_bound()
    sol, bad, _ = solve(t)
    o = sol.outcome
    assert bad == []
    assert "hint:lp-guided" in o.phases
    assert o.hint_objective > o.greedy_objective
    assert o.status == "OPTIMAL" and sorted(sol.placed()) == ["B", "C"]
    # without it: the greedy hint, the same optimum
    inst = instance(t)
    prob = Problem(inst).add_quota()
    plain = prob.solve(SolverSettings(time_limit_s=10, deterministic=True, lp_hint=False))
    assert "hint:lp-guided" not in plain.outcome.phases
    assert plain.outcome.hint_objective == plain.outcome.greedy_objective
    assert plain.outcome.objective == o.objective
    table = assignments_table(inst, plain, load_rules())
    assert verify_table(t, inst, prob, table) == []
