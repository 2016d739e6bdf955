"""Candidate placements: the (project, carrier, year) triples that pass every static rule.

Only candidates become CP-SAT variables. Rules are applied in the order of the registry
(:mod:`optimizer.constraints`: locks, zoning, 标准地 and area, factory specs, then time) and each
pruned (project, carrier) pair is counted against the first rule it fails, so the counts add up
and the explanations can say which rule excluded a carrier.

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
from dataclasses import dataclass

import numpy as np

import optimizer.constraints as registry
from geodata.instance import Instance, Project
from geodata.units import CMU_PER_MU
from optimizer.arrays import NEVER, CarrierArrays, factory_arrays, parcel_arrays
from optimizer.candidate import Candidate, CandidateSet, Columns
from optimizer.constraints import fit, standard_land, timing
from optimizer.objective import anchor_of, coefficient, priority_points, quality_points
from optimizer.readiness import RuleSet
from optimizer.settings import Policy, Weights

__all__ = [
    "RULE_NAMES",
    "RULE_ORDER",
    "Candidate",
    "CandidateSet",
    "Columns",
    "build_candidates",
    "land_mu",
]

#: All rule codes in the order they are applied (from the registry).
RULE_ORDER: tuple[str, ...] = registry.RULE_ORDER

#: Plain names of the rule codes (zh, en); each family labels its own rules.
RULE_NAMES: dict[str, tuple[str, str]] = registry.RULE_NAMES


_Fields = tuple[str, str, tuple[str, ...], str, int, int, int, "dt.date | None", str, int, float]


@dataclass(frozen=True, slots=True)
class _Setup:
    """What the builder shares between the projects of one call."""

    instance: Instance
    years: tuple[int, ...]
    rules: RuleSet
    policy: Policy
    weights: Weights
    anchors: dict[str, tuple[float, float]]
    parcel_index: dict[str, int]
    drop_dominated: bool


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
    par = parcel_arrays(instance)
    setup = _Setup(
        instance,
        tuple(sorted(years)),
        rules,
        policy,
        weights,
        anchor_of(instance.clusters),
        {c: i for i, c in enumerate(par.ids)},
        drop_dominated,
    )
    arrays = (par, factory_arrays(instance))
    pins = {p.project_id: p.pinned_carrier for p in instance.projects if p.pinned_carrier}
    pins.update(policy.pins)
    cands: list[Candidate] = []
    by_project: dict[str, list[int]] = {}
    priority: dict[str, float] = {}
    pruned: Counter[str] = Counter()
    excluded: dict[str, Counter[str]] = {}
    n_pairs = 0
    dominated = 0
    for project in instance.projects:
        pid = project.project_id
        priority[pid] = priority_points(project, weights)
        exc: Counter[str] = Counter()
        excluded[pid] = exc
        pin = pins.get(pid)
        cap = None if pin is not None else max_carriers_per_project
        found: list[_Fields] = []
        for arr in arrays:
            if not fit.wants(project, arr) or len(arr) == 0:
                continue
            n_pairs += len(arr)
            rows, dropped = _on_carriers(project, arr, setup, exc, cap)
            found.extend(rows)
            dominated += dropped
        if pin is not None:
            found = [c for c in found if pin in c[2]]
        elif max_carriers_per_project is not None:
            found = _cap(found, max_carriers_per_project, exc)
        offset = len(cands)
        found.sort(key=lambda c: (c[1], c[2], c[4]))
        cands.extend(itertools.starmap(Candidate, ((k, *f) for k, f in enumerate(found, offset))))
        by_project[pid] = list(range(offset, len(cands)))
        pruned.update(exc)
    # in rule order, the order of the report (CandidateSet.stats)
    pruned = Counter({r: pruned[r] for r in RULE_ORDER if pruned[r]})
    return CandidateSet(
        cands, by_project, priority, pruned, excluded, setup.years, n_pairs, dominated
    )


def _on_carriers(
    project: Project, arr: CarrierArrays, setup: _Setup, exc: Counter[str], cap: int | None
) -> tuple[list[_Fields], int]:
    """Candidates of one project on the carriers of one kind (single carriers, then groups).

    Counts each excluded carrier in ``exc`` against the first rule it fails; returns the
    candidates' fields and the number of dominated (factory, year) pairs dropped.
    """
    n = len(arr)
    masks = fit.static_masks(project, arr, setup.policy)
    ok, first = _first_fail(masks, n)
    for k, count in enumerate(np.bincount(first[~ok], minlength=len(masks)).tolist()):
        if count:
            exc[masks[k][0]] += count
    ready = registry.ready_dates(project, arr, setup.rules)
    rows, dropped = _expand_years(project, arr, np.flatnonzero(ok), ready, setup, exc, cap)
    if arr.kind == "parcel" and setup.policy.allow_groups:
        member = np.ones(n, dtype=bool)
        for name, m in masks:
            if name in registry.MEMBER_RULES:
                member &= m
        if _needs_group(project, arr, member):
            rows.extend(_groups(project, arr, member, ready, setup))
    return rows, dropped


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


def _year_rules(
    project: Project,
    arr: CarrierArrays,
    idx: np.ndarray,
    ready: np.ndarray | None,
    years: tuple[int, ...],
    rules: RuleSet,
    exc: Counter[str],
) -> np.ndarray:
    """Pass-mask (years × carriers ``idx``) of every year rule; a carrier that fails in every
    year is counted in ``exc`` against the furthest rule it reached in any year."""
    masks = registry.year_masks(project, arr, idx, years, ready, rules)
    ok = np.ones((len(years), len(idx)), dtype=bool)
    stage = np.full((len(years), len(idx)), len(masks))  # index of the first rule failed
    for k in reversed(range(len(masks))):
        ok &= masks[k][1]
        stage = np.where(~masks[k][1], k, stage)
    furthest = stage.max(axis=0)
    for j in np.flatnonzero(~ok.any(axis=0)):
        exc[masks[int(furthest[j])][0]] += 1
    return ok


def _expand_years(
    project: Project,
    arr: CarrierArrays,
    idx: np.ndarray,
    ready: np.ndarray | None,
    setup: _Setup,
    exc: Counter[str],
    cap: int | None,
) -> tuple[list[_Fields], int]:
    """Candidates of one project on single carriers, vectorised over carriers × years.

    Coefficients are computed for every (carrier, year) first; with ``cap`` only the carriers
    with the best coefficients are turned into candidates. With ``drop_dominated`` only the best
    year of a factory is kept. Returns the candidates' fields and the number of dominated
    (factory, year) pairs dropped.
    """
    years = setup.years
    if len(idx) == 0 or not years:
        return [], 0
    n, kind = len(idx), arr.kind
    yrs = np.array(years, dtype=np.int64)
    ok = _year_rules(project, arr, idx, ready, years, setup.rules, exc)
    r = ready[idx] if ready is not None else np.zeros(n, dtype=np.int64)
    start, status = timing.start_grid(project, kind, yrs, r, setup.rules)
    if kind == "parcel":
        land = standard_land.supplied_cmu(project, arr)[idx]
        floor = np.zeros(n, dtype=np.int64)
    else:
        land = np.zeros(n, dtype=np.int64)
        floor = np.full(n, project.floor_m2, dtype=np.int64)
    anchor = setup.anchors.get(project.cluster)
    dist = (
        np.hypot(arr.x_m[idx] - anchor[0], arr.y_m[idx] - anchor[1])[None, :]
        if anchor is not None
        else None
    )
    q2 = quality_points(
        project,
        supplied_cmu=land[None, :],
        focus=arr.cluster_member(project.cluster)[idx][None, :],
        distance_m=dist,
        delay_years=(yrs - project.start_year)[:, None],
        delay_days=np.where(start >= NEVER, 730, start - timing.desired_start(project)),
        w=setup.weights,
    )
    coef = np.where(ok, coefficient(priority_points(project, setup.weights), q2), -1)
    dropped = 0
    if kind == "factory" and setup.drop_dominated:
        ok, dropped = _best_year_only(ok, coef)
    cols = np.flatnonzero(ok.any(axis=0))
    if cap is not None and len(cols) > cap:
        best = coef[:, cols].max(axis=0)
        order = np.lexsort((cols, -best))  # best first, ties by carrier order (sorted ids)
        exc["cap"] += len(cols) - cap
        cols = np.sort(cols[order[:cap]])
    jj, tt = np.nonzero(ok[:, cols].T)
    jc = cols[jj]
    grid = (start[tt, jc], status[tt, jc], coef[tt, jc], q2[tt, jc])
    return _rows(project, arr, idx[jc], yrs[tt], land[jc], floor[jc], grid), dropped


def _best_year_only(ok: np.ndarray, coef: np.ndarray) -> tuple[np.ndarray, int]:
    """Keep the best year of each (project, factory) pair; return the mask and the years dropped.

    A building's floor is counted over the whole horizon and uses no quota, so the years of one
    (project, factory) pair share every row: only the best one (the earliest among equals) can
    be part of an optimum, and the others are dropped (exact).
    """
    best_t = np.argmax(coef, axis=0)
    keep = np.zeros_like(ok)
    keep[best_t, np.arange(ok.shape[1])] = True
    keep &= ok
    return keep, int(ok.sum() - keep.sum())


def _rows(
    project: Project,
    arr: CarrierArrays,
    carrier: np.ndarray,
    year: np.ndarray,
    land: np.ndarray,
    floor: np.ndarray,
    grid: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> list[_Fields]:
    """The candidates' fields, one per (carrier, year) kept, converted to Python in bulk."""
    start, status, coef, q2 = grid
    dates = [dt.date.fromordinal(d) if d < NEVER else None for d in start.tolist()]
    k = len(carrier)
    return list(
        zip(
            [project.project_id] * k,
            [arr.kind] * k,
            [(arr.ids[i],) for i in carrier.tolist()],
            [str(z) for z in arr.zone[carrier].tolist()],
            year.tolist(),
            land.tolist(),
            floor.tolist(),
            dates,
            [timing.STATUSES[s] for s in status.tolist()],
            coef.tolist(),
            q2.astype(np.float64).tolist(),
            strict=True,
        )
    )


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


