"""Scenario files: the YAML a planner writes, validated by a pydantic schema.

The smallest valid file names the data, the years and the solver limit; every other key has a
documented default (see :class:`Scenario`). Unknown keys are errors with a "did you mean", and
every error names the file, the key and its line.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from geodata.report import DataError, Report


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
        False, description="signed projects must start on acquisition (拿地即开工)"
    )


class SolverSection(_Strict):
    """Solver limits."""

    time_limit_s: float = Field(30.0, gt=0)
    workers: int = Field(2, ge=1, le=64)
    seed: int = 0
    deterministic: bool = False
    max_carriers_per_project: int | None = Field(None, ge=1)


class Scenario(_Strict):
    """A scenario file."""

    name: str
    description: str = ""
    data: str
    years: list[int] = Field(min_length=1)
    quotas: QuotaSettings = Field(default_factory=QuotaSettings)  # type: ignore[arg-type]
    weights: WeightSettings = Field(default_factory=WeightSettings)  # type: ignore[arg-type]
    policy: PolicySettings = Field(default_factory=PolicySettings)  # type: ignore[arg-type]
    pins: dict[str, str] = Field(default_factory=dict, description="project_id → carrier_id")
    withheld: list[str] = Field(default_factory=list, description="carriers not to supply")
    readiness: dict[str, Any] = Field(default_factory=dict, description="readiness overrides")
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


def _fields_at(loc: tuple[str | int, ...]) -> list[str]:
    model: Any = Scenario
    for key in loc[:-1]:
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
