"""Candidate placements: the (project, carrier, year) triples that pass every static rule.

Only candidates become CP-SAT variables. Rules are applied in a fixed order (zoning, 标准地 and
area, factory specs, time) and each pruned (project, carrier) pair is counted against the first
rule it fails, so the counts add up and the explanations can say which rule excluded a carrier.

One exact reduction follows: a project in a factory is offered in its best year only. Factories
use no land quota and their floor is counted over the whole horizon, so all years of one
(project, factory) pair sit in the same rows and the best one dominates the rest (on the demo:
1 031 → 541 factory candidates; the factory part proves about 3× faster).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from geodata.instance import Instance, Project
from geodata.units import CMU_PER_MU
from optimizer.arrays import NEVER, CarrierArrays, factory_arrays, parcel_arrays
from optimizer.constraints import fit, specs, standard_land, timing, zoning
from optimizer.objective import anchor_of, coefficient, priority_points, quality_points
from optimizer.readiness import RuleSet
from optimizer.settings import Policy, Weights

#: All rule codes in the order they are applied.
RULE_ORDER: tuple[str, ...] = (
    "withheld",
    "stage",
    *zoning.RULES,
    *standard_land.RULES,
    *specs.RULES,
    *timing.RULES,
    "cap",
)

#: Plain names of the rule codes (zh, en); defined with the static rules in :mod:`fit`.
RULE_NAMES: dict[str, tuple[str, str]] = fit.RULE_NAMES


_Fields = tuple[str, str, tuple[str, ...], str, int, int, int, "dt.date | None", str, int, float]


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
    """All candidates of an instance plus the pruning statistics."""

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
            "pruned_by_rule": {r: int(self.pruned[r]) for r in RULE_ORDER if self.pruned[r]},
        }


def _first_fail(masks: list[tuple[str, np.ndarray]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per carrier: passes-all mask, and the index (into ``masks``) of the first failing rule."""
    ok = np.ones(n, dtype=bool)
    first = np.full(n, -1, dtype=np.int64)
    for i, (_, m) in enumerate(masks):
        newly = ok & ~m
        first[newly] = i
        ok &= m
    return ok, first


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while millions of acyclic objects are made.

    Each collection walks every live object, so building the 2.5 million candidates of the
    city-scale benchmark with it running took 10.5 s instead of 6.8 s.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build_candidates(
    instance: Instance,
    years: tuple[int, ...],
    rules: RuleSet,
    *,
    policy: Policy | None = None,
    weights: Weights | None = None,
    max_carriers_per_project: int | None = None,
    drop_dominated: bool = True,
) -> CandidateSet:
    """Compute every candidate placement of the instance for the planning ``years``.

    With ``drop_dominated`` (the default) a project in a factory is offered in its best year
    only (see the module docstring); without it, in every year that passes the rules.
    """
    with _gc_paused():
        return _build(
            instance, years, rules, policy, weights, max_carriers_per_project, drop_dominated
        )


