"""Anchored re-plans (optimizer.anchor) and the causes of changes (optimizer.causes)."""

from __future__ import annotations

import itertools
import json

from builders import instance, parcel, project, tables, verify_table

from optimizer.anchor import Reference, changed_projects
from optimizer.causes import ReferencePlan, causes, change_table
from optimizer.kpis import assignments_table
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings

SETTINGS = SolverSettings(time_limit_s=2, deterministic=True, workers=1)
PARCELS = [parcel(f"P{i}", 50, 1000 * i) for i in range(1, 9)]
PROJECTS = [project(f"J{i}", land_mu=45) for i in range(1, 7)]
# a reference no solver would pick by itself: J_i on P_(i+2), all in 2026
REF = {f"J{i}": ((f"P{i + 2}",), 2026) for i in range(1, 7)}
IDS = {f"J{i}" for i in range(1, 7)}


def _problem(quota_2026: float, **locks):  # type: ignore[no-untyped-def]
    t = tables(PARCELS, PROJECTS, {2026: quota_2026, 2027: 400.0})
    inst = instance(t)
    return t, inst, Problem(inst, inst.years).add_quota().add_locks(**locks)


def test_same_scenario_keeps_the_reference_exactly() -> None:
    t, inst, prob = _problem(400.0)
    best = prob.solve(SETTINGS)
    res = prob.solve_anchored(Reference(REF), SETTINGS, best=best)
    assert res.changes_anchored == 0
    assert {c.project_id: (c.carriers, c.year) for c in res.plan.chosen} == REF
    assert res.plan.outcome.objective >= best.outcome.objective
    assert res.avoided == res.changes_unanchored
    assert verify_table(t, inst, prob, assignments_table(inst, res.plan, load_rules())) == []


def test_a_quota_cut_moves_the_fewest_projects() -> None:
    t, inst, prob = _problem(200.0)  # 4 parcels of 50 亩 fit in 2026: two projects must move
    best = prob.solve(SETTINGS)
    res = prob.solve_anchored(Reference(REF), SETTINGS, best=best)
    assert res.plan.outcome.objective >= best.outcome.objective
    # brute force: any plan of this objective changes at least two projects (the quota)
    assert res.changes_anchored == 2
    moved = changed_projects(Reference(REF), res.plan, IDS)
    for pid in IDS - moved:
        assert res.plan.placed()[pid].carriers == REF[pid][0]
    assert verify_table(t, inst, prob, assignments_table(inst, res.plan, load_rules())) == []
    ref = ReferencePlan(Reference(REF), {(2026, "*"): 40000, (2027, "*"): 40000}, {})
    got = causes(inst, res.plan, ref)
    assert {c.project_id for c in got} == moved
    for c in got:
        assert c.code == "quota" and c.change == "moved"
        assert c.facts["year"] == 2026 and c.facts["quota_ref_mu"] == 400.0
        # a parcel is supplied whole: 50 亩 each
        assert c.facts["quota_mu"] == 200.0 and c.facts["used_mu"] == 200.0
        assert c.facts["need_mu"] == 50.0
        assert "减少 200 亩" in c.zh and "已用 200 亩" in c.zh and "所需 50 亩" in c.zh


def test_brute_force_minimum_of_changes() -> None:
    """Exhaustive on a 3-parcel case: the anchored plan's changes are the least possible."""
    t = tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(1, 4)],
        [project(f"J{i}", land_mu=45) for i in range(1, 4)],
        {2026: 100.0, 2027: 400.0},
    )
    inst = instance(t)
    prob = Problem(inst, inst.years).add_quota()
    ref = {"J1": (("P3",), 2026), "J2": (("P1",), 2026), "J3": (("P2",), 2026)}
    res = prob.solve_anchored(Reference(ref), SETTINGS)
    z = res.plan.outcome.objective
    cands = res.plan.cands
    options = [[None, *cands.by_project[p]] for p in ("J1", "J2", "J3")]
    least = None
    for pick in itertools.product(*options):
        chosen = [cands.candidates[i] for i in pick if i is not None]
        cids = [cid for c in chosen for cid in c.carriers]
        land = {y: sum(c.land_cmu for c in chosen if c.year == y) for y in (2026, 2027)}
        if len(cids) != len(set(cids)) or land[2026] > 10000 or land[2027] > 40000:
            continue
        if sum(c.coef for c in chosen) < z:
            continue
        n = sum(
            1
            for p in ("J1", "J2", "J3")
            if next(((c.carriers, c.year) for c in chosen if c.project_id == p), None) != ref[p]
        )
        least = n if least is None else min(least, n)
    assert least is not None and res.changes_anchored == least


def test_pinned_project_displaces_and_the_cause_names_it() -> None:
    _, inst, prob = _problem(400.0, pins={"J2": "P3"})  # J1 held P3 in the reference
    res = prob.solve_anchored(Reference(REF), SETTINGS)
    assert res.plan.placed()["J2"].carriers == ("P3",)
    ref = ReferencePlan(Reference(REF), {(2026, "*"): 40000, (2027, "*"): 40000}, {})
    table = change_table(inst, res.plan, ref)
    row = table[table["project_id"] == "J1"].iloc[0]
    assert row["cause_code"] == "displaced"
    assert json.loads(row["facts"])["takers"] == ["J2"]
    assert "J2" in row["cause"] and "P3" in row["cause"]
    assert (table["cause"] != "").all()


def test_withheld_carrier_is_a_rule_change() -> None:
    _, inst, prob = _problem(400.0, withheld=["P3"])
    res = prob.solve_anchored(Reference(REF), SETTINGS)
    ref = ReferencePlan(Reference(REF), {(2026, "*"): 40000, (2027, "*"): 40000}, {})
    by = {c.project_id: c for c in causes(inst, res.plan, ref)}
    assert by["J1"].code == "rule_changed" and "P3@2026" in by["J1"].zh
    assert res.changes_anchored == 1
