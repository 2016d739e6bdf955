"""``landalloc import`` and ``landalloc template``: the commands (the importer is
:mod:`geodata.importer`).

``import`` builds a landalloc GeoPackage from GIS layers and spreadsheets
(:func:`geodata.importer.import_data`) and writes it only when nothing blocks, atomically.
``template`` writes the import kit: Excel templates of the tables (:mod:`landalloc.import_kit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from pyproj import CRS
from rich.progress import Progress, SpinnerColumn, TextColumn

from geodata.importer import ImportPaths, import_data
from geodata.postgis_url import db_url, source_label
from geodata.report import Report, fail
from geodata.store import Tables, check_output_path, write_tables
from landalloc.console import err_console, lang_of, out_console, print_report, t

IMPORT_HELP = """\
把 GIS 图层和表格导入为 landalloc 数据文件（GeoPackage） / build a landalloc GeoPackage from GIS
layers and spreadsheets.

\b
表格模板（项目库、用地指标、产业集群、片区）/ templates of the tables:
  landalloc template 导入模板
"""

TEMPLATE_HELP = """\
写出导入模板：项目库、用地指标、产业集群、片区 .xlsx，各含“说明”工作表 / write the import kit:
Excel templates of the pipeline, quotas, clusters and zones, each with a 说明 sheet explaining
every column.

\b
示例 / example:
  landalloc template 导入模板
"""


@contextmanager
def _progress(lang: str) -> Iterator[Callable[[str, str], None]]:
    """A spinner with the file being read (on a terminal only)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task(t(lang, "读取数据…", "reading…"), total=None)

        def step(zh: str, en: str) -> None:
            progress.update(task, description=t(lang, zh, en))

        yield step


def register(app: click.Group) -> None:
    """Add ``landalloc import`` and ``landalloc template`` to the app."""
    app.add_command(import_cmd)
    app.add_command(template_cmd)


@click.command("import", help=IMPORT_HELP)
@click.option(
    "--parcels",
    "parcels",
    required=True,
    type=click.Path(path_type=Path),
    help="地块图层：.shp/.geojson/.gpkg/.gdb / parcels layer",
)
@click.option("--parcels-layer", help="地块所在图层名 / layer name in a multi-layer source")
@click.option(
    "--factories",
    type=click.Path(path_type=Path),
    help="标准厂房图层（点或面） / factories layer (points or polygons)",
)
@click.option("--factories-layer", help="厂房所在图层名 / layer name of the factories")
@click.option(
    "--projects",
    required=True,
    type=click.Path(path_type=Path),
    help="项目库 .xlsx/.csv / project pipeline",
)
@click.option("--sheet", help="项目库工作表名 / sheet of the pipeline workbook")
@click.option(
    "--quotas",
    type=click.Path(path_type=Path),
    help="年度用地指标 .csv/.xlsx/.gpkg（年份、片区、用地指标(亩)）；省略时取 --parcels "
    "GeoPackage 的 quotas 图层 / yearly land quotas; default: layer quotas of the --parcels "
    "GeoPackage",
)
@click.option(
    "--clusters",
    type=click.Path(path_type=Path),
    help="产业集群 .csv/.xlsx/.gpkg（集群代码、中文名称、颜色）；省略时取 --parcels GeoPackage "
    "的 clusters 图层，都没有则由项目库生成 / industry clusters; default: layer clusters of "
    "the --parcels GeoPackage, else derived from the pipeline",
)
@click.option(
    "--zones",
    type=click.Path(path_type=Path),
    help="片区：范围图层，或 .csv/.xlsx/.gpkg 表（片区代码、片区名称）；省略时取 --parcels "
    "GeoPackage 的 zones 图层 / zones: boundaries, or a table of codes and names; default: "
    "layer zones of the --parcels GeoPackage",
)
@click.option("--zones-layer", help="片区所在图层名 / layer name of the zones")
@click.option(
    "--out",
    required=True,
    type=click.Path(),
    help="输出 GeoPackage 文件，或 PostGIS 模式 postgresql://[用户@]主机/库?schema=模式（密码用 "
    "PGPASSWORD、~/.pgpass 或服务文件）/ output GeoPackage, or a PostGIS schema "
    "postgresql://[user@]host/db?schema=NAME (password from PGPASSWORD, ~/.pgpass or a service "
    "file)",
)
@click.option(
    "--encoding",
    help="未声明编码的文件所用编码，如 gbk / encoding of files that do not declare one, e.g. gbk",
)
@click.option(
    "--crs",
    "working_crs",
    default="EPSG:4549",
    show_default=True,
    help="工作投影坐标系 / projected working CRS",
)
@click.option("--overwrite", is_flag=True, help="覆盖已有输出 / replace an existing output")
@click.option("--strict", is_flag=True, help="警告也视为错误 / treat warnings as errors")
@click.pass_context
def import_cmd(
    ctx: click.Context,
    parcels: Path,
    parcels_layer: str | None,
    factories: Path | None,
    factories_layer: str | None,
    projects: Path,
    sheet: str | None,
    quotas: Path | None,
    clusters: Path | None,
    zones: Path | None,
    zones_layer: str | None,
    out: str,
    encoding: str | None,
    working_crs: str,
    overwrite: bool,
    strict: bool,
) -> None:
    lang = lang_of(ctx)
    paths = ImportPaths(
        parcels=parcels,
        projects=projects,
        quotas=quotas,
        factories=factories,
        clusters=clusters,
        zones=zones,
        parcels_layer=parcels_layer,
        factories_layer=factories_layer,
        zones_layer=zones_layer,
        sheet=sheet,
    )
    url = db_url(out)
    if url is None:
        _check_out(Path(out), paths, overwrite)
    else:  # a PostGIS schema: reachable and free (or --overwrite) before the import's work
        from geodata.postgis import check_target

        check_target(url, overwrite=overwrite)
    report = Report()
    tables = import_data(
        paths, report, working=working_crs, encoding=encoding, progress=lambda: _progress(lang)
    )
    report.raise_if_errors(strict)
    if url is None:
        write_tables(tables, Path(out), overwrite=overwrite)
    else:
        from geodata.postgis import write_db

        write_db(tables, url, overwrite=overwrite)  # one transaction: all layers or none
    if len(report):
        print_report(report, lang, console=out_console)
    _summary(tables, source_label(out) if url else out, lang)


