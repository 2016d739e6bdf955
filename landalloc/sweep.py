"""Sweeps over scenario inputs, first of all the value of the quota (指标边际价值).

``landalloc sweep FILE --out DIR`` solves one scenario many times, each time with one input
changed, on the parallel engine (:mod:`landalloc.engine`):

* the **built-in quota sweep** (FILE is a scenario, or a spec with ``quota_sweep``) varies each
  year's district quota (zone ``*``) and, where the data has zone quotas, each zone's quota, one
  at a time, from 60 % to 140 % of the scenario's value in steps (``--quota-range``). A changed
  quota is a ``quotas.override`` entry of a derived scenario; the 100 % point is the scenario
  itself, shared by every series;
* a **grid over scenario keys** (a spec with ``grid``): every combination of the values given
  for dotted keys of the scenario file (``quotas.scale_by_year.2027``, ``weights.focus``,
  ``solver.time_limit_s`` …); ``quota.YEAR.ZONE`` is a quota in percent of its value.

Each point is one deterministic single-worker solve, cached in ``DIR/.cache`` under the hash of
everything that decides it, so a sweep that is stopped resumes when run again. The derived
scenario of each point is written to ``DIR/scenarios/`` (``landalloc solve`` it for the full
result). The figures drawn from the points are in :mod:`landalloc.sweep_figures`, the files in
:mod:`landalloc.sweep_report`.

A spec file::

    scenario: baseline.yaml          # relative to the spec
    time_limit_s: 10                 # per point (default: the scenario's)
    quota_sweep: {range: [60, 140, 20], years: [2027], zones: true, transfers: 3}
    grid:                            # optional, instead of or with quota_sweep
      quotas.scale_by_year.2027: [0.8, 1.0, 1.2]
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from geodata.inputs import decode_text, load_yaml, read_small_file
from geodata.report import DataError, Report, fail
from geodata.store import atomic_path
from landalloc.engine import Engine, Task, TaskResult, input_key

if TYPE_CHECKING:
    from landalloc.run import RunResult

#: Part of every point's key: raise it when what a point returns changes (old caches go stale).
SWEEP_FORMAT = 1
#: Percent of the base quota: first, last, step.
DEFAULT_RANGE = (60.0, 140.0, 20.0)
#: Quota moves (zone → zone, year → year) evaluated by their own solves.
DEFAULT_TRANSFERS = 3
#: The amount a transfer moves (亩).
TRANSFER_MU = 100.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuotaSweep(_Strict):
    """The built-in quota sweep."""

    range: tuple[float, float, float] = Field(
        default=DEFAULT_RANGE, description="percent: from, to, step"
    )
    years: list[int] | None = Field(default=None, description="years to sweep (default: all)")
    zones: bool = Field(default=True, description="also each zone's quota, where the data has one")
    transfers: int = Field(default=DEFAULT_TRANSFERS, ge=0, le=20, description="moves to solve")


class SweepSpec(_Strict):
    """A sweep spec file (see the module's doc)."""

    scenario: str
    description: str = ""
    time_limit_s: float | None = Field(default=None, gt=0)
    quota_sweep: QuotaSweep | None = None
    grid: dict[str, list[Any]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    """One line of a sweep: ``axis`` takes ``values`` while ``fixed`` keys keep their values.

    ``axis`` is ``quota.YEAR.ZONE`` (values in percent of ``base``, the scenario's quota in 亩)
    or a dotted scenario key. ``monotone``: more of it cannot make the best plan worse (a plan
    feasible under a smaller quota is feasible under a larger one).
    """

    id: str
    axis: str
    values: tuple[Any, ...]
    base: float | None = None
    fixed: tuple[tuple[str, Any], ...] = ()

    @property
    def is_quota(self) -> bool:
        """Whether the axis is a quota (in percent)."""
        return self.axis.startswith("quota.")

    @property
    def year(self) -> int | None:
        """The quota's year."""
        return int(self.axis.split(".")[1]) if self.is_quota else None

    @property
    def zone(self) -> str | None:
        """The quota's zone (``*``: the district)."""
        return self.axis.split(".", 2)[2] if self.is_quota else None

    @property
    def monotone(self) -> bool:
        """More quota cannot hurt the best plan (the other keys held fixed)."""
        return self.is_quota or self.axis.startswith(("quotas.scale", "solver.time_limit_s"))


@dataclass
class Point:
    """One solve of a sweep; ``result`` is what :func:`solve_point` returned (plus figures)."""

    label: str
    series: str
    value: Any
    quota_mu: float | None
    scenario: dict[str, Any]
    key: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    cached: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the point was solved (not infeasible, no bad data)."""
        return bool(self.result) and not self.result.get("error")


@dataclass
class Base:
    """The scenario a sweep starts from, and what the sweep needs to know of its data."""

    path: Path
    scenario: dict[str, Any]
    data: Path
    data_sha256: str
    quotas_mu: dict[tuple[int, str], float]
    years: tuple[int, ...]
    zone_names: dict[str, str]
    overrides: dict[str, Any]


# --------------------------------------------------------------------------- reading the input


def read_spec(path: Path) -> tuple[SweepSpec, Path]:
    """The sweep spec in ``path`` and its base scenario file.

    A scenario file (with ``data``) is taken as the built-in quota sweep of that scenario.
    """
    found = Report()
    raw = read_small_file(path, found, what=("扫描配置文件", "sweep file"))
    if raw is None:
        raise DataError(found)
    try:
        text, _ = decode_text(raw)
    except UnicodeDecodeError:
        raise fail(
            "bad_encoding", "文件不是 UTF-8 编码", "the file is not UTF-8", file=str(path)
        ) from None
    loaded = load_yaml(text, found, file=str(path))
    found.raise_if_errors()
    data = loaded[0] if loaded else None
    if not isinstance(data, dict):
        raise fail("bad_yaml", "文件应为键值映射", "the file must be a mapping", file=str(path))
    if "data" in data or "scenario" not in data:  # a scenario file
        return SweepSpec(scenario=path.name, quota_sweep=QuotaSweep()), path
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            loc = ".".join(str(x) for x in e["loc"])
            found.error("bad_value", f"{loc}：{e['msg']}", f"{loc}: {e['msg']}", file=str(path))
        raise DataError(found) from None
    scen = Path(spec.scenario)
    return spec, scen if scen.is_absolute() else (path.parent / scen).resolve()


def load_base(scenario_path: Path, time_limit_s: float | None = None) -> Base:
    """Validate the base scenario and its data; the quotas as the scenario makes them (亩)."""
    from geodata.report import Report
    from geodata.store import load
    from geodata.units import cmu_to_mu
    from landalloc.run import file_hash
    from landalloc.scenario import load_scenario, quota_overrides
    from maps.i18n import zone_names
    from optimizer.problem import Problem

    s = load_scenario(scenario_path)
    data = s.data_path(scenario_path)
    inst, tables, _ = load(data)
    report = Report()
    override = quota_overrides(s, scenario_path, report)
    report.raise_if_errors()
    problem = Problem(inst).add_quota(
        scale=s.quotas.scale, by_year=s.quotas.scale_by_year, override=override
    )
    quotas = {k: cmu_to_mu(v) for k, v in problem.effective_quotas().items()}
    limit = time_limit_s if time_limit_s is not None else s.solver.time_limit_s
    return Base(
        scenario_path,
        {**s.model_dump(mode="json"), "data": str(data)},
        data,
        file_hash(data),
        quotas,
        tuple(sorted(s.years)),
        zone_names(tables, "zh"),
        {"time_limit_s": limit, "workers": 1, "deterministic": True},
    )


def percent_range(first: float, last: float, step: float) -> tuple[float, ...]:
    """``first, first + step, … ≤ last`` (percent), always with 100 when it lies inside."""
    if step <= 0 or first <= 0 or last < first:
        raise fail(
            "bad_range",
            f"指标范围 {first:g}:{last:g}:{step:g} 无效（应为 起点:终点:步长，起点 > 0）",
            f"invalid quota range {first:g}:{last:g}:{step:g} (from:to:step, from > 0)",
            hint_zh="如 60:140:20",
            hint_en="e.g. 60:140:20",
        )
    n = int((last - first) / step + 1e-9)
    values = {round(first + i * step, 6) for i in range(n + 1)}
    if first <= 100 <= last:
        values.add(100.0)
    return tuple(sorted(values))


# --------------------------------------------------------------------------- the grid


def quota_series(base: Base, qs: QuotaSweep) -> list[Series]:
    """The built-in sweep: each year's district quota, then each zone quota of that year."""
    years = [y for y in base.years if qs.years is None or y in qs.years]
    values = percent_range(*qs.range)
    out = []
    for y in years:
        zones = ["*", *sorted(z for yy, z in base.quotas_mu if yy == y and z != "*" and qs.zones)]
        for z in zones:
            if (y, z) in base.quotas_mu:
                out.append(Series(f"{y}:{z}", f"quota.{y}.{z}", values, base.quotas_mu[(y, z)]))
    return out


def grid_series(base: Base, grid: dict[str, list[Any]]) -> list[Series]:
    """A grid: one series along the first key for each combination of the other keys' values."""
    if not grid:
        return []
    keys = list(grid)
    first, rest = keys[0], keys[1:]
    out = []
    for combo in itertools.product(*(grid[k] for k in rest)):
        fixed = tuple(zip(rest, combo, strict=True))
        sid = "grid" + "".join(f" {k}={v}" for k, v in fixed)
        out.append(Series(sid, first, tuple(grid[first]), _quota_base(base, first), fixed))
    return out


def _quota_base(base: Base, key: str) -> float | None:
    if not key.startswith("quota."):
        return None
    parts = key.split(".", 2)
    try:
        return base.quotas_mu[(int(parts[1]), parts[2])]
    except (IndexError, KeyError, ValueError):
        raise fail(
            "bad_grid_key",
            f"grid 中的 {key} 不是数据中的用地指标（应为 quota.年份.片区，片区 * 为全区）",
            f"grid key {key} is not a quota of the data (quota.YEAR.ZONE, zone * = district)",
        ) from None


def derived(base: Base, changes: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The base scenario with ``changes`` (key, value) applied (quotas in percent)."""
    scen = yaml.safe_load(yaml.safe_dump(base.scenario))  # a deep copy of plain data
    for key, value in changes:
        if key.startswith("quota."):
            _, year, zone = key.split(".", 2)
            set_quota(scen, int(year), zone, base.quotas_mu[(int(year), zone)] * float(value) / 100)
        else:
            node = scen
            *path, last = key.split(".")
            for part in path:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise fail("bad_grid_key", f"grid 键 {key} 无效", f"invalid grid key {key}")
            node[last] = value
    return scen


def set_quota(scen: dict[str, Any], year: int, zone: str, land_mu: float) -> None:
    """Set the (year, zone) quota of a scenario dict to ``land_mu`` through an override."""
    quotas = scen.setdefault("quotas", {})
    rest = [
        o
        for o in quotas.get("override", [])
        if not (int(o.get("year", -1)) == year and str(o.get("zone", "*")) == zone)
    ]
    quotas["override"] = [*rest, {"year": year, "zone": zone, "land_mu": round(land_mu, 2)}]


def point_key(base: Base, scen: dict[str, Any]) -> str:
    """The cache key of a point: the validated scenario, the data, versions and settings."""
    from landalloc.scenario import Scenario

    try:
        content = Scenario.model_validate(scen).model_dump(mode="json")
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = ".".join(str(x) for x in e["loc"])
        raise fail("bad_grid_key", f"{loc}：{e['msg']}", f"{loc}: {e['msg']}") from None
    content.pop("data")
    return input_key(
        "sweep-point", SWEEP_FORMAT, content, base.data_sha256, plan_versions(), base.overrides
    )


def plan_versions() -> dict[str, str]:
    """Versions of landalloc and of the packages that decide a plan (part of a point's key)."""
    from landalloc.run import PLAN_PACKAGES, package_versions

    versions = package_versions()
    return {p: versions[p] for p in ("landalloc", *PLAN_PACKAGES)}


def make_points(base: Base, series: Sequence[Series]) -> dict[str, list[Point]]:
    """Series id → its points (the 100 % point of a quota series is the scenario itself)."""
    out: dict[str, list[Point]] = {}
    for s in series:
        pts = []
        for v in s.values:
            at_base = s.is_quota and float(v) == 100.0
            changes = list(s.fixed) + ([] if at_base else [(s.axis, v)])
            scen = derived(base, changes)
            label = _label(s, v) if changes else "base"
            mu = s.base * float(v) / 100 if s.is_quota and s.base is not None else None
            pts.append(Point(label, s.id, v, mu, scen, point_key(base, scen)))
        out[s.id] = pts
    return out


def _label(s: Series, v: Any) -> str:
    fixed = "".join(f"_{k}={x}" for k, x in s.fixed)
    if s.is_quota:
        zone = "district" if s.zone == "*" else s.zone
        return f"q{s.year}-{zone}-{float(v):g}pct{fixed}"
    return f"{s.axis}={v}{fixed}"


def file_label(label: str) -> str:
    """A file-name-safe form of a point's label."""
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in label)[:120]


# --------------------------------------------------------------------------- solving


def solve_on_worker(
    scenario: dict[str, Any], data: bytes, data_sha256: str, suffix: str, overrides: dict[str, Any]
) -> RunResult:
    """Solve a scenario (as a mapping) on an engine worker, without the reasons' counterfactuals.

    The data arrive as bytes (the worker may be another machine) and are kept once per worker
    in the temporary folder, named by their SHA-256. The solver's errors are raised.
    """
    from landalloc.run import solve_scenario

    local = Path(tempfile.gettempdir()) / "landalloc-engine-data" / f"{data_sha256}{suffix}"
    if not local.exists():
        with atomic_path(local) as tmp:
            tmp.write_bytes(data)
    with tempfile.TemporaryDirectory(prefix="landalloc-task-") as d:
        path = Path(d) / "scenario.yaml"
        scen = {**scenario, "data": str(local)}
        path.write_text(yaml.safe_dump(scen, allow_unicode=True), encoding="utf-8")
        return solve_scenario(path, lang="zh", solver_overrides=overrides, counterfactuals=False)


def solve_point(
    scenario: dict[str, Any], data: bytes, data_sha256: str, suffix: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Engine task: solve one derived scenario on a worker (:func:`solve_on_worker`); the figures
    a sweep needs. Answers that are not plans (infeasible, no solution in time, bad data) are
    returned as ``error`` values, so they are cached too.
    """
    from optimizer.errors import InfeasibleError, NoSolutionError

    try:
        r = solve_on_worker(scenario, data, data_sha256, suffix, overrides)
    except DataError as exc:
        return {"error": "data", "message": "; ".join(p.text("zh") for p in exc.report)}
    except InfeasibleError as exc:
        return {"error": "infeasible", "message": "; ".join(zh for zh, _ in exc.conflicts)}
    except NoSolutionError as exc:
        return {"error": "no_solution", "message": str(exc)}
    a = r.assignments
    placements = {
        str(pid): "+".join(sorted(map(str, g["carrier_id"]))) + f"@{int(g['year'].iloc[0])}"
        for pid, g in a.groupby("project_id", sort=True)
    }
    s = r.summary
    keep = ("status", "objective", "best_bound", "gap", "solve_seconds", "greedy_objective")
    return {
        "error": None,
        "versions": plan_versions(),
        **{k: s.get(k) for k in keep},
        "kpis": {k: v for k, v in r.kpis.items() if k != "scenario"},
        "placements": placements,
    }


def evaluate(
    engine: Engine,
    base: Base,
    points: Sequence[Point],
    cache_dir: Path,
    data_ref: Any,
    *,
    progress: bool | str = True,
    lang: str = "zh",
) -> None:
    """Solve every point (cached ones are read back); fill ``result``, ``cached``, ``seconds``."""
    by_key: dict[str, list[Point]] = {}
    for p in points:
        by_key.setdefault(p.key, []).append(p)
    suffix = base.data.suffix
    tasks = [
        Task(k, (pts[0].scenario, data_ref, base.data_sha256, suffix, base.overrides), pts[0].label)
        for k, pts in by_key.items()
    ]
    r: TaskResult
    mine = plan_versions()
    for r in engine.map(
        solve_point, tasks, cache_dir=cache_dir, progress=progress, lang=lang, retries=2
    ):
        theirs = r.value.get("versions")
        if theirs is not None and theirs != mine:  # a worker of another cluster
            diff = ", ".join(
                f"{k} {theirs.get(k)} ≠ {v}" for k, v in mine.items() if theirs.get(k) != v
            )
            raise fail(
                "engine_versions",
                f"计算节点 {r.worker} 的软件版本与本机不同（{diff}），其结果不可比",
                f"worker {r.worker} runs other versions than this machine ({diff}); its "
                "results are not comparable",
                hint_zh="在各节点安装相同版本（pip install -e . 及 pyproject.toml 中固定的版本）",
                hint_en="install the same versions on every worker (the pins of pyproject.toml)",
            )
        for p in by_key[r.key]:
            p.result, p.cached, p.seconds = dict(r.value), r.cached, r.seconds


def write_scenarios(folder: Path, points: Sequence[Point]) -> None:
    """Write each point's derived scenario (``landalloc solve`` one for its full result)."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in points:
        target = folder / f"{file_label(p.label)}.yaml"
        text = f"# sweep point {p.label}\n" + yaml.safe_dump(
            p.scenario, allow_unicode=True, sort_keys=False
        )
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        with atomic_path(target) as tmp:
            tmp.write_text(text, encoding="utf-8")


def data_bytes(base: Base) -> bytes:
    """The data file's bytes, checked against the hash the points were keyed with."""
    blob = base.data.read_bytes()
    if hashlib.sha256(blob).hexdigest() != base.data_sha256:
        raise fail(
            "data_changed",
            f"数据文件 {base.data} 在扫描期间被修改",
            f"the data file {base.data} changed during the sweep",
            file=str(base.data),
        )
    return blob
