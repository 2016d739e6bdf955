"""Plain HiGHS on the product's model (run as a subprocess of bench_model.py).

Usage::

    python bench/mip_highs.py IN.npz OUT.json

This script must never import ortools (directly or through ``optimizer``): highspy and ortools
cannot be loaded into the same process. ``IN.npz`` holds the model the product solves, read from
its CP-SAT model by ``optimizer.linear.linear_form`` (so the peer solves exactly the same rows:
``max c·x, row_lo ≤ A x ≤ row_hi, x ∈ {0, 1}``, A row-wise) and the run's settings. HiGHS runs
as a plain MIP solver with the settings this benchmark has always used: the same time limit and
thread count as the product, ``mip_rel_gap = 0`` and ``mip_abs_gap = 0.999`` (the objective has
integer coefficients, so a gap below 1 proves optimality; HiGHS's default relative gap of 1e-4
would stop earlier than CP-SAT does), no start solution.

The output JSON holds: status, objective, bound, gap, nodes, solve_s (``Highs.run`` wall time),
build_s, read_s, rows, cols, nnz, chosen (variable indices with x = 1) and the HiGHS version.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from optimizer.highs_worker import build  # highspy and numpy only, never ortools


def solve(data: dict[str, np.ndarray]) -> dict[str, Any]:
    """Build and solve the MIP; return the figures for the benchmark."""
    t0 = time.perf_counter()
    # the model as the product's worker builds it (that module imports highspy and numpy only),
    # then this benchmark's settings: its thread count and a wall-clock limit, no start
    h = build({k: v for k, v in data.items() if k != "start"})
    h.setOptionValue("time_limit", float(data["time_limit_s"]))
    h.setOptionValue("threads", int(data["workers"]))
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - t1
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    chosen: list[int] = []
    objective = None
    if has_solution:
        values = np.asarray(h.getSolution().col_value)
        chosen = [int(i) for i in np.flatnonzero(values > 0.5)]
        objective = float(info.objective_function_value)
    return {
        "status": status,
        "objective": objective,
        "bound": float(info.mip_dual_bound) if has_solution or info.mip_node_count > 0 else None,
        "gap": float(info.mip_gap) if has_solution else None,
        "nodes": int(info.mip_node_count),
        "solve_s": solve_s,
        "build_s": build_s,
        "rows": len(data["row_lo"]),
        "cols": len(data["c"]),
        "nnz": len(data["values"]),
        "chosen": chosen,
        "highs_version": h.version(),
    }


def main(argv: list[str]) -> int:
    """Entry point: ``mip_highs.py IN.npz OUT.json``."""
    if len(argv) != 2:
        print("usage: mip_highs.py IN.npz OUT.json", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    with np.load(argv[0]) as f:
        data = {k: f[k] for k in f.files}
    read_s = time.perf_counter() - t0
    result = solve(data)
    result["read_s"] = read_s
    assert "ortools" not in sys.modules
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
