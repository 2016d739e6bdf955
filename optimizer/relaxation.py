"""The LP relaxation of a CP-SAT model, solved with GLOP: a guide for the hint, not a bound we report.

The relaxation is read from the CP-SAT model itself (its linear, at-most-one and exactly-one
constraints and its objective), so it has exactly the rows the constraint families built and no
second copy of the rules. Every variable ``x_i ∈ {0, 1}`` becomes ``0 ≤ x_i ≤ 1``::

    max Σ_i coef_i · x_i   subject to every row of the model, 0 ≤ x ≤ 1

Its values say which placements the relaxation prefers once priority is weighed against the quota
and floor area each uses; :func:`optimizer.greedy.lp_guided` turns them into a placement. CP-SAT's
own bound (LP plus cuts) is tighter than this one, so this module's objective is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.linear_solver.python import model_builder as mb
from ortools.sat.python import cp_model

#: Largest model (non-zeros in its rows) whose relaxation is built. The benchmark district
#: (68 000 non-zeros) takes ≈ 0.25 s (0.15 s to read and build, 0.1 s for GLOP); the limit keeps the
#: relaxation a small share of a solve's time limit, and skips it at city scale (8.6 M).
MAX_NONZEROS = 400_000

_INF = 2**62


@dataclass(frozen=True, slots=True)
class Relaxation:
    """Values of the LP relaxation (one per model variable) and its objective."""

    values: np.ndarray
    objective: float


def lp_relaxation(model: cp_model.CpModel, time_limit_s: float = 5.0) -> Relaxation | None:
    """Solve the LP relaxation of ``model`` (maximisation) with GLOP.

    Parameters
    ----------
    model
        A CP-SAT model of Boolean variables (each is relaxed to [0, 1]; the domains are not
        read) with linear, at-most-one and exactly-one constraints (without enforcement literals)
        and a linear objective to maximise. It is only read.
    time_limit_s
        GLOP's time limit.

    Returns
    -------
    Relaxation or None
        None when the model is not a maximisation, has another kind of constraint, is larger than
        :data:`MAX_NONZEROS`, or GLOP finds no optimum in time.
    """
    p = model.proto
    obj = p.objective
    # CP-SAT stores a maximisation as the minimisation of the negated objective (factor −1)
    if obj.scaling_factor >= 0:
        return None
    n = len(p.variables)
    rows: list[tuple[list[int], list[float], float, float]] = []
    size = 0
    for k in range(len(p.constraints)):
        ct = p.constraints[k]
        if len(ct.enforcement_literal):
            return None
        if ct.has_linear():
            dom = list(ct.linear.domain)
            lo = float(dom[0]) if dom[0] > -_INF else -np.inf
            hi = float(dom[-1]) if dom[-1] < _INF else np.inf
            row = (list(ct.linear.vars), [float(c) for c in ct.linear.coeffs], lo, hi)
        elif ct.has_at_most_one() or ct.has_exactly_one():
            exactly = ct.has_exactly_one()
            lits = list(ct.exactly_one.literals if exactly else ct.at_most_one.literals)
            if any(v < 0 for v in lits):  # a negated literal: not produced by our families
                return None
            row = (lits, [1.0] * len(lits), 1.0 if exactly else -np.inf, 1.0)
        else:
            return None
        size += len(row[0])
        if size > MAX_NONZEROS:
            return None
        rows.append(row)

    # rows through the builder's helper, without an expression object per row (0.02 s instead of
    # 0.3 s on the benchmark district)
    lp = mb.Model()
    helper = lp.helper
    # (the stub annotates these arrays as ndarray[float64, …], which no array matches)
    ids = helper.add_var_array_with_bounds(
        np.zeros(n),  # type: ignore[arg-type]
        np.ones(n),  # type: ignore[arg-type]
        np.zeros(n, dtype=bool),  # type: ignore[arg-type]
        "x",
    )
    xs = [mb.Variable(helper, int(i)) for i in ids]
    for vars_, coeffs, lo, hi in rows:
        ct = helper.add_linear_constraint()
        if lo > -np.inf:
            helper.set_constraint_lower_bound(ct, lo)
        if hi < np.inf:
            helper.set_constraint_upper_bound(ct, hi)
        helper.add_terms_to_constraint(ct, [xs[v] for v in vars_], coeffs)
    helper.set_objective_coefficients(list(obj.vars), [-float(c) for c in obj.coeffs])
    helper.set_maximize(True)
    solver = mb.Solver("glop")
    solver.set_time_limit_in_seconds(time_limit_s)
    if solver.solve(lp) != mb.SolveStatus.OPTIMAL:
        return None
    values = solver.values(pd.Series(xs)).to_numpy(dtype=float)
    return Relaxation(values, float(solver.objective_value))
