"""Scenario files: the YAML a planner writes, validated by a pydantic schema.

The smallest valid file names the data, the years and the solver limit; every other key has a
documented default (see :class:`Scenario`). Unknown keys are errors with a "did you mean", and
every error names the file, the key and its line.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geodata.geometry import AREA_TOLERANCE as AREA_TOLERANCE
from geodata.inputs import (
    FALLBACK_ENCODING,
    MAX_YAML_BYTES,
    LimitedLoader,
    decode_text,
    load_yaml,
    read_small_file,
)
from geodata.postgis_url import db_url, not_a_file, refuse_password
from geodata.report import DataError, Report
from geodata.schema import normalise_id
from geodata.store import Tables, validate
from geodata.units import mu_to_cmu
from geodata.whatif import append_new
from geodata.whatif import apply_whatif as apply_changes
from geodata.whatif_parcels import GEOMETRY_KEYS as GEOMETRY_KEYS
from geodata.whatif_parcels import LONLAT_CRS as LONLAT_CRS
from geodata.whatif_rows import Locator
from landalloc.clashes import ClashSettings
from landalloc.uncertainty import UncertaintySettings
from optimizer.settings import Policy, SolverSettings, Weights


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuotaSettings(_Strict):
    """Quotas: the data's, scaled overall or per year, or overridden per (year, zone)."""

    scale: float = Field(1.0, ge=0, description="multiply every quota of the data")
    scale_by_year: dict[int, float] = Field(default_factory=dict, description="year → factor")
    override: list[dict[str, Any]] = Field(
        default_factory=list, description="[{year, zone ('*' = district), land_mu}]"
    )


#: The defaults of the scenario file are those of the optimizer's settings (one place each).
_W, _P, _S = Weights(), Policy(), SolverSettings()


class WeightSettings(_Strict):
    """Objective weights in points (see optimizer.settings.Weights)."""

    tier_points: dict[float, float] | None = None
    investment_per_yi: float = _W.investment_per_yi
    output_per_yi: float = _W.output_per_yi
    tax_per_1000wan: float = _W.tax_per_1000wan
    jobs_per_100: float = _W.jobs_per_100
    tag_points: dict[str, float] | None = None
    stage_points: dict[str, float] | None = None
    waste_per_mu: float = _W.waste_per_mu
    focus: float = _W.focus
    anchor: float = _W.anchor
    anchor_radius_km: float = _W.anchor_radius_km
    delay_per_year: float = _W.delay_per_year
    delay_per_month: float = _W.delay_per_month


class PolicySettings(_Strict):
    """Policy knobs."""

    waste_tolerance: float = Field(
        _P.waste_tolerance, ge=0, description="parcel may exceed demand by this share"
    )
    standard_land: bool = Field(_P.standard_land, description="apply 标准地 indicator floors")
    include_negotiating: bool = Field(
        _P.include_negotiating, description="place negotiating (在谈) projects"
    )
    lexicographic: bool = Field(_P.lexicographic, description="major projects first, then the rest")
    allow_groups: bool = Field(_P.allow_groups, description="合并供地 of adjacent parcels")
    max_group_size: int = Field(_P.max_group_size, ge=2, le=5)
    strict_ready_signed: bool = Field(
        False,
        description="signed projects must start on acquisition (拿地即开工); pinned projects "
        "keep their own ready_to_build (their land is already decided)",
    )


class SolverSection(_Strict):
    """Solver limits."""

    time_limit_s: float = Field(_S.time_limit_s, gt=0)
    workers: int = Field(_S.workers, ge=1, le=64)
    seed: int = _S.seed
    deterministic: bool = _S.deterministic
    max_carriers_per_project: int | None = Field(None, ge=1)
    lns_min_candidates: int = Field(_S.lns_min_candidates, ge=1)
    mip_worker: bool = _S.mip_worker


class Rezone(_Strict):
    """A what-if re-zoning: the clusters admitted on every parcel (and factory) of a zone."""

    zone: str = Field(description="zone code as in the data")
    clusters: list[str] = Field(min_length=1, description="cluster codes now admitted")
    mode: Literal["replace", "add"] = Field(
        "replace", description="replace the zone's clusters, or add these to them"
    )


class ReadinessSlip(_Strict):
    """A what-if slip of readiness dates (:mod:`optimizer.readiness.slip`): every scheduled
    date of one department's preconditions, or of one precondition, moved by ``months``."""

    department: str | None = Field(None, description="owning department (name as in the rules)")
    precondition: str | None = Field(None, description="precondition key, e.g. power")
    zone: str | None = Field(None, description="only the parcels of this zone")
    months: int = Field(ge=-120, le=120, description="months later (negative: earlier)")


