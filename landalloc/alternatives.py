"""Alternatives that really differ (比选方案) in a result folder: ``solve --alternatives K``.

The plans come from :func:`optimizer.alternatives.solve_alternatives` (no-good cuts in the spirit
of prioritizr's gap portfolios); each is checked by the independent verifier like the main plan.
The main plan stays in the result folder as plan A; plan B, C, … are written to
``alternatives/B/``, ``alternatives/C/`` … (``assignments.csv``, ``unassigned.csv``), and
``alternatives.csv`` lists every plan's KPIs and its differences from plan A in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.instance import Instance
from geodata.store import Tables
from optimizer.alternatives import differing, solve_alternatives
from optimizer.errors import VerificationError
from optimizer.explain import unassigned_table
from optimizer.kpis import assignments_table, kpis
from optimizer.problem import Problem
from optimizer.readiness import RuleSet
from optimizer.settings import SolverSettings
from optimizer.solution import Solution
from optimizer.verify import VerifyConfig, verify

#: The KPIs of ``alternatives.csv`` (the scalar ones of :func:`optimizer.kpis.kpis`).
KPI_COLUMNS = (
    "projects_placed",
    "investment_yi",
    "output_yi",
    "tax_wan",
    "jobs",
    "land_mu",
    "floor_m2",
    "supply_rate_signed_major",
    "ready_share",
)


@dataclass(frozen=True)
class AlternativesRequest:
    """``--alternatives K``: up to ``k`` plans (A included), each within ``tolerance`` of the
    best objective, pairwise differing in at least ``min_diff`` placements."""

    k: int
    tolerance: float = 0.01
    min_diff: int = 5


@dataclass
class AltPlan:
    """One verified alternative plan (B, C, …) with its tables."""

    label: str
    solution: Solution
    assignments: pd.DataFrame
    unassigned: pd.DataFrame
    kpis: dict[str, Any]


def _where(c: Any) -> str:
    return f"{'+'.join(c.carriers)} ({c.year})"


def changes(a: Solution, other: Solution, lang: str = "zh") -> str:
    """The differences of ``other`` from plan ``a`` in words, one clause per project."""
    before = {c.project_id: c for c in a.chosen}
    after = {c.project_id: c for c in other.chosen}
    zh = lang == "zh"
    out: list[str] = []
    for pid in sorted(set(before) | set(after)):
        b, x = before.get(pid), after.get(pid)
        if b is not None and x is not None:
            if (b.carriers, b.year) == (x.carriers, x.year):
                continue
            out.append(
                f"{pid} 从 {_where(b)} 改到 {_where(x)}"
                if zh
                else f"{pid} moved from {_where(b)} to {_where(x)}"
            )
        elif b is not None:
            out.append(
                f"{pid} 从 {_where(b)} 改为不落地" if zh else f"{pid} unplaced (was {_where(b)})"
            )
        elif x is not None:
            out.append(f"{pid} 新增落地于 {_where(x)}" if zh else f"{pid} placed on {_where(x)}")
    return ("；" if zh else "; ").join(out)


def alternative_plans(
    problem: Problem,
    settings: SolverSettings,
    best: Solution,
    request: AlternativesRequest,
    *,
    inst: Instance,
    tables: Tables,
    projects: pd.DataFrame,
    config: VerifyConfig,
    rules: RuleSet,
    zones: dict[str, tuple[str, str]],
    scenario: str,
    lang: str = "zh",
) -> tuple[list[AltPlan], str]:
    """Plans B, C, … after ``best`` (plan A), each verified; and the message when fewer than
    asked were found (empty otherwise).

    Raises
    ------
    VerificationError
        An alternative breaks a rule (as for the main plan).
    """
    alt = solve_alternatives(
        problem,
        settings,
        request.k,
        tolerance=request.tolerance,
        min_diff=request.min_diff,
        best=best,
    )
    plans: list[AltPlan] = []
    for label, sol in zip(alt.labels[1:], alt.plans[1:], strict=True):
        assign = assignments_table(inst, sol, rules, lang)
        violations = verify(tables.parcels, tables.factories, projects, assign, config)
        if violations:
            raise VerificationError(violations)
        plans.append(
            AltPlan(
                label, sol, assign, unassigned_table(inst, sol, zones), kpis(inst, sol, scenario)
            )
        )
    return plans, alt.message


def alternatives_table(
    best: Solution, best_kpis: dict[str, Any], plans: list[AltPlan], lang: str = "zh"
) -> pd.DataFrame:
    """``alternatives.csv``: one row per plan (A first), its KPIs and differences from A."""
    top = best.outcome.objective
    rows = []
    for label, sol, k in [("A", best, best_kpis), *((p.label, p.solution, p.kpis) for p in plans)]:
        obj = float(sum(c.coef for c in sol.chosen))
        rows.append(
            {
                "plan": label,
                "status": sol.outcome.status,
                "objective": obj,
                "objective_vs_best": round(obj / top, 4) if top else None,
                "verified": True,
                **{key: k.get(key) for key in KPI_COLUMNS},
                "differing_from_A": differing(best, sol),
                "changes_from_A": changes(best, sol, lang),
            }
        )
    return pd.DataFrame(rows)


def write_alternatives(
    best: Solution, best_kpis: dict[str, Any], plans: list[AltPlan], d: Path, lang: str = "zh"
) -> None:
    """Write ``alternatives/<label>/`` and ``alternatives.csv`` into the result folder ``d``."""
    from geodata.textsafe import neutralise_csv_text as safe  # names etc.: no live formulas

    for p in plans:
        folder = d / "alternatives" / p.label
        folder.mkdir(parents=True, exist_ok=True)
        safe(p.assignments).to_csv(folder / "assignments.csv", index=False, encoding="utf-8-sig")
        safe(p.unassigned).to_csv(folder / "unassigned.csv", index=False, encoding="utf-8-sig")
    table = alternatives_table(best, best_kpis, plans, lang)
    safe(table).to_csv(d / "alternatives.csv", index=False, encoding="utf-8-sig")
