"""Solving a batch of scenarios in parallel, each result cached under the hash of its inputs.

A scenario's result is cached under ``OUT/.cache/<hash>/`` where the hash (:func:`input_hash`)
covers everything that decides the result: the scenario as validated, the data file's SHA-256,
the package and solver versions and the effective solver settings. A batch reuses every cached
result and solves only what changed, each scenario one task of the parallel engine
(:mod:`landalloc.engine`: a local cluster of :data:`MAX_PROCESSES` worker processes by default,
or an existing Dask cluster), one CP-SAT worker per solve; each scenario's result folder is then
copied to ``OUT/<scenario file stem>/``. Used by :func:`landalloc.compare.compare`.

The cache is the result folder itself (``OUT/.cache/<hash>/``, written by the task through
:func:`landalloc.run.run`), not the engine's JSON cache: a folder with ``summary.json`` is a
result; a failed solve leaves none and is solved again next time. A task therefore writes into
``OUT`` and reads the scenario by its path: the workers of an existing cluster (``address``) must
see both at the same paths (a shared file system).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geodata.report import DataError, Problem, Report, fail
from landalloc.engine import Engine, EngineError, Task
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

#: Worker processes of a batch's local cluster by default (the machine is shared; each solve
#: runs one CP-SAT worker).
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
    anchor
        The reference result folder it was solved against and whether it was anchored on it.
    """

    path: Path
    name: str
    key: str
    folder: Path
    reused: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    anchor: tuple[str, bool] | None = None


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
    data = s.data_source(scenario_path)  # a file, or a postgresql:// URL (hashed by content)
    if isinstance(data, Path) and not data.exists():
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
    scenario_path: str,
    target: str,
    lang: str,
    overrides: dict[str, Any],
    anchor: tuple[str, bool] | None = None,
) -> dict[str, Any]:
    """Worker: solve one scenario into ``target`` (``anchor``: the reference folder and whether
    to hold it); return the summary or a picklable error."""
    from landalloc.anchoring import AnchorRequest
    from landalloc.run import run

    request = AnchorRequest(Path(anchor[0]), hold=anchor[1]) if anchor else None
    try:
        result = run(
            Path(scenario_path),
            Path(target),
            overwrite=True,
            lang=lang,
            solver_overrides=overrides,
            anchor=request,
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


def _solve_task(
    scenario_path: str,
    target: str,
    lang: str,
    overrides: dict[str, Any],
    anchor: tuple[str, bool] | None = None,
) -> dict[str, Any]:
    """Engine task: :func:`_solve_into` with the versions of the worker that solved."""
    out = _solve_into(scenario_path, target, lang, overrides, anchor)
    return {**out, "versions": plan_versions()}


def _check_versions(out: dict[str, Any], worker: str, target: Path) -> None:
    """Refuse (and drop) a result solved by a worker with other versions than this machine."""
    mine = plan_versions()
    theirs = out.get("versions") or {}
    if theirs == mine:
        return
    shutil.rmtree(target, ignore_errors=True)  # cached under this machine's versions: wrong
    diff = ", ".join(f"{k} {theirs.get(k)} ≠ {v}" for k, v in mine.items() if theirs.get(k) != v)
    raise fail(
        "engine_versions",
        f"计算节点 {worker} 的软件版本与本机不同（{diff}），其结果不可比",
        f"worker {worker} runs other versions than this machine ({diff}); its results are not "
        "comparable",
        hint_zh="在各节点安装相同版本（pip install -e . 及 pyproject.toml 中固定的版本）",
        hint_en="install the same versions on every worker (the pins of pyproject.toml)",
    )


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
    processes: int | None = MAX_PROCESSES,
    address: str | None = None,
    on_event: ProgressHook | None = None,
    anchor: bool | None = True,
) -> list[ScenarioRun]:
    """Solve every scenario (reusing cached results) and copy each result to ``out/<stem>/``.

    The first scenario is solved first; every other one is then re-planned close to its plan
    (``anchor`` true, :mod:`landalloc.anchoring`), or only has its changes from it listed with
    their causes (``anchor`` false); ``None`` solves them all independently, at once.

    Parameters
    ----------
    paths
        Scenario files; the first is the reference of the comparison.
    out
        The batch folder (created when missing; the cache lives in ``out/.cache``).
    lang
        Language of the result files.
    solver_overrides
        Solver settings for every scenario; ``workers`` is always 1 (one CP-SAT worker per solve).
    processes
        Worker processes of the engine's local cluster (``None``: every core), never more than
        the scenarios to solve; ignored with ``address``.
    address
        An existing Dask cluster to solve on (see :class:`landalloc.engine.Engine`).
    on_event
        Called with (scenario index, event) where event is ``reused``, ``started``, ``done`` or
        ``failed``.

    Raises
    ------
    DataError
        When any scenario file is bad (all files are checked before anything is solved).
    InfeasibleError, NoSolutionError, VerificationError
        When a scenario cannot be solved; the results of the others stay in the cache.
    EngineError
        When a task failed on every attempt (a defect); the others stay in the cache.
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
        runs = _scenario_runs(paths, out, overrides)
        cache = out / ".cache"
        if anchor is None or len(runs) < 2:
            _solve_runs(runs, cache, lang, overrides, processes, address, on_event)
        else:
            _solve_runs(runs[:1], cache, lang, overrides, processes, address, on_event)
            ref = (str(cache / runs[0].key), anchor)
            for r in runs[1:]:  # the reference's result is part of each other scenario's input
                r.key = _anchored_key(r.key, cache / runs[0].key, anchor)
                r.anchor = ref
            hook = on_event or (lambda i, e: None)
            _solve_runs(
                runs[1:], cache, lang, overrides, processes, address, lambda i, e: hook(i + 1, e)
            )
        for r in runs:
            cached = out / ".cache" / r.key
            r.summary = json.loads((cached / "summary.json").read_text(encoding="utf-8"))
            _copy_folder(cached, r.folder)
        return runs


def _anchored_key(key: str, reference: Path, hold: bool) -> str:
    """The cache key of a scenario solved against the reference folder ``reference``."""
    from landalloc.anchoring import reference_hash

    text = json.dumps([key, reference_hash(reference), hold])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _scenario_runs(
    paths: Sequence[Path], out: Path, overrides: dict[str, Any]
) -> list[ScenarioRun]:
    """The batch's scenarios with their keys (every bad file reported at once)."""
    report = Report()
    runs: list[ScenarioRun] = []
    for p, label in zip(paths, _labels(paths), strict=True):
        try:
            key = input_hash(p, overrides)
            name = load_scenario(p).name
        except DataError as exc:
            report.extend(exc.report.problems)
            continue
        runs.append(ScenarioRun(Path(p), name, key, out / label))
    report.raise_if_errors()
    return runs


