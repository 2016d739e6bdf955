"""Import: build landalloc tables from GIS layers and spreadsheets (``landalloc import``).

Reads parcels (and optionally factories) from Shapefile / GeoJSON / GeoPackage / FileGDB, the
project pipeline through :func:`geodata.pipeline.read_pipeline`, quotas, clusters and zones from
``.csv`` / ``.xlsx`` or from a layer ``quotas`` / ``clusters`` / ``zones`` of a GeoPackage (the
one given, or the parcels GeoPackage when none is given), zones also as a boundaries layer; checks
everything in tiers (reading, encodings and CRS; schema and geometry; references) and returns
the tables ready to write (:func:`geodata.store.write_tables`).

Without a clusters table the clusters are derived from the pipeline's cluster column (codes =
the names as written) with a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from geodata import vector
from geodata.import_tables import (
    KIND_ZH,
    KIT_HINT_EN,
    KIT_HINT_ZH,
    TABLE_KINDS,
    Source,
    gpkg_layers,
    is_gpkg,
    read_attributes,
    read_zones,
    translate_zones,
    zone_names,
    zone_outlines,
)
from geodata.report import Problem, Report
from geodata.schema import is_blank, normalise_text
from geodata.store import Tables, check_references, from_frames

#: Map colours of clusters derived from the pipeline (in order of first appearance).
DERIVED_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
#: Shows the step being done: ``step(zh, en)``.
Step = Callable[[str, str], None]
#: Makes the progress display of an import: a context giving its :data:`Step`.
Progress = Callable[[], AbstractContextManager[Step]]


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


def import_data(
    paths: ImportPaths,
    report: Report,
    *,
    working: str = "EPSG:4549",
    encoding: str | None = None,
    progress: Progress | None = None,
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
    progress
        The progress display while the files are read (default: none).

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
    with (progress or _no_progress)() as step:
        read = _read_inputs(paths, sources, report, crs, encoding, step)
    # tier 1: files, encodings, CRS, the pipeline's own schema checks
    report.raise_if_errors()
    return _checked_tables(read, report, crs, files)


def _no_progress() -> AbstractContextManager[Step]:
    return nullcontext(lambda zh, en: None)


@dataclass(slots=True)
class _Read:
    """The inputs as read (``None``: not given, or not readable)."""

    parcels: gpd.GeoDataFrame | None
    projects: pd.DataFrame | None
    quotas: pd.DataFrame | None
    factories: gpd.GeoDataFrame | None = None
    clusters: pd.DataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    zone_table: pd.DataFrame | None = None


def _read_inputs(
    paths: ImportPaths,
    sources: dict[str, Source],
    report: Report,
    crs: CRS,
    encoding: str | None,
    step: Step,
) -> _Read:
    """Read every input (tier 1), showing each file with ``step``."""
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
    read = _Read(parcels, None, None)
    if "factories" in sources:
        src = sources["factories"]
        step(f"读取标准厂房 {src.path.name}", f"reading factories {src.path.name}")
        read.factories = vector.read_layer(
            src.path,
            report,
            kind="factories",
            working=crs,
            layer=src.layer,
            encoding=encoding,
            layer_option="--factories-layer",
        )
    if "zones" in sources:
        src = sources["zones"]
        step(f"读取片区 {src.path.name}", f"reading zones {src.path.name}")
        read.zones, read.zone_table = read_zones(src, report, crs, encoding)
    if "clusters" in sources:
        src = sources["clusters"]
        step(f"读取产业集群 {src.path.name}", f"reading clusters {src.path.name}")
        read.clusters = read_attributes(src, "clusters", report, encoding)
    if "quotas" in sources:
        src = sources["quotas"]
        step(f"读取用地指标 {src.path.name}", f"reading quotas {src.path.name}")
        read.quotas = read_attributes(src, "quotas", report, encoding)
    step(f"读取项目库 {paths.projects.name}", f"reading projects {paths.projects.name}")
    read.projects = _read_projects(
        paths.projects, report, sheet=paths.sheet, encoding=encoding, clusters=read.clusters
    )
    return read


def _checked_tables(read: _Read, report: Report, crs: CRS, files: dict[str, str]) -> Tables:
    """Convert what was read (cluster and zone names to codes) and check it: tiers 2 and 3."""
    parcels, projects, quotas = read.parcels, read.projects, read.quotas
    factories, clusters = read.factories, read.clusters
    assert parcels is not None and projects is not None and quotas is not None
    derived = clusters is None
    if clusters is None:
        clusters = _derive_clusters(projects, report, files["projects"])
    parcels = vector.translate_clusters(parcels, "clusters", clusters)
    if factories is not None:
        factories = vector.translate_clusters(factories, "clusters", clusters)
    names = zone_names(read.zone_table if read.zone_table is not None else read.zones)
    if names:
        parcels = translate_zones(parcels, names)
        quotas = translate_zones(quotas, names)
        if factories is not None:
            factories = translate_zones(factories, names)
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
        zones=read.zones,
        report=report,
        file=None,
        crs=crs.to_string(),
        files=files,
    )
    report.raise_if_errors()
    if read.zone_table is not None:
        tables.zones = zone_outlines(read.zone_table, tables)
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


def _table_sources(paths: ImportPaths, report: Report) -> dict[str, Source]:
    """The source of quotas, clusters and zones: the option, else the ``--parcels`` GeoPackage
    (and of factories when not given: a spatial layer ``factories`` of that GeoPackage).

    A missing quotas table is an error (tier 1).
    """
    in_parcels: dict[str, str | None] = {}
    if is_gpkg(paths.parcels) and paths.parcels.is_file():
        in_parcels = gpkg_layers(paths.parcels) or {}
    out: dict[str, Source] = {}
    if paths.factories is not None:
        out["factories"] = Source(paths.factories, paths.factories_layer)
    elif in_parcels.get("factories"):  # a spatial layer factories
        out["factories"] = Source(paths.parcels, "factories")
    for kind in TABLE_KINDS:
        given: Path | None = getattr(paths, kind)
        if given is not None:
            out[kind] = Source(given, paths.zones_layer if kind == "zones" else None)
        elif kind in in_parcels:
            out[kind] = Source(paths.parcels, kind)
    for kind in out:
        if out[kind].path == paths.parcels and out[kind].layer == kind:
            report.add(
                Problem(
                    "info",
                    "layer_from_parcels",
                    f"{KIND_ZH[kind]}取自 {paths.parcels.name} 的图层 {kind}",
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
