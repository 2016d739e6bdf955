"""The result of a solve: chosen candidates and an explicit outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.candidates import Candidate, CandidateSet


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the solver reports, truthfully: FEASIBLE is never called OPTIMAL."""

    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | NO_SOLUTION
    objective: float
    best_bound: float
    gap: float
    solve_seconds: float
    build_seconds: float
    candidates_seconds: float
    greedy_objective: float
    phases: tuple[str, ...] = ()
    workers: int = 1
    deterministic: bool = True
    #: Independent parts solved one after the other (see :mod:`optimizer.components`).
    parts: int = 1
    #: Objective of the placement CP-SAT started from: the greedy, or the LP-guided greedy when
    #: that is better (``phases`` then lists ``hint:lp-guided``); NaN without a hint.
    hint_objective: float = float("nan")
    #: Time spent on the LP-guided hint (relaxation and greedy), apart from ``build_seconds``.
    hint_seconds: float = 0.0


@dataclass(slots=True)
class Solution:
    """Chosen candidates (one per placed project), with the candidate set they came from."""

    chosen: list[Candidate]
    cands: CandidateSet
    outcome: Outcome
    greedy: list[Candidate] = field(default_factory=list)
    log: str = ""
    years: tuple[int, ...] = ()
    quotas: dict[tuple[int, str], int] = field(default_factory=dict)

    def placed(self) -> dict[str, Candidate]:
        """Project id → its chosen candidate."""
        return {c.project_id: c for c in self.chosen}

    def objective_of(self, chosen: list[Candidate]) -> int:
        """Objective value (integer, scaled) of a list of candidates."""
        return sum(c.coef for c in chosen)
