"""The composable Python API: ``Problem(instance).add_…(…).maximise_priority(…).solve(…)``.

Each ``add_*`` returns a new :class:`Problem` (problems are immutable values), in the spirit of
prioritizr. The CLI builds its problems with them (:func:`landalloc.run.build_problem`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from geodata.instance import Instance
from geodata.units import mu_to_cmu
from optimizer import interrupt
from optimizer.alternatives import Alternatives, solve_alternatives
from optimizer.anchor import Anchored, Reference, solve_anchored
from optimizer.bound import part_bound
from optimizer.candidates import Candidate, CandidateSet, build_candidates
from optimizer.components import part_limit, split_components
from optimizer.constraints.base import ModelContext, chosen_values
from optimizer.constraints.clashes import links as clash_links
from optimizer.constraints.locks import pin_conflicts, resolve_pins
from optimizer.errors import InfeasibleError, NoSolutionError
from optimizer.greedy import greedy, lp_guided
from optimizer.linear import linear_form
from optimizer.lns import improve
from optimizer.model import build_model
from optimizer.objective import lexicographic_weights, tier_of
from optimizer.readiness import RuleSet, load_rules
from optimizer.relaxation import MAX_NONZEROS as RELAX_NONZEROS
from optimizer.relaxation import relax_form
from optimizer.search import STATUS, PartResult, run_cpsat, side_by_side
from optimizer.settings import Policy, SolverSettings, Weights, deterministic_rate
from optimizer.solution import Outcome, Solution

#: What the guided start of a neighbourhood search is charged per candidate in deterministic mode
#: (one core's seconds: a sort of arrays and a pass of the packer, ≈ 1 µs measured at city scale,
#: with a margin), so the search's limit, and so its plan, do not depend on the machine.
GUIDED_SECONDS_PER_CANDIDATE = 3e-6
#: What building the candidates, the greedy start and the split into parts are charged per
#: candidate in deterministic mode (one core's seconds; ≈ 4 µs measured at city scale, 2.2 million
#: candidates in ≈ 9 s), so that the limit a user types stays roughly the wall time they wait.
PRE_SECONDS_PER_CANDIDATE = 4.5e-6


def _ready_signed(instance: Instance, pins: Mapping[str, str]) -> Instance:
    """``instance`` with every signed project ``ready_to_build`` but the pinned ones."""
    return replace(
        instance,
        projects=tuple(
            replace(p, ready_to_build=True)
            if p.stage == "signed" and not p.pinned_carrier and p.project_id not in pins
            else p
            for p in instance.projects
        ),
    )


@dataclass(frozen=True)
class Problem:
    """An allocation problem over an :class:`~geodata.instance.Instance`.

    Parameters
    ----------
    instance
        The data (with ``strict_ready_signed``: the copy of ``data`` that this policy makes
        again whenever the pins change, see :meth:`add_readiness`).
    years
        Planning years; defaults to the years that have quota rows.
    """

    instance: Instance
    years: tuple[int, ...] = ()
    policy: Policy = field(default_factory=Policy)
    weights: Weights = field(default_factory=Weights)
    rules: RuleSet | None = None
    quotas: dict[tuple[int, str], int] | None = None
    max_carriers_per_project: int | None = None
    strict_ready_signed: bool = False
    data: Instance | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.years:
            object.__setattr__(self, "years", self.instance.years)
        if self.strict_ready_signed:  # from the data as given, with the pins as they are now
            data = self.data or self.instance
            object.__setattr__(self, "data", data)
            object.__setattr__(self, "instance", _ready_signed(data, self.policy.pins))
        elif self.data is not None:  # the policy was turned off: the data as given
            object.__setattr__(self, "instance", self.data)
            object.__setattr__(self, "data", None)

    # ------------------------------------------------------------------ building blocks
    @classmethod
    def standard(cls, instance: Instance, years: tuple[int, ...] = (), **kw: Any) -> Problem:
        """Every hard rule of the domain, the data's quotas and the default weights."""
        return cls(instance, tuple(sorted(years)), **kw).add_quota()

    def add_quota(
        self,
        quotas: Mapping[tuple[int, str], int] | None = None,
        *,
        scale: float = 1.0,
        by_year: Mapping[int, float] | None = None,
        override: Mapping[tuple[int, str], float] | None = None,
    ) -> Problem:
        """Annual land quotas, (year, zone ``*`` = district) → 0.01 亩: ``quotas`` (default the
        data's) times ``scale × by_year[year]`` (1 for a missing year), rounded half up; then
        ``override``, (year, zone) → 亩, replaces or adds quotas, not scaled. These are the
        rows' whole quotas: the land this year has already used is subtracted afterwards
        (:meth:`effective_quotas`)."""
        if quotas is None:
            quotas = {(q.year, q.zone): q.land_cmu for q in self.instance.quotas}
        factors = by_year or {}
        scaled: dict[tuple[int, str], int] = {}
        for (year, zone), v in quotas.items():
            factor = scale * factors.get(year, 1.0)
            scaled[(year, zone)] = int(v * factor + 0.5) if factor != 1.0 else v
        for key, land_mu in (override or {}).items():
            scaled[key] = mu_to_cmu(land_mu)
        return replace(self, quotas=scaled)

    def add_locks(
        self, pins: Mapping[str, str] | None = None, withheld: Iterable[str] = frozenset()
    ) -> Problem:
        """Pinned placements (project → carrier) and withheld carriers, beyond the data's pins."""
        return replace(
            self,
            policy=replace(
                self.policy,
                pins={**self.policy.pins, **(pins or {})},
                withheld=self.policy.withheld | frozenset(withheld),
            ),
        )

    def add_policy(self, **knobs: Any) -> Problem:
        """Change policy knobs (see :class:`~optimizer.settings.Policy`)."""
        return replace(self, policy=replace(self.policy, **knobs))

    def add_readiness(
        self, rules: RuleSet | None = None, *, strict_ready_signed: bool | None = None
    ) -> Problem:
        """Readiness rules (``None``: keep the current; by default the packaged ones). With
        ``strict_ready_signed`` signed projects must start on acquisition (拿地即开工): they are
        ``ready_to_build`` but pinned ones (by the data or :meth:`add_locks`, in any order), whose
        land is decided, keep the data's value (``None``: keep the current setting)."""
        return replace(
            self,
            rules=rules if rules is not None else self.rules,
            strict_ready_signed=(
                self.strict_ready_signed if strict_ready_signed is None else strict_ready_signed
            ),
        )

    def maximise_priority(
        self, weights: Weights | None = None, *, lexicographic: bool = False
    ) -> Problem:
        """Maximise priority-weighted placements (optionally majors first, lexicographically)."""
        return replace(
            self,
            weights=weights or self.weights,
            policy=replace(self.policy, lexicographic=lexicographic),
        )

    # ------------------------------------------------------------------ solving
    def effective_quotas(self) -> dict[tuple[int, str], int]:
        """Quotas the model may use: each row's quota less the land already used this year
        (``used_mu`` of the data, never below 0); with no ``add_quota`` land is unlimited."""
        if self.quotas is None:
            big = sum(p.area_cmu for p in self.instance.parcels) + 1
            return {(y, "*"): big for y in self.years}
        used = self.used_quotas()
        return {k: max(0, v - used.get(k, 0)) for k, v in self.quotas.items()}

    def used_quotas(self) -> dict[tuple[int, str], int]:
        """Quota already used this year before the plan, (year, zone) → 0.01 亩 (the data's
        ``used_mu``; rows with none are left out)."""
        return {(q.year, q.zone): q.used_cmu for q in self.instance.quotas if q.used_cmu}

    def candidates(self) -> CandidateSet:
        """The candidate placements of this problem."""
        return build_candidates(
            self.instance,
            self.years,
            self.rules or load_rules(),
            policy=self.policy,
            weights=self.weights,
            max_carriers_per_project=self.max_carriers_per_project,
        )

    def solve(self, settings: SolverSettings | None = None) -> Solution:
        """Solve with CP-SAT and return a :class:`~optimizer.solution.Solution`.

        Independent parts of the problem (:mod:`optimizer.components`) are solved one after the
        other, smallest first, each with a share of the remaining time proportional to its
        number of candidates (time a part does not use passes to the next). The result is
        OPTIMAL only when every part is; objective and bound are the sums over the parts.

        Raises
        ------
        InfeasibleError
            Locked decisions cannot all hold (the conflicting rules are named).
        NoSolutionError
            No solution was found within the time limit.
        """
        settings = settings or SolverSettings()
        rules = self.rules or load_rules()
        t0 = time.perf_counter()
        cands = self.candidates()
        t_cand = time.perf_counter() - t0
        pins = resolve_pins(self.instance, self.policy)
        conflicts = pin_conflicts(self.instance, cands, pins, self.years, rules, self.policy)
        if conflicts:
            raise InfeasibleError(conflicts)
        quotas = self.effective_quotas()
        hint = greedy(self.instance, cands, quotas, pins)
        parts = split_components(cands, quotas, clash_links(self.instance, cands))
        # greedy decisions in one part never affect another: the global greedy, split by part
        hint_of: list[list[Candidate]] = [list(hint)] if len(parts) == 1 else [[] for _ in parts]
        if len(parts) > 1:
            part_of = {i: k for k, part in enumerate(parts) for i in part}
            for c in hint:
                hint_of[part_of[c.index]].append(c)
        # the budget is counted in the units of the limit: CP-SAT's deterministic time in
        # deterministic mode (so the parts' limits do not depend on the machine), else seconds
        # (candidates, pin checks, greedy and the split are part of the wall-clock limit)
        t_pre = time.perf_counter() - t0
        # (deterministic mode charges those steps by the candidate count, not by the clock)
        pre = len(cands.candidates) * PRE_SECONDS_PER_CANDIDATE * deterministic_rate(1)
        budget = settings.limit_units() - (pre if settings.deterministic else t_pre)
        left = sum(len(p) for p in parts)
        results: list[PartResult] = []
        log: list[str] = []
        for k, part in enumerate(parts):
            share = part_limit(budget, len(part), left, len(parts) - k, only=len(parts) == 1)
            if len(parts) > 1 and not (len(parts) > 20 and k < len(parts) - 5):
                log.append(f"=== part {k + 1}/{len(parts)}: {len(part)} candidates ===")
            # with many parts, only the five largest keep their full CP-SAT log
            quiet = len(parts) > 20 and k < len(parts) - 5
            res = self._solve_part(
                cands,
                part,
                pins,
                quotas,
                hint_of[k],
                replace(settings, log=False) if quiet else settings,
                share,
                log,
            )
            if quiet:
                log.append(f"part {k + 1}: {res.status} {res.objective:.0f} in {res.spent:.2f} s")
            results.append(res)
            budget -= res.used
            left -= len(part)
        # time a part did not use goes to the parts not yet proven, warm-started from their best
        open_parts = [k for k, r in enumerate(results) if r.status != "OPTIMAL"]
        size = sum(len(parts[k]) for k in open_parts)
        if len(parts) > 1 and open_parts and budget >= 1.0:
            for k in open_parts:
                share = budget * len(parts[k]) / size
                size -= len(parts[k])
                if share < 1.0:
                    continue
                log.append(f"=== part {k + 1}/{len(parts)} again: {share:.1f} s left ===")
                # started from this part's best placement: no second LP-guided hint
                again = self._solve_part(
                    cands,
                    parts[k],
                    pins,
                    quotas,
                    results[k].chosen,
                    replace(settings, lp_hint=False),
                    share,
                    log,
                )
                budget -= again.used
                results[k] = results[k].merge(again)
        greedy_obj = sum(c.coef for c in hint)
        chosen = sorted((c for r in results for c in r.chosen), key=lambda c: c.index)
        obj = float(sum(r.objective for r in results))
        bound = float(sum(r.bound for r in results)) if results else obj
        status_name = "OPTIMAL" if all(r.status == "OPTIMAL" for r in results) else "FEASIBLE"
        gap = abs(bound - obj) / max(1.0, abs(obj)) if bound == bound else float("nan")
        phases = [
            f"part{k + 1}:{ph}" if len(results) > 1 else ph
            for k, r in enumerate(results)
            for ph in r.phases
        ]
        outcome = Outcome(
            status=status_name,
            objective=obj,
            best_bound=bound,
            gap=0.0 if status_name == "OPTIMAL" else gap,
            solve_seconds=sum(r.spent for r in results),
            build_seconds=sum(r.build_s for r in results),
            candidates_seconds=t_cand,
            greedy_objective=float(greedy_obj),
            phases=tuple(phases),
            workers=max(1, settings.workers),
            deterministic=settings.deterministic,
            parts=len(parts),
            hint_objective=float(sum(r.hint_objective for r in results)),
            hint_seconds=sum(r.hint_s for r in results),
        )
        return Solution(chosen, cands, outcome, hint, "\n".join(log), self.years, quotas)

    def solve_alternatives(self, *args: Any, **kw: Any) -> Alternatives:
        """Up to ``k`` near-optimal plans that really differ (:func:`solve_alternatives`)."""
        return solve_alternatives(self, *args, **kw)

    def solve_anchored(self, reference: Reference, *args: Any, **kw: Any) -> Anchored:
        """The best plan that changes least of ``reference`` (:func:`solve_anchored`)."""
        return solve_anchored(self, reference, *args, **kw)

    def _solve_part(
        self,
        cands: CandidateSet,
        part: list[int],
        pins: dict[str, str],
        quotas: dict[tuple[int, str], int],
        hint: list[Candidate],
        settings: SolverSettings,
        limit: float,
        log: list[str],
    ) -> PartResult:
        """Solve one independent part (candidate indices ``part`` of ``cands``) in ``limit`` s."""
        sub = cands.subset(part)
        back = np.asarray(part, dtype=np.int64)  # sub index → index in cands (increasing)
        sub_pins = {p: c for p, c in pins.items() if sub.by_project.get(p)}
        greedy_obj = sum(c.coef for c in hint)
        large = len(part) >= settings.lns_min_candidates
        # the search starts from the greedy placement, which must hold every pin
        pins_held = sub_pins.keys() <= {c.project_id for c in hint}
        if large and settings.hint and pins_held and not self.policy.lexicographic:
            return self._solve_part_lns(
                sub, back, cands, sub_pins, quotas, hint, settings, limit, log
            )
        t1 = time.perf_counter()
        ctx = self._context(sub, sub_pins, quotas, explain=False)
        model, coefs = ctx.model, ctx.cols.coef
        everyone = np.arange(ctx.n)
        phases: list[str] = []
        # the model read once as a linear program: the LP hint and the MIP worker both use it
        ctx.maximise(everyone, coefs)
        form = linear_form(model, RELAX_NONZEROS)
        t_lp = time.perf_counter()
        if settings.hint and settings.lp_hint:
            relax = relax_form(form)
            if relax is not None:
                guided = lp_guided(self.instance, sub, quotas, sub_pins, relax.values)
                guided_obj = sum(c.coef for c in guided)
                if guided_obj > greedy_obj and sub_pins.keys() <= {c.project_id for c in guided}:
                    hint = [cands.candidates[int(back[c.index])] for c in guided]
                    greedy_obj = guided_obj
                    phases.append("hint:lp-guided")
        hint_s = time.perf_counter() - t_lp
        if settings.hint:
            values = np.zeros(ctx.n, dtype=np.int64)
            values[np.searchsorted(back, [c.index for c in hint])] = 1
            ctx.hint(values)
        build_s = time.perf_counter() - t1 - hint_s

        spent = 0.0  # solver wall time
        used = 0.0 if settings.deterministic else build_s + hint_s  # in the limit's units
        if self.policy.lexicographic:
            lw = lexicographic_weights(self.instance.projects)
            by_id = {p.project_id: p for p in self.instance.projects}
            weight = np.array([lw[tier_of(by_id[c.project_id])] for c in sub.candidates], np.int64)
            majors = np.flatnonzero(weight > 0)
            ctx.maximise(majors, weight[majors])
            status, solver = self._run(model, settings, limit / 2, log)
            spent += solver.wall_time
            used += solver.deterministic_time if settings.deterministic else solver.wall_time
            phases.append(f"majors:{STATUS.get(status, str(status))}")
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                best = round(solver.objective_value)
                ctx.add_linear(majors, weight[majors], best, cp_model.INT_MAX, "lexicographic")
                ctx.hint(chosen_values(solver, ctx.n))
            elif status == cp_model.INFEASIBLE:
                raise InfeasibleError(self._diagnose(sub, sub_pins, quotas))
        ctx.maximise(everyone, coefs)
        remaining = max(min(1.0, limit), limit - used)
        lex = self.policy.lexicographic
        got = side_by_side(
            ctx,
            form,
            values if settings.hint else None,
            settings,
            remaining,
            log,
            lexicographic=lex,
        )
        status, solver, x, obj, bound = got.status, got.solver, got.x, got.objective, got.bound
        spent += got.wall_s
        # (fastest mode: the whole side-by-side run, HiGHS's process and the crossover included)
        used += solver.deterministic_time + got.extra_used if settings.deterministic else got.wall_s
        phases.append(f"priority:{STATUS.get(status, str(status))}")
        if got.by_mip:
            phases.append("mip:highs")
        if got.crossed:
            phases.append("crossover")
        if status == cp_model.INFEASIBLE:
            raise InfeasibleError(self._diagnose(sub, sub_pins, quotas))
        found = x is not None
        hinted = {c.project_id for c in hint}
        greedy_ok = all(p in hinted for p in sub_pins)
        if not found and not greedy_ok:
            raise NoSolutionError(
                f"status {STATUS.get(status, status)} after {spent:.1f} s "
                f"({len(sub.candidates)} candidates)"
            )
        if x is not None and (obj >= greedy_obj or lex):
            chosen = [cands.candidates[int(i)] for i in back[np.flatnonzero(x)]]
            # integer objective: a bound less than one point above it proves the plan optimal
            status_name = "OPTIMAL" if bound == bound and bound - obj < 1 else "FEASIBLE"
        else:
            # never worse than greedy: keep the greedy placement, and say so
            chosen = list(hint)
            obj = float(greedy_obj)
            status_name = "FEASIBLE"
            phases.append("greedy-fallback")
            if not found:
                bound = float(solver.best_objective_bound) if solver.best_objective_bound else bound
        return PartResult(
            chosen,
            status_name,
            obj,
            bound,
            tuple(phases),
            spent,
            build_s,
            float(greedy_obj) if settings.hint else float("nan"),
            hint_s,
            used,
        )

    def _solve_part_lns(
        self,
        sub: CandidateSet,
        back: np.ndarray,
        cands: CandidateSet,
        pins: dict[str, str],
        quotas: dict[tuple[int, str], int],
        hint: list[Candidate],
        settings: SolverSettings,
        limit: float,
        log: list[str],
    ) -> PartResult:
        """A part too large for one model: improve the greedy placement by neighbourhoods; its
        bound is the Lagrangian one (:func:`optimizer.bound.part_bound`, charged to the limit)."""
        log.append(f"=== {len(sub.candidates)} candidates: large-neighbourhood search ===")
        pos = {int(i): k for k, i in enumerate(back.tolist())}
        start = [sub.candidates[pos[c.index]] for c in hint]
        target = float(sum(c.coef for c in start))
        det = settings.deterministic
        lag = part_bound(
            sub, self.instance, self.years, pins, quotas, target=target, deterministic=det
        )
        log.append(f"lagrangian bound {lag.bound:.0f}: {lag.iterations} steps, {lag.seconds:.1f} s")
        # a second start: the greedy that follows the bound's reduced objective (placements
        # worth most once the quota, land and floor they use are priced); charged like the bound
        t0 = time.perf_counter()
        guided = lp_guided(self.instance, sub, quotas, pins, lag.reduced)
        charge = lag.charge + (
            len(sub.candidates) * GUIDED_SECONDS_PER_CANDIDATE * deterministic_rate(1)
            if det
            else time.perf_counter() - t0
        )
        first = ["bound:lagrangian"]
        guided_obj = float(sum(c.coef for c in guided))
        if guided_obj > target and pins.keys() <= {c.project_id for c in guided}:
            start, target = guided, guided_obj
            first.append("start:lagrangian-guided")
        quiet = replace(settings, log=False)
        res = improve(
            self.instance,
            self.years,
            sub,
            quotas,
            pins,
            start,
            limit=max(0.0, limit - charge),
            run=lambda model, t: self._run(model, quiet, t, log),
            deterministic=settings.deterministic,
            seed=settings.seed,
            log=log,
        )
        chosen = [cands.candidates[int(back[c.index])] for c in res.chosen]
        bound = lag.bound
        if bound < res.objective:  # never expected (the bound is tested against brute force)
            log.append(f"lagrangian bound {bound:.0f} below the plan's {res.objective}: not used")
            bound = float("nan")
        return PartResult(
            chosen,
            "OPTIMAL" if res.objective >= bound else "FEASIBLE",
            float(res.objective),
            bound,
            (*first, f"lns:{res.improved}/{res.steps}"),
            res.spent,
            lag.seconds,
            float(res.start_objective),
            0.0,
            res.used + charge,
        )

    # ------------------------------------------------------------------ internals
    def _context(
        self,
        cands: CandidateSet,
        pins: dict[str, str],
        quotas: dict[tuple[int, str], int],
        *,
        explain: bool,
    ) -> ModelContext:
        return build_model(cands, self.instance, self.years, pins, quotas, explain=explain)

    #: Solve a model with a solve's settings (:func:`optimizer.search.run_cpsat`).
    _run = staticmethod(run_cpsat)

    def _diagnose(
        self, cands: CandidateSet, pins: dict[str, str], quotas: dict[tuple[int, str], int]
    ) -> list[tuple[str, str]]:
        """Name the conflicting rule groups: an assumption core, confirmed by a re-solve."""
        ctx = self._context(cands, pins, quotas, explain=True)
        lits = {key: lit for key, (lit, _, _) in ctx.groups.items()}
        ctx.model.add_assumptions(list(lits.values()))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 30.0
        status = interrupt.solve(solver, ctx.model)
        if status != cp_model.INFEASIBLE:
            return [
                ("锁定条件冲突，但无法确定具体规则", "locked decisions conflict (core unknown)")
            ]
        core_idx = set(solver.sufficient_assumptions_for_infeasibility())
        core = [k for k, lit in lits.items() if lit.index in core_idx]
        # confirm: only the core's assumptions must already be infeasible
        ctx.model.clear_assumptions()
        ctx.model.add_assumptions([lits[k] for k in core])
        check = cp_model.CpSolver()
        check.parameters.num_workers = 1
        check.parameters.max_time_in_seconds = 30.0
        confirmed = interrupt.solve(check, ctx.model) == cp_model.INFEASIBLE
        out = [(ctx.groups[k][1], ctx.groups[k][2]) for k in sorted(core)]
        if not confirmed:
            out.append(("（冲突核未能复核确认）", "(the conflict core could not be confirmed)"))
        return out
