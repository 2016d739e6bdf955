"""Benchmark of the allocation model against greedy and a plain MIP solver (issue #21).

Usage::

    python bench/bench_model.py [--scale district|city|both] [--seeds 1-5] [--time-limit S]
                                [--workers 2] [--no-cpsat-only] [--json OUT.json]

For each scale and seed it generates an instance (``landalloc.demo.generate``), builds its
candidates once, and runs, one after the other on the same machine:

* **greedy** (``optimizer.greedy.greedy``);
* **the product**: ``Problem.solve`` with the default settings (deterministic, 2 workers: one
  CP-SAT search and the HiGHS worker of :mod:`optimizer.mip`, or a neighbourhood search and the
  Lagrangian bound on a part too large for one model);
* **CP-SAT only**: the same with ``mip_worker=False`` (what the MIP worker adds; skip with
  ``--no-cpsat-only``);
* **HiGHS**: the product's model (read by ``optimizer.linear.linear_form`` from the product's
  CP-SAT model, so the very same rows) solved by plain HiGHS in a subprocess
  (``bench/mip_highs.py``: highspy and ortools cannot share a process) with the same time limit
  and thread count, ``mip_rel_gap`` 0 and ``mip_abs_gap`` 0.999, no start.

Every plan is re-checked against the model's rows (``LinearForm.violations``) and its objective
recomputed from the coefficients. Goals (the issue's): district, each seed: product objective ≥
HiGHS's and product gap ≤ HiGHS's; city: a bound reported, gap ≤ 2 % within 60 s wall, never
below greedy. Default limits: 10 s district, 60 s city.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.store import build_instance  # noqa: E402
from landalloc import demo  # noqa: E402
from optimizer.candidates import CandidateSet  # noqa: E402
from optimizer.constraints.locks import resolve_pins  # noqa: E402
from optimizer.errors import NoSolutionError  # noqa: E402
from optimizer.greedy import greedy  # noqa: E402
from optimizer.linear import LinearForm, linear_form  # noqa: E402
from optimizer.problem import Problem  # noqa: E402
from optimizer.settings import SolverSettings  # noqa: E402

#: Instance sizes of the issue.
SCALES: dict[str, dict[str, int]] = {
    "district": {"n_projects": 300, "n_parcels": 1000, "n_factories": 60, "n_years": 3},
    "city": {"n_projects": 2000, "n_parcels": 10000, "n_factories": 200, "n_years": 5},
}
DEFAULT_LIMIT = {"district": 10.0, "city": 60.0}
#: City goal: gap at most this within the limit.
CITY_GAP = 0.02

console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


@dataclass(frozen=True)
class CachedProblem(Problem):
    """A :class:`Problem` that reuses a candidate set computed (and timed) once by the bench."""

    cached: CandidateSet | None = None

    def candidates(self) -> CandidateSet:
        """The cached candidates, or a fresh set when none was given."""
        return self.cached if self.cached is not None else super().candidates()


def make_tables(seed: int, size: dict[str, int]) -> Any:
    """Generate the tables of one scale."""
    return demo.generate(seed, **size)


# --------------------------------------------------------------------------- the model


def model_form(problem: Problem, cands: CandidateSet) -> LinearForm:
    """The product's whole model (every family, the priority objective) as a linear program."""
    pins = resolve_pins(problem.instance, problem.policy)
    ctx = problem._context(cands, pins, problem.effective_quotas(), explain=False)
    ctx.maximise(np.arange(ctx.n), ctx.cols.coef)
    form = linear_form(ctx.model)
    if form is None:
        raise SystemExit("the product's model is not a linear program of Booleans")
    return form


def checked(form: LinearForm, chosen: list[int]) -> tuple[float, int]:
    """Objective of the plan ``chosen`` (variable indices) and the rows it violates."""
    x = np.zeros(form.n)
    x[np.asarray(chosen, dtype=np.int64)] = 1.0
    return float(form.c @ x), form.violations(x)