def _build(
    instance: Instance,
    years: tuple[int, ...],
    rules: RuleSet,
    policy: Policy | None,
    weights: Weights | None,
    max_carriers_per_project: int | None,
    drop_dominated: bool,
) -> CandidateSet:
    policy = policy or Policy()
    weights = weights or Weights()
    years = tuple(sorted(years))
    par = parcel_arrays(instance)
    fac = factory_arrays(instance)
    anchors = anchor_of(instance.clusters)
    pins = {p.project_id: p.pinned_carrier for p in instance.projects if p.pinned_carrier}
    pins.update(policy.pins)
    withheld_p = fit.withheld_mask(par, policy)
    withheld_f = fit.withheld_mask(fac, policy)
    cands: list[Candidate] = []
    by_project: dict[str, list[int]] = {}
    priority: dict[str, float] = {}
    pruned: Counter[str] = Counter()
    excluded: dict[str, Counter[str]] = {}
    n_pairs = 0
    dominated = 0
    parcel_index = {c: i for i, c in enumerate(par.ids)}
    for project in instance.projects:
        pid = project.project_id
        priority[pid] = priority_points(project, weights)
        by_project[pid] = []
        exc: Counter[str] = Counter()
        excluded[pid] = exc
        pin = pins.get(pid)
        stage_ok = fit.stage_ok(project, policy)
        found: list[_Fields] = []
        for arr, withheld, wanted in (
            (par, withheld_p, project.wants_land),
            (fac, withheld_f, project.wants_factory),
        ):
            if not wanted or len(arr) == 0:
                continue
            n = len(arr)
            n_pairs += n
            masks = fit.static_masks(project, arr, policy, withheld, stage_ok)
            ok, first = _first_fail(masks, n)
            for k, count in enumerate(np.bincount(first[~ok], minlength=len(masks)).tolist()):
                if count:
                    exc[masks[k][0]] += count
            ready = timing.ready_ordinal(project, arr, rules) if arr.kind == "parcel" else None
            idx = np.flatnonzero(ok)
            rows, dropped = _expand_years(
                project,
                arr,
                idx,
                ready,
                years,
                rules,
                weights,
                anchors,
                exc,
                cap=None if pin is not None else max_carriers_per_project,
                drop_dominated=drop_dominated,
            )
            found.extend(rows)
            dominated += dropped
            if (
                arr.kind == "parcel"
                and policy.allow_groups
                and stage_ok
                and _needs_group(project, arr, masks)
            ):
                found.extend(
                    _groups(
                        project,
                        arr,
                        withheld,
                        years,
                        rules,
                        policy,
                        weights,
                        anchors,
                        parcel_index,
                        instance,
                    )
                )
        if pin is not None:
            found = [c for c in found if pin in c[2]]
        elif max_carriers_per_project is not None:
            found = _cap(found, max_carriers_per_project, exc)
        offset = len(cands)
        found.sort(key=lambda c: (c[1], c[2], c[4]))
        cands.extend(itertools.starmap(Candidate, ((k, *f) for k, f in enumerate(found, offset))))
        by_project[pid] = list(range(offset, len(cands)))
        pruned.update(exc)
    return CandidateSet(cands, by_project, priority, pruned, excluded, years, n_pairs, dominated)


def _cap(found: list[_Fields], k: int, exc: Counter[str]) -> list[_Fields]:
    """Keep the candidates of the ``k`` carriers (or groups) with the best coefficient."""
    best: dict[tuple[str, ...], int] = {}
    for c in found:
        best[c[2]] = max(best.get(c[2], -(10**18)), c[9])
    if len(best) <= k:
        return found
    keep = {carriers for carriers, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:k]}
    exc["cap"] += len(best) - len(keep)
    return [c for c in found if c[2] in keep]


def _status(ready: int, year: int, project: Project, rules: RuleSet) -> str:
    if ready >= NEVER:
        return "blocked"
    limit = max(timing.acquisition(year, rules), timing.desired_start(project))
    return "ready" if ready <= limit else "ready_by"


