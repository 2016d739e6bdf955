"""``landalloc import``: build a landalloc GeoPackage from GIS layers and spreadsheets.

Reads parcels (and optionally factories and zones) from Shapefile / GeoJSON / GeoPackage /
FileGDB, the project pipeline through :func:`geodata.pipeline.read_pipeline`, quotas and clusters
from ``.csv`` / ``.xlsx``; checks everything in tiers (reading, encodings and CRS; schema and
geometry; references); writes the GeoPackage only when nothing blocks, atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd
from pyproj import CRS
from rich.progress import Progress, SpinnerColumn, TextColumn

from geodata import vector
from geodata.report import Report, fail
from geodata.schema import normalise_id
from geodata.store import Tables, check_output_path, check_references, from_frames, write_tables
from landalloc.console import err_console, out_console, print_report, t


@dataclass(slots=True)
class ImportPaths:
    """The input files of one import (``None`` for an option not given)."""

    parcels: Path
    projects: Path
    quotas: Path
    factories: Path | None = None
    clusters: Path | None = None
    zones: Path | None = None
    parcels_layer: str | None = None
    factories_layer: str | None = None
    zones_layer: str | None = None
    sheet: str | None = None

    def inputs(self) -> list[Path]:
        """Every input path given."""
        return [
            p
            for p in (
                self.parcels,
                self.projects,
                self.quotas,
                self.factories,
                self.clusters,
                self.zones,
            )
            if p is not None
        ]


def _read_projects(
    path: Path,
    report: Report,
    *,
    sheet: str | None,
    encoding: str | None,
    clusters: pd.DataFrame | None,
) -> pd.DataFrame | None:
    """Read the pipeline with :func:`geodata.pipeline.read_pipeline`.

    While that module is missing, a ``.csv``/``.xlsx`` with the contract's column names is read.
    """
    try:
        from geodata.pipeline import read_pipeline
    except ImportError:
        return vector.read_table(path, report, kind="projects", sheet=sheet, encoding=encoding)
    if encoding and path.suffix.lower() == ".csv" and path.is_file():
        # --encoding is a fallback for files whose encoding is not known; a UTF-8 file is UTF-8
        try:
            path.read_bytes().decode("utf-8")
            encoding = None
        except UnicodeDecodeError:
            pass
    return read_pipeline(path, report, sheet=sheet, encoding=encoding, clusters=clusters)


def _as_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Turn typed cells (tuples of codes, dates) back into the text the schema tier parses."""
    out = df.copy()
    for col in out.columns:
        vals = out[col].tolist()
        if any(isinstance(v, tuple | list | frozenset | set) for v in vals):
            out[col] = [
                ";".join(v) if isinstance(v, tuple | list | frozenset | set) else v for v in vals
            ]
        elif any(isinstance(v, dt.date) for v in vals):
            out[col] = [v.isoformat() if isinstance(v, dt.date) else v for v in vals]
    return out


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


def _zone_values(gdf: gpd.GeoDataFrame, report: Report, file: str, layer: str) -> None:
    if "zone" not in gdf.columns:
        found = ", ".join(str(c) for c in gdf.columns if c != "geometry")
        report.error(
            "missing_column",
            f"片区图层缺少片区代码列（zone / 片区）；找到的列：{found or '（无）'}",
            f"the zones layer has no zone code column (zone / 片区); columns found: "
            f"{found or '(none)'}",
            file=file,
            layer=layer,
            column="zone",
        )
        return
    gdf["zone"] = [normalise_id(z) for z in gdf["zone"].tolist()]  # codes as written


