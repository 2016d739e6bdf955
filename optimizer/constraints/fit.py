"""One definition of "a project fits a carrier": the static rules, their names and their reasons.

The rules themselves live in the constraint modules (:mod:`zoning`, :mod:`standard_land`,
:mod:`specs`); this module only puts them together, in rule order, for everyone who asks the
question: the candidate builder (:mod:`optimizer.candidates`) and the readiness ranking of one
project (:func:`optimizer.readiness.rank_parcels`). A (project, carrier) pair fits when every mask
of :func:`static_masks` passes; the year rules (:mod:`timing`) and the quotas come after.

This module imports neither :mod:`optimizer.candidates` nor :mod:`optimizer.readiness`, so both
can import it.
"""

from __future__ import annotations

import numpy as np

from geodata.instance import Project
from geodata.units import CMU_PER_MU, M2_PER_MU, cmu_to_mu
from optimizer.arrays import CarrierArrays
from optimizer.constraints import specs, standard_land, zoning
from optimizer.settings import Policy

#: Plain names of the rule codes (zh, en), for explanations and reports.
RULE_NAMES: dict[str, tuple[str, str]] = {
    "carrier": ("项目不使用此类载体", "the project does not use this kind of carrier"),
    "withheld": ("载体被保留（不供应）", "carrier withheld"),
    "stage": ("在谈项目不参与本情景", "negotiating projects excluded by the scenario"),
    "cluster": ("产业集群不在准入范围", "cluster not admitted"),
    "land_use": ("用地性质不符", "land-use class does not fit"),
    "pollution": ("污染等级超过上限", "pollution class above the limit"),
    "area": ("面积不符（不足或浪费超限）", "area does not fit (too small or too wasteful)"),
    "intensity": ("投资强度低于标准地下限", "investment intensity below the floor"),
    "tax": ("亩均税收低于标准地下限", "tax per mu below the floor"),
    "far": ("容积率不在范围内", "plot ratio out of range"),
    "floor_area": ("厂房可用面积不足", "not enough free floor area"),
    "floor_load": ("楼面荷载不足", "floor load too low"),
    "clear_height": ("净高不足", "clear height too low"),
    "horizon": ("计划开工年份晚于规划期", "start year after the planning horizon"),
    "available": ("规划期内不可供应", "not available within the horizon"),
    "readiness": ("拿地即开工条件不满足", "not ready for start on acquisition"),
    "cap": ("候选数量上限之外", "beyond the per-project candidate cap"),
}


def wants(project: Project, arr: CarrierArrays) -> bool:
    """The project may be placed on this kind of carrier at all (land or floor demanded)."""
    return project.wants_land if arr.kind == "parcel" else project.wants_factory


def stage_ok(project: Project, policy: Policy) -> bool:
    """The project takes part in the scenario (negotiating ones only when included or pinned)."""
    pinned = project.project_id in policy.pins or bool(project.pinned_carrier)
    return policy.include_negotiating or project.stage != "negotiating" or pinned


def withheld_mask(arr: CarrierArrays, policy: Policy) -> np.ndarray:
    """Carriers the scenario withholds."""
    return np.array([c in policy.withheld for c in arr.ids], dtype=bool)


def static_masks(
    project: Project, arr: CarrierArrays, policy: Policy, withheld: np.ndarray, stage: bool
) -> list[tuple[str, np.ndarray]]:
    """Pass-masks over the carriers of ``arr`` for every static rule, in rule order.

    ``withheld`` (see :func:`withheld_mask`) and ``stage`` (see :func:`stage_ok`) are passed in
    so that a caller looping over many projects computes them once.
    """
    out: list[tuple[str, np.ndarray]] = [
        ("withheld", ~withheld),
        ("stage", np.full(len(arr), stage)),
        *zoning.masks(project, arr),
    ]
    if arr.kind == "parcel":
        out.extend(standard_land.masks(project, arr, policy))
    else:
        out.extend(specs.masks(project, arr))
    return out


def _mu(cmu: int) -> str:
    return f"{cmu_to_mu(cmu):g}"


def _fmt(x: float) -> str:
    return f"{x:,.1f}"


def _land_uses(rank: int) -> str:
    return "M0" if rank == 0 else "M3" if rank == 3 else f"M{rank}–M3"


def _detail(
    rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
) -> tuple[str, str]:
    """The numbers behind a failed rule on carrier ``i`` (zh, en); empty when there are none."""
    if rule == "carrier":
        return (
            f"载体类型 {project.carrier}，用地 {_mu(project.land_cmu)} 亩，"
            f"厂房 {project.floor_m2:,} m²",
            f"carrier {project.carrier}, land {_mu(project.land_cmu)} mu, "
            f"floor {project.floor_m2:,} m²",
        )
    if rule == "cluster":
        admits = "、".join(sorted(arr.clusters[i]))
        return (
            f"{project.cluster} 不在 {admits} 之内",
            f"{project.cluster} not among {', '.join(sorted(arr.clusters[i]))}",
        )
    if rule == "land_use":
        have = f"M{int(arr.land_use_rank[i])}"
        allowed = _land_uses(int(project.land_use[1]))
        return (
            f"{project.land_use} 项目只能用 {allowed} 地块，该地块为 {have}",
            f"an {project.land_use} project takes {allowed} parcels only, this one is {have}",
        )
    if rule == "pollution":
        limit = int(arr.max_pollution[i])
        return (
            f"项目 {project.pollution} 级 > 上限 {limit} 级",
            f"project class {project.pollution} > limit {limit}",
        )
    if rule == "area":
        area = int(arr.area_cmu[i])
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
    supplied = int(standard_land.supplied_cmu(project, arr)[i]) if arr.kind == "parcel" else 0
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


def reason(
    rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
) -> tuple[str, str]:
    """A failed rule on carrier ``i`` in words (zh, en): its name, then the numbers."""
    name_zh, name_en = RULE_NAMES[rule]
    zh, en = _detail(rule, project, arr, i, policy)
    return (f"{name_zh}：{zh}" if zh else name_zh, f"{name_en}: {en}" if en else name_en)


def misfits(
    project: Project, arr: CarrierArrays, policy: Policy, withheld: np.ndarray | None = None
) -> list[list[tuple[str, str]]]:
    """Per carrier of ``arr``: every static rule the project breaks, in words; empty = it fits.

    The same masks as the candidate builder's (:func:`static_masks`), plus ``carrier`` when the
    project does not use this kind of carrier at all (the builder then skips it).
    """
    held = withheld_mask(arr, policy) if withheld is None else withheld
    masks = static_masks(project, arr, policy, held, stage_ok(project, policy))
    if not wants(project, arr):
        masks.insert(0, ("carrier", np.zeros(len(arr), dtype=bool)))
    ok = np.ones(len(arr), dtype=bool)
    for _, m in masks:
        ok &= m
    out: list[list[tuple[str, str]]] = [[] for _ in range(len(arr))]
    for i in np.flatnonzero(~ok).tolist():
        out[i] = [reason(name, project, arr, i, policy) for name, m in masks if not bool(m[i])]
    return out
