"""An uncertain pipeline (项目落地概率): probabilities, and the Monte-Carlo sampling of a plan.

Each project materialises with a probability: its stage's (:data:`DEFAULT_STAGE_PROBABILITY`,
overridable per scenario) unless the data gives its own (the optional ``probability`` column of
the projects layer). Three uses:

* the **expected-value objective**: each project's priority × its probability
  (``Weights.probability``, applied in :func:`optimizer.objective.priority_points`);
* the **reserve**: a share of each year's quota held back for likely projects (the runner scales
  the quotas; the result states what was held back);
* the **Monte-Carlo evaluation** of a plan: each sample draws, independently per project, whether
  it materialises (``u < p`` with ``u`` uniform on [0, 1)), and the plan's KPIs are counted over
  the projects that do. A project that drops out leaves its land idle and its quota unused.

Sampling is deterministic: chunk ``k`` of a run seeded ``s`` draws from
``numpy.random.default_rng([s, k])``, so the samples do not depend on how many processes ran
the chunks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Probability that a project of each stage materialises (落地), when neither the scenario nor
#: the project says otherwise. Justified in ``docs/uncertainty.md``: a registered company
#: (注册) has a legal entity and capital on the way, and rarely walks away (0.97); a signed
#: agreement (签约) is binding but still falls through on financing or approvals (0.85); a
#: project in negotiation (在谈) lands less often than not (0.4).
DEFAULT_STAGE_PROBABILITY: dict[str, float] = {
    "negotiating": 0.4,
    "signed": 0.85,
    "registered": 0.97,
}

#: The realised KPIs of a sample, in the order of :func:`realised_kpis`' columns.
KPI_KEYS: tuple[str, ...] = (
    "projects",
    "investment_yi",
    "tax_wan",
    "idle_land_mu",
    "idle_floor_m2",
    "quota_unused_mu",
)

#: Percentiles reported for every KPI.
PERCENTILES: tuple[int, ...] = (10, 50, 90)


def probabilities(
    stages: Mapping[str, str],
    stage_probability: Mapping[str, float] | None = None,
    own: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Each project's probability of materialising.

    Parameters
    ----------
    stages
        Project id → stage code (``negotiating``, ``signed``, ``registered``).
    stage_probability
        Stage code → probability; stages not listed keep :data:`DEFAULT_STAGE_PROBABILITY`
        (an unknown stage: 1).
    own
        Project id → the project's own probability, which wins over its stage's.

    Returns
    -------
    dict[str, float]
        Project id → probability in [0, 1].
    """
    by_stage = {**DEFAULT_STAGE_PROBABILITY, **(stage_probability or {})}
    own = own or {}
    return {pid: float(own.get(pid, by_stage.get(st, 1.0))) for pid, st in stages.items()}


@dataclass(frozen=True)
class PlanArrays:
    """A plan reduced to what a sample needs: one entry per placed project.

    ``land_mu``, ``floor_m2``: what the project uses; ``year``: its year; ``quota_mu``: the
    district quota (亩) of each year of ``years`` (the quota that stays unused when land does).
    """

    project_ids: tuple[str, ...]
    probability: np.ndarray
    investment_yi: np.ndarray
    tax_wan: np.ndarray
    land_mu: np.ndarray
    floor_m2: np.ndarray
    year: np.ndarray
    years: tuple[int, ...]
    quota_mu: np.ndarray
    #: land (亩) each project takes from the quota (stock land takes none); default ``land_mu``
    quota_land_mu: np.ndarray | None = None
    #: quota (亩) the plan uses in each year of ``years``; default the sum of ``quota_land_mu``
    used_mu: np.ndarray | None = None

    def quota_land(self) -> np.ndarray:
        """Land each project takes from the quota."""
        return self.land_mu if self.quota_land_mu is None else self.quota_land_mu

    def plan_used(self) -> np.ndarray:
        """Quota the plan uses per year (every project materialising)."""
        if self.used_mu is not None:
            return self.used_mu
        ql = self.quota_land()
        return np.array([ql[self.year == y].sum() for y in self.years], dtype=float)

    def to_json(self) -> dict[str, object]:
        """A JSON-able form (for engine tasks)."""
        out: dict[str, object] = {k: getattr(self, k) for k in ("project_ids", "years")}
        for k in ("probability", "investment_yi", "tax_wan", "land_mu", "floor_m2", "year"):
            out[k] = getattr(self, k).tolist()
        out["quota_mu"] = self.quota_mu.tolist()
        out["quota_land_mu"] = self.quota_land().tolist()
        out["used_mu"] = self.plan_used().tolist()
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> PlanArrays:
        """The inverse of :meth:`to_json`."""

        def arr(k: str) -> np.ndarray:
            return np.asarray(d[k], dtype=float)

        return cls(
            tuple(d["project_ids"]),  # type: ignore[arg-type]
            arr("probability"),
            arr("investment_yi"),
            arr("tax_wan"),
            arr("land_mu"),
            arr("floor_m2"),
            np.asarray(d["year"], dtype=np.int64),
            tuple(int(y) for y in d["years"]),  # type: ignore[attr-defined]
            arr("quota_mu"),
            arr("quota_land_mu") if "quota_land_mu" in d else None,
            arr("used_mu") if "used_mu" in d else None,
        )


