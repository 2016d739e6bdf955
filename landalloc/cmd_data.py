"""``landalloc validate``: check a GeoPackage in all tiers and print a summary."""

from __future__ import annotations

import click

from geodata.postgis_url import db_url, source_label
from geodata.report import DataError
from geodata.store import build_instance, validate
from geodata.units import cmu_to_mu
from landalloc.console import lang_of, out_console, print_report, t


def register(app: click.Group) -> None:
    """Add the data commands to the app."""

    @app.command(
        "validate",
        help="检查数据文件（GeoPackage 或 postgresql://…/库?schema=模式），一次列出所有问题 / check "
        "a data file (GeoPackage or postgresql://…/db?schema=…) and list every problem at once",
    )
    @click.argument("data", type=click.Path())  # a file or a postgresql:// URL, kept as written
    @click.option("--strict", is_flag=True, help="警告也视为错误 / treat warnings as errors")
    @click.pass_context
    def validate_cmd(ctx: click.Context, data: str, strict: bool) -> None:
        lang = lang_of(ctx)
        tables, report = validate(data, strict=strict)
        if report.has_errors(strict):
            raise DataError(report)
        assert tables is not None
        if len(report):
            print_report(report, lang, console=out_console)
        inst = build_instance(tables)
        area = sum(cmu_to_mu(p.area_cmu) for p in inst.parcels)
        floor = sum(f.floor_m2 for f in inst.factories)
        shown = source_label(data) if db_url(data) else data
        out_console.print(t(lang, f"数据检查通过：{shown}", f"data OK: {shown}"), markup=False)
        out_console.print(
            t(
                lang,
                f"  地块 {len(inst.parcels)} 宗，合计 {area:,.1f} 亩；标准厂房 {len(inst.factories)} 栋，"
                f"可用建筑面积 {floor:,} ㎡；项目 {len(inst.projects)} 个；片区 {len(inst.zones)} 个；"
                f"产业集群 {len(inst.clusters)} 个",
                f"  {len(inst.parcels)} parcels, {area:,.1f} mu in total; {len(inst.factories)} "
                f"factories, {floor:,} m² free floor; {len(inst.projects)} projects; "
                f"{len(inst.zones)} zones; {len(inst.clusters)} clusters",
            ),
            markup=False,
        )
        supplied = [p for p in inst.parcels if p.supplied]
        stock = sum(1 for p in inst.parcels if p.stock)
        if supplied or stock:
            mu = sum(cmu_to_mu(p.area_cmu) for p in supplied)
            out_console.print(
                t(
                    lang,
                    f"  已供地块 {len(supplied)} 宗，{mu:,.1f} 亩（不再规划）；存量用地 {stock} 宗（不占指标）",
                    f"  {len(supplied)} parcels already supplied, {mu:,.1f} mu (not planned "
                    f"again); {stock} stock parcels (no quota)",
                ),
                markup=False,
            )
        for y in inst.years:
            parts = ", ".join(
                f"{t(lang, '全区', 'district') if q.zone == '*' else q.zone} "
                f"{cmu_to_mu(q.land_cmu):,.0f}"
                + (
                    f"（{t(lang, '已用', 'used')} {cmu_to_mu(q.used_cmu):,.1f}）"
                    if q.used_cmu
                    else ""
                )
                for q in inst.quotas
                if q.year == y
            )
            out_console.print(
                t(lang, f"  {y} 年用地指标（亩）：{parts}", f"  {y} land quota (mu): {parts}"),
                markup=False,
            )
