"""Coordinate reference system checks and projection to the working CRS.

Rules: a layer without a CRS is an error; Beijing 1954, Xian 1980 and local/engineering CRSs are
refused (no reliable transformation to CGCS2000 without bureau-specific parameters), and so are
GCJ-02 / BD-09 (the obfuscated lon/lat of Chinese web maps, which only a coordinate conversion
tool can undo). Coordinates are checked feature by feature: read in the declared CRS they must
transform to a place in China (:data:`CHINA_BOUNDS`, generous), not necessarily inside the EPSG
area of use -- data in a UTM or Gauss-Kruger zone routinely run past the zone's nominal edge. A
transverse Mercator zone must also match: eastings with the right zone prefix, and no more than
:data:`MAX_ZONE_OFFSET_DEG` from the central meridian (this catches swapped axes, zone-prefixed or
unprefixed eastings and coordinates of another zone). Everything is then projected to one projected
working CRS in metres whose area distortion over the data is small (:func:`working_crs_for`).
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS, Proj, Transformer
from pyproj.exceptions import CRSError, ProjError

from geodata.report import Report

#: The working CRS of the demo district: CGCS2000 / 3-degree Gauss-Kruger CM 120E.
DEFAULT_WORKING_CRS = "EPSG:4549"
#: Longitude/latitude box of China used for plausibility (generous: the South China Sea islands
#: reach 3.8 N, the Heilongjiang/Wusuli confluence 134.8 E).
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
#: Largest distance of data from a transverse Mercator zone's central meridian (degrees of
#: longitude): two 6-degree zones. Data past a zone's edge are fine (areas are then computed in a
#: nearer zone, :func:`working_crs_for`); further away the coordinates are another zone's.
MAX_ZONE_OFFSET_DEG = 12.0
#: Largest area distortion (relative) of the working CRS over the data before another CRS is used.
MAX_AREA_DISTORTION = 0.001
_REFUSED_DATUMS = {
    "Beijing 1954": ("北京54", "Beijing 1954"),
    "Xian 1980": ("西安80", "Xian 1980"),
    "New Beijing": ("新北京54", "New Beijing"),
}

#: Datum names (normalised) that ESRI/GDAL write for a user-defined, i.e. local, datum.
_UNKNOWN_DATUMS = {"unknown", "d unknown", "not specified", "unknown based on"}


#: Codes of the problems :func:`check_crs` reports; the layer is then not used.
CRS_CODES = frozenset(
    {"no_crs", "bad_crs", "refused_datum", "local_crs", "obfuscated_crs", "outside_crs"}
)


def drop_empty_after_crs(report: Report) -> None:
    """Drop ``empty_layer`` problems of layers refused for their CRS: one cause, one message.

    A refused layer reaches the schema tier with no rows; its CRS problem is the one to report.
    """
    refused = {(p.file, p.layer) for p in report if p.code in CRS_CODES}
    report.problems[:] = [
        p for p in report.problems if not (p.code == "empty_layer" and (p.file, p.layer) in refused)
    ]


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
    kind = obfuscated_kind(f"{crs.name} {crs.to_wkt() or ''}")
    if kind is not None:
        report_obfuscated(report, kind, crs.name, **where)
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
    if not _check_coordinates(gdf, crs, report, where):
        return None
    return crs


# --------------------------------------------------------------------------- GCJ-02 / BD-09

#: Words (lower case, letters and digits only) that name the obfuscated lon/lat of Chinese web
#: maps in a CRS name, a WKT or a ``--crs`` text. BD-09 is checked first (it is built on GCJ-02).
_OBFUSCATED = (
    ("BD-09", ("bd09", "baidu", "百度")),
    ("GCJ-02", ("gcj02", "gcj", "火星")),
)


def obfuscated_kind(text: str) -> str | None:
    """``"GCJ-02"`` or ``"BD-09"`` when ``text`` (CRS name, WKT or user input) names one."""
    s = re.sub(r"[\W_]+", "", text.lower())
    for kind, words in _OBFUSCATED:
        if any(w in s for w in words):
            return kind
    return None


def report_obfuscated(report: Report, kind: str, name: str, **where: object) -> None:
    """Refuse GCJ-02 / BD-09 data: only a coordinate conversion tool can undo the offset."""
    app_zh = "百度地图" if kind == "BD-09" else "高德、腾讯等国内互联网地图"
    app_en = "Baidu Maps" if kind == "BD-09" else "Amap, Tencent and other Chinese web maps"
    report.error(
        "obfuscated_crs",
        f"坐标系 {name} 是 {kind} 加偏经纬度（{app_zh}使用），与实际位置相差数百米，不能直接使用："
        "请先用坐标转换工具把数据转换为 WGS 84 或 CGCS2000 经纬度（EPSG:4326 / EPSG:4490）再导入",
        f"CRS {name} is {kind}, the offset lon/lat of {app_en}, hundreds of metres away from the "
        "true position: convert the data to WGS 84 or CGCS2000 lon/lat (EPSG:4326 / EPSG:4490) "
        "with a coordinate conversion tool first",
        hint_zh="WGS 84（EPSG:4326）或 CGCS2000（EPSG:4490）经纬度",
        hint_en="WGS 84 (EPSG:4326) or CGCS2000 (EPSG:4490) lon/lat",
        **where,
    )


# --------------------------------------------------------------------------- coordinates


def _tm_zone(crs: CRS) -> tuple[float, float] | None:
    """``(central meridian, false easting)`` of a transverse Mercator CRS, else ``None``."""
    base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    op = base.coordinate_operation if base.is_projected else None
    if op is None or "transverse mercator" not in op.method_name.lower():
        return None
    params = {p.name.lower(): p.value for p in op.params}
    cm, fe = params.get("longitude of natural origin"), params.get("false easting")
    if cm is None or fe is None:
        return None
    return float(cm), float(fe)


def _lonlat(crs: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``crs`` as WGS 84 lon/lat (``inf``/``nan`` where they do not transform)."""
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    try:
        with np.errstate(all="ignore"):
            lon, lat = to_ll.transform(xa.ravel(), ya.ravel(), errcheck=False)
    except ProjError:
        nan = np.full(xa.shape, np.nan)
        return nan, nan.copy()
    return np.asarray(lon, dtype=float).reshape(xa.shape), np.asarray(lat, dtype=float).reshape(
        xa.shape
    )


