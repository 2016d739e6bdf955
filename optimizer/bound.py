"""A Lagrangian (dual) upper bound of a model read as a linear form, numpy and scipy only.

The model (:func:`optimizer.linear.linear_form`, :func:`optimizer.linear.family_form`) is::

    max  c · x + offset   subject to   row_lo ≤ A x ≤ row_hi,   var_lo ≤ x ≤ var_hi,   x ∈ {0, 1}^n

Some of its rows are *choice rows*: all coefficients 1, upper side 1, supports pairwise disjoint
(each project's at-most-one row, a pinned project's exactly-one row). They split the variables
into groups G_1 … G_m (a variable in no choice row is a group of its own, free to be 0 or 1).
Every other row r is relaxed with a multiplier ``w_r``: ``w_r ≥ 0`` prices its upper side,
``w_r ≤ 0`` its lower side (a row with one finite side allows only that sign)::

    L(w) = Σ_r (w_r⁺ · hi_r − w_r⁻ · lo_r) + offset + Σ_g  max_{x ∈ X_g}  Σ_{i ∈ G_g} d_i x_i,
    d = c − Aᵀ w

where ``X_g`` is "at most one of G_g" (the value is ``max(0, max_i d_i)``), "exactly one" (the
value is ``max_i d_i``), and a variable fixed by its bounds keeps its value. For every ``w`` of
the right signs and every feasible x, ``c·x ≤ L(w)`` (each relaxed term ``w_r⁺ (hi_r − A_r x)``
and ``w_r⁻ (A_r x − lo_r)`` is ≥ 0), so ``L(w)`` is an upper bound of the optimum; the smallest
one over ``w`` equals the LP relaxation's optimum, since each ``X_g`` already has integral
vertices.

Each row is divided by its largest coefficient first (a quota row counts 0.01 亩, a parcel row
1), and a side that every 0/1 point meets is never priced. ``w`` is then improved by a fixed
number of projected, deflected subgradient steps: direction ``u_k = s_k + δ · u_{k−1}`` (``s_k``
a subgradient, ``δ`` = :data:`DEFLECTION`, Camerini, Fratta and Maffioli), Polyak's length
``θ · (L(w) − target) / ‖u_k‖²`` (``target`` a known objective, e.g. of the greedy plan; ``θ``
halved after :data:`PATIENCE` steps without a better bound). The number of steps is fixed and
every operation is a deterministic numpy/scipy one, so the result does not depend on the
machine or its load. The bound is the best ``L(w)`` seen, rounded down when the objective is
integral (integer ``c`` and ``offset``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from geodata.instance import Instance
from optimizer.candidate import CandidateSet
from optimizer.linear import LinearForm, family_form
from optimizer.settings import deterministic_rate

#: Subgradient steps by default. At city scale (2.2 M candidates, 7.4 M non-zeros, greedy
#: target) 100 steps reach 144 597, 150 steps 143 950, 200 steps 143 915 (400 plain subgradient
#: steps, without deflection: 143 893).
ITERATIONS = 150
#: Steps without a better bound after which the step factor θ is halved.
PATIENCE = 3
#: First step factor θ.
THETA0 = 1.0
#: Share of the last direction kept in the next (0: plain subgradient steps).
DEFLECTION = 0.5
#: Seconds per non-zero of one step, and of the setup (reading the rows from the families and
#: sorting them, :func:`optimizer.linear.family_form` and :func:`_dual`), measured at city
#: scale on the benchmark machine (2 cores, shared with another job): ≈ 5 ns and ≈ 0.5 µs.
SECONDS_PER_NONZERO_STEP = 5e-9
SECONDS_PER_NONZERO_SETUP = 5e-7


@dataclass(frozen=True, slots=True)
class LagrangianBound:
    """A valid upper bound of ``max c·x + offset`` and what produced it."""

    #: The best ``L(w)`` seen (rounded down when the objective is integral).
    bound: float
    #: ``w`` of that bound, one per row of the form (0 on the choice rows).
    multipliers: np.ndarray
    #: Subgradient steps taken (fewer than asked when a step proved ``L(w)`` optimal).
    iterations: int
    #: ``L(w)`` at the first multipliers.
    first: float


def choice_rows(form: LinearForm) -> np.ndarray:
    """Rows whose coefficients are all 1, upper side 1, lower side ≤ 1, supports disjoint.

    Taken in row order: a row is kept when it shares no variable with a row kept before.
    """
    a = form.matrix
    nnz_per_row = np.diff(a.indptr)
    ones = np.ones(a.shape[0], dtype=bool)
    not_one = np.flatnonzero(a.data != 1.0)
    if len(not_one):
        ones[np.unique(np.searchsorted(a.indptr, not_one, side="right") - 1)] = False
    candidates = np.flatnonzero(ones & (form.row_hi == 1.0) & (nnz_per_row > 0))
    taken = np.zeros(form.n, dtype=bool)
    kept: list[int] = []
    for r in candidates.tolist():
        cols = a.indices[a.indptr[r] : a.indptr[r + 1]]
        if not taken[cols].any():
            taken[cols] = True
            kept.append(r)
    return np.asarray(kept, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class _Dual:
    """The relaxed rows, scaled, over the variables sorted group by group."""

    c: np.ndarray  # objective, in group order
    at: sp.csr_matrix  # Aᵀ of the relaxed rows (scaled), in group order: d = c − Aᵀw
    ac: sp.csc_matrix  # the same rows as columns: A x of a few chosen columns
    lo: np.ndarray  # scaled lower sides (−∞: none, or implied by x ∈ {0, 1})
    hi: np.ndarray  # scaled upper sides (+∞: none, or implied)
    scale: np.ndarray  # each relaxed row's divisor (its largest |coefficient|)
    relaxed: np.ndarray  # indices of the relaxed rows in the form
    order: np.ndarray  # variable of each position
    starts: np.ndarray  # first position of each group
    group: np.ndarray  # group of each position
    forced: np.ndarray  # per group: exactly one of it (lower side 1)
    fixed: np.ndarray | None  # per position: +∞ fixed to 1, −∞ fixed to 0, 0 free (None: all free)


def _dual(form: LinearForm, rows: np.ndarray) -> _Dual:
    """Sort the variables by group and scale the relaxed rows (:func:`lagrangian_bound`)."""
    a = form.matrix.tocsr()
    group_of = np.full(form.n, -1, dtype=np.int64)
    for g, r in enumerate(rows.tolist()):
        group_of[a.indices[a.indptr[r] : a.indptr[r + 1]]] = g
    alone = np.flatnonzero(group_of < 0)
    group_of[alone] = len(rows) + np.arange(len(alone))
    order = np.argsort(group_of, kind="stable")
    group = group_of[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    forced = np.zeros(len(starts), dtype=bool)
    forced[: len(rows)] = form.row_lo[rows] > 0.0  # Σ x ≥ lo > 0: one of them
    keep = np.ones(a.shape[0], dtype=bool)
    keep[rows] = False
    relaxed = np.flatnonzero(keep)
    r = a[relaxed][:, order]
    # each row divided by its largest coefficient: the subgradient's parts are then of one
    # scale (a quota row counts 0.01 亩, a parcel row 1), which Polyak's single step needs
    scale = np.ones(len(relaxed))
    if len(relaxed):
        scale = np.maximum(abs(r).max(axis=1).toarray().ravel(), 1e-12)
    r = sp.csr_matrix(sp.diags(1.0 / scale) @ r)
    lo, hi = form.row_lo[relaxed] / scale, form.row_hi[relaxed] / scale
    # a side every 0/1 point meets is never priced (its multiplier would only raise L)
    lo[lo <= r.minimum(0).sum(axis=1).A.ravel()] = -np.inf
    hi[hi >= r.maximum(0).sum(axis=1).A.ravel()] = np.inf
    fixed = None
    if np.any(form.var_lo[order] > 0) or np.any(form.var_hi[order] < 1):
        fixed = np.where(
            form.var_lo[order] > 0, np.inf, np.where(form.var_hi[order] < 1, -np.inf, 0)
        )
    at = sp.csr_matrix(r.T)
    return _Dual(
        form.c[order],
        at,
        sp.csc_matrix(at.T),
        lo,
        hi,
        scale,
        relaxed,
        order,
        starts,
        group,
        forced,
        fixed,
    )


def _subproblem(d: np.ndarray, du: _Dual) -> tuple[float, np.ndarray]:
    """``max Σ_g max_{x ∈ X_g} d·x`` (``d`` in group order) and the positions set to 1."""
    # a variable fixed to 1 is taken whatever its cost, one fixed to 0 never
    score = d if du.fixed is None else d + du.fixed
    best = np.maximum.reduceat(score, du.starts)
    take = (du.forced | (best > 0)) & (best > -np.inf)
    at = np.flatnonzero(score == best[du.group])
    first = at[np.r_[True, du.group[at[1:]] != du.group[at[:-1]]]]
    chosen = first[take[du.group[first]]]
    return float(d[chosen].sum()), chosen


def lagrangian_bound(
    form: LinearForm,
    *,
    target: float | None = None,
    iterations: int = ITERATIONS,
    groups: np.ndarray | None = None,
    multipliers: np.ndarray | None = None,
) -> LagrangianBound:
    """An upper bound of ``max c·x + offset`` over the form's 0/1 points (module docstring).

    Parameters
    ----------
    form
        The model as a linear form; only read.
    target
        A known objective (of a feasible plan) for Polyak's step; without one, the objective
        of x = 0 clipped to the variables' bounds is used (steps then start larger).
    iterations
        Subgradient steps (a count, never a time: the result is deterministic).
    groups
        Indices of the choice rows kept in the subproblem (their supports must be disjoint, all
        coefficients 1 and upper side 1); by default :func:`choice_rows`.
    multipliers
        Starting ``w`` (one per row; e.g. from an earlier call); by default 0.

    Returns
    -------
    LagrangianBound
        The best bound seen, its multipliers, the steps taken and the first bound.
    """
    if form.n == 0:  # the only point is the empty one
        return LagrangianBound(form.offset, np.zeros(form.matrix.shape[0]), 0, form.offset)
    rows = choice_rows(form) if groups is None else np.asarray(groups, dtype=np.int64)
    du = _dual(form, rows)
    lo, hi = du.lo, du.hi
    w_min = np.where(np.isfinite(lo), -np.inf, 0.0)  # the ≥ side may carry a negative price
    w_max = np.where(np.isfinite(hi), np.inf, 0.0)
    lo0, hi0 = np.where(np.isfinite(lo), lo, 0.0), np.where(np.isfinite(hi), hi, 0.0)
    integral = bool(np.all(form.c == np.round(form.c))) and form.offset == round(form.offset)
    if target is None:
        target = _dot(form.c, form.var_lo) + form.offset
    w = np.zeros(len(du.relaxed))
    if multipliers is not None:
        w = np.clip(multipliers[du.relaxed] * du.scale, w_min, w_max)
    best, best_w, first = math.inf, w, math.nan
    theta, stale, steps = THETA0, 0, 0
    direction = np.zeros(len(w))
    while steps < iterations:
        steps += 1
        value, on = _subproblem(du.c - du.at @ w, du)
        value += _dot(np.maximum(w, 0.0), hi0) - _dot(np.maximum(-w, 0.0), lo0) + form.offset
        first = value if math.isnan(first) else first
        if math.isinf(best) or value < best - 1e-9 * max(1.0, abs(best)):
            best, best_w, stale = value, w, 0
        else:
            stale += 1
            if stale >= PATIENCE:
                theta, stale = theta / 2, 0
        ax = du.ac[:, on] @ np.ones(len(on))  # A x of the chosen columns only (few of the n)
        # a subgradient of L at w (minimised): hi − Ax on priced upper sides, lo − Ax on priced
        # lower sides; on an unpriced row only the violated side (0 when the row holds)
        s = np.where(
            w > 0,
            hi0 - ax,
            np.where(w < 0, lo0 - ax, np.minimum(0.0, hi - ax) + np.maximum(0.0, lo - ax)),
        )
        if not s.any() or best - target <= 1e-9:  # L(w) is attained by a feasible plan
            break
        # deflected (Camerini, Fratta and Maffioli): part of the last direction is kept, which
        # damps the zigzag between rows priced in turn
        direction = s + DEFLECTION * direction
        norm = _dot(direction, direction)
        if norm <= 0.0:  # the kept part cancelled the subgradient: start the deflection again
            direction, norm = s, _dot(s, s)
        w = np.clip(w - theta * max(value - target, 1e-6) / norm * direction, w_min, w_max)
    out = np.zeros(form.matrix.shape[0])
    out[du.relaxed] = best_w / du.scale  # the multipliers of the form's own rows
    if integral:  # rounding errors of the sums must not cut a feasible integral objective off
        best = math.floor(best + 1e-6 * max(1.0, abs(best)))
    return LagrangianBound(float(best), out, steps, float(first))


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a · b`` summed by numpy itself in a fixed order: a dense ``@`` goes to the BLAS, whose
    kernel and threads depend on the machine, and its last bits with them (which would make the
    guided start, and so a deterministic plan, depend on the machine)."""
    return float(np.add.reduce(a * b))


