"""What is already committed this year: supplied parcels, used quota and 存量 carriers (#19 item 4).

Each rule is checked three ways: the model's plan, the independent verifier on a hand-written
plan that breaks it, and the explanation or KPI that reports it.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from builders import parcel, project, solve, tables, verify_table

from geodata.build import build_instance
from geodata.store import Tables
from optimizer.explain import unassigned_table
from optimizer.kpis import assignments_table, kpis, quota_table
from optimizer.readiness import load_rules
from optimizer.views.schedule import TRANSFER, department_schedule, placements_of


def _with(t: Tables, layer: str, column: str, values: dict[str, object]) -> Tables:
    """``t`` with ``column`` of ``layer`` set on the rows whose id is a key of ``values``."""
    frame = getattr(t, layer).copy()
    key = "parcel_id" if layer == "parcels" else "zone"
    frame[column] = [values.get(str(k), v) for k, v in zip(frame[key], frame[column], strict=True)]
    setattr(t, layer, frame)
    return t


def _two_parcels() -> Tables:
    """Parcel P1 (supplied to J0 on 2026-03-15) and P2, one project J1 that fits both."""
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 200)],
        [project("J0", land_mu=48, inv=5.0), project("J1", land_mu=48, inv=3.0)],
        {2026: 1000},
    )
    t = _with(t, "parcels", "supplied", {"P1": True})
    t = _with(t, "parcels", "supplied_date", {"P1": dt.date(2026, 3, 15)})
    return _with(t, "parcels", "supplied_project", {"P1": "J0"})


def test_old_tables_without_the_columns_get_the_defaults() -> None:
    t = tables([parcel("P1", 50, 0)], [project("J1", land_mu=40)], {2026: 100})
    inst = build_instance(t)
    p, q = inst.parcels[0], inst.quotas[0]
    assert (p.supplied, p.supplied_date, p.supplied_project, p.stock) == (False, None, "", False)
    assert q.used_cmu == 0 and inst.projects[0].supplied_parcels == ()


def test_a_supplied_parcel_is_never_offered_and_its_project_is_committed() -> None:
    t = _two_parcels()
    sol, bad, prob = solve(t)
    assert bad == []
    cands = sol.cands
    offered = {c.carriers for c in cands.candidates}
    assert ("P1",) not in offered  # never a candidate
    assert cands.by_project["J0"] == []  # the project already holds supplied land
    assert sol.placed()["J1"].carriers == ("P2",)
    assert cands.excluded["J1"]["supplied"] == 1
    # each pair counted against the first rule it fails: P1 is supplied, P2 excludes J0
    assert (cands.excluded["J0"]["supplied"], cands.excluded["J0"]["committed"]) == (1, 1)
    inst = prob.instance
    assert inst.project("J0").supplied_parcels == ("P1",)
    # J0 is committed, not unplaced; the KPIs count it apart
    assert "J0" not in set(unassigned_table(inst, sol)["project_id"])
    k = kpis(inst, sol)
    assert (k["projects_total"], k["projects_placed"]) == (1, 1)
    assert k["committed"]["parcels"] == 1 and k["committed"]["projects"] == 1
    assert k["committed"]["investment_yi"] == 5.0 and k["committed"]["land_mu"] == 50.0


def test_the_verifier_refuses_a_supplied_parcel_and_a_committed_project() -> None:
    t = _two_parcels()
    sol, _, prob = solve(t)
    table = assignments_table(prob.instance, sol, load_rules())
    again = table.copy()
    again.loc[again["project_id"] == "J1", "carrier_id"] = "P1"
    bad = verify_table(t, prob.instance, prob, again)
    assert any("parcel P1 was already supplied (to J0)" in b for b in bad), bad
    twice = pd.concat([table, table.assign(project_id="J0", carrier_id="P2")])
    bad = verify_table(t, prob.instance, prob, twice)
    assert any("J0: already supplied parcel P1" in b for b in bad), bad


def test_the_schedule_marks_the_supplied_transfer_done() -> None:
    t = _two_parcels()
    sol, _, prob = solve(t)
    rules = load_rules()
    table = assignments_table(prob.instance, sol, rules)
    s = department_schedule(prob.instance, placements_of(table), rules, dt.date(2026, 6, 1))
    transfer = s[s["item_key"] == TRANSFER].set_index("parcel_id")
    assert transfer.loc["P1", "project_id"] == "J0"  # the committed placement joins
    assert transfer.loc["P1", "status"] == "done"
    assert transfer.loc["P1", "scheduled"] == dt.date(2026, 3, 15)
    assert transfer.loc["P2", "status"] != "done"  # the plan's own transfer is not done


def _quota_case(used_mu: float) -> Tables:
    """One 60 亩 project, a 100 亩 quota of which ``used_mu`` is already used this year."""
    t = tables([parcel("P1", 60, 0)], [project("J1", land_mu=60)], {2026: 100})
    return _with(t, "quotas", "used_mu", {"*": used_mu})


def test_used_quota_is_subtracted() -> None:
    sol, bad, prob = solve(_quota_case(40.0))  # 60 亩 left: it fits
    assert bad == [] and "J1" in sol.placed()
    assert prob.effective_quotas() == {(2026, "*"): 6000}
    sol, bad, prob = solve(_quota_case(40.01))  # 59.99 亩 left: it does not
    assert bad == [] and "J1" not in sol.placed()
    row = unassigned_table(prob.instance, sol).iloc[0]
    assert row["reason_code"] == "quota_exhausted"
    assert "用地指标 59.99 亩已用 0 亩" in row["reason"]
    assert "已扣除年内已用：2026 年全区 40.01 亩" in row["reason"]
    assert json.loads(row["facts"])["quota"][0]["committed_mu"] == 40.01
    q = quota_table(prob.instance, sol).iloc[0]
    assert (q["quota_mu"], q["used_mu"], q["committed_mu"]) == (59.99, 0.0, 40.01)
    assert kpis(prob.instance, sol)["committed"]["quota_used_mu"] == {2026: 40.01}


def test_the_verifier_subtracts_used_quota() -> None:
    t = _quota_case(40.0)
    sol, _, prob = solve(t)
    table = assignments_table(prob.instance, sol, load_rules())
    assert verify_table(t, prob.instance, prob, table) == []
    t = _with(t, "quotas", "used_mu", {"*": 45.0})
    prob45 = type(prob)(build_instance(t), prob.years).add_quota()
    bad = verify_table(t, prob45.instance, prob45, table)
    assert any("quota 2026 *" in b for b in bad), bad


def _stock_case(stock: bool) -> Tables:
    """A 60 亩 project, a 10 亩 quota, one parcel that is 存量 land or not."""
    t = tables([parcel("P1", 60, 0)], [project("J1", land_mu=60)], {2026: 10})
    return _with(t, "parcels", "stock", {"P1": stock})


def test_a_stock_carrier_takes_no_quota() -> None:
    sol, bad, prob = solve(_stock_case(True))
    assert bad == [] and sol.placed()["J1"].carriers == ("P1",)
    q = quota_table(prob.instance, sol).iloc[0]
    assert (q["quota_mu"], q["used_mu"]) == (10.0, 0.0)
    k = kpis(prob.instance, sol)
    assert (k["land_mu"], k["stock_land_mu"]) == (60.0, 60.0)
    sol, bad, _ = solve(_stock_case(False))  # the same parcel as new land: over the quota
    assert bad == [] and "J1" not in sol.placed()


def test_the_verifier_counts_no_quota_on_stock_land() -> None:
    t = _stock_case(True)
    sol, _, prob = solve(t)
    table = assignments_table(prob.instance, sol, load_rules())
    assert verify_table(t, prob.instance, prob, table) == []
    new_land = _stock_case(False)
    prob_new = type(prob)(build_instance(new_land), prob.years).add_quota()
    bad = verify_table(new_land, prob_new.instance, prob_new, table)
    assert any("quota 2026 *: 60.00 mu supplied" in b for b in bad), bad


def test_the_demo_has_supplied_parcels_used_quota_and_stock_land() -> None:
    from pathlib import Path

    from geodata import store
    from optimizer.problem import Problem

    inst, _, _ = store.load(Path(__file__).resolve().parents[1] / "geodata" / "demo.gpkg")
    supplied = {p.parcel_id: p for p in inst.parcels if p.supplied}
    committed = [p.project_id for p in inst.projects if p.supplied_parcels]
    stock = [p.parcel_id for p in inst.parcels if p.stock]
    assert len(supplied) == 3 and len(committed) == 2 and len(stock) == 2
    assert all(p.supplied_date and p.supplied_date.year == 2026 for p in supplied.values())
    prob = Problem.standard(inst)
    used = sum(supplied[c].area_cmu for c in supplied)  # 0.01 亩, the supplied land
    assert prob.used_quotas()[(2026, "*")] == used
    assert prob.effective_quotas()[(2026, "*")] == prob.quotas[(2026, "*")] - used  # type: ignore[index]
    cands = prob.candidates()
    assert not any(set(c.carriers) & set(supplied) for c in cands.candidates)
    assert all(cands.by_project[pid] == [] for pid in committed)
    assert any(set(c.carriers) & set(stock) for c in cands.candidates)  # stock land is offered


def test_pinned_land_is_checked_against_the_quota_left() -> None:
    from geodata.references import check_references
    from geodata.report import Report

    def pins_exceed(used_mu: float, stock: bool) -> bool:
        t = tables(
            [parcel("P1", 60, 0)],
            [project("J1", land_mu=57, pinned_carrier="P1")],
            {2026: 100},
        )
        t = _with(_with(t, "quotas", "used_mu", {"*": used_mu}), "parcels", "stock", {"P1": stock})
        report = Report()
        check_references(t, report)
        return "pins_exceed_quota" in {p.code for p in report.errors}

    assert not pins_exceed(40.0, False)  # 60 亩 left
    assert pins_exceed(50.0, False)  # 50 亩 left
    assert not pins_exceed(50.0, True)  # 存量 land takes no quota


def test_the_map_kpi_panel_separates_committed_from_planned() -> None:
    from maps.result_payload import _kpi_sections

    sol, _, prob = solve(_two_parcels())
    k = kpis(prob.instance, sol)
    sections = {s["title"]: s["rows"] for s in _kpi_sections(k, {}, "zh")}
    rows = {r["label"]: r["value"] for r in sections["年内已落实与存量用地"]}
    assert rows["已供地块（宗 / 亩）"] == "1 / 50.0"
    assert rows["已供地项目（个 / 投资）"].startswith("1 / 5.0")
    outcome = {r["label"]: r["value"] for r in sections["落地成效"]}
    assert outcome["落地项目 / 项目库（个）"] == "1 / 1"  # the committed project apart


def test_a_pin_on_a_supplied_parcel_names_the_rule() -> None:
    import pytest

    from optimizer.errors import InfeasibleError
    from optimizer.settings import Policy

    with pytest.raises(InfeasibleError, match="parcel already supplied"):
        solve(_two_parcels(), policy=Policy(pins={"J1": "P1"}))
