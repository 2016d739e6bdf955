"""The LP relaxation of a CP-SAT model, solved with GLOP: a guide for the hint, not a bound we report.

The relaxation is read from the CP-SAT model itself (:func:`optimizer.linear.linear_form`: its
linear, at-most-one and exactly-one constraints and its objective), so it has exactly the rows the
constraint families built and no second copy of the rules. Every variable ``x_i ∈ {0, 1}`` becomes ``0 ≤ x_i ≤ 1``::

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

from optimizer.linear import LinearForm, linear_form

#: Largest model (non-zeros in its rows) whose relaxation is built. The benchmark district
#: (68 000 non-zeros) takes ≈ 0.25 s (0.15 s to read and build, 0.1 s for GLOP); the limit keeps the
#: relaxation a small share of a solve's time limit, and skips it at city scale (8.6 M).
MAX_NONZEROS = 400_000


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
    return relax_form(linear_form(model, MAX_NONZEROS), time_limit_s)


def relax_form(form: LinearForm | None, time_limit_s: float = 5.0) -> Relaxation | None:
    """:func:`lp_relaxation` of a model already read as a linear form (None: not one)."""
    if form is None or form.nonzeros > MAX_NONZEROS:
        return None
    n = form.n
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
    m = form.matrix
    for r in range(m.shape[0]):
        ct = helper.add_linear_constraint()
        if form.row_lo[r] > -np.inf:
            helper.set_constraint_lower_bound(ct, float(form.row_lo[r]))
        if form.row_hi[r] < np.inf:
            helper.set_constraint_upper_bound(ct, float(form.row_hi[r]))
        a, b = m.indptr[r], m.indptr[r + 1]
        helper.add_terms_to_constraint(ct, [xs[v] for v in m.indices[a:b]], m.data[a:b].tolist())
    on = np.flatnonzero(form.c)
    helper.set_objective_coefficients(np.asarray(ids)[on].tolist(), form.c[on].tolist())
    helper.set_maximize(True)
    solver = mb.Solver("glop")
    solver.set_time_limit_in_seconds(time_limit_s)
    if solver.solve(lp) != mb.SolveStatus.OPTIMAL:
        return None
    values = solver.values(pd.Series(xs)).to_numpy(dtype=float)
    return Relaxation(values, float(solver.objective_value))
