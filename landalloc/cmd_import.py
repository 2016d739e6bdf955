"""``landalloc import``: build a landalloc GeoPackage from GIS layers and spreadsheets.

Reads parcels (and optionally factories) from Shapefile / GeoJSON / GeoPackage / FileGDB, the
project pipeline through :func:`geodata.pipeline.read_pipeline`, quotas, clusters and zones from
``.csv`` / ``.xlsx`` or from a layer ``quotas`` / ``clusters`` / ``zones`` of a GeoPackage (the
one given to the option, or the ``--parcels`` GeoPackage when the option is left out), zones also
as a boundaries layer; checks everything in tiers (reading, encodings and CRS; schema and
geometry; references); writes the GeoPackage only when nothing blocks, atomically.

Without a clusters table the clusters are derived from the pipeline's cluster column (codes =
the names as written) with a warning. ``landalloc template DIR`` (registered here too) writes the
import kit: Excel templates for these tables (:mod:`landalloc.import_kit`).
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
import pyogrio
import shapely
from pyproj import CRS
from rich.progress import Progress, SpinnerColumn, TextColumn
from shapely.geometry import Polygon

from geodata import vector
from geodata.report import Problem, Report, fail
from geodata.schema import coerce_table, is_blank, normalise_id, normalise_text
from geodata.store import Tables, check_output_path, check_references, from_frames, write_tables
from landalloc.console import err_console, out_console, print_report, t

#: Tables that may come from a ``.csv`` / ``.xlsx`` or from a GeoPackage layer of that name.
TABLE_KINDS = ("quotas", "clusters", "zones")
_KIND_ZH = {"quotas": "用地指标", "clusters": "产业集群", "zones": "片区", "factories": "标准厂房"}
#: Map colours of clusters derived from the pipeline (in order of first appearance).
DERIVED_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
#: Margin (m) of the outline drawn around a zone's carriers when zones come as a table.
ZONE_OUTLINE_MARGIN_M = 60.0
KIT_HINT_ZH = "导入模板：landalloc template DIR"
KIT_HINT_EN = "templates: landalloc template DIR"


@dataclass(slots=True)
class ImportPaths:
    """The input files of one import (``None`` for an option not given)."""

    parcels: Path
    projects: Path
    quotas: Path | None = None
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
    from geodata.inputs import check_input_file  # a FIFO, device or folder would hang a reader

    for p in paths.inputs():
        if p.exists():  # a missing file is reported by its reader, with the other problems
            check_input_file(p, report, allow_dir=p.suffix.lower() == ".gdb", file=p.name)
    report.raise_if_errors()
    sources = _table_sources(paths, report)
    files = vector.files_of(
        {
            "parcels": paths.parcels,
            "factories": paths.factories,
            "projects": paths.projects,
            **{kind: src.path for kind, src in sources.items()},
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
        if "factories" in sources:
            src = sources["factories"]
            step(f"读取标准厂房 {src.path.name}", f"reading factories {src.path.name}")
            factories = vector.read_layer(
                src.path,
                report,
                kind="factories",
                working=crs,
                layer=src.layer,
                encoding=encoding,
                layer_option="--factories-layer",
            )
        zones: gpd.GeoDataFrame | None = None
        zone_table: pd.DataFrame | None = None
        if "zones" in sources:
            src = sources["zones"]
            step(f"读取片区 {src.path.name}", f"reading zones {src.path.name}")
            zones, zone_table = _read_zones(src, report, crs, encoding)
        clusters = None
        if "clusters" in sources:
            src = sources["clusters"]
            step(f"读取产业集群 {src.path.name}", f"reading clusters {src.path.name}")
            clusters = _read_attributes(src, "clusters", report, encoding)
        quotas = None
        if "quotas" in sources:
            src = sources["quotas"]
            step(f"读取用地指标 {src.path.name}", f"reading quotas {src.path.name}")
            quotas = _read_attributes(src, "quotas", report, encoding)
        step(f"读取项目库 {paths.projects.name}", f"reading projects {paths.projects.name}")
        projects = _read_projects(
            paths.projects, report, sheet=paths.sheet, encoding=encoding, clusters=clusters
        )
    # tier 1: files, encodings, CRS, the pipeline's own schema checks
    report.raise_if_errors()
    assert parcels is not None and projects is not None and quotas is not None
    derived = clusters is None
    if clusters is None:
        clusters = _derive_clusters(projects, report, files["projects"])
    parcels = vector.translate_clusters(parcels, "clusters", clusters)
    if factories is not None:
        factories = vector.translate_clusters(factories, "clusters", clusters)
    names = _zone_names(zone_table if zone_table is not None else zones)
    if names:
        parcels = _translate_zones(parcels, names)
        quotas = _translate_zones(quotas, names)
        if factories is not None:
            factories = _translate_zones(factories, names)
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
    if zone_table is not None:
        tables.zones = _zone_outlines(zone_table, tables)
    # tier 3: references and arithmetic
    found = Report()
    check_references(tables, found)
    if derived:
        _check_derived_clusters(tables, report)
        found = Report(
            [
                p
                for p in found
                if not (p.code == "unknown_cluster" and p.layer in ("parcels", "factories"))
            ]
        )
    report.extend(found)
    report.raise_if_errors()
    return tables


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a table comes from: a file, and the GeoPackage layer (``None``: its only table)."""

    path: Path
    layer: str | None = None


