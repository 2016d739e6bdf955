"""Tests of the "拿地即开工" readiness module and the ``landalloc readiness`` command."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from geodata.instance import DEFAULT_NEEDS, READINESS_ITEMS, Instance, Parcel, Project, Quota
from geodata.report import DataError
from optimizer.readiness import (
    RuleSet,
    assess,
    department_view,
    load_rules,
    parcel_inventory,
    parcel_status,
    quarter_end,
    quarter_of,
    quarter_view,
    rank_parcels,
)

D = dt.date
EARLY = D(2024, 6, 1)


def make_parcel(pid: str = "P1", **ready: dt.date | None) -> Parcel:
    """A parcel whose readiness items are all met on ``EARLY`` unless given."""
    dates: dict[str, dt.date | None] = dict.fromkeys(READINESS_ITEMS, EARLY)
    dates.update(ready)
    return Parcel(
        parcel_id=pid,
        zone="Z1",
        land_use="M1",
        clusters=frozenset(),
        area_cmu=5000,
        divisible=False,
        available_year=2025,
        max_pollution=3,
        min_intensity_wan_per_mu=0.0,
        min_tax_wan_per_mu=0.0,
        far_min=None,
        far_max=None,
        ready=dates,
        x_m=0.0,
        y_m=0.0,
    )


def make_project(
    pid: str = "J1", start_year: int = 2026, needs: frozenset[str] = DEFAULT_NEEDS, **kw: Any
) -> Project:
    fields: dict[str, Any] = {
        "project_id": pid,
        "name": "测试项目",
        "company": "",
        "cluster": "光子",
        "stage": "signed",
        "investment_wan": 20000,
        "land_cmu": 4000,
        "floor_m2": 0,
        "carrier": "land",
        "land_use": "M1",
        "output_wan": 0,
        "tax_wan": 0,
        "jobs": 0,
        "pollution": 1,
        "start_year": start_year,
        "ready_to_build": True,
        "needs": needs,
        "min_floor_load_kg_m2": None,
        "min_clear_height_m": None,
        "tags": frozenset(),
        "pinned_carrier": None,
    }
    fields.update(kw)
    return Project(**fields)


def make_instance(parcels: list[Parcel], projects: list[Project] | None = None) -> Instance:
    return Instance(
        parcels=tuple(parcels),
        factories=(),
        projects=tuple(projects or [make_project()]),
        quotas=(Quota(2025, "*", 100000),),
        clusters=(),
    )


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


# --------------------------------------------------------------------------- rule set


def test_package_rules_cover_every_column_and_owner(rules: RuleSet) -> None:
    columns = {p.column for p in rules.preconditions}
    assert columns == {f"ready_{k}" for k in READINESS_ITEMS}
    owners = {p.key: p.owner_zh for p in rules.preconditions}
    assert owners["power"] == "供电服务中心"
    assert owners["gas"] == "燃气公司"
    assert owners["planning"] == "自然资源规划分局"
    assert owners["levelled"] == "土储中心"
    assert owners["water"] == owners["drainage"]
    assert {owners["assessment_env"], owners["assessment_energy"]} == {"生态环境局", "发改委"}
    assert rules.transfer_days >= 20 + 14  # announcement + ten working days of listing
    assert rules.standard_needs == DEFAULT_NEEDS


def test_override_dict_changes_merges_adds_and_drops(rules: RuleSet) -> None:
    r = load_rules(
        {
            "version": "sip-2025",
            "transfer_days": 60,
            "preconditions": {
                "gas": {"owner_zh": "港华燃气", "owner_en": "Towngas"},
                "heat": {"enabled": False},
                "fire": {
                    "name_zh": "消防通道",
                    "name_en": "fire access",
                    "column": "ready_road",
                    "applies_to": "all",
                    "owner_zh": "消防救援大队",
                    "owner_en": "fire brigade",
                },
            },
        }
    )
    by_key = {p.key: p for p in r.preconditions}
    assert r.version == "sip-2025" and r.transfer_days == 60
    assert by_key["gas"].owner_zh == "港华燃气"
    assert by_key["gas"].column == "ready_gas"  # untouched fields kept
    assert "heat" not in by_key
    assert by_key["fire"].applies_to == "all"
    assert len(r.preconditions) == len(rules.preconditions)


def test_override_file_then_dict(tmp_path: Any) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text("transfer_days: 30\nstandard_land_needs: [water, power]\n", encoding="utf-8")
    r = load_rules({"transfer_days": 10}, path=f)
    assert r.transfer_days == 10
    assert r.standard_needs == frozenset({"water", "power"})


def test_override_bad_keys_all_reported() -> None:
    with pytest.raises(DataError) as exc:
        load_rules(
            {
                "transfer_dayz": 1,
                "transfer_days": "soon",
                "preconditions": {
                    "gas": {"colum": "ready_gas"},
                    "power": {"column": "ready_electricity"},
                    "water": {"applies_to": "need:lava"},
                    "fire": {"name_zh": "消防"},
                },
            },
            source="scenario.yaml",
        )
    texts = [p.text("en") for p in exc.value.report.errors]
    joined = "\n".join(texts)
    assert len(texts) == 6, joined
    assert "transfer_dayz" in joined
    assert "transfer_days" in joined
    assert "colum" in joined
    assert "ready_electricity" in joined
    assert "need:lava" in joined
    assert "fire" in joined and "name_en" in joined
    assert all(p.file == "scenario.yaml" for p in exc.value.report.errors)


def test_rules_file_not_yaml(tmp_path: Any) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("transfer_days: [1,\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_rules(path=f)
    assert exc.value.report.errors[0].code == "bad_yaml"


# --------------------------------------------------------------------------- assess


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


# --------------------------------------------------------------------------- inventory


def _district() -> Instance:
    return make_instance(
        [
            make_parcel("A"),
            make_parcel("B", power=D(2025, 8, 15)),
            make_parcel("C", power=D(2026, 2, 1), water=D(2025, 12, 1)),
            make_parcel("D", power=None),
            make_parcel("E", planning=None, gas=None),
        ]
    )


def test_parcel_status_and_inventory(rules: RuleSet) -> None:
    today = D(2025, 6, 1)
    inst = _district()
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
    dep = department_view(_district(), D(2025, 6, 1), rules).set_index("owner_zh")
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
    q = quarter_view(_district(), D(2025, 6, 1), rules)
    assert list(q["period"]) == ["now", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert list(q["newly_ready"]) == [1, 0, 1, 0, 1]
    assert list(q["cumulative_ready"]) == [1, 1, 2, 2, 3]
    assert q["share_ready"].iloc[-1] == pytest.approx(3 / 5)
    capped = quarter_view(_district(), D(2025, 6, 1), rules, max_quarters=2)
    assert list(capped["period"]) == ["now", "2025Q2", "2025Q3", "later"]
    assert capped["parcel_ids"].iloc[-1] == "C"


def test_quarter_helpers() -> None:
    assert quarter_of(D(2025, 11, 3)) == "2025Q4"
    assert quarter_end(D(2025, 11, 3)) == D(2025, 12, 31)
    assert quarter_end(D(2025, 2, 3)) == D(2025, 3, 31)
    assert quarter_end(D(2025, 6, 30)) == D(2025, 6, 30)


def test_rank_parcels_ready_first_then_by_start(rules: RuleSet) -> None:
    inst = _district()
    small = dataclasses.replace(make_parcel("F"), area_cmu=100)
    inst = make_instance([*inst.parcels, small])
    project = make_project(start_year=2025)
    ranked = rank_parcels(inst, project, rules, today=D(2025, 6, 1))
    assert list(ranked["parcel_id"]) == ["A", "B", "C", "D", "E"]  # F too small
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5]
    assert ranked["earliest_start"].iloc[1] == D(2025, 8, 15)
    everything = rank_parcels(inst, project, rules, only_fitting=False, lang="en")
    assert "F" in set(everything["parcel_id"])
    assert "area" in everything.set_index("parcel_id").loc["F", "misfit"]