def run_highs(form: LinearForm, limit: float, workers: int, seed: int) -> dict[str, Any]:
    """Plain HiGHS on ``form`` in a separate process (it never imports ortools)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.json"
        form.save(
            src,
            time_limit_s=np.array(limit),
            workers=np.array(workers),
            seed=np.array(seed),
        )
        t0 = time.perf_counter()
        cap = limit * 4 + 300
        try:
            proc = subprocess.run(
                [sys.executable, str(ROOT / "bench" / "mip_highs.py"), str(src), str(dst)],
                capture_output=True,
                text=True,
                timeout=cap,
            )
        except subprocess.TimeoutExpired:
            return {"status": f"no result after {cap:.0f} s (stopped)", "wall_s": cap}
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            return {"status": f"ERROR rc={proc.returncode}", "stderr": proc.stderr[-2000:]}
        out: dict[str, Any] = json.loads(dst.read_text(encoding="utf-8"))
    out["wall_s"] = wall
    return out


def run_product(
    problem: Problem, cands: CandidateSet, settings: SolverSettings, form: LinearForm
) -> dict[str, Any]:
    """Solve through the product's own ``Problem.solve``; its figures, re-checked."""
    cached = CachedProblem(
        **{f.name: getattr(problem, f.name) for f in fields(Problem)}, cached=cands
    )
    t0 = time.perf_counter()
    try:
        sol = cached.solve(settings)
    except NoSolutionError as e:
        return {"status": "NO_SOLUTION", "objective": None, "error": str(e)}
    wall = time.perf_counter() - t0
    o = sol.outcome
    obj, bad = checked(form, [c.index for c in sol.chosen])
    return {
        "status": o.status,
        "objective": o.objective,
        "bound": o.best_bound if math.isfinite(o.best_bound) else None,
        "gap": o.gap if math.isfinite(o.gap) else None,
        "wall_s": wall,
        "solve_s": o.solve_seconds,
        "build_s": o.build_seconds,
        "checked_objective": obj,
        "violations": bad,
        "phases": list(o.phases),
        "plan": [c.index for c in sol.chosen],
        "mip_log": [ln for ln in sol.log.splitlines() if "HiGHS worker" in ln or "agrangian" in ln],
    }


# --------------------------------------------------------------------------- one run


def bench_seed(
    name: str,
    seed: int,
    limit: float,
    workers: int,
    cpsat_only: bool,
    repeat: bool,
    equal_wall: bool,
) -> dict:
    """Every measurement of one scale and seed; the raw figures."""
    res: dict[str, Any] = {"scale": name, "seed": seed, "time_limit_s": limit}
    t0 = time.perf_counter()
    instance = build_instance(make_tables(seed, SCALES[name]))
    res["instance_s"] = time.perf_counter() - t0
    problem = Problem.standard(instance)
    t0 = time.perf_counter()
    cands = problem.candidates()
    res["candidates_s"] = time.perf_counter() - t0
    res["candidates"] = len(cands.candidates)
    t0 = time.perf_counter()
    form = model_form(problem, cands)
    res["form_s"] = time.perf_counter() - t0
    res["nonzeros"] = form.nonzeros
    pins = resolve_pins(instance, problem.policy)
    t0 = time.perf_counter()
    hint = greedy(instance, cands, problem.effective_quotas(), pins)
    g_obj, g_bad = checked(form, [c.index for c in hint])
    res["greedy"] = {"objective": g_obj, "violations": g_bad, "wall_s": time.perf_counter() - t0}
    console.print(
        f"[{name} seed {seed}] {res['candidates']:,} candidates in {res['candidates_s']:.1f} s, "
        f"{form.nonzeros:,} non-zeros; greedy {g_obj:,.0f}"
    )
    settings = SolverSettings(time_limit_s=limit, workers=workers, log=True)
    runs = [("product", settings)]
    if cpsat_only:
        runs.append(("cpsat_only", replace(settings, mip_worker=False)))
    if repeat:
        runs.append(("product_again", settings))
    for key, s in runs:
        res[key] = run_product(problem, cands, s, form)
        r = res[key]
        console.print(
            f"[{name} seed {seed}] {key}: {r['status']} {_num(r.get('objective'))} "
            f"bound {_num(r.get('bound'))} wall {r.get('wall_s', 0):.1f} s {r.get('mip_log', '')}"
        )
        gc.collect()
    peers = [("highs", limit)]
    if equal_wall and res["product"].get("wall_s"):
        peers.append(("highs_equal_wall", round(res["product"]["wall_s"], 1)))
    for key, seconds in peers:
        h = run_highs(form, seconds, workers, seed)
        chosen = h.pop("chosen", None)
        if chosen is not None and h.get("objective") is not None:
            h["checked_objective"], h["violations"] = checked(form, chosen)
        h["time_limit_s"] = seconds
        res[key] = h
        console.print(
            f"[{name} seed {seed}] HiGHS ({seconds:g} s): {h.get('status')} "
            f"{_num(h.get('objective'))} bound {_num(h.get('bound'))}"
        )
    if repeat:
        again = res.pop("product_again")
        res["repeat_same_plan"] = again.get("plan") == res["product"].get("plan")
    for r in (res.get("product", {}), res.get("cpsat_only", {})):
        r["placed"] = len(r.pop("plan", []) or [])
    res["goals"] = goals(res)
    return res


def _gap_of(r: dict[str, Any]) -> float | None:
    if r.get("objective") is None or r.get("bound") is None:
        return None
    return float((r["bound"] - r["objective"]) / max(1.0, abs(r["objective"])))


