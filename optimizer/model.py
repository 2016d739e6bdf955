"""The CP-SAT model of a candidate set: every hard-rule family added to one context."""

from __future__ import annotations

from geodata.instance import Instance
from optimizer.candidates import CandidateSet
from optimizer.constraints.assignment import add_assignment
from optimizer.constraints.base import ModelContext
from optimizer.constraints.capacity import add_parcel_capacity
from optimizer.constraints.factories import add_factory_capacity
from optimizer.constraints.quota import add_quota


def build_model(
    cands: CandidateSet,
    instance: Instance,
    years: tuple[int, ...],
    pins: dict[str, str],
    quotas: dict[tuple[int, str], int],
    *,
    explain: bool = False,
) -> ModelContext:
    """The model of ``cands`` (one Boolean per candidate) with every constraint family.

    Parameters
    ----------
    cands
        The candidates; the static rules are already applied by their construction.
    instance
        Carriers' capacities (parcel areas, free floor areas) are read from here.
    years
        Planning years.
    pins
        Pinned projects (project → carrier): placed exactly once.
    quotas
        Quota rows ((year, zone) → 0.01 亩; ``*`` the district).
    explain
        One enforcement literal per rule group (for the infeasibility core).
    """
    ctx = ModelContext.create(cands, instance, years, explain=explain)
    add_assignment(ctx, pins)
    add_parcel_capacity(ctx)
    add_factory_capacity(ctx)
    add_quota(ctx, quotas)
    return ctx
