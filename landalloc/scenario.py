"""Scenario files: the YAML a planner writes, validated by a pydantic schema.

The smallest valid file names the data, the years and the solver limit; every other key has a
documented default (see :class:`Scenario`). Unknown keys are errors with a "did you mean", and
every error names the file, the key and its line.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from geodata.crs import CHINA_BOUNDS, check_crs
from geodata.geometry import AREA_TOLERANCE, check_parcel_geometry, overlapping_pairs
from geodata.inputs import (
    FALLBACK_ENCODING,
    MAX_YAML_BYTES,
    LimitedLoader,
    decode_text,
    load_yaml,
    read_small_file,
)
from geodata.report import DataError, Problem, Report
from geodata.schema import LAYERS, coerce_table, id_key, normalise_id
from geodata.store import Tables, check_references, validate
from geodata.units import M2_PER_MU
from geodata.vector import check_area_column
from optimizer.settings import Policy, SolverSettings, Weights

#: The CRS of ``lonlat`` and the default CRS of ``wkt`` in ``extra_parcels``: CGCS2000 lon/lat.
LONLAT_CRS = "EPSG:4490"
#: Keys of an extra parcel that describe its geometry (the others are columns of the parcels layer).
GEOMETRY_KEYS = ("wkt", "crs", "lonlat")
#: Share by which an extra parcel's ``area_mu`` may differ from its geometry's area: the tolerance
#: the importer uses for parcels (:func:`geodata.vector.check_area_column`), read from there.


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
    rezone: list[Rezone] = Field(default_factory=list, description="what-if re-zoning")
    extra_projects: list[dict[str, Any]] = Field(
        default_factory=list, description="what-if projects (columns of the projects layer)"
    )
    extra_parcels: list[dict[str, Any]] = Field(
        default_factory=list,
        description="what-if parcels (columns of the parcels layer plus wkt [crs] or lonlat)",
    )
    solver: SolverSection = Field(default_factory=SolverSection)  # type: ignore[arg-type]

    def data_path(self, scenario_file: Path) -> Path:
        """The data file, relative to the scenario file."""
        p = Path(self.data)
        return p if p.is_absolute() else (scenario_file.parent / p).resolve()


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


def apply_whatif(scenario: Scenario, tables: Tables, path: Path, report: Report) -> Tables | None:
    """Apply the scenario's what-if changes to a copy of the data.

    The changes are ``extra_parcels`` (added first, so that ``rezone`` applies to them too),
    ``rezone`` and ``extra_projects``. When they are all valid, the changed copy goes through the
    cross-layer checks of loaded data (:func:`geodata.store.check_references`) again.

    Parameters
    ----------
    scenario
        The validated scenario.
    tables
        The data as loaded (not modified).
    path
        The scenario file, for messages (they name the key and its line).
    report
        Receives one problem per unknown zone or cluster, per bad cell of an extra project or
        parcel, per bad geometry and per overlap, and the errors of the re-run checks.

    Returns
    -------
    Tables or None
        The changed copy, or ``None`` when the scenario has no what-if changes or when a
        problem was reported.
    """
    if not scenario.rezone and not scenario.extra_projects and not scenario.extra_parcels:
        return None
    where = {"file": str(path)}
    loc = _Locator(path)
    errors_before = len(report.errors)
    known_clusters = {str(c) for c in tables.clusters["cluster"]} | {
        str(c) for c in tables.projects["cluster"]
    }
    zones = {str(z) for z in tables.parcels["zone"]} | {str(z) for z in tables.factories["zone"]}
    parcels = tables.parcels.copy()
    factories = tables.factories.copy()
    if scenario.extra_parcels:
        extra_parcels = _extra_parcels(scenario.extra_parcels, tables, known_clusters, loc, report)
        if extra_parcels is not None:
            parcels = gpd.GeoDataFrame(
                pd.concat([parcels, extra_parcels], ignore_index=True),
                geometry="geometry",
                crs=parcels.crs,
            )
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
        typed_projects = _extra_projects(scenario.extra_projects, projects, loc, report)
        if typed_projects is not None:
            projects = pd.concat(
                [projects, typed_projects[list(projects.columns)]], ignore_index=True
            )
    if len(report.errors) > errors_before:
        return None
    changed = dataclasses.replace(tables, parcels=parcels, factories=factories, projects=projects)
    _recheck(changed, tables, loc, report)
    return None if len(report.errors) > errors_before else changed


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
    data: dict[Path, Tables] = {}  # validated once per data file

    def as_run(folder: str | Path, path: str | Path) -> Tables:
        key = Path(path).resolve()
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
        other = as_run(folder, path)
        layers: dict[str, Any] = {}
        for layer, col in (
            ("parcels", "parcel_id"),
            ("factories", "factory_id"),
            ("projects", "project_id"),
        ):
            mine, theirs = getattr(tables, layer), getattr(other, layer)
            have = {normalise_id(v) for v in mine[col]}
            new = theirs[[normalise_id(v) not in have for v in theirs[col]]]
            if not len(new):
                continue
            if isinstance(mine, gpd.GeoDataFrame):
                new = new.to_crs(mine.crs) if new.crs != mine.crs else new
            both = pd.concat([mine, new.reindex(columns=mine.columns)], ignore_index=True)
            if isinstance(mine, gpd.GeoDataFrame):
                both = gpd.GeoDataFrame(both, geometry="geometry", crs=mine.crs)
            layers[layer] = both
        tables = dataclasses.replace(tables, **layers) if layers else tables
    return tables


class _Locator:
    """Where a key of a scenario file is: the file, ``a.0.b`` and the 1-based line.

    The file is parsed once, on the first question.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._node: yaml.Node | None = None
        self._read = False

    def line(self, *loc: str | int) -> int | None:
        """1-based line of the key ``loc`` (or of its nearest existing parent)."""
        if not self._read:
            self._read = True
            self._node = _compose(self.path)
        return _line_of(self._node, loc) if self._node is not None else None

    def at(self, *loc: str | int) -> dict[str, Any]:
        """The ``file``, ``row`` and ``column`` keywords of a problem about key ``loc``."""
        return {
            "file": str(self.path),
            "row": self.line(*loc),
            "column": ".".join(str(k) for k in loc),
        }


