"""Property tests: random small instances checked by the independent verifier and brute force."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace

from builders import factory, instance, parcel, project, solve, tables
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.store import Tables
from optimizer.candidates import Candidate, build_candidates
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import SolverSettings

YEARS = (2026, 2027)


@st.composite
def small_tables(draw: st.DrawFn, max_projects: int = 6) -> Tables:
    n_par = draw(st.integers(2, 5))
    parcels = []
    x = 0.0
    for i in range(n_par):
        area = draw(st.sampled_from([30.0, 50.0, 80.0, 120.0]))
        gap = draw(st.sampled_from([0.0, 2000.0]))
        parcels.append(
            parcel(
                f"P{i}",
                area,
                x,
                zone=draw(st.sampled_from(["A", "B"])),
                clusters=draw(st.sampled_from(["", "c1", "c2"])),
                divisible=draw(st.booleans()),
                available_year=draw(st.sampled_from(YEARS)),
            )
        )
        x += (area * 10000 / 15) ** 0.5 + gap
    n_proj = draw(st.integers(1, max_projects))
    projects = [
        project(
            f"J{i}",
            land_mu=draw(st.sampled_from([25.0, 40.0, 60.0, 100.0, 150.0])),
            inv=draw(st.sampled_from([0.5, 2.0, 12.0, 60.0])),
            cluster=draw(st.sampled_from(["c1", "c2"])),
            stage=draw(st.sampled_from(["negotiating", "signed"])),
            start_year=draw(st.sampled_from(YEARS)),
        )
        for i in range(n_proj)
    ]
    q1 = draw(st.sampled_from([50.0, 100.0, 200.0]))
    q2 = draw(st.sampled_from([50.0, 100.0, 200.0]))
    return tables(
        parcels,
        projects,
        {2026: q1, 2027: q2},
        zone_quotas={(2026, "A"): 80.0} if draw(st.booleans()) else None,
    )


def brute_force(prob: Problem, *, every_year: bool = False) -> int:
    """Best objective over every combination of candidates (one or none per project).

    With ``every_year`` the candidates include the dominated years of factory placements (which
    the model never sees), so the reduction is checked too.
    """
    inst = prob.instance
    if every_year:
        cs = build_candidates(
            inst, prob.years, load_rules(), policy=prob.policy, drop_dominated=False
        )
    else:
        cs = prob.candidates()
    quotas = prob.effective_quotas()
    parcels = {p.parcel_id: p for p in inst.parcels}
    floors = {f.factory_id: f.floor_m2 for f in inst.factories}
    options = [[None, *(cs.candidates[i] for i in idx)] for idx in cs.by_project.values()]
    best = 0
    for combo in itertools.product(*options):
        chosen: list[Candidate] = [c for c in combo if c is not None]
        use: dict[str, int] = defaultdict(int)
        count: dict[str, int] = defaultdict(int)
        land: dict[tuple[int, str], int] = defaultdict(int)
        let: dict[str, int] = defaultdict(int)
        for c in chosen:
            if c.kind == "factory":
                let[c.carriers[0]] += c.floor_m2
                continue
            for pid in c.carriers:
                count[pid] += 1
                use[pid] += c.land_cmu if len(c.carriers) == 1 else parcels[pid].area_cmu
            land[(c.year, "*")] += c.land_cmu
            land[(c.year, c.zone)] += c.land_cmu
        if any(count[p] > 1 and not parcels[p].divisible for p in count):
            continue
        if any(use[p] > parcels[p].area_cmu for p in use if parcels[p].divisible):
            continue
        if any(v > quotas.get(k, 0 if k[1] == "*" else 10**12) for k, v in land.items()):
            continue
        if any(m2 > floors[f] for f, m2 in let.items()):
            continue
        best = max(best, sum(c.coef for c in chosen))
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables())
def test_every_solution_passes_the_verifier_and_equals_brute_force(t: Tables) -> None:
    sol, bad, prob = solve(t)
    assert bad == []
    assert sol.outcome.status == "OPTIMAL"
    assert int(sol.outcome.objective) == brute_force(prob)


@st.composite
def factory_tables(draw: st.DrawFn) -> Tables:
    """Two parcels and two or three factories available in either year; land, factory and
    land-or-factory projects starting in either year."""
    parcels = [
        parcel("P0", draw(st.sampled_from([30.0, 60.0])), 0.0, available_year=2026),
        parcel("P1", 50.0, 2000.0, divisible=draw(st.booleans()), available_year=2027),
    ]
    factories = [
        factory(
            f"F{i}",
            draw(st.sampled_from([2000.0, 5000.0, 8000.0])),
            clusters=draw(st.sampled_from(["", "c1", "c2"])),
            available_year=draw(st.sampled_from(YEARS)),
        )
        for i in range(draw(st.integers(2, 3)))
    ]
    projects = []
    for i in range(draw(st.integers(2, 6))):
        mode = draw(st.sampled_from(["land", "factory", "either"]))
        projects.append(
            project(
                f"J{i}",
                land_mu=draw(st.sampled_from([25.0, 40.0])) if mode != "factory" else 0.0,
                floor_m2=draw(st.sampled_from([1500.0, 3000.0, 4500.0])) if mode != "land" else 0.0,
                inv=draw(st.sampled_from([0.5, 2.0, 12.0])),
                cluster=draw(st.sampled_from(["c1", "c2"])),
                stage=draw(st.sampled_from(["negotiating", "signed"])),
                start_year=draw(st.sampled_from(YEARS)),
            )
        )
    return tables(parcels, projects, {2026: 40.0, 2027: 60.0}, factories=factories)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(factory_tables())
def test_factory_placements_equal_brute_force_over_every_year(t: Tables) -> None:
    sol, bad, prob = solve(t)
    assert bad == []
    assert sol.outcome.status == "OPTIMAL"
    assert int(sol.outcome.objective) == brute_force(prob, every_year=True)


def test_only_the_best_year_of_a_factory_placement_is_a_candidate() -> None:
    t = tables(
        [parcel("P0", 30.0, 0.0)],
        [project("J0", floor_m2=3000.0, start_year=2026), project("J1", floor_m2=2000.0)],
        {2026: 10.0, 2027: 10.0},
        factories=[factory("F0", 4000.0), factory("F1", 4000.0, available_year=2027)],
    )
    prob = Problem(instance(t), YEARS).add_quota()
    every = build_candidates(prob.instance, YEARS, load_rules(), drop_dominated=False)
    kept = prob.candidates()
    assert len(every.candidates) == 6  # J0 and J1 in F0 in 2026 and 2027, and in F1 in 2027
    assert kept.dominated == 2
    assert {(c.project_id, c.carriers, c.year) for c in kept.candidates} == {
        ("J0", ("F0",), 2026),
        ("J0", ("F1",), 2027),
        ("J1", ("F0",), 2026),
        ("J1", ("F1",), 2027),
    }
    for c in kept.candidates:
        same = [
            d.coef
            for d in every.candidates
            if (d.project_id, d.carriers) == (c.project_id, c.carriers)
        ]
        assert c.coef == max(same)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables(max_projects=5))
def test_adding_quota_never_lowers_the_objective(t: Tables) -> None:
    sol, _, _ = solve(t)
    more = t.quotas.copy()
    more["land_mu"] = [float(v) + 100.0 for v in more["land_mu"]]
    t2 = Tables(t.parcels, t.factories, t.projects, more, t.clusters, crs=t.crs)
    sol2, bad2, _ = solve(t2)
    assert bad2 == []
    assert sol2.outcome.objective >= sol.outcome.objective


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables(max_projects=5), st.randoms(use_true_random=False))
def test_renaming_and_reordering_ids_keeps_the_objective(t: Tables, rnd: object) -> None:
    sol, _, _ = solve(t)
    rename = {f"P{i}": f"Z{9 - i}" for i in range(10)} | {f"J{i}": f"K{9 - i}" for i in range(10)}
    par = t.parcels.copy()
    par["parcel_id"] = [rename[p] for p in par["parcel_id"]]
    par = par.iloc[::-1].reset_index(drop=True)
    pro = t.projects.copy()
    pro["project_id"] = [rename[p] for p in pro["project_id"]]
    pro = pro.sample(frac=1.0, random_state=1).reset_index(drop=True)
    t2 = Tables(par, t.factories, pro, t.quotas, t.clusters, crs=t.crs)
    sol2, bad2, _ = solve(t2)
    assert bad2 == []
    assert sol2.outcome.objective == sol.outcome.objective


def test_deterministic_mode_gives_identical_assignments() -> None:
    from geodata.store import build_instance
    from landalloc.demo import generate

    t = generate(7, n_projects=40)
    inst = build_instance(t)
    runs = []
    for _ in range(2):
        sol = Problem.standard(inst).solve(
            SolverSettings(time_limit_s=5, deterministic=True, seed=3)
        )
        runs.append(sorted((c.project_id, c.carriers, c.year) for c in sol.chosen))
    assert runs[0] == runs[1]
    assert len(runs[0]) > 0


def test_default_settings_are_deterministic_with_both_workers() -> None:
    """The API's defaults give the same plan twice, in a search that is cut off unproven."""
    from geodata.store import build_instance
    from landalloc.demo import generate

    inst = build_instance(generate(11))  # the demo's size: not proven in 2 s
    defaults = SolverSettings()
    assert defaults.deterministic and defaults.workers == 2
    runs, outcomes = [], []
    for _ in range(2):
        sol = Problem.standard(inst).solve(replace(defaults, time_limit_s=2))
        runs.append(sorted((c.project_id, c.carriers, c.year) for c in sol.chosen))
        outcomes.append(sol.outcome)
    assert outcomes[0].status == "FEASIBLE"  # the search was cut, where racing workers differ
    assert outcomes[0].workers == 2
    assert runs[0] == runs[1] and outcomes[0].objective == outcomes[1].objective


def test_seconds_translate_into_deterministic_time() -> None:
    from optimizer.settings import DETERMINISTIC_TIME_PER_S

    s = SolverSettings(time_limit_s=10)
    assert s.limit_units() == 10 * DETERMINISTIC_TIME_PER_S[2]
    assert replace(s, workers=1).limit_units() == 10 * DETERMINISTIC_TIME_PER_S[1]
    assert replace(s, workers=8).limit_units() == 10 * DETERMINISTIC_TIME_PER_S[2]
    assert replace(s, deterministic=False).limit_units() == 10