def _expand_years(
    project: Project,
    arr: CarrierArrays,
    idx: np.ndarray,
    ready: np.ndarray | None,
    years: tuple[int, ...],
    rules: RuleSet,
    weights: Weights,
    anchors: dict[str, tuple[float, float]],
    exc: Counter[str],
    *,
    cap: int | None,
    drop_dominated: bool,
) -> tuple[list[_Fields], int]:
    """Candidates of one project on single carriers, vectorised over carriers × years.

    Coefficients are computed for every (carrier, year) first; with ``cap`` only the carriers
    with the best coefficients are turned into candidates. With ``drop_dominated`` only the best
    year of a factory is kept. Returns the candidates' fields and the number of dominated
    (factory, year) pairs dropped.
    """
    if len(idx) == 0 or not years:
        return [], 0
    n, kind = len(idx), arr.kind
    desired = timing.desired_start(project)
    yrs = np.array(years, dtype=np.int64)
    # year rules: (years × carriers) masks, counted against the furthest rule reached
    avail = arr.available_year[idx]
    horizon = np.broadcast_to((yrs >= project.start_year)[:, None], (len(yrs), n))
    available = avail[None, :] <= yrs[:, None]
    acq = np.array([timing.acquisition(int(y), rules) for y in yrs], dtype=np.int64)
    base = np.maximum(acq, desired)  # per year
    r = ready[idx] if ready is not None else np.zeros(n, dtype=np.int64)
    if kind == "parcel" and project.ready_to_build:
        readiness = r[None, :] <= base[:, None]
    else:
        readiness = np.ones((len(yrs), n), dtype=bool)
    ok = horizon & available & readiness
    stage = np.where(~horizon, 0, np.where(~available, 1, np.where(~readiness, 2, 3)))
    furthest = stage.max(axis=0)
    for j in np.flatnonzero(~ok.any(axis=0)):
        exc[timing.RULES[int(furthest[j])]] += 1
    # coefficients (years × carriers)
    if kind == "parcel":
        supplied = standard_land.supplied_cmu(project, arr)[idx]
        land = supplied
        floor = np.zeros(n, dtype=np.int64)
        start = np.where(r[None, :] >= NEVER, NEVER, np.maximum(base[:, None], r[None, :]))
        status = np.where(r[None, :] >= NEVER, 2, np.where(r[None, :] <= base[:, None], 0, 1))
    else:
        supplied = np.zeros(n, dtype=np.int64)
        land = supplied
        floor = np.full(n, project.floor_m2, dtype=np.int64)
        jan1 = np.array([dt.date(int(y), 1, 1).toordinal() for y in yrs], dtype=np.int64)
        start = np.broadcast_to(np.maximum(jan1, desired)[:, None], (len(yrs), n))
        status = np.full((len(yrs), n), 3)
    pr = priority_points(project, weights)
    anchor = anchors.get(project.cluster)
    dist = (
        np.hypot(arr.x_m[idx] - anchor[0], arr.y_m[idx] - anchor[1])[None, :]
        if anchor is not None
        else None
    )
    q2 = quality_points(
        project,
        supplied_cmu=supplied[None, :],
        focus=arr.cluster_member(project.cluster)[idx][None, :],
        distance_m=dist,
        delay_years=(yrs - project.start_year)[:, None],
        delay_days=np.where(start >= NEVER, 730, start - desired),
        w=weights,
    )
    coef = coefficient(pr, q2)
    coef = np.where(ok, coef, -1)
    dropped = 0
    if kind == "factory" and drop_dominated:
        # a building's floor is counted over the whole horizon and uses no quota, so the years
        # of one (project, factory) pair share every row: only the best one (the earliest among
        # equals) can be part of an optimum, and the others are dropped (exact)
        best_t = np.argmax(coef, axis=0)
        keep = np.zeros_like(ok)
        keep[best_t, np.arange(n)] = True
        keep &= ok
        dropped = int(ok.sum() - keep.sum())
        ok = keep
    cols = np.flatnonzero(ok.any(axis=0))
    if cap is not None and len(cols) > cap:
        best = coef[:, cols].max(axis=0)
        order = np.lexsort((cols, -best))  # best first, ties by carrier order (sorted ids)
        exc["cap"] += len(cols) - cap
        cols = np.sort(cols[order[:cap]])
    names = ("ready", "ready_by", "blocked", "")
    # every (carrier, year) kept, ordered by carrier then year, converted to Python in bulk
    jj, tt = np.nonzero(ok[:, cols].T)
    jc = cols[jj]
    carrier = idx[jc].tolist()
    st = start[tt, jc]
    dates = [dt.date.fromordinal(d) if d < NEVER else None for d in st.tolist()]
    rows = list(
        zip(
            [project.project_id] * len(jj),
            [kind] * len(jj),
            [(arr.ids[i],) for i in carrier],
            [str(z) for z in arr.zone[idx[jc]].tolist()],
            yrs[tt].tolist(),
            land[jc].tolist(),
            floor[jc].tolist(),
            dates,
            [names[k] for k in status[tt, jc].tolist()],
            coef[tt, jc].tolist(),
            q2[tt, jc].astype(np.float64).tolist(),
            strict=True,
        )
    )
    return rows, dropped


def _make(
    project: Project,
    kind: str,
    carriers: tuple[str, ...],
    zone: str,
    year: int,
    land: int,
    floor: int,
    start: int,
    status: str,
    focus: bool,
    dist: float | None,
    pr: float,
    weights: Weights,
) -> _Fields:
    desired = timing.desired_start(project)
    delay_days = (start - desired) if start < NEVER else 730
    q = quality_points(
        project,
        supplied_cmu=land if kind != "factory" else 0,
        focus=focus,
        distance_m=dist,
        delay_years=year - project.start_year,
        delay_days=delay_days,
        w=weights,
    )
    return (
        project.project_id,
        kind,
        carriers,
        zone,
        year,
        land,
        floor,
        dt.date.fromordinal(start) if start < NEVER else None,
        status,
        int(coefficient(pr, q)),
        float(q),
    )


