"""Batches of scenarios: solve in parallel with a result cache, compare KPIs and placements, rerun.

A scenario's result is cached under ``OUT/.cache/<hash>/`` where the hash covers everything that
decides the result: the scenario as validated, the data file's SHA-256, the package and solver
versions and the effective solver settings. A batch reuses every cached result and solves only
what changed. Each scenario's result folder is also copied to ``OUT/<scenario file stem>/``.

Files written into ``OUT``: ``kpi_table.csv`` (one row per KPI, one column per scenario),
``differences.csv`` (projects moved, lost or gained against the first scenario, with the reason
from ``unassigned.csv`` of the scenario where the project is unplaced), ``compare.xlsx`` (both, for
forwarding) and ``compare.html`` (the comparison map, every scenario against the first).

:func:`rerun` solves a result folder again as recorded and tells three outcomes apart (each has
its exit code of ``landalloc rerun``, see :mod:`landalloc.cmd_scenario`): reproduced, placements
that differ with the same versions (a defect when the run was deterministic) and placements that
differ after a version change of landalloc or of :data:`~landalloc.run.PLAN_PACKAGES`.

The batch is four modules: this one (the comparison), the solving and its cache
(:mod:`landalloc.batch`), the tables and files compared (:mod:`landalloc.compare_tables`) and the
rerun (:mod:`landalloc.reproduce`); their public names are importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.store import atomic_path
from landalloc.batch import MAX_PROCESSES as MAX_PROCESSES
from landalloc.batch import ProgressHook as ProgressHook
from landalloc.batch import ScenarioRun as ScenarioRun
from landalloc.batch import effective_solver as effective_solver
from landalloc.batch import input_hash as input_hash
from landalloc.batch import plan_versions as plan_versions
from landalloc.batch import solve_batch as solve_batch
from landalloc.compare_tables import CAUSE_COLUMNS as CAUSE_COLUMNS
from landalloc.compare_tables import DIFF_COLUMNS as DIFF_COLUMNS
from landalloc.compare_tables import _write_csv, cause_diff
from landalloc.compare_tables import kpi_table as kpi_table
from landalloc.compare_tables import placement_diff as placement_diff
from landalloc.compare_tables import write_compare_xlsx as write_compare_xlsx
from landalloc.reproduce import RerunResult as RerunResult
from landalloc.reproduce import changed_versions as changed_versions
from landalloc.reproduce import rerun as rerun
from landalloc.scenario import tables_as_run


def _compare_map_html(
    runs: Sequence[ScenarioRun], lang: str, *, redact: bool = False
) -> str | None:
    """The comparison map of two or more scenarios, rendered in memory: one large map, the
    first scenario the base, every scenario a switchable layer (``None`` without the maps
    package). ``redact``: the redacted export (:mod:`maps.redact`)."""
    try:
        from maps.render import render_compare_map
        from maps.result_dir import read_result_dir
    except ImportError:  # pragma: no cover - the maps package is optional here
        return None
    read = [read_result_dir(r.folder) for r in runs]
    # the data as the runs saw them (with their what-ifs); the other runs' added carriers too
    also = [(r.folder, data) for r, (_, data, _) in zip(runs[1:], read[1:], strict=True)]
    tables = tables_as_run(runs[0].folder, read[0][1], also=also)
    return render_compare_map(
        tables,
        *(res for res, _, _ in read),
        title=" ↔ ".join(r.name for r in runs),
        lang=lang,
        redact=redact,
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
    processes: int | None = MAX_PROCESSES,
    address: str | None = None,
    on_event: ProgressHook | None = None,
    with_map: bool = True,
    anchor: bool = True,
) -> CompareResult:
    """Solve a batch of scenarios and write the comparison into ``out``.

    The first scenario is the reference of the differences. Every other scenario is re-planned
    close to its plan (``anchor``; else solved on its own), and each changed project gets its
    cause (:mod:`optimizer.causes`). See :func:`solve_batch` for the parameters and errors.
    """
    runs = solve_batch(
        paths,
        out,
        lang=lang,
        solver_overrides=solver_overrides,
        processes=processes,
        address=address,
        on_event=on_event,
        anchor=anchor,
    )
    names = _unique([r.name for r in runs])
    kt = kpi_table([r.folder for r in runs], names, lang)
    diffs = [cause_diff(names[0], names[i], runs[i].folder, lang) for i in range(1, len(runs))]
    diff = pd.concat(diffs, ignore_index=True) if diffs else pd.DataFrame(columns=CAUSE_COLUMNS)
    # render the map before writing anything: a map that fails leaves no partial comparison
    html = _compare_map_html(runs, lang) if with_map and len(runs) >= 2 else None
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
