"""Per constraint family: a tiny instance that must be feasible and one that must be infeasible."""

from __future__ import annotations

import pytest
from builders import factory, parcel, placed, project, solve, tables

from optimizer.errors import InfeasibleError
from optimizer.settings import Policy

Y = {2026: 1000.0}


def test_assignment_each_project_once_and_pinned_exactly_once() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [project("J1", land_mu=45, pinned_carrier="P2"), project("J2", land_mu=45)],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert placed(sol) == {"J1": ("P2",), "J2": ("P1",)}


def test_assignment_two_pins_on_one_parcel_is_infeasible_and_names_the_parcel() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("J1", land_mu=45, pinned_carrier="P1"),
            project("J2", land_mu=45, pinned_carrier="P1"),
        ],
        Y,
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    text = " ".join(en for _, en in e.value.conflicts)
    assert "parcel P1" in text and "J1" in text and "J2" in text


def test_divisible_parcel_hosts_several_projects_up_to_its_area() -> None:
    t = tables(
        [parcel("P1", 100, 0, divisible=True)],
        [project("J1", land_mu=40), project("J2", land_mu=40), project("J3", land_mu=40)],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert len(sol.chosen) == 2  # 3 × 40 > 100


def test_divisible_parcel_pins_beyond_its_area_are_infeasible() -> None:
    t = tables(
        [parcel("P1", 100, 0, divisible=True)],
        [project(f"J{i}", land_mu=40, pinned_carrier="P1") for i in range(3)],
        Y,
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert any("P1" in en for _, en in e.value.conflicts)


def test_factory_floor_area_is_shared_within_capacity() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("J1", floor_m2=6000), project("J2", floor_m2=6000), project("J3", floor_m2=3000)],
        Y,
        factories=[factory("F1", 10000)],
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert sum(c.floor_m2 for c in sol.chosen) <= 10000
    assert len(sol.chosen) == 2


def test_factory_pins_beyond_floor_area_are_infeasible() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("J1", floor_m2=6000, pinned_carrier="F1"),
            project("J2", floor_m2=6000, pinned_carrier="F1"),
        ],
        Y,
        factories=[factory("F1", 10000)],
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert any("factory F1" in en for _, en in e.value.conflicts)


def test_factory_specs_exclude_low_floor_load() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("J1", floor_m2=3000, min_floor_load_kg_m2=1200)],
        Y,
        factories=[
            factory("F1", 10000, floor_load_kg_m2=800),
            factory("F2", 10000, floor_load_kg_m2=1500),
        ],
    )
    sol, bad, _ = solve(t)
    assert bad == [] and placed(sol) == {"J1": ("F2",)}


def test_quota_limits_land_per_year() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000), parcel("P3", 50, 2000)],
        [project(f"J{i}", land_mu=45) for i in range(3)],
        {2026: 100.0},
    )
    sol, bad, _ = solve(t)
    assert bad == [] and len(sol.chosen) == 2
    from builders import instance

    from optimizer.explain import unassigned_table

    un = unassigned_table(instance(t), sol)
    assert list(un["reason_code"]) == ["quota_exhausted"]
    assert "2026" in un["reason"].iloc[0]


def test_zone_quota_binds_below_district_quota() -> None:
    t = tables(
        [
            parcel("P1", 50, 0, zone="A"),
            parcel("P2", 50, 1000, zone="A"),
            parcel("P3", 50, 2000, zone="B"),
        ],
        [project(f"J{i}", land_mu=45) for i in range(3)],
        {2026: 1000.0},
        zone_quotas={(2026, "A"): 60.0},
    )
    sol, bad, _ = solve(t)
    assert bad == [] and len(sol.chosen) == 2
    assert sum(1 for c in sol.chosen if c.zone == "A") == 1


def test_quota_pins_above_quota_are_infeasible_and_name_the_quota() -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [
            project("J1", land_mu=45, pinned_carrier="P1"),
            project("J2", land_mu=45, pinned_carrier="P2"),
        ],
        {2026: 60.0},
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert any("quota" in en and "2026" in en for _, en in e.value.conflicts)


