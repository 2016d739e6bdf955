"""The registry of constraint families (optimizer/constraints/__init__.py): one list for everyone."""

from __future__ import annotations

import re

import numpy as np
from builders import factory, instance, parcel, project, tables

import optimizer.constraints as registry
from geodata.instance import Instance
from optimizer.arrays import factory_arrays, parcel_arrays
from optimizer.candidates import RULE_NAMES, RULE_ORDER, build_candidates
from optimizer.constraints import fit
from optimizer.greedy import Packer
from optimizer.readiness import load_rules
from optimizer.settings import Policy

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_codes_are_unique_and_every_rule_is_labelled_in_both_languages() -> None:
    # a module may be of two kinds (clashes: a static rule and model constraints): listed once
    families = list(dict.fromkeys([*registry.STATIC, *registry.YEARLY, *registry.MODEL]))
    codes = [f.CODE for f in families]
    assert len(set(codes)) == len(codes)
    assert all(f.__name__ == f"optimizer.constraints.{f.CODE}" for f in families)
    rules = [r for f in (*registry.STATIC, *registry.YEARLY) for r in f.RULE_NAMES]
    assert len(set(rules)) == len(rules)
    assert (*rules, "cap") == RULE_ORDER
    assert list(RULE_NAMES) == ["carrier", *rules, "cap"]
    assert RULE_NAMES is fit.RULE_NAMES is registry.RULE_NAMES
    labels = [*RULE_NAMES.values(), *(f.LABEL for f in registry.MODEL)]
    assert all(CJK.search(zh) and en and not CJK.search(en) for zh, en in labels)


def _tiny() -> Instance:
    t = tables(
        [
            parcel("P1", 50, 0),
            parcel("P2", 30, 1000, divisible=True),
            parcel("P3", 20, 2000, clusters="c2"),
        ],
        [
            project("J1", land_mu=25, stage="negotiating"),
            project("J2", land_mu=28),
            project("JF", floor_m2=800),
        ],
        {2026: 60.0},
        factories=[factory("F1", 1000)],
    )
    return instance(t)


def test_static_masks_follow_the_registry_and_the_legacy_arguments_change_nothing() -> None:
    inst = _tiny()
    policy = Policy(withheld=frozenset({"P2"}), include_negotiating=False)
    for arr in (parcel_arrays(inst), factory_arrays(inst)):
        for p in inst.projects:
            masks = fit.static_masks(p, arr, policy)
            want = [m for fam in registry.STATIC for m in fam.masks(p, arr, policy)]
            assert [n for n, _ in masks] == [n for n, _ in want]
            legacy = fit.static_masks(
                p, arr, policy, fit.withheld_mask(arr, policy), fit.stage_ok(p, policy)
            )
            assert all(
                a == b and np.array_equal(m, k)
                for (a, m), (b, k) in zip(masks, legacy, strict=True)
            )


def test_a_ledger_fits_exactly_when_nothing_is_over() -> None:
    inst = _tiny()
    cands = build_candidates(inst, (2026,), load_rules())
    quotas = {(2026, "*"): 6000}
    packer = Packer(inst, quotas)
    for c in cands.candidates:
        for led in packer.ledgers:
            assert led.fits(c) == (not led.over(c))
        if packer.fits(c):
            packer.take(c)
    assert packer.chosen
    for c in cands.candidates:
        for led in packer.ledgers:
            assert led.fits(c) == (not led.over(c))
