"""Re-plans anchored on a reference result folder, and the causes of their changes.

A scenario's ``anchor`` section (or ``landalloc solve --anchor DIR``, or ``compare``, which
anchors every scenario on the first) names a result folder written by ``landalloc solve``. The
new plan is the best plan for the scenario that changes least of that folder's plan
(:mod:`optimizer.anchor`); ``changes.csv`` gives each changed project its cause
(:mod:`optimizer.causes`) and ``summary.json`` records how many changes the anchoring avoided.
With ``hold: false`` the plan is not anchored: the changes are only listed, with their causes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.instance import Instance
from geodata.report import DataError, Problem
from geodata.textsafe import restore_csv_text
from geodata.units import mu_to_cmu
from optimizer.anchor import Reference
from optimizer.causes import ReferencePlan, change_table
from optimizer.problem import Problem as Model
from optimizer.settings import SolverSettings
from optimizer.solution import Solution


@dataclass(frozen=True)
class AnchorRequest:
    """What to anchor on.

    Parameters
    ----------
    plan
        The reference result folder (``assignments.csv``, ``unassigned.csv``, ``summary.json``).
    tolerance
        Share of the best objective that may be given up to keep more of the reference.
    hold
        Anchor the plan (``False``: only list the changes and their causes).
    """

    plan: Path
    tolerance: float = 0.0
    hold: bool = True


_FILES = ("assignments.csv", "unassigned.csv", "summary.json")


def _missing(folder: Path, name: str) -> DataError:
    return DataError(
        Problem(
            "error",
            "anchor_not_result",
            f"锚定方案 {folder} 不是 landalloc solve 的结果目录（缺少 {name}）",
            f"anchor plan {folder} is not a result folder of landalloc solve ({name} is missing)",
            file=str(folder / name),
            column="anchor.plan",
        )
    )


def _csv(path: Path) -> pd.DataFrame:
    return restore_csv_text(
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    )


def read_reference(folder: Path) -> ReferencePlan:
    """The plan of a result folder, its quotas and its reasons (exit 2 when it is not one)."""
    for name in _FILES:
        if not (folder / name).is_file():
            raise _missing(folder, name)
    try:
        a = _csv(folder / "assignments.csv")
        u = _csv(folder / "unassigned.csv")
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        placements = {
            str(pid): (tuple(sorted(map(str, g["carrier_id"]))), int(g["year"].iloc[0]))
            for pid, g in a.groupby("project_id", sort=True)
        }
        quotas = {
            (int(q["year"]), str(q["zone"])): mu_to_cmu(float(q["quota_mu"]))
            for q in summary["kpis"].get("quota", [])
        }
        reasons = dict(zip(u["project_id"], u["reason_code"], strict=True))
    except (KeyError, ValueError, TypeError) as exc:
        raise _missing(folder, f"{type(exc).__name__}: {exc}") from None
    return ReferencePlan(Reference(placements, str(folder)), quotas, reasons)


def reference_hash(folder: Path) -> str:
    """SHA-256 of the files of a reference folder that decide an anchored plan."""
    h = hashlib.sha256()
    for name in _FILES:
        path = folder / name
        h.update(path.read_bytes() if path.is_file() else b"")
    return h.hexdigest()


def anchor_solution(
    problem: Model,
    settings: SolverSettings,
    solution: Solution,
    instance: Instance,
    request: AnchorRequest,
    zones: dict[str, tuple[str, str]],
) -> tuple[Solution, pd.DataFrame, dict[str, Any]]:
    """The anchored plan (or ``solution`` with ``hold`` off), its changes and the summary block."""
    ref = read_reference(request.plan)
    info: dict[str, Any] = {
        "plan": str(request.plan),
        "hold": request.hold,
        "tolerance": request.tolerance,
    }
    if request.hold:
        res = problem.solve_anchored(ref.plan, settings, tolerance=request.tolerance, best=solution)
        solution = res.plan
        info |= {
            "changes_unanchored": res.changes_unanchored,
            "changes": res.changes_anchored,
            "avoided": res.avoided,
            "objective_unanchored": res.unanchored.outcome.objective,
            "objective": res.plan.outcome.objective,
            "status": res.status,
        }
    table = change_table(instance, solution, ref, zones)
    info["changes"] = len(table)
    info["by_cause"] = {str(k): int(v) for k, v in table["cause_code"].value_counts().items()}
    return solution, table, info
