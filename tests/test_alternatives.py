"""Alternatives that really differ (比选方案): near-optimal, verified, pairwise different."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from builders import instance, parcel, project, tables, verify_table, write_gpkg

from landalloc.cli import main
from optimizer.kpis import assignments_table
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings

SETTINGS = SolverSettings(time_limit_s=2, deterministic=True, workers=1)


def _tables():  # type: ignore[no-untyped-def]
    # eight equal parcels, six equal projects, quota for all of them in both years: many
    # plans of (nearly) the same objective
    return tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(1, 9)],
        [project(f"J{i}", land_mu=45) for i in range(1, 7)],
        {2026: 400.0, 2027: 400.0},
    )


def _placements(sol) -> dict[str, tuple[tuple[str, ...], int]]:  # type: ignore[no-untyped-def]
    return {c.project_id: (c.carriers, c.year) for c in sol.chosen}


def _differing(a: dict[str, object], b: dict[str, object]) -> int:
    return sum(1 for pid, where in a.items() if b.get(pid) != where)


def test_three_plans_near_optimal_verified_and_different() -> None:
    t = _tables()
    inst = instance(t)
    prob = Problem(inst, inst.years).add_quota()
    alt = prob.solve_alternatives(SETTINGS, 3, tolerance=0.01, min_diff=3)
    assert len(alt.plans) == 3 and alt.message == ""
    assert alt.labels == ["A", "B", "C"]
    best = alt.plans[0].outcome.objective
    assert best == prob.solve(SETTINGS).outcome.objective  # plan A is the default solve
    for sol in alt.plans:
        assert sum(c.coef for c in sol.chosen) >= (1 - 0.01) * best
        assert verify_table(t, inst, prob, assignments_table(inst, sol, load_rules())) == []
    places = [_placements(s) for s in alt.plans]
    for i in range(3):
        for j in range(i + 1, 3):
            assert _differing(places[i], places[j]) >= 3, (i, j)


def test_too_large_a_difference_gives_fewer_plans_with_a_message() -> None:
    inst = instance(_tables())
    alt = Problem(inst, inst.years).add_quota().solve_alternatives(SETTINGS, 3, min_diff=7)
    assert len(alt.plans) == 1
    assert "only 1 plan" in alt.message and "7" in alt.message


def test_cli_writes_the_alternatives(tmp_path: Path) -> None:
    write_gpkg(_tables(), tmp_path / "d.gpkg")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: 比选\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 2, deterministic: true, workers: 1}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    argv = ["solve", str(scenario), "--out", str(out), "--alternatives", "2", "--min-diff", "3"]
    assert main(argv) == 0
    assert (out / "assignments.csv").exists()
    b = pd.read_csv(out / "alternatives" / "B" / "assignments.csv", dtype=str)
    assert len(b) == 6
    assert (out / "alternatives" / "B" / "unassigned.csv").exists()
    table = pd.read_csv(out / "alternatives.csv", dtype={"plan": str})
    assert list(table["plan"]) == ["A", "B"]
    assert table["differing_from_A"].tolist()[1] >= 3
    assert "改到" in str(table["changes_from_A"].iloc[1])
