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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from geodata import crs as crs_mod
from geodata import geometry as geom_mod
from geodata.inputs import check_input_file
from geodata.instance import (
    DEFAULT_NEEDS,
    READINESS_ITEMS,
    Cluster,
    Factory,
    Instance,
    Parcel,
    Project,
    Quota,
)
from geodata.rawcells import restore_text_cells
from geodata.report import DataError, Problem, Report, fail
from geodata.schema import LAYERS, coerce_table, id_key, normalise_id
from geodata.units import M2_PER_MU, mu_to_cmu, to_int, yi_to_wan

REQUIRED_LAYERS = ("parcels", "projects", "quotas")
OPTIONAL_LAYERS = ("factories", "clusters", "zones")


@dataclass(slots=True)
class Tables:
    """The contract layers after the schema and geodata tiers (original units, typed cells).

    ``parcels``, ``factories`` and ``zones`` are GeoDataFrames in the working CRS; the others are
    plain DataFrames. This is what the verifier and the maps read; the optimizer reads the
    :class:`Instance` built from it.
    """

    parcels: gpd.GeoDataFrame
    factories: gpd.GeoDataFrame
    projects: pd.DataFrame
    quotas: pd.DataFrame
    clusters: pd.DataFrame
    zones: gpd.GeoDataFrame | None = None
    crs: str = crs_mod.DEFAULT_WORKING_CRS
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: Per-layer source file names for messages (e.g. after ``landalloc import``); layers not
    #: listed fall back to ``source``.
    files: dict[str, str] = field(default_factory=dict)
    #: Layers whose rows could not be read (a required column missing, a refused CRS, no
    #: geometry; errors reported): they are empty here, and references into them are not
    #: checked (every reference would look unknown).
    unread: frozenset[str] = frozenset()

    def file_of(self, layer: str) -> str | None:
        """The file name to cite in messages about ``layer``."""
        if layer in self.files:
            return self.files[layer]
        return Path(self.source).name if self.source else None


def _empty_gdf(layer: str, crs: str) -> gpd.GeoDataFrame:
    cols = [c.name for c in LAYERS[layer]]
    return gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def read_tables(path: str | Path, report: Report) -> Tables | None:
    """Read a landalloc GeoPackage through the schema and geodata tiers.

    Returns ``None`` when a layer could not be read at all; otherwise the tables, with problems in
    ``report`` (the caller decides whether they block).
    """
    p = Path(path)
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
    tables.source = str(p)
    tables.unread = tables.unread | frozenset(unread)
    crs_mod.drop_empty_after_crs(report)  # a refused CRS is not also an empty layer
    return tables


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
    par = coerce_table(parcels, "parcels", report, file=_f("parcels"))
    if "geometry" in par.columns and len(par):
        par = geom_mod.check_parcel_geometry(
            gpd.GeoDataFrame(par, crs=parcels.crs), report, file=_f("parcels")
        )
        computed = geom_mod.area_mu(par)
        given = par["area_mu"].tolist()
        par["area_mu"] = [
            float(g) if g is not None and not pd.isna(g) else float(c)
            for g, c in zip(given, computed, strict=True)
        ]
    pro = coerce_table(
        projects.drop(columns="geometry", errors="ignore"), "projects", report, file=_f("projects")
    )
    quo = coerce_table(
        quotas.drop(columns="geometry", errors="ignore"), "quotas", report, file=_f("quotas")
    )
    if clusters is None or len(clusters) == 0:
        codes = sorted({str(c) for c in pro.get("cluster", []) if c})
        clu = pd.DataFrame(
            {
                "cluster": codes,
                "name_zh": codes,
                "name_en": codes,
                "color": ["#888888"] * len(codes),
                "anchor_x": None,
                "anchor_y": None,
            }
        )
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


def _first_year(tables: Tables) -> int:
    years = [int(y) for y in tables.quotas["year"].tolist() if y is not None]
    return min(years) if years else dt.date.today().year


