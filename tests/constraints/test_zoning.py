"""Zoning (optimizer/constraints/zoning.py): cluster admission, land-use and pollution class."""

from __future__ import annotations

from builders import parcel, placed, project, solve, tables

Y = {2026: 1000.0}


def test_zoning_cluster_landuse_pollution() -> None:
    t = tables(
        [
            parcel("P1", 50, 0, clusters="c2"),
            parcel("P2", 50, 1000, land_use="M0"),
            parcel("P3", 50, 2000, max_pollution=1),
            parcel("P4", 50, 3000, land_use="M2"),
        ],
        [project("J1", land_mu=45, cluster="c1", pollution=2, land_use="M1")],
        Y,
    )
    sol, bad, _ = solve(t)
    assert bad == [] and placed(sol) == {"J1": ("P4",)}
