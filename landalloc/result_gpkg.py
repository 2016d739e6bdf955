"""``result.gpkg``: the placement on its carriers, for QGIS.

Layers:

* ``parcels`` and ``factories``: ONE feature per carrier (so area sums stay right), with
  ``status`` (``placed``/``vacant``, the codes of the CSV outputs), ``n_projects`` and the projects
  it hosts. When a divisible parcel or a factory hosts several projects, ``project_id``,
  ``name``, ``cluster``, ``start_date`` (and ``readiness`` on parcels) list one item per project,
  in ``project_id`` order, joined by :data:`SEP`; ``year`` is the earliest year, ``years`` the
  distinct years (and ``group_id`` the distinct 合并供地 groups); ``area_used_mu`` /
  ``floor_let_m2`` the area or floor used by all of them. ``divisible`` is a real boolean.
* ``placements``: a table without geometry, one row per project and carrier (the rows and
  columns of ``assignments.csv``: a 合并供地 project's amounts split over its parcels by
  ``share``), related to the carrier layers by ``carrier_id`` (``parcel_id`` or ``factory_id``
  as ``carrier_kind`` says).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import pyogrio

if TYPE_CHECKING:
    from landalloc.run import RunResult

#: Separator of the items of a multi-project carrier (as in the runner-up column).
SEP = ";"

#: Per-project columns listed, one item per project, on the carrier layers.
_LISTED = ("project_id", "name", "cluster", "start_date")


def _join(values: Iterable[Any]) -> str:
    return SEP.join("" if v is None or v != v else str(v) for v in values)


def _distinct(values: Iterable[Any]) -> str:
    return SEP.join(sorted({str(v) for v in values if v is not None and v == v and str(v)}))


def _carriers(
    ids: pd.Series,
    rows: pd.DataFrame,
    listed: tuple[str, ...],
    distinct: tuple[str, ...],
    used: tuple[str, str],
) -> pd.DataFrame:
    """Per carrier id (in the order of ``ids``), the summary of the assignment ``rows`` on it.

    ``listed`` columns give one item per project, ``distinct`` ones their distinct non-empty
    values; ``used`` is (column of ``rows`` to sum, name of the sum).
    """
    used_col, used_name = used
    groups = {str(k): g.sort_values("project_id") for k, g in rows.groupby("carrier_id")}
    out: list[dict[str, Any]] = []
    for cid in ids.astype(str):
        g = groups.get(cid)
        if g is None:
            out.append({"status": "vacant", "n_projects": 0, used_name: 0.0})
            continue
        rec: dict[str, Any] = {"status": "placed", "n_projects": int(g["project_id"].nunique())}
        for col in listed:
            rec[col] = _join(g[col])
        rec["year"] = int(g["year"].min())
        rec["years"] = _distinct(g["year"])
        for col in distinct:
            rec[col] = _distinct(g[col])
        rec[used_name] = float(pd.to_numeric(g[used_col]).sum())
        out.append(rec)
    cols = ["status", "n_projects", *listed, "year", "years", *distinct, used_name]
    df = pd.DataFrame(out, columns=cols, index=ids.index)
    df["n_projects"] = df["n_projects"].astype("int64")
    df["year"] = df["year"].astype("Int64")
    df[used_name] = df[used_name].astype("float64")
    return df


def _bools(df: pd.DataFrame) -> pd.DataFrame:
    """Columns holding only booleans as dtype bool (stored with the GeoPackage boolean subtype)."""
    df = df.copy()
    for col in df.columns:
        s = df[col]
        if s.dtype == object and len(s) and s.map(lambda v: isinstance(v, bool)).all():
            df[col] = s.astype(bool)
    return df


def write_result_gpkg(result: RunResult, path: Path) -> None:
    """Write the ``parcels``, ``factories`` and ``placements`` layers of ``result.gpkg``."""
    t = result.tables
    a = result.assignments
    divisible = {p.parcel_id: bool(p.divisible) for p in result.instance.parcels}
    par = gpd.GeoDataFrame(
        t.parcels[["parcel_id", "zone", "land_use", "area_mu", "geometry"]].copy(),
        geometry="geometry",
        crs=t.parcels.crs,
    )
    par.insert(4, "divisible", [divisible.get(str(p), False) for p in par["parcel_id"]])
    par["divisible"] = par["divisible"].astype(bool)
    land = a[a["carrier_kind"] == "parcel"]
    summary = _carriers(
        par["parcel_id"],
        land,
        (*_LISTED, "readiness"),
        ("group_id",),
        ("area_mu", "area_used_mu"),
    )
    par = gpd.GeoDataFrame(
        pd.concat([par.drop(columns="geometry"), summary, par[["geometry"]]], axis=1),
        geometry="geometry",
        crs=t.parcels.crs,
    )
    pyogrio.write_dataframe(par, path, layer="parcels", driver="GPKG")
    if len(t.factories):
        fac = gpd.GeoDataFrame(
            t.factories[["factory_id", "zone", "floor_area_m2", "geometry"]].copy(),
            geometry="geometry",
            crs=t.factories.crs,
        )
        fac["floor_area_m2"] = pd.to_numeric(fac["floor_area_m2"], errors="coerce")
        summary = _carriers(
            fac["factory_id"],
            a[a["carrier_kind"] == "factory"],
            _LISTED,
            (),
            ("floor_m2", "floor_let_m2"),
        )
        fac = gpd.GeoDataFrame(
            pd.concat([fac.drop(columns="geometry"), summary, fac[["geometry"]]], axis=1),
            geometry="geometry",
            crs=t.factories.crs,
        )
        pyogrio.write_dataframe(fac, path, layer="factories", driver="GPKG")
    placements = _bools(pd.DataFrame(a).reset_index(drop=True))
    pyogrio.write_dataframe(placements, path, layer="placements", driver="GPKG")
