"""The LP relaxation read from a CP-SAT model (optimizer.relaxation)."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from optimizer import relaxation
from optimizer.relaxation import lp_relaxation


def _knapsack() -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x{i}") for i in range(3)]
    m.add(3 * x[0] + 2 * x[1] + 2 * x[2] <= 4)
    m.add_at_most_one([x[1], x[2]])
    return m, x


def test_values_and_objective_of_a_small_knapsack() -> None:
    m, x = _knapsack()
    m.maximize(2 * x[0] + x[1] + x[2])
    r = lp_relaxation(m)
    assert r is not None
    # x0 = 1 uses 3 of 4; then half of x1 or x2 (their at-most-one row allows 1 in all)
    assert r.objective == pytest.approx(2.5)
    assert r.values[0] == pytest.approx(1.0)
    assert r.values[1] + r.values[2] == pytest.approx(0.5)


def test_exactly_one_row_is_kept() -> None:
    m, x = _knapsack()
    m.add_exactly_one([x[1], x[2]])
    m.maximize(2 * x[0] + x[1] + x[2])
    r = lp_relaxation(m)
    assert r is not None
    assert r.values[1] + r.values[2] == pytest.approx(1.0)
    assert r.objective == pytest.approx(2.0 * (2 / 3) + 1.0)


def test_the_model_is_only_read() -> None:
    m, x = _knapsack()
    m.maximize(2 * x[0] + x[1] + x[2])
    before = str(m.proto)
    lp_relaxation(m)
    assert str(m.proto) == before


@pytest.mark.parametrize("case", ["minimise", "bool_or", "enforced", "too_large"])
def test_what_it_does_not_read_gives_none(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    m, x = _knapsack()
    if case == "minimise":
        m.minimize(x[0])
    else:
        m.maximize(x[0])
    if case == "bool_or":
        m.add_bool_or([x[0], x[1]])
    if case == "enforced":
        m.add(x[0] + x[1] <= 1).only_enforce_if(x[2])
    if case == "too_large":
        monkeypatch.setattr(relaxation, "MAX_NONZEROS", 4)
    assert lp_relaxation(m) is None
