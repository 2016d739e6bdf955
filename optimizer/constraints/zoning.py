"""Zoning: cluster admission, land-use class and pollution class (static, pruned before the model).

Formulation (a pair (p, c) is a candidate only if all hold; no model constraint is needed)::

    clusters(c) = ∅  or  cluster(p) ∈ clusters(c)
    land_use(p) = M0  ⇔  land_use(c) = M0            (parcels only)
    rank(land_use(p)) ≤ rank(land_use(c))             (M1 fits M1–M3, M2 fits M2–M3, M3 only M3)
    pollution(p) ≤ max_pollution(c)

Rule codes reported when a pair is pruned: ``cluster``, ``land_use``, ``pollution``.
"""

from __future__ import annotations

import numpy as np

from geodata.instance import Project
from optimizer.arrays import CarrierArrays

RULES = ("cluster", "land_use", "pollution")


def masks(project: Project, arr: CarrierArrays) -> list[tuple[str, np.ndarray]]:
    """Boolean pass-masks over the carriers in ``arr``, one per rule."""
    admits = arr.open_clusters | arr.cluster_member(project.cluster)
    out: list[tuple[str, np.ndarray]] = [("cluster", admits)]
    if arr.kind == "parcel":
        rank = int(project.land_use[1])
        if project.land_use == "M0":
            fits = arr.land_use_rank == 0
        else:
            fits = (arr.land_use_rank >= rank) & (arr.land_use_rank > 0)
        out.append(("land_use", fits))
    out.append(("pollution", arr.max_pollution >= project.pollution))
    return out
