"""Run a sweep end to end: check the folder, solve the points on the engine, derive, write.

See :mod:`landalloc.sweep` for the grid and the points, :mod:`landalloc.sweep_figures` for what
is derived from them and :mod:`landalloc.sweep_report` for the files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landalloc.engine import Engine
from landalloc.outdir import (
    OutputLock,
    check_target,
    clean_stale,
    is_landalloc_folder,
    write_marker,
)
from landalloc.sweep import (
    Base,
    Point,
    QuotaSweep,
    Series,
    SweepSpec,
    data_bytes,
    derived,
    evaluate,
    grid_series,
    load_base,
    make_points,
    point_key,
    quota_series,
    write_scenarios,
)
from landalloc.sweep_figures import (
    Row,
    Step,
    around_base,
    best_plans,
    candidate_moves,
    leader_sentence,
    move_result,
    move_sentence,
    reported,
    saturation,
    steps,
    transfer_points,
)

#: The kind of output folder a sweep writes (its marker, see :mod:`landalloc.outdir`).
KIND = "sweep"


@dataclass
class SweepResult:
    """Everything a sweep found (what the files and the console show)."""

    base: Base
    spec: SweepSpec
    series: list[Series]
    points: dict[str, list[Point]]
    base_point: Point
    rows: dict[str, list[Row]] = field(default_factory=dict)
    steps: dict[str, list[Step]] = field(default_factory=dict)
    saturation: dict[str, Row | None] = field(default_factory=dict)
    sentences: dict[int, str] = field(default_factory=dict)
    headline: str = ""
    moves: list[dict[str, Any]] = field(default_factory=list)
    move_headline: str = ""
    files: list[Path] = field(default_factory=list)
    engine: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def all_points(self) -> list[Point]:
        """Every point of every series, the base and the moves (a point may repeat)."""
        return [p for pts in self.points.values() for p in pts]

    def counts(self) -> tuple[int, int]:
        """(points solved now, points read from the cache), each distinct key once."""
        seen: dict[str, bool] = {}
        for p in [*self.all_points(), self.base_point, *(m["point"] for m in self.moves)]:
            seen.setdefault(p.key, p.cached)
        return sum(not c for c in seen.values()), sum(seen.values())


def run_sweep(
    spec: SweepSpec,
    scenario_path: Path,
    out: Path,
    *,
    spec_path: Path | None = None,
    address: str | None = None,
    processes: int | None = None,
    lang: str = "zh",
    progress: bool = True,
    on_engine: Callable[[Engine], None] | None = None,
) -> SweepResult:
    """Run the sweep ``spec`` of ``scenario_path`` into the folder ``out``.

    ``out`` is checked and locked like every output (:mod:`landalloc.outdir`); an existing
    sweep folder is reused, with its cache (``out/.cache``): points solved before are not solved
    again. ``on_engine`` is called once the engine runs (to say where the work goes); when
    every point is cached, no cluster is started.
    """
    from landalloc.run import run_inputs
    from landalloc.sweep_report import write_all

    t0 = time.perf_counter()
    inputs = [*([spec_path] if spec_path else []), *run_inputs(scenario_path)]
    check_target(out, inputs=inputs, kind=KIND)
    with OutputLock(out):
        clean_stale(out)
        if not is_landalloc_folder(out, KIND):
            out.mkdir(parents=True, exist_ok=True)
            write_marker(out, KIND)
        base = load_base(scenario_path, spec.time_limit_s)
        if spec.quota_sweep is None and not spec.grid:  # the built-in quota sweep by default
            spec = spec.model_copy(update={"quota_sweep": QuotaSweep()})
        qs = spec.quota_sweep
        series = [*(quota_series(base, qs) if qs else []), *grid_series(base, spec.grid)]
        points = make_points(base, series)
        scen = derived(base, [])
        base_point = Point("base", "base", 100.0, None, scen, point_key(base, scen))
        res = SweepResult(base, spec, series, points, base_point)
        write_scenarios(out / "scenarios", [base_point, *res.all_points()])
        with Engine(address, processes, ("landalloc.run",), on_engine) as engine:
            _solve(res, engine, out, lang, progress)
            res.engine = engine.describe(lang)
        res.seconds = time.perf_counter() - t0
        res.files = write_all(res, out, lang)
    return res


def _solve(res: SweepResult, engine: Engine, out: Path, lang: str, progress: bool) -> None:
    """Solve the points, derive the figures, then solve and judge the best moves."""
    cache = out / ".cache"
    ref = engine.share(data_bytes(res.base))
    zh = lang == "zh"
    title = ("扫描" if zh else "sweep") if progress else False
    evaluate(
        engine, res.base, [res.base_point, *res.all_points()], cache, ref, progress=title, lang=lang
    )
    _derive(res, lang)
    builtin = {s.id: res.steps[s.id] for s in res.series if s.is_quota and not s.fixed}
    qs = res.spec.quota_sweep
    n = qs.transfers if qs is not None else 0
    moves = candidate_moves(res.base, builtin)[:n]
    if not moves:
        return
    tpoints = transfer_points(res.base, moves)
    write_scenarios(out / "scenarios", tpoints)
    title = ("指标调剂" if zh else "quota moves") if progress else False
    evaluate(engine, res.base, tpoints, cache, ref, progress=title, lang=lang)
    _derive(res, lang, tpoints)  # a move's plan may be the best known for a point, too
    best = best_plans([res.base_point, *res.all_points(), *tpoints])
    for m, p in zip(moves, tpoints, strict=True):
        res.moves.append(move_result(m, p, res.base_point, best))
    solved = [m for m in res.moves if not m["error"]]
    if solved:
        top = max(solved, key=lambda m: (m["d_investment"], m["d_objective"]))
        if top["d_objective"] <= 0 and top["d_investment"] <= 0:
            top = max(solved, key=lambda m: (m["d_objective"], m["d_investment"]))
        res.move_headline = move_sentence(top, res.base.zone_names, lang)


def _derive(res: SweepResult, lang: str, more: Sequence[Point] = ()) -> None:
    """Rows (best known plans), steps, saturation and sentences of every series."""
    best = best_plans([res.base_point, *res.all_points(), *more])
    for s in res.series:
        res.rows[s.id] = reported(s, res.points[s.id], best)
        res.steps[s.id] = steps(s, res.rows[s.id])
        res.saturation[s.id] = saturation(res.rows[s.id])
    _sentences(res, lang)


def _sentences(res: SweepResult, lang: str) -> None:
    """One sentence per year swept (district quota); the headline: the largest value."""
    best: tuple[float, str] | None = None
    for s in res.series:
        if not s.is_quota or s.zone != "*" or s.fixed or s.year is None:
            continue
        down, up = around_base(res.steps[s.id])
        step = up or down
        res.sentences[s.year] = leader_sentence(s.year, step, lang)
        value = step.per100(step.d_investment) if step else float("-inf")
        if best is None or value > best[0]:
            best = (value, res.sentences[s.year])
    res.headline = best[1] if best else ""
