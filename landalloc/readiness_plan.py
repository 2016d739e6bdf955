"""The plan that ``landalloc readiness --schedule / --slips / --unlock`` works on.

``landalloc readiness DATA`` takes a data file; a schedule, a slip report and an unlock ranking
need a plan. Where it comes from, in order:

* ``--plan RESULT_DIR``: a folder written by ``landalloc solve`` (its ``assignments.csv``; the
  data as its run saw them, what-ifs and slips of its recorded ``scenario.yaml`` applied);
* ``--scenario FILE``: the scenario is solved here;
* otherwise the **default scenario of the data**: every quota year of the data, the default
  policy and weights, the shipped readiness rules (or ``--rules``), deterministic. On the demo it
  is ``scenarios/baseline.yaml`` but for the time limit (``--time-limit``, 10 s by default).

The slip report and the unlock ranking compare re-solved variants with a base solved here with
the same settings (one CP-SAT worker, deterministic, the same time limit), also when ``--plan`` is
given (its recorded scenario is then the base scenario): only then do differences come from the
change and not from the settings. The variants are engine tasks (:func:`solve_variant`).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from geodata.build import build_instance
from geodata.instance import Instance
from geodata.store import Tables, load
from landalloc.scenario import load_scenario, tables_as_run
from optimizer.readiness import RuleSet, load_rules
from optimizer.readiness.rules import read_rules_file
from optimizer.readiness.slip import slip_tables

#: Seconds per solve when no time limit is given.
DEFAULT_TIME_LIMIT_S = 10.0


@dataclass
class PlanBase:
    """The base scenario of a readiness plan.

    ``scenario`` is the scenario as a mapping (``data`` absolute); ``overrides`` the solver
    settings every solve of it gets; ``label`` says where it came from (for the console).
    """

    scenario: dict[str, Any]
    data: Path
    data_sha256: str
    overrides: dict[str, Any]
    label: str


@dataclass
class Plan:
    """A plan and what it was made on: the data (after what-ifs), the rules, the placements."""

    instance: Instance
    tables: Tables
    rules: RuleSet
    assignments: pd.DataFrame
    label: str
    kpis: dict[str, Any]


def _merge(first: Mapping[str, Any], then: Mapping[str, Any]) -> dict[str, Any]:
    """Two readiness override layers as one (``then`` wins; preconditions merged by field)."""
    out = {**first, **then}
    pre = {k: dict(v or {}) for k, v in dict(first.get("preconditions") or {}).items()}
    for k, v in dict(then.get("preconditions") or {}).items():
        pre[k] = {**pre.get(k, {}), **dict(v or {})}
    if pre:
        out["preconditions"] = pre
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plan_base(
    data: Path,
    *,
    scenario_path: Path | None = None,
    rules_file: Path | None = None,
    time_limit_s: float | None = None,
    keep_data: bool = False,
    lang: str = "zh",
) -> PlanBase:
    """The base scenario: ``scenario_path``'s, else the default scenario of ``data``.

    ``rules_file`` overrides the rules under the scenario's own ``readiness`` section;
    ``keep_data``: the scenario is solved on ``data`` rather than on its own ``data`` key (the
    scenario recorded in a result folder, given with the data it ran on).
    """
    layer = dict(read_rules_file(rules_file)) if rules_file is not None else {}
    if scenario_path is not None:
        s = load_scenario(scenario_path)
        path = Path(data).resolve() if keep_data else s.data_path(scenario_path)
        scen = {**s.model_dump(mode="json"), "data": str(path)}
        limit = time_limit_s if time_limit_s is not None else s.solver.time_limit_s
        label = str(scenario_path)
    else:
        path = Path(data).resolve()
        inst, _, _ = load(path)
        scen = {"name": f"{path.stem} 默认情景", "data": str(path), "years": list(inst.years)}
        limit = time_limit_s if time_limit_s is not None else DEFAULT_TIME_LIMIT_S
        label = f"{path.name} 默认情景" if lang == "zh" else f"default scenario of {path.name}"
    if layer:
        scen["readiness"] = _merge(layer, scen.get("readiness") or {})
    overrides = {"time_limit_s": limit, "workers": 1, "deterministic": True}
    return PlanBase(scen, path, _sha256(path), overrides, label)


def solved_plan(base: PlanBase, lang: str = "zh") -> Plan:
    """Solve the base scenario here (one CP-SAT worker, deterministic, verified)."""
    from landalloc.run import solve_scenario

    with tempfile.TemporaryDirectory(prefix="landalloc-plan-") as d:
        path = Path(d) / "scenario.yaml"
        path.write_text(yaml.safe_dump(base.scenario, allow_unicode=True), encoding="utf-8")
        r = solve_scenario(path, lang=lang, solver_overrides=base.overrides)
    return Plan(r.instance, r.tables, r.rules, r.assignments, base.label, r.kpis)


def base_data(base: PlanBase) -> tuple[Instance, RuleSet, Tables]:
    """The data of the base scenario as its solves see them (what-ifs and slips applied), its
    readiness rules and its tables."""
    from landalloc.run import prepare

    with tempfile.TemporaryDirectory(prefix="landalloc-plan-") as d:
        path = Path(d) / "scenario.yaml"
        path.write_text(yaml.safe_dump(base.scenario, allow_unicode=True), encoding="utf-8")
        _, _, _, inst, tables, rules, _, _ = prepare(path)
    return inst, rules, tables


def folder_plan(folder: Path, data: Path, rules_file: Path | None = None) -> Plan:
    """The plan of a result folder of ``landalloc solve`` on ``data`` (as its run saw them)."""
    scen_file = folder / "scenario.yaml"
    s = load_scenario(scen_file) if scen_file.exists() else None
    layer = dict(read_rules_file(rules_file)) if rules_file is not None else {}
    rules = load_rules(override=_merge(layer, s.readiness if s is not None else {}))
    tables = tables_as_run(folder, data)
    if s is not None and s.readiness_slip:
        slips = [x.model_dump() for x in s.readiness_slip]
        tables = slip_tables(tables, rules, slips, str(scen_file))
    ids = {"project_id": str, "carrier_id": str, "carrier_kind": str}
    assignments = pd.read_csv(folder / "assignments.csv", dtype=ids, encoding="utf-8-sig")
    return Plan(build_instance(tables), tables, rules, assignments, str(folder), {})


def variant(base: PlanBase, slips: list[dict[str, Any]]) -> dict[str, Any]:
    """The base scenario with more readiness slips (after its own)."""
    own = list(base.scenario.get("readiness_slip") or [])
    if isinstance(own, dict):
        own = [own]
    return {**base.scenario, "readiness_slip": [*own, *slips]}


def solve_variant(
    scenario: dict[str, Any], data: bytes, data_sha256: str, suffix: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Engine task: solve one scenario on a worker (:func:`landalloc.sweep.solve_on_worker`); its
    KPIs and placements with start dates. A scenario that cannot be solved returns ``error``
    (cached like a plan).
    """
    from geodata.report import DataError
    from landalloc.sweep import solve_on_worker
    from optimizer.errors import InfeasibleError, NoSolutionError

    try:
        r = solve_on_worker(scenario, data, data_sha256, suffix, overrides)
    except (DataError, InfeasibleError, NoSolutionError) as exc:
        return {"error": type(exc).__name__, "message": str(exc)[:500]}
    placements: dict[str, dict[str, Any]] = {}
    for pid, g in r.assignments.groupby("project_id", sort=True):
        placements[str(pid)] = {
            "carriers": sorted(map(str, g["carrier_id"])),
            "year": int(g["year"].iloc[0]),
            "start": str(g["start_date"].iloc[0] or ""),
        }
    k = r.kpis
    return {
        "error": None,
        "objective": r.summary["objective"],
        "projects_placed": k["projects_placed"],
        "investment_yi": k["investment_yi"],
        "placements": placements,
    }


