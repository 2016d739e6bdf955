"""Slips of readiness dates, the schedule's lead times in the rules, statuses, gap groups and the
kept plan (:mod:`optimizer.readiness.slip`, :mod:`optimizer.views.schedule`,
:mod:`optimizer.views.unlock`, :mod:`optimizer.views.plan_changes`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from readiness_helpers import make_instance, make_parcel, make_project

from geodata.report import DataError, Report
from optimizer.readiness import load_rules
from optimizer.readiness.slip import (
    Slip,
    add_months,
    check_slips,
    slip_columns,
    slip_instance,
    slip_parcels,
)
from optimizer.views.plan_changes import kept_plan, plan_changes
from optimizer.views.schedule import item_status
from optimizer.views.unlock import gain_sentence, gap_groups

D = dt.date


def test_add_months_keeps_the_day_or_the_end_of_the_month() -> None:
    assert add_months(D(2026, 3, 15), 6) == D(2026, 9, 15)
    assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)  # leap year
    assert add_months(D(2026, 1, 31), -2) == D(2025, 11, 30)
    assert add_months(D(2026, 12, 1), 1) == D(2027, 1, 1)


def test_a_department_slips_the_columns_it_owns() -> None:
    rules = load_rules()
    assert slip_columns(rules, Slip(6, department="水务局")) == ["ready_water", "ready_drainage"]
    assert slip_columns(rules, Slip(6, department="Water Affairs Bureau")) == [
        "ready_water",
        "ready_drainage",
    ]
    # the two assessments share one date: either department moves it
    assert slip_columns(rules, Slip(6, department="发改委")) == ["ready_assessment"]
    assert slip_columns(rules, Slip(6, precondition="power")) == ["ready_power"]
    assert slip_columns(rules, Slip(6, department="无此部门")) == []


def test_slip_parcels_moves_scheduled_dates_of_one_zone_only() -> None:
    rules = load_rules()
    frame = pd.DataFrame(
        {
            "parcel_id": ["A", "B", "C"],
            "zone": ["Z1", "Z1", "Z2"],
            "ready_power": [D(2026, 1, 31), None, D(2026, 5, 1)],
            "ready_water": [D(2026, 2, 1)] * 3,
        }
    )
    out = slip_parcels(frame, rules, [Slip(3, precondition="power", zone="Z1")])
    assert out["ready_power"].tolist() == [D(2026, 4, 30), None, D(2026, 5, 1)]
    assert out["ready_water"].tolist() == [D(2026, 2, 1)] * 3  # another item: untouched
    assert frame["ready_power"].iloc[0] == D(2026, 1, 31)  # a copy: the data never change


def test_bad_slips_are_reported_each_with_its_place() -> None:
    rules = load_rules()
    report = Report()
    slips = [
        Slip(6),  # neither
        Slip(6, department="水务局", precondition="water"),  # both
        Slip(6, precondition="fire"),
        Slip(6, department="消防支队"),
        Slip(6, department="水务局", zone="XX"),
    ]
    check_slips(rules, slips, {"Z1"}, report, "s.yaml")
    codes = [(p.code, p.column) for p in report.errors]
    assert codes == [
        ("bad_slip", "readiness_slip.0"),
        ("bad_slip", "readiness_slip.1"),
        ("unknown_precondition", "readiness_slip.2"),
        ("unknown_department", "readiness_slip.3"),
        ("unknown_zone", "readiness_slip.4"),
    ]


def test_rules_take_a_due_point_and_lead_days() -> None:
    rules = load_rules()
    by_key = {p.key: p for p in rules.preconditions}
    assert by_key["planning"].due == "transfer"
    assert by_key["planning"].lead(rules.transfer_days) == 44
    assert by_key["power"].lead(rules.transfer_days) == 0
    changed = load_rules({"preconditions": {"power": {"lead_days": 15, "due": "transfer"}}})
    assert {p.key: p for p in changed.preconditions}["power"].lead(44) == 59
    assert rules.transfer_owner("zh") == "自然资源规划分局"
    with pytest.raises(DataError) as err:
        load_rules({"preconditions": {"power": {"lead_days": -1, "due": "later"}}})
    assert [p.column for p in err.value.report.errors] == [
        "preconditions.power.lead_days",
        "preconditions.power.due",
    ]


@pytest.mark.parametrize(
    ("scheduled", "today", "status"),
    [
        (D(2026, 1, 1), D(2026, 2, 1), "done"),  # delivered, in time
        (D(2026, 2, 10), D(2026, 2, 1), "on_time"),
        (D(2026, 4, 1), D(2026, 2, 1), "at_risk"),  # after its deadline, not passed yet
        (None, D(2026, 2, 1), "unscheduled"),
        (None, D(2026, 3, 1), "late"),
        (D(2026, 4, 1), D(2026, 3, 1), "late"),
    ],
)
def test_item_status(scheduled: dt.date | None, today: dt.date, status: str) -> None:
    assert item_status(D(2026, 2, 14), scheduled, today) == status


def test_gap_groups_join_the_items_of_one_date_and_skip_what_is_done() -> None:
    inst = make_instance(
        [
            make_parcel("A", power=D(2026, 6, 1), assessment=D(2026, 3, 1)),
            make_parcel("B", power=D(2025, 1, 1)),
        ]
    )
    groups = {g.label: g for g in gap_groups(inst, load_rules(), D(2025, 6, 1))}
    assert set(groups) == {"power@Z1", "assessment_env@Z1"}
    assert groups["power@Z1"].parcels == ("A",)
    assert groups["assessment_env@Z1"].owners == ("生态环境局、发改委", "Ecology and Environment "
                                                  "Bureau, Development and Reform Commission")  # fmt: skip
    assert groups["power@Z1"].slip(3) == Slip(-3, precondition="power", zone="Z1")


def test_kept_plan_and_changes_name_the_moved_item() -> None:
    rules = load_rules()
    rtb, late = make_project("J1"), make_project("J2", ready_to_build=False)
    inst = make_instance(
        [make_parcel("A", power=D(2026, 1, 20)), make_parcel("B", power=D(2026, 4, 1))],
        [rtb, late],
    )
    base = {
        "J1": {"carriers": ["A"], "year": 2026, "start": "2026-02-14"},
        "J2": {"carriers": ["B"], "year": 2026, "start": "2026-04-01"},
    }
    after = slip_instance(inst, rules, [Slip(6, department="供电服务中心")])
    kept = kept_plan(base, after, rules)
    assert set(kept) == {"J2"}  # J1 must start on acquisition: A's power now comes in July
    assert kept["J2"]["start"] == "2026-10-01"
    changes = plan_changes(base, kept, inst, after, rules).set_index("project_id")
    assert changes.loc["J1", "change"] == "unplaced"
    assert changes.loc["J1", "cause"].startswith("原落点不再满足拿地即开工：A 通电（供电服务中心）")
    assert changes.loc["J2", "change"] == "start_later"
    assert changes.loc["J2", "days"] == 183
    assert changes.loc["J2", "cause"] == "B 通电（供电服务中心） 2026-04-01 → 2026-10-01"


def test_gain_sentence() -> None:
    row = {"item_zh": "通电", "item_en": "power connected", "owner_zh": "供电服务中心",
           "owner_en": "Power Supply Service Centre", "months": 3, "more_projects": 4,
           "more_yi": 37.04, "earlier": 2, "earlier_days": 45, "earlier_yi": 5.0}  # fmt: skip
    assert gain_sentence(row, "科技城") == (
        "若科技城片区通电提前 3 个月到位，可多落地 4 个项目、投资 37.0 亿元，并使 2 个项目平均提前 45 天"
        "开工（投资 5.0 亿元）（责任：供电服务中心）"
    )
    only = {**row, "more_projects": 0, "more_yi": 0.0}
    assert gain_sentence(only, "科技城").endswith(
        "可使 2 个项目平均提前 45 天开工（投资 5.0 亿元）（责任：供电服务中心）"
    )
    assert "owner: Power Supply Service Centre" in gain_sentence(row, "Science City", "en")