def _zone_spellings(tables: Tables, report: Report) -> dict[str, str]:
    """Zone codes by :func:`~geodata.schema.id_key`, spelled as where zones are defined.

    Zones are defined by the ``zones`` layer when there is one, otherwise by the parcels and
    factories. A code written in two ways that differ only in width, spaces or case (``A`` and
    ``Ａ``) is an error naming both spellings (the first spelling is kept).
    """
    if tables.zones is not None and "zone" in tables.zones.columns and len(tables.zones):
        sources = [("zones", tables.zones)]
    else:
        sources = [("parcels", tables.parcels), ("factories", tables.factories)]
    first: dict[str, tuple[str, str, int]] = {}
    told: set[str] = set()
    for layer, df in sources:
        for i, z in enumerate(df["zone"].tolist()):
            code = normalise_id(z)
            if not code:
                continue
            seen = first.setdefault(id_key(code), (code, layer, i + 1))
            if seen[0] != code and code not in told:
                told.add(code)
                report.error(
                    "zone_spelling",
                    f"片区代码 “{code}” 与图层 {seen[1]} 第 {seen[2]} 行的 “{seen[0]}” 只有全角/半角、"
                    "空格或大小写不同，无法确定是否同一片区",
                    f"zone code '{code}' differs from '{seen[0]}' ({seen[1]} row {seen[2]}) only "
                    "in width, spaces or case; cannot tell whether they are one zone",
                    file=tables.file_of(layer),
                    layer=layer,
                    row=i + 1,
                    column="zone",
                    hint_zh=f"同一片区统一写作 “{seen[0]}”",
                    hint_en=f"write one zone the same way everywhere, e.g. '{seen[0]}'",
                )
    return {k: v[0] for k, v in first.items()}


def _resolve_spelling(
    tables: Tables,
    df: pd.DataFrame,
    column: str,
    by_key: dict[str, str],
    report: Report,
    *,
    layer: str,
    target: str,
) -> None:
    """Rewrite references that match an id only by :func:`~geodata.schema.id_key` to its spelling.

    A reference spelled exactly like an id is kept; one that matches an id only when width,
    spaces and case are ignored (``DK－1`` for ``DK-1``) is replaced by the id as spelled in
    ``target`` with one warning per spelling (an error with ``--strict``); one that matches no id
    is left for the caller to report. Ids are unique by ``id_key`` (duplicates are errors), so
    the match is unambiguous.
    """
    exact = set(by_key.values())
    values = df[column].tolist()
    rows: dict[str, list[int]] = {}
    out: list[Any] = []
    for i, v in enumerate(values):
        canon = by_key.get(id_key(v)) if v and v not in exact else None
        if canon is None:
            out.append(v)
            continue
        out.append(canon)
        rows.setdefault(str(v), []).append(i + 1)
    if not rows:
        return
    df[column] = pd.Series(out, index=df.index, dtype=df[column].dtype)
    for v, at in rows.items():
        canon = by_key[id_key(v)]
        more_zh = f"（共 {len(at)} 行）" if len(at) > 1 else ""
        more_en = f" ({len(at)} rows)" if len(at) > 1 else ""
        report.warning(
            "reference_spelling",
            f"“{v}” 与图层 {target} 中的 “{canon}” 只有全角/半角、空格或大小写不同，按 “{canon}” "
            f"处理{more_zh}",
            f"'{v}' matches '{canon}' of layer {target} only when width, spaces and case are "
            f"ignored; read as '{canon}'{more_en}",
            file=tables.file_of(layer),
            layer=layer,
            row=at[0],
            column=column,
            hint_zh=f"与 {target} 中完全一致：“{canon}”",
            hint_en=f"exactly as in {target}: '{canon}'",
        )


def _cluster_hint(clusters: pd.DataFrame) -> tuple[str, str]:
    """The valid cluster codes, each with its name when that differs (Chinese, English)."""
    zh: list[str] = []
    en: list[str] = []
    for rec in sorted(clusters.to_dict("records"), key=lambda r: normalise_id(r.get("cluster"))):
        code = normalise_id(rec.get("cluster"))
        name_zh = normalise_id(rec.get("name_zh"))
        name_en = normalise_id(rec.get("name_en")) or name_zh
        if code:
            zh.append(f"{code}（{name_zh}）" if name_zh and name_zh != code else code)
            en.append(f"{code} ({name_en})" if name_en and name_en != code else code)
    return "集群代码（名称）：" + "、".join(zh), "cluster codes (names): " + ", ".join(en)


