"""Scenario files: the YAML a planner writes, validated by a pydantic schema.

The smallest valid file names the data, the years and the solver limit; every other key has a
documented default (see :class:`Scenario`). Unknown keys are errors with a "did you mean", and
every error names the file, the key and its line.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from geodata.report import DataError, Report
from geodata.schema import coerce_table
from geodata.store import Tables


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuotaSettings(_Strict):
    """Quotas: the data's, scaled overall or per year, or overridden per (year, zone)."""

    scale: float = Field(1.0, ge=0, description="multiply every quota of the data")
    scale_by_year: dict[int, float] = Field(default_factory=dict, description="year → factor")
    override: list[dict[str, Any]] = Field(
        default_factory=list, description="[{year, zone ('*' = district), land_mu}]"
    )


class WeightSettings(_Strict):
    """Objective weights in points (see optimizer.settings.Weights)."""

    tier_points: dict[float, float] | None = None
    investment_per_yi: float = 2.0
    output_per_yi: float = 0.5
    tax_per_1000wan: float = 1.0
    jobs_per_100: float = 1.0
    tag_points: dict[str, float] | None = None
    stage_points: dict[str, float] | None = None
    waste_per_mu: float = 0.2
    focus: float = 5.0
    anchor: float = 5.0
    anchor_radius_km: float = 8.0
    delay_per_year: float = 8.0
    delay_per_month: float = 0.5


class PolicySettings(_Strict):
    """Policy knobs."""

    waste_tolerance: float = Field(0.5, ge=0, description="parcel may exceed demand by this share")
    standard_land: bool = Field(True, description="apply 标准地 indicator floors")
    include_negotiating: bool = Field(True, description="place negotiating (在谈) projects")
    lexicographic: bool = Field(False, description="major projects first, then the rest")
    allow_groups: bool = Field(True, description="合并供地 of adjacent parcels")
    max_group_size: int = Field(3, ge=2, le=5)
    strict_ready_signed: bool = Field(
        False,
        description="signed projects must start on acquisition (拿地即开工); pinned projects "
        "keep their own ready_to_build (their land is already decided)",
    )


class SolverSection(_Strict):
    """Solver limits."""

    time_limit_s: float = Field(30.0, gt=0)
    workers: int = Field(2, ge=1, le=64)
    seed: int = 0
    deterministic: bool = False
    max_carriers_per_project: int | None = Field(None, ge=1)


class Rezone(_Strict):
    """A what-if re-zoning: the clusters admitted on every parcel (and factory) of a zone."""

    zone: str = Field(description="zone code as in the data")
    clusters: list[str] = Field(min_length=1, description="cluster codes now admitted")
    mode: Literal["replace", "add"] = Field(
        "replace", description="replace the zone's clusters, or add these to them"
    )


class Scenario(_Strict):
    """A scenario file.

    Every key but ``name``, ``data`` and ``years`` has a default: the data's quotas, the default
    weights (:class:`WeightSettings`), the policy of :class:`PolicySettings`, no pins, nothing
    withheld, the shipped readiness rules, no what-if changes and the limits of
    :class:`SolverSection`. What-if keys (``rezone``, ``extra_projects``) change a copy of the
    data in memory before solving; the data file itself is never touched.
    """

    name: str
    description: str = ""
    data: str
    years: list[int] = Field(min_length=1)
    quotas: QuotaSettings = Field(default_factory=QuotaSettings)  # type: ignore[arg-type]
    weights: WeightSettings = Field(default_factory=WeightSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)  # type: ignore[arg-type]
    pins: dict[str, str] = Field(default_factory=dict, description="project_id → carrier_id")
    withheld: list[str] = Field(default_factory=list, description="carriers not to supply")
    readiness: dict[str, Any] = Field(default_factory=dict, description="readiness overrides")
    rezone: list[Rezone] = Field(default_factory=list, description="what-if re-zoning")
    extra_projects: list[dict[str, Any]] = Field(
        default_factory=list, description="what-if projects (columns of the projects layer)"
    )
    solver: SolverSection = Field(default_factory=SolverSection)  # type: ignore[arg-type]

    def data_path(self, scenario_file: Path) -> Path:
        """The data file, relative to the scenario file."""
        p = Path(self.data)
        return p if p.is_absolute() else (scenario_file.parent / p).resolve()


