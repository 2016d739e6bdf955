"""Objective terms: a project's priority and a placement's quality, in integer points.

See :class:`optimizer.settings.Weights` for the formula and units. Every coefficient handed to
CP-SAT is ``round(OBJECTIVE_SCALE × points)``; placing a project is always worth ≥ 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geodata.instance import Cluster, Project
from geodata.units import CMU_PER_MU, WAN_PER_YI
from optimizer.settings import OBJECTIVE_SCALE, Weights

#: Investment tiers (亿元) that reports count as 重大项目.
TIERS: tuple[int, ...] = (1, 10, 50, 100)


def tier_of(project: Project) -> int:
    """The highest tier (1, 10, 50, 100 亿) the project's investment reaches; 0 below 1 亿."""
    yi = project.investment_wan / WAN_PER_YI
    reached = [t for t in TIERS if yi + 1e-9 >= t]
    return max(reached) if reached else 0


def priority_points(project: Project, w: Weights) -> float:
    """The project's priority (points), independent of where it lands.

    With the expected-value objective (``w.probability``) it is the expected priority: the
    points × the project's probability of materialising (:mod:`optimizer.uncertainty`).
    """
    yi = project.investment_wan / WAN_PER_YI
    pts = 0.0
    for threshold, points in sorted(w.tier_points, reverse=True):
        if yi + 1e-9 >= threshold:
            pts += points
            break
    pts += w.investment_per_yi * yi
    pts += w.output_per_yi * project.output_wan / WAN_PER_YI
    pts += w.tax_per_1000wan * project.tax_wan / 1000.0
    pts += w.jobs_per_100 * project.jobs / 100.0
    pts += sum(w.tag_points.get(t, 0.0) for t in sorted(project.tags))
    pts += w.stage_points.get(project.stage, 0.0)
    pts = max(pts, 1.0)
    if w.probability:  # the expected-value objective: priority × probability of materialising
        pts *= w.probability.get(project.project_id, 1.0)
    return pts


def quality_points(
    project: Project,
    *,
    supplied_cmu: Any,
    focus: Any,
    distance_m: Any,
    delay_years: Any,
    delay_days: Any,
    w: Weights,
) -> Any:
    """Quality (points) of placements; may be negative.

    Every argument may be a scalar or a numpy array (broadcast together); ``distance_m`` is
    ``None`` when the cluster has no anchor, and ``supplied_cmu`` is 0 for factories.
    """
    waste_mu = np.maximum(0, np.asarray(supplied_cmu) - project.land_cmu) / CMU_PER_MU
    pts = -w.waste_per_mu * waste_mu + w.focus * np.asarray(focus, dtype=float)
    if distance_m is not None and w.anchor_radius_km > 0:
        near = 1.0 - np.asarray(distance_m, dtype=float) / (1000.0 * w.anchor_radius_km)
        pts = pts + w.anchor * np.maximum(0.0, near)
    pts = pts - w.delay_per_year * np.asarray(delay_years)
    return pts - w.delay_per_month * np.maximum(0, np.asarray(delay_days)) / 30.0


def coefficient(priority: float, quality: Any) -> Any:
    """Integer objective coefficient(s) of placements (≥ 1); scalar or array like ``quality``."""
    return np.maximum(1, np.floor(OBJECTIVE_SCALE * (priority + np.asarray(quality)) + 0.5)).astype(
        np.int64
    )


def anchor_of(clusters: tuple[Cluster, ...]) -> dict[str, tuple[float, float]]:
    """Anchor point (metres) of each cluster that has one."""
    return {
        c.cluster: (c.anchor_x_m, c.anchor_y_m)
        for c in clusters
        if c.anchor_x_m is not None and c.anchor_y_m is not None
    }


def lexicographic_weights(projects: list[Project] | tuple[Project, ...]) -> dict[int, int]:
    """Weights per tier for the first lexicographic phase.

    One project of a tier outweighs all projects of the tiers below it together, so maximising
    ``Σ weight(tier(p)) · placed(p)`` places the most ≥100 亿 projects first, then ≥50 亿, ≥10 亿
    and ≥1 亿. Projects below 1 亿 weigh 0 in this phase.
    """
    counts = {t: 0 for t in TIERS}
    for p in projects:
        t = tier_of(p)
        if t:
            counts[t] += 1
    weights: dict[int, int] = {0: 0}
    acc = 0
    for t in TIERS:
        weights[t] = acc + 1
        acc += weights[t] * counts[t]
    return weights
