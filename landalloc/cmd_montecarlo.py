"""``landalloc montecarlo``: the plan of a result folder evaluated under an uncertain pipeline."""

from __future__ import annotations

from pathlib import Path

import click

from landalloc.console import err_console, lang_of, out_console, t

HELP = """\
蒙特卡洛评估 / Monte-Carlo evaluation of a plan under an uncertain pipeline.

\b
按各阶段（在谈、签约、注册）的落地概率（情景 uncertainty.stage_probability，
或项目库 probability 列）抽样哪些项目最终落地，统计落地投资、税收、闲置土地、
未用指标的分布（P10、P50、P90），在并行计算引擎上运行（固定种子，结果可复现）。
Samples which placed projects materialise (by stage, or the projects' own
probability column) and reports the realised KPIs as P10/P50/P90, on the engine.

\b
输出 / writes into OUT (default RESULT_DIR/montecarlo): montecarlo.csv,
montecarlo_samples.csv, montecarlo.png, montecarlo.json.
"""


@click.command("montecarlo", help=HELP)
@click.argument("result_dir", type=click.Path(path_type=Path))
@click.option(
    "--samples",
    type=click.IntRange(1, 10_000_000),
    default=10_000,
    show_default=True,
    help="抽样次数 / number of samples",
)
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子 / seed")
@click.option("--out", "out", type=click.Path(path_type=Path), help="输出目录 / output folder")
@click.option("--address", help="已有 Dask 集群的调度器地址 / scheduler of an existing cluster")
@click.option(
    "--processes", type=click.IntRange(1, 256), help="本机工作进程数（默认每核一个）/ local workers"
)
@click.pass_context
def montecarlo_cmd(
    ctx: click.Context,
    result_dir: Path,
    samples: int,
    seed: int,
    out: Path | None,
    address: str | None,
    processes: int | None,
) -> None:
    """Evaluate a result folder's plan and print the KPI ranges."""
    run_montecarlo(result_dir, samples, seed, out, address, processes, lang_of(ctx))


def run_montecarlo(
    result_dir: Path,
    samples: int,
    seed: int = 0,
    out: Path | None = None,
    address: str | None = None,
    processes: int | None = None,
    lang: str = "zh",
) -> None:
    """Run the evaluation (also for ``solve --montecarlo``) and print its table."""
    from landalloc.engine import Engine
    from landalloc.montecarlo import evaluate

    def started(engine: Engine) -> None:
        err_console.print(engine.describe(lang), markup=False)

    res = evaluate(
        result_dir,
        out or result_dir / "montecarlo",
        samples=samples,
        seed=seed,
        address=address,
        processes=None if address else processes,
        lang=lang,
        on_engine=started,
    )
    zh = lang == "zh"
    head = f"{'指标' if zh else 'KPI':<22}{'方案':>10}{'P10':>10}{'P50':>10}{'P90':>10}"
    out_console.print(head, markup=False)
    for r in res.table.itertuples(index=False):
        out_console.print(
            f"{r.name:<22}{r.plan:>10.1f}{r.P10:>10.1f}{r.P50:>10.1f}{r.P90:>10.1f}", markup=False
        )
    done = t(
        lang,
        f"{len(res.samples)} 次抽样，用时 {res.seconds:.1f} 秒，{len(res.workers)} 个工作进程；"
        f"结果：{res.files[0].parent}",
        f"{len(res.samples)} samples in {res.seconds:.1f} s on {len(res.workers)} worker(s); "
        f"written to {res.files[0].parent}",
    )
    err_console.print(done, markup=False)


def register(app: click.Group) -> None:
    """Add the command to the CLI."""
    app.add_command(montecarlo_cmd)
