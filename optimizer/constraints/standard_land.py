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
from geodata.units import CMU_PER_MU, M2_PER_MU, cmu_to_mu
from optimizer.arrays import CarrierArrays
from optimizer.settings import Policy

CODE = "standard_land"
RULE_NAMES: dict[str, tuple[str, str]] = {
    "area": ("面积不符（不足或浪费超限）", "area does not fit (too small or too wasteful)"),
    "intensity": ("投资强度低于标准地下限", "investment intensity below the floor"),
    "tax": ("亩均税收低于标准地下限", "tax per mu below the floor"),
    "far": ("容积率不在范围内", "plot ratio out of range"),
}
RULES = tuple(RULE_NAMES)
#: A group's area and indicators are those of the land it supplies in total.
PER_MEMBER = False


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
    """Boolean pass-masks over all parcels, in rule order (none for factories)."""
    if arr.kind != "parcel":
        return []
    supplied = supplied_cmu(project, arr)
    tol = policy.waste_tolerance
    out = [("area", area_ok(project.land_cmu, arr.area_cmu, arr.divisible, tol))]
    if policy.standard_land:
        out.extend(indicators_ok(project, supplied, arr))
    return out


def group_masks(
    project: Project, arr: CarrierArrays, members: np.ndarray, total: int, policy: Policy
) -> list[tuple[str, np.ndarray]]:
    """The 标准地 indicators on the group's total land (the group is formed within the area
    fit: demand ≤ total ≤ (1 + τ) · demand)."""
    if not policy.standard_land:
        return []
    return indicators_ok(project, np.full(len(members), total), arr, members)


def _mu(cmu: int) -> str:
    return f"{cmu_to_mu(cmu):g}"


def _fmt(x: float) -> str:
    return f"{x:,.1f}"


def _area_detail(project: Project, area: int, policy: Policy) -> tuple[str, str]:
    if area < project.land_cmu:
        return (
            f"地块 {_mu(area)} 亩 < 需求 {_mu(project.land_cmu)} 亩",
            f"parcel {_mu(area)} mu < demand {_mu(project.land_cmu)} mu",
        )
    upper = int(np.floor(project.land_cmu * (1.0 + policy.waste_tolerance) + 1e-9))
    tol = f"{policy.waste_tolerance:.0%}"
    return (
        f"地块 {_mu(area)} 亩 > 需求 {_mu(project.land_cmu)} 亩 × (1 + {tol}) = "
        f"{_mu(upper)} 亩（不可分割）",
        f"parcel {_mu(area)} mu > demand {_mu(project.land_cmu)} mu × (1 + {tol}) = "
        f"{_mu(upper)} mu (not divisible)",
    )


def detail(
    rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
) -> tuple[str, str]:
    """The numbers behind ``rule`` failing on parcel ``i`` (zh, en)."""
    if rule == "area":
        return _area_detail(project, int(arr.area_cmu[i]), policy)
    supplied = int(supplied_cmu(project, arr)[i]) if arr.kind == "parcel" else 0
    mu = max(supplied / CMU_PER_MU, 1e-9)
    on = (f"（按供地 {_mu(supplied)} 亩）", f" (on {_mu(supplied)} mu supplied)")
    if rule == "intensity":
        have_f, floor_f = project.investment_wan / mu, float(arr.min_intensity[i])
        return (
            f"{_fmt(have_f)} < {_fmt(floor_f)} 万元/亩{on[0]}",
            f"{_fmt(have_f)} < {_fmt(floor_f)} 10k CNY/mu{on[1]}",
        )
    if rule == "tax":
        have_f, floor_f = project.tax_wan / mu, float(arr.min_tax[i])
        return (
            f"{_fmt(have_f)} < {_fmt(floor_f)} 万元/亩/年{on[0]}",
            f"{_fmt(have_f)} < {_fmt(floor_f)} 10k CNY/mu/year{on[1]}",
        )
    if rule == "far":
        far = project.floor_m2 / (mu * M2_PER_MU)
        lo, hi = float(arr.far_min[i]), float(arr.far_max[i])
        span = f"{lo:g}–{hi:g}" if np.isfinite(hi) else f"≥ {lo:g}"
        return (f"{far:.2f} 不在 {span}{on[0]}", f"{far:.2f} not in {span}{on[1]}")
    return ("", "")
