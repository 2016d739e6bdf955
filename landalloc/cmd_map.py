"""``landalloc map``: the result map of a solved scenario, or a comparison with other results.

Also the redacted export of a result folder (``--redact``, and ``landalloc solve --redact``):
``map_redacted.html`` and ``report_redacted.xlsx``, in which projects in negotiation appear only
as cluster and size band, companies are hidden and every page is marked 内部资料
(:mod:`maps.redact`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from landalloc.console import lang_of, out_console, t

#: The redacted files written beside a result's own (``--redact``).
REDACTED_MAP = "map_redacted.html"
REDACTED_REPORT = "report_redacted.xlsx"


def register(app: click.Group) -> None:
    """Add the ``map`` command to the app."""

    @app.command(
        "map",
        help=(
            "由求解结果目录生成离线地图（单个 HTML 文件），可另存幻灯片截图 / "
            "render the offline result map (one HTML file) of a result folder, optionally a "
            "16:9 PNG for slides"
        ),
    )
    @click.argument("result_dir", type=click.Path(path_type=Path))
    @click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=None,
        help="输出 HTML（默认 RESULT_DIR/map.html，对比图为 compare.html，脱敏版加 _redacted） / "
        "output HTML file",
    )
    @click.option(
        "--png",
        type=click.Path(path_type=Path),
        default=None,
        help="另存 16:9 幻灯片截图（1920×1080，需 Chromium） / also write a 16:9 slide PNG",
    )
    @click.option(
        "--compare",
        "other_dirs",
        type=click.Path(path_type=Path),
        multiple=True,
        help="与其他结果目录对比（可多次给出；本目录为基准） / compare with other result folders "
        "(repeatable; this one is the base)",
    )
    @click.option(
        "--redact",
        is_flag=True,
        help="脱敏版：在谈项目只显示产业集群与投资规模，隐去企业，标注内部资料（同时写出 "
        "report_redacted.xlsx） / redacted export: projects in negotiation by cluster and size "
        "only, no companies, marked internal (also writes report_redacted.xlsx)",
    )
    @click.option(
        "--basemap",
        type=click.Choice(["none", "osm", "tianditu", "gaode"]),
        default="none",
        show_default=True,
        help="底图（默认无底图，完全离线） / basemap tiles (none = fully offline)",
    )
    @click.option("--tianditu-key", default=None, help="天地图密钥 / Tianditu key")
    @click.option(
        "--shift-gcj02",
        is_flag=True,
        help="高德底图必需：地图显示副本偏移到 GCJ-02 / required with gaode: shift the display copy",
    )
    @click.option(
        "--readiness",
        "readiness_csv",
        type=click.Path(path_type=Path),
        default=None,
        help=(
            "地块开工条件 CSV（parcel_id, status, ready_date, missing），如 landalloc readiness "
            "的 readiness_parcels.csv / per-parcel readiness CSV"
        ),
    )
    @click.option("--title", default=None, help="标题（默认方案名称） / title (scenario name)")
    @click.option("--overwrite", is_flag=True, help="覆盖已有输出 / replace existing outputs")
    @click.pass_context
    def map_cmd(ctx: click.Context, result_dir: Path, **opts: Any) -> None:
        render_map_command(lang_of(ctx), result_dir, **opts)


def render_map_command(
    lang: str,
    result_dir: Path,
    *,
    out: Path | None,
    png: Path | None,
    other_dirs: tuple[Path, ...],
    redact: bool,
    basemap: str,
    tianditu_key: str | None,
    shift_gcj02: bool,
    readiness_csv: Path | None,
    title: str | None,
    overwrite: bool,
) -> None:
    """What ``landalloc map`` does (see its options)."""
    from geodata.store import check_output_path
    from landalloc.scenario import tables_as_run
    from maps.offline import tile_specs
    from maps.render import render_compare_map, render_result_map, write_map
    from maps.result_dir import read_readiness, read_result_dir

    # refuse an unusable basemap before reading anything
    tile_specs(basemap, lang=lang, tianditu_key=tianditu_key, shift_gcj02=shift_gcj02)
    res, data_path, summary = read_result_dir(result_dir)
    others = [read_result_dir(d) for d in other_dirs]
    stem = "compare" if others else "map"
    target = out or result_dir / f"{stem}{'_redacted' if redact else ''}.html"
    names = ("assignments.csv", "unassigned.csv", "summary.json", "scenario.yaml")
    inputs = [*(result_dir / n for n in names), data_path]
    check_output_path(target, inputs, overwrite)
    has_report = (result_dir / "report.xlsx").exists()
    report = result_dir / REDACTED_REPORT if redact and has_report and not others else None
    for extra in (png, report):
        if extra is not None:
            check_output_path(extra, [*inputs, target], overwrite)
    if readiness_csv is not None:
        res = dataclasses.replace(res, readiness=read_readiness(readiness_csv))
    # the data as each run saw it: the data file plus the recorded scenario's what-ifs
    also = [(d, o[1]) for d, o in zip(other_dirs, others, strict=True)]
    tables = tables_as_run(result_dir, data_path, also=also)
    created = str(summary.get("created") or "")[:10] or None
    page: dict[str, Any] = {"basemap": basemap, "lang": lang, "tianditu_key": tianditu_key}
    page |= {"shift_gcj02": shift_gcj02, "redact": redact}
    if not others:
        html = render_result_map(
            tables, res.assignments, res.unassigned, res.kpis, readiness=res.readiness,
            title=title or res.name, date=created, **page,
        )  # fmt: skip
    else:
        html = render_compare_map(tables, res, *(o[0] for o in others), title=title or "", **page)
    write_map(html, target)
    size_mb = len(html.encode("utf-8")) / 1e6
    out_console.print(
        t(
            lang,
            f"已写出地图 {target}（{size_mb:.1f} MB）",
            f"map written: {target} ({size_mb:.1f} MB)",
        ),
        markup=False,
    )
    if report is not None:
        write_redacted_report(result_dir, report, lang, tables=tables)
        out_console.print(
            t(lang, f"已写出脱敏报表 {report}", f"redacted report written: {report}"), markup=False
        )
    if png is not None:
        write_png(target, png, lang)


def write_png(html: Path, png: Path, lang: str) -> Path:
    """The 16:9 slide picture of a map page (headless Chromium, :func:`maps.shot.screenshot`)."""
    from maps.shot import screenshot

    screenshot(html, png)
    out_console.print(t(lang, f"已写出截图 {png}", f"screenshot written: {png}"), markup=False)
    return png


def write_redacted_report(result_dir: Path, path: Path, lang: str, *, tables: Any = None) -> Path:
    """Write the redacted copy of a result folder's ``report.xlsx``, atomically (the data are
    read when not given)."""
    from geodata.store import atomic_path
    from landalloc.report_redacted import write_redacted_report as write
    from landalloc.scenario import tables_as_run
    from maps.result_dir import read_result_dir

    if tables is None:
        _, data_path, _ = read_result_dir(result_dir)
        tables = tables_as_run(result_dir, data_path)
    with atomic_path(path) as tmp:
        write(result_dir, tmp, tables, lang)
    return path


def write_redacted(result_dir: Path, lang: str, *, png: bool = False) -> list[Path]:
    """The redacted export of a result folder: ``map_redacted.html`` and
    ``report_redacted.xlsx`` in the folder (and ``map_redacted.png`` with ``png``); replaces
    earlier ones. Used by ``landalloc solve --redact``."""
    from landalloc.scenario import tables_as_run
    from maps.render import render_result_map, write_map
    from maps.result_dir import read_result_dir

    res, data_path, summary = read_result_dir(result_dir)
    tables = tables_as_run(result_dir, data_path)
    created = str(summary.get("created") or "")[:10] or None
    html = render_result_map(
        tables, res.assignments, res.unassigned, res.kpis, readiness=res.readiness,
        title=res.name, date=created, lang=lang, redact=True,
    )  # fmt: skip
    files = [write_map(html, result_dir / REDACTED_MAP)]
    if (result_dir / "report.xlsx").exists():
        report = result_dir / REDACTED_REPORT
        files.append(write_redacted_report(result_dir, report, lang, tables=tables))
    if png:
        files.append(write_png(files[0], result_dir / "map_redacted.png", lang))
    return files


def compare_extras(
    runs: Sequence[Any], out: Path, lang: str, *, redact: bool, png: bool
) -> list[Path]:
    """What ``landalloc compare --redact/--png`` adds to the comparison in ``out``:
    ``compare_redacted.html`` and the 16:9 pictures ``compare.png`` (and
    ``compare_redacted.png``)."""
    from landalloc.compare import _compare_map_html
    from maps.render import write_map

    files: list[Path] = []
    pages = [out / "compare.html"] if (out / "compare.html").exists() else []
    if redact:
        html = _compare_map_html(runs, lang, redact=True)
        if html is not None:
            pages.append(write_map(html, out / "compare_redacted.html"))
            files.append(pages[-1])
    if png:
        for page in pages:
            files.append(write_png(page, page.with_suffix(".png"), lang))
    return files


def redact_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--redact`` to ``landalloc solve``: after the run, the redacted map and report are
    written beside the result's own (:func:`write_redacted`). The command must take ``out``."""

    @click.option(
        "--redact",
        is_flag=True,
        help="另写脱敏版 map_redacted.html 与 report_redacted.xlsx（在谈项目只显示产业集群与投资"
        "规模，隐去企业，标注内部资料） / also write the redacted map_redacted.html and "
        "report_redacted.xlsx (projects in negotiation by cluster and size, no companies)",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, redact: bool = False, **kwargs: Any) -> Any:
        done = command(*args, **kwargs)
        if redact:
            lang = lang_of(click.get_current_context())
            for path in write_redacted(Path(kwargs["out"]), lang):
                out_console.print(
                    t(lang, f"已写出脱敏版 {path}", f"redacted copy written: {path}"), markup=False
                )
        return done

    return wrapper
