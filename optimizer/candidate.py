"""The candidate types: one possible placement, the candidates as columns, and a candidate set.

Plain data, importing nothing of the optimizer: the candidate builder (:mod:`optimizer.candidates`,
which re-exports these names), the model context (:mod:`optimizer.constraints.base`) and the
constraint families all use them without importing one another.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible placement: a project on a parcel, a group of parcels or a factory in a year."""

    index: int
    project_id: str
    kind: str  # "parcel" | "group" | "factory"
    carriers: tuple[str, ...]
    zone: str
    year: int
    land_cmu: int  # land supplied, counted against the quota
    floor_m2: int
    start: dt.date | None  # earliest start; None when a precondition is not scheduled
    ready_status: str  # "ready" | "ready_by" | "blocked" | "" (factories)
    coef: int  # objective coefficient (priority + quality, scaled)
    quality: float


@dataclass(frozen=True, slots=True)
class Columns:
    """The candidates' fields as arrays (position = candidate index)."""

    kind: np.ndarray  # "parcel" | "group" | "factory"
    carrier: np.ndarray  # the first (for a parcel or factory: the only) carrier id
    project: np.ndarray
    zone: np.ndarray
    year: np.ndarray
    land_cmu: np.ndarray
    floor_m2: np.ndarray
    coef: np.ndarray

    @classmethod
    def of(cls, cands: list[Candidate]) -> Columns:
        """The columns of ``cands``."""
        n = len(cands)
        return cls(
            np.array([c.kind for c in cands], dtype=object),
            np.array([c.carriers[0] for c in cands], dtype=object),
            np.array([c.project_id for c in cands], dtype=object),
            np.array([c.zone for c in cands], dtype=object),
            np.fromiter((c.year for c in cands), dtype=np.int64, count=n),
            np.fromiter((c.land_cmu for c in cands), dtype=np.int64, count=n),
            np.fromiter((c.floor_m2 for c in cands), dtype=np.int64, count=n),
            np.fromiter((c.coef for c in cands), dtype=np.int64, count=n),
        )


@dataclass(slots=True)
class CandidateSet:
    """All candidates of an instance plus the pruning statistics.

    ``pruned`` counts the (project, carrier) pairs each rule excluded, in rule order (the
    builder's ``RULE_ORDER``), which is the order :meth:`stats` reports them in.
    """

    candidates: list[Candidate]
    by_project: dict[str, list[int]]
    priority: dict[str, float]
    pruned: Counter[str] = field(default_factory=Counter)
    excluded: dict[str, Counter[str]] = field(default_factory=dict)
    years: tuple[int, ...] = ()
    n_pairs: int = 0
    #: Candidates dropped as dominated (a later year of a project in the same factory).
    dominated: int = 0
    _columns: Columns | None = field(default=None, repr=False, compare=False)

    def columns(self) -> Columns:
        """The candidates as arrays, computed once (the candidate list is never changed)."""
        if self._columns is None:
            self._columns = Columns.of(self.candidates)
        return self._columns

    def subset(self, indices: list[int]) -> CandidateSet:
        """The candidates ``indices`` (renumbered 0…), with every project still listed.

        Projects without a candidate in the subset keep an empty list; the pruning statistics are
        those of the whole set. The whole set in order is returned as it is (no copy).
        """
        if len(indices) == len(self.candidates) and all(i == k for k, i in enumerate(indices)):
            return self
        chosen = [replace(self.candidates[i], index=k) for k, i in enumerate(indices)]
        by_project: dict[str, list[int]] = {pid: [] for pid in self.by_project}
        for c in chosen:
            by_project[c.project_id].append(c.index)
        return CandidateSet(
            chosen,
            by_project,
            self.priority,
            self.pruned,
            self.excluded,
            self.years,
            self.n_pairs,
            self.dominated,
        )

    def stats(self) -> dict[str, object]:
        """Counts for the report: projects, carriers, pairs, pairs pruned by each rule."""
        return {
            "projects": len(self.by_project),
            "candidates": len(self.candidates),
            "pairs_considered": self.n_pairs,
            "dominated_years": self.dominated,
            "pruned_by_rule": {r: int(n) for r, n in self.pruned.items() if n},
        }
