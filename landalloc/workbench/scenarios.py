"""The scenario editor's side on the server: scenario files ↔ the editor's JSON.

The editor edits the scenario as the JSON of :class:`landalloc.scenario.Scenario`
(``model_dump(mode="json")``), so keys it has no field for (re-zoning, what-if projects,
readiness overrides …) are kept as they were. Saving validates with the same model and the same
loader as the CLI (:func:`landalloc.scenario.load_scenario`), checks the pins and withheld
carriers against the data, and writes the YAML a planner could have written: the keys that
differ from their defaults, after ``name``, ``data`` and ``years``. A file made by
``landalloc scenario new`` or by hand opens in the editor the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from geodata.report import DataError, Report
from geodata.store import atomic_path
from landalloc.scenario import Scenario, load_scenario
from landalloc.workbench.data import data_info, new_upload
from landalloc.workbench.job_main import problem_rows
from landalloc.workbench.workspace import BadInput, Workspace, stem_of


class ScenarioProblems(Exception):
    """A scenario that does not validate; ``rows`` are the problems as table rows."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(rows)} problems")
        self.rows = rows


def scenario_yaml(s: Scenario) -> str:
    """The YAML text of a scenario: a comment, then the keys that differ from their defaults."""
    body = s.model_dump(mode="json", exclude_defaults=True)
    for key in ("name", "data", "years"):
        body.pop(key, None)
    sby = body.get("quotas", {}).get("scale_by_year")
    if sby:  # years as numbers, as a planner writes them
        body["quotas"]["scale_by_year"] = {int(k): v for k, v in sby.items()}
    head = {"name": s.name, "data": s.data, "years": list(s.years)}
    return (
        "# 由 landalloc 工作台保存 / saved by the landalloc workbench\n"
        + yaml.safe_dump(head, allow_unicode=True, sort_keys=False, default_flow_style=None)
        + (yaml.safe_dump(body, allow_unicode=True, sort_keys=False) if body else "")
    )


def _payload(ws: Workspace, path: Path, file: str, text: str | None = None) -> dict[str, Any]:
    """The editor's view of a scenario file read from ``path`` (shown as ``file``)."""
    try:
        s = load_scenario(path)
    except DataError as exc:
        raise ScenarioProblems(
            problem_rows(exc.report, {str(path): file, path.name: file})
        ) from None
    try:
        data_name = ws.inside_data(Path(s.data_path(path)))
    except DataError:  # a database: the workbench works on files of its workspace
        data_name = None
    if data_name is None:  # a file from elsewhere: offer the workspace data of the same name
        stem = Path(s.data).stem
        data_name = stem if ws.data_file(stem_of(stem)).exists() else None
    return {
        "file": Path(file).stem,
        "scenario": s.model_dump(mode="json"),
        "data_name": data_name,
        "yaml": text if text is not None else path.read_text(encoding="utf-8", errors="replace"),
        "info": data_info(ws.data_file(data_name)) if data_name else None,
    }


def open_scenario(ws: Workspace, file: str) -> dict[str, Any]:
    """The editor's view of the workspace scenario ``file``."""
    path = ws.scenario_file(file)
    if not path.is_file():
        raise BadInput(f"没有情景文件 {path.name}", f"no scenario file {path.name}", 404)
    return _payload(ws, path, path.name)


def new_scenario(ws: Workspace, data_name: str, name: str) -> dict[str, Any]:
    """A new scenario on workspace data, from the CLI's commented template
    (``landalloc scenario new``)."""
    from landalloc.cmd_scenario import new_scenario_text

    data = ws.data_file(data_name)
    if not data.is_file():
        raise BadInput(f"没有数据 {data_name}", f"no data {data_name}", 404)
    years = data_info(data)["years"]
    text = new_scenario_text(name or "新情景", f"../data/{data.name}", years)
    return imported_scenario(ws, f"{stem_of(name or 'scenario')}.yaml", text.encode("utf-8"))


