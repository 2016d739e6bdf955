"""Tier 3 of validation: cross-layer references and arithmetic pre-checks that need no solver.

Zones, clusters and pinned carriers must exist; a reference spelled differently from its id only
in width, spaces or case is rewritten to the id's spelling with a warning; parcels and factories
share one id namespace; pinned land must fit the quotas; a project larger than every parcel
group is flagged. :func:`check_references` runs them all (also from :mod:`geodata.store`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from geodata import geometry as geom_mod
from geodata.report import Report
from geodata.schema import id_key, normalise_id
from geodata.tables import Tables, first_year


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
    unread = tables.unread
    carriers_read = not ({"parcels", "factories"} & unread)
    zone_of = _zone_spellings(tables, report)
    _check_zones(tables, report, zone_of, carriers_read)
    _check_clusters(tables, report, carriers_read)
    _check_carrier_ids(tables, report)
    _check_pins(tables, report, carriers_read)
    _check_project_sizes(tables, report)


def _check_zones(
    tables: Tables, report: Report, zone_of: dict[str, str], carriers_read: bool
) -> None:
    """The zones of parcels and factories are defined (when a zones layer defines them), and
    every quota's zone exists; references spelled differently are rewritten first."""
    par, fac, quo = tables.parcels, tables.factories, tables.quotas
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


def _check_clusters(tables: Tables, report: Report, carriers_read: bool) -> None:
    """Every cluster code used is defined, and every cluster of a project admitted somewhere."""
    par, fac, pro = tables.parcels, tables.factories, tables.projects
    unread = tables.unread
    cluster_codes = set(tables.clusters["cluster"].dropna().astype(str))
    clusters_read = "clusters" not in unread and (
        len(cluster_codes) > 0 or "projects" not in unread
    )
    cluster_hint = _cluster_hint(tables.clusters)
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


def _check_pins(tables: Tables, report: Report, carriers_read: bool) -> None:
    """Pinned carriers exist, and the land pinned from each year on fits the district quotas."""
    par, fac, pro, quo = tables.parcels, tables.factories, tables.projects, tables.quotas
    unread = tables.unread
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
    first = first_year(tables)
    stock = {
        c for c, s in zip(par["parcel_id"], par.get("stock", []), strict=False) if s in (True,)
    }
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
        elif pin in parcel_area and pin not in stock:  # 存量 land uses no quota
            sy = pro["start_year"].iloc[i] or first
            pinned_land[int(sy)] = pinned_land.get(int(sy), 0.0) + float(parcel_area[pin])
    used = quo["used_mu"] if "used_mu" in quo else [0.0] * len(quo)
    district = {  # what the plan may still use: the quota less what this year has used
        int(y): float(q) - float(u or 0.0)
        for y, z, q, u in zip(quo["year"], quo["zone"], quo["land_mu"], used, strict=True)
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


def _check_project_sizes(tables: Tables, report: Report) -> None:
    """Warn about projects larger than every parcel and every group of adjacent parcels in one
    zone (no carrier could hold them)."""
    par, pro = tables.parcels, tables.projects
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
