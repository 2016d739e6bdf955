"""Run a scenario end to end: load, solve, verify, explain, write the result folder atomically."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from geodata.instance import Instance
from geodata.postgis_url import db_url
from geodata.report import DataError, Report
from geodata.store import Tables, build_instance, load
from landalloc import __version__
from landalloc import uncertainty as unc
from landalloc.alternatives import (
    AlternativesRequest,
    AltPlan,
    alternative_plans,
    write_alternatives,
)
from landalloc.anchoring import AnchorRequest, anchor_solution
from landalloc.clashes import as_run as as_run_clashes
from landalloc.clashes import attach as attach_clashes
from landalloc.outdir import OutputLock, check_target, clean_stale, replacing
from landalloc.readiness_schedule import report_sheet
from landalloc.report_xlsx import Names, write_report
from landalloc.scenario import (
    Scenario,
    apply_whatif,
    extra_carrier_ids,
    key_line,
    load_scenario,
    quota_overrides,
)
from optimizer.errors import VerificationError
from optimizer.explain import unassigned_table
from optimizer.kpis import assignments_table, kpis, quota_table
from optimizer.problem import Problem
from optimizer.readiness import RuleSet, load_rules
from optimizer.readiness.slip import slip_tables
from optimizer.settings import SolverSettings, Weights
from optimizer.solution import Solution
from optimizer.verify import verify
from optimizer.verify_inputs import projects_frame, verify_config
from optimizer.views.readiness import parcel_inventory


@dataclass
class RunResult:
    """What a run produced (in memory, before or after writing)."""

    scenario: Scenario
    instance: Instance
    tables: Tables
    solution: Solution
    rules: RuleSet
    assignments: pd.DataFrame
    unassigned: pd.DataFrame
    quota: pd.DataFrame
    kpis: dict[str, Any]
    summary: dict[str, Any]
    #: Warnings about the data and the scenario (shown by the CLI, listed in summary.json).
    warnings: Report = field(default_factory=Report)
    #: Plans B, C, … of ``--alternatives`` (:mod:`landalloc.alternatives`); plan A is this one.
    alternatives: list[AltPlan] = field(default_factory=list)
    #: With an anchor: the changes from the reference plan and their causes (``changes.csv``).
    changes: pd.DataFrame | None = None


def file_hash(path: Path | str) -> str:
    """SHA-256 of a file, or of a PostGIS schema's tables (:func:`geodata.postgis.fingerprint`)."""
    url = db_url(path)
    if url is not None:
        from geodata.postgis import fingerprint

        return fingerprint(url)
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _weights(s: Scenario) -> Weights:
    w = s.weights.model_dump()
    base = Weights()
    kw: dict[str, Any] = {k: v for k, v in w.items() if v is not None}
    if "tier_points" in kw:
        kw["tier_points"] = tuple(sorted(kw["tier_points"].items(), reverse=True))
    for k in ("tag_points", "stage_points"):
        if k in kw:
            kw[k] = {**getattr(base, k), **kw[k]}
    return dataclasses.replace(base, **kw)


def prepare(
    scenario_path: Path,
    *,
    solver_overrides: dict[str, Any] | None = None,
    strict: bool = False,
) -> tuple[Scenario, Problem, SolverSettings, Instance, Tables, RuleSet, Path | str, Report]:
    """Load a scenario and its data, check them together, and build the problem.

    The last element is the warnings of the data and the scenario (with ``strict`` they block
    the run like errors). The instance is the problem's: the data after the scenario's what-if
    changes and policies.
    """
    report = Report()
    s = load_scenario(scenario_path, report)  # its warnings (e.g. read as GB18030) go to report
    data = s.data_source(scenario_path)  # a file, or a postgresql:// URL
    try:
        inst, tables, data_report = load(data, strict=strict)
    except DataError as exc:  # show the scenario's warnings (e.g. its encoding) with the errors
        exc.report.extend(report.warnings)
        raise
    _check_ids(s, inst, scenario_path, report)
    overrides = quota_overrides(s, scenario_path, report)
    changed = apply_whatif(s, tables, scenario_path, report)
    rules = load_rules(override=s.readiness or None)
    report.raise_if_errors(strict)
    warnings = Report()
    for w in [*data_report.warnings, *report.warnings]:
        warnings.add(w)
    if changed is not None:  # what-if: solve (and verify) on the changed copy of the data
        tables = changed
        inst = build_instance(tables)
    if s.readiness_slip:  # what-if: readiness dates moved (optimizer.readiness.slip)
        slips = [x.model_dump() for x in s.readiness_slip]
        tables = slip_tables(tables, rules, slips, str(scenario_path))
        inst = build_instance(tables)
    sv = s.solver.model_dump()
    sv.update({k: v for k, v in (solver_overrides or {}).items() if v is not None})
    settings = SolverSettings(
        time_limit_s=sv["time_limit_s"],
        workers=sv["workers"],
        seed=sv["seed"],
        deterministic=sv["deterministic"],
        lns_min_candidates=sv["lns_min_candidates"],
        mip_worker=sv["mip_worker"],
    )
    inst = attach_clashes(s.clashes, scenario_path, data, inst, tables)  # 邻避, when any
    own = unc.own_probabilities(tables.projects)
    problem = build_problem(s, inst, rules, overrides, sv.get("max_carriers_per_project"), own)
    return s, problem, settings, problem.instance, tables, rules, data, warnings


