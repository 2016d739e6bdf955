"""``landalloc solve SCENARIO --out DIR``: solve a scenario and write its result folder."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from landalloc.console import lang_of, out_console, print_report, t


def register(app: click.Group) -> None:
    """Add ``solve`` to the app."""

    @app.command(
        "solve",
        help="求解一个情景并写出结果目录 / solve a scenario and write its result folder "
        "(assignments.csv, unassigned.csv, summary.json, result.gpkg, map.html, report.xlsx)",
    )
    @click.argument("scenario", type=click.Path(path_type=Path))
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(path_type=Path),
        help="结果目录 / result folder",
    )
    @click.option("--overwrite", is_flag=True, help="覆盖已有结果 / replace an existing result")
    @click.option(
        "--strict", is_flag=True, help="数据警告也阻止运行 / warnings in the data block the run"
    )
    @click.option("--time-limit", type=float, help="求解时限(秒) / time limit in seconds")
    @click.option("--workers", type=int, help="并行线程数 / CP-SAT workers")
    @click.option("--seed", type=int, help="随机种子 / random seed")
    @click.option(
        "--deterministic/--fastest",
        default=None,
        help="确定性模式（默认：同样的输入得到同样的方案）或最快模式（可能每次不同）/ "
        "deterministic (the default: same input, same plan) or fastest (may differ run to run)",
    )
    @click.pass_context
    def solve_cmd(
        ctx: click.Context,
        scenario: Path,
        out: Path,
        overwrite: bool,
        strict: bool,
        time_limit: float | None,
        workers: int | None,
        seed: int | None,
        deterministic: bool | None,
    ) -> None:
        from landalloc.run import run

        lang = lang_of(ctx)
        status_console = Console(stderr=True)
        with status_console.status(t(lang, "求解中…", "solving…")):
            result = run(
                scenario,
                out,
                overwrite=overwrite,
                strict=strict,
                lang=lang,
                solver_overrides={
                    "time_limit_s": time_limit,
                    "workers": workers,
                    "seed": seed,
                    "deterministic": deterministic,
                },
            )
        if result.warnings.warnings:
            print_report(result.warnings, lang)
        s, k = result.summary, result.kpis
        gain = s["improvement_over_greedy"]
        if s["best_bound"] is None or s["gap"] is None:
            bound_zh, bound_en = "无上界", "no bound"
        else:
            bound_zh = f"界 {s['best_bound']:.0f}，差距 {s['gap']:.2%}"
            bound_en = f"bound {s['best_bound']:.0f}, gap {s['gap']:.2%}"
        out_console.print(
            t(
                lang,
                f"情景「{s['scenario']}」：{s['status']}，目标值 {s['objective']:.0f}（{bound_zh}），"
                f"求解 {s['solve_seconds']:.2f} 秒；贪心 {s['greedy_objective']:.0f}"
                + (f"，优化提升 {gain:.2%}" if gain is not None else ""),
                f"scenario '{s['scenario']}': {s['status']}, objective {s['objective']:.0f} "
                f"({bound_en}), solved in {s['solve_seconds']:.2f} s; greedy "
                f"{s['greedy_objective']:.0f}"
                + (f", +{gain:.2%} over greedy" if gain is not None else ""),
            ),
            markup=False,
        )
        out_console.print(
            t(
                lang,
                f"落地 {k['projects_placed']}/{k['projects_total']} 个项目，总投资 {k['investment_yi']:,.1f} 亿元，"
                f"供地 {k['land_mu']:,.1f} 亩；未落地 {len(result.unassigned)} 个（原因见 unassigned.csv）；"
                f"独立校验通过。结果已写入 {out}",
                f"placed {k['projects_placed']}/{k['projects_total']} projects, {k['investment_yi']:,.1f} "
                f"亿元 investment, {k['land_mu']:,.1f} mu of land; {len(result.unassigned)} unplaced "
                f"(reasons in unassigned.csv); verified. Results in {out}",
            ),
            markup=False,
        )