def _yaml_cell(value: Any) -> Any:
    """A YAML value as a table cell: lists (``clusters: [a, b]``) become ``a;b``."""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _typed_rows(
    items: list[dict[str, Any]],
    key: str,
    layer: str,
    extra_keys: tuple[str, ...],
    columns_hint: tuple[str, str],
    loc: _Locator,
    report: Report,
    *,
    skip: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Rows written in the scenario file as typed cells of a contract ``layer``.

    Unknown keys (not a column of the layer nor one of ``extra_keys``) are reported with a "did
    you mean"; every bad cell is reported at ``<key>.<i>.<column>`` with its line (problems whose
    code is in ``skip`` are left to the caller). YAML lists become the layer's list cells.
    """
    columns = [c.name for c in LAYERS[layer]]
    allowed = [*columns, *extra_keys]
    for i, item in enumerate(items):
        for k in item:
            if str(k) not in allowed:
                near = difflib.get_close_matches(str(k), allowed, n=1)
                name = f"{key}.{i}.{k}"
                hint = f"{key}.{i}.{near[0]}" if near else None
                report.error(
                    "unknown_key",
                    f"未知的键 {name}" + (f"，是否应为 {hint}？" if hint else ""),
                    f"unknown key {name}" + (f"; did you mean {hint}?" if hint else ""),
                    hint_zh=None if hint else columns_hint[0],
                    hint_en=None if hint else columns_hint[1],
                    **loc.at(key, i, str(k)),
                )
    frame = pd.DataFrame(
        [{k: _yaml_cell(v) for k, v in item.items() if k in columns} for item in items],
        columns=columns,
    )
    frame = frame.dropna(axis=1, how="all").astype(object)
    for c in LAYERS[layer]:
        if c.required and c.name not in frame.columns:
            frame[c.name] = None  # reported per row as blank
    cells = Report()
    typed = coerce_table(frame, layer, cells, row_numbers=list(range(len(items))))
    for p in cells:
        if p.code in skip:
            continue
        i, col = int(p.row or 0), str(p.column)
        report.add(dataclasses.replace(p, layer=None, **loc.at(key, i, col)))
    return typed


def _extra_projects(
    items: list[dict[str, Any]], projects: pd.DataFrame, loc: _Locator, report: Report
) -> pd.DataFrame | None:
    """Check the scenario's ``extra_projects`` and turn them into rows of the projects layer.

    Unknown keys (with a "did you mean"), bad cells and ids already in the data are reported at
    ``extra_projects.<i>.<column>`` with the line; YAML lists (``tags: [hq, listed]``) are
    accepted wherever the layer has a list column.

    Returns
    -------
    pandas.DataFrame or None
        The typed rows, or ``None`` when a problem was reported.
    """
    errors_before = len(report.errors)
    typed = _typed_rows(
        items,
        "extra_projects",
        "projects",
        (),
        ("项目库图层的列", "a column of the projects layer"),
        loc,
        report,
    )
    have = {id_key(p): str(p) for p in projects["project_id"]}  # duplicates ignore width etc.
    for i, pid in enumerate(typed.get("project_id", [])):
        if pid and id_key(pid) in have:
            zh, en = _spelled_as(have[id_key(pid)], str(pid))
            report.error(
                "duplicate_id",
                f"extra_projects 中的项目编号 {pid} 与数据中的项目{zh}重复",
                f"extra_projects: project_id {pid} already exists in the data{en}",
                **loc.at("extra_projects", i, "project_id"),
            )
    if len(report.errors) > errors_before or not set(projects.columns) <= set(typed.columns):
        return None
    return typed


def _extra_parcels(
    items: list[dict[str, Any]],
    tables: Tables,
    known_clusters: set[str],
    loc: _Locator,
    report: Report,
) -> gpd.GeoDataFrame | None:
    """Check the scenario's ``extra_parcels`` and turn them into rows of the parcels layer.

    Parameters
    ----------
    items
        The list as written in the scenario file.
    tables
        The data (for its working CRS, ids, zones and parcels).
    known_clusters
        Cluster codes of the data.
    loc
        Locates keys of the scenario file for messages.
    report
        Receives every problem (all of them, not only the first).

    Returns
    -------
    geopandas.GeoDataFrame or None
        The parcels (typed cells, ``area_mu`` filled in, geometry in the working CRS), or
        ``None`` when a problem was reported.
    """
    errors_before = len(report.errors)
    typed = _typed_rows(
        items,
        "extra_parcels",
        "parcels",
        GEOMETRY_KEYS,
        ("地块图层的列，或 wkt、crs、lonlat", "a column of the parcels layer, or wkt, crs, lonlat"),
        loc,
        report,
        skip=("duplicate_id",),  # reported by _check_extra_ids, naming both entries
    )
    ids = [str(v) if v else "" for v in typed["parcel_id"]]
    _check_extra_ids(ids, tables, loc, report)
    _check_extra_codes(typed, tables, known_clusters, loc, report)
    # geometries, in the working CRS
    working = CRS.from_user_input(tables.crs)
    geoms: list[BaseGeometry | None] = []
    for i, item in enumerate(items):
        name = ids[i] or f"#{i}"
        label = (f"extra_parcels 中的地块 {name}", f"extra_parcels: parcel {name}")
        geom = _extra_geometry(i, item, typed["area_mu"].iloc[i], working, label, loc, report)
        if geom is not None:
            geom = _check_extra_polygon(i, item, geom, ids[i], working, loc, report)
        if geom is not None and not _blank(typed["area_mu"].iloc[i]) and "wkt" in item:
            _check_extra_area(i, geom, float(typed["area_mu"].iloc[i]), label, working, loc, report)
        geoms.append(geom)
    keys = ["wkt" if "wkt" in item else "lonlat" for item in items]
    _check_extra_overlaps(ids, geoms, keys, tables, loc, report)
    if len(report.errors) > errors_before:
        return None
    out = gpd.GeoDataFrame(typed, geometry=gpd.GeoSeries(geoms, crs=working), crs=working)
    out["area_mu"] = [
        float(a) if not _blank(a) else float(g.area) / M2_PER_MU
        for a, g in zip(out["area_mu"], out.geometry, strict=True)
    ]
    return out.reindex(columns=tables.parcels.columns)


def _spelled_as(existing: str, given: str) -> tuple[str, str]:
    """Message parts naming the data's spelling of an id equal to ``given`` after normalising."""
    if existing == given:
        return "", ""
    return (
        f" {existing}（只有全角/半角、空格或大小写不同）",
        f" as {existing} (differing only in width, spaces or case)",
    )


