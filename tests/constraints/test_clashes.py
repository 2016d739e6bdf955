"""Neighbours that clash (optimizer/constraints/clashes.py): buffers from sensitive sites and
between incompatible projects; the verifier's own check; the explanations."""

from __future__ import annotations

import dataclasses
from typing import Any

import geopandas as gpd
from builders import CRS, X0, Y0, factory, parcel, placed, project, tables, verify_table
from shapely.geometry import Point

from geodata.clashes import ClashPair, build_clashes, parse_pairs
from geodata.instance import Instance
from geodata.store import Tables, build_instance
from optimizer.constraints import RULE_ORDER, clashes, ledgers
from optimizer.explain import unassigned_table
from optimizer.kpis import assignments_table
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings
from optimizer.solution import Solution

Y = {2026: 1000.0}
SIDE_40 = (40 * 10000 / 15) ** 0.5  # side of a 40 亩 square, metres (≈ 163.3)


def with_clashes(t: Tables, pairs: tuple[ClashPair, ...], sites: list[dict[str, Any]]) -> Instance:
    """The instance of ``t`` with the clash rules precomputed from its geometry."""
    carriers = [(str(r.parcel_id), r.geometry) for r in t.parcels.itertuples()]
    if t.factories is not None and len(t.factories):
        carriers += [(str(r.factory_id), r.geometry) for r in t.factories.itertuples()]
    frame = gpd.GeoDataFrame(sites, geometry="geometry", crs=CRS) if sites else None
    return dataclasses.replace(build_instance(t), clashes=build_clashes(carriers, frame, pairs))


def solve_inst(t: Tables, inst: Instance) -> tuple[Solution, list[str], Problem]:
    """Solve and verify (as builders.solve, with the given instance)."""
    prob = Problem(inst, inst.years).add_quota()
    sol = prob.solve(SolverSettings(time_limit_s=10, deterministic=True, workers=1))
    table = assignments_table(inst, sol, load_rules())
    return sol, verify_table(t, inst, prob, table), prob


def school(x: float) -> dict[str, Any]:
    return {
        "site_id": "S1",
        "kind": "school",
        "name": "实验小学",
        "geometry": Point(X0 + x, Y0 + 50),
    }


def test_a_polluter_keeps_its_distance_from_a_school() -> None:
    t = tables(
        [parcel("P1", 40, 0), parcel("P2", 40, 2000)],
        [project("J1", land_mu=40, pollution=3)],
        Y,
    )
    pairs = parse_pairs([{"a": "pollution:3", "b": "site:school", "buffer_m": 800}], "t")
    inst = with_clashes(t, pairs, [school(SIDE_40 + 300)])  # 300 m east of P1, ≈ 1540 m of P2
    sol, bad, _ = solve_inst(t, inst)
    assert bad == [] and placed(sol) == {"J1": ("P2",)}
    assert sol.cands.excluded["J1"]["clash_site"] == 1
    from optimizer.arrays import parcel_arrays

    arr = parcel_arrays(inst)
    zh, en = clashes.detail("clash_site", inst.projects[0], arr, 0, Problem(inst).policy)
    assert "实验小学" in zh and "300 米" in zh and "800 米" in zh
    assert "300 m" in en
    # a light project is not kept away
    light = tables([parcel("P1", 40, 0)], [project("J2", land_mu=40, pollution=1)], Y)
    sol2, bad2, _ = solve_inst(light, with_clashes(light, pairs, [school(SIDE_40 + 300)]))
    assert bad2 == [] and placed(sol2) == {"J2": ("P1",)}


