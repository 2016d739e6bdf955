"""The context every constraint family adds its constraints to."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from geodata.instance import Instance
from optimizer.candidates import CandidateSet


@dataclass(slots=True)
class ModelContext:
    """A CP-SAT model under construction: one Boolean ``x[i]`` per candidate ``i``.

    With ``explain`` set, each constraint group is enforced by its own literal (collected in
    ``groups`` with a Chinese and English description) so that an infeasible set of locked
    decisions can be traced to the rules in conflict.
    """

    model: cp_model.CpModel
    x: list[cp_model.IntVar]
    cands: CandidateSet
    instance: Instance
    years: tuple[int, ...]
    explain: bool = False
    groups: dict[str, tuple[cp_model.IntVar, str, str]] = field(default_factory=dict)

    def enforce(self, ct: cp_model.Constraint, key: str, zh: str, en: str) -> None:
        """Attach the group literal of ``key`` to a constraint when explaining."""
        if not self.explain:
            return
        if key not in self.groups:
            self.groups[key] = (self.model.new_bool_var(f"enforce[{key}]"), zh, en)
        ct.only_enforce_if(self.groups[key][0])