def _check_extra_ids(ids: list[str], tables: Tables, loc: _Locator, report: Report) -> None:
    """Extra parcel ids must be new: not a parcel or factory of the data, not repeated."""
    data_ids = {  # compared by id_key: ids differing only in width, spaces or case clash
        id_key(x): str(x)
        for x in [*tables.parcels["parcel_id"].tolist(), *tables.factories["factory_id"].tolist()]
    }
    first: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if not pid:
            continue
        if id_key(pid) in data_ids:
            zh, en = _spelled_as(data_ids[id_key(pid)], pid)
            report.error(
                "duplicate_id",
                f"extra_parcels 中的地块编号 {pid} 与数据中的载体{zh}重复",
                f"extra_parcels: parcel_id {pid} already exists in the data{en}",
                hint_zh="新的地块编号",
                hint_en="a new parcel id",
                **loc.at("extra_parcels", i, "parcel_id"),
            )
        elif id_key(pid) in first:
            j = first[id_key(pid)]
            report.error(
                "duplicate_id",
                f"extra_parcels 中的地块编号 {pid} 重复（与 extra_parcels.{j} 相同）",
                f"extra_parcels: parcel_id {pid} is repeated (same as extra_parcels.{j})",
                hint_zh="每个地块一个编号",
                hint_en="one id per parcel",
                **loc.at("extra_parcels", i, "parcel_id"),
            )
        else:
            first[id_key(pid)] = i