def check_references(tables: Tables, report: Report) -> None:
    """Tier 3: cross-layer references and arithmetic pre-checks that need no solver.

    References (a parcel's or factory's zone to the ``zones`` layer, a quota's zone, a project's
    ``pinned_carrier``) match ids exactly. One that matches only when width, spaces and case are
    ignored is rewritten in ``tables`` to the id's spelling, with a ``reference_spelling``
    warning (see :func:`_resolve_spelling`); a zone code written two such ways where zones are
    defined is an error. Parcels and factories are carriers: their ids are one namespace, and
    an id used by both is an error naming both rows.

    The checks also run on data with errors of the earlier tiers (cells that could not be
    parsed are ``None`` and skipped); references into a layer of :attr:`Tables.unread` are not
    checked.
    """
    par, fac, pro, quo = tables.parcels, tables.factories, tables.projects, tables.quotas
    unread = tables.unread
    carriers_read = not ({"parcels", "factories"} & unread)
    cluster_codes = set(tables.clusters["cluster"].dropna().astype(str))
    clusters_read = "clusters" not in unread and (
        len(cluster_codes) > 0 or "projects" not in unread
    )
    cluster_hint = _cluster_hint(tables.clusters)
    zone_of = _zone_spellings(tables, report)
    has_zones = tables.zones is not None and "zone" in tables.zones.columns and len(tables.zones)
    if has_zones:
        declared = set(zone_of.values())
        for layer, df in (("parcels", par), ("factories", fac)):
            _resolve_spelling(tables, df, "zone", zone_of, report, layer=layer, target="zones")
            for i, z in enumerate(df["zone"].tolist()):
                if z and z not in declared:
                    report.error(
                        "unknown_zone",
                        f"片区代码 {z} 未在 zones 图层中定义",
                        f"zone code {z} is not defined in layer zones",
                        file=tables.file_of(layer),
                        layer=layer,
                        row=i + 1,
                        column="zone",
                        hint_zh="、".join(sorted(declared)),
                        hint_en=", ".join(sorted(declared)),
                    )
    zone_codes = set(par["zone"].dropna().astype(str)) | set(fac["zone"].dropna().astype(str))
    zone_codes |= set(zone_of.values())
    _resolve_spelling(
        tables,
        quo,
        "zone",
        zone_of,
        report,
        layer="quotas",
        target="zones" if has_zones else "parcels/factories",
    )
    for i, z in enumerate(quo["zone"].tolist()):
        if z and z != "*" and z not in zone_codes and (carriers_read or has_zones):
            report.error(
                "unknown_zone",
                f"用地指标中的片区代码 {z} 不存在",
                f"quota zone {z} does not exist",
                file=tables.file_of("quotas"),
                layer="quotas",
                row=i + 1,
                column="zone",
                hint_zh="* 或 " + "、".join(sorted(zone_codes)),
                hint_en="* or " + ", ".join(sorted(zone_codes)),
            )
    for layer, df, col in (
        ("parcels", par, "clusters"),
        ("factories", fac, "clusters"),
        ("projects", pro, "cluster"),
    ):
        for i, v in enumerate(df[col].tolist()):
            codes = v if isinstance(v, tuple | list) else ((v,) if v else ())
            for c in codes:
                if c not in cluster_codes and clusters_read:
                    report.error(
                        "unknown_cluster",
                        f"产业集群代码 {c} 未在 clusters 图层中定义",
                        f"cluster code {c} is not defined in layer clusters",
                        file=tables.file_of(layer),
                        layer=layer,
                        row=i + 1,
                        column=col,
                        hint_zh=cluster_hint[0],
                        hint_en=cluster_hint[1],
                    )
    # a cluster used by a project but admitted by no carrier
    open_carrier = any(len(v) == 0 for v in par["clusters"]) or any(
        len(v) == 0 for v in fac["clusters"]
    )
    admitted = {c for v in par["clusters"] for c in v} | {c for v in fac["clusters"] for c in v}
    if not open_carrier and carriers_read:
        for c in sorted({str(c) for c in pro["cluster"] if c} - admitted):
            report.warning(
                "cluster_without_carrier",
                f"没有任何载体准入产业集群 {c}，该集群项目均无法落地",
                f"no carrier admits cluster {c}; its projects cannot be placed",
                file=tables.file_of("projects"),
                layer="projects",
                column="cluster",
            )
    _check_carrier_ids(tables, report)
    # pins
    parcel_area = dict(zip(par["parcel_id"], par["area_mu"], strict=True))
    carrier_ids = set(parcel_area) | set(fac["factory_id"])
    carrier_of: dict[str, str] = {}
    for c in [*par["parcel_id"].tolist(), *fac["factory_id"].tolist()]:
        if c:
            carrier_of.setdefault(id_key(c), str(c))
    _resolve_spelling(
        tables,
        pro,
        "pinned_carrier",
        carrier_of,
        report,
        layer="projects",
        target="parcels/factories",
    )
    first = _first_year(tables)
    pinned_land: dict[int, float] = {}
    for i, (pid, pin) in enumerate(zip(pro["project_id"], pro["pinned_carrier"], strict=True)):
        if not pin:
            continue
        if pin not in carrier_ids:
            if not carriers_read:  # the carriers could not be read: cannot tell
                continue
            report.error(
                "unknown_pin",
                f"项目 {pid} 锁定的载体 {pin} 不存在",
                f"project {pid} is pinned to carrier {pin}, which does not exist",
                file=tables.file_of("projects"),
                layer="projects",
                row=i + 1,
                column="pinned_carrier",
            )
        elif pin in parcel_area:
            sy = pro["start_year"].iloc[i] or first
            pinned_land[int(sy)] = pinned_land.get(int(sy), 0.0) + float(parcel_area[pin])
    district = {
        int(y): float(q)
        for y, z, q in zip(quo["year"], quo["zone"], quo["land_mu"], strict=True)
        if z == "*" and y is not None and q is not None
    }
    # a quota row with a cell that could not be read: the totals could be wrong, not checked
    cells = [*quo["year"], *quo["zone"], *quo["land_mu"]]
    unreadable = "quotas" in unread or any(v is None for v in cells)
    years = [] if unreadable else sorted(district)
    for y in years:
        need = sum(a for sy, a in pinned_land.items() if sy >= y)
        have = sum(district[t] for t in years if t >= y)
        if need > have + 1e-9:
            report.error(
                "pins_exceed_quota",
                f"{y} 年起锁定项目的用地合计 {need:.1f} 亩，超过 {y} 年起的用地指标 {have:.1f} 亩",
                f"pinned land from {y} on totals {need:.1f} mu, above the quota of those years "
                f"({have:.1f} mu)",
                file=tables.file_of("quotas"),
                layer="quotas",
            )
    # projects larger than every parcel and every group of adjacent parcels in one zone
    if len(par) and "geometry" in par.columns and par.geometry.notna().all():
        biggest = _largest_group_area(tables)
        for i, (pid, land, carrier) in enumerate(
            zip(pro["project_id"], pro["land_mu"], pro["carrier"], strict=True)
        ):
            if land and carrier != "factory" and float(land) > biggest + 1e-9:
                report.warning(
                    "project_too_large",
                    f"项目 {pid} 需用地 {float(land):.1f} 亩，大于任何地块或同片区相邻地块组合"
                    f"（最大 {biggest:.1f} 亩）",
                    f"project {pid} needs {float(land):.1f} mu, more than any parcel or group of "
                    f"adjacent parcels in one zone (largest {biggest:.1f} mu)",
                    file=tables.file_of("projects"),
                    layer="projects",
                    row=i + 1,
                    column="land_mu",
                )