class AnchorSection(_Strict):
    """A reference plan to stay close to (see :mod:`landalloc.anchoring`)."""

    plan: str = Field(description="a result folder of landalloc solve, relative to this file")
    tolerance: float = Field(
        0.0, ge=0, lt=1, description="share of the best objective that may be given up"
    )
    hold: bool = Field(True, description="anchor the plan (false: only list the changes)")

    def plan_path(self, scenario_file: Path) -> Path:
        """The reference folder, relative to the scenario file."""
        p = Path(self.plan)
        return p if p.is_absolute() else (scenario_file.parent / p).resolve()


class Scenario(_Strict):
    """A scenario file.

    Every key but ``name``, ``data`` and ``years`` has a default: the data's quotas, the default
    weights (:class:`WeightSettings`), the policy of :class:`PolicySettings`, no pins, nothing
    withheld, the shipped readiness rules, no what-if changes and the limits of
    :class:`SolverSection`. What-if keys (``rezone``, ``extra_projects``, ``extra_parcels``)
    change a copy of the data in memory before solving; the data file itself is never touched.

    ``extra_parcels`` are parcels written in the file itself: the columns of the parcels layer
    (``parcel_id``, ``zone``, ``land_use``, ``clusters``, ``area_mu``, ``divisible``,
    ``available_year``, ``ready_*`` …) plus a geometry given by exactly one of

    - ``wkt``: a polygon in WKT, in ``crs`` (default ``EPSG:4490``, CGCS2000 lon/lat; e.g.
      ``EPSG:4549`` for metres; anything pyproj understands), reprojected to the data's working
      CRS; ``area_mu`` defaults to the polygon's area there, and a given ``area_mu`` must agree
      with it within :data:`AREA_TOLERANCE`;
    - ``lonlat: [lon, lat]`` (CGCS2000) with ``area_mu``: a *placeholder* square of that area
      centred at the point, built in the working CRS (for a parcel whose boundary is not drawn
      yet; the map shows the square, not a real boundary).

    Extra parcels must lie in a zone of the data and must not overlap a parcel; once added they
    are parcels like any other (candidates, quotas, 合并供地 groups, readiness, ``rezone``,
    ``pins`` and ``withheld``, the verifier, the map and the result files).
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
    readiness_slip: list[ReadinessSlip] = Field(
        default_factory=list, description="what-if: readiness dates moved by months"
    )
    rezone: list[Rezone] = Field(default_factory=list, description="what-if re-zoning")
    extra_projects: list[dict[str, Any]] = Field(
        default_factory=list, description="what-if projects (columns of the projects layer)"
    )
    extra_parcels: list[dict[str, Any]] = Field(
        default_factory=list,
        description="what-if parcels (columns of the parcels layer plus wkt [crs] or lonlat)",
    )
    solver: SolverSection = Field(default_factory=SolverSection)  # type: ignore[arg-type]
    anchor: AnchorSection | None = Field(None, description="a reference plan to stay close to")
    uncertainty: UncertaintySettings = Field(
        default_factory=UncertaintySettings,  # type: ignore[arg-type]
        description="project probabilities, expected-value objective, quota reserve",
    )
    clashes: ClashSettings | None = Field(
        None, description="neighbours that clash (邻避): sensitive sites and clash pairs"
    )

    @field_validator("readiness_slip", mode="before")
    @classmethod
    def _one_slip(cls, value: Any) -> Any:
        """One slip may be written as a mapping instead of a list of one."""
        return [value] if isinstance(value, dict) else value

    def data_path(self, scenario_file: Path) -> Path:
        """The data file, relative to the scenario file.

        Raises :class:`DataError` when ``data`` is a database (a command that needs a file:
        see :meth:`data_source` for the commands that read either).
        """
        if db_url(self.data) is not None:
            raise not_a_file(self.data, str(scenario_file))
        p = Path(self.data)
        return p if p.is_absolute() else (scenario_file.parent / p).resolve()

    def data_source(self, scenario_file: Path) -> Path | str:
        """The data: a file relative to the scenario file, or a ``postgresql://`` URL as written
        (:mod:`geodata.postgis`)."""
        url = db_url(self.data)
        return url if url is not None else self.data_path(scenario_file)


class _Loader(LimitedLoader):
    """The YAML loader of scenario files (:class:`geodata.inputs.LimitedLoader`: a SafeLoader
    without aliases, with bounded nesting, noting duplicate keys) whose impossible dates
    (``2026-13-01``) are YAML errors with a line."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        """A date or datetime; an impossible one raises a ``ConstructorError`` at its node."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid date {node.value!r} ({exc})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


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
    node = _compose(Path(path))
    return _line_of(node, tuple(loc)) if node is not None else None


#: What a scenario file is called in messages.
_WHAT = ("情景文件", "scenario file")


