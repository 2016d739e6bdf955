"""Result tables and KPIs (optimizer/kpis.py) on a tiny solved district."""

from __future__ import annotations

import pytest
from builders import factory, instance, parcel, project, solve, tables

from geodata.instance import Instance
from optimizer.kpis import (
    assignments_table,
    kpis,
    quota_table,
    split_amount,
    tier_label,
    tier_text,
)
from optimizer.readiness import load_rules
from optimizer.solution import Solution

READY = {
    f"ready_{k}": "2025-01-01"
    for k in ("levelled", "water", "power", "road", "drainage", "planning", "assessment")
}


@pytest.fixture(scope="module")
def solved() -> tuple[Instance, Solution]:
    # P1 and P2 touch (100 亩 squares): J1 (180 亩) takes both as a group; J2 gets the ready P3;
    # J3 (less investment) is outbid for P3; JF goes into the factory
    t = tables(
        [parcel("P1", 100, 0), parcel("P2", 100, 258.2), parcel("P3", 50, 5000, **READY)],
        [
            project("J1", land_mu=180, inv=12.0, tax_wan=301, jobs=101, stage="signed"),
            project("J2", land_mu=45, inv=2.0, stage="signed"),
            project("J3", land_mu=45, inv=1.5, stage="signed"),
            project("JF", floor_m2=3000, inv=2.0),
            project("J0", floor_m2=90_000, inv=0.5),  # no factory is large enough
        ],
        {2026: 1000.0},
        factories=[factory("F1", 10000)],
    )
    sol, bad, _ = solve(t)
    assert bad == []
    return instance(t), sol


def test_split_amount_adds_up_by_largest_remainder() -> None:
    assert split_amount(10, [1, 1, 1]) == [4, 3, 3]
    assert split_amount(10, [1, 2]) == [3, 7]  # 3.33 → 3, 6.67 → 7
    assert split_amount(7, [0, 0]) == [4, 3]  # no positive weight: even
    assert split_amount(5, []) == []
    assert sum(split_amount(12_345, [3, 5, 7, 11])) == 12_345


def test_tier_labels() -> None:
    assert tier_label(10) == "≥10亿" and tier_label(10, "en") == ">=1,000M CNY"
    assert tier_text("≥50亿", "en") == ">=5,000M CNY" and tier_text("≥50亿") == "≥50亿"
    assert tier_text("other", "en") == "other"


def test_assignments_split_a_group_over_its_parcels(solved: tuple[Instance, Solution]) -> None:
    inst, sol = solved
    a = assignments_table(inst, sol, load_rules())
    assert list(zip(a["project_id"], a["carrier_id"], strict=True)) == [
        ("J1", "P1"),
        ("J1", "P2"),
        ("J2", "P3"),
        ("JF", "F1"),
    ]
    j1 = a[a["project_id"] == "J1"]
    assert set(j1["group_id"]) == {"P1+P2"} and j1["share"].sum() == 1.0
    assert list(j1["area_mu"]) == [100.0, 100.0]
    # amounts are split in whole 万元 and whole jobs, and add up to the project's
    assert j1["investment_yi"].sum() == 12.0 and j1["tax_wan"].sum() == 301.0
    assert sorted(j1["jobs"]) == [50, 51]
    assert list(a["carrier_kind"]) == ["parcel", "parcel", "parcel", "factory"]
    assert a.loc[a["project_id"] == "J2", "readiness"].item() == "ready"


def test_quota_table(solved: tuple[Instance, Solution]) -> None:
    inst, sol = solved
    q = quota_table(inst, sol)
    assert q.to_dict(orient="records") == [
        {"year": 2026, "zone": "*", "quota_mu": 1000.0, "used_mu": 250.0, "committed_mu": 0.0}
    ]


def test_kpis(solved: tuple[Instance, Solution]) -> None:
    inst, sol = solved
    k = kpis(inst, sol, "s")
    assert k["scenario"] == "s"
    assert (k["projects_total"], k["projects_placed"]) == (5, 3)
    assert k["investment_yi"] == 16.0 and k["tax_wan"] == 301.0 and k["jobs"] == 101
    assert k["land_mu"] == 250.0 and k["floor_m2"] == 3000
    assert k["major_by_tier"] == {"≥1亿": 3, "≥10亿": 1, "≥50亿": 0, "≥100亿": 0}
    assert k["major_total_by_tier"] == {"≥1亿": 4, "≥10亿": 1, "≥50亿": 0, "≥100亿": 0}
    assert k["supply_rate_signed_major"] == 0.6667  # J1 and J2 placed, J3 not
    assert k["ready_share"] == 0.5  # P3 is ready, the group's parcels have no dates
    assert k["quota"] == quota_table(inst, sol).to_dict(orient="records")
