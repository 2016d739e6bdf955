"""Reasons of unplaced projects (optimizer/explain.py)."""

from __future__ import annotations

from builders import parcel, placed, project, solve, tables

Y = {2026: 1000.0}


def test_outcompeted_names_the_winner() -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("J1", land_mu=45, inv=20.0), project("J2", land_mu=45, inv=2.0)],
        Y,
    )
    sol, _bad, _ = solve(t)
    assert placed(sol) == {"J1": ("P1",)}
    from builders import instance

    from optimizer.explain import unassigned_table

    un = unassigned_table(instance(t), sol)
    assert un["reason_code"].tolist() == ["outcompeted"] and "J1" in un["reason"].iloc[0]


def test_no_candidate_reason_lists_the_rules() -> None:
    t = tables([parcel("P1", 50, 0, clusters="c2")], [project("J1", land_mu=45)], Y)
    sol, _, _ = solve(t)
    from builders import instance

    from optimizer.explain import unassigned_table

    un = unassigned_table(instance(t), sol)
    assert un["reason_code"].tolist() == ["no_candidate"]
    assert "产业集群不在准入范围 1" in un["reason"].iloc[0]