def _needs_group(project: Project, arr: CarrierArrays, member: np.ndarray) -> bool:
    """A group is considered when no parcel that may join one is large enough alone.

    ``member``: the parcels that pass the rules every member of a group must pass
    (:data:`optimizer.constraints.MEMBER_RULES`).
    """
    big = member & (arr.area_cmu >= project.land_cmu)
    return not bool(big.any()) and bool(member.any())


def _groups(
    project: Project,
    arr: CarrierArrays,
    member: np.ndarray,
    ready: np.ndarray | None,
    setup: _Setup,
) -> list[_Fields]:
    """合并供地: connected sets of 2..k adjacent non-divisible parcels in one zone."""
    ok_ids = {arr.ids[i] for i in np.flatnonzero(member & ~arr.divisible)}
    if not ok_ids:
        return []
    groups = _group_sets(project, arr, ok_ids, setup)
    anchor = setup.anchors.get(project.cluster)
    pr = priority_points(project, setup.weights)
    years, rules = setup.years, setup.rules
    ready_all = ready if ready is not None else timing.ready_ordinal(project, arr, rules)
    out: list[_Fields] = []
    for g in sorted(groups):
        ii = np.array([setup.parcel_index[c] for c in g])
        total = int(arr.area_cmu[ii].sum())
        whole = registry.group_masks(project, arr, ii, total, setup.policy)
        if not all(bool(m.all()) for _, m in whole):
            continue
        # a group passes a year when every member parcel does
        in_year = np.ones(len(years), dtype=bool)
        for _, m in registry.year_masks(project, arr, ii, years, ready_all, rules):
            in_year &= np.asarray(m).all(axis=1)
        ready_g = int(ready_all[ii].max())
        x = float(arr.x_m[ii].mean())
        y_ = float(arr.y_m[ii].mean())
        dist = float(np.hypot(x - anchor[0], y_ - anchor[1])) if anchor else None
        focus = bool(arr.cluster_member(project.cluster)[ii].all())
        zone = str(arr.zone[ii[0]])
        for y in (y for t, y in enumerate(years) if in_year[t]):
            status = timing.ready_status(project, y, ready_g, rules)
            start = timing.start_ordinal(project, "parcel", y, ready_g, rules)
            fields = (project, "group", g, zone, y, total, 0, start, status, focus, dist, pr)
            out.append(_make(*fields, setup.weights))
    return out


def _group_sets(
    project: Project, arr: CarrierArrays, ok_ids: set[str], setup: _Setup
) -> set[tuple[str, ...]]:
    """The sets of 2..k adjacent parcels of ``ok_ids`` that supply the demand within the waste
    tolerance (k: ``max_group_size``), each as its sorted parcel ids."""
    policy, parcel_index = setup.policy, setup.parcel_index
    neighbours = {
        p.parcel_id: p.neighbours for p in setup.instance.parcels if p.parcel_id in ok_ids
    }
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
    return groups


def land_mu(c: Candidate) -> float:
    """Land supplied by a candidate in 亩."""
    return c.land_cmu / CMU_PER_MU
