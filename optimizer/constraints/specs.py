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
from optimizer.settings import Policy

CODE = "specs"
RULE_NAMES: dict[str, tuple[str, str]] = {
    "floor_area": ("厂房可用面积不足", "not enough free floor area"),
    "floor_load": ("楼面荷载不足", "floor load too low"),
    "clear_height": ("净高不足", "clear height too low"),
}
RULES = tuple(RULE_NAMES)
#: Factories only: a 合并供地 group is made of parcels.
PER_MEMBER = False


def masks(project: Project, arr: CarrierArrays, policy: Policy) -> list[tuple[str, np.ndarray]]:
    """Boolean pass-masks over all factories (none for parcels)."""
    if arr.kind != "factory":
        return []
    out = [("floor_area", arr.floor_m2 >= project.floor_m2)]
    if project.min_floor_load_kg_m2 is not None:
        out.append(("floor_load", arr.floor_load + 1e-9 >= project.min_floor_load_kg_m2))
    if project.min_clear_height_m is not None:
        out.append(("clear_height", arr.clear_height + 1e-9 >= project.min_clear_height_m))
    return out


def group_masks(
    project: Project, arr: CarrierArrays, members: np.ndarray, total: int, policy: Policy
) -> list[tuple[str, np.ndarray]]:
    """None: groups are made of parcels."""
    return []


def detail(
    rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
) -> tuple[str, str]:
    """The numbers behind ``rule`` failing on factory ``i`` (zh, en)."""
    if rule == "floor_area":
        free = int(arr.floor_m2[i])
        return (
            f"可用 {free:,} m² < 需求 {project.floor_m2:,} m²",
            f"free {free:,} m² < demand {project.floor_m2:,} m²",
        )
    if rule in ("floor_load", "clear_height"):
        values = arr.floor_load if rule == "floor_load" else arr.clear_height
        stated = (
            project.min_floor_load_kg_m2 if rule == "floor_load" else project.min_clear_height_m
        )
        need = float(stated) if stated is not None else 0.0
        unit = " kg/m²" if rule == "floor_load" else " m"
        value = float(values[i])
        have_zh, have_en = (
            (f"{value:g}{unit}", f"{value:g}{unit}") if value >= 0 else ("未知", "unknown")
        )
        return (f"{have_zh} < 需求 {need:g}{unit}", f"{have_en} < required {need:g}{unit}")
    return ("", "")