def test_zoning_cluster_landuse_pollution() -> None:
    t = tables(
        [
            parcel("P1", 50, 0, clusters="c2"),
            parcel("P2", 50, 1000, land_use="M0"),
            parcel("P3", 50, 2000, max_pollution=1),
            parcel("P4", 50, 3000, land_use="M2"),
        ],
        [project("J1", land_mu=45, cluster="c1", pollution=2, land_use="M1")],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == [] and placed(sol) == {"J1": ("P4",)}


def test_zoning_pin_to_a_parcel_that_excludes_the_cluster_names_the_rule() -> None:
    t = tables(
        [parcel("P1", 50, 0, clusters="c2")], [project("J1", land_mu=45, pinned_carrier="P1")], Y
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert "cluster not admitted" in e.value.conflicts[0][1]


def test_area_fit_and_waste_tolerance() -> None:
    t = tables(
        [parcel("P1", 40, 0), parcel("P2", 200, 1000), parcel("P3", 60, 2000)],
        [project("J1", land_mu=45)],
        Y,
    )
    sol, bad, _ = solve(t, policy=Policy(waste_tolerance=0.5))
    assert bad == [] and placed(sol) == {"J1": ("P3",)}
    sol, bad, _ = solve(t, policy=Policy(waste_tolerance=0.2))
    assert placed(sol) == {}


def test_standard_land_intensity_floor_on_supplied_area() -> None:
    # 2 亿 = 20000 万 on a 60 亩 parcel = 333 万/亩 < 400
    t = tables(
        [parcel("P1", 60, 0, min_intensity_wan_per_mu=400)], [project("J1", land_mu=45, inv=2.0)], Y
    )
    sol, _, _ = solve(t)
    assert placed(sol) == {}
    sol, bad, _ = solve(t, policy=Policy(standard_land=False))
    assert bad == [] and placed(sol) == {"J1": ("P1",)}


def test_group_of_adjacent_parcels_for_a_large_project() -> None:
    # P1 and P2 touch (side of a 100 亩 square ≈ 258 m), P3 is far away
    t = tables(
        [parcel("P1", 100, 0), parcel("P2", 100, 258.2), parcel("P3", 100, 5000)],
        [project("J1", land_mu=180)],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert placed(sol) == {"J1": ("P1", "P2")}


def test_group_not_formed_from_distant_parcels() -> None:
    t = tables([parcel("P1", 100, 0), parcel("P3", 100, 5000)], [project("J1", land_mu=180)], Y)
    sol, _, _ = solve(t)
    assert placed(sol) == {}


def test_ready_to_build_only_on_ready_parcels() -> None:
    ready = {
        f"ready_{k}": "2025-01-01"
        for k in ("levelled", "water", "power", "road", "drainage", "planning", "assessment")
    }
    late = {**ready, "ready_power": "2027-06-01"}
    t = tables(
        [parcel("P1", 50, 0, **late), parcel("P2", 60, 1000, **ready)],
        [project("J1", land_mu=45, ready_to_build=True, start_year=2026)],
        {2026: 1000.0},
    )
    sol, bad, _ = solve(t)
    assert bad == [] and placed(sol) == {"J1": ("P2",)}
    t2 = tables(
        [parcel("P1", 50, 0, **late)],
        [project("J1", land_mu=45, ready_to_build=True, start_year=2026)],
        {2026: 1000.0},
    )
    sol2, _, _ = solve(t2)
    assert placed(sol2) == {}
    from builders import instance

    from optimizer.explain import unassigned_table

    assert list(unassigned_table(instance(t2), sol2)["reason_code"]) == ["not_ready"]


def test_withheld_carrier_is_not_used() -> None:
    t = tables([parcel("P1", 50, 0), parcel("P2", 50, 1000)], [project("J1", land_mu=45)], Y)
    sol, bad, _ = solve(t, policy=Policy(withheld=frozenset({"P1"})))
    assert bad == [] and placed(sol) == {"J1": ("P2",)}


def test_outcompeted_names_the_winner() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("J1", land_mu=45, inv=20.0), project("J2", land_mu=45, inv=2.0)],
        Y,
    )
    sol, _bad, _ = solve(t)
    assert placed(sol) == {"J1": ("P1",)}
    from builders import instance

    from optimizer.explain import unassigned_table

    un = unassigned_table(instance(t), sol)
    assert un["reason_code"].tolist() == ["outcompeted"] and "J1" in un["reason"].iloc[0]


def test_no_candidate_reason_lists_the_rules() -> None:
    t = tables([parcel("P1", 50, 0, clusters="c2")], [project("J1", land_mu=45)], Y)
    sol, _, _ = solve(t)
    from builders import instance

    from optimizer.explain import unassigned_table

    un = unassigned_table(instance(t), sol)
    assert un["reason_code"].tolist() == ["no_candidate"]
    assert "产业集群不在准入范围 1" in un["reason"].iloc[0]


def test_lexicographic_places_the_major_project_first() -> None:
    # two touching 60 亩 parcels; J1 is 12 亿 and needs both (tier 10) but J2,J3 together weigh more in the plain objective
    t = tables(
        [parcel("P1", 60, 0), parcel("P2", 60, 200.0)],
        [
            project("J1", land_mu=110, inv=12.0),
            project("J2", land_mu=55, inv=9.0, stage="signed", tags="fortune500;hq"),
            project("J3", land_mu=55, inv=9.0, stage="signed", tags="fortune500;hq"),
        ],
        {2026: 120.0},
    )
    plain, _, _ = solve(t)
    lex, bad, _ = solve(t, policy=Policy(lexicographic=True))
    assert bad == []
    assert "J1" in placed(lex)
    assert "J1" not in placed(plain)


def test_no_solver_solution_falls_back_to_greedy_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ortools.sat.python import cp_model

    from optimizer.problem import Problem

    real = Problem._run

    def no_solution(*a: object, **k: object) -> tuple[object, object]:
        _, solver = real(*a, **k)  # type: ignore[arg-type]
        return cp_model.UNKNOWN, solver

    monkeypatch.setattr(Problem, "_run", staticmethod(no_solution))
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [project("J1", land_mu=45), project("J2", land_mu=45)],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == []
    assert sol.outcome.status == "FEASIBLE"
    assert "greedy-fallback" in sol.outcome.phases
    assert len(sol.chosen) == 2 and sol.outcome.objective == sol.outcome.greedy_objective