def _gpkg_layers(path: Path) -> dict[str, str | None] | None:
    """Layer name → geometry type (``None`` for a table) of a GeoPackage; ``None`` if unreadable."""
    try:
        listed = pyogrio.list_layers(path)
    except Exception:  # pyogrio raises DataSourceError and friends
        return None
    return {str(n): (None if g is None else str(g)) for n, g in listed}


def _is_gpkg(path: Path) -> bool:
    return path.suffix.lower() == ".gpkg"


def _table_sources(paths: ImportPaths, report: Report) -> dict[str, _Source]:
    """The source of quotas, clusters and zones: the option, else the ``--parcels`` GeoPackage
    (and of factories when not given: a spatial layer ``factories`` of that GeoPackage).

    A missing quotas table is an error (tier 1).
    """
    in_parcels: dict[str, str | None] = {}
    if _is_gpkg(paths.parcels) and paths.parcels.is_file():
        in_parcels = _gpkg_layers(paths.parcels) or {}
    out: dict[str, _Source] = {}
    if paths.factories is not None:
        out["factories"] = _Source(paths.factories, paths.factories_layer)
    elif in_parcels.get("factories"):  # a spatial layer factories
        out["factories"] = _Source(paths.parcels, "factories")
    for kind in TABLE_KINDS:
        given: Path | None = getattr(paths, kind)
        if given is not None:
            out[kind] = _Source(given, paths.zones_layer if kind == "zones" else None)
        elif kind in in_parcels:
            out[kind] = _Source(paths.parcels, kind)
    for kind in out:
        if out[kind].path == paths.parcels and out[kind].layer == kind:
            report.add(
                Problem(
                    "info",
                    "layer_from_parcels",
                    f"{_KIND_ZH[kind]}取自 {paths.parcels.name} 的图层 {kind}",
                    f"{kind} taken from layer {kind} of {paths.parcels.name}",
                    file=paths.parcels.name,
                    layer=kind,
                )
            )
    if "quotas" not in out:
        report.error(
            "missing_quotas",
            "缺少用地指标：请用 --quotas 给出 .csv、.xlsx 或含 quotas 图层的 .gpkg，或在 --parcels "
            "的 GeoPackage 中加入 quotas 图层",
            "no land quotas: give --quotas (.csv, .xlsx, or a .gpkg with a layer quotas) or add "
            "a layer quotas to the --parcels GeoPackage",
            hint_zh=f"列：年份、片区、用地指标(亩)；{KIT_HINT_ZH}",
            hint_en=f"columns year, zone, land_mu (年份, 片区, 用地指标(亩)); {KIT_HINT_EN}",
            layer="quotas",
        )
    return out


