"""A CP-SAT model of Boolean variables read as one sparse linear program (arrays, no objects).

The model the constraint families build (:mod:`optimizer.model`) has one Boolean per candidate,
linear rows, at-most-one and exactly-one rows, and a linear objective to maximise. Read from
the model's proto, it is::

    max  c · x    subject to   row_lo ≤ A x ≤ row_hi,   x ∈ {0, 1}^n

with ``A`` a sparse matrix (CSR). Everything that needs the model as a linear program reads it
from here: the LP relaxation that guides the hint (:mod:`optimizer.relaxation`), the MIP worker
(:mod:`optimizer.mip`) and the Lagrangian bound. No rule is restated: the rows are the ones the
families wrote.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

from geodata.instance import Instance
from optimizer.candidate import CandidateSet
from optimizer.constraints.base import ModelContext
from optimizer.model import add_families

#: CP-SAT's stand-in for an infinite bound (a domain end beyond it is read as ±∞).
_INF = 2**62
#: One unnamed Boolean variable (domain [0, 1]) as the model proto's binary format writes it.
_BOOL_BYTES = cp_model_pb2.CpModelProto(
    variables=[cp_model_pb2.IntegerVariableProto(domain=[0, 1])]
).SerializeToString()


@dataclass(frozen=True, slots=True)
class LinearForm:
    """``max c·x, row_lo ≤ A x ≤ row_hi, var_lo ≤ x ≤ var_hi, x integer`` (bounds in {0, 1} for
    variables, ``±inf`` for rows without one side)."""

    c: np.ndarray
    offset: float
    matrix: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    var_lo: np.ndarray
    var_hi: np.ndarray

    @property
    def n(self) -> int:
        """Number of variables."""
        return len(self.c)

    def violations(self, x: np.ndarray, tol: float = 1e-6) -> int:
        """How many rows and variable bounds the 0/1 vector ``x`` violates (0: feasible)."""
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n,):
            return self.n + len(self.row_lo) + 1
        act = self.matrix @ x
        rows = int(np.sum((act < self.row_lo - tol) | (act > self.row_hi + tol)))
        bounds = int(np.sum((x < self.var_lo - tol) | (x > self.var_hi + tol)))
        return rows + bounds + int(np.sum(np.abs(x - np.rint(x)) > tol))

    def save(self, path: str | Path, **extra: np.ndarray) -> None:
        """Write the form and the ``extra`` arrays to ``path`` (``.npz``): what a solver process
        reads (``optimizer/highs_worker.py``; ``bench/mip_highs.py``)."""
        m = self.matrix
        np.savez(
            path,
            c=self.c,
            indptr=m.indptr,
            indices=m.indices,
            values=m.data,
            row_lo=self.row_lo,
            row_hi=self.row_hi,
            var_lo=self.var_lo,
            var_hi=self.var_hi,
            **extra,  # type: ignore[arg-type]
        )

    @property
    def nonzeros(self) -> int:
        """Non-zeros of the constraint matrix."""
        return int(self.matrix.nnz)


def linear_form(model: cp_model.CpModel, max_nonzeros: int | None = None) -> LinearForm | None:
    """The model as a linear program over its Booleans, or None when it is not one.

    The model is read from its serialised proto (written by CP-SAT's C++ side and parsed by
    protobuf's), whose repeated fields convert to arrays in bulk: ≈ 2 s for the 2.2 million
    variables and 7.4 million non-zeros of the benchmark city, against ≈ 10 s through the
    model's Python proto wrapper, which costs ≈ 2.4 µs per variable and 0.7 µs per non-zero.

    Parameters
    ----------
    model
        A CP-SAT maximisation over Boolean variables with linear, at-most-one and exactly-one
        constraints, none with an enforcement literal or a negated literal. Only read.
    max_nonzeros
        Give up (None) when the rows hold more non-zeros than this.

    Returns
    -------
    LinearForm or None
        None when the model is not a maximisation, has another kind of constraint, a variable
        that is not Boolean, or more non-zeros than ``max_nonzeros``.
    """
    raw = _serialised(model)
    p = cp_model_pb2.CpModelProto.FromString(raw)
    obj = p.objective
    # CP-SAT stores a maximisation as the minimisation of the negated objective (factor −1)
    if obj.scaling_factor >= 0:
        return None
    bounds = _variable_bounds(p, raw)
    if bounds is None:
        return None
    rows = _rows(p, max_nonzeros)
    if rows is None:
        return None
    n = len(p.variables)
    obj_vars = np.asarray(obj.vars, dtype=np.int64)
    if len(obj_vars) and obj_vars.min() < 0:
        return None
    # the proto holds the minimised −objective: negate back
    c = -np.bincount(obj_vars, weights=np.asarray(obj.coeffs, dtype=float), minlength=n)
    indptr, cols, vals, lo, hi = rows
    matrix = sp.csr_matrix((vals, cols, indptr), shape=(len(lo), n))
    return LinearForm(c, -float(obj.offset), matrix, lo, hi, *bounds)


def _serialised(model: cp_model.CpModel) -> bytes:
    """The model's proto in protobuf's binary format (CP-SAT's own writer, through a file)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.pb"
        if not model.export_to_file(str(path)):
            raise OSError(f"CP-SAT could not write its model to {path}")
        return path.read_bytes()


def _variable_bounds(
    p: cp_model_pb2.CpModelProto, raw: bytes
) -> tuple[np.ndarray, np.ndarray] | None:
    """``var_lo, var_hi`` of a model of Booleans, or None when a variable is not one."""
    n = len(p.variables)
    var_lo = np.zeros(n)
    var_hi = np.ones(n)
    # the binary format writes fields in number order, the variables first (the model has no
    # name): n copies of one unnamed [0, 1] variable's bytes are n Booleans, read at once
    if not p.name and raw[: len(_BOOL_BYTES) * n] == _BOOL_BYTES * n:
        return var_lo, var_hi
    for k, v in enumerate(p.variables):
        if len(v.domain) != 2 or v.domain[0] < 0 or v.domain[1] > 1:
            return None
        if v.domain[0] != 0 or v.domain[1] != 1:  # a fixed variable
            var_lo[k], var_hi[k] = v.domain[0], v.domain[1]
    return var_lo, var_hi


def _rows(
    p: cp_model_pb2.CpModelProto, max_nonzeros: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The constraints as CSR arrays (indptr, columns, values) and row bounds, or None."""
    sizes: list[int] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    total = 0
    for ct in p.constraints:
        kind = ct.WhichOneof("constraint")
        if len(ct.enforcement_literal):
            return None
        if kind == "linear":
            dom = ct.linear.domain
            if len(dom) != 2:
                return None
            lo.append(float(dom[0]) if dom[0] > -_INF else -np.inf)
            hi.append(float(dom[-1]) if dom[-1] < _INF else np.inf)
            idx = np.asarray(ct.linear.vars, dtype=np.int64)
            vals.append(np.asarray(ct.linear.coeffs, dtype=float))
        elif kind in ("at_most_one", "exactly_one"):
            lits = ct.exactly_one.literals if kind == "exactly_one" else ct.at_most_one.literals
            idx = np.asarray(lits, dtype=np.int64)
            lo.append(1.0 if kind == "exactly_one" else -np.inf)
            hi.append(1.0)
            vals.append(np.ones(len(idx)))
        else:
            return None
        if len(idx) and idx.min() < 0:  # a negated literal: not produced by our families
            return None
        cols.append(idx)
        sizes.append(len(idx))
        total += len(idx)
        if max_nonzeros is not None and total > max_nonzeros:
            return None
    indptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    empty = np.empty(0)
    return (
        indptr,
        np.concatenate(cols) if cols else empty.astype(np.int64),
        np.concatenate(vals) if vals else empty,
        np.asarray(lo, dtype=float),
        np.asarray(hi, dtype=float),
    )


@dataclass(slots=True)
class _Recorder(ModelContext):
    """A model context that keeps the rows the families add as arrays instead of writing them
    into a CP-SAT proto (no proto is built: ≈ 3 × faster at city scale)."""

    rows: list[tuple[np.ndarray, np.ndarray, float, float]] = field(default_factory=list)

    def add_linear(
        self,
        idx: Sequence[int] | np.ndarray,
        coeffs: Sequence[int] | np.ndarray,
        lb: int,
        ub: int,
        name: str,
    ) -> int:
        """Keep ``lb ≤ Σ coeffs_k · x[idx_k] ≤ ub``; return the row's index."""
        lo = float(lb) if lb > -_INF else -np.inf
        hi = float(ub) if ub < _INF else np.inf
        cols = np.asarray(idx, dtype=np.int64)
        self.rows.append((cols, np.asarray(coeffs, dtype=float), lo, hi))
        return len(self.rows) - 1

    def add_at_most_one(self, idx: Sequence[int] | np.ndarray, name: str) -> int:
        """Keep ``Σ x[idx_k] ≤ 1``; return the row's index."""
        cols = np.asarray(idx, dtype=np.int64)
        self.rows.append((cols, np.ones(len(cols)), -np.inf, 1.0))
        return len(self.rows) - 1


def family_form(
    cands: CandidateSet,
    instance: Instance,
    years: tuple[int, ...],
    pins: dict[str, str],
    quotas: dict[tuple[int, str], int],
) -> LinearForm:
    """The model :func:`optimizer.model.build_model` builds, maximising the candidates'
    coefficients, as a linear form: the rows of every family of
    :data:`optimizer.constraints.MODEL`, taken from the families as they add them (the same
    calls, no proto). Used where the whole model is read but never solved (the bound of a part
    solved by neighbourhoods)."""
    model = cp_model.CpModel()
    ctx = _Recorder(model, cands, instance, years, cands.columns(), False)
    add_families(ctx, pins, quotas)
    if len(model.proto.constraints) or len(model.proto.variables):
        raise RuntimeError("a model family wrote into the proto instead of through the context")
    n = len(cands.candidates)
    sizes = [len(r[0]) for r in ctx.rows]
    indptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    empty = np.empty(0)
    cols = np.concatenate([r[0] for r in ctx.rows]) if ctx.rows else empty.astype(np.int64)
    vals = np.concatenate([r[1] for r in ctx.rows]) if ctx.rows else empty
    matrix = sp.csr_matrix((vals, cols, indptr), shape=(len(sizes), n))
    lo = np.array([r[2] for r in ctx.rows], dtype=float)
    hi = np.array([r[3] for r in ctx.rows], dtype=float)
    c = np.asarray(ctx.cols.coef, dtype=float)
    return LinearForm(c, 0.0, matrix, lo, hi, np.zeros(n), np.ones(n))