def build_problem(
    s: Scenario,
    inst: Instance,
    rules: RuleSet,
    quota_override: dict[tuple[int, str], float] | None = None,
    max_carriers_per_project: int | None = None,
    own_probability: dict[str, float] | None = None,
) -> Problem:
    """The problem of a scenario over its data (after the what-if changes), built with the
    public builder of :class:`~optimizer.problem.Problem`.

    ``quota_override`` is the scenario's ``quotas.override`` as checked by
    :func:`landalloc.scenario.quota_overrides`. ``own_probability``: the projects' own
    probabilities of materialising (:func:`landalloc.uncertainty.own_probabilities`), for the
    expected-value objective; the quota reserve scales every quota (overrides too).
    """
    pol = s.policy
    prob, keep, quota_override = unc.knobs(s.uncertainty, inst, own_probability, quota_override)
    return (
        Problem.standard(inst, tuple(s.years), max_carriers_per_project=max_carriers_per_project)
        .add_policy(
            waste_tolerance=pol.waste_tolerance,
            standard_land=pol.standard_land,
            include_negotiating=pol.include_negotiating,
            allow_groups=pol.allow_groups,
            max_group_size=pol.max_group_size,
        )
        .add_locks(s.pins, s.withheld)
        .add_readiness(rules, strict_ready_signed=pol.strict_ready_signed)
        .maximise_priority(
            dataclasses.replace(_weights(s), probability=prob), lexicographic=pol.lexicographic
        )
        .add_quota(
            scale=s.quotas.scale * keep, by_year=s.quotas.scale_by_year, override=quota_override
        )
    )


def _check_ids(s: Scenario, inst: Instance, scenario_path: Path, report: Report) -> None:
    """The scenario's years, pins and withheld carriers must exist in the data (or its what-ifs)."""
    where = {"file": str(scenario_path)}
    data_years = set(inst.years)
    for iy, y in enumerate(s.years):
        if y not in data_years:
            report.error(
                "year_outside_data",
                f"years 中的 {y} 年在数据中没有用地指标（数据年份：{sorted(data_years)}）",
                f"year {y} has no quota in the data (data years: {sorted(data_years)})",
                row=key_line(scenario_path, "years", iy),
                column="years",
                **where,
            )
    carriers = {p.parcel_id for p in inst.parcels} | {f.factory_id for f in inst.factories}
    carriers |= extra_carrier_ids(s)  # what-if parcels
    pids = {p.project_id for p in inst.projects}
    pids |= {str(x.get("project_id")) for x in s.extra_projects}  # what-if projects
    for pid, cid in s.pins.items():
        if pid not in pids:
            report.error(
                "unknown_project",
                f"pins 中的项目 {pid} 不存在",
                f"pins: project {pid} does not exist",
                row=key_line(scenario_path, "pins", pid),
                column=f"pins.{pid}",
                **where,
            )
        if cid not in carriers:
            report.error(
                "unknown_pin",
                f"pins 中项目 {pid} 锁定的载体 {cid} 不存在",
                f"pins: carrier {cid} of project {pid} does not exist",
                row=key_line(scenario_path, "pins", pid),
                column=f"pins.{pid}",
                **where,
            )
    for iw, cid in enumerate(s.withheld):
        if cid not in carriers:
            report.error(
                "unknown_carrier",
                f"withheld 中的载体 {cid} 不存在",
                f"withheld: carrier {cid} does not exist",
                row=key_line(scenario_path, "withheld", iw),
                column="withheld",
                **where,
            )


