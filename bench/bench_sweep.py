"""Benchmark of the parallel engine: the demo quota sweep on 1 and on 2 worker processes.

For each process count it starts a fresh local cluster (:class:`landalloc.engine.Engine`) and
solves the sweep's points with no cache, one CP-SAT worker each (the product's sweep task,
:func:`landalloc.sweep.solve_point`). It reports:

* **start**: the cluster's start, with every worker importing ``landalloc.run``;
* **wall**: from the first task submitted to the last result back;
* **Σ task**: the time the tasks ran inside their workers (load, solve, verify, KPIs) and
  **Σ CP-SAT**: the solver's share of it;
* **overhead per task**: ``(processes × wall − Σ task) / tasks``, the worker time per task not
  spent in the task (transfer, scheduling, idle workers at the end), and, separately, the round
  trip of a task that does nothing (``--probes`` trivial tasks, no cache).

The plans must not depend on the number of processes: the objectives of both runs are compared.

Usage::

    python bench/bench_sweep.py                      # 2027 district quota, 60–140 % by 20, 10 s
    python bench/bench_sweep.py --time-limit 5 --processes 1 2 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from landalloc.engine import Engine, Task, input_key, probe
from landalloc.sweep import (
    QuotaSweep,
    data_bytes,
    load_base,
    make_points,
    quota_series,
    solve_point,
)

ROOT = Path(__file__).resolve().parents[1]


def run_once(processes: int, args: argparse.Namespace) -> dict[str, Any]:
    """One sweep (no cache) and the probe round trips on a fresh cluster of ``processes``."""
    base = load_base(ROOT / "scenarios" / "baseline.yaml", args.time_limit)
    qs = QuotaSweep(range=tuple(args.range), years=[args.year], zones=False)
    series = quota_series(base, qs)
    points = [p for s in series for p in make_points(base, [s])[s.id]]
    t0 = time.perf_counter()
    with Engine(processes=processes, preload=("landalloc.run",)) as engine:
        engine.start()
        start = time.perf_counter() - t0
        ref = engine.share(data_bytes(base))
        suffix = base.data.suffix
        tasks = [
            Task(p.key, (p.scenario, ref, base.data_sha256, suffix, base.overrides), p.label)
            for p in points
        ]
        t1 = time.perf_counter()
        results = list(engine.map(solve_point, tasks, progress=False))
        wall = time.perf_counter() - t1
        ptasks = [Task(input_key("probe", i, time.time_ns()), (i,)) for i in range(args.probes)]
        t2 = time.perf_counter()
        list(engine.map(probe, ptasks, progress=False))
        probe_wall = time.perf_counter() - t2
    busy = sum(r.seconds for r in results)
    n = len(results)
    return {
        "processes": processes,
        "points": n,
        "start_s": round(start, 2),
        "wall_s": round(wall, 2),
        "task_s": round(busy, 2),
        "cpsat_s": round(sum(float(r.value.get("solve_seconds") or 0) for r in results), 2),
        "mean_task_s": round(statistics.mean(r.seconds for r in results), 2),
        "overhead_per_task_s": round((processes * wall - busy) / n, 3),
        "probe_round_trip_ms": round(1000 * probe_wall / max(1, args.probes), 1),
        "objectives": {r.label: r.value.get("objective") for r in results},
        "workers": sorted({r.worker for r in results}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--year", type=int, default=2027)
    ap.add_argument(
        "--range", type=float, nargs=3, default=(60, 140, 20), metavar=("FROM", "TO", "STEP")
    )
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--probes", type=int, default=50)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    runs = [run_once(p, args) for p in args.processes]
    same = len({json.dumps(r["objectives"], sort_keys=True) for r in runs}) == 1
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    print("| processes | points | start s | wall s | Σ task s | Σ CP-SAT s | mean task s | "
          "overhead / task s | no-op round trip ms |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in runs:
        print(f"| {r['processes']} | {r['points']} | {r['start_s']} | {r['wall_s']} | {r['task_s']} "
              f"| {r['cpsat_s']} | {r['mean_task_s']} | {r['overhead_per_task_s']} "
              f"| {r['probe_round_trip_ms']} |")  # fmt: skip
    if len(runs) > 1:
        print(f"speed-up {runs[0]['wall_s'] / runs[-1]['wall_s']:.2f}×; same objectives: {same}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "same": same, "load": load}, indent=2))


if __name__ == "__main__":
    main()
