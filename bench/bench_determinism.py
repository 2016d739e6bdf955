"""What determinism costs, and the calibration of seconds into CP-SAT's deterministic time.

Usage::

    python bench/bench_determinism.py [--time-limit 10] [--seeds 1 2 3] [--no-demo]
                                      [--json OUT.json]

For the demo district (``geodata/demo.gpkg``, 2026–2028) and the benchmark district
(``bench_model.SCALES["district"]``) at each seed, the product's own solve
(``Problem.standard(instance).solve``) runs in three modes at the same limit in seconds:

* ``fastest``: ``deterministic=False``, 2 workers racing under a wall-clock limit (the baseline);
* ``det-2``: the default, two single-worker deterministic searches at once (seeds 0 and 1),
  the better kept by a fixed rule, under a deterministic-time limit translated by
  ``optimizer.settings.DETERMINISTIC_TIME_PER_S``;
* ``det-1``: one single-worker deterministic search;
* with ``--variants``: CP-SAT's own deterministic parallel search (2 workers,
  ``interleave_search``), the alternative the product does not use.

It prints each mode's objective as a ratio to ``fastest`` (and to the greedy placement), the wall
time, and the deterministic time CP-SAT counted per second of its own wall time: the figure
``DETERMINISTIC_TIME_PER_S`` is calibrated from. ``det-2`` runs twice on each instance to check
that the placements are identical.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench_model import SCALES, make_tables  # noqa: E402

from geodata.instance import Instance  # noqa: E402
from geodata.store import build_instance, load  # noqa: E402
from optimizer.problem import Problem  # noqa: E402
from optimizer.settings import DETERMINISTIC_TIME_PER_S, SolverSettings  # noqa: E402

MODES: dict[str, dict[str, Any]] = {
    "fastest": {"deterministic": False, "workers": 2},
    "det-2": {"deterministic": True, "workers": 2},
    "det-1": {"deterministic": True, "workers": 1},
}
#: Alternatives measured on request (``--variants``): CP-SAT's own deterministic parallel search
#: (2 workers, ``interleave_search``) with its batch size, in place of the product's portfolio.
VARIANTS: dict[str, dict[str, Any]] = {
    "interleaved": {"interleave_search": True},
    "interleaved batch 8": {"interleave_search": True, "interleave_batch_size": 8},
}
_variant: dict[str, Any] = {}
_clock: list[tuple[float, float]] = []


def _counting_run() -> None:
    """Record CP-SAT's deterministic and wall time of every solve the product makes.

    With a variant selected, the product's ``run_cpsat`` (``optimizer.search``) is replaced by one CP-SAT with two
    workers and the variant's parameters under the same deterministic-time limit.
    """
    from ortools.sat.python import cp_model

    from optimizer import interrupt, search

    original = search.run_cpsat

    def run(model: Any, settings: Any, limit: float, log: list[str]) -> Any:
        if _variant:
            solver = cp_model.CpSolver()
            p = solver.parameters
            p.random_seed = settings.seed
            p.cp_model_presolve = settings.presolve
            p.num_workers = 2
            p.max_deterministic_time = limit
            p.max_time_in_seconds = 10 * limit + 60
            for k, v in _variant.items():
                setattr(p, k, v)
            status = interrupt.solve(solver, model)
        else:
            status, solver = original(model, settings, limit, log)
        _clock.append((solver.deterministic_time, solver.wall_time))
        return status, solver

    Problem._run = staticmethod(run)  # type: ignore[method-assign]
    search.run_cpsat = run  # the solve's own calls (optimizer.search.side_by_side)


def instances(seeds: list[int], demo: bool) -> list[tuple[str, Instance, tuple[int, ...]]]:
    """The demo district and the benchmark district at each seed."""
    out = []
    if demo:
        inst, _, _ = load(ROOT / "geodata" / "demo.gpkg")
        out.append(("demo", inst, (2026, 2027, 2028)))
    for seed in seeds:
        inst = build_instance(make_tables(seed, SCALES["district"]))
        out.append((f"district s{seed}", inst, tuple(inst.years)))
    return out


def solve(inst: Instance, years: tuple[int, ...], mode: str, limit: float) -> dict[str, Any]:
    """One solve; objective, bound, wall time, deterministic time and a hash of the plan."""
    _clock.clear()
    _variant.clear()
    _variant.update(VARIANTS.get(mode, {}))
    settings = SolverSettings(time_limit_s=limit, **MODES[mode if mode in MODES else "det-2"])
    t0 = time.perf_counter()
    sol = Problem.standard(inst, years=years).solve(settings)
    wall = time.perf_counter() - t0
    plan = sorted((c.project_id, ",".join(c.carriers), c.year) for c in sol.chosen)
    det = sum(d for d, _ in _clock)
    solver_wall = sum(w for _, w in _clock)
    return {
        "mode": mode,
        "objective": sol.outcome.objective,
        "bound": sol.outcome.best_bound,
        "greedy": sol.outcome.greedy_objective,
        "wall_s": round(wall, 2),
        "solver_wall_s": round(solver_wall, 2),
        "det_time": round(det, 3),
        "det_per_s": round(det / solver_wall, 3) if solver_wall > 0 else None,
        "plan": hashlib.sha256(json.dumps(plan).encode()).hexdigest()[:12],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; ``--json`` also writes the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--variants", action="store_true", help="also CP-SAT's interleaved search (alternatives)"
    )
    args = ap.parse_args(argv)
    _counting_run()
    console = Console()
    rows: list[dict[str, Any]] = []
    for name, inst, years in instances(args.seeds, not args.no_demo):
        modes = ["fastest", "det-2", "det-2", "det-1"] + (list(VARIANTS) if args.variants else [])
        for mode in modes:
            r = {"instance": name, **solve(inst, years, mode, args.time_limit)}
            rows.append(r)
            console.print(r)
    table = Table(title=f"determinism at {args.time_limit:g} s ({dt.date.today()})")
    for col in ("instance", "mode", "objective", "÷ fastest", "÷ greedy", "wall s", "det/s"):
        table.add_column(col, justify="left" if col in ("instance", "mode") else "right")
    for r in rows:
        base = next(x for x in rows if x["instance"] == r["instance"] and x["mode"] == "fastest")
        table.add_row(
            r["instance"],
            r["mode"],
            f"{r['objective']:,.0f}",
            f"{r['objective'] / base['objective']:.4f}",
            f"{r['objective'] / r['greedy']:.4f}",
            f"{r['wall_s']:.1f}",
            f"{r['det_per_s']:.3f}" if r["det_per_s"] is not None else "–",
        )
    console.print(table)
    same = {}
    for name in dict.fromkeys(r["instance"] for r in rows):
        plans = {r["plan"] for r in rows if r["instance"] == name and r["mode"] == "det-2"}
        same[name] = len(plans) == 1
    rates = {
        m: statistics.median(r["det_per_s"] for r in rows if r["mode"] == m and r["det_per_s"])
        for m in ("det-1", "det-2")
    }
    console.print(f"det-2 twice, same plan: {same}")
    console.print(
        f"deterministic time per solver second (median): 1 worker {rates['det-1']:.3f}, "
        f"2 workers interleaved {rates['det-2']:.3f}; in use: {DETERMINISTIC_TIME_PER_S}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "date": dt.datetime.now().isoformat(timespec="minutes"),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                    f"Python {platform.python_version()}",
                    "time_limit_s": args.time_limit,
                    "rows": rows,
                    "same_plan": same,
                    "rates": rates,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