def _check_extra_codes(
    typed: pd.DataFrame, tables: Tables, known_clusters: set[str], loc: _Locator, report: Report
) -> None:
    """Zones and cluster codes of extra parcels must exist in the data (with a did-you-mean)."""
    zones = (
        {str(z) for z in tables.parcels["zone"]}
        | {str(z) for z in tables.factories["zone"]}
        | (
            {str(z) for z in tables.zones["zone"].dropna()}
            if tables.zones is not None and "zone" in tables.zones.columns
            else set()
        )
    )
    for i, (zone, clusters) in enumerate(zip(typed["zone"], typed["clusters"], strict=True)):
        if zone and str(zone) not in zones:
            near = difflib.get_close_matches(str(zone), sorted(zones), n=1)
            report.error(
                "unknown_zone",
                f"extra_parcels 中的片区 {zone} 在数据中不存在",
                f"extra_parcels: zone {zone} is not in the data",
                hint_zh=near[0] if near else f"数据中的片区之一：{'、'.join(sorted(zones))}",
                hint_en=near[0] if near else f"one of the zones {', '.join(sorted(zones))}",
                **loc.at("extra_parcels", i, "zone"),
            )
        for c in clusters or ():
            if c not in known_clusters:
                near = difflib.get_close_matches(c, sorted(known_clusters), n=1)
                report.error(
                    "unknown_cluster",
                    f"extra_parcels 中的产业集群 {c} 在数据中不存在",
                    f"extra_parcels: cluster {c} is not in the data",
                    hint_zh=near[0] if near else "、".join(sorted(known_clusters)),
                    hint_en=near[0] if near else ", ".join(sorted(known_clusters)),
                    **loc.at("extra_parcels", i, "clusters"),
                )


