"""Candidates (optimizer/candidates.py): counts, pruning reasons, 合并供地 groups."""

from __future__ import annotations

from collections import Counter
from typing import Any

from builders import factory, instance, parcel, placed, project, solve, tables

from geodata.store import Tables
from optimizer.candidates import RULE_ORDER, CandidateSet, build_candidates
from optimizer.readiness import load_rules
from optimizer.settings import Policy

Y = {2026: 1000.0}


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


def _district() -> Tables:
    return tables(
        [
            parcel("PW", 50, 0, clusters="c2"),  # withheld (and the wrong cluster)
            parcel("PC", 50, 1000, clusters="c2"),
            parcel("PM", 50, 2000, land_use="M0"),
            parcel("PP", 50, 3000, max_pollution=1),
            parcel("PS", 30, 4000),
            parcel("PL", 50, 5000, available_year=2027),
            parcel("PO", 50, 6000),
            parcel("PD", 100, 7000, divisible=True),
        ],
        [
            project("J1", land_mu=45, pollution=2),
            project("J2", land_mu=45, start_year=2028),
            project("JF", floor_m2=3000),
        ],
        {2026: 1000.0, 2027: 1000.0},
        factories=[factory("F1", 10000)],
    )


def _build(**kw: Any) -> CandidateSet:
    inst = instance(_district())
    policy = Policy(withheld=frozenset({"PW"}))
    return build_candidates(inst, (2026, 2027), load_rules(), policy=policy, **kw)


def _of(cands: CandidateSet, pid: str) -> list[tuple[str, tuple[str, ...], int, int]]:
    return [
        (c.kind, c.carriers, c.year, c.land_cmu)
        for c in (cands.candidates[i] for i in cands.by_project[pid])
    ]


def test_candidates_and_the_first_rule_each_pair_fails() -> None:
    cands = _build()
    # J1 (45 亩, pollution 2): the divisible parcel supplies the demand, a whole parcel its area
    assert _of(cands, "J1") == [
        ("parcel", ("PD",), 2026, 4500),
        ("parcel", ("PD",), 2027, 4500),
        ("parcel", ("PL",), 2027, 5000),
        ("parcel", ("PO",), 2026, 5000),
        ("parcel", ("PO",), 2027, 5000),
    ]
    # each excluded carrier counts once, against the first rule it fails (PW: withheld, not
    # cluster); PL is excluded in 2026 only, so it is not counted
    assert cands.excluded["J1"] == Counter(withheld=1, cluster=1, land_use=1, pollution=1, area=1)
    # J2 wants to start after the planning years: the carriers that pass the static rules fail
    # the horizon
    assert _of(cands, "J2") == []
    assert cands.excluded["J2"] == Counter(withheld=1, cluster=1, land_use=1, area=1, horizon=4)
    stats = cands.stats()
    assert stats["projects"] == 3 and stats["candidates"] == len(cands.candidates) == 6
    assert stats["pairs_considered"] == 8 + 8 + 1  # J1 and J2 on every parcel, JF in F1
    assert stats["pruned_by_rule"] == {
        "withheld": 2,
        "cluster": 2,
        "land_use": 2,
        "pollution": 1,
        "area": 2,
        "horizon": 4,
    }
    assert list(stats["pruned_by_rule"]) == [r for r in RULE_ORDER if r in stats["pruned_by_rule"]]


def test_a_factory_is_offered_in_its_best_year_only() -> None:
    best = _build()
    assert _of(best, "JF") == [("factory", ("F1",), 2026, 0)]
    assert best.dominated == 1
    every = _build(drop_dominated=False)
    assert _of(every, "JF") == [("factory", ("F1",), 2026, 0), ("factory", ("F1",), 2027, 0)]
    assert every.dominated == 0
    # the year kept is the one with the higher coefficient (no delay)
    c26, c27 = (every.candidates[i] for i in every.by_project["JF"])
    assert c26.coef > c27.coef


def test_the_cap_keeps_the_best_carriers_and_counts_the_rest() -> None:
    cands = _build(max_carriers_per_project=1)
    # of PD, PL and PO the divisible PD wastes nothing (PO wastes 5 亩, PL is a year late)
    assert _of(cands, "J1") == [("parcel", ("PD",), 2026, 4500), ("parcel", ("PD",), 2027, 4500)]
    assert cands.excluded["J1"]["cap"] == 2
    full = _build()
    best = max(full.candidates[i].coef for i in full.by_project["J1"])
    assert max(cands.candidates[i].coef for i in cands.by_project["J1"]) == best