def _check_carrier_ids(tables: Tables, report: Report) -> None:
    """Parcels and factories are carriers with one id namespace: no id may name both.

    Ids are compared by :func:`~geodata.schema.id_key` (as duplicates within a layer are); each
    factory whose id is also a parcel's is an error naming both layers and rows.
    """
    parcel_row: dict[str, tuple[str, int]] = {}
    for i, v in enumerate(tables.parcels["parcel_id"].tolist()):
        if v:
            parcel_row.setdefault(id_key(v), (str(v), i + 1))
    for j, v in enumerate(tables.factories["factory_id"].tolist()):
        if not v or id_key(v) not in parcel_row:
            continue
        pid, row = parcel_row[id_key(v)]
        pfile = tables.file_of("parcels")
        at_zh = f"{pfile} 图层 parcels 第 {row} 行" if pfile else f"图层 parcels 第 {row} 行"
        at_en = f"{pfile} layer parcels row {row}" if pfile else f"layer parcels row {row}"
        report.error(
            "duplicate_carrier_id",
            f"厂房编号 “{v}” 与地块 “{pid}”（{at_zh}）重复：地块和厂房都是载体，编号不能相同",
            f"factory id '{v}' is also the id of parcel '{pid}' ({at_en}): parcels and "
            "factories are both carriers and share one id namespace",
            file=tables.file_of("factories"),
            layer="factories",
            row=j + 1,
            column="factory_id",
            hint_zh="给厂房或地块另取一个编号（锁定载体和结果都按编号识别载体）",
            hint_en="give the factory or the parcel another id (pins and results name carriers "
            "by id)",
        )