def goals(res: dict[str, Any]) -> dict[str, Any]:
    """The issue's goals for this scale and seed, each with the figures it was judged on."""
    p, h = res["product"], res["highs"]
    g = res["greedy"]["objective"]
    po, ho = p.get("objective"), h.get("objective")
    pg, hg = _gap_of(p), _gap_of(h)
    if res["scale"] == "district":
        return {
            "objective_ge_highs": {
                "met": po is not None and (ho is None or po >= ho),
                "figure": f"{_num(po)} vs HiGHS {_num(ho)}",
            },
            "gap_le_highs": {
                "met": pg is not None and (hg is None or pg <= hg + 1e-12),
                "figure": f"{_pct(pg)} vs HiGHS {_pct(hg)}",
            },
        }
    limit = res["time_limit_s"]
    repeat = res.get("repeat_same_plan")
    return {
        "deterministic": {
            "met": bool(repeat),
            "figure": "same plan on a second run" if repeat else f"second run: {repeat}",
        },
        "bound_reported": {"met": p.get("bound") is not None, "figure": _num(p.get("bound"))},
        "gap_le_2pct": {
            "met": pg is not None and pg <= CITY_GAP,
            "figure": f"{_pct(pg)} (wall {p.get('wall_s', 0):.1f} s, limit {limit:g} s)",
        },
        "within_limit_wall": {
            "met": p.get("wall_s", math.inf) <= limit + 1.0,
            "figure": f"{p.get('wall_s', 0):.1f} s",
        },
        "never_below_greedy": {
            "met": po is not None and p.get("checked_objective", -1) >= g,
            "figure": f"{_num(po)} vs greedy {_num(g)}",
        },
    }


# --------------------------------------------------------------------------- output


def _num(v: Any, fmt: str = ",.0f") -> str:
    return "–" if v is None else format(v, fmt)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.2%}"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.4f}"


def print_table(res: dict[str, Any]) -> None:
    """One table per scale and seed: greedy, the product, CP-SAT only and HiGHS as rows."""
    g, h = res["greedy"]["objective"], res["highs"]
    t = Table(
        title=f"{res['scale']} seed {res['seed']}: {res['candidates']:,} candidates, "
        f"limit {res['time_limit_s']:g} s"
    )
    for col in ("run", "status", "objective", "bound", "gap", "wall s", "÷ greedy", "÷ HiGHS"):
        t.add_column(col, justify="left" if col in ("run", "status") else "right")
    t.add_column("violations", justify="right")
    rows = [("greedy", {"objective": g, "wall_s": res["greedy"]["wall_s"]})]
    rows.append(("product (default, deterministic)", res["product"]))
    if "cpsat_only" in res:
        rows.append(("CP-SAT only (no MIP worker)", res["cpsat_only"]))
    rows.append((f"HiGHS (subprocess, plain, {h.get('time_limit_s', 0):g} s)", h))
    if "highs_equal_wall" in res:
        e = res["highs_equal_wall"]
        rows.append((f"HiGHS at the product's wall time ({e['time_limit_s']:g} s)", e))
    for label, r in rows:
        t.add_row(
            label,
            str(r.get("status", "–")),
            _num(r.get("objective")),
            _num(r.get("bound")),
            _pct(_gap_of(r)),
            _num(r.get("wall_s"), ".1f"),
            _ratio(r.get("objective"), g),
            _ratio(r.get("objective"), h.get("objective")),
            str(r.get("violations", res["greedy"]["violations"] if label == "greedy" else "–")),
        )
    console.print(t)
    for goal, v in res["goals"].items():
        mark = "[green]MET[/green]" if v["met"] else "[red]NOT MET[/red]"
        console.print(f"  goal {goal}: {mark} ({v['figure']})")


def _seeds(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", choices=("district", "city", "both"), default="both")
    ap.add_argument("--seeds", default="1", help="e.g. 1-5 or 1,3 (default 1)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-cpsat-only", dest="cpsat_only", action="store_false")
    ap.add_argument("--repeat", action="store_true", help="solve twice; the plans must agree")
    ap.add_argument(
        "--equal-wall",
        action="store_true",
        help="also run HiGHS with the product's wall time as its limit",
    )
    ap.add_argument("--json", type=Path, default=None, help="write the raw figures here")
    args = ap.parse_args(argv)
    scales = ("district", "city") if args.scale == "both" else (args.scale,)
    load = os.getloadavg()
    console.print(
        f"{dt.datetime.now():%Y-%m-%d %H:%M} load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}, {os.cpu_count()} CPUs, workers {args.workers}"
    )
    results = []
    for name in scales:
        limit = args.time_limit if args.time_limit is not None else DEFAULT_LIMIT[name]
        for seed in _seeds(args.seeds):
            res = bench_seed(
                name, seed, limit, args.workers, args.cpsat_only, args.repeat, args.equal_wall
            )
            res["load_after"] = os.getloadavg()
            print_table(res)
            results.append(res)
    met = {}
    for r in results:
        for goal, v in r["goals"].items():
            met.setdefault((r["scale"], goal), []).append(v["met"])
    for (scale, goal), flags in met.items():
        console.print(f"{scale} {goal}: met on {sum(flags)} of {len(flags)} seeds")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
