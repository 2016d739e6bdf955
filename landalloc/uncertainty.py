"""The scenario's ``uncertainty`` section and what the runner does with it.

The section (every key optional; the defaults change nothing in a plan)::

    uncertainty:
      stage_probability: {negotiating: 0.4, signed: 0.85, registered: 0.97}
      expected_value: false        # true: each project's priority × its probability
      reserve: {quota_share: 0.0}  # share of every quota held back for likely projects

A project's own probability (the optional ``probability`` column of the projects layer, 0–1)
wins over its stage's. The probabilities feed the expected-value objective
(:func:`weights_probability`), the quota reserve (:func:`reserve_scale`, stated in the result by
:func:`uncertainty_summary`) and the Monte-Carlo evaluation (:mod:`landalloc.montecarlo`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from geodata.instance import Instance
from geodata.report import fail
from geodata.units import CMU_PER_MU
from optimizer.uncertainty import DEFAULT_STAGE_PROBABILITY, probabilities

#: The optional column of the projects layer with a project's own probability.
PROBABILITY_COLUMN = "probability"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReserveSettings(_Section):
    """A reserve for likely projects: a share of every quota held back (stated in the result)."""

    quota_share: float = Field(
        0.0, ge=0, lt=1, description="share of each year's (and zone's) quota held back"
    )


class UncertaintySettings(_Section):
    """An uncertain pipeline (项目落地概率, :mod:`optimizer.uncertainty`): each stage's
    probability of materialising (a project's own ``probability`` column wins), the
    expected-value objective (off by default) and a quota reserve (none by default)."""

    stage_probability: dict[str, float] = Field(
        default_factory=dict,
        description="stage → probability (defaults: negotiating 0.4, signed 0.85, registered 0.97)",
    )
    expected_value: bool = Field(False, description="weight each project by its probability")
    reserve: ReserveSettings = Field(default_factory=ReserveSettings)  # type: ignore[arg-type]

    @field_validator("stage_probability")
    @classmethod
    def _in_unit_range(cls, value: dict[str, float]) -> dict[str, float]:
        """Stages are the data's codes; probabilities lie in [0, 1]."""
        for stage, p in value.items():
            if stage not in DEFAULT_STAGE_PROBABILITY:
                raise ValueError(f"unknown stage {stage!r} (negotiating, signed, registered)")
            if not 0.0 <= float(p) <= 1.0:
                raise ValueError(f"probability of {stage} must lie in [0, 1], not {p}")
        return value


def own_probabilities(projects: pd.DataFrame) -> dict[str, float]:
    """The projects' own probabilities (column ``probability``; blank cells: the stage's).

    Raises
    ------
    DataError
        When a cell is not a number in [0, 1] (the project named).
    """
    if PROBABILITY_COLUMN not in projects.columns:
        return {}
    out: dict[str, float] = {}
    for pid, raw in zip(projects["project_id"], projects[PROBABILITY_COLUMN], strict=True):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)) or str(raw).strip() == "":
            continue
        try:
            p = float(raw)
        except (TypeError, ValueError):
            p = float("nan")
        if not 0.0 <= p <= 1.0:
            raise fail(
                "bad_probability",
                f"项目 {pid} 的落地概率 {raw!r} 无效，应为 0 到 1 之间的数",
                f"project {pid}: probability {raw!r} is not a number in [0, 1]",
                layer="projects",
                column=PROBABILITY_COLUMN,
            )
        out[str(pid)] = p
    return out


def project_probabilities(
    settings: UncertaintySettings, stages: Mapping[str, str], own: Mapping[str, float]
) -> dict[str, float]:
    """Project id → probability of materialising under the scenario's section."""
    return probabilities(stages, settings.stage_probability, own)


def weights_probability(
    settings: UncertaintySettings, stages: Mapping[str, str], own: Mapping[str, float]
) -> dict[str, float]:
    """``Weights.probability``: the projects' probabilities with the expected-value objective,
    else empty (off)."""
    return project_probabilities(settings, stages, own) if settings.expected_value else {}


def reserve_scale(settings: UncertaintySettings) -> float:
    """The factor every quota is multiplied by: 1 − the reserve's share."""
    return 1.0 - settings.reserve.quota_share


def knobs(
    settings: UncertaintySettings,
    instance: Instance,
    own: Mapping[str, float] | None,
    quota_override: dict[tuple[int, str], float] | None,
) -> tuple[dict[str, float], float, dict[tuple[int, str], float] | None]:
    """What the section changes in a problem: ``Weights.probability`` (empty unless the
    expected-value objective is on), the factor of every quota (1 − the reserve) and the
    quota overrides (亩) with the reserve taken off them too."""
    stages = {p.project_id: p.stage for p in instance.projects}
    prob = weights_probability(settings, stages, own or {})
    keep = reserve_scale(settings)
    if keep != 1.0 and quota_override:
        quota_override = {k: v * keep for k, v in quota_override.items()}
    return prob, keep, quota_override


def state(
    summary: dict[str, Any],
    settings: UncertaintySettings,
    quotas: Mapping[tuple[int, str], int],
    projects: pd.DataFrame,
) -> None:
    """Add ``uncertainty`` to ``summary.json`` when the scenario has a non-default section
    (results of other scenarios stay as they were)."""
    if settings != UncertaintySettings.model_validate({}):
        summary["uncertainty"] = uncertainty_summary(settings, quotas, own_probabilities(projects))


def uncertainty_summary(
    settings: UncertaintySettings,
    quotas: Mapping[tuple[int, str], int],
    own: Mapping[str, float],
) -> dict[str, Any]:
    """``summary.json``'s ``uncertainty``: the probabilities used and the reserve per year.

    ``quotas`` are the quotas the plan was solved under (after the reserve, 0.01 亩); each row
    states the quota before the reserve, the part held back and what was left to the plan.
    """
    share = settings.reserve.quota_share
    rows = []
    for (year, zone), cmu in sorted(quotas.items()):
        left = cmu / CMU_PER_MU
        before = left / (1.0 - share)
        rows.append(
            {
                "year": year,
                "zone": zone,
                "quota_mu": round(before, 2),
                "reserved_mu": round(before - left, 2),
                "available_mu": round(left, 2),
            }
        )
    by_stage = {**DEFAULT_STAGE_PROBABILITY, **settings.stage_probability}
    return {
        "stage_probability": by_stage,
        "expected_value": settings.expected_value,
        "own_probability_projects": len(own),
        "reserve": {"quota_share": share, "by_quota": rows},
    }
