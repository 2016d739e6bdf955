"""HiGHS on one model, as a separate process (``python highs_worker.py IN.npz OUT.npz``).

Started by :mod:`optimizer.mip`; never imported. It must not import ortools (nor anything of
this package, which does): highspy and ortools cannot share a process. It reads the model
(``max c·x, row_lo ≤ A x ≤ row_hi, var_lo ≤ x ≤ var_hi, x integer``, A row-wise) and a start
placement (optional) from ``IN.npz``, and writes ``OUT.npz`` through a temporary file.

The limit is deterministic: HiGHS is stopped at its ``events``-th MIP interrupt callback (HiGHS
with one thread runs the same search on every machine, so the same callbacks come in the same
order). ``safety_s`` is a wall-clock safety net only; reaching it is reported (``safety_hit``),
since the result then depends on the machine. With ``events`` 0 the wall-clock limit
``safety_s`` is the limit (the fastest mode).
"""

from __future__ import annotations

import os
import sys
import time

import highspy
import numpy as np


def build(data: dict[str, np.ndarray]) -> highspy.Highs:
    """A HiGHS instance holding the model of ``data`` (a maximisation; written by
    ``LinearForm.save``), one thread, no relative gap, an absolute gap of 0.999 (an integer
    objective: a gap below 1 proves optimality), started from ``start`` when there is one."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)
    # integer objective coefficients: a gap below 1 proves optimality
    h.setOptionValue("mip_abs_gap", 0.999)
    h.setOptionValue("random_seed", int(data["seed"]))
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n, m = len(data["c"]), len(data["row_lo"])
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = data["c"]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_lower_ = data["var_lo"]
    lp.col_upper_ = data["var_hi"]
    lp.row_lower_ = np.where(np.isinf(data["row_lo"]), -inf, data["row_lo"])
    lp.row_upper_ = np.where(np.isinf(data["row_hi"]), inf, data["row_hi"])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = data["indptr"]
    lp.a_matrix_.index_ = data["indices"]
    lp.a_matrix_.value_ = data["values"]
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    if "start" in data and len(data["start"]) == n:
        sol = highspy.HighsSolution()
        sol.col_value = data["start"].astype(float).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    return h


def main(src: str, dst: str) -> int:
    """Solve the model of ``src``; write the outcome to ``dst``."""
    with np.load(src) as f:
        data = {k: f[k] for k in f.files}
    budget = int(data["events"])
    safety = float(data["safety_s"])
    parent = os.getppid()
    h = build(data)
    h.setOptionValue("time_limit", safety)
    seen = [0]

    def on_event(e: highspy.HighsCallbackEvent) -> None:
        seen[0] += 1
        # stop at the budget, or when the process that started this one is gone
        if (budget and seen[0] >= budget) or os.getppid() != parent:
            e.interrupt()

    h.cbMipInterrupt.subscribe(on_event)
    t0 = time.perf_counter()
    h.run()
    wall = time.perf_counter() - t0
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    sol = h.getSolution()
    has = info.primal_solution_status == 2 and sol.value_valid
    x = np.rint(np.asarray(sol.col_value)).astype(np.int8) if has else np.zeros(0, np.int8)
    out = {
        "status": np.array(status),
        "objective": np.array(info.objective_function_value if has else np.nan),
        "bound": np.array(info.mip_dual_bound),
        "x": x,
        "events": np.array(seen[0]),
        "safety_hit": np.array(bool(budget) and status == "Time limit reached"),
        "wall_s": np.array(wall),
        "optimal": np.array(status == "Optimal"),
    }
    tmp = dst + ".part.npz"
    np.savez(tmp, **out)  # type: ignore[arg-type]
    os.replace(tmp, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