def _largest_group_area(tables: Tables) -> float:
    par = tables.parcels
    nb = geom_mod.adjacency(par, "parcel_id", "zone")
    area = dict(zip(par["parcel_id"], par["area_mu"], strict=True))
    seen: set[str] = set()
    best = 0.0
    for start in sorted(area):
        if start in seen:
            continue
        stack, comp = [start], 0.0
        seen.add(start)
        while stack:
            cur = stack.pop()
            comp += float(area[cur])
            for n in nb[cur]:
                if n not in seen:
                    seen.add(n)
                    stack.append(n)
        best = max(best, comp)
    return best


def _opt(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def build_instance(tables: Tables) -> Instance:
    """Turn validated tables into the integer :class:`Instance` (sorted by id)."""
    first = _first_year(tables)
    par = tables.parcels
    nb = geom_mod.adjacency(par, "parcel_id", "zone") if len(par) else {}
    cent: Any = par.geometry.representative_point() if len(par) else []
    parcels = []
    r: Any
    for i, r in enumerate(par.itertuples(index=False)):
        parcels.append(
            Parcel(
                parcel_id=str(r.parcel_id),
                zone=str(r.zone),
                land_use=str(r.land_use),
                clusters=frozenset(r.clusters),
                area_cmu=mu_to_cmu(float(r.area_mu)),
                divisible=bool(r.divisible),
                available_year=int(r.available_year or first),
                max_pollution=int(r.max_pollution),
                min_intensity_wan_per_mu=float(r.min_intensity_wan_per_mu or 0.0),
                min_tax_wan_per_mu=float(r.min_tax_wan_per_mu or 0.0),
                far_min=_opt(r.far_min),
                far_max=_opt(r.far_max),
                ready={k: getattr(r, f"ready_{k}") for k in READINESS_ITEMS},
                x_m=float(cent.iloc[i].x),
                y_m=float(cent.iloc[i].y),
                neighbours=nb.get(str(r.parcel_id), ()),
            )
        )
    fac = tables.factories
    factories = []
    if len(fac):
        pts = fac.geometry.representative_point()
        for i, r in enumerate(fac.itertuples(index=False)):
            factories.append(
                Factory(
                    factory_id=str(r.factory_id),
                    zone=str(r.zone),
                    clusters=frozenset(r.clusters),
                    floor_m2=to_int(float(r.floor_area_m2)),
                    floor_load_kg_m2=_opt(r.floor_load_kg_m2),
                    clear_height_m=_opt(r.clear_height_m),
                    available_year=int(r.available_year or first),
                    max_pollution=int(r.max_pollution),
                    x_m=float(pts.iloc[i].x),
                    y_m=float(pts.iloc[i].y),
                )
            )
    projects = []
    for r in tables.projects.itertuples(index=False):
        land = float(r.land_mu or 0.0)
        floor = float(r.floor_m2 or 0.0)
        carrier = r.carrier or (
            "either" if land > 0 and floor > 0 else "factory" if floor > 0 else "land"
        )
        projects.append(
            Project(
                project_id=str(r.project_id),
                name=str(r.name or ""),
                company=str(r.company or ""),
                cluster=str(r.cluster),
                stage=str(r.stage),
                investment_wan=yi_to_wan(float(r.investment_yi)),
                land_cmu=mu_to_cmu(land),
                floor_m2=to_int(floor),
                carrier=str(carrier),
                land_use=str(r.land_use),
                output_wan=yi_to_wan(float(r.output_yi or 0.0)),
                tax_wan=to_int(float(r.tax_wan or 0.0)),
                jobs=int(r.jobs or 0),
                pollution=int(r.pollution),
                start_year=int(r.start_year or first),
                ready_to_build=bool(r.ready_to_build),
                needs=frozenset(r.needs) if r.needs else DEFAULT_NEEDS,
                min_floor_load_kg_m2=_opt(r.min_floor_load_kg_m2),
                min_clear_height_m=_opt(r.min_clear_height_m),
                tags=frozenset(r.tags),
                pinned_carrier=str(r.pinned_carrier) if r.pinned_carrier else None,
            )
        )
    quota_rows: list[Any] = list(tables.quotas.itertuples(index=False))
    quotas = [
        Quota(year=int(q.year), zone=str(q.zone), land_cmu=mu_to_cmu(float(q.land_mu)))
        for q in quota_rows
    ]
    clusters = [
        Cluster(
            cluster=str(r.cluster),
            name_zh=str(r.name_zh or r.cluster),
            name_en=str(r.name_en or r.cluster),
            color=str(r.color or "#888888"),
            anchor_x_m=_opt(r.anchor_x),
            anchor_y_m=_opt(r.anchor_y),
        )
        for r in tables.clusters.itertuples(index=False)
    ]
    return Instance(
        parcels=tuple(sorted(parcels, key=lambda x: x.parcel_id)),
        factories=tuple(sorted(factories, key=lambda x: x.factory_id)),
        projects=tuple(sorted(projects, key=lambda x: x.project_id)),
        quotas=tuple(sorted(quotas, key=lambda q: (q.year, q.zone))),
        clusters=tuple(sorted(clusters, key=lambda c: c.cluster)),
        crs=tables.crs,
        source=tables.source,
    )


def validate(path: str | Path, *, strict: bool = False) -> tuple[Tables | None, Report]:
    """Run all three tiers on a GeoPackage; return the tables (when readable) and the report."""
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
                file=Path(path).name,
            )
        )
    return tables, report