def _extra_geometry(
    i: int,
    item: Mapping[str, Any],
    area_mu: Any,
    working: CRS,
    label: tuple[str, str],
    loc: _Locator,
    report: Report,
) -> BaseGeometry | None:
    """The geometry of extra parcel ``i`` in the working CRS, from ``wkt`` or ``lonlat``.

    Returns ``None`` after reporting a problem. The geometry is not yet checked to be a valid
    polygon (see :func:`_check_extra_polygon`).
    """
    has_wkt, has_ll = "wkt" in item, "lonlat" in item
    if has_wkt == has_ll:
        both = has_wkt
        report.error(
            "geometry_choice",
            f"{label[0]}：wkt 与 lonlat " + ("只能给出一个" if both else "须给出一个"),
            f"{label[1]}: give " + ("only one of" if both else "one of") + " wkt and lonlat",
            hint_zh="wkt: 'POLYGON ((…))'（可加 crs），或 lonlat: [经度, 纬度] 加 area_mu",
            hint_en="wkt: 'POLYGON ((…))' (optionally with crs), or lonlat: [lon, lat] with area_mu",
            **(loc.at("extra_parcels", i, "lonlat") if both else loc.at("extra_parcels", i)),
        )
        return None
    if has_ll:
        return _lonlat_square(i, item, area_mu, working, label, loc, report)
    text = item["wkt"]
    crs_key = "crs" if "crs" in item else "wkt"
    if not isinstance(text, str) or not text.strip():
        report.error(
            "bad_wkt",
            f"{label[0]}：wkt 应为 WKT 文本（实际 {text!r}）",
            f"{label[1]}: wkt must be WKT text (got {text!r})",
            hint_zh="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))",
            hint_en="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))",
            **loc.at("extra_parcels", i, "wkt"),
        )
        return None
    try:
        geom = shapely.force_2d(shapely.from_wkt(text.strip()))
    except shapely.errors.GEOSException as exc:
        report.error(
            "bad_wkt",
            f"{label[0]}：wkt 无法解析（{exc}）",
            f"{label[1]}: wkt cannot be parsed ({exc})",
            hint_zh="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))，首尾点相同",
            hint_en="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1)), first point repeated last",
            **loc.at("extra_parcels", i, "wkt"),
        )
        return None
    try:
        src = CRS.from_user_input(item.get("crs", LONLAT_CRS))
    except CRSError:
        report.error(
            "bad_crs",
            f"{label[0]}：无法识别的坐标系 {item.get('crs')!r}",
            f"{label[1]}: unrecognised CRS {item.get('crs')!r}",
            hint_zh="如 EPSG:4490（经纬度）或 EPSG:4549（米）",
            hint_en="e.g. EPSG:4490 (lon/lat) or EPSG:4549 (metres)",
            **loc.at("extra_parcels", i, crs_key),
        )
        return None
    gdf = gpd.GeoDataFrame(geometry=[geom], crs=src)
    found = Report()
    if check_crs(gdf, found, file=None, layer="extra_parcels") is None:
        for p in found:  # coordinates outside the CRS or China; a refused or local CRS
            key = "wkt" if p.code == "outside_crs" else crs_key
            at = loc.at("extra_parcels", i, key)
            report.add(
                dataclasses.replace(
                    p, zh=f"{label[0]}：{p.zh}", en=f"{label[1]}: {p.en}", layer=None, **at
                )
            )
        return None
    projected: BaseGeometry = gdf.to_crs(working).geometry.iloc[0]
    return projected