def materialised(probability: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Which projects materialise in each sample: ``uniforms < probability`` (samples × projects)."""
    return np.asarray(uniforms) < np.asarray(probability)[None, :]


def realised_kpis(plan: PlanArrays, lands: np.ndarray) -> np.ndarray:
    """The realised KPIs of samples (rows) in the order of :data:`KPI_KEYS`.

    ``lands`` is the boolean samples × projects matrix of :func:`materialised`. Land and floor
    of a project that drops out are left idle; the quota unused is, summed over the plan's years,
    the district quota minus what the plan uses plus the quota land of the projects that drop
    out (never below 0).
    """
    m = np.asarray(lands, dtype=float)
    drop = 1.0 - m
    ql = plan.quota_land()
    freed = [drop @ (ql * (plan.year == y)) for y in plan.years]
    left = plan.quota_mu - plan.plan_used()
    unused = (
        np.maximum(0.0, left[None, :] + np.stack(freed, axis=1)).sum(axis=1)
        if plan.years
        else np.zeros(len(m))
    )
    return np.column_stack(
        [
            m.sum(axis=1),
            m @ plan.investment_yi,
            m @ plan.tax_wan,
            drop @ plan.land_mu,
            drop @ plan.floor_m2,
            unused,
        ]
    )


def sample_chunk(plan: PlanArrays, seed: int, chunk: int, n: int) -> np.ndarray:
    """Realised KPIs of ``n`` samples drawn by chunk ``chunk`` of a run seeded ``seed``."""
    rng = np.random.default_rng([seed, chunk])
    u = rng.random((n, len(plan.project_ids)))
    return realised_kpis(plan, materialised(plan.probability, u))


def chunk_sizes(samples: int, chunk: int) -> list[int]:
    """Split ``samples`` into chunks of at most ``chunk`` (the last one smaller)."""
    full, rest = divmod(samples, chunk)
    return [chunk] * full + ([rest] if rest else [])


def percentiles(values: np.ndarray, pcts: Sequence[int] = PERCENTILES) -> dict[str, float]:
    """``P10``/``P50``/``P90`` (linear interpolation) and the mean of one KPI's samples."""
    v = np.asarray(values, dtype=float)
    out = {f"P{p}": float(np.percentile(v, p)) for p in pcts}
    out["mean"] = float(v.mean()) if len(v) else float("nan")
    return out


def expected_kpis(plan: PlanArrays) -> dict[str, float]:
    """The exact expectation of the linear KPIs (a check on the samples' means)."""
    p = plan.probability
    return {
        "projects": float(p.sum()),
        "investment_yi": float(p @ plan.investment_yi),
        "tax_wan": float(p @ plan.tax_wan),
        "idle_land_mu": float((1 - p) @ plan.land_mu),
        "idle_floor_m2": float((1 - p) @ plan.floor_m2),
    }
