"""Coordinate reference system checks and projection to the working CRS.

Rules: a layer without a CRS is an error; Beijing 1954, Xian 1980 and local/engineering CRSs are
refused (no reliable transformation to CGCS2000 without bureau-specific parameters); coordinates
must lie inside the declared CRS's area of use and inside China (this catches swapped axes and
zone-prefixed eastings); everything is projected to one projected working CRS in metres.
"""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geodata.report import Report

#: The working CRS of the demo district: CGCS2000 / 3-degree Gauss-Kruger CM 120E.
DEFAULT_WORKING_CRS = "EPSG:4549"
#: Longitude/latitude box of China used for plausibility (generous).
CHINA_BOUNDS = (73.0, 18.0, 135.5, 54.0)
_REFUSED_DATUMS = {
    "Beijing 1954": ("北京54", "Beijing 1954"),
    "Xian 1980": ("西安80", "Xian 1980"),
    "New Beijing": ("新北京54", "New Beijing"),
}

#: Datum names (normalised) that ESRI/GDAL write for a user-defined, i.e. local, datum.
_UNKNOWN_DATUMS = {"unknown", "d unknown", "not specified", "unknown based on"}


def _norm(name: str) -> str:
    """Lower-case a CRS/datum name and turn ESRI underscores into spaces."""
    return " ".join(name.replace("_", " ").lower().split())


def check_crs(gdf: gpd.GeoDataFrame, report: Report, *, file: str | None, layer: str) -> CRS | None:
    """Check a layer's CRS and coordinates; return the CRS when usable, else ``None``."""
    where = {"file": file, "layer": layer}
    if gdf.crs is None:
        report.error(
            "no_crs",
            "图层没有坐标系（CRS）定义，无法计算面积",
            "the layer has no coordinate reference system",
            hint_zh="为数据指定坐标系（例如 .prj 文件），如 EPSG:4549（CGCS2000 3度带 中央经线120°E）",
            hint_en="declare the CRS (e.g. a .prj file), such as EPSG:4549",
            **where,
        )
        return None
    try:
        crs = CRS.from_user_input(gdf.crs)
    except CRSError:
        report.error("bad_crs", "无法识别的坐标系", "unrecognised CRS", **where)
        return None
    datum = _norm(crs.datum.name) if crs.datum is not None else ""
    for key, (zh, en) in _REFUSED_DATUMS.items():
        if _norm(key) in datum or _norm(key) in _norm(crs.name):
            report.error(
                "refused_datum",
                f"坐标系基于{zh}（{crs.name}），不接受：请先用本地转换参数转换到 CGCS2000",
                f"CRS is based on {en} ({crs.name}); convert to CGCS2000 with the bureau's "
                "transformation parameters first",
                hint_zh="CGCS2000 坐标（如 EPSG:4549 或 EPSG:4490）",
                hint_en="CGCS2000 coordinates (e.g. EPSG:4549 or EPSG:4490)",
                **where,
            )
            return None
    if (
        crs.is_engineering
        or not (crs.is_geographic or crs.is_projected)
        or crs.datum is None
        or datum in _UNKNOWN_DATUMS
    ):
        report.error(
            "local_crs",
            f"坐标系 {crs.name} 是独立/局部坐标系，无法与国家坐标系对应",
            f"CRS {crs.name} is a local/engineering CRS that cannot be related to a national datum",
            hint_zh="CGCS2000 坐标（如 EPSG:4549）",
            hint_en="CGCS2000 coordinates (e.g. EPSG:4549)",
            **where,
        )
        return None
    if gdf.geometry.is_empty.all() or len(gdf) == 0:
        return crs
    minx, miny, maxx, maxy = gdf.geometry[~gdf.geometry.is_empty].total_bounds
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon0, lat0, lon1, lat1 = to_ll.transform_bounds(minx, miny, maxx, maxy)
    inside = True
    aou = crs.area_of_use
    if aou is not None:
        tol = 0.5
        inside = (
            lon0 >= aou.west - tol
            and lon1 <= aou.east + tol
            and lat0 >= aou.south - tol
            and lat1 <= aou.north + tol
        )
    cx0, cy0, cx1, cy1 = CHINA_BOUNDS
    in_china = lon0 >= cx0 and lon1 <= cx1 and lat0 >= cy0 and lat1 <= cy1
    if not (inside and in_china):
        hint = ""
        if crs.is_projected and minx > 2_000_000 and maxy < 1_000_000:
            hint = "（X/Y 可能颠倒）"
        elif crs.is_projected and maxx > 1_000_000:
            hint = "（东坐标带有带号前缀？如 40500000 应为 500000，或使用带号坐标系 EPSG:4528）"
        elif crs.is_geographic and (abs(miny) > 60 or minx < 60):
            hint = "（经纬度可能颠倒）"
        report.error(
            "outside_crs",
            f"坐标范围 x {minx:.0f}–{maxx:.0f}, y {miny:.0f}–{maxy:.0f} 不在坐标系 {crs.name} "
            f"的适用范围或中国境内{hint}",
            f"coordinates x {minx:.0f}–{maxx:.0f}, y {miny:.0f}–{maxy:.0f} are outside the area "
            f"of use of {crs.name} or outside China (swapped axes or zone-prefixed eastings?)",
            hint_zh="与所声明坐标系一致的坐标",
            hint_en="coordinates that match the declared CRS",
            **where,
        )
        return None
    return crs


def working_crs_for(crs: CRS) -> CRS:
    """Pick the working projected CRS: the layer's own when projected, else EPSG:4549."""
    if crs.is_projected:
        return crs
    return CRS.from_user_input(DEFAULT_WORKING_CRS)


def to_working(gdf: gpd.GeoDataFrame, working: CRS | str) -> gpd.GeoDataFrame:
    """Project a layer to the working CRS (no-op when already there)."""
    target = CRS.from_user_input(working)
    if gdf.crs is not None and CRS.from_user_input(gdf.crs) == target:
        return gdf
    return gdf.to_crs(target)
