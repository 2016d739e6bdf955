"""The geometry payload of a map: parcels, factories and zone outlines, embedded once per page.

Parcels are simplified in the projected CRS, projected to WGS84, rounded and delta-encoded
(:mod:`maps.geom`); zones come from the zones layer, or are outlined around their parcels when
there is none. Records are keyed as in :mod:`maps.payload` (:data:`~maps.payload.PARCEL`,
:data:`~maps.payload.FACTORY`, :data:`~maps.payload.ZONE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd

from geodata.schema import normalise_id
from geodata.store import Tables
from maps import geom, i18n
from maps.i18n import tr
from maps.payload import _num, _text


@dataclass(slots=True)
class _Geo:
    payload: dict[str, Any]
    parcel_index: dict[str, int]
    factory_index: dict[str, int]
    parcel_zone: list[str]
    factory_zone: list[str]


def _zone_names(tables: Tables, lang: str) -> dict[str, str]:
    return i18n.zone_names(tables, lang)


def _admitted(tables: Tables, lang: str) -> list[str]:
    """Per parcel, the clusters its zoning admits (names, joined), or "any industry"."""
    par = tables.parcels
    if not len(par):
        return []
    name_col = "name_en" if lang == "en" else "name_zh"
    names = {
        normalise_id(r.get("cluster")): _text(r.get(name_col)) or _text(r.get("name_zh"))
        for r in tables.clusters.to_dict("records")
    }
    sep = ", " if lang == "en" else "、"
    out: list[str] = []
    for value in par["clusters"] if "clusters" in par.columns else [()] * len(par):
        if isinstance(value, str):
            value = re.split(r"[,;，；、\s]+", value)
        codes = [normalise_id(c) for c in (value if isinstance(value, list | tuple) else ())]
        codes = [c for c in codes if c]
        out.append(
            sep.join(names.get(c) or c for c in codes)
            if codes
            else tr(lang, "不限（工业用途均可）", "any industrial use")
        )
    return out


def _geo_payload(tables: Tables, *, lang: str, shift_gcj02: bool) -> _Geo:
    par = tables.parcels
    zone_names = _zone_names(tables, lang)
    parcel_ids = [normalise_id(v) for v in par["parcel_id"]] if len(par) else []
    parcel_zone = [normalise_id(v) for v in par["zone"]] if len(par) else []
    areas = [_num(v) for v in par["area_mu"]] if len(par) else []
    encoded: list[geom.Encoded] = []
    bounds = None
    if len(par):
        encoded, bounds = geom.display_polygons(par.geometry, shift_gcj02=shift_gcj02)
    land_use = [_text(v) for v in par["land_use"]] if "land_use" in par.columns else []
    land_use += [""] * (len(parcel_ids) - len(land_use))
    admitted = _admitted(tables, lang)
    parcels = [
        {
            "id": pid,
            "zone": zone_names.get(z, z),
            "area": round(a, 1) if a is not None else None,
            "geom": g,
            "landUse": lu,
            "admitted": adm,
        }
        for pid, z, a, g, lu, adm in zip(
            parcel_ids, parcel_zone, areas, encoded, land_use, admitted, strict=True
        )
    ]
    factories, factory_ids, factory_zone, bounds = _factories(
        tables, zone_names, bounds, shift_gcj02=shift_gcj02
    )
    zones = _zones(tables, zone_names, parcel_zone, lang=lang, shift_gcj02=shift_gcj02)
    return _Geo(
        payload={"parcels": parcels, "factories": factories, "zones": zones, "bounds": bounds},
        parcel_index={pid: i for i, pid in enumerate(parcel_ids)},
        factory_index={fid: i for i, fid in enumerate(factory_ids)},
        parcel_zone=parcel_zone,
        factory_zone=factory_zone,
    )


def _factories(
    tables: Tables, zone_names: dict[str, str], bounds: Any, *, shift_gcj02: bool
) -> tuple[list[dict[str, Any]], list[str], list[str], Any]:
    """The factory records, their ids and zone codes, and the bounds (the factories' when there
    are no parcels)."""
    fac = tables.factories
    factories: list[dict[str, Any]] = []
    factory_ids: list[str] = []
    factory_zone: list[str] = []
    if len(fac):
        pts = geom.point_latlng(fac.geometry, shift_gcj02=shift_gcj02)
        factory_ids = [normalise_id(v) for v in fac["factory_id"]]
        factory_zone = [normalise_id(v) for v in fac["zone"]]
        for fid, z, floor, pt in zip(
            factory_ids, factory_zone, fac["floor_area_m2"], pts, strict=True
        ):
            factories.append(
                {"id": fid, "zone": zone_names.get(z, z), "floor": _num(floor) or 0.0, "latlng": pt}
            )
        if bounds is None and pts:
            lats = [p[0] for p in pts]
            lngs = [p[1] for p in pts]
            bounds = [[min(lats), min(lngs)], [max(lats), max(lngs)]]
    return factories, factory_ids, factory_zone, bounds


def _zones(
    tables: Tables,
    zone_names: dict[str, str],
    parcel_zone: list[str],
    *,
    lang: str,
    shift_gcj02: bool,
) -> list[dict[str, Any]]:
    """The zone outlines of the zones layer, or (without one) around each zone's parcels."""
    par = tables.parcels
    zones: list[dict[str, Any]] = []
    zlayer = tables.zones
    if zlayer is not None and len(zlayer) and zlayer.geometry.notna().any():
        zg = zlayer[zlayer.geometry.notna() & ~zlayer.geometry.is_empty]
        enc, _ = geom.display_polygons(zg.geometry, tolerance_m=5.0, shift_gcj02=shift_gcj02)
        labels = geom.point_latlng(zg.geometry, shift_gcj02=shift_gcj02)
        for code, g, p in zip(zg["zone"], enc, labels, strict=True):
            c = normalise_id(code)
            zones.append({"name": zone_names.get(c, c), "geom": g, "labelAt": p})
    elif len(par):
        # no zones layer: outline each zone's parcels (hull, 60 m margin), labelled as derived
        derived = gpd.GeoDataFrame({"zone": parcel_zone}, geometry=par.geometry.values, crs=par.crs)
        hulls = derived.dissolve("zone").convex_hull.buffer(60.0)
        enc, _ = geom.display_polygons(hulls, tolerance_m=5.0, shift_gcj02=shift_gcj02)
        labels = geom.point_latlng(hulls, shift_gcj02=shift_gcj02)
        note = tr(lang, "（按地块范围）", " (from parcels)")
        for code, g, p in zip(hulls.index, enc, labels, strict=True):
            zones.append(
                {"name": zone_names.get(str(code), str(code)) + note, "geom": g, "labelAt": p}
            )
    return zones
