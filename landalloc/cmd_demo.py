"""``landalloc demo``: write the demonstration district (a GeoPackage, optionally a 项目库 .xlsx)."""

from __future__ import annotations

from pathlib import Path

import click

from landalloc import demo
from landalloc.console import lang_of, out_console, t

HELP = """\
生成示范开发区数据（以苏州高新区为原型，全部为虚构数据）/ write the demonstration district
(modelled on Suzhou New District; every name and figure is invented).

\b
同一随机种子和参数总是生成相同的数据。/ The same seed and options always give the same data.
示例 / example:
  landalloc demo --out geodata/demo.gpkg --xlsx geodata/demo_pipeline.xlsx
"""


def register(app: click.Group) -> None:
    """Add the ``demo`` command to the app."""

    @app.command("demo", help=HELP)
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("geodata/demo.gpkg"),
        show_default=True,
        help="输出 GeoPackage / output GeoPackage",
    )
    @click.option(
        "--xlsx",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="另存项目库为 Excel / also write the projects as .xlsx",
    )
    @click.option(
        "--xlsx-form",
        type=click.Choice(demo.XLSX_FORMS),
        default="messy",
        show_default=True,
        help="项目库表格样式：messy = 实际填报样式（标题行、合并单元格、单位、全角数字），"
        "plain = 每个契约列一列 / spreadsheet form: messy = as kept in practice (title row, "
        "merged cells, units, full-width digits), plain = one column per contract column",
    )
    @click.option(
        "--seed", type=int, default=demo.DEMO_SEED, show_default=True, help="随机种子 / seed"
    )
    @click.option(
        "--zones",
        "n_zones",
        type=int,
        default=demo.DEFAULT_ZONES,
        show_default=True,
        help=f"片区数 / number of zones ({demo.ZONES_RANGE[0]}–{demo.ZONES_RANGE[1]})",
    )
    @click.option(
        "--parcels",
        "n_parcels",
        type=int,
        default=demo.DEFAULT_PARCELS,
        show_default=True,
        help=f"地块数 / number of parcels ({demo.PARCELS_RANGE[0]}–{demo.PARCELS_RANGE[1]})",
    )
    @click.option(
        "--factories",
        "n_factories",
        type=int,
        default=demo.DEFAULT_FACTORIES,
        show_default=True,
        help="标准厂房数 / number of standard factories "
        f"({demo.FACTORIES_RANGE[0]}–{demo.FACTORIES_RANGE[1]})",
    )
    @click.option(
        "--projects",
        "n_projects",
        type=int,
        default=demo.DEFAULT_PROJECTS,
        show_default=True,
        help=f"项目数 / number of projects ({demo.PROJECTS_RANGE[0]}–{demo.PROJECTS_RANGE[1]})",
    )
    @click.option(
        "--first-year",
        type=int,
        default=demo.DEFAULT_FIRST_YEAR,
        show_default=True,
        help="第一个规划年份 / first planning year",
    )
    @click.option(
        "--years",
        "n_years",
        type=int,
        default=demo.DEFAULT_YEARS,
        show_default=True,
        help="规划年数 / number of planning years",
    )
    @click.option(
        "--quota-ratio",
        type=float,
        default=demo.DEFAULT_QUOTA_RATIO,
        show_default=True,
        help="各年全区用地指标合计 / 项目用地需求合计 / total quota over total land demand",
    )
    @click.option("--overwrite", is_flag=True, help="覆盖已有文件 / replace existing files")
    @click.pass_context
    def demo_cmd(
        ctx: click.Context,
        out: Path,
        xlsx: Path | None,
        xlsx_form: str,
        seed: int,
        n_zones: int,
        n_parcels: int,
        n_factories: int,
        n_projects: int,
        first_year: int,
        n_years: int,
        quota_ratio: float,
        overwrite: bool,
    ) -> None:
        lang = lang_of(ctx)
        tables = demo.write_demo(
            out,
            seed=seed,
            n_zones=n_zones,
            n_parcels=n_parcels,
            n_factories=n_factories,
            n_projects=n_projects,
            first_year=first_year,
            n_years=n_years,
            quota_ratio=quota_ratio,
            xlsx=xlsx,
            xlsx_form=xlsx_form,
            overwrite=overwrite,
        )
        s = demo.summarise(tables)
        lines = [
            t(lang, f"已生成示范数据：{out}", f"demo district written: {out}"),
            t(
                lang,
                f"  片区 {s.zones} 个；地块 {s.parcels} 宗，合计 {s.parcel_mu:,.1f} 亩；"
                f"标准厂房 {s.factories} 栋，可用建筑面积 {s.factory_m2:,.0f} ㎡",
                f"  {s.zones} zones; {s.parcels} parcels, {s.parcel_mu:,.1f} mu; "
                f"{s.factories} factories, {s.factory_m2:,.0f} m² free floor",
            ),
            t(
                lang,
                f"  项目 {s.projects} 个（已签约 {s.signed} 个，锁定载体 {s.pinned} 个），"
                f"用地需求合计 {s.land_demand_mu:,.1f} 亩",
                f"  {s.projects} projects ({s.signed} signed, {s.pinned} pinned), "
                f"land demand {s.land_demand_mu:,.1f} mu",
            ),
            t(
                lang,
                "  投资规模：" + "，".join(f"≥{k:g} 亿元 {v} 个" for k, v in s.tiers.items()),
                "  investment: " + ", ".join(f"≥ {k:g} yi yuan: {v}" for k, v in s.tiers.items()),
            ),
            t(
                lang,
                "  全区用地指标（亩）："
                + "，".join(f"{y} 年 {q:,.0f}" for y, q in s.quotas.items()),
                "  district land quota (mu): "
                + ", ".join(f"{y}: {q:,.0f}" for y, q in s.quotas.items()),
            ),
        ]
        if s.supplied or s.stock or s.quota_used:
            used = s.quota_used or {}
            lines.append(
                t(
                    lang,
                    f"  年内已落实：已供地块 {s.supplied} 宗，已用指标 "
                    + ("，".join(f"{y} 年 {u:,.1f} 亩" for y, u in used.items()) or "0 亩")
                    + f"；存量用地 {s.stock} 宗（不占指标）",
                    f"  committed: {s.supplied} parcels supplied, quota used "
                    + (", ".join(f"{y}: {u:,.1f} mu" for y, u in used.items()) or "0 mu")
                    + f"; {s.stock} stock parcels (no quota)",
                )
            )
        if xlsx is not None:
            lines.append(t(lang, f"  项目库表格：{xlsx}", f"  projects spreadsheet: {xlsx}"))
        for line in lines:
            out_console.print(line, markup=False)