def solve_scenario(
    scenario_path: Path,
    *,
    lang: str = "zh",
    solver_overrides: dict[str, Any] | None = None,
    strict: bool = False,
    alternatives: AlternativesRequest | None = None,
    anchor: AnchorRequest | None = None,
    counterfactuals: bool = True,
) -> RunResult:
    """Solve, verify and explain; nothing is written. ``anchor`` (default: the scenario's) re-plans
    close to a reference plan; ``counterfactuals`` off: reasons without the cost of placing."""
    s, problem, settings, inst, tables, rules, data, warnings = prepare(
        scenario_path, solver_overrides=solver_overrides, strict=strict
    )
    sol = problem.solve(settings)
    anchor = anchor or anchor_request(s, scenario_path)
    # the reasons and causes name the zones (by the data's zones layer), in both languages
    zones_zh, zones_en = Names.of(tables, "zh").zones, Names.of(tables, "en").zones
    zone_pairs = {z: (zones_zh[z], zones_en.get(z, z)) for z in zones_zh}
    changes, anchored = None, None
    if anchor is not None:
        sol, changes, anchored = anchor_solution(problem, settings, sol, inst, anchor, zone_pairs)
    assign = assignments_table(inst, sol, rules, lang)
    violations = verify(
        tables.parcels,
        tables.factories,
        projects_frame(inst, tables),
        assign,
        verify_config(problem, rules),
    )
    if violations:
        raise VerificationError(violations)
    cfs = _counterfactuals(problem, sol, settings) if counterfactuals else None
    unassigned = unassigned_table(inst, sol, zone_pairs, cfs)
    quota = quota_table(inst, sol)
    k = kpis(inst, sol, s.name)
    # the greedy placement's KPIs (by priority, best candidate each), beside: what optimising adds
    greedy_sol = Solution(list(sol.greedy), sol.cands, sol.outcome, [], "", sol.years, sol.quotas)
    gk = kpis(inst, greedy_sol, s.name)
    o = sol.outcome
    summary = {
        "scenario": s.name,
        "status": o.status,
        "objective": o.objective,
        # null when no bound is known (a part left at its greedy placement with no solver bound)
        "best_bound": o.best_bound if math.isfinite(o.best_bound) else None,
        "gap": o.gap if math.isfinite(o.gap) else None,
        "solve_seconds": round(o.solve_seconds, 3),
        "build_seconds": round(o.build_seconds, 3),
        "hint_seconds": round(o.hint_seconds, 3),
        "candidates_seconds": round(o.candidates_seconds, 3),
        "greedy_objective": o.greedy_objective,
        "improvement_over_greedy": (
            round(o.objective / o.greedy_objective - 1, 4) if o.greedy_objective else None
        ),
        "greedy_projects_placed": len(sol.greedy),
        # the placement CP-SAT started from (the greedy or, when better, the LP-guided greedy)
        "hint_objective": None if o.hint_objective != o.hint_objective else o.hint_objective,
        "greedy_kpis": {key: v for key, v in gk.items() if key not in ("scenario", "quota")},
        "phases": list(o.phases),
        "parts": o.parts,
        "candidates": sol.cands.stats(),
        "kpis": k,
        "data": str(data),
        "data_sha256": file_hash(data),
        "versions": package_versions(),
        "solver_settings": dataclasses.asdict(settings),
        "readiness_rules": rules.version,
        "verified": True,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "warnings": [w.text(lang) for w in warnings.warnings],
        **({"anchor": anchored} if anchored is not None else {}),
    }
    unc.state(summary, s.uncertainty, problem.quotas or {}, tables.projects)
    result = RunResult(s, inst, tables, sol, rules, assign, unassigned, quota, k, summary, warnings)
    result.changes = changes
    if alternatives is not None and alternatives.k > 1:
        _add_alternatives(result, problem, settings, alternatives, lang)
    return result


def _counterfactuals(problem: Problem, sol: Solution, settings: SolverSettings) -> dict[str, Any]:
    """What placing each unplaced project that has candidates would cost (within 20 % of the
    time limit, :mod:`optimizer.counterfactual`)."""
    from optimizer.counterfactual import counterfactuals

    placed = sol.placed()
    todo = [p for p, idx in sol.cands.by_project.items() if idx and p not in placed]
    return dict(counterfactuals(problem, sol, todo, settings))


def anchor_request(s: Scenario, scenario_path: Path) -> AnchorRequest | None:
    """The scenario's ``anchor`` section as a request (``None`` without one)."""
    if s.anchor is None:
        return None
    a = s.anchor
    return AnchorRequest(a.plan_path(scenario_path), a.tolerance, a.hold)


