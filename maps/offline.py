"""Offline safety: basemap choices, the GCJ-02 display shift and JSON that is safe in a script.

The maps render with no network by default (``basemap="none"``). Tile basemaps are an option;
their URL templates are the only web addresses a map may contain. 高德 (Gaode/AutoNavi) tiles are
drawn in GCJ-02, so they are only offered together with an explicit request to shift a *display
copy* of the coordinates; stored data are never shifted.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from geodata.report import fail

BASEMAPS: tuple[str, ...] = ("none", "osm", "tianditu", "gaode")

_TDT_KEY_RE = re.compile(r"^[A-Za-z0-9]{8,64}$")
#: Attributes that make a browser fetch something (used by :func:`external_refs`).
_REF_RE = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TileSpec:
    """One tile layer: a Leaflet URL template and its options."""

    name: str
    url: str
    attribution: str
    subdomains: str = ""
    max_zoom: int = 18
    overlay: bool = False

    def to_json(self) -> dict[str, Any]:
        """The spec as the map script reads it."""
        return {
            "name": self.name,
            "url": self.url,
            "attr": self.attribution,
            "sub": self.subdomains,
            "maxZoom": self.max_zoom,
            "overlay": self.overlay,
        }


def tile_specs(
    basemap: str, *, lang: str = "zh", tianditu_key: str | None = None, shift_gcj02: bool = False
) -> list[TileSpec]:
    """The tile layers of a basemap choice; raise :class:`DataError` for an unusable choice.

    Parameters
    ----------
    basemap
        ``none`` (default, no tiles), ``osm``, ``tianditu`` (needs ``tianditu_key``) or ``gaode``
        (needs ``shift_gcj02=True``).
    lang
        ``zh`` or ``en`` for the layer names.
    tianditu_key
        The 天地图 developer key (token ``tk``).
    shift_gcj02
        The explicit consent to draw a GCJ-02-shifted display copy, required for ``gaode``.
    """
    zh = lang == "zh"
    if basemap not in BASEMAPS:
        raise fail(
            "bad_basemap",
            f"未知的底图 {basemap}",
            f"unknown basemap {basemap}",
            hint_zh="、".join(BASEMAPS),
            hint_en=", ".join(BASEMAPS),
        )
    if basemap == "none":
        return []
    if basemap == "osm":
        return [
            TileSpec(
                "OpenStreetMap",
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "© OpenStreetMap contributors",
                max_zoom=19,
            )
        ]
    if basemap == "tianditu":
        return _tianditu(tianditu_key, zh)
    return _gaode(shift_gcj02, zh)


def _tianditu(tianditu_key: str | None, zh: bool) -> list[TileSpec]:
    """天地图: vector tiles and their labels (CGCS2000), with the developer key."""
    key = (tianditu_key or "").strip()
    if not _TDT_KEY_RE.match(key):
        raise fail(
            "tianditu_key",
            "天地图底图需要有效的开发者密钥（--tianditu-key），密钥只含字母和数字",
            "the 天地图 (Tianditu) basemap needs a valid developer key (--tianditu-key), "
            "letters and digits only",
            hint_zh="在天地图开放平台申请的密钥",
            hint_en="a key from the Tianditu developer platform",
        )
    tmpl = (
        "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + key
    )
    attr = "© 天地图 (CGCS2000)" if zh else "© Tianditu (CGCS2000)"
    return [
        TileSpec("天地图" if zh else "Tianditu", tmpl % ("vec", "vec"), attr, "01234567"),
        TileSpec(
            "天地图注记" if zh else "Tianditu labels",
            tmpl % ("cva", "cva"),
            attr,
            "01234567",
            overlay=True,
        ),
    ]


def _gaode(shift_gcj02: bool, zh: bool) -> list[TileSpec]:
    """高德 tiles, drawn in GCJ-02: only with the consent to shift a display copy."""
    if not shift_gcj02:
        raise fail(
            "gaode_needs_shift",
            "高德底图使用 GCJ-02 加密坐标，须同时明确指定 --shift-gcj02（仅偏移地图显示副本，"
            "不改动数据）",
            "Gaode tiles are in GCJ-02; pass --shift-gcj02 explicitly as well (only the map's "
            "display copy is shifted, the data are not)",
            hint_zh="--basemap gaode --shift-gcj02，或改用 none / osm / tianditu",
            hint_en="--basemap gaode --shift-gcj02, or use none / osm / tianditu",
        )
    return [
        TileSpec(
            "高德地图" if zh else "Gaode (AutoNavi)",
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            "© 高德地图 AutoNavi (GCJ-02)",
            "1234",
        )
    ]


# --------------------------------------------------------------------------- GCJ-02

_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lng < 72.004) | (lng > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _d_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pi = math.pi
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    return r


def _d_lng(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pi = math.pi
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lnglat: np.ndarray) -> np.ndarray:
    """Shift WGS84/CGCS2000 longitude–latitude pairs (shape ``(n, 2)``) to GCJ-02.

    For display on GCJ-02 tiles only. Points outside China are returned unchanged.
    """
    arr = np.asarray(lnglat, dtype=float)
    if arr.size == 0:
        return arr.copy()
    lng, lat = arr[:, 0], arr[:, 1]
    dlat = _d_lat(lng - 105.0, lat - 35.0)
    dlng = _d_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sq) * math.pi)
    dlng = (dlng * 180.0) / (_A / sq * np.cos(rad) * math.pi)
    out = np.column_stack([lng + dlng, lat + dlat])
    keep = _out_of_china(lng, lat)
    out[keep] = arr[keep]
    return out


# --------------------------------------------------------------------------- safe text


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return _clean(float(obj))
    return obj


def script_json(obj: Any) -> str:
    """JSON text that can be placed verbatim inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``… escapes (so ``</script>`` and ``<!--`` cannot end or
    change the script), U+2028/U+2029 are escaped, NaN/inf become ``null``; quotes, backslashes
    and backticks are handled by JSON string escaping.
    """
    text = json.dumps(_clean(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def external_refs(html: str) -> list[str]:
    """The ``src=``/``href=`` attributes of a page that point to the network (should be none)."""
    out = []
    for m in _REF_RE.finditer(html):
        out.append(html[m.start() : m.start() + 120])
    return out
