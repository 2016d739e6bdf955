"""Settings of a solve: policy knobs, objective weights and solver limits (plain dataclasses).

The scenario file (``landalloc.scenario``) fills these; the Python API takes them directly.
All weights are in *points*; each placement's coefficient is ``OBJECTIVE_SCALE`` × points,
rounded half up to an integer (CP-SAT takes integer coefficients only). The scale is 1: whole
points. A finer scale separates near-identical placements by fractions of a point, which buys
nothing a planner can see and makes proofs of optimality several times slower (measured on the
demo district: 3 s at scale 1 against 12–25 s at scale 10).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Objective coefficients are points × this scale, rounded half up to integers.
OBJECTIVE_SCALE = 1


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights (points).

    A project's *priority* (the same wherever it lands)::

        tier points (by total investment: ≥1, ≥10, ≥50, ≥100 亿)
        + investment_per_yi × investment (亿元) + output_per_yi × output (亿元/年)
        + tax_per_1000wan × tax (千万元/年) + jobs_per_100 × jobs / 100
        + tag points (each tag) + stage points

    plus the *placement quality* of a (project, carrier, year)::

        − waste_per_mu × (supplied − demanded land, 亩)
        + focus (carrier lists the project's cluster explicitly: the zone's planned focus)
        + anchor × max(0, 1 − distance to the cluster's anchor firm / anchor_radius_km)
        − delay_per_year × (year − desired start year)
        − delay_per_month × months between desired start and earliest start date

    Placing a project is always worth at least 1 point (quality cannot cancel priority).

    With ``probability`` (the expected-value objective, :mod:`optimizer.uncertainty`) a
    project's priority is its probability of materialising × the priority above.
    """

    tier_points: tuple[tuple[float, float], ...] = ((100, 600), (50, 300), (10, 100), (1, 20))
    investment_per_yi: float = 2.0
    output_per_yi: float = 0.5
    tax_per_1000wan: float = 1.0
    jobs_per_100: float = 1.0
    tag_points: dict[str, float] = field(
        default_factory=lambda: {
            "fortune500": 30.0,
            "hq": 20.0,
            "listed": 10.0,
            "specialised": 10.0,
            "chain_leader": 30.0,
        }
    )
    stage_points: dict[str, float] = field(
        default_factory=lambda: {"signed": 60.0, "registered": 40.0, "negotiating": 0.0}
    )
    waste_per_mu: float = 0.2
    focus: float = 5.0
    anchor: float = 5.0
    anchor_radius_km: float = 8.0
    delay_per_year: float = 8.0
    delay_per_month: float = 0.5
    #: Expected-value objective (项目落地概率): project id → probability that it materialises;
    #: a listed project's priority is multiplied by it (:func:`optimizer.objective.priority_points`,
    #: the one place). Empty (the default): off, every project counts in full.
    probability: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Policy:
    """Policy knobs that change which placements are allowed."""

    waste_tolerance: float = 0.5
    standard_land: bool = True
    include_negotiating: bool = True
    lexicographic: bool = False
    allow_groups: bool = True
    max_group_size: int = 3
    withheld: frozenset[str] = frozenset()
    pins: dict[str, str] = field(default_factory=dict)


#: CP-SAT's deterministic time per wall-clock second of one single-worker search, by the number
#: of such searches running at once (``workers``), measured on the reference machine
#: (``bench/bench_determinism.py``; figures in ``bench/RESULTS.md``). A deterministic solve's
#: limit of ``time_limit_s`` seconds is ``time_limit_s`` × this in deterministic time, so the
#: limit a user types stays roughly the wall time they wait there; on a faster machine it ends
#: sooner with the same plan, on a slower or busier one later.
DETERMINISTIC_TIME_PER_S: dict[int, float] = {1: 0.5, 2: 0.5}


@dataclass(frozen=True, slots=True)
class SolverSettings:
    """CP-SAT limits and mode.

    ``deterministic`` (the default): the same input gives the same placements on every run and
    machine. ``workers`` single-worker CP-SAT searches run at once with seeds ``seed``,
    ``seed + 1``, …, each under a deterministic-time limit (translated from seconds by
    :data:`DETERMINISTIC_TIME_PER_S`), and the best is kept by a fixed rule (the first proven,
    else the best objective, the lowest seed among equals; see
    :func:`optimizer.interrupt.solve_portfolio`). With ``deterministic=False`` ("fastest") one
    CP-SAT runs ``workers`` racing workers under a wall-clock limit: two runs may return
    different plans.
    """

    time_limit_s: float = 30.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = True
    log: bool = True
    hint: bool = True
    #: Also build a hint from the LP relaxation (:func:`optimizer.greedy.lp_guided`) and start
    #: from it when it beats the priority greedy. On the benchmark district (10 s, seeds 1–5) the
    #: LP-guided start was 20 544 against 19 443 for the greedy, and CP-SAT ended 0.4 % higher on
    #: average; it costs ≈ 0.5 s there and is skipped for models beyond
    #: :data:`optimizer.relaxation.MAX_NONZEROS`.
    lp_hint: bool = True
    #: CP-SAT's own presolve. Off by default: candidate pruning already removes what it would,
    #: and on the benchmark district its probing spent 4.5 of 10 s before the search started
    #: (objective after 10 s: 19 455 with presolve, 20 707 without; demo gap 1.2 % → 0.4 %).
    presolve: bool = False
    #: Parts with at least this many candidates are improved by a large-neighbourhood search
    #: (:mod:`optimizer.lns`) from a start guided by a Lagrangian bound (:mod:`optimizer.bound`),
    #: which is the part's reported bound, instead of being solved as one model. Measured
    #: (``bench/RESULTS.md``): at 105 000 candidates the search gives a 1.3 % gap in 18 s of a 20 s
    #: limit where the one model needs 67 s; at 346 000, 1.1 % in 35 s of 30 s against 10 % in
    #: 97 s. Not used in lexicographic mode.
    lns_min_candidates: int = 100_000
    #: Run HiGHS beside CP-SAT on parts of a few thousand candidates or more (up to
    #: :data:`optimizer.mip.MAX_NONZEROS` non-zeros) when ``workers`` ≥ 2 (one CP-SAT search
    #: fewer), then a crossover of their plans: the better plan and the smaller bound are kept
    #: (:mod:`optimizer.mip`; on the benchmark district it finds better plans than CP-SAT).
    mip_worker: bool = True

    def limit_units(self) -> float:
        """The time limit in the units the solve counts: deterministic time, or seconds."""
        if not self.deterministic:
            return self.time_limit_s
        return self.time_limit_s * deterministic_rate(self.workers)


def deterministic_rate(workers: int) -> float:
    """CP-SAT deterministic time per wall second of each of ``workers`` concurrent searches."""
    known = DETERMINISTIC_TIME_PER_S
    return known.get(max(1, workers), known[max(known)])
