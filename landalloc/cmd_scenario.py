"""Scenario commands: ``compare`` (batch with cache), ``rerun`` and ``scenario new``."""

from __future__ import annotations

import datetime as dt
import os
import re
from importlib import resources
from pathlib import Path

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from geodata.report import fail
from geodata.store import atomic_path
from landalloc.console import err_console, out_console, print_report, t


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
        "--deterministic",
        is_flag=True,
        default=None,
        help="确定性模式（结果可复现）/ deterministic mode",
    )(f)
    f = click.option("--time-limit", type=float, help="每个情景的求解时限(秒) / time limit each")(f)
    return f


def register(app: click.Group) -> None:
    """Add ``compare``, ``rerun`` and the ``scenario`` group to the app."""

    @app.command(
        "compare",
        help="批量求解并对比多个情景 / solve several scenarios and compare them: "
        "kpi_table.csv, differences.csv, compare.xlsx, and compare.html for two scenarios. "
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
    @click.option("--no-map", is_flag=True, help="不生成对比地图 / no compare map")
    @_solver_options
    @click.pass_context
    def compare_cmd(
        ctx: click.Context,
        scenarios: tuple[Path, ...],
        out: Path,
        jobs: int,
        no_map: bool,
        time_limit: float | None,
        deterministic: bool | None,
        seed: int | None,
    ) -> None:
        from landalloc.cli import lang_of
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
                processes=jobs,
                on_event=on_event,
                with_map=not no_map,
            )
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
        "folder again as recorded and check the placements are the same",
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
        from landalloc.cli import lang_of
        from landalloc.compare import rerun

        lang = lang_of(ctx)
        target = out or result_dir.with_name(result_dir.name + "-rerun")
        with err_console.status(t(lang, "重新求解中…", "solving again…")):
            result, diff, report = rerun(result_dir, target, lang=lang, overwrite=overwrite)
        if len(report):
            print_report(report, lang)
        deterministic = bool(result.summary["solver_settings"].get("deterministic"))
        if diff.empty:
            out_console.print(
                t(
                    lang,
                    f"已复现：落地方案与 {result_dir} 完全相同（{result.kpis['projects_placed']} 个项目）。"
                    f"新结果在 {target}",
                    f"reproduced: the same placements as {result_dir} "
                    f"({result.kpis['projects_placed']} projects). New result in {target}",
                ),
                markup=False,
            )
        else:
            note = (
                ""
                if deterministic
                else t(
                    lang,
                    "（原结果未使用确定性模式，多线程求解可能给出不同的同分方案）",
                    " (the run was not deterministic; a multi-worker solve may return another "
                    "equally good plan)",
                )
            )
            out_console.print(
                t(
                    lang,
                    f"注意：有 {len(diff)} 个项目的落地与 {result_dir} 不同{note}。新结果在 {target}",
                    f"note: {len(diff)} project(s) placed differently from {result_dir}{note}. "
                    f"New result in {target}",
                ),
                markup=False,
            )
            for row in diff.head(20).to_dict("records"):
                out_console.print(
                    f"  {row['project_id']} {row['change']}: {row['before'] or '—'} → "
                    f"{row['after'] or '—'}",
                    markup=False,
                )

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
        from landalloc.cli import lang_of

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


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
