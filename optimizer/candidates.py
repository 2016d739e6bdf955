"""Candidate placements: the (project, carrier, year) triples that pass every static rule.

Only candidates become CP-SAT variables. Rules are applied in a fixed order (zoning, 标准地 and
area, factory specs, time) and each pruned (project, carrier) pair is counted against the first
rule it fails, so the counts add up and the explanations can say which rule excluded a carrier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from geodata.instance import Instance, Project
from geodata.units import CMU_PER_MU
from optimizer.arrays import NEVER, CarrierArrays, factory_arrays, parcel_arrays
from optimizer.constraints import specs, standard_land, timing, zoning
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

RULE_NAMES: dict[str, tuple[str, str]] = {
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

    def stats(self) -> dict[str, object]:
        """Counts for the report: projects, carriers, pairs, pairs pruned by each rule."""
        return {
            "projects": len(self.by_project),
            "candidates": len(self.candidates),
            "pairs_considered": self.n_pairs,
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


def build_candidates(
    instance: Instance,
    years: tuple[int, ...],
    rules: RuleSet,
    *,
    policy: Policy | None = None,
    weights: Weights | None = None,
    max_carriers_per_project: int | None = None,
) -> CandidateSet:
    """Compute every candidate placement of the instance for the planning ``years``."""
    policy = policy or Policy()
    weights = weights or Weights()
    years = tuple(sorted(years))
    par = parcel_arrays(instance)
    fac = factory_arrays(instance)
    anchors = anchor_of(instance.clusters)
    pins = {p.project_id: p.pinned_carrier for p in instance.projects if p.pinned_carrier}
    pins.update(policy.pins)
    withheld_p = np.array([c in policy.withheld for c in par.ids], dtype=bool)
    withheld_f = np.array([c in policy.withheld for c in fac.ids], dtype=bool)
    cands: list[Candidate] = []
    by_project: dict[str, list[int]] = {}
    priority: dict[str, float] = {}
    pruned: Counter[str] = Counter()
    excluded: dict[str, Counter[str]] = {}
    n_pairs = 0
    parcel_index = {c: i for i, c in enumerate(par.ids)}
    for project in instance.projects:
        pid = project.project_id
        priority[pid] = priority_points(project, weights)
        by_project[pid] = []
        exc: Counter[str] = Counter()
        excluded[pid] = exc
        pin = pins.get(pid)
        stage_ok = policy.include_negotiating or project.stage != "negotiating" or pin is not None
        found: list[Candidate] = []
        for arr, withheld, wanted in (
            (par, withheld_p, project.wants_land),
            (fac, withheld_f, project.wants_factory),
        ):
            if not wanted or len(arr) == 0:
                continue
            n = len(arr)
            n_pairs += n
            masks: list[tuple[str, np.ndarray]] = [
                ("withheld", ~withheld),
                ("stage", np.full(n, stage_ok)),
                *zoning.masks(project, arr),
            ]
            if arr.kind == "parcel":
                masks.extend(standard_land.masks(project, arr, policy))
            else:
                masks.extend(specs.masks(project, arr))
            ok, first = _first_fail(masks, n)
            for i in np.flatnonzero(~ok):
                rule = masks[int(first[i])][0]
                exc[rule] += 1
            ready = timing.ready_ordinal(project, arr, rules) if arr.kind == "parcel" else None
            idx = np.flatnonzero(ok)
            found.extend(
                _expand_years(
                    project,
                    arr,
                    idx,
                    ready,
                    years,
                    rules,
                    policy,
                    weights,
                    anchors,
                    exc,
                    kind=arr.kind,
                )
            )
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
            found = [c for c in found if pin in c.carriers]
        elif max_carriers_per_project is not None:
            found = _cap(found, max_carriers_per_project, exc)
        for c in sorted(found, key=lambda c: (c.kind, c.carriers, c.year)):
            c2 = dataclasses.replace(c, index=len(cands))
            cands.append(c2)
            by_project[pid].append(c2.index)
        pruned.update(exc)
    return CandidateSet(cands, by_project, priority, pruned, excluded, years, n_pairs)


def _cap(found: list[Candidate], k: int, exc: Counter[str]) -> list[Candidate]:
    best: dict[tuple[str, ...], int] = {}
    for c in found:
        best[c.carriers] = max(best.get(c.carriers, -(10**18)), c.coef)
    keep = {carriers for carriers, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:k]}
    exc["cap"] += len(best) - len(keep)
    return [c for c in found if c.carriers in keep]


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
    policy: Policy,
    weights: Weights,
    anchors: dict[str, tuple[float, float]],
    exc: Counter[str],
    *,
    kind: str,
) -> list[Candidate]:
    if len(idx) == 0:
        return []
    sub_ready = ready[idx] if ready is not None else None
    ym = timing.year_masks(project, _Sub(arr, idx), years, rules, sub_ready)  # type: ignore[arg-type]
    furthest = np.full(len(idx), -1, dtype=np.int64)
    any_ok = np.zeros(len(idx), dtype=bool)
    per_year: dict[int, np.ndarray] = {}
    for y, masks in ym.items():
        ok, first = _first_fail(masks, len(idx))
        per_year[y] = ok
        any_ok |= ok
        furthest = np.maximum(furthest, np.where(ok, len(masks), first))
    names = [m[0] for m in next(iter(ym.values()))] if ym else []
    for j in np.flatnonzero(~any_ok):
        exc[names[int(furthest[j])] if names else "horizon"] += 1
    out: list[Candidate] = []
    anchor = anchors.get(project.cluster)
    supplied_all = standard_land.supplied_cmu(project, arr)[idx] if kind == "parcel" else None
    pr = priority_points(project, weights)
    for y in years:
        year_ok = per_year.get(y)
        if year_ok is None:
            continue
        for j in np.flatnonzero(year_ok):
            i = int(idx[j])
            dist = None
            if anchor is not None:
                dist = float(np.hypot(arr.x_m[i] - anchor[0], arr.y_m[i] - anchor[1]))
            if kind == "parcel":
                assert supplied_all is not None and sub_ready is not None
                r = int(sub_ready[j])
                start = timing.start_ordinal(project, "parcel", y, r, rules)
                status = _status(r, y, project, rules)
                land = int(supplied_all[j])
                floor = 0
            else:
                start = timing.start_ordinal(project, "factory", y, 0, rules)
                status = ""
                land = 0
                floor = project.floor_m2
            out.append(
                _make(
                    project,
                    kind,
                    (arr.ids[i],),
                    str(arr.zone[i]),
                    y,
                    land,
                    floor,
                    start,
                    status,
                    bool(arr.cluster_member(project.cluster)[i]),
                    dist,
                    pr,
                    weights,
                )
            )
    return out


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
) -> Candidate:
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
    return Candidate(
        -1,
        project.project_id,
        kind,
        carriers,
        zone,
        year,
        land,
        floor,
        dt.date.fromordinal(start) if start < NEVER else None,
        status,
        coefficient(pr, q),
        q,
    )


class _Sub:
    """A view of some carriers of a :class:`CarrierArrays` (for the year masks)."""

    def __init__(self, arr: CarrierArrays, idx: np.ndarray) -> None:
        self.kind = arr.kind
        self.available_year = arr.available_year[idx]
        self._n = len(idx)

    def __len__(self) -> int:
        return self._n


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
) -> list[Candidate]:
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
    out: list[Candidate] = []
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
