"""The Lagrangian bound (optimizer.bound): valid, as tight as the LP, deterministic, reported."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from builders import instance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_optimizer_properties import brute_force, small_tables

from geodata.store import Tables
from optimizer.bound import choice_rows, lagrangian_bound, work_units
from optimizer.constraints.locks import resolve_pins
from optimizer.linear import LinearForm, family_form, linear_form
from optimizer.model import build_model
from optimizer.problem import Problem
from optimizer.relaxation import lp_relaxation
from optimizer.settings import SolverSettings


def _form(
    c: list[float],
    rows: list[tuple[dict[int, float], float, float]],
    var_lo: list[float] | None = None,
    var_hi: list[float] | None = None,
) -> LinearForm:
    n = len(c)
    dense = np.zeros((len(rows), n))
    for r, (coefs, _, _) in enumerate(rows):
        for j, v in coefs.items():
            dense[r, j] = v
    return LinearForm(
        np.asarray(c, dtype=float),
        0.0,
        sp.csr_matrix(dense),
        np.array([lo for _, lo, _ in rows], dtype=float),
        np.array([hi for _, _, hi in rows], dtype=float),
        np.zeros(n) if var_lo is None else np.asarray(var_lo, dtype=float),
        np.ones(n) if var_hi is None else np.asarray(var_hi, dtype=float),
    )


def _optimum(form: LinearForm) -> float:
    """Best objective over every 0/1 point within the bounds (−∞ when none is feasible)."""
    a = form.matrix.toarray()
    best = -np.inf
    for bits in itertools.product((0.0, 1.0), repeat=form.n):
        x = np.asarray(bits)
        if np.any(x < form.var_lo) or np.any(x > form.var_hi):
            continue
        ax = a @ x
        if np.all(ax >= form.row_lo - 1e-9) and np.all(ax <= form.row_hi + 1e-9):
            best = max(best, float(form.c @ x) + form.offset)
    return best


@st.composite
def small_forms(draw: st.DrawFn) -> LinearForm:
    """Up to 8 variables in choice groups (at most or exactly one), knapsack and cover rows."""
    n = draw(st.integers(1, 8))
    c = [float(draw(st.integers(-3, 20))) for _ in range(n)]
    cuts = sorted(draw(st.sets(st.integers(1, max(1, n - 1)), max_size=3)))
    rows: list[tuple[dict[int, float], float, float]] = []
    for a, b in itertools.pairwise([0, *cuts, n]):
        if b - a > 1 or draw(st.booleans()):
            exactly = draw(st.integers(0, 4)) == 0
            rows.append(({j: 1.0 for j in range(a, b)}, 1.0 if exactly else -np.inf, 1.0))
    for _ in range(draw(st.integers(0, 3))):
        coefs = {
            j: float(draw(st.integers(1, 9)))
            for j in draw(st.sets(st.integers(0, n - 1), min_size=1))
        }
        kind = draw(st.sampled_from(["le", "ge", "range"]))
        cap = float(draw(st.integers(0, 15)))
        lo = {"le": -np.inf, "ge": min(cap, 6.0), "range": 0.0}[kind]
        rows.append((coefs, lo, np.inf if kind == "ge" else cap))
    var_hi = [float(draw(st.integers(0, 4)) > 0) for _ in range(n)]
    return _form(c, rows, var_hi=var_hi)


@settings(max_examples=150, deadline=None)
@given(small_forms(), st.integers(0, 60))
def test_the_bound_is_never_below_the_optimum(form: LinearForm, steps: int) -> None:
    opt = _optimum(form)
    res = lagrangian_bound(form, iterations=max(1, steps))
    assert res.bound >= opt
    assert res.bound <= res.first
    assert len(res.multipliers) == form.matrix.shape[0]


def test_choice_rows_are_disjoint_unit_rows_in_row_order() -> None:
    form = _form(
        [1.0] * 5,
        [
            ({0: 1.0, 1: 1.0}, -np.inf, 1.0),  # kept
            ({1: 1.0, 2: 1.0}, -np.inf, 1.0),  # shares x1
            ({2: 1.0, 3: 1.0}, 1.0, 1.0),  # kept (exactly one)
            ({4: 2.0}, -np.inf, 1.0),  # not all ones
            ({4: 1.0}, -np.inf, 2.0),  # upper side 2
        ],
    )
    assert choice_rows(form).tolist() == [0, 2]


def test_a_known_knapsack() -> None:
    # at most one of x0, x1; 3 x0 + 2 x1 + 2 x2 ≤ 4: the LP optimum is 2·1 + 1·0.5 = 2.5
    # (x0 = 1, then half of x2), the integer optimum 2 (x0 alone, or x1 and x2)
    form = _form(
        [2.0, 1.0, 1.0], [({0: 1.0, 1: 1.0}, -np.inf, 1.0), ({0: 3, 1: 2, 2: 2}, -np.inf, 4)]
    )
    res = lagrangian_bound(form, iterations=200)
    assert res.bound == 2.0  # the LP's 2.5 rounded down: the objective is integral


def test_an_exactly_one_group_takes_its_best_even_when_negative() -> None:
    form = _form([-5.0, -2.0, 3.0], [({0: 1.0, 1: 1.0}, 1.0, 1.0)])
    assert lagrangian_bound(form).bound == 1.0  # x1 (forced) and x2


def test_variables_fixed_by_their_bounds_keep_their_value() -> None:
    form = _form([4.0, 1.0, 2.0], [({0: 1.0, 1: 1.0, 2: 1.0}, -np.inf, 1.0)], var_lo=[0, 1, 0])
    assert lagrangian_bound(form).bound == 1.0
    form = _form([4.0, 1.0, 2.0], [({0: 1.0, 1: 1.0, 2: 1.0}, -np.inf, 1.0)], var_hi=[0, 1, 1])
    assert lagrangian_bound(form).bound == 2.0


def _district(seed: int = 4) -> tuple[Problem, LinearForm]:
    from geodata.store import build_instance
    from landalloc.demo import generate

    inst = build_instance(generate(seed, n_projects=40, n_parcels=60, n_factories=6, n_years=2))
    prob = Problem.standard(inst)
    cands = prob.candidates()
    pins = resolve_pins(prob.instance, prob.policy)
    return prob, family_form(cands, prob.instance, prob.years, pins, prob.effective_quotas())


def test_on_a_generated_instance_it_reaches_the_lp_optimum_and_is_deterministic() -> None:
    prob, form = _district()
    cands = prob.candidates()
    pins = resolve_pins(prob.instance, prob.policy)
    ctx = build_model(cands, prob.instance, prob.years, pins, prob.effective_quotas())
    ctx.maximise(np.arange(ctx.n), ctx.cols.coef)
    lp = lp_relaxation(ctx.model)
    assert lp is not None
    a = lagrangian_bound(form, iterations=400)
    b = lagrangian_bound(form, iterations=400)
    assert a.bound == b.bound and np.array_equal(a.multipliers, b.multipliers)
    assert a.bound >= np.floor(lp.objective + 1e-6)  # never below the LP (the dual's minimum)
    assert a.bound <= np.floor(lp.objective + 1e-6) + max(1.0, 0.002 * lp.objective)


def test_the_families_form_is_the_models_form() -> None:
    prob, form = _district()
    cands = prob.candidates()
    pins = resolve_pins(prob.instance, prob.policy)
    ctx = build_model(cands, prob.instance, prob.years, pins, prob.effective_quotas())
    ctx.maximise(np.arange(ctx.n), ctx.cols.coef)
    read = linear_form(ctx.model)
    assert read is not None
    assert (read.matrix != form.matrix).nnz == 0
    for field in ("c", "row_lo", "row_hi", "var_lo", "var_hi"):
        assert np.array_equal(getattr(read, field), getattr(form, field)), field
    assert work_units(form) > 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables(max_projects=5))
def test_a_real_tiny_instance_is_bounded_above_its_optimum(t: Tables) -> None:
    prob = Problem(instance(t)).add_quota()
    cands = prob.candidates()
    pins = resolve_pins(prob.instance, prob.policy)
    form = family_form(cands, prob.instance, prob.years, pins, prob.effective_quotas())
    assert lagrangian_bound(form, iterations=50).bound >= brute_force(prob)


@pytest.mark.parametrize("deterministic", [True, False])
def test_a_solve_by_neighbourhoods_reports_a_finite_bound(deterministic: bool) -> None:
    prob, _ = _district()
    small = SolverSettings(
        time_limit_s=3, deterministic=deterministic, workers=1, lns_min_candidates=1
    )
    out = prob.solve(small).outcome
    assert "bound:lagrangian" in out.phases
    assert np.isfinite(out.best_bound) and out.best_bound >= out.objective
    assert out.gap == pytest.approx((out.best_bound - out.objective) / max(1.0, out.objective))
    if deterministic:
        again = prob.solve(small).outcome
        assert (again.objective, again.best_bound) == (out.objective, out.best_bound)
