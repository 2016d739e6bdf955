"""Tests of the district's 标准地 readiness views (:mod:`optimizer.views.readiness`)."""

from __future__ import annotations

import pytest
from readiness_helpers import D, make_district

from optimizer.readiness.assessment import parcel_status
from optimizer.readiness.rules import RuleSet, load_rules
from optimizer.views.readiness import (
    department_view,
    parcel_inventory,
    quarter_end,
    quarter_of,
    quarter_view,
)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def test_parcel_status_and_inventory(rules: RuleSet) -> None:
    today = D(2025, 6, 1)
    inst = make_district()
    assert parcel_status(inst.parcel("A"), today, rules).status == "ready"
    # gas is not a standard-land utility
    e = parcel_status(inst.parcel("E"), today, rules)
    assert e.status == "blocked" and [m.key for m in e.missing] == ["planning"]
    inv = parcel_inventory(inst, today, rules)
    got = dict(zip(inv["parcel_id"], inv["status"], strict=True))
    assert got == {"A": "ready", "B": "ready_by", "C": "ready_by", "D": "blocked", "E": "blocked"}
    row_c = inv.set_index("parcel_id").loc["C"]
    assert row_c["ready_date"] == D(2026, 2, 1)
    assert row_c["quarter"] == "2026Q1"
    assert "供电服务中心" in row_c["missing"] and "水务局" in row_c["missing"]
    assert list(inv["standard_ready"]) == [True, False, False, False, False]
    assert {"ready_power", "ready_gas", "ready_assessment"} <= set(inv.columns)


def test_department_view(rules: RuleSet) -> None:
    dep = department_view(make_district(), D(2025, 6, 1), rules).set_index("owner_zh")
    power = dep.loc["供电服务中心"]
    assert power["parcels_total"] == 3
    assert power["parcels_scheduled"] == 2
    assert power["parcels_unscheduled"] == 1
    assert power["next_date"] == D(2025, 8, 15)
    assert dep.loc["自然资源规划分局", "parcels_unscheduled"] == 1
    assert dep.loc["水务局", "parcels_total"] == 1
    assert "燃气公司" not in dep.index
    assert dep.index[0] == "供电服务中心"


def test_quarter_view(rules: RuleSet) -> None:
    q = quarter_view(make_district(), D(2025, 6, 1), rules)
    assert list(q["period"]) == ["now", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert list(q["newly_ready"]) == [1, 0, 1, 0, 1]
    assert list(q["cumulative_ready"]) == [1, 1, 2, 2, 3]
    assert q["share_ready"].iloc[-1] == pytest.approx(3 / 5)
    capped = quarter_view(make_district(), D(2025, 6, 1), rules, max_quarters=2)
    assert list(capped["period"]) == ["now", "2025Q2", "2025Q3", "later"]
    assert capped["parcel_ids"].iloc[-1] == "C"


def test_quarter_helpers() -> None:
    assert quarter_of(D(2025, 11, 3)) == "2025Q4"
    assert quarter_end(D(2025, 11, 3)) == D(2025, 12, 31)
    assert quarter_end(D(2025, 2, 3)) == D(2025, 3, 31)
    assert quarter_end(D(2025, 6, 30)) == D(2025, 6, 30)
