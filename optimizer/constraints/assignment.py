"""Each project is placed at most once; a pinned project exactly once.

Formulation, with x_i ∈ {0, 1} for each candidate i and C(p) the candidates of project p::

    Σ_{i ∈ C(p)} x_i ≤ 1     for every project p
    Σ_{i ∈ C(p)} x_i = 1     for every pinned project p  (its candidates all use the pinned carrier)

Constraint names: ``once[p]``, ``pin[p]``.
"""

from __future__ import annotations

from collections.abc import Mapping

from geodata.instance import Instance
from optimizer.constraints.base import ModelContext
from optimizer.constraints.family import Ledger

CODE = "assignment"
LABEL = (
    "每个项目至多安排一次，锁定项目恰好一次",
    "each project placed at most once, a pinned one exactly once",
)


def add(ctx: ModelContext, pins: Mapping[str, str], quotas: Mapping[tuple[int, str], int]) -> None:
    """Add the family's constraints (:func:`add_assignment`)."""
    add_assignment(ctx, pins)


def ledger(instance: Instance, quotas: Mapping[tuple[int, str], int]) -> Ledger | None:
    """None: the greedy placements take one candidate per project by construction."""
    return None


def add_assignment(ctx: ModelContext, pins: Mapping[str, str]) -> None:
    """Add the at-most-once and pin constraints."""
    for pid in sorted(ctx.cands.by_project):
        idx = ctx.cands.by_project[pid]
        if pid in pins:
            ct = ctx.add_linear(idx, [1] * len(idx), 1, 1, f"pin[{pid}]")
            ctx.enforce(
                ct,
                f"pin:{pid}",
                f"项目 {pid} 锁定到载体 {pins[pid]}",
                f"project {pid} pinned to carrier {pins[pid]}",
            )
        elif len(idx) > 1:
            ctx.add_at_most_one(idx, f"once[{pid}]")
