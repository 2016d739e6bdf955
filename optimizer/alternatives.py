"""Alternatives that really differ (比选方案): near-optimal plans, pairwise different.

Method: no-good cuts in the spirit of prioritizr's gap portfolios. The best plan (A) is solved
as usual (:meth:`optimizer.problem.Problem.solve`). Then the whole model (every part in one
CP-SAT model, :func:`optimizer.model.build_model`) gets

* (a) a floor on the objective: ``Σ coef · x ≥ ⌈(1 − tolerance) × best⌉`` on the same integer
  objective the solve maximises, and
* (b) for every plan found so far, a no-good cut on its placements: of that plan's chosen
  placements (project → carrier(s) in a year), at least ``min_diff`` are *not* chosen again,
  ``Σ_{i ∈ chosen} (1 − x_i) ≥ min_diff``.

and is maximised again; each solution is the next plan (B, C, …) and adds its own cut. A
*placement differs* when the project of an earlier plan is placed elsewhere, in another year, or
not placed at all. The search stops at ``k`` plans, or earlier with a message (not an error)
when no further plan within the tolerance differs enough from every earlier plan, or none was
found in the time limit. Each alternative gets the solve's time limit (``settings``, the same
deterministic mode). The tolerance is on the priority objective: with the lexicographic policy
the majors' objective is not held by the cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from ortools.sat.python import cp_model

from optimizer.candidates import Candidate
from optimizer.constraints.base import chosen_values
from optimizer.constraints.locks import resolve_pins
from optimizer.model import build_model
from optimizer.settings import SolverSettings
from optimizer.solution import Outcome, Solution

if TYPE_CHECKING:
    from optimizer.problem import Problem

#: Plan labels: A is the best plan, B, C, … the alternatives.
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def placement(c: Candidate) -> tuple[str, tuple[str, ...], int]:
    """What a placement is: the project, its carrier(s) and its year."""
    return (c.project_id, c.carriers, c.year)


def differing(earlier: Solution, later: Solution) -> int:
    """Placements of ``earlier`` that ``later`` does not repeat (moved, other year, unplaced)."""
    again = {placement(c) for c in later.chosen}
    return sum(1 for c in earlier.chosen if placement(c) not in again)


@dataclass
class Alternatives:
    """The plans found (``plans[0]`` is the best, plan A) and why there are fewer than asked."""

    plans: list[Solution]
    requested: int
    tolerance: float
    min_diff: int
    #: Empty when ``requested`` plans were found; else the reason in Chinese and English.
    message: str = ""
    labels: list[str] = field(default_factory=list)


def solve_alternatives(
    problem: Problem,
    settings: SolverSettings | None = None,
    k: int = 3,
    *,
    tolerance: float = 0.01,
    min_diff: int = 5,
    best: Solution | None = None,
) -> Alternatives:
    """Up to ``k`` plans, each within ``tolerance`` of the best objective, pairwise differing in
    at least ``min_diff`` placements (see the module's docstring for the method).

    ``best``: plan A when already solved (by ``problem.solve(settings)``), else it is solved here.
    """
    if k < 1 or min_diff < 1 or not 0.0 <= tolerance < 1.0:
        raise ValueError("k ≥ 1, min_diff ≥ 1 and 0 ≤ tolerance < 1 are required")
    settings = settings or SolverSettings()
    best = best if best is not None else problem.solve(settings)
    out = Alternatives([best], k, tolerance, min_diff, labels=["A"])
    cands = best.cands
    best_obj = int(sum(c.coef for c in best.chosen))
    floor = math.ceil((1.0 - tolerance) * best_obj) if best_obj > 0 else best_obj
    pins = resolve_pins(problem.instance, problem.policy)
    ctx = build_model(cands, problem.instance, problem.years, pins, best.quotas)
    everyone = np.arange(ctx.n)
    ctx.add_linear(everyone, ctx.cols.coef, floor, cp_model.INT_MAX, "alternatives:objective")
    ctx.maximise(everyone, ctx.cols.coef)
    keys = [placement(c) for c in cands.candidates]
    while len(out.plans) < min(k, len(LABELS)):
        prev = out.plans[-1]
        chosen = {placement(c) for c in prev.chosen}
        # every candidate of the same placement (one per project at most is chosen)
        idx = [i for i, key in enumerate(keys) if key in chosen]
        label = LABELS[len(out.plans)]
        log: list[str] = []
        if len(chosen) < min_diff:  # no plan can differ in more placements than it has
            status, solver = cp_model.INFEASIBLE, None
        else:
            ub = len(chosen) - min_diff
            ctx.add_linear(idx, np.ones(len(idx)), 0, ub, "alternatives:no-good")
            values = np.zeros(ctx.n, dtype=np.int64)
            values[[c.index for c in prev.chosen]] = 1
            ctx.hint(values)
            status, solver = problem._run(ctx.model, settings, settings.limit_units(), log)
        if solver is None or status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out.message = _why_fewer(len(out.plans), label, status, tolerance, min_diff)
            break
        out.plans.append(_plan(solver, status, best, settings, label, log))
        out.labels.append(label)
    return out


def _why_fewer(found: int, label: str, status: Any, tolerance: float, min_diff: int) -> str:
    """Why plan ``label`` was not found, in Chinese and English (``zh / en``)."""
    if status == cp_model.INFEASIBLE:
        return (
            f"只找到 {found} 个方案：没有方案{label}在目标值不低于最优的 {1 - tolerance:.1%} "
            f"的同时与之前每个方案至少相差 {min_diff} 个项目的落地 / "
            f"only {found} plan(s): no plan {label} within {tolerance:.1%} of the best "
            f"objective differs in at least {min_diff} placements from every earlier plan"
        )
    return (
        f"只找到 {found} 个方案：方案{label}在时限内未找到 / "
        f"only {found} plan(s): no plan {label} found within the time limit"
    )


def _plan(
    solver: cp_model.CpSolver,
    status: Any,
    best: Solution,
    settings: SolverSettings,
    label: str,
    log: list[str],
) -> Solution:
    """The solver's solution as plan ``label``."""
    cands = best.cands
    on = np.flatnonzero(chosen_values(solver, len(cands.candidates)))
    picked = [cands.candidates[int(i)] for i in on]
    obj = float(sum(c.coef for c in picked))
    bound = float(solver.best_objective_bound)
    proven = status == cp_model.OPTIMAL
    outcome = Outcome(
        status="OPTIMAL" if proven else "FEASIBLE",
        objective=obj,
        best_bound=obj if proven else bound,
        gap=0.0 if proven else abs(bound - obj) / max(1.0, abs(obj)),
        solve_seconds=solver.wall_time,
        build_seconds=0.0,
        candidates_seconds=0.0,
        greedy_objective=best.outcome.greedy_objective,
        phases=(f"alternative:{label}",),
        workers=max(1, settings.workers),
        deterministic=settings.deterministic,
    )
    return Solution(picked, cands, outcome, [], "\n".join(log), best.years, best.quotas)