def _line_of(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (or of its nearest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if str(k.value) == str(key):
                    line = k.start_mark.line + 1
                    nxt = v
                    break
            if nxt is None:
                return line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def key_line(path: str | Path, *loc: str | int) -> int | None:
    """1-based line of the key ``loc`` (e.g. ``("pins", "XM-1")``) in a scenario file.

    Parameters
    ----------
    path
        The scenario file.
    *loc
        The keys and list positions leading to the value.

    Returns
    -------
    int or None
        The line of the deepest key found, or ``None`` when the file cannot be read.
    """
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return _line_of(node, tuple(loc))


def _fields_at(loc: tuple[str | int, ...]) -> list[str]:
    model: Any = Scenario
    for key in loc[:-1]:
        if isinstance(key, int):  # a list position: look inside list[Model]
            args = typing.get_args(model)
            model = args[0] if args else None
            continue
        field = model.model_fields.get(str(key)) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        model = field.annotation
    return list(getattr(model, "model_fields", {}).keys())


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise :class:`DataError` listing every problem."""
    path = Path(path)
    report = Report()
    where = {"file": str(path)}
    if not path.exists():
        report.error(
            "no_file", f"找不到情景文件 {path}", f"scenario file not found: {path}", **where
        )
        raise DataError(report)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        report.error(
            "bad_yaml",
            f"YAML 格式错误：{exc}",
            f"YAML syntax error: {exc}",
            row=mark.line + 1 if mark else None,
            **where,
        )
        raise DataError(report) from None
    if not isinstance(raw, dict):
        report.error(
            "bad_yaml", "情景文件应为键值映射", "a scenario file must be a mapping", **where
        )
        raise DataError(report)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(k) for k in loc)
            line = _line_of(node, loc)
            if err["type"] == "extra_forbidden":
                near = difflib.get_close_matches(str(loc[-1]), _fields_at(loc), n=1)
                hint = f"{'.'.join(str(k) for k in (*loc[:-1], near[0]))}" if near else None
                report.error(
                    "unknown_key",
                    f"未知的键 {key}" + (f"，是否应为 {hint}？" if hint else ""),
                    f"unknown key {key}" + (f"; did you mean {hint}?" if hint else ""),
                    row=line,
                    column=key,
                    **where,
                )
            else:
                report.error(
                    "bad_value",
                    f"{key} 的值无效：{err['msg']}（实际 {err.get('input')!r}）",
                    f"invalid value for {key}: {err['msg']} (got {err.get('input')!r})",
                    row=line,
                    column=key,
                    **where,
                )
        raise DataError(report) from None


def apply_whatif(scenario: Scenario, tables: Tables, path: Path, report: Report) -> Tables | None:
    """Apply the scenario's what-if changes (``rezone``, ``extra_projects``) to a copy of the data.

    Parameters
    ----------
    scenario
        The validated scenario.
    tables
        The data as loaded (not modified).
    path
        The scenario file, for messages (they name the key and its line).
    report
        Receives one problem per unknown zone or cluster and per bad cell of an extra project.

    Returns
    -------
    Tables or None
        The changed copy, or ``None`` when the scenario has no what-if changes.
    """
    if not scenario.rezone and not scenario.extra_projects:
        return None
    where = {"file": str(path)}
    known_clusters = {str(c) for c in tables.clusters["cluster"]} | {
        str(c) for c in tables.projects["cluster"]
    }
    zones = {str(z) for z in tables.parcels["zone"]} | {str(z) for z in tables.factories["zone"]}
    parcels = tables.parcels.copy()
    factories = tables.factories.copy()
    for i, rz in enumerate(scenario.rezone):
        if rz.zone not in zones:
            near = difflib.get_close_matches(rz.zone, sorted(zones), n=1)
            report.error(
                "unknown_zone",
                f"rezone 中的片区 {rz.zone} 在数据中不存在",
                f"rezone: zone {rz.zone} is not in the data",
                row=key_line(path, "rezone", i, "zone"),
                column=f"rezone.{i}.zone",
                hint_zh=near[0] if near else f"数据中的片区之一：{'、'.join(sorted(zones))}",
                hint_en=near[0] if near else f"one of the zones {', '.join(sorted(zones))}",
                **where,
            )
        for j, c in enumerate(rz.clusters):
            if c not in known_clusters:
                near = difflib.get_close_matches(c, sorted(known_clusters), n=1)
                report.error(
                    "unknown_cluster",
                    f"rezone 中的产业集群 {c} 在数据中不存在",
                    f"rezone: cluster {c} is not in the data",
                    row=key_line(path, "rezone", i, "clusters", j),
                    column=f"rezone.{i}.clusters",
                    hint_zh=near[0] if near else None,
                    hint_en=near[0] if near else None,
                    **where,
                )
        for frame in (parcels, factories):
            if not len(frame):
                continue
            mask = frame["zone"].astype(str) == rz.zone
            new = [
                tuple(sorted(set(rz.clusters) | (set(old) if rz.mode == "add" else set())))
                for old in frame.loc[mask, "clusters"]
            ]
            frame.loc[mask, "clusters"] = pd.Series(new, index=frame.index[mask], dtype=object)
    projects = tables.projects
    if scenario.extra_projects:
        extra = pd.DataFrame(scenario.extra_projects)
        lines = [key_line(path, "extra_projects", i) or 0 for i in range(len(extra))]
        before = len(report.errors)
        typed = coerce_table(extra, "projects", report, file=str(path), row_numbers=lines)
        if len(report.errors) > before or not set(projects.columns) <= set(typed.columns):
            return None
        have = {str(p) for p in projects["project_id"]}
        for line, pid in zip(lines, typed.get("project_id", []), strict=False):
            if str(pid) in have:
                report.error(
                    "duplicate_id",
                    f"extra_projects 中的项目编号 {pid} 与数据中的项目重复",
                    f"extra_projects: project_id {pid} already exists in the data",
                    row=line,
                    column="extra_projects.project_id",
                    **where,
                )
            have.add(str(pid))
        projects = pd.concat([projects, typed[list(projects.columns)]], ignore_index=True)
    return dataclasses.replace(tables, parcels=parcels, factories=factories, projects=projects)
