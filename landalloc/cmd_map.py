"""``landalloc map``: the result map of a solved scenario (optionally side by side with another)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from landalloc.console import lang_of, out_console, t


def register(app: click.Group) -> None:
    """Add the ``map`` command to the app."""

    @app.command(
        "map",
        help=(
            "由求解结果目录生成离线地图（单个 HTML 文件），可另存截图 / "
            "render the offline result map (one HTML file) of a result folder, optionally a PNG"
        ),
    )
    @click.argument("result_dir", type=click.Path(path_type=Path))
    @click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=None,
        help="输出 HTML（默认 RESULT_DIR/map.html，对比图为 compare.html） / output HTML file",
    )
    @click.option(
        "--png",
        type=click.Path(path_type=Path),
        default=None,
        help="另存截图（需 Chromium） / also write a screenshot (needs Chromium)",
    )
    @click.option(
        "--compare",
        "other_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="与另一个结果目录并排对比 / show another result folder side by side",
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
    def map_cmd(
        ctx: click.Context,
        result_dir: Path,
        out: Path | None,
        png: Path | None,
        other_dir: Path | None,
        basemap: str,
        tianditu_key: str | None,
        shift_gcj02: bool,
        readiness_csv: Path | None,
        title: str | None,
        overwrite: bool,
    ) -> None:
        from geodata.store import check_output_path
        from landalloc.scenario import tables_as_run
        from maps.offline import tile_specs
        from maps.render import render_compare_map, render_result_map, write_map
        from maps.result_dir import read_readiness, read_result_dir
        from maps.shot import screenshot

        lang = lang_of(ctx)
        # refuse an unusable basemap before reading anything
        tile_specs(basemap, lang=lang, tianditu_key=tianditu_key, shift_gcj02=shift_gcj02)
        res, data_path, summary = read_result_dir(result_dir)
        other = read_result_dir(other_dir) if other_dir is not None else None
        target = out or result_dir / ("compare.html" if other else "map.html")
        names = ("assignments.csv", "unassigned.csv", "summary.json", "scenario.yaml")
        inputs = [result_dir / n for n in names]
        inputs.append(data_path)
        check_output_path(target, inputs, overwrite)
        if png is not None:
            check_output_path(png, [*inputs, target], overwrite)
        if readiness_csv is not None:
            res = dataclasses.replace(res, readiness=read_readiness(readiness_csv))
        # the data as each run saw it: the data file plus the recorded scenario's what-ifs
        also = [(other_dir, other[1])] if other_dir is not None and other is not None else []
        tables = tables_as_run(result_dir, data_path, also=also)
        created = str(summary.get("created") or "")[:10] or None
        if other is None:
            html = render_result_map(
                tables,
                res.assignments,
                res.unassigned,
                res.kpis,
                readiness=res.readiness,
                title=title or res.name,
                basemap=basemap,
                lang=lang,
                tianditu_key=tianditu_key,
                shift_gcj02=shift_gcj02,
                date=created,
            )
        else:
            html = render_compare_map(
                tables,
                res,
                other[0],
                title=title or t(lang, "方案对比", "Scenario comparison"),
                basemap=basemap,
                lang=lang,
                tianditu_key=tianditu_key,
                shift_gcj02=shift_gcj02,
            )
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
        if png is not None:
            screenshot(target, png)
            out_console.print(
                t(lang, f"已写出截图 {png}", f"screenshot written: {png}"), markup=False
            )
