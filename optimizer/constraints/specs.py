"""Physical specs of standard factories (static, pruned before the model).

Formulation, for a project p in factory f::

    floor(p) ≤ free_floor(f)
    min_floor_load(p) ≤ floor_load(f)     when p states a floor load (unknown load fails)
    min_clear_height(p) ≤ clear_height(f) when p states a clear height (unknown height fails)

Rule codes: ``floor_area``, ``floor_load``, ``clear_height``.
"""

from __future__ import annotations

import numpy as np

from geodata.instance import Project
from optimizer.arrays import CarrierArrays

RULES = ("floor_area", "floor_load", "clear_height")


def masks(project: Project, arr: CarrierArrays) -> list[tuple[str, np.ndarray]]:
    """Boolean pass-masks over all factories."""
    out = [("floor_area", arr.floor_m2 >= project.floor_m2)]
    if project.min_floor_load_kg_m2 is not None:
        out.append(("floor_load", arr.floor_load + 1e-9 >= project.min_floor_load_kg_m2))
    if project.min_clear_height_m is not None:
        out.append(("clear_height", arr.clear_height + 1e-9 >= project.min_clear_height_m))
    return out
