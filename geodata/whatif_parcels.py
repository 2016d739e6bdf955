"""What-if parcels: parcels written by hand (a scenario's ``extra_parcels``), checked like data.

Each is a row of the parcels layer (typed cells, :func:`geodata.whatif_rows.typed_rows`) plus a
geometry given by exactly one of ``wkt`` (a polygon in ``crs``, default :data:`LONLAT_CRS`,
reprojected to the data's working CRS; a given ``area_mu`` must agree with it within
:data:`geodata.geometry.AREA_TOLERANCE`, the importer's tolerance) or ``lonlat`` with ``area_mu``
(a placeholder square of that area centred at the point). Ids must be new, zones and clusters
those of the data, and the parcels must not overlap one another or a parcel of the data.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from geodata.crs import CHINA_BOUNDS, check_crs
from geodata.geometry import AREA_TOLERANCE, check_parcel_geometry, overlapping_pairs
from geodata.report import Report
from geodata.schema import id_key
from geodata.store import Tables
from geodata.units import M2_PER_MU, m2_to_mu
from geodata.vector import check_area_column
from geodata.whatif_rows import Locator, blank, spelled_as, typed_rows

#: The CRS of ``lonlat`` and the default CRS of ``wkt`` in ``extra_parcels``: CGCS2000 lon/lat.
LONLAT_CRS = "EPSG:4490"
#: Keys of an extra parcel that describe its geometry (the others are columns of the parcels layer).
GEOMETRY_KEYS = ("wkt", "crs", "lonlat")


def extra_parcels(
    items: list[dict[str, Any]],
    tables: Tables,
    known_clusters: set[str],
    loc: Locator,
    report: Report,
) -> gpd.GeoDataFrame | None:
    """Check ``extra_parcels`` (as a scenario writes them) and make them rows of the parcels layer.

    Parameters
    ----------
    items
        The list as written in the what-if file (a scenario's ``extra_parcels``).
    tables
        The data (for its working CRS, ids, zones and parcels).
    known_clusters
        Cluster codes of the data.
    loc
        Locates keys of the what-if file for messages.
    report
        Receives every problem (all of them, not only the first).

    Returns
    -------
    geopandas.GeoDataFrame or None
        The parcels (typed cells, ``area_mu`` filled in, geometry in the working CRS), or
        ``None`` when a problem was reported.
    """
    errors_before = len(report.errors)
    typed = typed_rows(
        items,
        "extra_parcels",
        "parcels",
        GEOMETRY_KEYS,
        ("地块图层的列，或 wkt、crs、lonlat", "a column of the parcels layer, or wkt, crs, lonlat"),
        loc,
        report,
        skip=("duplicate_id",),  # reported by _check_extra_ids, naming both entries
    )
    ids = [str(v) if v else "" for v in typed["parcel_id"]]
    _check_extra_ids(ids, tables, loc, report)
    _check_extra_codes(typed, tables, known_clusters, loc, report)
    # geometries, in the working CRS
    working = CRS.from_user_input(tables.crs)
    geoms: list[BaseGeometry | None] = []
    for i, item in enumerate(items):
        name = ids[i] or f"#{i}"
        label = (f"extra_parcels 中的地块 {name}", f"extra_parcels: parcel {name}")
        geom = _extra_geometry(i, item, typed["area_mu"].iloc[i], working, label, loc, report)
        if geom is not None:
            geom = _check_extra_polygon(i, item, geom, ids[i], working, loc, report)
        if geom is not None and not blank(typed["area_mu"].iloc[i]) and "wkt" in item:
            _check_extra_area(i, geom, float(typed["area_mu"].iloc[i]), label, working, loc, report)
        geoms.append(geom)
    keys = ["wkt" if "wkt" in item else "lonlat" for item in items]
    _check_extra_overlaps(ids, geoms, keys, tables, loc, report)
    if len(report.errors) > errors_before:
        return None
    out = gpd.GeoDataFrame(typed, geometry=gpd.GeoSeries(geoms, crs=working), crs=working)
    out["area_mu"] = [
        float(a) if not blank(a) else m2_to_mu(float(g.area))
        for a, g in zip(out["area_mu"], out.geometry, strict=True)
    ]
    return out.reindex(columns=tables.parcels.columns)


def _check_extra_ids(ids: list[str], tables: Tables, loc: Locator, report: Report) -> None:
    """Extra parcel ids must be new: not a parcel or factory of the data, not repeated."""
    data_ids = {  # compared by id_key: ids differing only in width, spaces or case clash
        id_key(x): str(x)
        for x in [*tables.parcels["parcel_id"].tolist(), *tables.factories["factory_id"].tolist()]
    }
    first: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if not pid:
            continue
        if id_key(pid) in data_ids:
            zh, en = spelled_as(data_ids[id_key(pid)], pid)
            report.error(
                "duplicate_id",
                f"extra_parcels 中的地块编号 {pid} 与数据中的载体{zh}重复",
                f"extra_parcels: parcel_id {pid} already exists in the data{en}",
                hint_zh="新的地块编号",
                hint_en="a new parcel id",
                **loc.at("extra_parcels", i, "parcel_id"),
            )
        elif id_key(pid) in first:
            j = first[id_key(pid)]
            report.error(
                "duplicate_id",
                f"extra_parcels 中的地块编号 {pid} 重复（与 extra_parcels.{j} 相同）",
                f"extra_parcels: parcel_id {pid} is repeated (same as extra_parcels.{j})",
                hint_zh="每个地块一个编号",
                hint_en="one id per parcel",
                **loc.at("extra_parcels", i, "parcel_id"),
            )
        else:
            first[id_key(pid)] = i


def _check_extra_codes(
    typed: pd.DataFrame, tables: Tables, known_clusters: set[str], loc: Locator, report: Report
) -> None:
    """Zones and cluster codes of extra parcels must exist in the data (with a did-you-mean)."""
    zones = (
        {str(z) for z in tables.parcels["zone"]}
        | {str(z) for z in tables.factories["zone"]}
        | (
            {str(z) for z in tables.zones["zone"].dropna()}
            if tables.zones is not None and "zone" in tables.zones.columns
            else set()
        )
    )
    for i, (zone, clusters) in enumerate(zip(typed["zone"], typed["clusters"], strict=True)):
        if zone and str(zone) not in zones:
            near = difflib.get_close_matches(str(zone), sorted(zones), n=1)
            report.error(
                "unknown_zone",
                f"extra_parcels 中的片区 {zone} 在数据中不存在",
                f"extra_parcels: zone {zone} is not in the data",
                hint_zh=near[0] if near else f"数据中的片区之一：{'、'.join(sorted(zones))}",
                hint_en=near[0] if near else f"one of the zones {', '.join(sorted(zones))}",
                **loc.at("extra_parcels", i, "zone"),
            )
        for c in clusters or ():
            if c not in known_clusters:
                near = difflib.get_close_matches(c, sorted(known_clusters), n=1)
                report.error(
                    "unknown_cluster",
                    f"extra_parcels 中的产业集群 {c} 在数据中不存在",
                    f"extra_parcels: cluster {c} is not in the data",
                    hint_zh=near[0] if near else "、".join(sorted(known_clusters)),
                    hint_en=near[0] if near else ", ".join(sorted(known_clusters)),
                    **loc.at("extra_parcels", i, "clusters"),
                )


def _extra_geometry(
    i: int,
    item: Mapping[str, Any],
    area_mu: Any,
    working: CRS,
    label: tuple[str, str],
    loc: Locator,
    report: Report,
) -> BaseGeometry | None:
    """The geometry of extra parcel ``i`` in the working CRS, from ``wkt`` or ``lonlat``.

    Returns ``None`` after reporting a problem. The geometry is not yet checked to be a valid
    polygon (see :func:`_check_extra_polygon`).
    """
    has_wkt, has_ll = "wkt" in item, "lonlat" in item
    if has_wkt == has_ll:
        both = has_wkt
        report.error(
            "geometry_choice",
            f"{label[0]}：wkt 与 lonlat " + ("只能给出一个" if both else "须给出一个"),
            f"{label[1]}: give " + ("only one of" if both else "one of") + " wkt and lonlat",
            hint_zh="wkt: 'POLYGON ((…))'（可加 crs），或 lonlat: [经度, 纬度] 加 area_mu",
            hint_en="wkt: 'POLYGON ((…))' (optionally with crs), or lonlat: [lon, lat] with area_mu",
            **(loc.at("extra_parcels", i, "lonlat") if both else loc.at("extra_parcels", i)),
        )
        return None
    if has_ll:
        return _lonlat_square(i, item, area_mu, working, label, loc, report)
    return _wkt_geometry(i, item, working, label, loc, report)


def _wkt_geometry(
    i: int,
    item: Mapping[str, Any],
    working: CRS,
    label: tuple[str, str],
    loc: Locator,
    report: Report,
) -> BaseGeometry | None:
    """The ``wkt`` of extra parcel ``i`` (in its ``crs``) in the working CRS, or ``None``."""
    text = item["wkt"]
    crs_key = "crs" if "crs" in item else "wkt"
    if not isinstance(text, str) or not text.strip():
        report.error(
            "bad_wkt",
            f"{label[0]}：wkt 应为 WKT 文本（实际 {text!r}）",
            f"{label[1]}: wkt must be WKT text (got {text!r})",
            hint_zh="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))",
            hint_en="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))",
            **loc.at("extra_parcels", i, "wkt"),
        )
        return None
    try:
        geom = shapely.force_2d(shapely.from_wkt(text.strip()))
    except shapely.errors.GEOSException as exc:
        report.error(
            "bad_wkt",
            f"{label[0]}：wkt 无法解析（{exc}）",
            f"{label[1]}: wkt cannot be parsed ({exc})",
            hint_zh="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1))，首尾点相同",
            hint_en="POLYGON ((x1 y1, x2 y2, x3 y3, x1 y1)), first point repeated last",
            **loc.at("extra_parcels", i, "wkt"),
        )
        return None
    try:
        src = CRS.from_user_input(item.get("crs", LONLAT_CRS))
    except CRSError:
        report.error(
            "bad_crs",
            f"{label[0]}：无法识别的坐标系 {item.get('crs')!r}",
            f"{label[1]}: unrecognised CRS {item.get('crs')!r}",
            hint_zh="如 EPSG:4490（经纬度）或 EPSG:4549（米）",
            hint_en="e.g. EPSG:4490 (lon/lat) or EPSG:4549 (metres)",
            **loc.at("extra_parcels", i, crs_key),
        )
        return None
    gdf = gpd.GeoDataFrame(geometry=[geom], crs=src)
    found = Report()
    if check_crs(gdf, found, file=None, layer="extra_parcels") is None:
        for p in found:  # coordinates outside the CRS or China; a refused or local CRS
            key = "wkt" if p.code == "outside_crs" else crs_key
            at = loc.at("extra_parcels", i, key)
            report.add(
                dataclasses.replace(
                    p, zh=f"{label[0]}：{p.zh}", en=f"{label[1]}: {p.en}", layer=None, **at
                )
            )
        return None
    projected: BaseGeometry = gdf.to_crs(working).geometry.iloc[0]
    return projected


def _lonlat_square(
    i: int,
    item: Mapping[str, Any],
    area_mu: Any,
    working: CRS,
    label: tuple[str, str],
    loc: Locator,
    report: Report,
) -> BaseGeometry | None:
    """The placeholder square of ``area_mu`` 亩 centred at ``lonlat``, in the working CRS."""
    ll = item["lonlat"]
    ok = True
    if "crs" in item:
        report.error(
            "crs_with_lonlat",
            f"{label[0]}：crs 只用于 wkt；lonlat 总是 CGCS2000 经纬度（{LONLAT_CRS}）",
            f"{label[1]}: crs applies to wkt only; lonlat is always CGCS2000 lon/lat ({LONLAT_CRS})",
            hint_zh="删除 crs，或改用 wkt",
            hint_en="remove crs, or use wkt",
            **loc.at("extra_parcels", i, "crs"),
        )
        ok = False
    numbers = (
        isinstance(ll, list | tuple)
        and len(ll) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in ll)
        and all(math.isfinite(v) for v in ll)
    )
    if not numbers:
        report.error(
            "bad_lonlat",
            f"{label[0]}：lonlat 应为 [经度, 纬度] 两个数（实际 {ll!r}）",
            f"{label[1]}: lonlat must be two numbers [lon, lat] (got {ll!r})",
            hint_zh="如 [120.45, 31.30]",
            hint_en="e.g. [120.45, 31.30]",
            **loc.at("extra_parcels", i, "lonlat"),
        )
        return None
    lon, lat = float(ll[0]), float(ll[1])
    x0, y0, x1, y1 = CHINA_BOUNDS
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        swapped = x0 <= lat <= x1 and y0 <= lon <= y1
        report.error(
            "bad_lonlat",
            f"{label[0]}：lonlat [{lon:g}, {lat:g}] 不在中国范围内（经度 {x0:g}–{x1:g}，纬度 "
            f"{y0:g}–{y1:g}）" + ("；经纬度可能颠倒" if swapped else ""),
            f"{label[1]}: lonlat [{lon:g}, {lat:g}] is outside China (lon {x0:g}–{x1:g}, "
            f"lat {y0:g}–{y1:g})" + ("; are lon and lat swapped?" if swapped else ""),
            hint_zh=f"[{lat:g}, {lon:g}]" if swapped else "[经度, 纬度]，如 [120.45, 31.30]",
            hint_en=f"[{lat:g}, {lon:g}]" if swapped else "[lon, lat], e.g. [120.45, 31.30]",
            **loc.at("extra_parcels", i, "lonlat"),
        )
        return None
    if blank(area_mu) or float(area_mu) <= 0:
        if blank(item.get("area_mu")):  # a bad value was reported as a bad cell already
            report.error(
                "lonlat_needs_area",
                f"{label[0]}：用 lonlat 给出位置时须填写 area_mu（亩）",
                f"{label[1]}: lonlat needs area_mu (亩) for the placeholder square",
                hint_zh="area_mu: 60",
                hint_en="area_mu: 60",
                **loc.at("extra_parcels", i, "area_mu"),
            )
        return None
    if not ok:
        return None
    x, y = Transformer.from_crs(LONLAT_CRS, working, always_xy=True).transform(lon, lat)
    half = math.sqrt(float(area_mu) * M2_PER_MU) / 2
    square: BaseGeometry = box(x - half, y - half, x + half, y + half)
    return square


def _check_extra_polygon(
    i: int,
    item: Mapping[str, Any],
    geom: BaseGeometry,
    pid: str,
    working: CRS,
    loc: Locator,
    report: Report,
) -> BaseGeometry | None:
    """The geometry tier of loaded parcels (empty, not a polygon, repair) for one extra parcel.

    Returns the (repaired) polygon, or ``None`` after an error.
    """
    key = "wkt" if "wkt" in item else "lonlat"
    found = Report()
    gdf = gpd.GeoDataFrame({"parcel_id": [pid or None]}, geometry=[geom], crs=working)
    fixed = check_parcel_geometry(gdf, found, file=None, layer="extra_parcels")
    for p in found:  # the Chinese text names the parcel already
        en = f"extra_parcels: parcel {pid or f'#{i}'}: {p.en}"
        report.add(dataclasses.replace(p, en=en, layer=None, **loc.at("extra_parcels", i, key)))
    if found.errors:
        return None
    polygon: BaseGeometry = fixed.geometry.iloc[0]
    return polygon


def _check_extra_area(
    i: int,
    geom: BaseGeometry,
    given: float,
    label: tuple[str, str],
    working: CRS,
    loc: Locator,
    report: Report,
) -> None:
    """A given ``area_mu`` must match the polygon's within the importer's tolerance."""
    found = Report()
    gdf = gpd.GeoDataFrame({"area_mu": [given]}, geometry=[geom], crs=working)
    check_area_column(gdf, found, file=None, tolerance=AREA_TOLERANCE)
    if any(p.code == "area_mismatch" for p in found):
        computed = m2_to_mu(geom.area)
        report.error(
            "area_mismatch",
            f"{label[0]}：area_mu {given:.2f} 亩与图形面积 {computed:.2f} 亩相差超过 "
            f"{AREA_TOLERANCE:.0%}",
            f"{label[1]}: area_mu {given:.2f} mu differs from the polygon's {computed:.2f} mu by more "
            f"than {AREA_TOLERANCE:.0%}",
            hint_zh=f"删除 area_mu（按图形计算为 {computed:.2f} 亩），或修正 wkt/crs",
            hint_en=f"remove area_mu (the polygon gives {computed:.2f} mu), or fix wkt/crs",
            **loc.at("extra_parcels", i, "area_mu"),
        )


def _check_extra_overlaps(
    ids: list[str],
    geoms: list[BaseGeometry | None],
    keys: list[str],
    tables: Tables,
    loc: Locator,
    report: Report,
) -> None:
    """Extra parcels must not overlap a parcel of the data or each other.

    ``keys`` names the geometry key of each extra parcel (``wkt`` or ``lonlat``) for messages.
    """
    data_ids = [str(x) for x in tables.parcels["parcel_id"]]
    n = len(data_ids)
    pairs = overlapping_pairs([*tables.parcels.geometry, *geoms])
    for a, b, inter in pairs:
        if b < n:  # two parcels of the data: checked when the data were loaded
            continue
        i = b - n
        other = data_ids[a] if a < n else f"extra_parcels.{a - n}（{ids[a - n]}）"
        other_en = data_ids[a] if a < n else f"extra_parcels.{a - n} ({ids[a - n]})"
        report.error(
            "overlapping_parcels",
            f"extra_parcels 中的地块 {ids[i]} 与地块 {other} 重叠 {m2_to_mu(inter):.2f} 亩",
            f"extra_parcels: parcel {ids[i]} overlaps parcel {other_en} by {inter:.0f} m²",
            hint_zh="地块之间不应重叠",
            hint_en="parcels must not overlap",
            **loc.at("extra_parcels", i, keys[i]),
        )
