"""Result and comparison folders of the workspace, read for the page.

A result folder is what ``landalloc solve`` writes (:mod:`landalloc.run`); the page shows its
KPIs (``summary.json``), its placements (``assignments.csv``), its unplaced projects with their
reasons (``unassigned.csv``) and the offline map (``map.html``). A comparison folder is what
``landalloc compare`` writes (:mod:`landalloc.compare`): the KPI table, the differences with
their causes, and ``compare.html``. Only the files listed in :data:`RESULT_FILES` and
:data:`COMPARE_FILES` are served.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.schema import UNASSIGNED_COLUMNS
from landalloc.outdir import is_landalloc_folder
from landalloc.workbench.workspace import BadInput, Workspace, read_json

#: Files of a result folder that may be downloaded, with their content types.
RESULT_FILES = {
    "map.html": "text/html; charset=utf-8",
    "report.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "result.gpkg": "application/geopackage+sqlite3",
    "assignments.csv": "text/csv; charset=utf-8",
    "unassigned.csv": "text/csv; charset=utf-8",
    "summary.json": "application/json",
    "scenario.yaml": "text/plain; charset=utf-8",
    "solver.log": "text/plain; charset=utf-8",
}
#: Files of a comparison folder that may be downloaded.
COMPARE_FILES = {
    "compare.html": "text/html; charset=utf-8",
    "compare.xlsx": RESULT_FILES["report.xlsx"],
    "differences.csv": "text/csv; charset=utf-8",
    "kpi_table.csv": "text/csv; charset=utf-8",
}

_ASSIGNMENT_COLUMNS = [
    "project_id",
    "name",
    "cluster",
    "stage",
    "carrier_kind",
    "carrier_id",
    "zone",
    "year",
    "area_mu",
    "floor_m2",
    "investment_yi",
    "start_date",
    "readiness",
    "missing",
]
#: The unplaced table as the page shows it: the result's columns but the company.
_UNASSIGNED_COLUMNS = [c for c in UNASSIGNED_COLUMNS if c != "company"]


def _records(path: Path, columns: list[str]) -> list[dict[str, Any]]:
    """Rows of a result CSV (the listed columns that exist), JSON-ready."""
    if not path.is_file():
        return []
    from geodata.textsafe import restore_csv_text

    df = restore_csv_text(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    df = df[[c for c in columns if c in df.columns]]
    return [{str(k): v for k, v in r.items()} for r in df.to_dict(orient="records")]


def _number(x: Any) -> Any:
    return None if isinstance(x, float) and not math.isfinite(x) else x


def list_results(ws: Workspace) -> list[dict[str, Any]]:
    """The result folders of the workspace with their headline figures, newest first."""
    out = []
    for d in ws.results.iterdir():
        summary = read_json(d / "summary.json") if is_landalloc_folder(d, "result") else None
        if summary is None:
            continue
        k = summary.get("kpis", {})
        out.append(
            {
                "name": d.name,
                "scenario": summary.get("scenario", d.name),
                "status": summary.get("status"),
                "objective": _number(summary.get("objective")),
                "gap": _number(summary.get("gap")),
                "projects_placed": k.get("projects_placed"),
                "projects_total": k.get("projects_total"),
                "investment_yi": k.get("investment_yi"),
                "land_mu": k.get("land_mu"),
                "created": summary.get("created"),
            }
        )
    return sorted(out, key=lambda r: str(r["created"]), reverse=True)


def result_detail(ws: Workspace, name: str) -> dict[str, Any]:
    """One result: summary (KPIs, status, times), placements, unplaced projects, files."""
    d = ws.result_dir(name)
    summary = read_json(d / "summary.json") if is_landalloc_folder(d, "result") else None
    if summary is None:
        raise BadInput(f"没有结果 {name}", f"no result {name}", 404)
    keep = ("scenario", "status", "objective", "best_bound", "gap", "solve_seconds")
    return {
        "name": d.name,
        "summary": {k: _number(summary.get(k)) for k in keep},
        "kpis": summary.get("kpis", {}),
        "greedy_kpis": summary.get("greedy_kpis", {}),
        "warnings": summary.get("warnings", []),
        "created": summary.get("created"),
        "assignments": _records(d / "assignments.csv", _ASSIGNMENT_COLUMNS),
        "unassigned": _records(d / "unassigned.csv", _UNASSIGNED_COLUMNS),
        "files": [f for f in RESULT_FILES if (d / f).is_file()],
    }


def list_compares(ws: Workspace) -> list[dict[str, Any]]:
    """The comparison folders that hold a comparison."""
    out = []
    for d in sorted(ws.compares.iterdir()):
        if is_landalloc_folder(d, "compare") and (d / "kpi_table.csv").is_file():
            out.append({"name": d.name, "files": [f for f in COMPARE_FILES if (d / f).is_file()]})
    return out


def compare_detail(ws: Workspace, name: str) -> dict[str, Any]:
    """One comparison: the KPI table and the differences with their causes."""
    d = ws.compare_dir(name)
    if not (is_landalloc_folder(d, "compare") and (d / "kpi_table.csv").is_file()):
        raise BadInput(f"没有比较 {name}", f"no comparison {name}", 404)
    kpis = pd.read_csv(d / "kpi_table.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return {
        "name": d.name,
        "kpi_columns": list(kpis.columns),
        "kpis": [{str(k): v for k, v in r.items()} for r in kpis.to_dict(orient="records")],
        "differences": _records(
            d / "differences.csv",
            ["scenario", "reference", "project_id", "name", "change", "before", "after", "cause"],
        ),
        "files": [f for f in COMPARE_FILES if (d / f).is_file()],
    }


def file_of(ws: Workspace, kind: str, name: str, file: str) -> tuple[Path, str]:
    """A downloadable file of a result or comparison folder, with its content type."""
    if kind not in ("results", "compare"):
        raise BadInput("没有这个页面或接口", "no such page or endpoint", 404)
    allowed = RESULT_FILES if kind == "results" else COMPARE_FILES
    folder = ws.result_dir(name) if kind == "results" else ws.compare_dir(name)
    path = folder / file
    if file not in allowed or not path.is_file():
        raise BadInput(f"没有文件 {file[:80]}", f"no file {file[:80]}", 404)
    return path, allowed[file]