def _compose(path: Path) -> yaml.Node | None:
    """The YAML node tree of a scenario file (for lines), or ``None`` when it cannot be read.

    Read like :func:`load_scenario` reads it (regular file, size, encoding, no aliases).
    """
    found = Report()
    data = read_small_file(path, found, what=_WHAT)
    if data is None:
        return None
    try:
        text, _ = decode_text(data)
    except UnicodeDecodeError:
        return None
    loaded = load_yaml(text, found, file=str(path), loader=_Loader)
    return loaded[1] if loaded is not None else None


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


def load_scenario(path: str | Path, report: Report | None = None) -> Scenario:
    """Read and validate a scenario file; raise :class:`DataError` listing every problem.

    The file must be a regular file (not a FIFO, directory or device) of at most
    :data:`~geodata.inputs.MAX_YAML_BYTES` bytes. It is read as UTF-8 (with or without BOM);
    a file that is not valid UTF-8 is read as GB18030 (GBK, the default of Chinese Windows)
    with a ``scenario_encoding`` warning. YAML anchors and aliases, nesting deeper than
    :data:`~geodata.inputs.MAX_YAML_DEPTH` levels and keys written twice are errors.

    Parameters
    ----------
    path
        The scenario file.
    report
        Receives the warnings of a valid file (the encoding warning); errors are raised.
    """
    path = Path(path)
    found = Report()
    where = {"file": str(path)}
    data = read_small_file(path, found, what=_WHAT, max_bytes=MAX_YAML_BYTES)
    if data is None:
        raise DataError(found)
    try:
        text, codec = decode_text(data)
    except UnicodeDecodeError as exc:
        found.error(
            "bad_encoding",
            f"情景文件既不是 UTF-8 也不是 GB18030（GBK）编码，无法读取（第 {exc.start} 字节）",
            f"the scenario file is neither UTF-8 nor GB18030 (GBK) text; it cannot be read "
            f"(byte {exc.start})",
            hint_zh="在记事本中“另存为”，编码选 UTF-8",
            hint_en="save it as UTF-8 (Notepad: Save As, encoding UTF-8)",
            **where,
        )
        raise DataError(found) from None
    if codec is not None:
        name = "GB18030（GBK）" if codec == FALLBACK_ENCODING else codec.upper()
        found.warning(
            "scenario_encoding",
            f"情景文件不是 UTF-8 编码，已按 {name} 读取；请核对中文名称，建议另存为 UTF-8",
            f"the scenario file is not UTF-8; it was read as {name}. Check its Chinese text, "
            "and save it as UTF-8",
            hint_zh="在记事本中“另存为”，编码选 UTF-8",
            hint_en="save it as UTF-8 (Notepad: Save As, encoding UTF-8)",
            **where,
        )
    loaded = load_yaml(text, found, file=str(path), loader=_Loader)
    if loaded is None:
        raise DataError(found)
    raw, node = loaded
    if not isinstance(raw, dict):
        found.error(
            "bad_yaml", "情景文件应为键值映射", "a scenario file must be a mapping", **where
        )
        raise DataError(found)
    safe = refuse_password(raw.get("data"), found, row=_line_of(node, ("data",)), **where)
    raw = raw if safe is None else {**raw, "data": safe}  # the password never shown
    scenario = _validated(raw, node, found, where)
    found.raise_if_errors()
    assert scenario is not None
    if report is not None:
        report.extend(found.warnings)
    return scenario


def _validated(
    raw: dict[Any, Any], node: yaml.Node | None, report: Report, where: dict[str, str]
) -> Scenario | None:
    """The scenario model of a parsed file, or ``None`` after reporting every invalid key."""
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
                got = repr(err.get("input"))
                got = got if len(got) <= 200 else got[:200] + "…"
                report.error(
                    "bad_value",
                    f"{key} 的值无效：{err['msg']}（实际 {got}）",
                    f"invalid value for {key}: {err['msg']} (got {got})",
                    row=line,
                    column=key,
                    **where,
                )
        return None


def extra_carrier_ids(scenario: Scenario) -> set[str]:
    """The ids of the scenario's ``extra_parcels`` as they will be in the data (for pins).

    Parameters
    ----------
    scenario
        The validated scenario.

    Returns
    -------
    set of str
        The non-blank ``parcel_id`` values, normalised like ids of the data.
    """
    ids = {normalise_id(x.get("parcel_id")) for x in scenario.extra_parcels}
    return ids - {""}


