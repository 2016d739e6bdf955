"""Assembly of the demo district: :func:`generate` the tables, :func:`write_demo` the files.

The order of the random draws is part of the data (the same seed always gives the same tables):
projects first (the largest shapes a block of parcels that can be merged for it), then parcels,
factories, the layout of each zone and of the district, oversized demands, quotas and pins;
then what the first year has already committed (:mod:`.committed`, no random draw).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.crs import DEFAULT_WORKING_CRS
from geodata.geometry import check_parcel_geometry
from geodata.report import Report
from geodata.schema import LAYERS
from geodata.store import (
    Tables,
    atomic_path,
    check_output_path,
    check_references,
    write_tables,
)
from geodata.units import M2_PER_MU
from landalloc.demo.carriers import draw_factories, draw_parcels
from landalloc.demo.catalogue import (
    CLUSTERS,
    DEFAULT_FACTORIES,
    DEFAULT_FIRST_YEAR,
    DEFAULT_PARCELS,
    DEFAULT_PROJECTS,
    DEFAULT_QUOTA_RATIO,
    DEFAULT_YEARS,
    DEFAULT_ZONES,
    DEMO_SEED,
    ZoneSpec,
    check_params,
    zone_specs,
)
from landalloc.demo.committed import commit
from landalloc.demo.layout import lay_out_district
from landalloc.demo.pins import pin
from landalloc.demo.projects import draw_projects, fix_oversized, quota_rows
from landalloc.demo.workbook import XLSX_FORMS, write_pipeline_xlsx


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """Headline figures of a demo district (what the CLI prints)."""

    parcels: int
    parcel_mu: float
    factories: int
    factory_m2: float
    projects: int
    signed: int
    land_demand_mu: float
    tiers: dict[float, int]
    quotas: dict[int, float]
    pinned: int
    zones: int
    #: parcels already supplied, district quota already used per year (亩), 存量 parcels
    supplied: int = 0
    quota_used: dict[int, float] | None = None
    stock: int = 0


def generate(
    seed: int = DEMO_SEED,
    *,
    n_zones: int = DEFAULT_ZONES,
    n_parcels: int = DEFAULT_PARCELS,
    n_factories: int = DEFAULT_FACTORIES,
    n_projects: int = DEFAULT_PROJECTS,
    first_year: int = DEFAULT_FIRST_YEAR,
    n_years: int = DEFAULT_YEARS,
    quota_ratio: float = DEFAULT_QUOTA_RATIO,
) -> Tables:
    """Generate the demonstration district.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed and parameters give the same tables.
    n_zones
        Number of zones (:data:`ZONES_RANGE`): the six of 苏州高新区 first, then generic ones.
    n_parcels, n_factories, n_projects
        Exact numbers of parcels, standard factories and pipeline projects.
    first_year, n_years
        The planning years ``first_year … first_year + n_years - 1`` (quotas, availability,
        start years).
    quota_ratio
        Total district quota over all years divided by the projects' total land demand (0.6: the
        demand is about 1.7 times what can be supplied, so not every project can be placed).

    Returns
    -------
    Tables
        All contract layers plus a ``zones`` layer, in EPSG:4549, in the typed form of the schema
        tier, after the parcel geometry checks and the reference tier.

    Raises
    ------
    DataError
        When a parameter is out of range.
    """
    check_params(
        n_zones=n_zones,
        n_parcels=n_parcels,
        n_factories=n_factories,
        n_projects=n_projects,
        first_year=first_year,
        n_years=n_years,
        quota_ratio=quota_ratio,
    )
    rng = np.random.default_rng(seed)
    years = list(range(first_year, first_year + n_years))
    zones = zone_specs(n_zones)
    # projects first: the largest one shapes a block of parcels that can be merged for it
    projects = draw_projects(rng, n_projects, first_year, years)
    mega = next((p for p in projects if p["investment_yi"] >= 100), None)
    par = draw_parcels(rng, zones, n_parcels, years, mega)
    fac_zone, fac_cols, fac_w, fac_d = draw_factories(rng, zones, n_factories, years)
    parcel_xy, factory_xy, outlines = lay_out_district(
        rng,
        zones,
        par.zone_of,
        par.area_mu * M2_PER_MU,
        par.block_size,
        par.mega_zone,
        fac_zone,
        fac_w,
        fac_d,
    )
    fix_oversized(rng, projects, float(par.area_mu.max()), mega)
    quotas = quota_rows(projects, years, zones, quota_ratio)
    pin(rng, projects, par.cols, fac_cols, quotas, n_pins=min(12, max(3, n_projects // 50)))
    commit(projects, par.cols, quotas, zones, first_year)
    return _assemble(zones, par.cols, fac_cols, projects, quotas, (parcel_xy, factory_xy, outlines))


def _assemble(
    zones: Sequence[ZoneSpec],
    par_cols: dict[str, list[Any]],
    fac_cols: dict[str, list[Any]],
    projects: list[dict[str, Any]],
    quotas: list[dict[str, Any]],
    geometry: tuple[np.ndarray, np.ndarray, list[Any]],
) -> Tables:
    """The tables from the generated rows and geometry (parcels, factories, zone outlines),
    after the parcel geometry checks and the reference tier."""
    crs = DEFAULT_WORKING_CRS
    parcel_xy, factory_xy, outlines = geometry
    parcels_gdf = _geo_frame(par_cols, LAYERS["parcels"], shapely.polygons(parcel_xy), crs)
    factories_gdf = _geo_frame(fac_cols, LAYERS["factories"], shapely.polygons(factory_xy), crs)
    clusters = _clusters(parcels_gdf, zones)
    zone_frame = gpd.GeoDataFrame(
        {
            "zone": [z.code for z in zones],
            "name_zh": [z.name_zh for z in zones],
            "name_en": [z.name_en for z in zones],
            "focus_clusters": [";".join(z.focus) for z in zones],
        },
        geometry=outlines,
        crs=crs,
    )
    report = Report()
    parcels_gdf = check_parcel_geometry(parcels_gdf, report, file=None)
    tables = Tables(
        parcels=parcels_gdf,
        factories=factories_gdf,
        projects=_frame({k: [p[k] for p in projects] for k in projects[0]}, LAYERS["projects"]),
        quotas=_frame(
            {k: [q[k] for q in quotas] for k in ("year", "zone", "land_mu", "used_mu")},
            LAYERS["quotas"],
        ),
        clusters=_frame(clusters, LAYERS["clusters"]),
        zones=zone_frame,
        crs=crs,
    )
    if not report.errors:
        check_references(tables, report)
    if report.problems:
        # the generator is wrong, not the user's input
        raise RuntimeError(
            "demo generator produced invalid data:\n" + "\n".join(p.text("en") for p in report)
        )
    return tables


def _frame(cols: dict[str, list[Any]], spec: Sequence[Any]) -> pd.DataFrame:
    """A table in the schema tier's typed form: object columns in contract order."""
    return pd.DataFrame({c.name: pd.Series(cols[c.name], dtype=object) for c in spec})