def _add_alternatives(
    result: RunResult,
    problem: Problem,
    settings: SolverSettings,
    request: AlternativesRequest,
    lang: str,
) -> None:
    """Plans B, C, … of ``request`` (verified) into ``result`` and its summary."""
    inst, tables = result.instance, result.tables
    zones_zh, zones_en = Names.of(tables, "zh").zones, Names.of(tables, "en").zones
    result.alternatives, message = alternative_plans(
        problem,
        settings,
        result.solution,
        request,
        inst=inst,
        tables=tables,
        projects=projects_frame(inst, tables),
        config=verify_config(problem, result.rules),
        rules=result.rules,
        zones={z: (zones_zh[z], zones_en.get(z, z)) for z in zones_zh},
        scenario=result.scenario.name,
        lang=lang,
    )
    result.summary["alternatives"] = {
        **dataclasses.asdict(request),
        "found": 1 + len(result.alternatives),
        "message": message,
    }


#: The solver and the libraries whose results enter a plan (areas, candidate order, LP hint):
#: pinned to exact versions in pyproject.toml, recorded in summary.json and checked by
#: ``landalloc rerun``. Keep in step with the ``==`` pins of pyproject.toml.
PLAN_PACKAGES = (
    "ortools",
    "highspy",
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
)
#: Recorded too, but they do not decide a plan (the map).
OTHER_RECORDED_PACKAGES = ("folium",)


def package_versions() -> dict[str, str]:
    """Versions of landalloc and the packages a result depends on (recorded in summary.json)."""
    from importlib.metadata import version

    out = {"landalloc": __version__}
    for pkg in (*PLAN_PACKAGES, *OTHER_RECORDED_PACKAGES):
        try:
            out[pkg] = version(pkg)
        except Exception:  # pragma: no cover - a missing optional package
            out[pkg] = "?"
    return out


def run_inputs(scenario_path: Path, anchor: AnchorRequest | None = None) -> list[Path]:
    """The files a solve reads: the scenario and, when it names one that parses, its data and
    its anchor's reference folder (``anchor``: the one given instead)."""
    inputs = [scenario_path]
    with contextlib.suppress(DataError, OSError):
        s = load_scenario(scenario_path)
        inputs.append(s.data_path(scenario_path))
        request = anchor or anchor_request(s, scenario_path)
        if request is not None:
            inputs.append(request.plan)
    return inputs


def write_result(
    result: RunResult, scenario_path: Path, out: Path, *, overwrite: bool = False, lang: str = "zh"
) -> Path:
    """Write every output file into a folder beside ``out``, then swap it into place.

    ``out`` is checked (:func:`landalloc.outdir.check_target`) and locked while it is written.
    """
    check_target(out, inputs=run_inputs(scenario_path), overwrite=overwrite)
    with OutputLock(out):
        clean_stale(out)
        _write_locked(result, scenario_path, out, lang)
    return out


def _write_locked(result: RunResult, scenario_path: Path, out: Path, lang: str) -> None:
    with replacing(out) as tmp:
        _write_all(result, scenario_path, tmp, lang)


def _run_date(result: RunResult) -> dt.date:
    """The date the run was made (``summary.json`` ``created``): what "as of" means in its map."""
    created = str(result.summary.get("created") or "")[:10]
    return dt.date.fromisoformat(created) if created else dt.date.today()


def _parcel_readiness(result: RunResult, lang: str) -> pd.DataFrame:
    """Per parcel, as of the run date: status, ready date and missing items (for the map)."""
    inv = parcel_inventory(result.instance, _run_date(result), result.rules, lang)
    return inv[["parcel_id", "status", "ready_date", "missing"]]


def _readiness_rows(result: RunResult) -> pd.DataFrame:
    a = result.assignments
    land = a[a["carrier_kind"] == "parcel"]
    return land[
        [
            "project_id",
            "name",
            "carrier_id",
            "year",
            "start_date",
            "readiness",
            "missing",
            "ready_to_build",
        ]
    ].reset_index(drop=True)


