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
from optimizer.settings import Policy

CODE = "zoning"
RULE_NAMES: dict[str, tuple[str, str]] = {
    "cluster": ("产业集群不在准入范围", "cluster not admitted"),
    "land_use": ("用地性质不符", "land-use class does not fit"),
    "pollution": ("污染等级超过上限", "pollution class above the limit"),
}
RULES = tuple(RULE_NAMES)
PER_MEMBER = True


def masks(project: Project, arr: CarrierArrays, policy: Policy) -> list[tuple[str, np.ndarray]]:
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


def group_masks(
    project: Project, arr: CarrierArrays, members: np.ndarray, total: int, policy: Policy
) -> list[tuple[str, np.ndarray]]:
    """None: every member of a group passes :func:`masks` (``PER_MEMBER``)."""
    return []


def _land_uses(rank: int) -> str:
    return "M0" if rank == 0 else "M3" if rank == 3 else f"M{rank}–M3"


def detail(
    rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy
) -> tuple[str, str]:
    """The numbers behind ``rule`` failing on carrier ``i`` (zh, en)."""
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
    return ("", "")
