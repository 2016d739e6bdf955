"""The runner of a scenario (landalloc/run.py): solve, verify and explain in memory."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import builders
import pandas as pd
from builders import instance, parcel, project, tables, write_gpkg

from geodata.store import Tables
from landalloc.run import (
    PLAN_PACKAGES,
    file_hash,
    package_versions,
    projects_frame,
    run_inputs,
    solve_scenario,
    verify_config,
)
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import Policy

ROOT = Path(__file__).resolve().parent.parent


def _tables() -> Tables:
    return tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000, clusters="c2"), parcel("P3", 50, 2000)],
        [
            project("J1", land_mu=45, pinned_carrier="P3"),
            project("J2", land_mu=45, inv=3.0, ready_to_build=True),
            project("J3", land_mu=45, inv=1.5),
        ],
        {2026: 100.0, 2027: 100.0},
        zone_quotas={(2026, "A"): 80.0},
    )


def _scenario(tmp_path: Path, extra: str = "") -> Path:
    write_gpkg(_tables(), tmp_path / "d.gpkg")
    p = tmp_path / "s.yaml"
    p.write_text(
        "name: 测试\ndata: d.gpkg\nyears: [2026]\n"
        "solver: {time_limit_s: 5, deterministic: true}\n" + extra,
        encoding="utf-8",
    )
    return p


def test_the_verifier_sees_what_the_tests_give_it() -> None:
    # the runner and tests/builders.py take verify_config and projects_frame from
    # optimizer.verify_inputs: both must stay the same
    t = _tables()
    inst = instance(t)
    policy = Policy(
        waste_tolerance=0.3,
        standard_land=False,
        include_negotiating=False,
        withheld=frozenset({"P2"}),
        pins={"J3": "P1"},
        max_group_size=2,
    )
    prob = Problem(inst, (2026, 2027), policy=policy).add_quota()
    rules = load_rules()
    config = verify_config(prob, rules)
    assert config == builders.verify_config(prob, rules)
    assert config.pins == {"J1": "P3", "J3": "P1"}
    assert config.quotas_mu[(2026, "A")] == 80.0
    pd.testing.assert_frame_equal(projects_frame(inst, t), builders.projects_frame(inst, t))
    assert projects_frame(inst, t)["ready_to_build"].tolist() == [False, True, False]


def test_solve_scenario_solves_verifies_and_writes_nothing(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "withheld: [P1]\n")
    before = sorted(tmp_path.iterdir())
    result = solve_scenario(scenario, lang="en")
    assert sorted(tmp_path.iterdir()) == before
    # P1 withheld and P2 closed to c1: J1 keeps its pin on P3, the others have nowhere to go
    assert result.assignments[["project_id", "carrier_id"]].values.tolist() == [["J1", "P3"]]
    assert sorted(result.unassigned["project_id"]) == ["J2", "J3"]
    s = result.summary
    assert s["status"] == "OPTIMAL" and s["verified"] is True
    assert s["kpis"] == result.kpis and result.kpis["projects_placed"] == 1
    # J2 wants 拿地即开工 and P3 has no readiness dates
    assert s["candidates"]["pruned_by_rule"] == {"withheld": 3, "cluster": 3, "readiness": 1}
    data = tmp_path / "d.gpkg"
    assert s["data"] == str(data)
    assert s["data_sha256"] == file_hash(data) == hashlib.sha256(data.read_bytes()).hexdigest()
    assert result.quota.to_dict(orient="records") == [
        {"year": 2026, "zone": "*", "quota_mu": 100.0, "used_mu": 50.0, "committed_mu": 0.0},
        {"year": 2026, "zone": "A", "quota_mu": 80.0, "used_mu": 50.0, "committed_mu": 0.0},
    ]


def test_run_inputs(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    assert run_inputs(scenario) == [scenario, tmp_path / "d.gpkg"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [", encoding="utf-8")
    assert run_inputs(broken) == [broken]


def test_every_plan_package_is_pinned_and_recorded() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    pinned = {d.split("==")[0]: d.split("==")[1] for d in deps if "==" in d}
    assert set(PLAN_PACKAGES) == set(pinned)
    versions = package_versions()
    assert set(PLAN_PACKAGES) <= set(versions) and "landalloc" in versions
