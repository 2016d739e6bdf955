"""Plain MIP of the allocation model, solved by HiGHS (run as a subprocess of bench_model.py).

Usage::

    python bench/mip_highs.py IN.json OUT.json

This script must never import ortools (directly or through ``optimizer``): highspy and ortools
cannot be loaded into the same process. It reads the exported candidate set (columnar: one list
per candidate field) and rebuilds the model of ``optimizer/constraints`` from it, with one binary
``x_i`` per candidate::

    max  Σ coef_i · x_i
    Σ_{i ∈ C(p)} x_i ≤ 1  (= 1 when p is pinned)                      every project p
    Σ_{i ∈ G(c)} x_i ≤ 1                                              non-divisible parcel c
    Σ_{i ∈ G(c)} land_i · x_i ≤ area(c)                               divisible parcel c
    Σ_{i ∈ F(f)} floor_i · x_i ≤ free_floor(f)                        every factory f
    Σ_{i: y_i = y} land_i · x_i ≤ Q(y, *)   (0 when the year has no row)  every planning year y
    Σ_{i: y_i = y, zone_i = z} land_i · x_i ≤ Q(y, z)                 every zone quota row

Every constraint is written out (no redundancy filtering: that is HiGHS presolve's job). The
objective coefficients are integers, so an absolute gap below 1 proves optimality; the relative
gap limit is set to 0 (HiGHS stops at 1e-4 by default, CP-SAT at 0).

The output JSON holds: status, objective, bound, gap, solve_s (``Highs.run`` wall time), build_s
(reading excluded), read_s, nodes, chosen (candidate indices with x = 1) and the HiGHS version.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import highspy
import numpy as np


def triplets(
    data: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Constraint matrix as (row, column, value) triplets plus the row bounds (lower, upper)."""
    c = data["cand"]
    n = len(c["coef"])
    inf = highspy.kHighsInf
    col = np.arange(n, dtype=np.int64)
    proj = np.asarray(c["project"], dtype=np.int64)
    land = np.asarray(c["land_cmu"], dtype=np.float64)
    floor = np.asarray(c["floor_m2"], dtype=np.float64)
    year = np.asarray(c["year"], dtype=np.int64)
    zone = np.asarray(c["zone"], dtype=np.int64)
    is_fac = np.asarray(c["kind"], dtype=np.int64) == 2
    rows_r: list[np.ndarray] = []
    rows_c: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    lo: list[float] = []
    up: list[float] = []

    def family(
        row_of: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
        lower: list[float],
        upper: list[float],
    ) -> None:
        base = len(lo)
        rows_r.append(row_of + base)
        rows_c.append(cols)
        rows_v.append(vals)
        lo.extend(lower)
        up.extend(upper)

    # assignment: one row per project with a candidate (pinned: = 1)
    n_proj = len(data["projects"])
    pinned = np.zeros(n_proj, dtype=bool)
    pinned[np.asarray(data["pinned"], dtype=np.int64)] = True
    family(proj, col, np.ones(n), [1.0 if p else -inf for p in pinned], [1.0] * n_proj)

    # parcels: each (candidate, carrier) incidence
    area = np.asarray(data["parcel_area_cmu"], dtype=np.float64)
    divisible = np.asarray(data["parcel_divisible"], dtype=bool)
    inc_c = np.asarray(data["use_cand"], dtype=np.int64)
    inc_p = np.asarray(data["use_parcel"], dtype=np.int64)
    vals = np.where(divisible[inc_p], land[inc_c], 1.0)
    family(inc_p, inc_c, vals, [-inf] * len(area), list(np.where(divisible, area, 1.0)))

    # factories
    ffloor = np.asarray(data["factory_floor_m2"], dtype=np.float64)
    fcol = col[is_fac]
    family(
        np.asarray(c["factory"], dtype=np.int64)[is_fac],
        fcol,
        floor[is_fac],
        [-inf] * len(ffloor),
        list(ffloor),
    )

    # quotas: district rows for every planning year, zone rows where a quota is given
    years = list(data["years"])
    zones = data["zones"]
    quota = {(int(y), str(z)): float(q) for y, z, q in data["quotas"]}
    has_land = land > 0
    yidx = {y: k for k, y in enumerate(years)}
    yrow = np.array([yidx.get(int(y), -1) for y in year], dtype=np.int64)
    sel = has_land & (yrow >= 0)
    family(
        yrow[sel],
        col[sel],
        land[sel],
        [-inf] * len(years),
        [quota.get((y, "*"), 0.0) for y in years],
    )
    keys = [(y, zi) for y in years for zi, z in enumerate(zones) if (y, z) in quota]
    kidx = {k: r for r, k in enumerate(keys)}
    if keys:
        krow = np.array(
            [kidx.get((int(y), int(z)), -1) for y, z in zip(year, zone, strict=True)],
            dtype=np.int64,
        )
        sel = has_land & (krow >= 0)
        family(
            krow[sel],
            col[sel],
            land[sel],
            [-inf] * len(keys),
            [quota[(y, zones[zi])] for y, zi in keys],
        )
    return (
        np.concatenate(rows_r),
        np.concatenate(rows_c),
        np.concatenate(rows_v),
        np.asarray(lo, dtype=np.float64),
        np.asarray(up, dtype=np.float64),
    )


def solve(data: dict[str, Any]) -> dict[str, Any]:
    """Build and solve the MIP; return the figures for the benchmark."""
    t0 = time.perf_counter()
    r, cidx, v, lower, upper = triplets(data)
    n = len(data["cand"]["coef"])
    order = np.argsort(r, kind="stable")
    r, cidx, v = r[order], cidx[order], v[order]
    m = len(lower)
    starts = np.searchsorted(r, np.arange(m)).astype(np.int32)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(data["time_limit_s"]))
    h.setOptionValue("threads", int(data["workers"]))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)  # integer objective: a gap below 1 is optimal
    h.setOptionValue("random_seed", int(data.get("seed", 0)))
    cost = np.asarray(data["cand"]["coef"], dtype=np.float64)
    empty_i = np.zeros(0, dtype=np.int32)
    h.addCols(n, cost, np.zeros(n), np.ones(n), 0, empty_i, empty_i, np.zeros(0))
    h.changeColsIntegrality(
        n,
        np.arange(n, dtype=np.int32),
        np.full(n, highspy.HighsVarType.kInteger.value, dtype=np.uint8),
    )
    h.addRows(m, lower, upper, len(v), starts, cidx.astype(np.int32), v)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
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
        "bound": float(info.mip_dual_bound),
        "gap": float(info.mip_gap) if has_solution else None,
        "nodes": int(info.mip_node_count),
        "solve_s": solve_s,
        "build_s": build_s,
        "rows": m,
        "cols": n,
        "nnz": len(v),
        "chosen": chosen,
        "highs_version": h.version(),
    }


def main(argv: list[str]) -> int:
    """Entry point: ``mip_highs.py IN.json OUT.json``."""
    if len(argv) != 2:
        print("usage: mip_highs.py IN.json OUT.json", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    with open(argv[0], encoding="utf-8") as f:
        data = json.load(f)
    read_s = time.perf_counter() - t0
    result = solve(data)
    result["read_s"] = read_s
    assert "ortools" not in sys.modules
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