def _lonlat_square(
    i: int,
    item: Mapping[str, Any],
    area_mu: Any,
    working: CRS,
    label: tuple[str, str],
    loc: _Locator,
    report: Report,
) -> BaseGeometry | None:
    """The placeholder square of ``area_mu`` 亩 centred at ``lonlat``, in the working CRS."""
    ll = item["lonlat"]
    ok = True
    if "crs" in item:
        report.error(
            "crs_with_lonlat",
            f"{label[0]}：crs 只用于 wkt；lonlat 总是 CGCS2000 经纬度（{LONLAT_CRS}）",
            f"{label[1]}: crs applies to wkt only; lonlat is always CGCS2000 lon/lat ({LONLAT_CRS})",
            hint_zh="删除 crs，或改用 wkt",
            hint_en="remove crs, or use wkt",
            **loc.at("extra_parcels", i, "crs"),
        )
        ok = False
    numbers = (
        isinstance(ll, list | tuple)
        and len(ll) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in ll)
        and all(math.isfinite(v) for v in ll)
    )
    if not numbers:
        report.error(
            "bad_lonlat",
            f"{label[0]}：lonlat 应为 [经度, 纬度] 两个数（实际 {ll!r}）",
            f"{label[1]}: lonlat must be two numbers [lon, lat] (got {ll!r})",
            hint_zh="如 [120.45, 31.30]",
            hint_en="e.g. [120.45, 31.30]",
            **loc.at("extra_parcels", i, "lonlat"),
        )
        return None
    lon, lat = float(ll[0]), float(ll[1])
    x0, y0, x1, y1 = CHINA_BOUNDS
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        swapped = x0 <= lat <= x1 and y0 <= lon <= y1
        report.error(
            "bad_lonlat",
            f"{label[0]}：lonlat [{lon:g}, {lat:g}] 不在中国范围内（经度 {x0:g}–{x1:g}，纬度 "
            f"{y0:g}–{y1:g}）" + ("；经纬度可能颠倒" if swapped else ""),
            f"{label[1]}: lonlat [{lon:g}, {lat:g}] is outside China (lon {x0:g}–{x1:g}, "
            f"lat {y0:g}–{y1:g})" + ("; are lon and lat swapped?" if swapped else ""),
            hint_zh=f"[{lat:g}, {lon:g}]" if swapped else "[经度, 纬度]，如 [120.45, 31.30]",
            hint_en=f"[{lat:g}, {lon:g}]" if swapped else "[lon, lat], e.g. [120.45, 31.30]",
            **loc.at("extra_parcels", i, "lonlat"),
        )
        return None
    if _blank(area_mu) or float(area_mu) <= 0:
        if _blank(item.get("area_mu")):  # a bad value was reported as a bad cell already
            report.error(
                "lonlat_needs_area",
                f"{label[0]}：用 lonlat 给出位置时须填写 area_mu（亩）",
                f"{label[1]}: lonlat needs area_mu (亩) for the placeholder square",
                hint_zh="area_mu: 60",
                hint_en="area_mu: 60",
                **loc.at("extra_parcels", i, "area_mu"),
            )
        return None
    if not ok:
        return None
    x, y = Transformer.from_crs(LONLAT_CRS, working, always_xy=True).transform(lon, lat)
    half = math.sqrt(float(area_mu) * M2_PER_MU) / 2
    square: BaseGeometry = box(x - half, y - half, x + half, y + half)
    return square


def _check_extra_polygon(
    i: int,
    item: Mapping[str, Any],
    geom: BaseGeometry,
    pid: str,
    working: CRS,
    loc: _Locator,
    report: Report,
) -> BaseGeometry | None:
    """The geometry tier of loaded parcels (empty, not a polygon, repair) for one extra parcel.

    Returns the (repaired) polygon, or ``None`` after an error.
    """
    key = "wkt" if "wkt" in item else "lonlat"
    found = Report()
    gdf = gpd.GeoDataFrame({"parcel_id": [pid or None]}, geometry=[geom], crs=working)
    fixed = check_parcel_geometry(gdf, found, file=None, layer="extra_parcels")
    for p in found:  # the Chinese text names the parcel already
        en = f"extra_parcels: parcel {pid or f'#{i}'}: {p.en}"
        report.add(dataclasses.replace(p, en=en, layer=None, **loc.at("extra_parcels", i, key)))
    if found.errors:
        return None
    polygon: BaseGeometry = fixed.geometry.iloc[0]
    return polygon


