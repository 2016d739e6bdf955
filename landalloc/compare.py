"""Batches of scenarios: solve in parallel with a result cache, compare KPIs and placements, rerun.

A scenario's result is cached under ``OUT/.cache/<hash>/`` where the hash covers everything that
decides the result: the scenario as validated, the data file's SHA-256, the package and solver
versions and the effective solver settings. A batch reuses every cached result and solves only
what changed. Each scenario's result folder is also copied to ``OUT/<scenario file stem>/``.

Files written into ``OUT``: ``kpi_table.csv`` (one row per KPI, one column per scenario),
``differences.csv`` (projects moved, lost or gained against the first scenario, with the reason
from ``unassigned.csv`` of the scenario where the project is unplaced), ``compare.xlsx`` (both, for
forwarding) and, for exactly two scenarios, ``compare.html`` (the two-scenario map).

:func:`rerun` solves a result folder again as recorded and tells three outcomes apart (each has
its exit code of ``landalloc rerun``, see :mod:`landalloc.cmd_scenario`): reproduced, placements
that differ with the same versions (a defect when the run was deterministic) and placements that
differ after a version change of landalloc or of :data:`~landalloc.run.PLAN_PACKAGES`.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from geodata.report import DataError, Problem, Report
from geodata.store import atomic_path
from geodata.textsafe import neutralise_csv_text, neutralise_text, restore_csv_text
from landalloc.outdir import (
    OutputLock,
    check_target,
    clean_stale,
    is_landalloc_folder,
    replacing,
    write_marker,
)
from landalloc.report_xlsx import add_table_sheet
from landalloc.scenario import load_scenario, tables_as_run
from maps.i18n import code_label, zone_names
from optimizer.errors import InfeasibleError, NoSolutionError, VerificationError
from optimizer.kpis import tier_text

#: Most processes a batch uses (the machine is shared; each solve runs one CP-SAT worker).
MAX_PROCESSES = 2

DIFF_COLUMNS = [
    "scenario",
    "reference",
    "project_id",
    "name",
    "change",
    "before",
    "after",
    "reason_code",
    "reason",
]

_CHANGE_ZH = {"moved": "调整载体", "lost": "未落地", "gained": "新增落地"}


@dataclass
class ScenarioRun:
    """One scenario of a batch and where its result is.

    Parameters
    ----------
    path
        The scenario file.
    name
        The scenario's ``name``.
    key
        The input hash (the cache key).
    folder
        The scenario's result folder in the batch output.
    reused
        True when the result came from the cache.
    """

    path: Path
    name: str
    key: str
    folder: Path
    reused: bool = False
    summary: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- hashing


def plan_versions() -> dict[str, str]:
    """Versions of landalloc and of :data:`~landalloc.run.PLAN_PACKAGES` (they decide a plan)."""
    from landalloc.run import PLAN_PACKAGES, package_versions

    now = package_versions()
    return {pkg: now[pkg] for pkg in ("landalloc", *PLAN_PACKAGES)}


def effective_solver(solver: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The scenario's solver section with the command-line overrides applied."""
    out = dict(solver)
    out.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return out


