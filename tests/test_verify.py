"""The independent verifier (optimizer/verify.py) flags every hard rule it checks.

One small district holds a carrier for each rule; each case places projects so that exactly one
rule breaks (or, where one placement breaks two, both) and checks the verifier says so, and
that a sound plan on the same data gets no complaint.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from builders import (
    factory,
    instance,
    parcel,
    project,
    projects_frame,
    solve,
    tables,
    verify_table,
)

from geodata.store import Tables
from geodata.units import M2_PER_MU
from optimizer.kpis import assignments_table
from optimizer.readiness import load_rules
from optimizer.verify import VerifyConfig, verify

SIDE = (50 * M2_PER_MU) ** 0.5 + 0.01  # a 50 亩 square, 1 cm apart: neighbours touch
LATE = "2027-06-01"


def _far(k: int) -> float:
    return 2000.0 + 1000.0 * k


@pytest.fixture(scope="module")
def district() -> tuple[Tables, pd.DataFrame]:
    parcels = [
        # a row of touching 50 亩 parcels in zone A (P5D divisible), PZ touching P1 from zone B
        parcel("PZ", 50, -SIDE, zone="B"),
        parcel("P1", 50, 0),
        parcel("P2", 50, SIDE),
        parcel("P3", 50, 2 * SIDE),
        parcel("P4", 50, 3 * SIDE),
        parcel("P5D", 50, 4 * SIDE, divisible=True),
        # one parcel per rule, far apart
        parcel("PF", 50, _far(0)),
        parcel("PD", 100, _far(1), divisible=True),
        parcel("PC", 50, _far(2), clusters="c2"),
        parcel("PM0", 50, _far(3), land_use="M0"),
        parcel("PPol", 50, _far(4), max_pollution=1),
        parcel("PLate", 50, _far(5), available_year=2027),
        parcel("PBig", 200, _far(6)),
        parcel("PSmall", 30, _far(7)),
        parcel("PInt", 50, _far(8), min_intensity_wan_per_mu=1000),
        parcel("PTax", 50, _far(9), min_tax_wan_per_mu=100),
        parcel("PFar", 50, _far(10), far_min=1.0),
        parcel("PR", 50, _far(11), ready_power=LATE),
        parcel("PROk", 50, _far(12), ready_power="2025-01-01"),
    ]
    projects = [
        project("J1", land_mu=45),
        project("J2", land_mu=45),
        project("J3", land_mu=45),
        project("JG", land_mu=140),
        project("JG4", land_mu=190),
        project("JS", land_mu=45, start_year=2027),
        project("JR", land_mu=45, ready_to_build=True),
        project("JFar", land_mu=45, floor_m2=1000),
        project("JP", land_mu=45, floor_m2=3000, pollution=3),
        project("JF", floor_m2=3000),
        project("JF2", floor_m2=8000),
        project("JL", floor_m2=3000, min_floor_load_kg_m2=1200),
        project("JH", floor_m2=3000, min_clear_height_m=10),
    ]
    factories = [
        factory("F1", 10000, floor_load_kg_m2=800, clear_height_m=8),
        factory("F2", 10000),
        factory("FC", 10000, clusters="c2"),
        factory("FLate", 10000, available_year=2027),
    ]
    t = tables(parcels, projects, {2026: 1000.0, 2027: 1000.0}, factories=factories)
    return t, projects_frame(instance(t), t)


CONFIG = VerifyConfig(
    years=(2026, 2027),
    quotas_mu={(2026, "*"): 1000.0, (2027, "*"): 1000.0},
    preconditions=(("ready_power", "all"), ("ready_gas", "needs:gas")),
)

Row = tuple[str, str, str, int]  # project, carrier kind, carrier, year


def _check(district: tuple[Tables, pd.DataFrame], rows: list[Row], **config: Any) -> list[str]:
    t, projects = district
    table = pd.DataFrame(rows, columns=["project_id", "carrier_kind", "carrier_id", "year"])
    return verify(t.parcels, t.factories, projects, table, replace(CONFIG, **config))


def test_a_sound_plan_passes(district: tuple[Tables, pd.DataFrame]) -> None:
    rows: list[Row] = [
        ("J1", "parcel", "P1", 2026),
        ("J2", "parcel", "PD", 2026),
        ("J3", "parcel", "PD", 2027),
        ("JG", "parcel", "P2", 2026),
        ("JG", "parcel", "P3", 2026),
        ("JG", "parcel", "P4", 2026),
        ("JS", "parcel", "PF", 2027),
        ("JR", "parcel", "PROk", 2026),
        ("JF", "factory", "F1", 2026),
        ("JF2", "factory", "F2", 2027),
    ]
    assert _check(district, rows, pins={"J1": "P1"}) == []


CASES: list[tuple[str, list[Row], dict[str, Any], list[str]]] = [
    # every project
    ("unknown project", [("JX", "parcel", "P1", 2026)], {}, ["JX: project does not exist"]),
    (
        "placed twice",
        [("J1", "parcel", "P1", 2026), ("J1", "parcel", "P2", 2027)],
        {},
        ["J1: placed more than once"],
    ),
    (
        "two factories",
        [("JF", "factory", "F1", 2026), ("JF", "factory", "F2", 2026)],
        {},
        ["JF: placed in 2 factories"],
    ),
    (
        "year outside the plan",
        [("J1", "parcel", "P1", 2028)],
        {},
        ["J1: year 2028 outside the planning years"],
    ),
    (
        "before the start year",
        [("JS", "parcel", "P1", 2026)],
        {},
        ["JS: supplied in 2026, before its start year 2027"],
    ),
    (
        "negotiating excluded",
        [("J1", "parcel", "P1", 2026)],
        {"include_negotiating": False},
        ["J1: negotiating project placed although the scenario excludes them"],
    ),
    (
        "withheld carrier",
        [("J1", "parcel", "P1", 2026)],
        {"withheld": frozenset({"P1"})},
        ["J1: uses withheld carrier P1"],
    ),
    (
        "pin elsewhere",
        [("J1", "parcel", "P1", 2026)],
        {"pins": {"J1": "P2"}},
        ["J1: pinned to P2 but placed on P1"],
    ),
    (
        "pin not placed",
        [("J1", "parcel", "P1", 2026)],
        {"pins": {"J2": "P2"}},
        ["J2: pinned to P2 but not placed"],
    ),
    # capacities and quotas
    (
        "shared parcel",
        [("J1", "parcel", "P1", 2026), ("J2", "parcel", "P1", 2026)],
        {},
        ["parcel P1: not divisible but given to J1, J2"],
    ),
    (
        "divisible parcel overfilled",
        [("J1", "parcel", "PD", 2026), ("J2", "parcel", "PD", 2026), ("J3", "parcel", "PD", 2026)],
        {},
        ["parcel PD: 135.00 mu given, area 100.00"],
    ),
    (
        "factory overfilled",
        [("JF", "factory", "F1", 2026), ("JF2", "factory", "F1", 2026)],
        {},
        ["factory F1: 11000 m² let, free floor 10000"],
    ),
    (
        "district quota",
        [("J1", "parcel", "P1", 2026)],
        {"quotas_mu": {(2026, "*"): 40.0, (2027, "*"): 1000.0}},
        ["quota 2026 *: 50.00 mu supplied, quota 40.00"],
    ),
    (
        "zone quota",
        [("J1", "parcel", "P1", 2026)],
        {"quotas_mu": {(2026, "*"): 1000.0, (2026, "A"): 40.0}},
        ["quota 2026 A: 50.00 mu supplied, quota 40.00"],
    ),
    (
        "no quota row for the year",
        [("J1", "parcel", "P1", 2027)],
        {"quotas_mu": {(2026, "*"): 1000.0}},
        ["quota 2027 *: 50.00 mu supplied, quota 0.00"],
    ),
    # factories
    ("unknown factory", [("JF", "factory", "FX", 2026)], {}, ["JF: factory FX does not exist"]),
    (
        "factory for a land project",
        [("J1", "factory", "F1", 2026)],
        {},
        ["J1: placed in a factory but needs no factory space"],
    ),
    (
        "factory cluster",
        [("JF", "factory", "FC", 2026)],
        {},
        ["JF: factory FC does not admit cluster c1"],
    ),
    (
        "factory pollution",
        [("JP", "factory", "F2", 2026)],
        {},
        ["JP: pollution 3 above factory F2's limit"],
    ),
    (
        "factory not yet available",
        [("JF", "factory", "FLate", 2026)],
        {},
        ["JF: factory FLate not available before 2027"],
    ),
    ("floor load", [("JL", "factory", "F1", 2026)], {}, ["JL: factory F1 floor load too low"]),
    ("clear height", [("JH", "factory", "F1", 2026)], {}, ["JH: factory F1 clear height too low"]),
    # parcels
    ("unknown parcel", [("J1", "parcel", "PX", 2026)], {}, ["J1: parcel(s) PX do not exist"]),
    (
        "land for a factory project",
        [("JF", "parcel", "P1", 2026)],
        {},
        ["JF: placed on land but needs none"],
    ),
    (
        "parcel cluster",
        [("J1", "parcel", "PC", 2026)],
        {},
        ["J1: parcel PC does not admit cluster c1"],
    ),
    (
        "land use",
        [("J1", "parcel", "PM0", 2026)],
        {},
        ["J1: land use M1 does not fit parcel PM0 (M0)"],
    ),
    (
        "parcel pollution",
        [("JP", "parcel", "PPol", 2026)],
        {"standard_land": False},
        ["JP: pollution 3 above parcel PPol's limit"],
    ),
    (
        "parcel not yet available",
        [("J1", "parcel", "PLate", 2026)],
        {},
        ["J1: parcel PLate not available before 2027"],
    ),
    (
        "divisible parcel smaller than the demand",
        [("JG", "parcel", "PD", 2026)],
        {},
        ["JG: divisible parcel PD smaller than the demand", "parcel PD: 140.00 mu given"],
    ),
    (
        "parcel too small",
        [("J1", "parcel", "PSmall", 2026)],
        {},
        ["J1: 30.00 mu supplied, 45.00 needed"],
    ),
    (
        "waste",
        [("J1", "parcel", "PBig", 2026)],
        {},
        ["J1: 200.00 mu supplied for 45.00 needed (waste)"],
    ),
    (
        "investment intensity",
        [("J1", "parcel", "PInt", 2026)],
        {},
        ["J1: investment intensity below parcel PInt's floor"],
    ),
    ("tax per mu", [("J1", "parcel", "PTax", 2026)], {}, ["J1: tax per mu below parcel PTax's"]),
    (
        "plot ratio",
        [("JFar", "parcel", "PFar", 2026)],
        {},
        ["JFar: plot ratio 0.03 out of parcel PFar's range"],
    ),
    (
        "not ready to build",
        [("JR", "parcel", "PR", 2026)],
        {},
        [f"JR: ready_to_build but parcel PR's ready_power is {LATE} (needed by 2026-02-14)"],
    ),
    (
        "precondition not scheduled",
        [("JR", "parcel", "P1", 2026)],
        {},
        ["JR: ready_to_build but parcel P1's ready_power is not scheduled"],
    ),
    # 合并供地 groups
    (
        "group too large",
        [("JG4", "parcel", p, 2026) for p in ("P1", "P2", "P3", "P4")],
        {},
        ["JG4: group of 4 parcels (max 3)"],
    ),
    (
        "group across zones",
        [("JG", "parcel", p, 2026) for p in ("PZ", "P1", "P2")],
        {},
        ["JG: group spans zones ['A', 'B']"],
    ),
    (
        "group with a divisible parcel",
        [("JG", "parcel", p, 2026) for p in ("P3", "P4", "P5D")],
        {},
        ["JG: group contains a divisible parcel"],
    ),
    (
        "group not adjacent",
        [("JG", "parcel", p, 2026) for p in ("P1", "P2", "PF")],
        {},
        ["JG: parcels P1, P2, PF are not adjacent"],
    ),
]


@pytest.mark.parametrize(
    ("rows", "config", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_verifier_flags_each_broken_rule(
    district: tuple[Tables, pd.DataFrame],
    rows: list[Row],
    config: dict[str, Any],
    expected: list[str],
) -> None:
    msgs = _check(district, rows, **config)
    assert len(msgs) == len(expected), msgs
    for want, got in zip(expected, msgs, strict=True):
        assert want in got


def test_rules_the_scenario_switches_off_are_not_checked(
    district: tuple[Tables, pd.DataFrame],
) -> None:
    assert _check(district, [("J1", "parcel", "PInt", 2026)], standard_land=False) == []
    assert _check(district, [("J1", "parcel", "PBig", 2026)], waste_tolerance=4.0) == []
    # a project that does not ask for 拿地即开工 may go where the power arrives late
    assert _check(district, [("J1", "parcel", "PR", 2026)]) == []


def test_verifier_flags_broken_rules() -> None:
    t = tables(
        [parcel("P1", 50, 0, clusters="c2"), parcel("P2", 50, 1000)],
        [project("J1", land_mu=45), project("J2", land_mu=45)],
        {2026: 60.0},
    )
    sol, bad, prob = solve(t)
    assert bad == []
    inst = instance(t)
    good = assignments_table(inst, sol, load_rules())
    assert len(good) == 1
    row = good.iloc[0].to_dict()
    broken = pd.DataFrame([row, {**row, "project_id": "J2" if row["project_id"] == "J1" else "J1"}])
    msgs = verify_table(t, inst, prob, broken)
    assert any("not divisible" in m for m in msgs)
    assert any("quota 2026" in m for m in msgs)
    wrong_cluster = pd.DataFrame([{**row, "carrier_id": "P1"}])
    assert any("does not admit cluster" in m for m in verify_table(t, inst, prob, wrong_cluster))
    early = pd.DataFrame([{**row, "year": 2025}])
    assert any("outside the planning years" in m for m in verify_table(t, inst, prob, early))
