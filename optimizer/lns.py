"""Large-neighbourhood search for problems too large for one CP-SAT model.

Parts with at least ``SolverSettings.lns_min_candidates`` candidates are solved this way. At
city scale (2 000 projects, 10 000 parcels, 5 years: about 2.5 million candidates) CP-SAT does
not even load the whole model within a 30 s limit on two cores, so a solve would end with the
greedy placement. Instead, the placement is improved neighbourhood by neighbourhood:

1. a neighbourhood is a (zone, cluster) pair: the projects of that cluster (pinned ones excepted)
   that could be placed in that zone are *freed*, every other project keeps its carrier;
2. the freed projects' candidates in that zone, plus their current placements, form a small
   model (at most :data:`SUB_MAX_CANDIDATES`; a seeded random sample of the freed projects is
   kept when there are more) whose capacities are what the fixed projects leave: the quotas of
   each year and zone, the free area of divisible parcels, the free floor of factories, and no
   candidate on a non-divisible parcel a fixed project holds;
3. CP-SAT solves it from the current placement (which is feasible there), and its placement
   replaces the freed projects' when it is better;
4. the search stops at the time limit, or when every neighbourhood in a row was solved whole
   and proven to hold nothing better (a local optimum of the search).

Every accepted step keeps the whole placement feasible and never lowers the objective, so the
result is never worse than the start. It proves nothing: the outcome is FEASIBLE with no bound.
The order of the neighbourhoods is shuffled with the solve's seed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from geodata.instance import Instance
from optimizer.candidates import Candidate, CandidateSet
from optimizer.constraints.base import chosen_values, group_indices
from optimizer.greedy import Packer
from optimizer.model import build_model

#: The most candidates one neighbourhood's model has.
SUB_MAX_CANDIDATES = 12_000
#: Time limit of one neighbourhood's solve (seconds, or deterministic time).
SUB_LIMIT = 1.0


@dataclass(frozen=True, slots=True)
class LnsResult:
    """What the search did."""

    chosen: list[Candidate]
    objective: int
    start_objective: int
    steps: int
    improved: int
    #: Solver wall time, and what was used of the limit (deterministic time in that mode).
    spent: float
    used: float


def residual_instance(
    instance: Instance, quotas: dict[tuple[int, str], int], fixed: list[Candidate]
) -> tuple[Instance, dict[tuple[int, str], int], Packer]:
    """The capacities the ``fixed`` placements leave: parcels, factories and quotas.

    Returns
    -------
    Instance, dict, Packer
        The instance with each divisible parcel's area and each factory's floor reduced by what
        the fixed placements take; the quotas less their land; the packer holding them (whose
        ``fits`` tells whether a single candidate still fits, e.g. not on a taken parcel).
    """
    packer = Packer(instance, quotas)
    for c in fixed:
        packer.take(c)
    parcels = tuple(
        replace(p, area_cmu=packer.parcel_free[p.parcel_id][0]) if p.divisible else p
        for p in instance.parcels
    )
    factories = tuple(
        replace(f, floor_m2=packer.floor_free[f.factory_id]) for f in instance.factories
    )
    left = {k: v - packer.used.get(k, 0) for k, v in quotas.items()}
    return replace(instance, parcels=parcels, factories=factories), left, packer


def improve(
    instance: Instance,
    years: tuple[int, ...],
    cands: CandidateSet,
    quotas: dict[tuple[int, str], int],
    pins: dict[str, str],
    start: list[Candidate],
    *,
    limit: float,
    run: Callable[[cp_model.CpModel, float], tuple[Any, cp_model.CpSolver]],
    deterministic: bool,
    seed: int,
    log: list[str],
) -> LnsResult:
    """Improve the feasible placement ``start`` of ``cands`` neighbourhood by neighbourhood.

    Parameters
    ----------
    instance, years, cands, quotas, pins
        The problem (``cands`` is the whole part, ``pins`` its pinned projects).
    start
        A feasible placement (one candidate per placed project), e.g. the greedy one.
    limit
        Time for the whole search: seconds, or CP-SAT's deterministic time when
        ``deterministic`` (then the result does not depend on the machine).
    run
        Solves a model with a time limit and returns the CP-SAT status and the solver holding
        the solution (the caller's settings: workers, seed, log).
    seed
        Shuffles the order of the neighbourhoods.
    log
        Receives one line per neighbourhood.
    """
    t0 = time.perf_counter()
    cols = cands.columns()
    cluster_of = {p.project_id: p.cluster for p in instance.projects}
    project_codes, project_ids = pd.factorize(cols.project, sort=True)
    clusters = sorted({cluster_of[str(p)] for p in project_ids})
    cluster_code = np.array([clusters.index(cluster_of[str(p)]) for p in project_ids])
    zone_codes, zones = pd.factorize(cols.zone, sort=True)
    hood_code = zone_codes * len(clusters) + cluster_code[project_codes]
    by_hood: dict[tuple[str, str], np.ndarray] = {}
    for k, v in group_indices(hood_code, np.arange(len(cols.coef))).items():
        z, c = divmod(int(k), len(clusters))  # type: ignore[call-overload]
        by_hood[(str(zones[z]), clusters[c])] = v
    hoods = sorted(by_hood)
    rng = random.Random(seed)
    rng.shuffle(hoods)
    current: dict[str, Candidate] = {c.project_id: c for c in start}
    start_obj = sum(c.coef for c in start)
    spent = used = 0.0
    steps = improved = 0
    # consecutive neighbourhoods proven to hold nothing better: once every one of them is,
    # the placement is a local optimum of this search and it stops
    settled = 0
    while hoods and used < limit and settled < len(hoods):
        hood = hoods[steps % len(hoods)]
        steps += 1
        idx = by_hood[hood]
        zone, cluster = hood
        in_hood = group_indices(cols.project[idx], idx)
        freed = sorted(str(p) for p in in_hood if str(p) not in pins)
        size = {p: len(in_hood[p]) + (p in current) for p in freed}
        sampled = sum(size.values()) > SUB_MAX_CANDIDATES
        if sampled:
            rng.shuffle(freed)
            kept: list[str] = []
            total = 0
            for p in freed:
                if total + size[p] <= SUB_MAX_CANDIDATES:
                    kept.append(p)
                    total += size[p]
            freed = sorted(kept)
        if not freed:
            settled += 1
            continue
        free = set(freed)
        fixed = [c for p, c in current.items() if p not in free]
        sub_inst, left, packer = residual_instance(instance, quotas, fixed)
        pick = {int(i) for p in freed for i in in_hood[p]}
        pick |= {current[p].index for p in freed if p in current}
        # candidates that cannot fit even alone (a taken parcel, a full factory or quota)
        keep = sorted(i for i in pick if packer.fits(cands.candidates[i]))
        sub = cands.subset(keep)
        ctx = build_model(sub, sub_inst, years, {}, left)
        ctx.maximise(np.arange(ctx.n), ctx.cols.coef)
        back = np.asarray(keep, dtype=np.int64)
        values = np.zeros(ctx.n, dtype=np.int64)
        was = [current[p] for p in freed if p in current]
        values[np.searchsorted(back, [c.index for c in was])] = 1
        ctx.hint(values)
        before = sum(c.coef for c in was)
        status, solver = run(ctx.model, max(0.05, min(limit - used, SUB_LIMIT)))
        spent += solver.wall_time
        used = used + solver.deterministic_time if deterministic else time.perf_counter() - t0
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        after = round(solver.objective_value) if found else before
        if found and after > before:
            for p in freed:
                current.pop(p, None)
            for i in back[np.flatnonzero(chosen_values(solver, ctx.n))].tolist():
                c = cands.candidates[int(i)]
                current[c.project_id] = c
            improved += 1
            settled = 0
        elif status == cp_model.OPTIMAL and not sampled:
            settled += 1
        else:
            settled = 0
        log.append(
            f"lns {steps}: {zone} / {cluster}: {len(freed)} projects, "
            f"{len(keep)} candidates, {before} -> {max(before, after)}"
        )
    chosen = sorted(current.values(), key=lambda c: c.index)
    return LnsResult(chosen, sum(c.coef for c in chosen), start_obj, steps, improved, spent, used)
