"""What-if changes of the data: re-zoning, extra parcels and extra projects, on a copy.

The changes come as plain rows (as a scenario file writes them: :mod:`landalloc.scenario`); the
data as loaded are never modified. Every problem names the entry of the what-if file (its key
and line, through a :class:`~geodata.whatif_rows.Locator`), all of them at once, and the changed
copy goes through the cross-layer checks of loaded data again.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from geodata.report import Problem, Report
from geodata.schema import id_key, normalise_id
from geodata.store import Tables, check_references
from geodata.whatif_parcels import extra_parcels as _extra_parcels
from geodata.whatif_rows import Locator, spelled_as, typed_rows


def apply_whatif(
    tables: Tables,
    loc: Locator,
    report: Report,
    *,
    extra_parcels: Sequence[dict[str, Any]] = (),
    rezone: Sequence[Mapping[str, Any]] = (),
    extra_projects: Sequence[dict[str, Any]] = (),
) -> Tables | None:
    """Apply what-if changes to a copy of the data.

    The changes are ``extra_parcels`` (added first, so that ``rezone`` applies to them too),
    ``rezone`` and ``extra_projects``. When they are all valid, the changed copy goes through the
    cross-layer checks of loaded data (:func:`geodata.store.check_references`) again.

    Parameters
    ----------
    tables
        The data as loaded (not modified).
    loc
        Where the keys of the what-if file are, for messages (they name the key and its line).
    report
        Receives one problem per unknown zone or cluster, per bad cell of an extra project or
        parcel, per bad geometry and per overlap, and the errors of the re-run checks.
    extra_parcels
        Parcels: columns of the parcels layer plus ``wkt`` [``crs``] or ``lonlat``
        (:func:`geodata.whatif_parcels.extra_parcels`).
    rezone
        Re-zonings: ``zone``, ``clusters`` (the codes now admitted on its parcels and factories)
        and ``mode`` (``replace``, the default, or ``add``).
    extra_projects
        Projects: columns of the projects layer.

    Returns
    -------
    Tables or None
        The changed copy, or ``None`` when there are no changes or when a problem was reported.
    """
    if not rezone and not extra_projects and not extra_parcels:
        return None
    errors_before = len(report.errors)
    known_clusters = {str(c) for c in tables.clusters["cluster"]} | {
        str(c) for c in tables.projects["cluster"]
    }
    zones = {str(z) for z in tables.parcels["zone"]} | {str(z) for z in tables.factories["zone"]}
    parcels = tables.parcels.copy()
    factories = tables.factories.copy()
    if extra_parcels:
        added = _extra_parcels(list(extra_parcels), tables, known_clusters, loc, report)
        if added is not None:
            parcels = gpd.GeoDataFrame(
                pd.concat([parcels, added], ignore_index=True),
                geometry="geometry",
                crs=parcels.crs,
            )
    _rezone(rezone, (parcels, factories), zones, known_clusters, loc, report)
    projects = tables.projects
    if extra_projects:
        typed_projects = _extra_projects(list(extra_projects), projects, loc, report)
        if typed_projects is not None:
            projects = pd.concat(
                [projects, typed_projects[list(projects.columns)]], ignore_index=True
            )
    if len(report.errors) > errors_before:
        return None
    changed = dataclasses.replace(tables, parcels=parcels, factories=factories, projects=projects)
    _recheck(changed, tables, loc, report)
    return None if len(report.errors) > errors_before else changed


def _rezone(
    rezone: Sequence[Mapping[str, Any]],
    frames: tuple[pd.DataFrame, ...],
    zones: set[str],
    known_clusters: set[str],
    loc: Locator,
    report: Report,
) -> None:
    """Re-zone the parcels and factories ``frames`` in place; report unknown zones and clusters."""
    for i, rz in enumerate(rezone):
        zone, clusters, mode = rz["zone"], rz["clusters"], rz.get("mode", "replace")
        if zone not in zones:
            near = difflib.get_close_matches(zone, sorted(zones), n=1)
            report.error(
                "unknown_zone",
                f"rezone 中的片区 {zone} 在数据中不存在",
                f"rezone: zone {zone} is not in the data",
                hint_zh=near[0] if near else f"数据中的片区之一：{'、'.join(sorted(zones))}",
                hint_en=near[0] if near else f"one of the zones {', '.join(sorted(zones))}",
                **loc.at("rezone", i, "zone"),
            )
        for j, c in enumerate(clusters):
            if c not in known_clusters:
                near = difflib.get_close_matches(c, sorted(known_clusters), n=1)
                report.error(
                    "unknown_cluster",
                    f"rezone 中的产业集群 {c} 在数据中不存在",
                    f"rezone: cluster {c} is not in the data",
                    hint_zh=near[0] if near else None,
                    hint_en=near[0] if near else None,
                    **{
                        **loc.at("rezone", i, "clusters"),
                        "row": loc.line("rezone", i, "clusters", j),
                    },
                )
        for frame in frames:
            if not len(frame):
                continue
            mask = frame["zone"].astype(str) == zone
            new = [
                tuple(sorted(set(clusters) | (set(old) if mode == "add" else set())))
                for old in frame.loc[mask, "clusters"]
            ]
            frame.loc[mask, "clusters"] = pd.Series(new, index=frame.index[mask], dtype=object)


def append_new(tables: Tables, other: Tables) -> Tables:
    """``tables`` plus the parcels, factories and projects of ``other`` whose ids it lacks.

    Rows of ``other`` with an id already in ``tables`` (compared as normalised ids) are left out:
    ``tables`` keeps its version. Geometries of ``other`` are reprojected to the CRS of
    ``tables``. Used to draw two what-if runs on one map.
    """
    layers: dict[str, Any] = {}
    for layer, col in (
        ("parcels", "parcel_id"),
        ("factories", "factory_id"),
        ("projects", "project_id"),
    ):
        mine, theirs = getattr(tables, layer), getattr(other, layer)
        have = {normalise_id(v) for v in mine[col]}
        new = theirs[[normalise_id(v) not in have for v in theirs[col]]]
        if not len(new):
            continue
        if isinstance(mine, gpd.GeoDataFrame):
            new = new.to_crs(mine.crs) if new.crs != mine.crs else new
        both = pd.concat([mine, new.reindex(columns=mine.columns)], ignore_index=True)
        if isinstance(mine, gpd.GeoDataFrame):
            both = gpd.GeoDataFrame(both, geometry="geometry", crs=mine.crs)
        layers[layer] = both
    return dataclasses.replace(tables, **layers) if layers else tables


def _extra_projects(
    items: list[dict[str, Any]], projects: pd.DataFrame, loc: Locator, report: Report
) -> pd.DataFrame | None:
    """Check ``extra_projects`` (as a scenario writes them) and make them rows of the projects layer.

    Unknown keys (with a "did you mean"), bad cells and ids already in the data are reported at
    ``extra_projects.<i>.<column>`` with the line; YAML lists (``tags: [hq, listed]``) are
    accepted wherever the layer has a list column.

    Returns
    -------
    pandas.DataFrame or None
        The typed rows, or ``None`` when a problem was reported.
    """
    errors_before = len(report.errors)
    typed = typed_rows(
        items,
        "extra_projects",
        "projects",
        (),
        ("项目库图层的列", "a column of the projects layer"),
        loc,
        report,
    )
    have = {id_key(p): str(p) for p in projects["project_id"]}  # duplicates ignore width etc.
    for i, pid in enumerate(typed.get("project_id", [])):
        if pid and id_key(pid) in have:
            zh, en = spelled_as(have[id_key(pid)], str(pid))
            report.error(
                "duplicate_id",
                f"extra_projects 中的项目编号 {pid} 与数据中的项目{zh}重复",
                f"extra_projects: project_id {pid} already exists in the data{en}",
                **loc.at("extra_projects", i, "project_id"),
            )
    if len(report.errors) > errors_before or not set(projects.columns) <= set(typed.columns):
        return None
    return typed


def _recheck(changed: Tables, tables: Tables, loc: Locator, report: Report) -> None:
    """Run the cross-layer checks of loaded data on the changed copy; report what is new.

    The data passed these checks when loaded, so every error concerns the what-if changes. An
    error on a row added by ``extra_parcels`` or ``extra_projects`` is reported at that entry of
    the what-if file; other errors (e.g. pinned land above the quotas) name the what-if file.
    """
    found = Report()
    check_references(changed, found)
    # layer → (what-if key, rows of the data before the added ones)
    added: dict[str, tuple[str, int]] = {
        "parcels": ("extra_parcels", len(tables.parcels)),
        "projects": ("extra_projects", len(tables.projects)),
    }
    for p in found.errors:
        key, n = added.get(p.layer or "", ("", 0))
        if key and p.row is not None and p.row > n:
            at: list[str | int] = [key, p.row - n - 1, *([p.column] if p.column else [])]
            report.add(dataclasses.replace(p, layer=None, **loc.at(*at)))
            continue
        report.add(
            Problem(
                "error",
                p.code,
                f"假设分析（rezone、extra_parcels、extra_projects）后的数据：{p.zh}",
                f"data after the what-if changes (rezone, extra_parcels, extra_projects): {p.en}",
                file=str(loc.path),
                hint_zh=p.hint_zh,
                hint_en=p.hint_en,
            )
        )