def _fits(crs: CRS, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row of the ``(n, k)`` point arrays: every point is a sane place in China in ``crs``.

    Sane: transforms to lon/lat inside :data:`CHINA_BOUNDS`; for a transverse Mercator zone also
    within :data:`MAX_ZONE_OFFSET_DEG` of its central meridian and, when the false easting
    carries a zone number (e.g. 40 500 000), with that zone number in front of every easting.
    """
    lon, lat = _lonlat(crs, x, y)
    x0, y0, x1, y1 = CHINA_BOUNDS
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(lon) & np.isfinite(lat)
        ok &= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        zone = _tm_zone(crs)
        if zone is not None:
            cm, fe = zone
            ok &= np.abs(lon - cm) <= MAX_ZONE_OFFSET_DEG
            if fe >= 1e6:
                ok &= np.floor(np.asarray(x) / 1e6) == math.floor(fe / 1e6)
    return np.asarray(ok.all(axis=1), dtype=bool)


def _zone_code(n: int) -> int | None:
    """EPSG code of CGCS2000 Gauss-Kruger zone ``n`` with the zone number in the easting."""
    if 25 <= n <= 45:  # 3-degree zones: CM = 3n
        return 4513 + n - 25
    if 13 <= n <= 23:  # 6-degree zones: CM = 6n - 3
        return 4491 + n - 13
    return None


def _cm_code(cm: float, width: int) -> int | None:
    """EPSG code of the CGCS2000 Gauss-Kruger CRS without zone number for central meridian ``cm``."""
    if width == 3 and cm % 3 == 0 and 75 <= cm <= 135:
        return 4534 + int(cm - 75) // 3
    if width == 6 and (cm - 75) % 6 == 0 and 75 <= cm <= 135:
        return 4502 + int(cm - 75) // 6
    return None


def _suggest(code: int | None, x: np.ndarray, y: np.ndarray) -> str:
    """``EPSG:code`` when the coordinates fit that CRS, else ``""``."""
    if code is None:
        return ""
    alt = CRS.from_epsg(code)
    return f"EPSG:{code}（{alt.name}）" if _fits(alt, x, y).all() else ""


def _diagnose(crs: CRS, x: np.ndarray, y: np.ndarray) -> tuple[str, str]:
    """The likely mistake behind coordinates (``(n, k)`` arrays) that do not fit ``crs``."""
    if _fits(crs, y, x).all():
        if crs.is_geographic:
            return "（经纬度可能颠倒）", " (longitude and latitude swapped?)"
        return "（X/Y 可能颠倒）", " (X and Y swapped?)"
    if crs.is_geographic:
        if np.nanmax(np.abs(x)) > 360 or np.nanmax(np.abs(y)) > 90:
            return (
                "（坐标像是以米为单位的投影坐标，却声明为经纬度坐标系：请声明数据实际的投影坐标系，"
                "如 EPSG:4549）",
                " (the coordinates look like projected metres but the CRS is geographic: declare "
                "the data's real projected CRS, e.g. EPSG:4549)",
            )
        return "", ""
    zone = _tm_zone(crs)
    if zone is None:
        return "", ""
    cm, fe = zone
    declared = math.floor(fe / 1e6)
    prefixes = np.unique(np.floor(x / 1e6))
    n = int(prefixes[0]) if len(prefixes) == 1 else declared
    if n != declared and (n == 0 or _zone_code(n) is not None):
        if declared == 0:
            alt = _suggest(_zone_code(n), x, y)
            return (
                f"（东坐标带有带号前缀 {n}：如 {n}500000 应为 500000，"
                f"或声明带号坐标系{(' ' + alt) if alt else ''}）",
                f" (eastings carry the zone number {n} in front: {n}500000 should be 500000, or "
                f"declare the zone-numbered CRS{(' ' + alt) if alt else ''})",
            )
        if n == 0:
            alt = _suggest(_cm_code(cm, 3 if declared >= 25 else 6), x, y)
            return (
                f"（东坐标没有带号前缀，而坐标系 {crs.name} 的东坐标以带号 {declared} 开头："
                f"请改用不带带号的坐标系{(' ' + alt) if alt else ''}）",
                f" (the eastings have no zone number in front but {crs.name} expects zone "
                f"{declared}: declare the CRS without zone number{(' ' + alt) if alt else ''})",
            )
        alt = _suggest(_zone_code(n), x, y)
        return (
            f"（东坐标的带号 {n} 与坐标系 {crs.name} 的带号 {declared} 不符，坐标属于另一投影带"
            f"{('：请声明 ' + alt) if alt else ''}）",
            f" (the eastings' zone number {n} differs from zone {declared} of {crs.name}: the "
            f"coordinates belong to another zone{(', declare ' + alt) if alt else ''})",
        )
    lon, lat = _lonlat(crs, x, y)
    cx0, cy0, cx1, cy1 = CHINA_BOUNDS
    with np.errstate(invalid="ignore"):
        in_box = (lon >= cx0) & (lon <= cx1) & (lat >= cy0) & (lat <= cy1)
    if in_box.all():  # a place in China, but far from the zone: another zone's coordinates
        far = float(np.abs(lon - cm).max())
        return (
            f"（坐标离该投影带中央经线 {cm:g}°E 约 {far:.0f}°，可能属于另一投影带）",
            f" (the coordinates lie about {far:.0f} degrees from the zone's central meridian "
            f"{cm:g} E: another zone?)",
        )
    return "", ""


def _present(geoms: gpd.GeoSeries) -> np.ndarray:
    """Mask of the geometries that are neither missing nor empty."""
    arr = geoms.to_numpy()
    return np.asarray(~shapely.is_missing(arr) & ~shapely.is_empty(arr), dtype=bool)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.6g}"


def _check_coordinates(
    gdf: gpd.GeoDataFrame, crs: CRS, report: Report, where: dict[str, str | None]
) -> bool:
    """Report features whose coordinates are no sane place in China in ``crs`` (one error)."""
    geoms = gdf.geometry
    present = _present(geoms)
    if not present.any():
        return True
    rows = np.flatnonzero(present)
    b = geoms.bounds.to_numpy(dtype=float)[rows]
    x, y = b[:, [0, 2, 0, 2]], b[:, [1, 1, 3, 3]]
    fits = _fits(crs, x, y)
    if fits.all():
        return True
    bad = ~fits
    first = int(np.flatnonzero(bad)[0])
    minx, miny, maxx, maxy = b[first]
    lon, lat = _lonlat(crs, np.array([(minx + maxx) / 2]), np.array([(miny + maxy) / 2]))
    if abs(lon[0]) <= 180 and abs(lat[0]) <= 90:  # False for inf and nan
        at_zh = f"，换算为经度 {lon[0]:.2f}°、纬度 {lat[0]:.2f}°"
        at_en = f" (lon {lon[0]:.2f}, lat {lat[0]:.2f})"
    else:
        at_zh, at_en = "，无法换算为有效的经纬度", " (no valid lon/lat)"
    hint_zh, hint_en = _diagnose(crs, x[bad], y[bad])
    k, n = int(bad.sum()), len(rows)
    cx0, cy0, cx1, cy1 = CHINA_BOUNDS
    box_zh = f"经度 {cx0:g}°–{cx1:g}°E、纬度 {cy0:g}°–{cy1:g}°N"
    box_en = f"lon {cx0:g}–{cx1:g} E, lat {cy0:g}–{cy1:g} N"
    xy = f"x {_fmt(minx)}–{_fmt(maxx)}, y {_fmt(miny)}–{_fmt(maxy)}"
    report.error(
        "outside_crs",
        f"{k} 个要素（共 {n} 个）的坐标不在坐标系 {crs.name} 下的中国境内（{box_zh}）；"
        f"第一个在第 {int(rows[first]) + 1} 行：{xy}{at_zh}{hint_zh}",
        f"{k} of {n} features lie outside the area of China ({box_en}) when read in {crs.name}; "
        f"the first is row {int(rows[first]) + 1}: {xy}{at_en}{hint_en}",
        hint_zh="与所声明坐标系一致的坐标（检查坐标系、投影带、带号与 X/Y 顺序）",
        hint_en="coordinates that match the declared CRS (check the CRS, zone, zone number and "
        "axis order)",
        row=int(rows[first]) + 1,
        column="geometry",
        **where,
    )
    return False


# --------------------------------------------------------------------------- working CRS


def area_distortion(crs: CRS, lon: ArrayLike, lat: ArrayLike) -> float:
    """Largest relative area distortion of projected ``crs`` at the lon/lat points (inf if unknown)."""
    try:
        with np.errstate(all="ignore"):
            lons, lats = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
            scale = Proj(crs).get_factors(lons, lats, errcheck=False).areal_scale
    except (ProjError, CRSError, RuntimeError):
        return math.inf
    dev = np.abs(np.asarray(scale, dtype=float) - 1.0)
    return float(dev.max()) if dev.size and np.isfinite(dev).all() else math.inf


def gk_zone_crs(lon: float) -> CRS:
    """The CGCS2000 3-degree Gauss-Kruger CRS (CM-based, EPSG:4534–4554) nearest to ``lon``."""
    cm = min(135, max(75, 3 * round(lon / 3)))
    return CRS.from_epsg(4534 + (cm - 75) // 3)


def _in_metres(crs: CRS) -> bool:
    return bool(crs.axis_info) and all(a.unit_name in ("metre", "meter") for a in crs.axis_info)


def working_crs_for(crs: CRS, gdf: gpd.GeoDataFrame | None = None) -> CRS:
    """Pick the projected working CRS (metres) in which areas are computed.

    Without data: the layer's own CRS when projected, else EPSG:4549. With the layer (``gdf``, in
    ``crs``): its own CRS when projected in metres and distorting areas over the data by at most
    :data:`MAX_AREA_DISTORTION`; else the CGCS2000 3-degree zone nearest to the data (lon/lat,
    Web Mercator, UTM data past the zone's edge). Areas in a geographic CRS are never computed.
    """
    fallback = crs if crs.is_projected else CRS.from_user_input(DEFAULT_WORKING_CRS)
    if gdf is None:
        return fallback
    geoms = gdf.geometry[_present(gdf.geometry)]
    if len(geoms) == 0:
        return fallback
    minx, miny, maxx, maxy = geoms.total_bounds
    x = np.array([minx, maxx, minx, maxx, (minx + maxx) / 2])
    y = np.array([miny, miny, maxy, maxy, (miny + maxy) / 2])
    lon, lat = _lonlat(crs, x, y)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return fallback
    if (
        crs.is_projected
        and _in_metres(crs)
        and area_distortion(crs, lon[:4], lat[:4]) <= MAX_AREA_DISTORTION
    ):
        return crs
    return gk_zone_crs(float(lon[4]))


def to_working(gdf: gpd.GeoDataFrame, working: CRS | str) -> gpd.GeoDataFrame:
    """Project a layer to the working CRS (no-op when already there)."""
    target = CRS.from_user_input(working)
    if gdf.crs is not None and CRS.from_user_input(gdf.crs) == target:
        return gdf
    return gdf.to_crs(target)
