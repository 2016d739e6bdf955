"""标准地 indicators and area fit of a parcel (static, pruned before the model).

For a project p on a parcel c supplied with ``s`` 亩 (the whole parcel when it is not divisible,
the demand ``d(p)`` when it is)::

    d(p) ≤ area(c)                                   (area fit, every parcel)
    area(c) ≤ (1 + τ) · d(p)                        (waste tolerance τ, non-divisible parcels)
    investment(p) / s ≥ min_intensity(c)             (投资强度, 万元/亩)     ┐ only when the
    tax(p) / s ≥ min_tax(c)                          (亩均税收, 万元/亩/年)  │ 标准地 policy is
    far_min(c) ≤ floor(p) / (s · 666.67 m²) ≤ far_max(c)  when floor(p) > 0  ┘ on

Rule codes: ``area``, ``intensity``, ``tax``, ``far``.
"""

from __future__ import annotations

import numpy as np

from geodata.instance import Project
from geodata.units import CMU_PER_MU, M2_PER_MU
from optimizer.arrays import CarrierArrays
from optimizer.settings import Policy

RULES = ("area", "intensity", "tax", "far")


def supplied_cmu(project: Project, arr: CarrierArrays) -> np.ndarray:
    """Land supplied to ``project`` on each parcel (base units)."""
    return np.where(arr.divisible, project.land_cmu, arr.area_cmu)


def area_ok(land_cmu: int, area: np.ndarray, divisible: np.ndarray, tol: float) -> np.ndarray:
    """Area fit: the parcel holds the demand, and is not more than (1 + tol) × demand unless
    divisible (a divisible parcel supplies just the demand, so it wastes nothing).

    ``area`` is the parcel's area, not the land supplied: on a divisible parcel the supplied land
    is the demand itself, and comparing it with the demand would let any parcel pass.
    """
    upper = np.floor(land_cmu * (1.0 + tol) + 1e-9)
    return (area >= land_cmu) & (divisible | (area <= upper))


def indicators_ok(
    project: Project, supplied_cmu_: np.ndarray, arr: CarrierArrays, idx: np.ndarray | None = None
) -> list[tuple[str, np.ndarray]]:
    """Pass-masks of the three 标准地 indicators for the given supplied areas."""
    sel = slice(None) if idx is None else idx
    mu = np.maximum(supplied_cmu_ / CMU_PER_MU, 1e-9)
    intensity = project.investment_wan / mu
    tax = project.tax_wan / mu
    out = [
        ("intensity", intensity + 1e-9 >= arr.min_intensity[sel]),
        ("tax", tax + 1e-9 >= arr.min_tax[sel]),
    ]
    if project.floor_m2 > 0:
        far = project.floor_m2 / (mu * M2_PER_MU)
        out.append(("far", (far + 1e-9 >= arr.far_min[sel]) & (far - 1e-9 <= arr.far_max[sel])))
    return out


def masks(project: Project, arr: CarrierArrays, policy: Policy) -> list[tuple[str, np.ndarray]]:
    """Boolean pass-masks over all parcels, in rule order."""
    supplied = supplied_cmu(project, arr)
    tol = policy.waste_tolerance
    out = [("area", area_ok(project.land_cmu, arr.area_cmu, arr.divisible, tol))]
    if policy.standard_land:
        out.extend(indicators_ok(project, supplied, arr))
    return out