def _write_all(result: RunResult, scenario_path: Path, d: Path, lang: str) -> None:
    from geodata.textsafe import neutralise_csv_text as safe  # names etc.: no live formulas

    safe(result.assignments).to_csv(d / "assignments.csv", index=False, encoding="utf-8-sig")
    safe(result.unassigned).to_csv(d / "unassigned.csv", index=False, encoding="utf-8-sig")
    safe(result.quota).to_csv(d / "quota_use.csv", index=False, encoding="utf-8-sig")
    if result.changes is not None:
        safe(result.changes).to_csv(d / "changes.csv", index=False, encoding="utf-8-sig")
    ready = _readiness_rows(result)
    safe(ready).to_csv(d / "readiness_projects.csv", index=False, encoding="utf-8-sig")
    parcels = _parcel_readiness(result, lang)
    safe(parcels).to_csv(d / "readiness.csv", index=False, encoding="utf-8-sig")
    (d / "summary.json").write_text(
        json.dumps(result.summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    (d / "solver.log").write_text(result.solution.log, encoding="utf-8")
    (d / "scenario.yaml").write_text(
        f"# scenario as run ({scenario_path}), data sha256 {result.summary['data_sha256']}\n"
        + yaml.safe_dump(
            {
                **result.scenario.model_dump(mode="json"),
                "data": result.summary["data"],
                **_as_run_anchor(result),
                **as_run_clashes(result.scenario.clashes, scenario_path),
            },
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    write_report(
        d / "report.xlsx",
        result.kpis,
        result.assignments,
        result.unassigned.drop(columns=["facts"], errors="ignore"),
        result.quota,
        ready,
        result.summary,
        lang,
        greedy=result.summary.get("greedy_kpis"),
        names=Names.of(result.tables, lang),
        schedule=report_sheet(result, _run_date(result), lang),  # 倒排工期 as of the run date
    )
    _write_gpkg(result, d / "result.gpkg")
    _write_map(result, d / "map.html", lang)
    if result.alternatives or "alternatives" in result.summary:
        write_alternatives(result.solution, result.kpis, result.alternatives, d, lang)


def _as_run_anchor(result: RunResult) -> dict[str, Any]:
    """The anchor the run used (absolute folder), for the scenario as run."""
    a = result.summary.get("anchor")
    if not a:
        return {}
    return {"anchor": {"plan": a["plan"], "tolerance": a["tolerance"], "hold": a["hold"]}}


def _write_gpkg(result: RunResult, path: Path) -> None:
    from landalloc.result_gpkg import write_result_gpkg

    write_result_gpkg(result, path)


def _objective(sol: Solution) -> float:
    return float(sum(c.coef for c in sol.chosen))


def _write_map(result: RunResult, path: Path, lang: str) -> None:
    from maps.render import ResultTables, render_result_map

    # plans B, C, … as switchable layers of the same map (plan A is the result itself)
    plans = [
        (
            p.label,
            ResultTables(
                name=result.scenario.name,
                assignments=p.assignments,
                unassigned=p.unassigned,
                kpis={**p.kpis, "objective": _objective(p.solution)},
            ),
        )
        for p in result.alternatives
    ]
    kpis = {**result.kpis, "objective": _objective(result.solution)} if plans else result.kpis
    html = render_result_map(
        result.tables,
        result.assignments,
        result.unassigned,
        kpis,
        plans=plans,
        readiness=_parcel_readiness(result, lang),
        title=result.scenario.name,
        lang=lang,
        # the run's own date, as `landalloc map RESULT_DIR` uses: the page is the same either way
        date=_run_date(result).isoformat(),
    )
    path.write_text(html, encoding="utf-8")


def run(
    scenario_path: Path,
    out: Path,
    *,
    overwrite: bool = False,
    lang: str = "zh",
    solver_overrides: dict[str, Any] | None = None,
    strict: bool = False,
    alternatives: AlternativesRequest | None = None,
    anchor: AnchorRequest | None = None,
) -> RunResult:
    """Solve a scenario and write its result folder (``strict``: warnings block the run;
    ``alternatives``: also the plans of :mod:`landalloc.alternatives`; ``anchor``: re-plan
    close to a reference result folder, by default the scenario's ``anchor``).

    The output place is checked before any data is loaded and locked until the result is in
    place; an interrupt (``KeyboardInterrupt``) leaves what was there untouched.
    """
    inputs = run_inputs(scenario_path, anchor)
    check_target(out, inputs=inputs, overwrite=overwrite)
    with OutputLock(out):
        clean_stale(out)
        check_target(out, inputs=inputs, overwrite=overwrite)  # another run may have ended
        t0 = time.perf_counter()
        result = solve_scenario(
            scenario_path,
            lang=lang,
            solver_overrides=solver_overrides,
            strict=strict,
            alternatives=alternatives,
            anchor=anchor,
        )
        result.summary["total_seconds"] = round(time.perf_counter() - t0, 3)
        _write_locked(result, scenario_path, out, lang)
    return result
