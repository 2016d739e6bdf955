"""Assignment (optimizer/constraints/assignment.py): each project once, a pinned one exactly once."""

from __future__ import annotations

import pytest
from builders import parcel, placed, project, solve, tables

from optimizer.errors import InfeasibleError

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
