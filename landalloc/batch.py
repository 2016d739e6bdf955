"""Solving a batch of scenarios in parallel, each result cached under the hash of its inputs.

A scenario's result is cached under ``OUT/.cache/<hash>/`` where the hash (:func:`input_hash`)
covers everything that decides the result: the scenario as validated, the data file's SHA-256,
the package and solver versions and the effective solver settings. A batch reuses every cached
result and solves only what changed, in at most :data:`MAX_PROCESSES` processes; each
scenario's result folder is then copied to ``OUT/<scenario file stem>/``. Used by
:func:`landalloc.compare.compare`.
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

from geodata.report import DataError, Problem, Report
from landalloc.outdir import (
    OutputLock,
    check_target,
    clean_stale,
    is_landalloc_folder,
    replacing,
    write_marker,
)
from landalloc.scenario import load_scenario
from optimizer.errors import InfeasibleError, NoSolutionError, VerificationError

#: Most processes a batch uses (the machine is shared; each solve runs one CP-SAT worker).
MAX_PROCESSES = 2


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