def run_variants(
    base: PlanBase,
    scenarios: Mapping[str, dict[str, Any]],
    *,
    address: str | None = None,
    processes: int | None = None,
    cache_dir: Path | None = None,
    progress: bool | str = True,
    lang: str = "zh",
) -> tuple[dict[str, dict[str, Any]], str]:
    """Solve every scenario (label → scenario) as one engine task each, in parallel.

    Returns the results by label (:func:`solve_variant`'s values) and the engine's description
    of where the work ran. Tasks are keyed by the scenario (without its data path), the data's
    SHA-256, the solver settings and the versions that decide a plan, so a cached result is
    never stale.
    """
    from landalloc.engine import Engine, Task, input_key
    from landalloc.sweep import plan_versions

    versions = plan_versions()
    keys: dict[str, str] = {}
    tasks = []
    with Engine(address, processes, ("landalloc.run",)) as engine:
        ref = engine.share(base.data.read_bytes())
        for label, scen in scenarios.items():
            content = {k: v for k, v in scen.items() if k != "data"}
            key = input_key(
                "readiness-variant", content, base.data_sha256, base.overrides, versions
            )
            keys[label] = key
            args = (scen, ref, base.data_sha256, base.data.suffix, base.overrides)
            tasks.append(Task(key, args, label))
        by_key = {
            r.key: r.value
            for r in engine.map(
                solve_variant, tasks, cache_dir=cache_dir, progress=progress, lang=lang
            )
        }
        where = engine.describe(lang)
    return {label: by_key[key] for label, key in keys.items()}, where


__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "Plan",
    "PlanBase",
    "base_data",
    "folder_plan",
    "plan_base",
    "run_variants",
    "solve_variant",
    "solved_plan",
    "variant",
]