def _needs_group(project: Project, arr: CarrierArrays, masks: list[tuple[str, np.ndarray]]) -> bool:
    """A group is considered when no zoning-compatible parcel alone is large enough."""
    zoning_ok = np.ones(len(arr), dtype=bool)
    for name, m in masks:
        if name in ("withheld", "stage", *zoning.RULES):
            zoning_ok &= m
    big = zoning_ok & (arr.area_cmu >= project.land_cmu)
    return not bool(big.any()) and bool(zoning_ok.any())


def _groups(
    project: Project,
    arr: CarrierArrays,
    withheld: np.ndarray,
    years: tuple[int, ...],
    rules: RuleSet,
    policy: Policy,
    weights: Weights,
    anchors: dict[str, tuple[float, float]],
    parcel_index: dict[str, int],
    instance: Instance,
) -> list[_Fields]:
    """合并供地: connected sets of 2..k adjacent non-divisible parcels in one zone."""
    base = ~withheld & ~arr.divisible
    for _, m in zoning.masks(project, arr):
        base &= m
    ok_ids = {arr.ids[i] for i in np.flatnonzero(base)}
    if not ok_ids:
        return []
    neighbours = {p.parcel_id: p.neighbours for p in instance.parcels if p.parcel_id in ok_ids}
    upper = int(np.floor(project.land_cmu * (1.0 + policy.waste_tolerance) + 1e-9))
    groups: set[tuple[str, ...]] = set()
    order = {c: i for i, c in enumerate(sorted(ok_ids))}

    def grow(members: tuple[str, ...], frontier: set[str], total: int) -> None:
        if len(members) >= 2 and project.land_cmu <= total <= upper:
            groups.add(tuple(sorted(members)))
        if len(members) >= policy.max_group_size or total > upper:
            return
        for nxt in sorted(frontier):
            if order[nxt] <= order[members[0]] or nxt in members:
                continue
            nf = (frontier | {n for n in neighbours[nxt] if n in ok_ids}) - set(members) - {nxt}
            grow((*members, nxt), nf, total + int(arr.area_cmu[parcel_index[nxt]]))

    for seed in sorted(ok_ids):
        fr = {n for n in neighbours[seed] if n in ok_ids}
        grow((seed,), fr, int(arr.area_cmu[parcel_index[seed]]))
    anchor = anchors.get(project.cluster)
    ready_all = timing.ready_ordinal(project, arr, rules)
    pr = priority_points(project, weights)
    out: list[_Fields] = []
    for g in sorted(groups):
        ii = np.array([parcel_index[c] for c in g])
        total = int(arr.area_cmu[ii].sum())
        if policy.standard_land:
            ind = standard_land.indicators_ok(project, np.full(len(ii), total), arr, ii)
            if not all(bool(m.all()) for _, m in ind):
                continue
        ready = int(ready_all[ii].max())
        avail = int(arr.available_year[ii].max())
        x = float(arr.x_m[ii].mean())
        y_ = float(arr.y_m[ii].mean())
        dist = float(np.hypot(x - anchor[0], y_ - anchor[1])) if anchor else None
        focus = bool(arr.cluster_member(project.cluster)[ii].all())
        for y in years:
            if y < project.start_year or y < avail:
                continue
            status = _status(ready, y, project, rules)
            if project.ready_to_build and status != "ready":
                continue
            start = timing.start_ordinal(project, "parcel", y, ready, rules)
            out.append(
                _make(
                    project,
                    "group",
                    g,
                    str(arr.zone[ii[0]]),
                    y,
                    total,
                    0,
                    start,
                    status,
                    focus,
                    dist,
                    pr,
                    weights,
                )
            )
    return out


def land_mu(c: Candidate) -> float:
    """Land supplied by a candidate in 亩."""
    return c.land_cmu / CMU_PER_MU
