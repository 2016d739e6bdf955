"""``landalloc solve SCENARIO --out DIR``: solve a scenario and write its result folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from landalloc.cmd_map import redact_option
from landalloc.console import lang_of, out_console, print_report, t
from landalloc.db_out import db_out_option


def _print_anchor(a: dict[str, Any], lang: str) -> None:
    """What the anchoring kept, and where the causes are."""
    if a.get("hold"):
        zh = (
            f"锚定于 {a['plan']}：改动 {a['changes']} 个项目（不锚定时 {a['changes_unanchored']} 个，"
            f"减少 {a['avoided']} 个）；目标值 {a['objective']:.0f}（不锚定 {a['objective_unanchored']:.0f}）；"
            "每处改动的原因见 changes.csv"
        )
        en = (
            f"anchored on {a['plan']}: {a['changes']} projects changed ({a['changes_unanchored']} "
            f"unanchored, {a['avoided']} avoided); objective {a['objective']:.0f} (unanchored "
            f"{a['objective_unanchored']:.0f}); each change's cause in changes.csv"
        )
    else:
        zh = f"与 {a['plan']} 相比改动 {a['changes']} 个项目，原因见 changes.csv"
        en = f"{a['changes']} projects differ from {a['plan']}: causes in changes.csv"
    out_console.print(t(lang, zh, en), markup=False)


def _print_alternatives(alt: dict[str, Any], lang: str) -> None:
    """How many plans ``--alternatives`` found, and why fewer than asked."""
    found = alt["found"]
    out_console.print(
        t(
            lang,
            f"方案 {found} 个（含最优方案A，均经独立校验），见 alternatives.csv",
            f"{found} plan(s) (plan A included), each verified: see alternatives.csv",
        ),
        markup=False,
    )
    if alt["message"]:
        zh, _, en = alt["message"].partition(" / ")
        out_console.print(t(lang, zh, en or zh), markup=False)


def _finish(s: dict[str, Any], out: Path, lang: str, montecarlo: int | None) -> None:
    """After a solve: the alternatives, the anchoring and (``--montecarlo N``) the Monte-Carlo
    evaluation of the plan (:mod:`landalloc.montecarlo`)."""
    if "alternatives" in s:
        _print_alternatives(s["alternatives"], lang)
    if "anchor" in s:
        _print_anchor(s["anchor"], lang)
    if montecarlo:
        from landalloc.cmd_montecarlo import run_montecarlo

        run_montecarlo(out, montecarlo, lang=lang)


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
    @click.option(
        "--alternatives",
        type=click.IntRange(min=1),
        help="比选方案数 K（含最优方案A；写入 alternatives/ 与 alternatives.csv）/ up to K plans "
        "that really differ (plan A included; written to alternatives/ and alternatives.csv)",
    )
    @click.option(
        "--tolerance",
        type=click.FloatRange(min=0.0, max=1.0, max_open=True),
        default=0.01,
        show_default=True,
        help="比选方案目标值与最优的允许差距 / each plan within this share of the best objective",
    )
    @click.option(
        "--min-diff",
        type=click.IntRange(min=1),
        default=5,
        show_default=True,
        help="任意两个方案至少相差的项目落地数 / placements in which every two plans differ",
    )
    @click.option(
        "--anchor",
        "anchor_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="锚定方案：在目标值不降低的前提下尽量少改动该结果目录的方案，并在 changes.csv 中"
        "说明每处改动的原因 / a result folder to stay close to: the best plan that changes "
        "least of it, each change with its cause in changes.csv",
    )
    @click.option(
        "--anchor-tolerance",
        type=click.FloatRange(min=0.0, max=1.0, max_open=True),
        default=0.0,
        show_default=True,
        help="为保留锚定方案允许放弃的目标值比例 / share of the objective that may be given up "
        "to keep more of the anchor plan",
    )
    @click.option(
        "--montecarlo",
        type=click.IntRange(min=1),
        help="求解后对方案做蒙特卡洛评估（抽样次数，结果在 OUT/montecarlo）/ then evaluate the "
        "plan with this many Monte-Carlo samples (landalloc montecarlo)",
    )
    @redact_option  # --redact: the redacted map and report too (landalloc.cmd_map)
    @db_out_option  # --db-out postgresql://…: the result also into PostGIS (landalloc.db_out)
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
        alternatives: int | None,
        tolerance: float,
        min_diff: int,
        anchor_dir: Path | None,
        anchor_tolerance: float,
        montecarlo: int | None,
    ) -> None:
        from landalloc.alternatives import AlternativesRequest
        from landalloc.anchoring import AnchorRequest
        from landalloc.run import run

        anchor = AnchorRequest(anchor_dir.resolve(), anchor_tolerance) if anchor_dir else None

        request = AlternativesRequest(alternatives, tolerance, min_diff) if alternatives else None

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
                alternatives=request,
                anchor=anchor,
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
        _finish(s, out, lang, montecarlo)
