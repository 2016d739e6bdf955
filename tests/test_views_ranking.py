"""Tests of the ranking of the parcels for one project (:mod:`optimizer.views.ranking`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from readiness_helpers import D, make_district, make_instance, make_parcel, make_project

from geodata.instance import Instance, Quota
from optimizer.readiness.rules import RuleSet, load_rules
from optimizer.views.ranking import rank_parcels


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def test_rank_parcels_ready_first_then_by_start(rules: RuleSet) -> None:
    inst = make_district()
    small = dataclasses.replace(make_parcel("F"), area_cmu=100)
    inst = make_instance([*inst.parcels, small])
    project = make_project(start_year=2025)
    ranked = rank_parcels(inst, project, rules, today=D(2025, 6, 1))
    assert list(ranked["parcel_id"]) == ["A", "B", "C", "D", "E"]  # F too small
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5]
    assert ranked["earliest_start"].iloc[1] == D(2025, 8, 15)
    everything = rank_parcels(inst, project, rules, only_fitting=False, lang="en")
    assert "F" in set(everything["parcel_id"])
    assert "area" in str(everything.set_index("parcel_id").loc["F", "misfit"])


# --------------------------------------------------------------------------- one definition of "fits"
# ``readiness --project`` and the candidate builder decide "the project fits the parcel" with the
# same rule code (optimizer.constraints.fit); issue 14, item 3.


def _single_parcel_candidates(inst: Instance, pid: str, **policy: Any) -> set[str]:
    from optimizer.problem import Problem
    from optimizer.settings import Policy

    cands = Problem(inst, policy=Policy(**policy)).candidates()
    return {
        cands.candidates[i].carriers[0]
        for i in cands.by_project[pid]
        if cands.candidates[i].kind == "parcel"
    }


def test_m1_project_fits_an_m2_parcel(rules: RuleSet, tmp_path: Any, capsys: Any) -> None:
    from builders import instance, parcel, project, tables, write_gpkg

    from landalloc.cli import main

    t = tables(
        [parcel("P1", 50, 0, land_use="M2", available_year=2026)],
        [project("J1", land_mu=45, land_use="M1", start_year=2026)],
        {2026: 100.0},
    )
    inst = instance(t)
    assert _single_parcel_candidates(inst, "J1") == {"P1"}
    ranked = rank_parcels(inst, inst.project("J1"), rules)
    assert list(ranked["parcel_id"]) == ["P1"]
    assert ranked["misfit"].iloc[0] == ""
    gpkg = write_gpkg(t, tmp_path / "m2.gpkg")
    assert main(["readiness", str(gpkg), "--project", "J1", "--today", "2026-01-01"]) == 0
    text = capsys.readouterr().out
    assert "符合静态条件的地块 1 宗" in text
    assert any(ln.split()[:2] == ["1.", "P1"] for ln in text.splitlines()), text
    # an M1 parcel does not take an M2 project: the reason names the rule and the classes
    t2 = tables(
        [parcel("P1", 50, 0, land_use="M1", available_year=2026)],
        [project("J1", land_mu=45, land_use="M2", start_year=2026)],
        {2026: 100.0},
    )
    inst2 = instance(t2)
    assert _single_parcel_candidates(inst2, "J1") == set()
    everything = rank_parcels(inst2, inst2.project("J1"), rules, only_fitting=False, lang="en")
    assert everything["misfit"].iloc[0].startswith("land-use class does not fit")
    assert "M2" in everything["misfit"].iloc[0] and "M1" in everything["misfit"].iloc[0]


def test_divisible_parcel_smaller_than_the_demand_fits_neither(rules: RuleSet) -> None:
    # a divisible parcel supplies just the demand, but only when it holds it (the verifier's
    # "divisible parcel smaller than the demand"): neither the builder nor readiness offers P1
    from builders import instance, parcel, project, tables

    t = tables(
        [
            parcel("P1", 30, 0, divisible=True, available_year=2026),
            parcel("P2", 200, 1000, divisible=True, available_year=2026),
        ],
        [project("J1", land_mu=45, start_year=2026)],
        {2026: 100.0},
    )
    inst = instance(t)
    assert _single_parcel_candidates(inst, "J1") == {"P2"}
    ranked = rank_parcels(inst, inst.project("J1"), rules, only_fitting=False, lang="en")
    misfit = ranked.set_index("parcel_id")["misfit"]
    assert misfit["P2"] == ""
    assert misfit["P1"] == (
        "area does not fit (too small or too wasteful): parcel 30 mu < demand 45 mu"
    )


def _random_instance(seed: int) -> Instance:
    """Parcels and projects with every static rule in play; timing never prunes.

    Every carrier is available in 2025 and every project starts in 2026 without
    拿地即开工, so whether the candidate builder keeps a (project, parcel) pair depends on the
    static rules only.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    parcels = []
    for k in range(14):
        far_min = float(rng.choice([0.0, 1.0]))
        parcels.append(
            dataclasses.replace(
                make_parcel(f"P{k:02d}"),
                land_use=str(rng.choice(["M0", "M1", "M2", "M3"])),
                clusters=frozenset(([], ["光子"], ["生物"], ["光子", "生物"])[rng.integers(4)]),
                area_cmu=int(rng.choice([2000, 3000, 4000, 5000, 6000, 9000])),
                divisible=bool(rng.random() < 0.25),
                max_pollution=int(rng.integers(1, 4)),
                min_intensity_wan_per_mu=float(rng.choice([0.0, 0.0, 300.0, 600.0])),
                min_tax_wan_per_mu=float(rng.choice([0.0, 0.0, 10.0])),
                far_min=far_min or None,
                far_max=float(rng.choice([2.0, 3.0])) if far_min else None,
                x_m=float(k * 500),
            )
        )
    projects = []
    for k in range(12):
        projects.append(
            make_project(
                f"J{k:02d}",
                cluster=str(rng.choice(["光子", "生物"])),
                land_use=str(rng.choice(["M0", "M1", "M2", "M3"])),
                pollution=int(rng.integers(1, 4)),
                land_cmu=int(rng.choice([2500, 3000, 4000, 5500])),
                investment_wan=int(rng.choice([10000, 20000, 40000])),
                tax_wan=int(rng.choice([0, 300, 1000])),
                floor_m2=int(rng.choice([0, 0, 20000, 60000])),
                carrier="factory" if k == 11 else "land",
                ready_to_build=False,
            )
        )
    return Instance(
        parcels=tuple(parcels),
        factories=(),
        projects=tuple(projects),
        quotas=(Quota(2026, "*", 1_000_000),),
        clusters=(),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "policy",
    [{}, {"waste_tolerance": 0.2}, {"standard_land": False}, {"withheld": frozenset({"P03"})}],
    ids=["default", "tight_waste", "no_standard_land", "withheld"],
)
def test_readiness_fits_iff_the_candidate_builder_has_a_candidate(
    rules: RuleSet, seed: int, policy: dict[str, Any]
) -> None:
    from optimizer.settings import Policy

    inst = _random_instance(seed)
    kw: dict[str, Any] = {"policy": Policy(**policy)} if policy else {}
    n_fit = 0
    for project in inst.projects:
        ranked = rank_parcels(inst, project, rules, only_fitting=False, lang="en", **kw)
        fits = set(ranked.loc[ranked["misfit"] == "", "parcel_id"])
        assert fits == _single_parcel_candidates(inst, project.project_id, **policy), (
            project.project_id
        )
        only = rank_parcels(inst, project, rules, **kw)
        assert set(only["parcel_id"]) == fits
        n_fit += len(fits)
    assert n_fit > 0  # the instance is not trivially empty


def test_cli_demo_project_fits_the_candidate_builders_parcels(tmp_path: Any, capsys: Any) -> None:
    import pandas as pd

    from geodata.store import load
    from landalloc.cli import main

    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo.gpkg"
    out = tmp_path / "out"
    code = main(["readiness", str(demo), "--project", "XM2026-009", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "没有符合该项目静态条件" not in text
    ranked = pd.read_csv(out / "readiness_project_XM2026-009.csv", dtype=str)
    inst, _, _ = load(demo)
    expected = _single_parcel_candidates(inst, "XM2026-009")
    assert expected  # the solver has candidates for this project
    assert set(ranked["parcel_id"]) == expected