def work_units(form: LinearForm, iterations: int = ITERATIONS) -> float:
    """What reading the form and :func:`lagrangian_bound` are charged in CP-SAT deterministic
    time: fixed by the form's size and the steps, never measured, so that a deterministic
    solve's limit (and so its result) does not depend on the machine. It is the estimated wall
    time of one core times CP-SAT's deterministic time per wall second of one search
    (:func:`optimizer.settings.deterministic_rate`)."""
    size = max(form.nonzeros, form.n)
    seconds = size * (SECONDS_PER_NONZERO_SETUP + SECONDS_PER_NONZERO_STEP * iterations)
    return seconds * deterministic_rate(1)


@dataclass(frozen=True, slots=True)
class PartBound:
    """The bound of a part solved by neighbourhoods, and what it cost."""

    bound: float
    iterations: int
    #: Wall seconds (reading the rows and the steps).
    seconds: float
    #: What it takes from the solve's limit: :func:`work_units` in deterministic mode, else
    #: ``seconds``.
    charge: float
    #: Each variable's reduced objective ``c − Aᵀw`` at the bound's multipliers ``w``: how much
    #: a placement is worth once the rows it uses are priced (a guide for a start plan).
    reduced: np.ndarray


def part_bound(
    cands: CandidateSet,
    instance: Instance,
    years: tuple[int, ...],
    pins: dict[str, str],
    quotas: dict[tuple[int, str], int],
    *,
    target: float,
    deterministic: bool,
) -> PartBound:
    """The Lagrangian bound of the model :func:`optimizer.model.build_model` would build for
    ``cands`` (maximising their coefficients), read from the families
    (:func:`optimizer.linear.family_form`); ``target`` is a known objective (the start plan)."""
    t0 = time.perf_counter()
    form = family_form(cands, instance, years, pins, quotas)
    lag = lagrangian_bound(form, target=target)
    seconds = time.perf_counter() - t0
    reduced = form.c - form.matrix.T @ lag.multipliers
    return PartBound(
        lag.bound,
        lag.iterations,
        seconds,
        work_units(form) if deterministic else seconds,
        reduced,
    )