def test_incompatible_projects_keep_their_buffer() -> None:
    gap = 50.0
    t = tables(
        [parcel("P1", 40, 0), parcel("P2", 40, SIDE_40 + gap)],
        [
            project("BIO", land_mu=40, cluster="biomed", inv=20.0),
            project("BAT", land_mu=40, cluster="new_energy", inv=5.0),
        ],
        Y,
    )
    pairs = (ClashPair("cluster:biomed", "cluster:new_energy", 200.0),)
    inst = with_clashes(t, pairs, [])
    assert [(a, b, round(d)) for a, b, d in inst.clashes.carrier_near] == [("P1", "P2", 50)]
    sol, bad, _ = solve_inst(t, inst)
    assert bad == [] and set(placed(sol)) == {"BIO"}  # the higher priority keeps its place
    un = unassigned_table(inst, sol).set_index("project_id")
    reason = un.loc["BAT", "reason"]
    assert "邻避" in reason and "50 米" in reason and "200 米" in reason and "BIO" in reason
    assert "50 m" in un.loc["BAT", "reason_en"]
    # without the rule both are placed
    plain = build_instance(t)
    sol0, bad0, _ = solve_inst(t, plain)
    assert bad0 == [] and set(placed(sol0)) == {"BIO", "BAT"}


def test_the_verifier_measures_again() -> None:
    t = tables(
        [parcel("P1", 40, 0), parcel("P2", 40, SIDE_40 + 50)],
        [
            project("BIO", land_mu=40, cluster="biomed"),
            project("BAT", land_mu=40, cluster="new_energy", pollution=3),
        ],
        Y,
    )
    pairs = (
        ClashPair("cluster:biomed", "cluster:new_energy", 200.0),
        ClashPair("pollution:3", "site:school", 800.0),
    )
    inst = with_clashes(t, pairs, [school(3 * SIDE_40)])
    plain = build_instance(t)
    sol0, _, _ = solve_inst(t, plain)  # both placed, side by side, the polluter near the school
    prob = Problem(inst, inst.years).add_quota()
    bad = verify_table(t, inst, prob, assignments_table(plain, sol0, load_rules()))
    assert any("BAT and BIO: 50.0 m apart" in b for b in bad)
    assert any(b.startswith("BAT:") and "sensitive site S1 (school)" in b for b in bad)


def test_no_rules_add_nothing() -> None:
    t = tables([parcel("P1", 40, 0)], [project("J1", land_mu=40, pollution=3)], Y)
    inst = build_instance(t)
    assert inst.clashes is None
    from optimizer.arrays import parcel_arrays

    assert clashes.masks(inst.projects[0], parcel_arrays(inst), Problem(inst).policy) == []
    assert clashes.ledger(inst, {}) is None
    assert "clash_site" in RULE_ORDER
    assert all(type(led).__name__ != "ClashLedger" for led in ledgers(inst, {}))


def test_same_factory_or_divisible_parcel_counts_as_zero_metres() -> None:
    t = tables(
        [parcel("P1", 100, 0, divisible=True)],
        [
            project("BIO", land_mu=40, cluster="biomed", inv=20.0),
            project("BAT", land_mu=40, cluster="new_energy", inv=5.0),
        ],
        Y,
    )
    inst = with_clashes(t, (ClashPair("cluster:biomed", "cluster:new_energy", 10.0),), [])
    sol, bad, _ = solve_inst(t, inst)
    assert bad == [] and set(placed(sol)) == {"BIO"}


def test_projects_in_separate_parts_are_bound_by_a_clash() -> None:
    # two factories at the same spot, each admitting one cluster: the projects share no carrier
    # and no quota, so without the clash they would be solved as two independent parts
    t = tables(
        [parcel("P1", 10, 0)],
        [
            project("BIO", floor_m2=500, cluster="biomed", inv=20.0, carrier="factory"),
            project("BAT", floor_m2=500, cluster="new_energy", inv=5.0, carrier="factory"),
        ],
        Y,
        factories=[
            factory("F1", 1000, clusters="biomed"),
            factory("F2", 1000, clusters="new_energy"),
        ],
    )
    from optimizer.components import split_components

    inst = with_clashes(t, (ClashPair("cluster:biomed", "cluster:new_energy", 100.0),), [])
    sol, bad, prob = solve_inst(t, inst)
    assert bad == [] and set(placed(sol)) == {"BIO"}
    quotas = prob.effective_quotas()
    assert len(split_components(sol.cands, quotas)) == 2
    assert len(split_components(sol.cands, quotas, clashes.links(inst, sol.cands))) == 1
