"""The verifier's inputs built from a problem: its rules (original units) and the projects table.

Used by the scenario runner (``landalloc.run``) and by the tests, so both check plans against the
same view of the rules. The verifier itself (:mod:`optimizer.verify`) shares no code with the
model; this module only reads the problem's settings.
"""

from __future__ import annotations

import pandas as pd

from geodata.instance import Instance
from geodata.tables import Tables
from geodata.units import cmu_to_mu
from optimizer.problem import Problem
from optimizer.readiness import RuleSet
from optimizer.verify import VerifyConfig


def verify_config(problem: Problem, rules: RuleSet) -> VerifyConfig:
    """The verifier's view of the rules of a problem (original units)."""
    pins = {
        p.project_id: p.pinned_carrier
        for p in problem.instance.projects
        if p.pinned_carrier and not p.supplied_parcels
    }
    pins.update(problem.policy.pins)
    used = problem.used_quotas() if problem.quotas is not None else {}
    totals = problem.quotas if problem.quotas is not None else problem.effective_quotas()
    return VerifyConfig(
        years=problem.years,
        quotas_mu={k: cmu_to_mu(v) for k, v in totals.items()},
        used_mu={k: cmu_to_mu(v) for k, v in used.items()},
        waste_tolerance=problem.policy.waste_tolerance,
        standard_land=problem.policy.standard_land,
        include_negotiating=problem.policy.include_negotiating,
        withheld=problem.policy.withheld,
        pins=pins,
        transfer_days=rules.transfer_days,
        preconditions=tuple((p.column, p.applies_to) for p in rules.preconditions),
        max_group_size=problem.policy.max_group_size,
        clashes=problem.instance.clashes,
    )


def projects_frame(inst: Instance, tables: Tables) -> pd.DataFrame:
    """The projects table as the verifier sees it (ready_to_build as in the instance)."""
    df = tables.projects.copy()
    rtb = {p.project_id: p.ready_to_build for p in inst.projects}
    df["ready_to_build"] = [rtb.get(str(i), False) for i in df["project_id"]]
    return df
