"""The CP-SAT model of a candidate set: every model family of the registry added to one context."""

from __future__ import annotations

from geodata.instance import Instance
from optimizer.candidate import CandidateSet
from optimizer.constraints import MODEL
from optimizer.constraints.base import ModelContext


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

    The families are those of :data:`optimizer.constraints.MODEL`, added in that order.

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
    add_families(ctx, pins, quotas)
    return ctx


def add_families(
    ctx: ModelContext, pins: dict[str, str], quotas: dict[tuple[int, str], int]
) -> None:
    """Add every family of :data:`optimizer.constraints.MODEL` to ``ctx``, in that order (a
    CP-SAT model, or :func:`optimizer.linear.family_form`'s row recorder)."""
    for family in MODEL:
        family.add(ctx, pins, quotas)