def imported_scenario(ws: Workspace, filename: str, content: bytes) -> dict[str, Any]:
    """The editor's view of an uploaded scenario YAML (read like the CLI reads it; not kept)."""
    stem = stem_of(Path(filename.replace("\\", "/")).stem)
    tmp = new_upload(ws, ".yaml")
    try:
        tmp.write_bytes(content)
        return _payload(ws, tmp, f"{stem}.yaml", content.decode("utf-8", errors="replace"))
    finally:
        tmp.unlink(missing_ok=True)


def _validation_rows(exc: ValidationError, file: str) -> list[dict[str, Any]]:
    rows = []
    for err in exc.errors():
        key = ".".join(str(k) for k in err["loc"])
        rows.append(
            {
                "severity": "error",
                "code": err["type"],
                "file": file,
                "layer": "",
                "row": None,
                "column": key,
                "message_zh": f"{key}：{err['msg']}（输入 {err.get('input')!r:.80}）",
                "message_en": f"{key}: {err['msg']} (got {err.get('input')!r:.80})",
            }
        )
    return rows


def _check_ids(s: Scenario, info: dict[str, Any], file: str) -> None:
    """Pins and withheld carriers must name projects and carriers of the data (or what-ifs)."""
    projects = set(info["projects"]) | {str(p.get("project_id")) for p in s.extra_projects}
    carriers = set(info["carriers"]) | {str(p.get("parcel_id")) for p in s.extra_parcels}
    r = Report()
    for pid, cid in s.pins.items():
        if pid not in projects:
            r.error("unknown_project", f"锁定中的项目 {pid} 不存在", f"pins: no project {pid}")
        if cid not in carriers:
            r.error("unknown_pin", f"锁定中的载体 {cid} 不存在", f"pins: no carrier {cid}")
    for cid in s.withheld:
        if cid not in carriers:
            r.error(
                "unknown_carrier", f"暂不供应的载体 {cid} 不存在", f"withheld: no carrier {cid}"
            )
    if r.errors:
        rows = problem_rows(r)
        for row in rows:
            row["file"] = file
            row["column"] = "withheld" if row["code"] == "unknown_carrier" else "pins"
        raise ScenarioProblems(rows)


def save_scenario(
    ws: Workspace, file: str, scenario: dict[str, Any], data_name: str
) -> dict[str, Any]:
    """Validate the editor's scenario and write it as ``scenarios/FILE.yaml`` (atomically).

    Raises
    ------
    ScenarioProblems
        When it does not validate (nothing is written then).
    """
    target = ws.scenario_file(file)
    data = ws.data_file(data_name)
    if not data.is_file():
        raise BadInput(f"没有数据 {data_name}", f"no data {data_name}", 404)
    raw = {**scenario, "data": f"../data/{data.name}"}
    try:
        s = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioProblems(_validation_rows(exc, target.name)) from None
    info = data_info(data)
    outside = [y for y in s.years if y not in info["years"]]
    if outside:
        raise ScenarioProblems(
            [
                {
                    "severity": "error",
                    "code": "year_outside_data",
                    "file": target.name,
                    "layer": "",
                    "row": None,
                    "column": "years",
                    "message_zh": f"年份 {outside} 在数据中没有用地指标（数据年份：{info['years']}）",
                    "message_en": f"years {outside} have no quota in the data ({info['years']})",
                }
            ]
        )
    _check_ids(s, info, target.name)
    text = scenario_yaml(s)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
        try:
            load_scenario(tmp)  # the CLI's own reading of the file written
        except DataError as exc:  # pragma: no cover - the model accepted it above
            raise ScenarioProblems(problem_rows(exc.report, {str(tmp): target.name})) from None
    return _payload(ws, target, target.name, text)


def list_scenarios(ws: Workspace) -> list[dict[str, Any]]:
    """The workspace's scenario files with their names and years (unreadable ones flagged)."""
    out = []
    for p in sorted(ws.scenarios.glob("*.yaml")):
        try:
            s = load_scenario(p)
            out.append({"file": p.stem, "name": s.name, "years": s.years, "ok": True})
        except DataError:
            out.append({"file": p.stem, "name": p.stem, "years": [], "ok": False})
    return out
