"""The constraint families: every hard rule of the domain, one module per family (the registry).

Three kinds of family (their signatures: :mod:`optimizer.constraints.family`; the recipe to add
one: ``optimizer/constraints/README.md``):

* :data:`STATIC` — rules on a (project, carrier) pair, pruned before the model, in this order;
* :data:`YEARLY` — rules on a placement in a year, pruned before the model, after the static ones;
* :data:`MODEL` — constraints of the CP-SAT model, added in this order; the families that count
  something (parcel area, floor area, quotas) keep the :func:`ledgers` of the greedy placements
  and the explanations.

Everyone who applies the rules goes through this list: the candidate builder
(:mod:`optimizer.candidates`), the reasons a project does not fit a carrier
(:mod:`optimizer.constraints.fit`), the pin checks (:mod:`optimizer.constraints.locks`), the model
(:mod:`optimizer.model`), the greedy placements (:mod:`optimizer.greedy`) and the explanations
(:mod:`optimizer.explain`). The independent verifier (:mod:`optimizer.verify`) does not: it
restates every rule on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from geodata.instance import Instance, Project
from optimizer.arrays import CarrierArrays
from optimizer.constraints import (
    assignment,
    capacity,
    clashes,
    factories,
    locks,
    quota,
    specs,
    standard_land,
    timing,
    zoning,
)
from optimizer.constraints.family import Label, Ledger, ModelFamily, StaticFamily, YearFamily
from optimizer.readiness import RuleSet
from optimizer.settings import Policy

#: Rules on a (project, carrier) pair, in the order they are applied.
STATIC: tuple[StaticFamily, ...] = (locks, zoning, standard_land, specs, clashes)
#: Rules on a placement in a year, applied after the static ones.
YEARLY: tuple[YearFamily, ...] = (timing,)
#: Constraints of the model, added in this order.
MODEL: tuple[ModelFamily, ...] = (assignment, capacity, factories, quota, clashes)

#: Rules of the candidate builder itself rather than of a family: ``carrier`` (the project does
#: not use this kind of carrier: it is not offered any, see :func:`wants`) and ``cap`` (the
#: per-project limit on carriers, ``max_carriers_per_project``).
BUILDER_RULE_NAMES: dict[str, Label] = {
    "carrier": ("项目不使用此类载体", "the project does not use this kind of carrier"),
    "cap": ("候选数量上限之外", "beyond the per-project candidate cap"),
}

#: All rule codes that prune candidates, in the order they are applied.
RULE_ORDER: tuple[str, ...] = (
    *(rule for fam in STATIC for rule in fam.RULE_NAMES),
    *(rule for fam in YEARLY for rule in fam.RULE_NAMES),
    "cap",
)

#: Plain names of the rule codes (zh, en), for explanations and reports.
RULE_NAMES: dict[str, Label] = {
    "carrier": BUILDER_RULE_NAMES["carrier"],
    **{rule: name for fam in STATIC for rule, name in fam.RULE_NAMES.items()},
    **{rule: name for fam in YEARLY for rule, name in fam.RULE_NAMES.items()},
    "cap": BUILDER_RULE_NAMES["cap"],
}

#: Static rule code → its family.
OWNER: dict[str, StaticFamily] = {rule: fam for fam in STATIC for rule in fam.RULE_NAMES}

#: Static rules every member parcel of a 合并供地 group must pass.
MEMBER_RULES: frozenset[str] = frozenset(
    rule for fam in STATIC if fam.PER_MEMBER for rule in fam.RULE_NAMES
)


def wants(project: Project, arr: CarrierArrays) -> bool:
    """The project may be placed on this kind of carrier at all (land or floor demanded)."""
    return project.wants_land if arr.kind == "parcel" else project.wants_factory


def static_masks(
    project: Project, arr: CarrierArrays, policy: Policy
) -> list[tuple[str, np.ndarray]]:
    """Pass-masks over the carriers of ``arr`` for every static rule, in rule order."""
    return [m for fam in STATIC for m in fam.masks(project, arr, policy)]


def group_masks(
    project: Project, arr: CarrierArrays, members: np.ndarray, total: int, policy: Policy
) -> list[tuple[str, np.ndarray]]:
    """Pass-masks over ``members`` of the static rules judged on a group as a whole."""
    return [m for fam in STATIC for m in fam.group_masks(project, arr, members, total, policy)]


def ready_dates(project: Project, arr: CarrierArrays, rules: RuleSet) -> np.ndarray | None:
    """The ``ready`` argument of :func:`year_masks`: per parcel, the date the project's
    readiness preconditions are met; ``None`` for factories."""
    return timing.ready_ordinal(project, arr, rules) if arr.kind == "parcel" else None


def year_masks(
    project: Project,
    arr: CarrierArrays,
    idx: np.ndarray,
    years: tuple[int, ...],
    ready: np.ndarray | None,
    rules: RuleSet,
) -> list[tuple[str, np.ndarray]]:
    """Pass-masks (years × carriers ``idx``) for every year rule, in rule order."""
    return [m for fam in YEARLY for m in fam.year_masks(project, arr, idx, years, ready, rules)]


def ledgers(instance: Instance, quotas: Mapping[tuple[int, str], int]) -> list[Ledger]:
    """Fresh ledgers of every model family that counts something, in registry order."""
    out = [fam.ledger(instance, quotas) for fam in MODEL]
    return [led for led in out if led is not None]
