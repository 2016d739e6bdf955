"""The HiGHS worker beside CP-SAT: the same model, a checked plan, the same answer every run."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from builders import instance, verify_table
from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model
from test_optimizer_properties import brute_force, small_tables

from geodata.store import Tables
from optimizer import mip
from optimizer.kpis import assignments_table
from optimizer.linear import linear_form
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings

pytestmark = pytest.mark.skipif(not mip.available(), reason="highspy is not installed")

#: Every part of two or more candidates gets the worker (the default is a few thousand).
WITH_MIP = SolverSettings(time_limit_s=5, workers=2)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mip, "MIN_CANDIDATES", 2)


def _knapsack() -> tuple[cp_model.CpModel, list[int], list[int], int]:
    weights = [23, 31, 29, 44, 53, 38, 63, 85, 89, 82]
    values = [92, 57, 49, 68, 60, 43, 67, 84, 87, 72]
    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"x{i}") for i in range(len(weights))]
    model.add(sum(w * x for w, x in zip(weights, xs, strict=True)) <= 165)
    model.add_at_most_one(xs[7], xs[8])
    model.maximize(sum(v * x for v, x in zip(values, xs, strict=True)))
    return model, weights, values, 165


def _brute(weights: list[int], values: list[int], cap: int) -> int:
    best = 0
    for pick in itertools.product((0, 1), repeat=len(weights)):
        if pick[7] + pick[8] > 1:
            continue
        if sum(w * p for w, p in zip(weights, pick, strict=True)) <= cap:
            best = max(best, sum(v * p for v, p in zip(values, pick, strict=True)))
    return best


def test_linear_form_reads_every_row_and_counts_violations() -> None:
    model, _, values, cap = _knapsack()
    form = linear_form(model)
    assert form is not None
    assert form.matrix.shape == (2, 10)
    assert list(form.c) == values
    assert form.row_hi.tolist() == [cap, 1.0]
    x = np.zeros(10)
    assert form.violations(x) == 0
    x[[7, 8]] = 1  # both of the at-most-one pair, and 174 > 165
    assert form.violations(x) == 2


def test_the_worker_proves_the_brute_force_optimum() -> None:
    model, weights, values, cap = _knapsack()
    form = linear_form(model)
    assert form is not None
    with mip.MipJob(form, np.zeros(10), limit_s=5, deterministic=True, seed=0) as job:
        res = job.result()
    assert res is not None and res.x is not None
    assert res.objective == _brute(weights, values, cap) == form.c @ res.x
    assert res.optimal and res.bound == pytest.approx(res.objective, abs=0.999)
    assert form.violations(res.x) == 0


def test_a_plan_that_breaks_a_row_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    model, *_ = _knapsack()
    form = linear_form(model)
    assert form is not None
    bad = mip.MipResult("Optimal", np.ones(10, np.int8), 10.0**6, 10.0**6, True, 1, False, 0.1)
    with mip.MipJob(form, np.zeros(10), limit_s=1, deterministic=True, seed=0) as job:
        monkeypatch.setattr(job, "result", lambda: bad)
        log: list[str] = []
        res = mip.finish(job, form, log)
    assert res is None  # neither its plan nor its bound is used
    assert "plan rejected" in log[0]


def _solve(t: Tables, s: SolverSettings) -> tuple[Problem, object, list[str]]:
    prob = Problem(instance(t)).add_quota()
    sol = prob.solve(s)
    table = assignments_table(prob.instance, sol, load_rules())
    return prob, sol, verify_table(t, prob.instance, prob, table)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=small_tables())
def test_with_the_worker_the_plan_is_verified_and_optimal(t: Tables) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mip, "MIN_CANDIDATES", 2)
        prob, sol, bad = _solve(t, WITH_MIP)
    assert bad == []
    assert sol.outcome.objective == brute_force(prob)  # type: ignore[attr-defined]
    assert sol.outcome.best_bound >= sol.outcome.objective  # type: ignore[attr-defined]


def test_the_worker_runs_and_two_solves_agree(small_parts: None) -> None:
    from builders import parcel, project, tables

    t = tables(
        [parcel(f"P{i}", 30 + 10 * (i % 4), 200.0 * i) for i in range(8)],
        [project(f"X{i}", land_mu=20 + 7 * (i % 5), inv=1.0 + i / 3) for i in range(12)],
        {2026: 160.0},
    )
    prob = Problem(instance(t)).add_quota()
    a, b = prob.solve(WITH_MIP), prob.solve(WITH_MIP)
    # the worker ran (and was stopped once CP-SAT proved the part, or returned)
    assert any(line.startswith("HiGHS worker") for line in a.log.splitlines())
    assert [c.index for c in a.chosen] == [c.index for c in b.chosen]
    assert a.outcome.objective == b.outcome.objective


def test_without_highspy_cp_sat_solves_alone(
    small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from builders import parcel, project, tables

    monkeypatch.setattr(mip, "available", lambda: False)
    t = tables([parcel("P1", 50, 0)], [project("X1", land_mu=40, inv=2.0)], {2026: 100.0})
    sol = Problem(instance(t)).add_quota().solve(WITH_MIP)
    assert not any("HiGHS" in line for line in sol.log.splitlines())
    assert [c.project_id for c in sol.chosen] == ["X1"]


def test_the_crossover_keeps_what_both_plans_agree_on_and_never_loses() -> None:
    from builders import parcel, project, tables

    from optimizer import search
    from optimizer.constraints.locks import resolve_pins
    from optimizer.greedy import greedy

    t = tables(
        [parcel(f"P{i}", 30 + 10 * (i % 4), 200.0 * i) for i in range(8)],
        [project(f"X{i}", land_mu=20 + 7 * (i % 5), inv=1.0 + i / 3) for i in range(12)],
        {2026: 160.0},
    )
    prob = Problem(instance(t)).add_quota()
    cands = prob.candidates()
    pins = resolve_pins(prob.instance, prob.policy)
    quotas = prob.effective_quotas()
    ctx = prob._context(cands, pins, quotas, explain=False)
    ctx.maximise(np.arange(ctx.n), ctx.cols.coef)
    coef = np.asarray(ctx.cols.coef)
    best = np.zeros(ctx.n, dtype=np.int64)
    best[[c.index for c in greedy(prob.instance, cands, quotas, pins)]] = 1
    other = np.zeros(ctx.n, dtype=np.int64)  # the empty plan: every placed project differs
    x, _, used = search._crossover(ctx, best, other, SolverSettings(workers=1), 2.0, [])
    assert 0 < used <= 2.0 + 0.1  # deterministic time, within its limit
    assert x is not None
    form = linear_form(ctx.model)
    assert form is not None and form.violations(x) == 0
    assert coef @ x >= coef @ best
    # a project unplaced in both plans is one they agree on: it stays unplaced
    proj = ctx.cols.project
    agreed = set(proj.tolist()) - set(proj[np.flatnonzero(best)].tolist())
    assert agreed and not agreed & set(proj[np.flatnonzero(x)].tolist())
    # the crossover's model is a copy: the solve's own model keeps its free variables
    assert all(list(v.domain) == [0, 1] for v in ctx.model.proto.variables)