def input_hash(scenario_path: Path, overrides: dict[str, Any] | None = None) -> str:
    """Hash of everything that decides a scenario's result.

    Parameters
    ----------
    scenario_path
        The scenario file (validated here; a bad file raises :class:`DataError`).
    overrides
        Solver settings given on the command line (``None`` values are ignored).

    Returns
    -------
    str
        24 hex digits of the SHA-256 of the scenario as validated (with the data path replaced
        by the data file's SHA-256), the versions of landalloc, the solver and the libraries
        whose results enter a plan (:func:`plan_versions`) and the solver settings.
    """
    from landalloc.run import file_hash

    s = load_scenario(scenario_path)
    data = s.data_path(scenario_path)
    if not data.exists():
        raise DataError(
            Problem(
                "error",
                "no_file",
                f"找不到数据文件 {data}",
                f"data file not found: {data}",
                file=str(scenario_path),
                column="data",
            )
        )
    content = s.model_dump(mode="json")
    content.pop("data")
    solver = effective_solver(content.pop("solver"), overrides)
    payload = {
        "scenario": content,
        "data_sha256": file_hash(data),
        "versions": plan_versions(),
        "solver": solver,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


# --------------------------------------------------------------------------- solving


def _solve_into(
    scenario_path: str, target: str, lang: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Worker: solve one scenario into ``target``; return the summary or a picklable error."""
    from landalloc.run import run

    try:
        result = run(
            Path(scenario_path), Path(target), overwrite=True, lang=lang, solver_overrides=overrides
        )
    except DataError as exc:
        return {"error": "data", "problems": list(exc.report.problems)}
    except InfeasibleError as exc:
        return {"error": "infeasible", "conflicts": list(exc.conflicts)}
    except NoSolutionError as exc:
        return {"error": "no_solution", "text": str(exc)}
    except VerificationError as exc:
        return {"error": "verify", "violations": list(exc.violations)}
    return {"error": None, "summary": result.summary}


def _raise_worker_error(out: dict[str, Any]) -> None:
    kind = out.get("error")
    if kind == "data":
        raise DataError(Report(list(out["problems"])))
    if kind == "infeasible":
        raise InfeasibleError([tuple(c) for c in out["conflicts"]])
    if kind == "no_solution":
        raise NoSolutionError(out["text"])
    if kind == "verify":
        raise VerificationError(list(out["violations"]))


def _labels(paths: Sequence[Path]) -> list[str]:
    """Folder names for the scenarios: the file stem, numbered when two stems clash."""
    seen: dict[str, int] = {}
    out = []
    for p in paths:
        stem = p.stem
        seen[stem] = seen.get(stem, 0) + 1
        out.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return out


def _copy_folder(src: Path, dst: Path) -> None:
    """Replace ``dst`` (absent, or a landalloc result) by a copy of ``src``, atomically."""
    if dst.exists() and not is_landalloc_folder(dst, "result"):
        r = Report()
        r.error(
            "output_not_result",
            f"{dst} 不是 landalloc 的结果目录，landalloc 不会覆盖它",
            f"{dst} is not a landalloc result folder; landalloc will not replace it",
            file=str(dst),
            hint_zh="移走该目录，或另选比较结果目录",
            hint_en="move it away, or choose another comparison folder",
        )
        raise DataError(r)
    with replacing(dst) as tmp:
        shutil.copytree(src, tmp, dirs_exist_ok=True)


ProgressHook = Callable[[int, str], None]


def solve_batch(
    paths: Sequence[Path],
    out: Path,
    *,
    lang: str = "zh",
    solver_overrides: dict[str, Any] | None = None,
    processes: int = MAX_PROCESSES,
    on_event: ProgressHook | None = None,
) -> list[ScenarioRun]:
    """Solve every scenario (reusing cached results) and copy each result to ``out/<stem>/``.

    Parameters
    ----------
    paths
        Scenario files; the first is the reference of the comparison.
    out
        The batch folder (created when missing; the cache lives in ``out/.cache``).
    lang
        Language of the result files.
    solver_overrides
        Solver settings for every scenario; ``workers`` is always 1 (one process per solve).
    processes
        Parallel solves, at most :data:`MAX_PROCESSES`.
    on_event
        Called with (scenario index, event) where event is ``reused``, ``started``, ``done`` or
        ``failed``.

    Raises
    ------
    DataError
        When any scenario file is bad (all files are checked before anything is solved).
    InfeasibleError, NoSolutionError, VerificationError
        When a scenario cannot be solved; the results of the others stay in the cache.
    """
    overrides = {**(solver_overrides or {}), "workers": 1}
    from landalloc.run import run_inputs

    inputs = [i for p in paths for i in run_inputs(Path(p))]
    check_target(out, inputs=inputs, kind="compare")
    with OutputLock(out):
        clean_stale(out)
        if not is_landalloc_folder(out, "compare"):
            out.mkdir(parents=True, exist_ok=True)
            write_marker(out, "compare")
        return _solve_batch(paths, out, lang, overrides, processes, on_event)


def _solve_batch(
    paths: Sequence[Path],
    out: Path,
    lang: str,
    overrides: dict[str, Any],
    processes: int,
    on_event: ProgressHook | None,
) -> list[ScenarioRun]:
    report = Report()
    runs: list[ScenarioRun] = []
    labels = _labels(paths)
    for p, label in zip(paths, labels, strict=True):
        try:
            key = input_hash(p, overrides)
            name = load_scenario(p).name
        except DataError as exc:
            report.extend(exc.report.problems)
            continue
        runs.append(ScenarioRun(Path(p), name, key, out / label))
    report.raise_if_errors()
    cache = out / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    hook = on_event or (lambda i, e: None)
    todo: dict[int, Path] = {}
    for i, r in enumerate(runs):
        cached = cache / r.key
        if (cached / "summary.json").exists():
            r.reused = True
            hook(i, "reused")
        else:
            todo[i] = cached
    if todo:
        ctx = multiprocessing.get_context("spawn")
        n = max(1, min(processes, MAX_PROCESSES, len(todo)))
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            futures: dict[Future[dict[str, Any]], int] = {}
            for i, target in todo.items():
                fut = pool.submit(_solve_into, str(runs[i].path), str(target), lang, overrides)
                futures[fut] = i
                hook(i, "started")
            outcomes: dict[int, dict[str, Any]] = {}
            for fut in as_completed(futures):
                i = futures[fut]
                outcomes[i] = fut.result()
                hook(i, "failed" if outcomes[i]["error"] else "done")
        for i in sorted(outcomes):
            _raise_worker_error(outcomes[i])
    for r in runs:
        cached = cache / r.key
        r.summary = json.loads((cached / "summary.json").read_text(encoding="utf-8"))
        _copy_folder(cached, r.folder)
    return runs


# --------------------------------------------------------------------------- comparing


def _read_csv(path: Path) -> pd.DataFrame:
    """A result CSV, its text columns as the data had them (see :mod:`geodata.textsafe`)."""
    return restore_csv_text(
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    )


def _num(x: Any) -> float | None:
    return None if x is None else float(x)


def _signed_unready(assignments: pd.DataFrame) -> int:
    """Signed projects placed on land not ready to build on acquisition."""
    a = assignments
    if a.empty:
        return 0
    m = (a["stage"] == "signed") & (a["carrier_kind"] == "parcel") & (a["readiness"] != "ready")
    return int(a.loc[m, "project_id"].nunique())


def _data_zone_names(folders: Sequence[Path], lang: str) -> dict[str, str]:
    """Zone code → name from the data files the result folders were solved on.

    The ``data`` of each ``summary.json`` (relative to its folder when not absolute), as the map
    names zones; a data file that is gone or unreadable names nothing (its codes are shown).
    """
    from geodata.store import validate

    out: dict[str, str] = {}
    seen: set[Path] = set()
    for folder in folders:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        if not summary.get("data"):
            continue
        data = Path(str(summary["data"]))
        data = data if data.is_absolute() else (folder / data).resolve()
        if data in seen or not data.exists():
            continue
        seen.add(data)
        try:
            tables, _ = validate(data)
        except (DataError, OSError):
            continue
        if tables is not None:
            out = {**zone_names(tables, lang), **out}
    return out


def kpi_table(
    folders: Sequence[Path],
    names: Sequence[str],
    lang: str = "zh",
    *,
    zones: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The KPIs of several result folders side by side.

    Parameters
    ----------
    folders
        Result folders (``summary.json`` and ``assignments.csv`` are read).
    names
        Column headers (the scenario names), one per folder.
    lang
        Language of the KPI labels and of the solve status.
    zones
        Zone code → name for the quota rows; by default the names of the data files the folders
        were solved on (:func:`maps.i18n.zone_names`, the names the map shows), else the codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``key`` (a code: ``quota:2026:KJC``), ``kpi`` (label with unit) and one column per
        scenario.
    """
    zh = lang == "zh"
    if zones is None:
        zones = _data_zone_names(folders, lang)
    rows: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}

    def put(key: str, label_zh: str, label_en: str, col: str, value: Any) -> None:
        labels.setdefault(key, label_zh if zh else label_en)
        rows.setdefault(key, {})[col] = value

    for folder, col in zip(folders, names, strict=True):
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        k = s["kpis"]
        a = _read_csv(folder / "assignments.csv")
        put(
            "status",
            "求解状态",
            "status",
            col,
            code_label("status", str(s.get("status") or ""), lang),
        )
        put("objective", "目标值(分)", "objective (points)", col, _num(s.get("objective")))
        put("projects_placed", "落地项目数(个)", "projects placed", col, k["projects_placed"])
        put(
            "investment_yi",
            "落地总投资(亿元)",
            "investment landed (100M CNY)",
            col,
            k["investment_yi"],
        )
        put("output_yi", "落地年产值(亿元)", "output landed (100M CNY/yr)", col, k["output_yi"])
        put("tax_wan", "落地年税收(万元)", "tax landed (10k CNY/yr)", col, k["tax_wan"])
        put("jobs", "就业(人)", "jobs", col, k["jobs"])
        put("land_mu", "供地面积(亩)", "land supplied (mu)", col, k["land_mu"])
        put("floor_m2", "标准厂房出租面积(㎡)", "factory floor let (m²)", col, k["floor_m2"])
        for tier, n in k["major_by_tier"].items():
            en_tier = tier_text(tier, "en")
            put(f"major:{tier}", f"重大项目{tier}落地(个)", f"major {en_tier} placed", col, n)
        sr = k.get("supply_rate_signed_major")
        put(
            "supply_rate_signed_major",
            "签约重大项目供地率(%)",
            "supply rate of signed majors (%)",
            col,
            None if sr is None else round(100 * sr, 1),
        )
        rs = k.get("ready_share")
        put(
            "ready_share",
            "拿地即开工占比(%)",
            "share ready to build (%)",
            col,
            None if rs is None else round(100 * rs, 1),
        )
        put(
            "signed_unready",
            "落在未具备开工条件地块的签约项目(个)",
            "signed projects on land not ready (count)",
            col,
            _signed_unready(a),
        )
        put(
            "negotiating_placed",
            "落地的在谈项目(个)",
            "negotiating projects placed",
            col,
            int(a.loc[a["stage"] == "negotiating", "project_id"].nunique()) if len(a) else 0,
        )
        for q in k.get("quota", []):
            y, z = q["year"], q["zone"]
            zname = zones.get(z) or code_label("zone", z, lang)
            put(
                f"quota_used:{y}:{z}",
                f"{y}年 {zname} 已用指标(亩)",
                f"{y} {zname} quota used (mu)",
                col,
                q["used_mu"],
            )
            put(
                f"quota:{y}:{z}",
                f"{y}年 {zname} 用地指标(亩)",
                f"{y} {zname} quota (mu)",
                col,
                q["quota_mu"],
            )
    table = [
        {"key": key, ("指标" if zh else "kpi"): labels[key], **{c: vals.get(c) for c in names}}
        for key, vals in rows.items()
    ]
    return pd.DataFrame(table, columns=["key", "指标" if zh else "kpi", *names])


def _placements(a: pd.DataFrame) -> dict[str, str]:
    """project → ``carrier+carrier@year``."""
    out: dict[str, str] = {}
    for pid, g in a.groupby("project_id", sort=True):
        out[str(pid)] = "+".join(sorted(g["carrier_id"])) + "@" + str(g["year"].iloc[0])
    return out


def placement_diff(
    ref_name: str,
    ref_dir: Path,
    name: str,
    other_dir: Path,
    lang: str = "zh",
) -> pd.DataFrame:
    """Projects moved, lost or gained in ``other_dir`` against ``ref_dir``.

    Parameters
    ----------
    ref_name, name
        The two scenarios' names.
    ref_dir, other_dir
        Their result folders.
    lang
        Language of the ``change`` and ``reason`` columns.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DIFF_COLUMNS`. ``before``/``after`` are ``carrier[+carrier]@year``; the
        reason of a lost (gained) project is its reason in ``unassigned.csv`` of ``other_dir``
        (``ref_dir``), where it is unplaced.
    """
    zh = lang == "zh"
    ra, oa = _read_csv(ref_dir / "assignments.csv"), _read_csv(other_dir / "assignments.csv")
    ru, ou = _read_csv(ref_dir / "unassigned.csv"), _read_csv(other_dir / "unassigned.csv")
    before, after = _placements(ra), _placements(oa)
    names = {**dict(zip(ru["project_id"], ru["name"], strict=True))}
    names.update(zip(ou["project_id"], ou["name"], strict=True))
    names.update(zip(ra["project_id"], ra["name"], strict=True))
    names.update(zip(oa["project_id"], oa["name"], strict=True))

    def reason(u: pd.DataFrame, pid: str) -> tuple[str, str]:
        hit = u[u["project_id"] == pid]
        if hit.empty:
            return "", ""
        col = "reason" if zh or "reason_en" not in u.columns else "reason_en"
        return str(hit["reason_code"].iloc[0]), str(hit[col].iloc[0])

    rows = []
    for pid in sorted(set(before) | set(after)):
        b, a = before.get(pid, ""), after.get(pid, "")
        if b == a:
            continue
        if b and a:
            change, (code, why) = "moved", ("", "")
        elif b:
            change, (code, why) = "lost", reason(ou, pid)
        else:
            change, (code, why) = "gained", reason(ru, pid)
        rows.append(
            {
                "scenario": name,
                "reference": ref_name,
                "project_id": pid,
                "name": names.get(pid, ""),
                "change": _CHANGE_ZH[change] if zh else change,
                "before": b,
                "after": a,
                "reason_code": code,
                "reason": why,
            }
        )
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


_DIFF_HEADERS_ZH = {
    "scenario": "情景",
    "reference": "基准情景",
    "project_id": "项目编号",
    "name": "项目名称",
    "change": "变化",
    "before": "基准情景载体(编号@年份)",
    "after": "本情景载体(编号@年份)",
    "reason_code": "原因代码",
    "reason": "未落地原因",
}


def write_compare_xlsx(
    path: Path, kpis: pd.DataFrame, diffs: pd.DataFrame, lang: str = "zh"
) -> None:
    """``compare.xlsx``: the KPI table side by side, then the placement differences."""
    zh = lang == "zh"
    wb = Workbook()
    wb.remove(wb.active)
    add_table_sheet(wb, "指标对比" if zh else "KPIs", kpis.drop(columns="key"), lang)
    add_table_sheet(
        wb,
        "落地差异" if zh else "differences",
        diffs,
        lang,
        headers=_DIFF_HEADERS_ZH if zh else None,
    )
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    # text that starts like a formula gets a leading ' (names, reasons; scenario-name headers)
    safe = neutralise_csv_text(df).rename(columns=neutralise_text)
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig")


def _compare_map_html(runs: Sequence[ScenarioRun], lang: str) -> str | None:
    """The two-scenario map, rendered in memory (``None`` without the maps package)."""
    try:
        from maps.render import render_compare_map
        from maps.result_dir import read_result_dir
    except ImportError:  # pragma: no cover - the maps package is optional here
        return None
    left, data, _ = read_result_dir(runs[0].folder)
    right, right_data, _ = read_result_dir(runs[1].folder)
    # the data as the runs saw them (with their what-ifs); the right run's added carriers too
    tables = tables_as_run(runs[0].folder, data, also=[(runs[1].folder, right_data)])
    return render_compare_map(
        tables,
        left,
        right,
        title=f"{runs[0].name} ↔ {runs[1].name}",
        lang=lang,
    )


@dataclass
class CompareResult:
    """What :func:`compare` produced."""

    runs: list[ScenarioRun]
    kpis: pd.DataFrame
    differences: pd.DataFrame
    files: list[Path]


def compare(
    paths: Sequence[Path],
    out: Path,
    *,
    lang: str = "zh",
    solver_overrides: dict[str, Any] | None = None,
    processes: int = MAX_PROCESSES,
    on_event: ProgressHook | None = None,
    with_map: bool = True,
) -> CompareResult:
    """Solve a batch of scenarios and write the comparison into ``out``.

    The first scenario is the reference of the differences. See :func:`solve_batch` for the
    parameters and errors.
    """
    runs = solve_batch(
        paths,
        out,
        lang=lang,
        solver_overrides=solver_overrides,
        processes=processes,
        on_event=on_event,
    )
    names = _unique([r.name for r in runs])
    kt = kpi_table([r.folder for r in runs], names, lang)
    diffs = [
        placement_diff(names[0], runs[0].folder, names[i], runs[i].folder, lang)
        for i in range(1, len(runs))
    ]
    diff = pd.concat(diffs, ignore_index=True) if diffs else pd.DataFrame(columns=DIFF_COLUMNS)
    # render the map before writing anything: a map that fails leaves no partial comparison
    html = _compare_map_html(runs, lang) if with_map and len(runs) == 2 else None
    files = [out / "kpi_table.csv", out / "differences.csv", out / "compare.xlsx"]
    _write_csv(kt, files[0])
    _write_csv(diff, files[1])
    write_compare_xlsx(files[2], kt, diff, lang)
    if html is not None:
        files.append(out / "compare.html")
        with atomic_path(files[-1]) as tmp:
            tmp.write_text(html, encoding="utf-8")
    return CompareResult(runs, kt, diff, files)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


# --------------------------------------------------------------------------- rerun


@dataclass
class RerunResult:
    """What :func:`rerun` found.

    Parameters
    ----------
    result
        The new run (:class:`~landalloc.run.RunResult`).
    differences
        Placement differences against the recorded result (columns :data:`DIFF_COLUMNS`; moved
        projects and projects placed in one result only); empty when reproduced.
    changed
        ``(package, recorded, now)`` for landalloc and every plan package whose version differs
        from the recorded one (``recorded`` is ``None`` when the result did not record it).
    deterministic
        Whether the recorded run used the deterministic mode.
    """

    result: Any
    differences: pd.DataFrame
    changed: list[tuple[str, str | None, str]]
    deterministic: bool

    @property
    def outcome(self) -> str:
        """``reproduced``, ``differs`` (same versions) or ``versions_changed``."""
        if self.differences.empty:
            return "reproduced"
        return "versions_changed" if self.changed else "differs"


def changed_versions(recorded: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """``(package, recorded, now)`` for landalloc and each plan package whose version changed."""
    return [
        (pkg, None if recorded.get(pkg) is None else str(recorded[pkg]), v)
        for pkg, v in plan_versions().items()
        if recorded.get(pkg) != v
    ]


def rerun(result_dir: Path, out: Path, *, lang: str = "zh", overwrite: bool = False) -> RerunResult:
    """Solve a result folder's scenario again, as recorded, and compare the placements.

    Parameters
    ----------
    result_dir
        A folder written by ``landalloc solve`` (``scenario.yaml`` and ``summary.json``).
    out
        Where the new result goes.
    lang
        Language of the outputs.
    overwrite
        Replace ``out`` when it exists.

    Returns
    -------
    RerunResult
        The new run, the placement differences and the versions that changed since the run.

    Raises
    ------
    DataError
        When the folder is not a result folder or its data file changed or disappeared.
    """
    from landalloc.run import file_hash, run

    report = Report()
    scen, summ = result_dir / "scenario.yaml", result_dir / "summary.json"
    for f in (scen, summ):
        if not f.exists():
            report.error(
                "no_file",
                f"结果目录中缺少 {f.name}",
                f"{f.name} is missing from the result folder",
                file=str(f),
                hint_zh="landalloc solve 或 compare 的输出目录",
                hint_en="an output folder of landalloc solve or compare",
            )
    report.raise_if_errors()
    if out.resolve() == result_dir.resolve():
        report.error(
            "output_is_input",
            "重算结果不能写入原结果目录",
            "the rerun cannot be written into the folder it reproduces",
            file=str(out),
            hint_zh="用 --out 另选目录",
            hint_en="choose another folder with --out",
        )
        raise DataError(report)
    summary = json.loads(summ.read_text(encoding="utf-8"))
    s = load_scenario(scen)
    data = s.data_path(scen)
    recorded = summary.get("data_sha256")
    if not data.exists():
        report.error(
            "no_file",
            f"找不到当时使用的数据文件 {data}",
            f"the data file of the run is gone: {data}",
            file=str(scen),
            column="data",
        )
    elif recorded and file_hash(data) != recorded:
        report.error(
            "data_changed",
            f"数据文件 {data} 自上次求解后已改变（SHA-256 不同），无法复现",
            f"the data file {data} changed since the run (other SHA-256); cannot reproduce",
            file=str(data),
            hint_zh="恢复原数据文件，或直接用 landalloc solve 重新求解",
            hint_en="restore the data file, or solve anew with landalloc solve",
        )
    report.raise_if_errors()
    st = summary.get("solver_settings") or {}
    overrides = {k: st.get(k) for k in ("time_limit_s", "workers", "seed", "deterministic")}
    result = run(scen, out, overwrite=overwrite, lang=lang, solver_overrides=overrides)
    diff = placement_diff(str(summary.get("scenario", "")), result_dir, s.name, out, lang)
    return RerunResult(
        result,
        diff,
        changed_versions(summary.get("versions") or {}),
        bool(result.summary["solver_settings"].get("deterministic")),
    )
