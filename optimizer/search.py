"""Running the solvers on one model: CP-SAT searches, and HiGHS beside them.

:func:`run_cpsat` is the one place a CP-SAT model is solved with a solve's settings (the
deterministic portfolio, or CP-SAT's racing workers in the fastest mode); :func:`side_by_side`
adds the MIP worker of :mod:`optimizer.mip` on one of the cores and keeps the better plan.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from optimizer import interrupt
from optimizer.candidates import Candidate
from optimizer.constraints.base import ModelContext, chosen_values
from optimizer.linear import LinearForm
from optimizer.mip import finish, start_worker
from optimizer.settings import SolverSettings, deterministic_rate

#: CP-SAT's statuses by name.
STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "NO_SOLUTION",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
}


@dataclass(frozen=True)
class PartResult:
    """The solve of one independent part."""

    chosen: list[Candidate]
    status: str
    objective: float
    bound: float
    phases: tuple[str, ...]
    spent: float
    build_s: float
    hint_objective: float = float("nan")
    hint_s: float = 0.0
    #: What the part took from the time budget, in the limit's units (see ``Problem.solve``).
    used: float = 0.0

    def merge(self, again: PartResult) -> PartResult:
        """This part solved twice: the better placement, the tighter bound, both times."""
        best = again if again.objective >= self.objective else self
        bound = min(self.bound, again.bound) if again.bound == again.bound else self.bound
        proven = again.status == "OPTIMAL" or best.objective >= bound
        return PartResult(
            best.chosen,
            "OPTIMAL" if proven else "FEASIBLE",
            best.objective,
            best.objective if proven else bound,
            self.phases + again.phases,
            self.spent + again.spent,
            self.build_s + again.build_s,
            self.hint_objective,
            self.hint_s + again.hint_s,
            self.used + again.used,
        )


def run_cpsat(
    model: cp_model.CpModel,
    settings: SolverSettings,
    limit: float,
    log: list[str],
) -> tuple[Any, cp_model.CpSolver]:
    """Solve ``model`` within ``limit`` (the limit's units); the status and the solver.

    Deterministic mode with ``n`` workers runs ``n`` single-worker searches at once (seeds
    ``seed`` … ``seed + n − 1``), each deterministic on its own, and keeps the winner by the
    fixed rule of :func:`optimizer.interrupt.solve_portfolio`. (Measured against CP-SAT's own
    deterministic interleaved search on 2 cores, which is weaker at equal wall time:
    ``bench/RESULTS.md``.) Fastest mode runs one CP-SAT with ``n`` racing workers.
    """

    def configured(seed: int, workers: int, logged: bool) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.random_seed = seed
        p.cp_model_presolve = settings.presolve
        p.log_search_progress = settings.log and logged
        p.log_to_stdout = False
        p.num_workers = workers
        if settings.deterministic:
            p.max_deterministic_time = limit
            # a safety net only, ten times the expected wall time: reaching it would make
            # the result depend on the machine
            p.max_time_in_seconds = max(60.0, 10 * limit / deterministic_rate(workers))
        else:
            p.max_time_in_seconds = limit
        if logged:
            solver.log_callback = log.append
        return solver

    n = max(1, settings.workers)
    if not settings.deterministic or n == 1:
        solver = configured(settings.seed, n if not settings.deterministic else 1, True)
        return interrupt.solve(solver, model), solver
    solvers = [configured(settings.seed + k, 1, k == 0) for k in range(n)]
    k, status = interrupt.solve_portfolio(solvers, model)
    objectives = ", ".join(
        f"{s.objective_value:.0f}" if s.response_proto.solution else "–" for s in solvers
    )
    log.append(f"portfolio of {n} deterministic searches: objectives {objectives}; kept {k}")
    return status, solvers[k]


@dataclass(frozen=True, slots=True)
class Searched:
    """What :func:`side_by_side` found: CP-SAT's status and solver, the kept plan (one 0/1
    per variable, or None), its objective, the bound (``nan``: none), who found the plan
    (HiGHS, or the crossover), and the wall time (the slower solver, then the crossover)."""

    status: Any
    solver: cp_model.CpSolver
    x: np.ndarray | None
    objective: float
    bound: float
    by_mip: bool
    wall_s: float
    crossed: bool = False
    #: What the crossover took beyond CP-SAT's main run, in the limit's units.
    extra_used: float = 0.0


#: Share of the limit kept for the crossover of CP-SAT's and HiGHS's plans (see
#: :func:`side_by_side`).
CROSSOVER_SHARE = 0.15


def side_by_side(
    ctx: ModelContext,
    form: LinearForm | None,
    start: np.ndarray | None,
    settings: SolverSettings,
    limit: float,
    log: list[str],
    *,
    lexicographic: bool,
) -> Searched:
    """Solve the model of ``ctx`` (its objective set; ``form``: the same read as a linear
    program, or None) with CP-SAT and, where one serves (:func:`optimizer.mip.start_worker`),
    HiGHS on one of the cores, started from ``start``.

    With both, each has ``1 − CROSSOVER_SHARE`` of the limit; then the projects on which the
    two plans agree are fixed and CP-SAT re-solves the others from the better plan with every
    worker for the rest (a crossover: two good plans that differ point to where a better one
    lies; on the benchmark district it added 0.1 % in 1.5 s). The best plan is kept (CP-SAT's on
    a tie), and the smaller bound.
    """
    model, coefs = ctx.model, np.asarray(ctx.cols.coef, dtype=np.int64)
    worker = start_worker(
        form, start, settings, limit * (1 - CROSSOVER_SHARE), lexicographic=lexicographic
    )
    main = limit * (1 - CROSSOVER_SHARE) if worker else limit
    with worker[0] if worker else nullcontext():
        # the MIP worker takes one of the workers' cores
        run_with = replace(settings, workers=settings.workers - 1) if worker else settings
        status, solver = run_cpsat(model, run_with, main, log)
        if worker and status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            worker[0].cancel()  # proven: HiGHS can change neither the plan nor the bound
            worker = None
            log.append("HiGHS worker stopped: CP-SAT proved the part")
        mip = finish(*worker, log) if worker else None
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    n = ctx.n
    x = chosen_values(solver, n) if found else None
    obj = float(coefs[np.flatnonzero(x)].sum()) if x is not None else float("-inf")
    bound = float(solver.best_objective_bound) if found else float("nan")
    by_mip = False
    wall = max(solver.wall_time, mip.wall_s if mip else 0.0)
    if mip is None:
        return Searched(status, solver, x, obj, bound, by_mip, wall)
    if mip.x is not None and float(coefs[np.flatnonzero(mip.x[:n])].sum()) > obj:
        x, by_mip = mip.x[:n], True
        obj = float(coefs[np.flatnonzero(x)].sum())
    if not np.isfinite(mip.bound):
        pass  # stopped before its first bound
    elif mip.bound >= obj - 1e-6:
        bound = min(bound, mip.bound) if bound == bound else mip.bound  # nan-safe
    else:  # a bound below a verified plan is no bound
        log.append(f"HiGHS bound {mip.bound:.0f} below the plan's {obj:.0f}: not used")
    if found and mip.x is not None and status != cp_model.OPTIMAL and obj < bound - 1:
        other = mip.x[:n] if not by_mip else chosen_values(solver, n)
        crossed, seconds, extra = _crossover(ctx, x, other, settings, limit - main, log)  # type: ignore[arg-type]
        wall += seconds
        better = crossed is not None and float(coefs[np.flatnonzero(crossed)].sum()) > obj
        if better and crossed is not None:
            x, by_mip = crossed, False
            obj = float(coefs[np.flatnonzero(x)].sum())
            log.append(f"crossover: {obj:.0f}")
        return Searched(status, solver, x, obj, bound, by_mip, wall, better, extra)
    return Searched(status, solver, x, obj, bound, by_mip, wall)


def _crossover(
    ctx: ModelContext,
    best: np.ndarray,
    other: np.ndarray,
    settings: SolverSettings,
    limit: float,
    log: list[str],
) -> tuple[np.ndarray | None, float, float]:
    """Re-solve the projects on which ``best`` and ``other`` differ, every other project fixed
    to ``best``; the plan found (or None), the wall seconds and what it used of the limit."""
    differ = np.flatnonzero(best != other)
    if len(differ) == 0 or limit <= 0:
        return None, 0.0, 0.0
    free = set(ctx.cols.project[differ].tolist())
    sub = replace(ctx, model=ctx.model.clone())
    sub.start_from(np.flatnonzero(best).tolist(), free)
    status, solver = run_cpsat(sub.model, replace(settings, log=False), limit, log)
    log.append(f"crossover of {len(free)} projects: {STATUS.get(status, status)}")
    used = solver.deterministic_time if settings.deterministic else solver.wall_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver.wall_time, used
    return chosen_values(solver, ctx.n), solver.wall_time, used