def _solve_runs(
    runs: Sequence[ScenarioRun],
    cache: Path,
    lang: str,
    overrides: dict[str, Any],
    processes: int | None,
    address: str | None,
    on_event: ProgressHook | None,
) -> None:
    """Solve the runs without a result in ``cache``, one engine task each (a key once)."""
    cache.mkdir(parents=True, exist_ok=True)
    hook = on_event or (lambda i, e: None)
    todo: dict[str, list[int]] = {}
    for i, r in enumerate(runs):
        if (cache / r.key / "summary.json").exists():
            r.reused = True
            hook(i, "reused")
        else:
            todo.setdefault(r.key, []).append(i)
    if not todo:
        return
    tasks = [
        Task(
            key,
            (str(runs[ix[0]].path), str(cache / key), lang, overrides, runs[ix[0]].anchor),
            runs[ix[0]].name,
        )
        for key, ix in todo.items()
    ]
    n = None if processes is None else max(1, min(processes, len(tasks)))
    outcomes: dict[str, dict[str, Any]] = {}
    with Engine(address, None if address else n, ("landalloc.run",)) as engine:
        for ix in todo.values():
            for i in ix:
                hook(i, "started")
        try:
            for res in engine.map(_solve_task, tasks, progress=False, lang=lang):
                _check_versions(res.value, res.worker, cache / res.key)
                outcomes[res.key] = res.value
                for i in todo[res.key]:
                    hook(i, "failed" if res.value["error"] else "done")
        except EngineError as exc:
            for f in exc.failures:
                for i in todo[f.key]:
                    hook(i, "failed")
            raise
    for key in todo:  # in the order of the scenarios, as before
        _raise_worker_error(outcomes[key])