def load(path: str | Path, *, strict: bool = False) -> tuple[Instance, Tables, Report]:
    """Validate and build the instance; raise :class:`DataError` when the data block a run."""
    tables, report = validate(path, strict=strict)
    report.raise_if_errors(strict)
    assert tables is not None
    return build_instance(tables), tables, report


# --------------------------------------------------------------------------- writing


@contextlib.contextmanager
def atomic_path(target: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto the target on success.

    Nothing is left behind when the body raises.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    os.unlink(tmp)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            if tmp_path.is_dir():
                import shutil

                shutil.rmtree(tmp_path, ignore_errors=True)
            else:
                tmp_path.unlink()


def check_output_path(out: Path, inputs: list[Path], overwrite: bool) -> None:
    """Refuse an output that exists (without ``overwrite``) or that is one of the inputs."""
    for i in inputs:
        with contextlib.suppress(OSError):
            if out.resolve() == i.resolve():
                raise fail(
                    "output_is_input",
                    f"输出文件 {out} 与输入文件相同",
                    f"output {out} is the same file as an input",
                    file=str(out),
                    hint_zh="另选输出路径",
                    hint_en="choose another output path",
                )
    if out.exists() and not overwrite:
        raise fail(
            "output_exists",
            f"输出 {out} 已存在；如需覆盖请加 --overwrite",
            f"output {out} exists; pass --overwrite to replace it",
            file=str(out),
        )


def _to_layer(df: pd.DataFrame) -> pd.DataFrame:
    """A layer's cells as GeoPackage fields: lists as ``a;b``, dates as ISO text, numbers as
    numbers and booleans as GeoPackage booleans (integer fields of subtype boolean)."""
    out = df.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        vals = out[col].tolist()
        if any(isinstance(v, tuple | list | frozenset | set) for v in vals):
            out[col] = [";".join(sorted(v)) if v else "" for v in vals]
        elif any(isinstance(v, dt.date) for v in vals):
            out[col] = [v.isoformat() if isinstance(v, dt.date) else None for v in vals]
        elif _boolean(vals, str(col)):
            # a pandas bool column is written as a boolean field (an object column would be
            # the text 'True'/'False', which every reader takes as true)
            blank = [_blank(v) for v in vals]
            out[col] = pd.Series(
                [None if b else bool(v) for v, b in zip(vals, blank, strict=True)],
                index=out.index,
                dtype="boolean" if any(blank) else bool,
            )
        elif out[col].dtype == object and _numeric(vals, str(col)):
            # typed numbers, not text, in the GeoPackage (QGIS/ArcGIS users sort and filter them)
            out[col] = pd.to_numeric(pd.Series(vals, index=out.index, dtype=object))
    return out


_NUMERIC_COLUMNS = {c.name for cols in LAYERS.values() for c in cols if c.kind in ("int", "real")}
_BOOL_COLUMNS = {c.name for cols in LAYERS.values() for c in cols if c.kind == "bool"}


def _blank(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))