def import_data(
    paths: ImportPaths,
    report: Report,
    *,
    working: str = "EPSG:4549",
    encoding: str | None = None,
    lang: str = "zh",
) -> Tables:
    """Read, convert and check all inputs; return the tables ready to write.

    Parameters
    ----------
    paths
        The input files.
    report
        Receives every problem (and the warnings of a successful import).
    working
        The projected working CRS (``--crs``).
    encoding
        Fallback text encoding for inputs whose encoding is not declared (``--encoding``).
    lang
        Language of the progress display.

    Returns
    -------
    geodata.store.Tables
        The checked tables in the working CRS.

    Raises
    ------
    geodata.report.DataError
        When any tier finds an error (the caller decides about warnings).
    """
    crs = vector.parse_working_crs(working, report)
    report.raise_if_errors()
    assert crs is not None
    files = vector.files_of(
        {
            "parcels": paths.parcels,
            "factories": paths.factories,
            "zones": paths.zones,
            "projects": paths.projects,
            "quotas": paths.quotas,
            "clusters": paths.clusters,
        }
    )
    with _progress(lang) as step:
        step(f"读取地块 {paths.parcels.name}", f"reading parcels {paths.parcels.name}")
        parcels = vector.read_layer(
            paths.parcels,
            report,
            kind="parcels",
            working=crs,
            layer=paths.parcels_layer,
            encoding=encoding,
            layer_option="--parcels-layer",
        )
        factories = None
        if paths.factories is not None:
            step(
                f"读取标准厂房 {paths.factories.name}", f"reading factories {paths.factories.name}"
            )
            factories = vector.read_layer(
                paths.factories,
                report,
                kind="factories",
                working=crs,
                layer=paths.factories_layer,
                encoding=encoding,
                layer_option="--factories-layer",
            )
        zones = None
        if paths.zones is not None:
            step(f"读取片区 {paths.zones.name}", f"reading zones {paths.zones.name}")
            zones = vector.read_layer(
                paths.zones,
                report,
                kind="zones",
                working=crs,
                layer=paths.zones_layer,
                encoding=encoding,
                layer_option="--zones-layer",
            )
            if zones is not None:
                _zone_values(zones, report, files["zones"], str(zones.attrs.get("layer", "zones")))
        clusters = None
        if paths.clusters is not None:
            step(f"读取产业集群 {paths.clusters.name}", f"reading clusters {paths.clusters.name}")
            raw = vector.read_table(paths.clusters, report, kind="clusters", encoding=encoding)
            if raw is not None:
                clusters = vector.map_columns(raw, "clusters", report, file=files["clusters"])
        step(f"读取用地指标 {paths.quotas.name}", f"reading quotas {paths.quotas.name}")
        quotas = None
        raw = vector.read_table(paths.quotas, report, kind="quotas", encoding=encoding)
        if raw is not None:
            quotas = vector.map_columns(raw, "quotas", report, file=files["quotas"])
        step(f"读取项目库 {paths.projects.name}", f"reading projects {paths.projects.name}")
        projects = _read_projects(
            paths.projects, report, sheet=paths.sheet, encoding=encoding, clusters=clusters
        )
    # tier 1: files, encodings, CRS, the pipeline's own schema checks
    report.raise_if_errors()
    assert parcels is not None and projects is not None and quotas is not None
    if clusters is not None:
        parcels = vector.translate_clusters(parcels, "clusters", clusters)
        if factories is not None:
            factories = vector.translate_clusters(factories, "clusters", clusters)
    vector.check_area_column(parcels, report, file=files["parcels"])
    if factories is not None:
        vector.check_point_or_polygon(
            factories, report, file=files["factories"], layer="factories", id_column="factory_id"
        )
    # tier 2: schema and geometry
    tables = from_frames(
        parcels=parcels,
        factories=factories,
        projects=_as_cells(projects),
        quotas=quotas,
        clusters=clusters,
        zones=zones,
        report=report,
        file=None,
        crs=crs.to_string(),
        files=files,
    )
    report.raise_if_errors()
    # tier 3: references and arithmetic
    check_references(tables, report)
    report.raise_if_errors()
    return tables


def register(app: click.Group) -> None:
    """Add ``landalloc import`` to the app."""

    @app.command(
        "import",
        help="把 GIS 图层和表格导入为 landalloc 数据文件（GeoPackage） / "
        "build a landalloc GeoPackage from GIS layers and spreadsheets",
    )
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
        required=True,
        type=click.Path(path_type=Path),
        help="年度用地指标 .csv/.xlsx（年份、片区、指标(亩)） / yearly land quotas",
    )
    @click.option(
        "--clusters",
        type=click.Path(path_type=Path),
        help="产业集群 .csv/.xlsx（集群代码、名称、颜色） / industry clusters",
    )
    @click.option(
        "--zones", type=click.Path(path_type=Path), help="片区范围图层 / zone boundaries layer"
    )
    @click.option("--zones-layer", help="片区所在图层名 / layer name of the zones")
    @click.option(
        "--out",
        required=True,
        type=click.Path(path_type=Path),
        help="输出 GeoPackage 文件 / output GeoPackage",
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
        quotas: Path,
        clusters: Path | None,
        zones: Path | None,
        zones_layer: str | None,
        out: Path,
        encoding: str | None,
        working_crs: str,
        overwrite: bool,
        strict: bool,
    ) -> None:
        from landalloc.cli import lang_of

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
        _check_out(out, paths, overwrite)
        report = Report()
        tables = import_data(paths, report, working=working_crs, encoding=encoding, lang=lang)
        report.raise_if_errors(strict)
        write_tables(tables, out, overwrite=overwrite)
        if len(report):
            print_report(report, lang, console=out_console)
        _summary(tables, out, lang)


def _check_out(out: Path, paths: ImportPaths, overwrite: bool) -> None:
    if out.suffix.lower() != ".gpkg":
        raise fail(
            "bad_output",
            f"输出文件 {out} 必须是 .gpkg（GeoPackage）",
            f"the output {out} must be a .gpkg (GeoPackage)",
            file=str(out),
        )
    check_output_path(out, paths.inputs(), overwrite)


def _summary(tables: Tables, out: Path, lang: str) -> None:
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
