"""Neighbours that clash (邻避): sensitive sites, clash pairs, and the near pairs precomputed from
the geometry for :mod:`optimizer.constraints.clashes`.

A **clash pair** says that two things may not lie within ``buffer_m`` metres of each other. Each
side is one of

* ``cluster:CODE`` — a project of that industry cluster;
* ``pollution:N`` — a project of pollution class N or higher (1 light … 3 heavy);
* ``any`` — every project;
* ``site:KIND`` — a sensitive site (敏感目标) of that kind (:data:`SITE_KINDS`); at most one side.

Distances are the shortest distances between the geometries (polygon edge to polygon edge, or
to a point), in metres in the data's projected working CRS. The optimizer gets only the pairs
within reach (:class:`Clashes`): carriers closer to each other than the largest
project–project buffer, and carriers closer to a site than the largest buffer of a pair naming
that site's kind. The rules' inputs (the pairs and each site's geometry as WKT) travel with them,
so that the verifier can measure again on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geodata.report import fail

#: Kinds of sensitive site: code → (Chinese, English). Chinese names are accepted in the data.
SITE_KINDS: dict[str, tuple[str, str]] = {
    "housing": ("居住区", "housing"),
    "school": ("学校", "school"),
    "hospital": ("医院", "hospital"),
    "water": ("水源保护区", "water source"),
    "heavy_plant": ("现状重污染企业", "existing heavy plant"),
}

#: The layer of sensitive sites in a data file.
SITES_LAYER = "sensitive_sites"


@dataclass(frozen=True, slots=True)
class ClashPair:
    """Two sides that may not lie within ``buffer_m`` metres of each other."""

    a: str
    b: str
    buffer_m: float

    @property
    def site_kind(self) -> str | None:
        """The kind of site one side names, or ``None`` for a project–project pair."""
        for side in (self.a, self.b):
            if side.startswith("site:"):
                return side[5:]
        return None

    @property
    def project_side(self) -> str:
        """For a site pair: the side that names projects."""
        return self.b if self.a.startswith("site:") else self.a


#: Default clash pairs (metres), used when the scenario names none. Heavy (class 3) and medium
#: (class 2) polluters keep away from homes, schools, hospitals and water sources; clean-room
#: industries (biomedicine, medical devices) from heavy polluters, existing or planned; biomedicine
#: from battery plants (new energy: fire and solvent risk). The figures are planning defaults to
#: be replaced by the district's own environmental assessment (docs/data-format.md).
DEFAULT_PAIRS: tuple[ClashPair, ...] = (
    ClashPair("pollution:3", "site:housing", 500.0),
    ClashPair("pollution:3", "site:school", 800.0),
    ClashPair("pollution:3", "site:hospital", 800.0),
    ClashPair("pollution:3", "site:water", 1000.0),
    ClashPair("pollution:2", "site:school", 300.0),
    ClashPair("pollution:2", "site:hospital", 300.0),
    ClashPair("pollution:2", "site:water", 500.0),
    ClashPair("cluster:biomed", "site:heavy_plant", 500.0),
    ClashPair("cluster:medical_devices", "site:heavy_plant", 300.0),
    ClashPair("cluster:biomed", "pollution:3", 300.0),
    ClashPair("cluster:medical_devices", "pollution:3", 200.0),
    ClashPair("cluster:biomed", "cluster:new_energy", 200.0),
)


@dataclass(frozen=True, slots=True)
class Site:
    """A sensitive site: id, kind code, name, and its geometry as WKT (working CRS)."""

    site_id: str
    kind: str
    name: str
    wkt: str


@dataclass(frozen=True, slots=True)
class Clashes:
    """The clash rules of an instance and the near pairs within their reach.

    ``carrier_near``: (carrier, carrier, metres) with the first id < the second, closer than
    the largest project–project buffer (a carrier is at 0 m from itself, not listed).
    ``site_near``: (carrier, site id, metres) closer than the largest buffer of a pair naming
    the site's kind.
    """

    pairs: tuple[ClashPair, ...]
    sites: tuple[Site, ...] = ()
    carrier_near: tuple[tuple[str, str, float], ...] = ()
    site_near: tuple[tuple[str, str, float], ...] = ()


def matches(side: str, cluster: str, pollution: int) -> bool:
    """Whether a project of ``cluster`` and ``pollution`` class is on ``side``."""
    if side == "any":
        return True
    if side.startswith("cluster:"):
        return cluster == side[8:]
    if side.startswith("pollution:"):
        return pollution >= int(side[10:])
    return False


def parse_pairs(rows: Iterable[Mapping[str, Any]], where: str) -> tuple[ClashPair, ...]:
    """Clash pairs from ``{a, b, buffer_m}`` rows (a scenario's ``neighbours.pairs``).

    Raises
    ------
    DataError
        When a side is not one of the forms above, both sides name sites, or the buffer is not a
        positive number (the row named).
    """
    out = []
    for i, row in enumerate(rows):
        a, b = str(row.get("a", "")).strip(), str(row.get("b", "")).strip()
        try:
            buf = float(row.get("buffer_m", "nan"))
        except (TypeError, ValueError):
            buf = float("nan")
        bad = [s for s in (a, b) if not _valid_side(s)]
        both_sites = a.startswith("site:") and b.startswith("site:")
        if bad or both_sites or not buf > 0:
            raise fail(
                "bad_clash_pair",
                f"{where}[{i}]：邻避规则 {a} / {b} / {row.get('buffer_m')} 无效（一方为 cluster:代码、"
                "pollution:等级 或 any，另一方还可为 site:类型；防护距离为正数，单位米）",
                f"{where}[{i}]: clash pair {a} / {b} / {row.get('buffer_m')} is invalid (sides: "
                "cluster:CODE, pollution:N, any, or one site:KIND; buffer_m a positive number)",
                column=f"{where}.{i}",
            )
        out.append(ClashPair(a, b, buf))
    return tuple(out)


def _valid_side(side: str) -> bool:
    if side == "any" or (side.startswith("cluster:") and len(side) > 8):
        return True
    if side.startswith("pollution:"):
        return side[10:].isdigit()
    return side.startswith("site:") and side[5:] in SITE_KINDS


def site_kind_code(text: str) -> str | None:
    """The kind code of a kind written as code or Chinese/English name; ``None`` if unknown."""
    t = str(text).strip()
    for code, (zh, en) in SITE_KINDS.items():
        if t in (code, zh, en):
            return code
    return None


def read_sites(path: Path, crs: Any, layer: str | None = None) -> Any:
    """The sensitive sites of a vector file (``layer``, or the file's ``sensitive_sites`` layer
    when it has one, else its only layer), reprojected to ``crs``: columns ``site_id``, ``kind``
    (code), ``name``, ``geometry``.

    Raises
    ------
    DataError
        When the file cannot be read, a column is missing, a kind is unknown, or a geometry is
        empty (file, row and column named).
    """
    import geopandas as gpd
    import pyogrio

    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        use = layer or (SITES_LAYER if SITES_LAYER in names else names[0])
        gdf = gpd.read_file(path, layer=use, engine="pyogrio")
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise fail(
            "unreadable_sites",
            f"无法读取敏感目标图层 {path}：{exc}",
            f"cannot read the sensitive sites {path}: {exc}",
            file=str(path),
        ) from None
    gdf = gdf.rename(columns={"编号": "site_id", "类型": "kind", "名称": "name"})
    for col in ("site_id", "kind"):
        if col not in gdf.columns:
            raise fail(
                "missing_column",
                f"敏感目标图层缺少列 {col}",
                f"the sensitive sites lack the column {col}",
                file=str(path),
                column=col,
            )
    if gdf.crs is None:
        raise fail(
            "no_crs", "敏感目标图层没有坐标系", "the sensitive sites have no CRS", file=str(path)
        )
    gdf = gdf.to_crs(crs)
    kinds = []
    for i, (k, geom) in enumerate(zip(gdf["kind"], gdf.geometry, strict=True)):
        code = site_kind_code(k)
        if code is None or geom is None or geom.is_empty:
            raise fail(
                "bad_site",
                f"敏感目标第 {i + 2} 行：类型 {k!r} 无效或几何为空（类型：{'、'.join(z for z, _ in SITE_KINDS.values())}）",
                f"sensitive site row {i + 2}: kind {k!r} unknown or empty geometry "
                f"(kinds: {', '.join(SITE_KINDS)})",
                file=str(path),
                row=i + 2,
                column="kind",
            )
        kinds.append(code)
    gdf["kind"] = kinds
    gdf["site_id"] = gdf["site_id"].astype(str)
    gdf["name"] = gdf["name"].astype(str) if "name" in gdf.columns else gdf["site_id"]
    return gdf[["site_id", "kind", "name", "geometry"]]


def build_clashes(
    carriers: Sequence[tuple[str, Any]], sites: Any | None, pairs: Sequence[ClashPair]
) -> Clashes:
    """Precompute the near pairs of ``carriers`` ((id, shapely geometry) in metres) and
    ``sites`` (:func:`read_sites`' frame, or ``None``) within reach of ``pairs``."""
    import shapely

    ids = [c for c, _ in carriers]
    geoms = np.asarray([g for _, g in carriers], dtype=object)
    proj = [p.buffer_m for p in pairs if p.site_kind is None]
    near: list[tuple[str, str, float]] = []
    if proj and len(geoms):
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="dwithin", distance=max(proj))
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            if ids[i] < ids[j]:
                d = float(shapely.distance(geoms[i], geoms[j]))
                near.append((ids[i], ids[j], d))
    site_rows: list[Site] = []
    site_near: list[tuple[str, str, float]] = []
    if sites is not None and len(sites) and len(geoms):
        reach = {
            k: max((p.buffer_m for p in pairs if p.site_kind == k), default=0.0) for k in SITE_KINDS
        }
        tree = shapely.STRtree(geoms)
        for sid, kind, name, geom in zip(
            sites["site_id"], sites["kind"], sites["name"], sites.geometry, strict=True
        ):
            site_rows.append(Site(str(sid), str(kind), str(name), geom.wkt))
            if reach.get(kind, 0.0) <= 0:
                continue
            for i in tree.query(geom, predicate="dwithin", distance=reach[kind]).tolist():
                d = float(shapely.distance(geoms[i], geom))
                site_near.append((ids[i], str(sid), d))
    return Clashes(tuple(pairs), tuple(site_rows), tuple(sorted(near)), tuple(sorted(site_near)))
