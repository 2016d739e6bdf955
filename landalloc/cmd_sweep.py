"""``landalloc sweep``: the value of the quota (指标边际价值) and grids over scenario keys."""

from __future__ import annotations

from pathlib import Path

import click

from geodata.report import fail
from landalloc.console import err_console, lang_of, out_console, t

HELP = """\
指标边际价值扫描 / sweep the quota (or any scenario key) and report what it is worth.

\b
FILE 为情景文件时运行内置的指标扫描：逐年的全区指标和（如有）各片区指标，
各从 60% 到 140%（--quota-range）逐个求解；FILE 也可以是扫描配置（见 docs/engine.md）。
FILE is a scenario (the built-in quota sweep: each year's district quota and each
zone quota, 60-140 %) or a sweep spec with `scenario:` and `quota_sweep:` / `grid:`.

\b
输出 / writes into OUT: sweep.xlsx, sweep.png, sweep.html, sweep.json, scenarios/.
已求解的点缓存在 OUT/.cache，中断后再次运行同一命令即从缓存续算。
Solved points are cached in OUT/.cache: run the same command again to resume.

\b
计算 / engine: 默认本机计算集群（每核一个进程，每个求解 1 个 CP-SAT 线程）；
--address tcp://HOST:8786 使用已有的 Dask 集群（各节点需安装 landalloc）。
"""


def _range(text: str | None) -> tuple[float, float, float] | None:
    if text is None:
        return None
    try:
        a, b, c = (float(x) for x in text.split(":"))
    except ValueError:
        raise fail(
            "bad_range",
            f"--quota-range {text} 无效，应为 起点:终点:步长（百分比），如 60:140:20",
            f"--quota-range {text} is invalid; give from:to:step in percent, e.g. 60:140:20",
        ) from None
    return a, b, c


@click.command("sweep", help=HELP)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="输出目录 / folder"
)
@click.option("--quota-range", help="指标范围(%) 起点:终点:步长 / percent from:to:step [60:140:20]")
@click.option("--year", "years", type=int, multiple=True, help="只扫描这些年份 / only these years")
@click.option("--no-zones", is_flag=True, help="不扫描片区指标 / district quotas only")
@click.option(
    "--transfers", type=click.IntRange(0, 20), help="求解的调剂方案数 / moves to solve [3]"
)
@click.option("--time-limit", type=float, help="每点求解时限(秒) / time limit per point (s)")
@click.option("--address", help="已有 Dask 集群的调度器地址 / scheduler of an existing cluster")
@click.option(
    "--processes", type=click.IntRange(1, 256), help="本机工作进程数（默认每核一个）/ local workers"
)
@click.pass_context
def sweep_cmd(
    ctx: click.Context,
    file: Path,
    out: Path,
    quota_range: str | None,
    years: tuple[int, ...],
    no_zones: bool,
    transfers: int | None,
    time_limit: float | None,
    address: str | None,
    processes: int | None,
) -> None:
    """Run a sweep and print its findings."""
    from landalloc.engine import Engine, EngineError
    from landalloc.sweep import QuotaSweep, read_spec
    from landalloc.sweep_run import run_sweep

    lang = lang_of(ctx)
    spec, scenario = read_spec(file)
    qs = spec.quota_sweep or (None if spec.grid else QuotaSweep())
    if qs is not None:
        changes: dict[str, object] = {}
        if (r := _range(quota_range)) is not None:
            changes["range"] = r
        if years:
            changes["years"] = list(years)
        if no_zones:
            changes["zones"] = False
        if transfers is not None:
            changes["transfers"] = transfers
        qs = qs.model_copy(update=changes)
    spec = spec.model_copy(
        update={"quota_sweep": qs, "time_limit_s": time_limit or spec.time_limit_s}
    )
    if address and processes:
        err_console.print(
            t(
                lang,
                "提示：使用已有集群时忽略 --processes",
                "note: --processes is ignored with --address",
            )
        )

    def started(engine: Engine) -> None:
        err_console.print(engine.describe(lang), markup=False)

    try:
        res = run_sweep(
            spec,
            scenario,
            out,
            spec_path=None if file == scenario else file,
            address=address,
            processes=None if address else processes,
            lang=lang,
            on_engine=started,
        )
    except EngineError as exc:  # a defect: show the workers' tracebacks, not the driver's
        err_console.print(
            t(
                lang,
                "内部错误（程序缺陷），请报告给开发者：",
                "internal error (a bug); please report:",
            )
        )
        for f in exc.failures[:3]:
            err_console.print(f"  {f.label}: {f.error}\n{f.trace}", markup=False)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        err_console.print(
            t(
                lang,
                f"扫描已中断；已求解的点保存在 {out / '.cache'}，再次运行同一命令即可续算",
                f"sweep interrupted; the points solved so far are cached in {out / '.cache'}: "
                "run the same command again to resume",
            ),
            markup=False,
        )
        raise
    _print(res, out, lang)


def _print(res: object, out: Path, lang: str) -> None:
    from rich.table import Table

    from landalloc.sweep_report import saturation_table
    from landalloc.sweep_run import SweepResult

    assert isinstance(res, SweepResult)
    sat = saturation_table(res, lang)
    if not sat.empty:
        table = Table(title=t(lang, "指标饱和点", "where more quota stops helping"))
        for c in sat.columns:
            table.add_column(str(c))
        for row in sat.itertuples(index=False):
            table.add_row(*["—" if v is None or v != v else str(v) for v in row])
        out_console.print(table)
    for m in res.moves:
        if not m["error"]:
            out_console.print(
                f"  {m['move'].text(res.base.zone_names, lang)}: {m['d_objective']:+.0f} "
                + t(lang, "分", "points")
                + f", {m['d_investment']:+.1f} "
                + t(lang, "亿元", "亿 CNY")
                + f", {m['d_projects']:+d} "
                + t(lang, "个项目", "projects"),
                markup=False,
            )
    solved, reused = res.counts()
    for w in res.warnings:
        err_console.print(t(lang, "[yellow]警告[/yellow] ", "[yellow]warning[/yellow] ") + w)
    out_console.print(
        t(
            lang,
            f"共 {solved + reused} 个点：新求解 {solved} 个，沿用缓存 {reused} 个；用时 "
            f"{res.seconds:.0f} 秒。已写出 " + "、".join(p.name for p in res.files) + f"（{out}）",
            f"{solved + reused} point(s): {solved} solved, {reused} from the cache, in "
            f"{res.seconds:.0f} s. Wrote " + ", ".join(p.name for p in res.files) + f" ({out})",
        ),
        markup=False,
    )
    if res.move_headline:
        out_console.print(res.move_headline, markup=False)
    if res.headline:
        out_console.print(res.headline, style="bold", markup=False, highlight=False)


def register(app: click.Group) -> None:
    """Add ``sweep`` to the app."""
    app.add_command(sweep_cmd)