def quota_overrides(scenario: Scenario, path: Path, report: Report) -> dict[tuple[int, str], float]:
    """The scenario's ``quotas.override`` as ``(year, zone) → 亩`` (for ``Problem.add_quota``).

    Parameters
    ----------
    scenario
        The validated scenario.
    path
        The scenario file, for messages.
    report
        Receives one error per entry without a year, zone and land_mu that convert (a later
        entry for the same year and zone wins).
    """
    out: dict[tuple[int, str], float] = {}
    for i, o in enumerate(scenario.quotas.override):
        try:
            land_mu = float(o["land_mu"])
            mu_to_cmu(land_mu)  # a value the model's integers can hold (finite)
            out[(int(o["year"]), str(o.get("zone", "*")))] = land_mu
        except (KeyError, TypeError, ValueError):
            report.error(
                "bad_value",
                f"quotas.override[{i}] 需要 year、zone、land_mu",
                f"quotas.override[{i}] needs year, zone, land_mu",
                file=str(path),
                column=f"quotas.override.{i}",
            )
    return out


def locator(path: Path) -> Locator:
    """Where the keys of a scenario file are (file, key, line); the file is parsed once, on the
    first question."""
    node: list[yaml.Node | None] = []

    def line_of(loc: tuple[str | int, ...]) -> int | None:
        if not node:
            node.append(_compose(path))
        return _line_of(node[0], loc) if node[0] is not None else None

    return Locator(path, line_of)


def apply_whatif(scenario: Scenario, tables: Tables, path: Path, report: Report) -> Tables | None:
    """Apply the scenario's what-if changes to a copy of the data (:func:`geodata.whatif.apply_whatif`).

    Parameters
    ----------
    scenario
        The validated scenario: its ``extra_parcels``, ``rezone`` and ``extra_projects``.
    tables
        The data as loaded (not modified).
    path
        The scenario file, for messages (they name the key and its line).
    report
        Receives every problem of the changes.

    Returns
    -------
    Tables or None
        The changed copy, or ``None`` when the scenario has no what-if changes or when a
        problem was reported.
    """
    return apply_changes(
        tables,
        locator(path),
        report,
        extra_parcels=scenario.extra_parcels,
        rezone=[rz.model_dump() for rz in scenario.rezone],
        extra_projects=scenario.extra_projects,
    )


def tables_as_run(
    result_dir: str | Path,
    data_path: str | Path,
    *,
    also: Sequence[tuple[str | Path, str | Path]] = (),
) -> Tables:
    """The data tables as the run of a result folder saw them: the data file plus its what-ifs.

    The data file is validated (all tiers), then the what-if changes of the scenario recorded in
    ``result_dir/scenario.yaml`` (``rezone``, ``extra_parcels``, ``extra_projects``) are
    applied to a copy with :func:`apply_whatif`, exactly as when the scenario was solved. A
    folder without ``scenario.yaml`` (written by an older version or by hand) is read with the
    data file alone. The data file is the one given, not the recorded scenario's ``data`` key:
    the caller resolves it from ``summary.json`` (so that editing ``data`` there after moving the
    data file works as before). Whether the file still has the SHA-256 recorded in
    ``summary.json`` is not checked here (it was not checked before what-ifs were applied
    either); changed data that the what-ifs no longer fit fail as :class:`DataError`.

    Parameters
    ----------
    result_dir
        A folder written by ``landalloc solve`` (or ``compare``).
    data_path
        The data file the run used (``data`` of ``summary.json``, resolved).
    also
        Further ``(result folder, data file)`` pairs shown on the same map (a two-scenario
        map): the parcels, factories and projects that their runs saw and ``result_dir``'s run
        did not (ids not in its tables, e.g. their ``extra_parcels``) are appended, so that
        their placements can be drawn. Rows with an id already present keep ``result_dir``'s
        version (its ``rezone`` wins).

    Returns
    -------
    Tables
        The tables of ``result_dir``'s run (a changed copy when the scenario has what-ifs).

    Raises
    ------
    DataError
        When the data file has errors, the recorded scenario is not a valid scenario file, or its
        what-if changes do not apply to the data (each problem names ``scenario.yaml``, the key
        and the line).
    """
    data: dict[Path | str, Tables] = {}  # validated once per data file (or database)

    def as_run(folder: str | Path, path: str | Path) -> Tables:
        key: Path | str = db_url(path) or Path(path).resolve()
        if key not in data:
            found, report = validate(key)
            report.raise_if_errors()
            assert found is not None
            data[key] = found
        scen = Path(folder) / "scenario.yaml"  # the scenario as run, written by landalloc solve
        if not scen.exists():
            return data[key]
        report = Report()
        changed = apply_whatif(load_scenario(scen), data[key], scen, report)
        report.raise_if_errors()
        return changed if changed is not None else data[key]

    tables = as_run(result_dir, data_path)
    for folder, path in also:
        tables = append_new(tables, as_run(folder, path))
    return tables