def _boolean(vals: list[object], name: str) -> bool:
    """True for a column of booleans and blanks (all-blank only for contract boolean columns)."""
    present = [v for v in vals if not _blank(v)]
    if not all(isinstance(v, bool | np.bool_) for v in present):
        return False
    return bool(present) or name in _BOOL_COLUMNS


def _numeric(vals: list[object], name: str) -> bool:
    """True for a column of plain numbers and blanks (all-blank only for contract number columns)."""
    present = [v for v in vals if v is not None and not (isinstance(v, float) and pd.isna(v))]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return False
    return bool(present) or name in _NUMERIC_COLUMNS


def write_tables(tables: Tables, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write all layers to a GeoPackage atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise fail(
            "output_exists",
            f"输出 {path} 已存在；如需覆盖请加 --overwrite",
            f"output {path} exists; pass --overwrite to replace it",
            file=str(path),
        )
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpd.GeoDataFrame(
            _to_layer(tables.parcels), geometry="geometry", crs=tables.parcels.crs
        ).to_file(tmp, layer="parcels", driver="GPKG", engine="pyogrio")
        if len(tables.factories):
            gpd.GeoDataFrame(
                _to_layer(tables.factories), geometry="geometry", crs=tables.factories.crs
            ).to_file(tmp, layer="factories", driver="GPKG", engine="pyogrio")
        for name, df in (
            ("projects", tables.projects),
            ("quotas", tables.quotas),
            ("clusters", tables.clusters),
        ):
            pyogrio.write_dataframe(_to_layer(df), tmp, layer=name, driver="GPKG")
        if tables.zones is not None and len(tables.zones):
            gpd.GeoDataFrame(
                _to_layer(tables.zones), geometry=tables.zones.geometry.name, crs=tables.zones.crs
            ).to_file(tmp, layer="zones", driver="GPKG", engine="pyogrio")
    return path


def replace_projects(tables: Tables, projects: pd.DataFrame) -> Tables:
    """A copy of ``tables`` with another projects table."""
    return replace(tables, projects=projects)


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
