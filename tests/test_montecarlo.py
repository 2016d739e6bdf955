"""The uncertain pipeline: probabilities, Monte-Carlo sampling (against hand calculations), the
engine run, the expected-value objective and the quota reserve."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import parcel, project, solve, tables

from landalloc.engine import Engine
from landalloc.montecarlo import evaluate, plan_arrays, sample_plan, summary_table
from landalloc.uncertainty import UncertaintySettings, own_probabilities, project_probabilities
from optimizer.settings import Weights
from optimizer.uncertainty import (
    KPI_KEYS,
    PlanArrays,
    materialised,
    probabilities,
    realised_kpis,
    sample_chunk,
)

ROOT = Path(__file__).resolve().parents[1]


def tiny_plan() -> PlanArrays:
    """A (p 0.4, 10 亿, 5 亩, 2026) and B (p 0.9, 20 亿, 3 亩 + 1000 ㎡, 2027); quotas 6 and 4 亩."""
    return PlanArrays(
        ("A", "B"),
        np.array([0.4, 0.9]),
        np.array([10.0, 20.0]),
        np.array([100.0, 300.0]),
        np.array([5.0, 3.0]),
        np.array([0.0, 1000.0]),
        np.array([2026, 2027]),
        (2026, 2027),
        np.array([6.0, 4.0]),
    )


def col(key: str) -> int:
    return KPI_KEYS.index(key)


def test_stage_defaults_scenario_and_own_probability() -> None:
    stages = {"N": "negotiating", "S": "signed", "R": "registered", "O": "negotiating"}
    p = probabilities(stages, {"signed": 0.8}, {"O": 0.75})
    assert p == {"N": 0.4, "S": 0.8, "R": 0.97, "O": 0.75}
    s = UncertaintySettings(stage_probability={"negotiating": 0.3})
    assert project_probabilities(s, {"N": "negotiating"}, {}) == {"N": 0.3}
    own = own_probabilities(pd.DataFrame({"project_id": ["A", "B"], "probability": [0.5, None]}))
    assert own == {"A": 0.5}
    with pytest.raises(ValueError, match="unknown stage"):
        UncertaintySettings(stage_probability={"dreaming": 0.1})


def test_sampling_matches_hand_calculation() -> None:
    plan = tiny_plan()
    # sample 1: u_A = 0.1 < 0.4 lands, u_B = 0.95 ≥ 0.9 drops; sample 2 the other way round
    u = np.array([[0.1, 0.95], [0.5, 0.2], [0.39, 0.89], [0.4, 0.9]])
    k = realised_kpis(plan, materialised(plan.probability, u))
    # by hand: investment 10 | 20 | 30 | 0; idle land 3 | 5 | 0 | 8; quota unused
    # (6 − 5) + 4 = 5 | 6 + (4 − 3) = 7 | 1 + 1 = 2 | 6 + 4 = 10; idle floor 1000 | 0 | 0 | 1000
    assert k[:, col("projects")].tolist() == [1, 1, 2, 0]
    assert k[:, col("investment_yi")].tolist() == [10, 20, 30, 0]
    assert k[:, col("tax_wan")].tolist() == [100, 300, 400, 0]
    assert k[:, col("idle_land_mu")].tolist() == [3, 5, 0, 8]
    assert k[:, col("idle_floor_m2")].tolist() == [1000, 0, 0, 1000]
    assert k[:, col("quota_unused_mu")].tolist() == [5, 7, 2, 10]


def test_seeded_chunk_frequencies_match_the_outcome_probabilities() -> None:
    plan = tiny_plan()
    n = 40_000
    k = sample_chunk(plan, seed=7, chunk=0, n=n)
    # the chunk draws exactly these uniforms, so the rule applies sample by sample
    u = np.random.default_rng([7, 0]).random((n, 2))
    assert np.array_equal(k, realised_kpis(plan, u < plan.probability))
    # four outcomes: none 0.6·0.1 = 0.06, A only 0.4·0.1 = 0.04, B only 0.6·0.9 = 0.54, both 0.36
    inv = k[:, col("investment_yi")]
    for value, prob in ((0, 0.06), (10, 0.04), (20, 0.54), (30, 0.36)):
        assert abs(np.mean(inv == value) - prob) < 0.01
    table = summary_table(plan, k)
    row = table.set_index("kpi").loc["investment_yi"]
    # P10 of {0: .06, 10: .04, 20: .54, 30: .36} is 20 (10 % lies inside "B only"), P90 is 30
    assert (row["P10"], row["P50"], row["P90"]) == (20.0, 20.0, 30.0)
    assert row["expected"] == pytest.approx(0.4 * 10 + 0.9 * 20)
    assert row["mean"] == pytest.approx(22.0, abs=0.2)
    assert row["plan"] == 30.0


def test_engine_run_is_parallel_and_independent_of_processes(tmp_path: Path) -> None:
    plan = tiny_plan()
    with Engine(processes=2) as engine:
        two, workers = sample_plan(plan, 9000, 3, engine, progress=False)
    with Engine(processes=1) as engine:
        one, _ = sample_plan(plan, 9000, 3, engine, progress=False)
    assert two.shape == (9000, len(KPI_KEYS))
    assert np.array_equal(one, two)
    assert len(workers) == 2  # five chunks spread over both worker processes
    direct = np.vstack([sample_chunk(plan, 3, k, n) for k, n in enumerate([2000] * 4 + [1000])])
    assert np.array_equal(two, direct)


def test_plan_arrays_sum_group_rows_and_read_district_quota() -> None:
    a = pd.DataFrame(
        {
            "project_id": ["G", "G", "F"],
            "stage": ["signed", "signed", "negotiating"],
            "carrier_kind": ["parcel", "parcel", "factory"],
            "carrier_id": ["P1", "P2", "F1"],
            "investment_yi": [1.5, 0.5, 3.0],
            "tax_wan": [10.0, 5.0, 7.0],
            "area_mu": [20.0, 10.0, 0.0],
            "floor_m2": [0, 0, 500],
            "year": [2026, 2026, 2027],
        }
    )
    q = pd.DataFrame(
        {
            "year": [2026, 2026, 2027],
            "zone": ["*", "Z", "*"],
            "quota_mu": [40.0, 25.0, 10.0],
            "used_mu": [30.0, 0.0, 0.0],
        }
    )
    plan = plan_arrays(a, q, {"G": 0.85, "F": 0.4}, frozenset({"P2"}))  # P2 is stock land
    assert plan.project_ids == ("F", "G")
    assert plan.land_mu.tolist() == [0.0, 30.0]
    assert plan.quota_land().tolist() == [0.0, 20.0]
    assert plan.investment_yi.tolist() == [3.0, 2.0]
    assert plan.quota_mu.tolist() == [40.0, 10.0]
    assert plan.plan_used().tolist() == [30.0, 0.0]  # the plan's used_mu, as written
    assert plan.probability.tolist() == [0.4, 0.85]
    # G drops out: its 30 亩 lie idle, 20 of them come back to the 2026 quota (10 + 20 unused
    # in 2026, 10 in 2027); F drops out: 500 ㎡ idle, no quota
    k = realised_kpis(plan, np.array([[True, False], [False, True]]))
    assert k[:, col("idle_land_mu")].tolist() == [30.0, 0.0]
    assert k[:, col("quota_unused_mu")].tolist() == [40.0, 20.0]
    assert k[:, col("idle_floor_m2")].tolist() == [0.0, 500.0]


def _scarce() -> object:
    """One 40 亩 quota, two 40 亩 projects: a big negotiating one and a smaller signed one."""
    return tables(
        [parcel("P1", 40, 0), parcel("P2", 40, 1000)],
        [
            project("NEG", land_mu=40, inv=30.0, stage="negotiating"),
            project("SIG", land_mu=40, inv=5.0, stage="signed"),
        ],
        {2026: 40.0},
    )


def test_expected_value_places_fewer_negotiating_projects_on_scarce_quota() -> None:
    t = _scarce()
    sol, bad, _ = solve(t)  # type: ignore[arg-type]
    assert bad == [] and set(sol.placed()) == {"NEG"}  # 100 + 60 points against 20 + 10 + 60
    probs = probabilities({"NEG": "negotiating", "SIG": "signed"})
    w = dataclasses.replace(Weights(), probability=probs)
    sol_ev, bad_ev, _ = solve(t, weights=w)  # type: ignore[arg-type]
    assert bad_ev == [] and set(sol_ev.placed()) == {"SIG"}  # 0.4 × 160 = 64 < 0.85 × 90 = 76.5


def test_montecarlo_of_the_baseline_reports_ranges(tmp_path: Path) -> None:
    from landalloc.run import run

    out = tmp_path / "base"
    run(ROOT / "scenarios" / "baseline.yaml", out, solver_overrides={"time_limit_s": 2.0})
    res = evaluate(out, tmp_path / "mc", samples=4000, seed=1, processes=2, progress=False)
    table = res.table.set_index("kpi")
    inv = table.loc["investment_yi"]
    assert inv["P10"] < inv["P50"] < inv["P90"] <= inv["plan"]
    assert inv["mean"] == pytest.approx(inv["expected"], rel=0.02)
    assert table.loc["idle_land_mu", "P10"] > 0
    assert len(res.workers) == 2 and len(res.samples) == 4000
    for name in ("montecarlo.csv", "montecarlo_samples.csv", "montecarlo.png", "montecarlo.json"):
        assert (tmp_path / "mc" / name).stat().st_size > 0
    from landalloc.cli import main

    args = ["--lang", "en", "montecarlo", str(out), "--samples", "500", "--processes", "1"]
    assert main(args) == 0
    again = pd.read_csv(out / "montecarlo" / "montecarlo.csv", encoding="utf-8-sig")
    assert list(again.columns[-3:]) == ["P10", "P50", "P90"]
    assert again.set_index("kpi").loc["investment_yi", "name"] == "investment (100 M yuan)"


def _scenario(tmp_path: Path, t: object, uncertainty: dict[str, object]) -> Path:
    import yaml
    from builders import write_gpkg

    tmp_path.mkdir(parents=True, exist_ok=True)
    data = write_gpkg(t, tmp_path / "data.gpkg")  # type: ignore[arg-type]
    scen = tmp_path / "s.yaml"
    body = {"name": "u", "data": str(data), "years": [2026], "uncertainty": uncertainty}
    scen.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return scen


def test_scenario_expected_value_and_reserve_are_stated(tmp_path: Path) -> None:
    from landalloc.run import solve_scenario

    t = _scarce()
    scen = _scenario(tmp_path, t, {"expected_value": True, "reserve": {"quota_share": 0.25}})
    res = solve_scenario(scen, solver_overrides={"time_limit_s": 2.0, "workers": 1})
    # the reserve holds back 10 of the 40 亩: neither 40 亩 project fits any more
    assert res.solution.placed() == {}
    u = res.summary["uncertainty"]
    assert u["expected_value"] is True and u["stage_probability"]["negotiating"] == 0.4
    assert u["reserve"]["by_quota"] == [
        {"year": 2026, "zone": "*", "quota_mu": 40.0, "reserved_mu": 10.0, "available_mu": 30.0}
    ]
    scen = _scenario(tmp_path / "ev", t, {"expected_value": True})
    res = solve_scenario(scen, solver_overrides={"time_limit_s": 2.0, "workers": 1})
    assert set(res.solution.placed()) == {"SIG"}


def test_default_scenario_states_nothing_and_keeps_the_plan(tmp_path: Path) -> None:
    from landalloc.run import solve_scenario

    scen = _scenario(tmp_path, _scarce(), {})
    res = solve_scenario(scen, solver_overrides={"time_limit_s": 2.0, "workers": 1})
    assert set(res.solution.placed()) == {"NEG"} and "uncertainty" not in res.summary
