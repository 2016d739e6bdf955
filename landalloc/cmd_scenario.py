"""Scenario commands: ``compare`` (batch with cache), ``rerun`` and ``scenario new``."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from geodata.report import fail
from geodata.store import atomic_path
from landalloc.console import err_console, lang_of, out_console, t

#: ``landalloc rerun``: the placements differ although the versions are those recorded (a defect
#: when the run was deterministic).
EXIT_RERUN_DIFFERS = 5
#: ``landalloc rerun``: the placements differ and landalloc or a plan package
#: (:data:`landalloc.run.PLAN_PACKAGES`) has another version than recorded.
EXIT_RERUN_VERSIONS = 6
_RERUN_EXIT = {"differs": EXIT_RERUN_DIFFERS, "versions_changed": EXIT_RERUN_VERSIONS}


def _template() -> str:
    return resources.files("landalloc").joinpath("scenario_template.yaml").read_text("utf-8")


def _data_years(data: Path) -> list[int] | None:
    """The quota years of a data file, or ``None`` when it cannot be read."""
    try:
        import pyogrio

        q = pyogrio.read_dataframe(data, layer="quotas", read_geometry=False)
        return sorted({int(y) for y in q["year"].dropna()})
    except Exception:
        return None


def new_scenario_text(name: str, data: str, years: list[int]) -> str:
    """The commented template with the name, data path and years filled in."""
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (
        _template()
        .replace("name: __NAME__", f"name: {quoted}")
        .replace("__NAME__", name)
        .replace("__DATA__", data)
        .replace("__YEARS__", "[" + ", ".join(str(y) for y in years) + "]")
    )


def _solver_options(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--seed", type=int, help="随机种子 / random seed")(f)
    f = click.option(
        "--deterministic/--fastest",
        default=None,
        help="确定性模式（默认，结果可复现）或最快模式 / deterministic (default) or fastest",
    )(f)
    f = click.option("--time-limit", type=float, help="每个情景的求解时限(秒) / time limit each")(f)
    return f


def register(app: click.Group) -> None:
    """Add ``compare``, ``rerun`` and the ``scenario`` group to the app."""

    @app.command(
        "compare",
        help="批量求解并对比多个情景 / solve several scenarios and compare them: "
        "kpi_table.csv, differences.csv, compare.xlsx and compare.html (every scenario against the "
        "first; --redact, --png: a redacted copy, 16:9 pictures). "
        "Unchanged scenarios are reused from OUT/.cache.",
    )
    @click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option(
        "--out", "out", required=True, type=click.Path(path_type=Path), help="输出目录 / folder"
    )
    @click.option(
        "--jobs",
        type=click.IntRange(1, 2),
        default=2,
        show_default=True,
        help="并行进程数 / parallel solves",
    )
    @click.option("--address", help="已有 Dask 集群的调度器地址 / scheduler of an existing cluster")
    @click.option(
        "--processes",
        type=click.IntRange(1, 256),
        help="本机工作进程数（默认同 --jobs）/ local worker processes (default: --jobs)",
    )
    @click.option("--no-map", is_flag=True, help="不生成对比地图 / no compare map")
    @click.option(
        "--redact",
        is_flag=True,
        help="另写脱敏版对比地图 compare_redacted.html（在谈项目只显示产业集群与投资规模，隐去企业，"
        "标注内部资料） / also write the redacted map compare_redacted.html",
    )
    @click.option(
        "--png",
        is_flag=True,
        help="另存对比地图的 16:9 幻灯片截图 compare.png（需 Chromium） / also write compare.png, "
        "a 16:9 slide picture of the map (needs Chromium)",
    )
    @click.option(
        "--anchor/--no-anchor",
        default=True,
        show_default=True,
        help="其余情景锚定第一个情景的方案：目标值不降低、尽量少改动 / re-plan every other "
        "scenario close to the first one's plan (no objective lost, fewest changes)",
    )
    @_solver_options
    @click.pass_context
    def compare_cmd(
        ctx: click.Context,
        scenarios: tuple[Path, ...],
        out: Path,
        jobs: int,
        address: str | None,
        processes: int | None,
        no_map: bool,
        redact: bool,
        png: bool,
        anchor: bool,
        time_limit: float | None,
        deterministic: bool | None,
        seed: int | None,
    ) -> None:
        from landalloc.compare import compare

        lang = lang_of(ctx)
        if out.exists() and not out.is_dir():
            raise fail(
                "output_exists",
                f"输出 {out} 已存在且不是目录",
                f"output {out} exists and is not a folder",
                file=str(out),
            )
        names = [str(p) for p in scenarios]
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
        )
        tasks = [progress.add_task(n, total=1, state="…", start=False) for n in names]
        states = {
            "reused": t(lang, "[cyan]沿用缓存[/cyan]", "[cyan]reused from cache[/cyan]"),
            "started": t(lang, "求解中", "solving"),
            "done": t(lang, "[green]完成[/green]", "[green]done[/green]"),
            "failed": t(lang, "[red]失败[/red]", "[red]failed[/red]"),
        }

        def on_event(i: int, event: str) -> None:
            if event == "started":
                progress.start_task(tasks[i])
            done = 1 if event in ("reused", "done", "failed") else 0
            progress.update(tasks[i], state=states[event], completed=done)

        with progress:
            res = compare(
                list(scenarios),
                out,
                lang=lang,
                solver_overrides={
                    "time_limit_s": time_limit,
                    "deterministic": deterministic,
                    "seed": seed,
                },
                processes=processes or jobs,
                address=address,
                on_event=on_event,
                with_map=not no_map,
                anchor=anchor,
            )
        if not no_map:
            from landalloc.cmd_map import compare_extras

            res.files += compare_extras(res.runs, out, lang, redact=redact, png=png)
        _print_anchoring(res.runs, anchor, lang)
        table = Table(title=t(lang, "情景对比", "scenario comparison"))
        for c in res.kpis.columns[1:]:
            table.add_column(str(c), justify="left" if c == res.kpis.columns[1] else "right")
        for row in res.kpis.itertuples(index=False):
            if str(row[0]).startswith("quota:"):
                continue  # the quota itself; the table shows what was used
            table.add_row(*[_cell(v) for v in row[1:]])
        out_console.print(table)
        reused = [r for r in res.runs if r.reused]
        for r in res.runs:
            out_console.print(
                t(
                    lang,
                    f"  {r.name}：{'沿用缓存结果' if r.reused else '已求解'} → {r.folder}",
                    f"  {r.name}: {'reused cached result' if r.reused else 'solved'} → {r.folder}",
                ),
                markup=False,
            )
        out_console.print(
            t(
                lang,
                f"共 {len(res.runs)} 个情景，沿用缓存 {len(reused)} 个；落地差异 "
                f"{len(res.differences)} 处；已写出 "
                + "、".join(p.name for p in res.files)
                + f"（{out}）",
                f"{len(res.runs)} scenario(s), {len(reused)} reused from the cache; "
                f"{len(res.differences)} placement difference(s); wrote "
                + ", ".join(p.name for p in res.files)
                + f" ({out})",
            ),
            markup=False,
        )

    @app.command(
        "rerun",
        help="按结果目录记录的情景、数据和求解设置重新求解并核对落地方案 / solve a result "
        "folder again as recorded and check the placements are the same.\n\n"
        "\b\n退出码 / exit codes:\n"
        "  0 已复现（版本变化会提示）/ reproduced (a version change is noted)\n"
        f"  {EXIT_RERUN_DIFFERS} 版本相同而方案不同：程序缺陷，请报告（原结果非确定性模式时属正常）\n"
        "    placements differ with the same versions: a defect to report\n"
        "    (expected when the run was not deterministic)\n"
        f"  {EXIT_RERUN_VERSIONS} 版本已变化且方案不同 / placements differ after a version change\n"
        "    (landalloc, OR-Tools or a library that enters a plan)\n"
        "  2 不是结果目录或数据已变 / not a result folder, or its data changed",
    )
    @click.argument("result_dir", type=click.Path(path_type=Path))
    @click.option(
        "--out",
        "out",
        type=click.Path(path_type=Path),
        help="新结果目录（默认 RESULT_DIR-rerun）/ new result folder (default RESULT_DIR-rerun)",
    )
    @click.option("--overwrite", is_flag=True, help="覆盖已有结果 / replace an existing result")
    @click.pass_context
    def rerun_cmd(ctx: click.Context, result_dir: Path, out: Path | None, overwrite: bool) -> None:
        from landalloc.compare import rerun

        lang = lang_of(ctx)
        target = out or result_dir.with_name(result_dir.name + "-rerun")
        with err_console.status(t(lang, "重新求解中…", "solving again…")):
            res = rerun(result_dir, target, lang=lang, overwrite=overwrite)
        changed = ", ".join(
            f"{pkg} {then or t(lang, '未记录', 'not recorded')} → {now}"
            for pkg, then, now in res.changed
        )
        if res.outcome == "reproduced":
            out_console.print(
                t(
                    lang,
                    f"已复现：落地方案与 {result_dir} 完全相同"
                    f"（{res.result.kpis['projects_placed']} 个项目）。新结果在 {target}",
                    f"reproduced: the same placements as {result_dir} "
                    f"({res.result.kpis['projects_placed']} projects). New result in {target}",
                ),
                markup=False,
            )
            if res.changed:
                err_console.print(
                    t(
                        lang,
                        f"注意：软件包版本与原结果记录的不同（原 → 现）：{changed}；落地方案仍相同。",
                        f"note: other package versions than recorded (then → now): {changed}; "
                        "the placements are the same.",
                    ),
                    markup=False,
                )
            return
        n = len(res.differences)
        if res.outcome == "versions_changed":
            pins = " ".join(
                f"{pkg}=={then}" for pkg, then, _ in res.changed if then and pkg != "landalloc"
            )
            install = t(lang, f"（pip install {pins}）", f" (pip install {pins})") if pins else ""
            head = t(
                lang,
                f"未能复现：有 {n} 个项目的落地与 {result_dir} 不同，且版本已变化（原 → 现）："
                f"{changed}。版本不同可能得到不同的方案，这本身不是程序缺陷；要复现原结果，"
                f"请安装原来的版本{install}后再运行 rerun。新结果在 {target}。",
                f"not reproduced: {n} project(s) placed differently from {result_dir} after a "
                f"version change (then → now): {changed}. Other versions may give another plan, "
                "so this alone is not a defect; to reproduce the run, install the recorded "
                f"versions{install} and rerun. New result in {target}.",
            )
        elif res.deterministic:
            head = t(
                lang,
                f"未能复现：有 {n} 个项目的落地与 {result_dir} 不同，而软件包版本、数据和求解设置"
                "均与原结果相同。这是程序缺陷，请报告给开发者，并附上两个结果目录"
                f"（{result_dir} 和 {target}）。",
                f"not reproduced: {n} project(s) placed differently from {result_dir} with the "
                "same package versions, data and solver settings. This is a defect; please "
                f"report it with both result folders ({result_dir} and {target}).",
            )
        else:
            head = t(
                lang,
                f"未能复现：有 {n} 个项目的落地与 {result_dir} 不同（软件包版本相同）。原结果未使用"
                "确定性模式，多线程或按实际时间限时的求解可能给出另一个方案，这不是程序缺陷；需要可"
                f"复现的结果时请在情景的 solver 中设置 deterministic: true。新结果在 {target}。",
                f"not reproduced: {n} project(s) placed differently from {result_dir} (same "
                "package versions). The run was not deterministic: a multi-worker or "
                "wall-clock-limited solve may return another plan, so this is not a defect; set "
                f"deterministic: true under solver in the scenario for reproducible results. "
                f"New result in {target}.",
            )
        err_console.print(head, markup=False)
        shown = 10
        err_console.print(t(lang, "前几处差异：", "first differences:"), markup=False)
        unplaced = t(lang, "未落地", "unplaced")
        for row in res.differences.head(shown).to_dict("records"):
            name = f" {row['name']}" if row["name"] else ""
            err_console.print(
                f"  {row['project_id']}{name} {row['change']}: {row['before'] or unplaced} → "
                f"{row['after'] or unplaced}",
                markup=False,
            )
        if n > shown:
            err_console.print(
                t(lang, f"  …另有 {n - shown} 处", f"  … and {n - shown} more"), markup=False
            )
        # SystemExit: the CLI runs click in non-standalone mode, where ctx.exit's code is lost
        raise SystemExit(_RERUN_EXIT[res.outcome])

    @app.group("scenario", help="情景文件 / scenario files")
    def scenario_group() -> None:
        """Scenario file commands."""

    @scenario_group.command(
        "new", help="写出带注释的情景模板 / write a commented scenario template"
    )
    @click.argument("name")
    @click.option(
        "--out",
        "out",
        type=click.Path(path_type=Path),
        help="输出文件（默认 scenarios/NAME.yaml）/ file to write (default scenarios/NAME.yaml)",
    )
    @click.option(
        "--data",
        type=click.Path(path_type=Path),
        default=Path("geodata/demo.gpkg"),
        show_default=True,
        help="数据文件 / data file",
    )
    @click.option("--overwrite", is_flag=True, help="覆盖已有文件 / replace an existing file")
    @click.pass_context
    def new_cmd(
        ctx: click.Context, name: str, out: Path | None, data: Path, overwrite: bool
    ) -> None:
        lang = lang_of(ctx)
        stem = re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "scenario"
        target = out or Path("scenarios") / f"{stem}.yaml"
        if target.exists() and not overwrite:
            raise fail(
                "output_exists",
                f"文件 {target} 已存在；如需覆盖请加 --overwrite",
                f"{target} exists; pass --overwrite to replace it",
                file=str(target),
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        years = _data_years(data)
        if years is None:
            first = dt.date.today().year
            years = [first, first + 1, first + 2]
        rel = Path(os.path.relpath(data.resolve(), target.parent.resolve())).as_posix()
        with atomic_path(target) as tmp:
            tmp.write_text(new_scenario_text(name, rel, years), encoding="utf-8")
        out_console.print(
            t(
                lang,
                f"已写出情景模板 {target}（年份 {years}）；编辑后运行 landalloc solve {target} --out DIR",
                f"wrote the scenario template {target} (years {years}); edit it, then run "
                f"landalloc solve {target} --out DIR",
            ),
            markup=False,
        )


def _print_anchoring(runs: Sequence[Any], anchor: bool, lang: str) -> None:
    """Say how the scenarios were compared: anchored on the first one or not, and what it saved."""
    if len(runs) < 2:
        return
    first = runs[0].name
    if not anchor:
        out_console.print(
            t(
                lang,
                f"各情景独立求解（未锚定），每处差异的原因见 differences.csv；基准：{first}",
                f"scenarios solved on their own (not anchored); each difference's cause in "
                f"differences.csv; reference: {first}",
            ),
            markup=False,
        )
        return
    for r in runs[1:]:
        a = r.summary.get("anchor") or {}
        out_console.print(
            t(
                lang,
                f"「{r.name}」锚定于「{first}」的方案：改动 {a.get('changes')} 个项目，"
                f"比不锚定少 {a.get('avoided')} 个；目标值 {a.get('objective', 0):.0f}"
                f"（不锚定 {a.get('objective_unanchored', 0):.0f}）",
                f"'{r.name}' anchored on the plan of '{first}': {a.get('changes')} projects "
                f"changed, {a.get('avoided')} fewer than unanchored; objective "
                f"{a.get('objective', 0):.0f} (unanchored {a.get('objective_unanchored', 0):.0f})",
            ),
            markup=False,
        )


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