def _read_gpkg_table(path: Path, layer: str, report: Report, kind: str) -> pd.DataFrame | None:
    """The attributes of one GeoPackage layer as a table (geometry dropped); ``None`` on error."""
    if not path.is_file():
        report.error("no_file", f"找不到文件 {path}", f"file not found: {path}", file=str(path))
        return None
    layers = _gpkg_layers(path)
    if layers is None:
        report.error(
            "unreadable",
            "无法作为 GeoPackage 读取",
            "cannot read as a GeoPackage",
            file=path.name,
            layer=layer,
        )
        return None
    if layer not in layers:
        names = "、".join(layers) or "（无）"
        report.error(
            "missing_layer",
            f"找不到图层 {layer}；文件中的图层：{names}",
            f"layer {layer} not found; layers in the file: {', '.join(layers) or '(none)'}",
            hint_zh=f"图层名为 {kind}（{_KIND_ZH[kind]}），或给出 .csv/.xlsx；{KIT_HINT_ZH}",
            hint_en=f"a layer named {kind}, or a .csv/.xlsx; {KIT_HINT_EN}",
            file=path.name,
            layer=layer,
        )
        return None
    try:
        df = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    except Exception as exc:
        report.error(
            "unreadable", f"无法读取：{exc}", f"cannot read: {exc}", file=path.name, layer=layer
        )
        return None
    try:  # text kept in number fields, where available
        from geodata.rawcells import restore_text_cells

        df = restore_text_cells(path, layer, df)
    except ImportError:
        pass
    df = pd.DataFrame(df).drop(columns="geometry", errors="ignore")
    if len(df):
        blank = [all(is_blank(v) for v in row) for row in df.itertuples(index=False)]
        df = df.loc[[not b for b in blank]].reset_index(drop=True)
    df.columns = [normalise_text(c) for c in df.columns]
    return df


def _read_attributes(
    src: _Source, kind: str, report: Report, encoding: str | None
) -> pd.DataFrame | None:
    """Quotas or clusters from a ``.csv`` / ``.xlsx`` or a GeoPackage layer, headers mapped."""
    if _is_gpkg(src.path):
        layer = src.layer or kind
        raw = _read_gpkg_table(src.path, layer, report, kind)
    else:
        layer = kind
        raw = vector.read_table(src.path, report, kind=kind, encoding=encoding)
    if raw is None:
        return None
    return vector.map_columns(raw, kind, report, file=src.path.name, layer=layer)


def _read_zones(
    src: _Source, report: Report, crs: CRS, encoding: str | None
) -> tuple[gpd.GeoDataFrame | None, pd.DataFrame | None]:
    """Zones as boundaries (a vector layer) or as a table of codes and names.

    Returns ``(boundaries, None)`` or ``(None, table)``; the table is checked here (codes
    required and unique) and gets outlines around its carriers after the schema tier.
    """
    path = src.path
    table: pd.DataFrame | None = None
    layer = src.layer or "zones"
    if path.suffix.lower() in vector.TABLE_SUFFIXES:
        table = vector.read_table(path, report, kind="zones", encoding=encoding)
        if table is None:
            return None, None
    elif _is_gpkg(path) and path.is_file():
        layers = _gpkg_layers(path) or {}
        name = src.layer or ("zones" if "zones" in layers else None)
        if name is None and len(layers) == 1:
            name = next(iter(layers))
        if name is not None and name in layers and layers[name] is None:
            layer = name
            table = _read_gpkg_table(path, name, report, "zones")
            if table is None:
                return None, None
    if table is not None:
        mapped = vector.map_columns(table, "zones", report, file=path.name, layer=layer)
        checked = coerce_table(mapped, "zones", report, file=path.name)
        return None, checked
    zones = vector.read_layer(
        path,
        report,
        kind="zones",
        working=crs,
        layer=src.layer,
        encoding=encoding,
        layer_option="--zones-layer",
    )
    if zones is not None:
        _zone_values(zones, report, path.name, str(zones.attrs.get("layer", "zones")))
    return zones, None


def _zone_names(zones: pd.DataFrame | None) -> dict[str, str]:
    """Zone name (Chinese or English) → code, for names that are not themselves codes."""
    if zones is None or "zone" not in zones.columns:
        return {}
    codes = {normalise_id(z) for z in zones["zone"].tolist()}
    out: dict[str, str] = {}
    for col in ("name_zh", "name_en"):
        if col not in zones.columns:
            continue
        for code, name in zip(zones["zone"].tolist(), zones[col].tolist(), strict=True):
            key = normalise_text(name)
            if key and key not in codes and not is_blank(code):
                out.setdefault(key, normalise_id(code))
    return out


