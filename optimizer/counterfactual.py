"""What placing an unplaced project would cost (反事实): a short re-solve with it forced in.

For an unplaced project ``p`` with candidates, the model of the plan (every family,
:func:`optimizer.model.build_model`) gets ``Σ_{i ∈ cand(p)} x_i = 1`` and is maximised again,
started from the plan. Only the projects in ``p``'s way may change: those holding one of its
candidate carriers and, when ``p`` needs land, those supplied land in one of its candidates'
years (they share the quota rows); every other project keeps its placement. The result is a
plan that holds ``p``; its objective against the plan's is the cost of placing ``p``, with the
projects that would lose their place or move. Within that neighbourhood the cost is proven least
when the re-solve is ``OPTIMAL``; otherwise it is the cost of the best forced plan found (an
upper bound of the least cost).

The re-solves are independent; :func:`counterfactuals` runs them one after the other, the
highest-priority project first, each for at most :data:`PER_PROJECT` (most are proven in a few
hundredths), within a budget (by default 20 % of the solve's time limit, in the limit's units);
projects left when the budget is spent are reported as not computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from optimizer.constraints.base import chosen_values
from optimizer.constraints.locks import resolve_pins
from optimizer.model import build_model
from optimizer.settings import SolverSettings
from optimizer.solution import Solution

if TYPE_CHECKING:
    from optimizer.problem import Problem

#: Share of the solve's time limit the counterfactuals may take by default.
BUDGET_SHARE = 0.2
#: Limit of one re-solve (the limit's units).
PER_PROJECT = 0.25
#: Below this much budget left, the remaining projects are skipped.
MIN_LIMIT = 0.02


@dataclass(frozen=True)
class Counterfactual:
    """The cost of forcing one unplaced project into the plan.

    Attributes
    ----------
    status
        ``exact`` (least cost within the neighbourhood), ``found`` (a forced plan, not proven
        least), ``impossible`` (no plan holds it with the others in its way free to move) or
        ``skipped`` (the budget was spent).
    placement
        Where it would go: ``carrier[+carrier]@year``.
    points
        Its own points there.
    loss
        Objective of the plan minus objective of the forced plan.
    removed, moved
        Placed projects that would lose their place, or move.
    """

    project_id: str
    status: str
    placement: str = ""
    points: int = 0
    loss: int = 0
    removed: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()
    #: Points of the removed projects in the plan.
    removed_points: int = 0


def counterfactuals(
    problem: Problem,
    solution: Solution,
    projects: Iterable[str],
    settings: SolverSettings,
    budget: float | None = None,
) -> dict[str, Counterfactual]:
    """The counterfactual of each project of ``projects`` (unplaced, with candidates).

    ``budget``: time for all of them in the limit's units (default :data:`BUDGET_SHARE` of the
    solve's limit); the highest priority first, each at most :data:`PER_PROJECT`.
    """
    prio = solution.cands.priority
    todo = sorted(set(projects), key=lambda p: (-prio.get(p, 0.0), p))
    left = BUDGET_SHARE * settings.limit_units() if budget is None else budget
    pins = resolve_pins(problem.instance, problem.policy)
    one = replace(settings, workers=1, log=False)
    out: dict[str, Counterfactual] = {}
    for pid in todo:
        if left < MIN_LIMIT:
            out[pid] = Counterfactual(pid, "skipped")
            continue
        cf, used = _force(problem, solution, pins, pid, one, min(PER_PROJECT, left))
        out[pid] = cf
        left -= used
    return out


def _force(
    problem: Problem,
    solution: Solution,
    pins: dict[str, str],
    pid: str,
    settings: SolverSettings,
    limit: float,
) -> tuple[Counterfactual, float]:
    cands = solution.cands
    own = [cands.candidates[i] for i in cands.by_project.get(pid, [])]
    carriers = {cid for c in own for cid in c.carriers}
    years = {c.year for c in own if c.land_cmu}
    now = solution.placed()
    free = {pid} | {
        q for q, c in now.items() if carriers & set(c.carriers) or (c.land_cmu and c.year in years)
    }
    ctx = build_model(cands, problem.instance, problem.years, pins, solution.quotas)
    ctx.add_linear([c.index for c in own], np.ones(len(own), dtype=np.int64), 1, 1, "force")
    ctx.maximise(np.arange(ctx.n), ctx.cols.coef)
    ctx.start_from((c.index for c in solution.chosen), free)
    status, solver = problem._run(ctx.model, settings, limit, [])
    used = solver.deterministic_time if settings.deterministic else solver.wall_time
    if status == cp_model.INFEASIBLE:
        return Counterfactual(pid, "impossible"), used
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Counterfactual(pid, "skipped"), used
    chosen = [cands.candidates[int(i)] for i in np.flatnonzero(chosen_values(solver, ctx.n))]
    after = {c.project_id: c for c in chosen}
    mine = after[pid]
    removed = tuple(sorted(q for q in now if q not in after))
    moved = tuple(
        sorted(
            q
            for q, c in now.items()
            if q in after and (after[q].carriers, after[q].year) != (c.carriers, c.year)
        )
    )
    loss = sum(c.coef for c in solution.chosen) - sum(c.coef for c in chosen)
    where = "+".join(mine.carriers) + "@" + str(mine.year)
    status_name = "exact" if status == cp_model.OPTIMAL else "found"
    gone = sum(c.coef for q, c in now.items() if q in removed)
    return Counterfactual(pid, status_name, where, mine.coef, loss, removed, moved, gone), used
