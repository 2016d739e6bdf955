"""Locked decisions (optimizer/constraints/locks.py): withheld carriers, pins a rule excludes."""

from __future__ import annotations

import pytest
from builders import parcel, placed, project, solve, tables

from optimizer.errors import InfeasibleError
from optimizer.settings import Policy

Y = {2026: 1000.0}


def test_zoning_pin_to_a_parcel_that_excludes_the_cluster_names_the_rule() -> None:
    t = tables(
        [parcel("P1", 50, 0, clusters="c2")], [project("J1", land_mu=45, pinned_carrier="P1")], Y
    )
    with pytest.raises(InfeasibleError) as e:
        solve(t)
    assert "cluster not admitted" in e.value.conflicts[0][1]


def test_withheld_carrier_is_not_used() -> None:
    t = tables([parcel("P1", 50, 0), parcel("P2", 50, 1000)], [project("J1", land_mu=45)], Y)
    sol, bad, _ = solve(t, policy=Policy(withheld=frozenset({"P1"})))
    assert bad == [] and placed(sol) == {"J1": ("P2",)}