def _translate_zones(df: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Replace zone names by their codes in the ``zone`` column (codes and others unchanged)."""
    if "zone" not in df.columns:
        return df
    out = df.copy()
    out["zone"] = [names.get(normalise_text(v), v) for v in out["zone"].tolist()]
    return out


def _zone_outlines(table: pd.DataFrame, tables: Tables) -> gpd.GeoDataFrame:
    """The zones table with an outline per zone: the hull of its parcels and factories plus
    :data:`ZONE_OUTLINE_MARGIN_M` (an empty polygon for a zone without carriers); the column
    ``boundary`` says ``derived``."""
    parts: dict[str, list[object]] = {}
    for df in (tables.parcels, tables.factories):
        if len(df) == 0:
            continue
        for zone, geom in zip(df["zone"].tolist(), df.geometry.tolist(), strict=True):
            if geom is not None and not geom.is_empty:
                parts.setdefault(str(zone), []).append(geom)
    outlines = []
    for zone in table["zone"].tolist():
        geoms = parts.get(str(zone))
        if geoms:
            hull = shapely.union_all(geoms).convex_hull
            outlines.append(hull.buffer(ZONE_OUTLINE_MARGIN_M))
        else:
            outlines.append(Polygon())
    cols = [c for c in ("zone", "name_zh", "name_en") if c in table.columns]
    out = table[cols].reset_index(drop=True).copy()
    out["boundary"] = "derived"
    return gpd.GeoDataFrame(out, geometry=outlines, crs=tables.parcels.crs or tables.crs)


def _derive_clusters(projects: pd.DataFrame, report: Report, file: str) -> pd.DataFrame:
    """Clusters from the pipeline's cluster column: codes = the names as written; a warning."""
    values = projects["cluster"].tolist() if "cluster" in projects.columns else []
    names = list(dict.fromkeys(normalise_text(v) for v in values if not is_blank(v)))
    shown = "、".join(names[:12]) + ("…" if len(names) > 12 else "")
    shown_en = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    report.warning(
        "derived_clusters",
        f"未提供产业集群表（--clusters）：已按项目库的产业集群列生成 {len(names)} 个产业集群，"
        f"代码即名称：{shown}",
        f"no clusters table (--clusters): {len(names)} clusters were derived from the pipeline's "
        f"cluster column, codes = the names as written: {shown_en}",
        hint_zh="需要集群代码、英文名称、颜色或链主位置时，用 --clusters 给出产业集群表（"
        f"{KIT_HINT_ZH}）",
        hint_en="--clusters with a clusters table, for codes, English names, colours or anchor "
        f"firms ({KIT_HINT_EN})",
        file=file,
        layer="clusters",
    )
    return pd.DataFrame(
        {
            "cluster": names,
            "name_zh": names,
            "name_en": names,
            "color": [DERIVED_COLORS[i % len(DERIVED_COLORS)] for i in range(len(names))],
        },
        dtype=object,
    )


def _check_derived_clusters(tables: Tables, report: Report) -> None:
    """With derived clusters: one error per admitted cluster of parcels/factories that no
    project names (instead of one per row), saying where the clusters came from."""
    codes = [str(c) for c in tables.clusters["cluster"].tolist()]
    known = set(codes)
    unknown: dict[tuple[str, str], list[int]] = {}
    for layer, df in (("parcels", tables.parcels), ("factories", tables.factories)):
        for i, v in enumerate(df["clusters"].tolist()):
            for c in v:
                if c not in known:
                    unknown.setdefault((layer, str(c)), []).append(i + 1)
    listed = "、".join(codes)
    for (layer, code), rows in unknown.items():
        what = "地块" if layer == "parcels" else "标准厂房"
        report.error(
            "unknown_cluster",
            f"{what}的准入产业 “{code}” 不是项目库中的产业集群（{len(rows)} 行，首见第 {rows[0]} 行）；"
            "未提供产业集群表（--clusters），集群由项目库的名称生成，代码即名称",
            f"cluster '{code}' admitted by {layer} is not a cluster of the pipeline ({len(rows)} "
            f"rows, first row {rows[0]}); without a clusters table (--clusters) the clusters are "
            "the pipeline's names",
            hint_zh=f"项目库中的产业集群：{listed}；或用 --clusters 给出集群代码与名称对照表（"
            f"{KIT_HINT_ZH}）",
            hint_en=f"the pipeline's clusters: {', '.join(codes)}; or --clusters with codes and "
            f"names ({KIT_HINT_EN})",
            file=tables.file_of(layer),
            layer=layer,
            row=rows[0],
            column="clusters",
        )


def register(app: click.Group) -> None:
    """Add ``landalloc import`` to the app."""

    @app.command("import", help=IMPORT_HELP)
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
        quotas: Path | None,
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

    @app.command("template", help=TEMPLATE_HELP)
    @click.argument("directory", type=click.Path(path_type=Path))
    @click.option("--overwrite", is_flag=True, help="覆盖已有模板 / replace existing templates")
    @click.pass_context
    def template_cmd(ctx: click.Context, directory: Path, overwrite: bool) -> None:
        from landalloc import import_kit
        from landalloc.cli import lang_of

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
