"""The kinds of constraint family: the signature a family module has (one protocol per kind).

A family is a *module* (``zoning.py``, ``quota.py`` …): its module-level names are checked
against one of these protocols where the registry (:mod:`optimizer.constraints`) lists it, so
mypy reports a family that lacks a name or has a wrong signature.

* :class:`StaticFamily` — rules on a (project, carrier) pair, pruned before the model: one
  pass-mask per rule over the carriers of a kind.
* :class:`YearFamily` — rules on a (project, carrier, year) placement, pruned before the model:
  one pass-mask per rule over (years × carriers).
* :class:`ModelFamily` — constraints of the CP-SAT model over the candidates; with a
  :class:`Ledger` when the family counts something a candidate uses up (parcel area, floor area,
  quota), for the greedy placements and the explanations.

Rule codes (``cluster``, ``area`` …) are unique over all families; each family labels its own
rules in Chinese and English (``RULE_NAMES``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from geodata.instance import Instance, Project
    from optimizer.arrays import CarrierArrays
    from optimizer.candidate import Candidate
    from optimizer.constraints.base import ModelContext
    from optimizer.readiness import RuleSet
    from optimizer.settings import Policy

#: What a ledger reports a candidate would overfill: a carrier id (a parcel or a factory), or a
#: quota row (year, zone; ``*`` the district).
Resource = str | tuple[int, str]

#: Labels of a rule or a family: (Chinese, English).
Label = tuple[str, str]


class StaticFamily(Protocol):
    """Rules a (project, carrier) pair must pass to become a candidate."""

    #: The family's code (its module's name).
    CODE: str
    #: Rule code → (Chinese, English) name, in the order :meth:`masks` returns them.
    RULE_NAMES: dict[str, Label]
    #: A 合并供地 group needs every member parcel to pass this family's rules (else the rules
    #: judge the group as a whole, see :meth:`group_masks`, or do not apply to groups).
    PER_MEMBER: bool

    def masks(
        self, project: Project, arr: CarrierArrays, policy: Policy
    ) -> list[tuple[str, np.ndarray]]:
        """(rule, pass-mask over the carriers of ``arr``) for every rule that applies, in order.

        Return no mask for a kind of carrier the family does not judge (``arr.kind``).
        """
        ...

    def group_masks(
        self, project: Project, arr: CarrierArrays, members: np.ndarray, total: int, policy: Policy
    ) -> list[tuple[str, np.ndarray]]:
        """(rule, pass-mask over ``members``) for the rules judged on a group supplying ``total``
        (0.01 亩) from the parcels ``members`` of ``arr``; empty when there are none."""
        ...

    def detail(
        self, rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
    ) -> Label:
        """The numbers behind ``rule`` failing on carrier ``i`` (zh, en); empty when none."""
        ...


class YearFamily(Protocol):
    """Rules a placement in a year must pass (the year a carrier is supplied)."""

    CODE: str
    RULE_NAMES: dict[str, Label]

    def year_masks(
        self,
        project: Project,
        arr: CarrierArrays,
        idx: np.ndarray,
        years: tuple[int, ...],
        ready: np.ndarray | None,
        rules: RuleSet,
    ) -> list[tuple[str, np.ndarray]]:
        """(rule, pass-mask of shape years × carriers ``idx``) for every rule that applies.

        ``ready`` is, per carrier of ``arr``, the date its readiness preconditions for this
        project are met (:func:`optimizer.constraints.timing.ready_ordinal`; ``None`` for
        factories). A 合并供地 group passes a year when every member parcel does.
        """
        ...


class Ledger(Protocol):
    """What is left of something candidates use up, while they are taken one by one."""

    def fits(self, c: Candidate) -> bool:
        """``c`` fits what is left (the same as ``not self.over(c)``, but faster)."""
        ...

    def over(self, c: Candidate) -> list[Resource]:
        """Everything ``c`` would overfill (all of them; empty when it fits)."""
        ...

    def take(self, c: Candidate) -> None:
        """Count ``c`` as placed (whether it fits is the caller's business)."""
        ...


class ModelFamily(Protocol):
    """Constraints of the CP-SAT model (one Boolean per candidate)."""

    CODE: str
    #: The family's name (zh, en).
    LABEL: Label

    def add(
        self, ctx: ModelContext, pins: Mapping[str, str], quotas: Mapping[tuple[int, str], int]
    ) -> None:
        """Add the family's constraints to ``ctx`` (pins: project → carrier; quotas: (year,
        zone) → 0.01 亩), each group enforced by its own literal when ``ctx.explain``."""
        ...

    def ledger(self, instance: Instance, quotas: Mapping[tuple[int, str], int]) -> Ledger | None:
        """A fresh ledger of what the family counts; ``None`` when it counts nothing."""
        ...