def _check_extra_area(
    i: int,
    geom: BaseGeometry,
    given: float,
    label: tuple[str, str],
    working: CRS,
    loc: _Locator,
    report: Report,
) -> None:
    """A given ``area_mu`` must match the polygon's within the importer's tolerance."""
    found = Report()
    gdf = gpd.GeoDataFrame({"area_mu": [given]}, geometry=[geom], crs=working)
    check_area_column(gdf, found, file=None, tolerance=AREA_TOLERANCE)
    if any(p.code == "area_mismatch" for p in found):
        computed = geom.area / M2_PER_MU
        report.error(
            "area_mismatch",
            f"{label[0]}：area_mu {given:.2f} 亩与图形面积 {computed:.2f} 亩相差超过 "
            f"{AREA_TOLERANCE:.0%}",
            f"{label[1]}: area_mu {given:.2f} mu differs from the polygon's {computed:.2f} mu by more "
            f"than {AREA_TOLERANCE:.0%}",
            hint_zh=f"删除 area_mu（按图形计算为 {computed:.2f} 亩），或修正 wkt/crs",
            hint_en=f"remove area_mu (the polygon gives {computed:.2f} mu), or fix wkt/crs",
            **loc.at("extra_parcels", i, "area_mu"),
        )


def _check_extra_overlaps(
    ids: list[str],
    geoms: list[BaseGeometry | None],
    keys: list[str],
    tables: Tables,
    loc: _Locator,
    report: Report,
) -> None:
    """Extra parcels must not overlap a parcel of the data or each other.

    ``keys`` names the geometry key of each extra parcel (``wkt`` or ``lonlat``) for messages.
    """
    data_ids = [str(x) for x in tables.parcels["parcel_id"]]
    n = len(data_ids)
    pairs = overlapping_pairs([*tables.parcels.geometry, *geoms])
    for a, b, inter in pairs:
        if b < n:  # two parcels of the data: checked when the data were loaded
            continue
        i = b - n
        other = data_ids[a] if a < n else f"extra_parcels.{a - n}（{ids[a - n]}）"
        other_en = data_ids[a] if a < n else f"extra_parcels.{a - n} ({ids[a - n]})"
        report.error(
            "overlapping_parcels",
            f"extra_parcels 中的地块 {ids[i]} 与地块 {other} 重叠 {inter / M2_PER_MU:.2f} 亩",
            f"extra_parcels: parcel {ids[i]} overlaps parcel {other_en} by {inter:.0f} m²",
            hint_zh="地块之间不应重叠",
            hint_en="parcels must not overlap",
            **loc.at("extra_parcels", i, keys[i]),
        )


def _recheck(changed: Tables, tables: Tables, loc: _Locator, report: Report) -> None:
    """Run the cross-layer checks of loaded data on the changed copy; report what is new.

    The data passed these checks when loaded, so every error concerns the what-if changes. An
    error on a row added by ``extra_parcels`` or ``extra_projects`` is reported at that entry of
    the scenario file; other errors (e.g. pinned land above the quotas) name the scenario file.
    """
    found = Report()
    check_references(changed, found)
    # layer → (scenario key, rows of the data before the added ones)
    added: dict[str, tuple[str, int]] = {
        "parcels": ("extra_parcels", len(tables.parcels)),
        "projects": ("extra_projects", len(tables.projects)),
    }
    for p in found.errors:
        key, n = added.get(p.layer or "", ("", 0))
        if key and p.row is not None and p.row > n:
            at: list[str | int] = [key, p.row - n - 1, *([p.column] if p.column else [])]
            report.add(dataclasses.replace(p, layer=None, **loc.at(*at)))
            continue
        report.add(
            Problem(
                "error",
                p.code,
                f"假设分析（rezone、extra_parcels、extra_projects）后的数据：{p.zh}",
                f"data after the what-if changes (rezone, extra_parcels, extra_projects): {p.en}",
                file=str(loc.path),
                hint_zh=p.hint_zh,
                hint_en=p.hint_en,
            )
        )
