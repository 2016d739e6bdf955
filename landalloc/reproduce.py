"""Solving a result folder again, as recorded, and telling the three outcomes apart.

:func:`rerun` re-solves with the recorded scenario, data (checked by its SHA-256) and solver
settings, then compares the placements: reproduced, placements that differ with the same
versions (a defect when the run was deterministic) and placements that differ after a version
change of landalloc or of :data:`~landalloc.run.PLAN_PACKAGES`. Each outcome has its exit code of
``landalloc rerun`` (see :mod:`landalloc.cmd_scenario`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.report import DataError, Report
from landalloc.batch import plan_versions
from landalloc.compare_tables import placement_diff
from landalloc.scenario import load_scenario


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
    _check_folder(result_dir, out, report)
    summary = json.loads(summ.read_text(encoding="utf-8"))
    s = load_scenario(scen)
    data = s.data_source(scen)  # a file, or a postgresql:// URL (hashed by content)
    recorded = summary.get("data_sha256")
    if isinstance(data, Path) and not data.exists():
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


def _check_folder(result_dir: Path, out: Path, report: Report) -> None:
    """Raise :class:`DataError` unless ``result_dir`` holds a scenario and a summary and ``out``
    is another folder."""
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