def _geo_frame(
    cols: dict[str, list[Any]], spec: Sequence[Any], geoms: np.ndarray, crs: str
) -> gpd.GeoDataFrame:
    """A layer with geometry in the schema tier's typed form."""
    return gpd.GeoDataFrame(_frame(cols, spec), geometry=list(geoms), crs=crs)


def _clusters(parcels: gpd.GeoDataFrame, zones: Sequence[ZoneSpec]) -> dict[str, list[Any]]:
    """Cluster table; the 链主 anchor sits on the largest parcel of the cluster's first focus zone."""
    pts = parcels.geometry.representative_point()
    area = parcels["area_mu"].astype(float).to_numpy()
    zone = parcels["zone"].to_numpy()
    rows: dict[str, list[Any]] = {
        k: [] for k in ("cluster", "name_zh", "name_en", "color", "anchor_x", "anchor_y")
    }
    for c in CLUSTERS:
        home = next((z.code for z in zones if c.code in z.focus), None)
        member = np.array([c.code in v for v in parcels["clusters"]], dtype=bool)
        for mask in (member & (zone == home), zone == home, member, np.ones(len(area), bool)):
            if mask.any():
                break
        j = int(np.flatnonzero(mask)[np.argmax(area[mask])])
        rows["cluster"].append(c.code)
        rows["name_zh"].append(c.name_zh)
        rows["name_en"].append(c.name_en)
        rows["color"].append(c.color)
        rows["anchor_x"].append(round(float(pts.iloc[j].x), 1))
        rows["anchor_y"].append(round(float(pts.iloc[j].y), 1))
    return rows


