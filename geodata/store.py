"""The GeoPackage store: read + validate in tiers, build the :class:`Instance`, write atomically.

Validation tiers, each collecting all its problems into one :class:`~geodata.report.Report`
(a tier that finds errors does not stop the later ones: they run on what could be read, so one
run lists every problem it can):

1. *schema* — layers and required columns present, every cell parsed and range-checked
   (:func:`geodata.schema.coerce_table`);
2. *geodata* — CRS declared, sane and projected, geometries non-empty polygons, repaired when
   invalid, no overlaps (:mod:`geodata.crs`, :mod:`geodata.geometry`);
3. *references and arithmetic* — codes that must match, pins that must exist, pinned land that
   must fit the quotas, projects no parcel group can hold (:func:`check_references`).

This module reads and runs the tiers; :class:`Tables` (:mod:`geodata.tables`), tier 3
(:mod:`geodata.references`), :func:`build_instance` (:mod:`geodata.build`) and the writing
(:mod:`geodata.write`) are their own modules, importable from here.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from geodata import crs as crs_mod
from geodata import geometry as geom_mod
from geodata.build import build_instance
from geodata.inputs import check_input_file
from geodata.instance import Instance
from geodata.postgis_url import db_url, source_label
from geodata.rawcells import restore_text_cells
from geodata.references import check_references
from geodata.report import DataError, Problem, Report
from geodata.schema import LAYERS, coerce_table
from geodata.tables import Tables
from geodata.units import M2_PER_MU
from geodata.write import atomic_path, check_output_path, write_tables
from geodata.write import replace_projects as replace_projects

REQUIRED_LAYERS = ("parcels", "projects", "quotas")
OPTIONAL_LAYERS = ("factories", "clusters", "zones")


def _empty_gdf(layer: str, crs: str) -> gpd.GeoDataFrame:
    cols = [c.name for c in LAYERS[layer]]
    return gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def read_tables(path: str | Path, report: Report) -> Tables | None:
    """Read a landalloc GeoPackage, or a PostGIS schema, through the schema and geodata tiers.

    ``path`` is a GeoPackage file or a ``postgresql://…/db?schema=…`` URL
    (:mod:`geodata.postgis`): both are read into the same frames and checked by the same code,
    so their messages are the same (a database's name the schema, the table, row and column).
    Returns ``None`` when a layer could not be read at all; otherwise the tables, with problems
    in ``report`` (the caller decides whether they block).
    """
    url = db_url(path)
    if url is not None:
        from geodata.postgis import read_frames

        got = read_frames(url, report, required=REQUIRED_LAYERS)
        source = url
    else:
        got = _read_gpkg_frames(Path(path), report)
        source = str(path)
    if got is None:
        return None
    frames, fname = got
    geo, unread, working = _to_working_crs(frames, report, fname)
    working_str = working.to_string() if working is not None else crs_mod.DEFAULT_WORKING_CRS
    for layer in sorted(unread & {"parcels", "factories"}):  # no geometry: check cells anyway
        attrs = pd.DataFrame(frames[layer]).drop(columns="geometry", errors="ignore")
        coerce_table(attrs, layer, report, file=fname)
    tables = from_frames(
        parcels=geo.get("parcels"),
        factories=geo.get("factories"),
        projects=frames["projects"],
        quotas=frames["quotas"],
        clusters=frames.get("clusters"),
        zones=geo.get("zones"),
        report=report,
        file=fname,
        crs=working_str,
    )
    tables.source = source
    tables.unread = tables.unread | frozenset(unread)
    crs_mod.drop_empty_after_crs(report)  # a refused CRS is not also an empty layer
    return tables


def _read_gpkg_frames(p: Path, report: Report) -> tuple[dict[str, pd.DataFrame], str] | None:
    """The layers of a GeoPackage as read (text in number fields put back), and its name."""
    fname = p.name
    if not check_input_file(p, report):  # missing, or a FIFO, directory, device: never opened
        return None
    try:
        listed = pyogrio.list_layers(p)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        report.error(
            "unreadable",
            f"无法作为 GeoPackage 读取：{exc}",
            f"cannot read as GeoPackage: {exc}",
            file=fname,
        )
        return None
    names = {str(n) for n in listed[:, 0]}
    missing = [n for n in REQUIRED_LAYERS if n not in names]
    if missing:
        report.error(
            "missing_layer",
            f"缺少图层 {', '.join(missing)}；文件中的图层：{', '.join(sorted(names)) or '（无）'}",
            f"missing layer(s) {', '.join(missing)}; layers found: {', '.join(sorted(names))}",
            file=fname,
        )
        return None
    frames: dict[str, pd.DataFrame] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for layer in (*REQUIRED_LAYERS, *OPTIONAL_LAYERS):
            if layer in names:
                # text kept in number fields is read by GDAL as 0: put it back for the checks
                frames[layer] = restore_text_cells(
                    p, layer, gpd.read_file(p, layer=layer, engine="pyogrio")
                )
    return frames, fname


def _to_working_crs(
    frames: dict[str, pd.DataFrame], report: Report, fname: str
) -> tuple[dict[str, gpd.GeoDataFrame], set[str], CRS | None]:
    """The geodata tier: the spatial layers checked and projected to one working CRS (chosen
    from the first layer with a sane CRS), the layers that could not be used, the CRS."""
    working: CRS | None = None
    geo: dict[str, gpd.GeoDataFrame] = {}
    unread: set[str] = set()
    for layer in ("parcels", "factories", "zones"):
        if layer not in frames:
            continue
        gdf = frames[layer]
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
            report.error(
                "no_geometry", "图层没有几何列", "layer has no geometry", file=fname, layer=layer
            )
            unread.add(layer)
            continue
        if len(gdf) == 0:
            geo[layer] = gdf
            continue
        layer_crs = crs_mod.check_crs(gdf, report, file=fname, layer=layer)
        if layer_crs is None:
            unread.add(layer)
            continue
        if working is None:
            working = crs_mod.working_crs_for(layer_crs, gdf)
        geo[layer] = crs_mod.to_working(gdf, working)
    return geo, unread, working


def from_frames(
    *,
    parcels: gpd.GeoDataFrame | None,
    factories: gpd.GeoDataFrame | None,
    projects: pd.DataFrame,
    quotas: pd.DataFrame,
    clusters: pd.DataFrame | None,
    zones: gpd.GeoDataFrame | None,
    report: Report,
    file: str | None,
    crs: str = crs_mod.DEFAULT_WORKING_CRS,
    files: dict[str, str] | None = None,
) -> Tables:
    """Run the schema tier (and parcel geometry checks) on frames already in a projected CRS.

    ``files`` optionally names the source file of each layer for messages (default ``file``).
    """
    files = dict(files or {})

    def _f(layer: str) -> str | None:
        return files.get(layer, file) if file is not None else files.get(layer)

    if parcels is None:
        parcels = _empty_gdf("parcels", crs)
    if factories is None or len(factories) == 0:
        factories = _empty_gdf("factories", crs)
        fac = factories
    else:
        fac = coerce_table(factories, "factories", report, file=_f("factories"))
    par = _typed_parcels(parcels, report, _f("parcels"))
    pro = coerce_table(
        projects.drop(columns="geometry", errors="ignore"), "projects", report, file=_f("projects")
    )
    quo = coerce_table(
        quotas.drop(columns="geometry", errors="ignore"), "quotas", report, file=_f("quotas")
    )
    if clusters is None or len(clusters) == 0:
        clu = _clusters_of(pro)
    else:
        clu = coerce_table(
            clusters.drop(columns="geometry", errors="ignore"),
            "clusters",
            report,
            file=_f("clusters"),
        )
    # a layer missing a required column has no rows (reported): give it every contract column
    # so that the later tiers can run, and note it so that references into it are not checked
    typed = {"parcels": par, "factories": fac, "projects": pro, "quotas": quo, "clusters": clu}
    unread = set()
    for layer, df in typed.items():
        absent = [c.name for c in LAYERS[layer] if c.name not in df.columns]
        if absent:
            unread.add(layer)
            typed[layer] = df.reindex(columns=[*df.columns, *absent]).iloc[0:0]
    par, fac, pro, quo, clu = (typed[k] for k in typed)
    if "geometry" not in par.columns:
        par = par.assign(geometry=gpd.GeoSeries([], crs=parcels.crs or crs))
    if "geometry" not in fac.columns:
        fac = fac.assign(geometry=gpd.GeoSeries([], crs=factories.crs or crs))
    return Tables(
        parcels=gpd.GeoDataFrame(par, geometry="geometry", crs=parcels.crs or crs),
        factories=gpd.GeoDataFrame(fac, geometry="geometry", crs=factories.crs or crs),
        projects=pro,
        quotas=quo,
        clusters=clu,
        zones=zones,
        crs=crs,
        source=file or "",
        files=files,
        unread=frozenset(unread),
    )


def _typed_parcels(parcels: gpd.GeoDataFrame, report: Report, file: str | None) -> pd.DataFrame:
    """The schema tier on the parcels, their geometry checked (and repaired) and a blank area
    computed from the geometry."""
    par = coerce_table(parcels, "parcels", report, file=file)
    if "geometry" in par.columns and len(par):
        par = geom_mod.check_parcel_geometry(
            gpd.GeoDataFrame(par, crs=parcels.crs), report, file=file
        )
        computed = geom_mod.area_mu(par)
        given = par["area_mu"].tolist()
        par["area_mu"] = [
            float(g) if g is not None and not pd.isna(g) else float(c)
            for g, c in zip(given, computed, strict=True)
        ]
    return par


def _clusters_of(projects: pd.DataFrame) -> pd.DataFrame:
    """Without a clusters table: one cluster per code the projects use, named by its code."""
    codes = sorted({str(c) for c in projects.get("cluster", []) if c})
    return pd.DataFrame(
        {
            "cluster": codes,
            "name_zh": codes,
            "name_en": codes,
            "color": ["#888888"] * len(codes),
            "anchor_x": None,
            "anchor_y": None,
        }
    )


def validate(path: str | Path, *, strict: bool = False) -> tuple[Tables | None, Report]:
    """Run all three tiers on a GeoPackage or a PostGIS schema (a ``postgresql://`` URL);
    return the tables (when readable) and the report."""
    report = Report()
    tables = read_tables(path, report)
    if tables is None:
        return None, report
    if not report.errors:
        check_references(tables, report)
        return tables, report
    # earlier tiers found errors: run the last one on what could be read, so that one run lists
    # every problem; it is best effort on partial data, never a crash hiding the errors found
    before = len(report.problems)
    try:
        check_references(tables, report)
    except Exception:
        del report.problems[before:]
        report.add(
            Problem(
                "info",
                "references_not_checked",
                "因上述错误，引用与指标检查未能全部完成；修正后请再次检查",
                "because of the errors above, the reference and quota checks could not all "
                "run; check again after fixing them",
                file=source_label(path),
            )
        )
    return tables, report


def load(path: str | Path, *, strict: bool = False) -> tuple[Instance, Tables, Report]:
    """Validate and build the instance; raise :class:`DataError` when the data block a run."""
    tables, report = validate(path, strict=strict)
    report.raise_if_errors(strict)
    assert tables is not None
    return build_instance(tables), tables, report


__all__ = [
    "M2_PER_MU",
    "DataError",
    "Tables",
    "atomic_path",
    "build_instance",
    "check_output_path",
    "check_references",
    "load",
    "read_tables",
    "validate",
    "write_tables",
]
