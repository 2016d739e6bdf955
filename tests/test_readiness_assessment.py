"""Tests of the readiness assessment (:mod:`optimizer.readiness.assessment`) and its words."""

from __future__ import annotations

import datetime as dt

import pytest
from readiness_helpers import EARLY, D, make_parcel, make_project

from geodata.instance import DEFAULT_NEEDS
from optimizer.readiness.assessment import STATUS_LABELS, assess
from optimizer.readiness.rules import RuleSet, load_rules


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def test_all_met_is_ready(rules: RuleSet) -> None:
    a = assess(make_project(start_year=2026), make_parcel(), 2025, rules)
    assert a.status == "ready"
    assert a.missing == ()
    assert a.acquisition == D(2025, 1, 1) + dt.timedelta(days=rules.transfer_days)
    assert a.desired_start == D(2026, 1, 1)
    assert a.earliest_start == D(2026, 1, 1)
    assert a.ready_date == EARLY


def test_one_utility_late_is_ready_by_that_date(rules: RuleSet) -> None:
    late = D(2026, 9, 30)
    a = assess(make_project(start_year=2026), make_parcel(power=late), 2025, rules)
    assert a.status == "ready_by"
    assert a.ready_date == late
    assert a.earliest_start == late
    assert [m.key for m in a.missing] == ["power"]
    assert a.missing[0].owner_zh == "供电服务中心"
    assert a.missing[0].date == late


def test_unscheduled_precondition_blocks(rules: RuleSet) -> None:
    a = assess(make_project(), make_parcel(planning=None, power=D(2027, 3, 1)), 2025, rules)
    assert a.status == "blocked"
    assert a.earliest_start is None and a.ready_date is None
    assert {(m.key, m.date) for m in a.missing} == {
        ("planning", None),
        ("power", D(2027, 3, 1)),
    }


def test_irrelevant_precondition_ignored(rules: RuleSet) -> None:
    parcel = make_parcel(gas=None, heat=D(2030, 1, 1))
    plain = assess(make_project(needs=DEFAULT_NEEDS), parcel, 2025, rules)
    assert plain.status == "ready" and plain.missing == ()
    with_gas = assess(make_project(needs=DEFAULT_NEEDS | {"gas"}), parcel, 2025, rules)
    assert with_gas.status == "blocked"
    assert [m.key for m in with_gas.missing] == ["gas"]
    assert with_gas.missing[0].owner_zh == "燃气公司"


def test_transfer_duration_pushes_the_start(rules: RuleSet) -> None:
    project = make_project(start_year=2025)
    parcel = make_parcel()
    a = assess(project, parcel, 2025, rules)
    assert a.status == "ready"
    assert a.earliest_start == a.acquisition == D(2025, 1, 1) + dt.timedelta(rules.transfer_days)
    slow = load_rules({"transfer_days": 90})
    b = assess(project, parcel, 2025, slow)
    assert b.earliest_start == D(2025, 4, 1)
    # a utility in place before the slower transfer completes is no longer missing
    c = assess(project, make_parcel(water=D(2025, 3, 15)), 2025, rules)
    d = assess(project, make_parcel(water=D(2025, 3, 15)), 2025, slow)
    assert c.status == "ready_by" and [m.key for m in c.missing] == ["water"]
    assert d.status == "ready" and d.missing == ()


def test_override_changes_applicability() -> None:
    r = load_rules({"preconditions": {"gas": {"applies_to": "all"}}})
    a = assess(make_project(), make_parcel(gas=None), 2025, r)
    assert a.status == "blocked"
    assert [m.key for m in a.missing] == ["gas"]


def test_status_words_are_those_of_the_maps_and_the_report() -> None:
    # one vocabulary: the readiness command, the map legend and report.xlsx name the statuses
    # with the same words (maps.i18n may not import the optimizer, so the words are pinned here)
    from maps.i18n import code_label

    for code, (zh, en) in STATUS_LABELS.items():
        assert code_label("readiness", code, "zh") == zh
        assert code_label("readiness", code, "en").lower() == en