def summarise(tables: Tables) -> DemoSummary:
    """Headline figures of a generated district."""
    pro = tables.projects
    inv = pro["investment_yi"].astype(float)
    land_rows = pro[pro["carrier"] != "factory"]
    quo = tables.quotas
    return DemoSummary(
        parcels=len(tables.parcels),
        parcel_mu=float(tables.parcels["area_mu"].astype(float).sum()),
        factories=len(tables.factories),
        factory_m2=float(tables.factories["floor_area_m2"].astype(float).sum()),
        projects=len(pro),
        signed=int((pro["stage"] == "signed").sum()),
        land_demand_mu=float(land_rows["land_mu"].astype(float).sum()),
        tiers={t: int((inv >= t).sum()) for t in (1.0, 10.0, 50.0, 100.0)},
        quotas={
            int(y): float(q)
            for y, z, q in zip(quo["year"], quo["zone"], quo["land_mu"], strict=True)
            if z == "*"
        },
        pinned=int((pro["pinned_carrier"].astype(str) != "").sum()),
        zones=len(tables.zones) if tables.zones is not None else 0,
        supplied=sum(1 for v in tables.parcels.get("supplied", []) if v in (True,)),
        quota_used={
            int(y): float(u)
            for y, z, u in zip(
                quo["year"], quo["zone"], quo.get("used_mu", [0.0] * len(quo)), strict=True
            )
            if z == "*" and u
        },
        stock=sum(1 for v in tables.parcels.get("stock", []) if v in (True,)),
    )


def write_demo(
    path: str | Path,
    *,
    seed: int = DEMO_SEED,
    n_zones: int = DEFAULT_ZONES,
    n_parcels: int = DEFAULT_PARCELS,
    n_factories: int = DEFAULT_FACTORIES,
    n_projects: int = DEFAULT_PROJECTS,
    first_year: int = DEFAULT_FIRST_YEAR,
    n_years: int = DEFAULT_YEARS,
    quota_ratio: float = DEFAULT_QUOTA_RATIO,
    xlsx: str | Path | None = None,
    xlsx_form: str = "messy",
    overwrite: bool = False,
) -> Tables:
    """Generate the district and write it as a GeoPackage (and the projects as ``.xlsx``).

    Both files are written to temporary names first and renamed only when both are complete, so a
    failed run leaves nothing behind. Raises :class:`~geodata.report.DataError` for bad
    parameters or an output that exists without ``overwrite``.

    Parameters
    ----------
    path
        The GeoPackage to write.
    seed, n_zones, n_parcels, n_factories, n_projects, first_year, n_years, quota_ratio
        As for :func:`generate`.
    xlsx
        When given, the projects are also written there as a 项目库 workbook readable by
        :func:`geodata.pipeline.read_pipeline` (see :func:`write_pipeline_xlsx`).
    xlsx_form
        ``"messy"`` (default: title row, synonyms, units, merged cells, full-width digits, as
        kept in practice) or ``"plain"`` (one column per contract column).
    overwrite
        Replace existing files.

    Returns
    -------
    Tables
        The generated tables.
    """
    if xlsx_form not in XLSX_FORMS:
        raise ValueError(f"unknown xlsx form {xlsx_form!r}; expected one of {XLSX_FORMS}")
    path = Path(path)
    targets = [path] + ([Path(xlsx)] if xlsx is not None else [])
    for target in targets:
        check_output_path(target, [t for t in targets if t is not target], overwrite)
    tables = generate(
        seed,
        n_zones=n_zones,
        n_parcels=n_parcels,
        n_factories=n_factories,
        n_projects=n_projects,
        first_year=first_year,
        n_years=n_years,
        quota_ratio=quota_ratio,
    )
    with ExitStack() as stack:
        tmp_gpkg = stack.enter_context(atomic_path(path))
        if xlsx is not None:
            tmp_xlsx = stack.enter_context(atomic_path(xlsx))
            write_pipeline_xlsx(tables, tmp_xlsx, xlsx_form)
        write_tables(tables, tmp_gpkg)
    return tables