@click.command("template", help=TEMPLATE_HELP)
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, help="覆盖已有模板 / replace existing templates")
@click.pass_context
def template_cmd(ctx: click.Context, directory: Path, overwrite: bool) -> None:
    from landalloc import import_kit

    lang = lang_of(ctx)
    written = import_kit.write_kit(directory, overwrite=overwrite)
    out_console.print(
        t(lang, f"已写出导入模板（{directory}）：", f"import kit written ({directory}):"),
        markup=False,
    )
    for path in written:
        out_console.print(f"  {path}", markup=False)
    out_console.print(
        t(
            lang,
            "每个文件的“说明”工作表解释各列。填好后：",
            "The 说明 sheet of each file explains its columns. When filled:",
        ),
        markup=False,
    )
    for command in (
        import_kit.IMPORT_COMMAND,
        import_kit.VALIDATE_COMMAND,
        import_kit.SCENARIO_COMMAND,
        import_kit.SOLVE_COMMAND,
    ):
        out_console.print(f"  {command}", markup=False)


def _check_out(out: Path, paths: ImportPaths, overwrite: bool) -> None:
    if out.suffix.lower() != ".gpkg":
        raise fail(
            "bad_output",
            f"输出文件 {out} 必须是 .gpkg（GeoPackage）",
            f"the output {out} must be a .gpkg (GeoPackage)",
            file=str(out),
        )
    check_output_path(out, paths.inputs(), overwrite)


def _summary(tables: Tables, out: str | Path, lang: str) -> None:
    par, fac = tables.parcels, tables.factories
    area = float(sum(float(a) for a in par["area_mu"].tolist())) if len(par) else 0.0
    floor = float(sum(float(a) for a in fac["floor_area_m2"].tolist())) if len(fac) else 0.0
    nzones = len(set(par["zone"]) | set(fac["zone"]))
    years = sorted({int(y) for y in tables.quotas["year"].tolist()})
    span = f"{years[0]}–{years[-1]}" if years else "-"
    crs_name = CRS.from_user_input(tables.crs).name
    out_console.print(t(lang, f"已导入：{out}", f"imported: {out}"), markup=False)
    out_console.print(
        t(
            lang,
            f"  地块 {len(par)} 宗，合计 {area:,.1f} 亩；标准厂房 {len(fac)} 栋，可用建筑面积 "
            f"{floor:,.0f} ㎡；项目 {len(tables.projects)} 个；片区 {nzones} 个；产业集群 "
            f"{len(tables.clusters)} 个；用地指标 {len(tables.quotas)} 条（{span} 年）",
            f"  {len(par)} parcels, {area:,.1f} mu; {len(fac)} factories, {floor:,.0f} m² free "
            f"floor; {len(tables.projects)} projects; {nzones} zones; {len(tables.clusters)} "
            f"clusters; {len(tables.quotas)} quota rows ({span})",
        ),
        markup=False,
    )
    out_console.print(
        t(lang, f"  坐标系：{crs_name}（{tables.crs}）", f"  CRS: {crs_name} ({tables.crs})"),
        markup=False,
    )
