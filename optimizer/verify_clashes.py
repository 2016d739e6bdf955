"""The verifier's check of the clash buffers (邻避), restated from the tables on purpose.

It shares no code with :mod:`optimizer.constraints.clashes` or the precomputation in
:mod:`geodata.clashes`: it takes only the rules' inputs (the clash pairs and each sensitive
site's geometry), measures the distances again from the carriers' geometries in the tables
(metres, the data's projected CRS) and matches the pairs' sides to the projects by itself.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

#: Metres of slack: a distance this close to a buffer is not reported (float noise).
TOL_M = 0.01


def _on_side(side: str, cluster: str, pollution: int) -> bool:
    """A project of ``cluster`` and pollution class ``pollution`` is on ``side``."""
    kind, _, value = side.partition(":")
    if kind == "any":
        return True
    if kind == "cluster":
        return cluster == value
    if kind == "pollution":
        return pollution >= int(value)
    return False


def _placed(
    parcels: pd.DataFrame, factories: pd.DataFrame, projects: pd.DataFrame, assign: pd.DataFrame
) -> dict[str, tuple[str, int, Any]]:
    """Project → (cluster, pollution class, union of its carriers' geometries)."""
    import shapely

    geom: dict[str, Any] = {str(r["parcel_id"]): r["geometry"] for _, r in parcels.iterrows()}
    if len(factories):
        geom.update({str(r["factory_id"]): r["geometry"] for _, r in factories.iterrows()})
    rows: dict[str, list[Any]] = defaultdict(list)
    for pid, cid in zip(assign["project_id"], assign["carrier_id"], strict=True):
        if str(cid) in geom:
            rows[str(pid)].append(geom[str(cid)])
    info = {str(r["project_id"]): r for _, r in projects.iterrows()}
    out = {}
    for pid, gs in sorted(rows.items()):
        j = info.get(pid)
        if j is None:
            continue
        pol = j.get("pollution")
        pollution = int(pol) if pol is not None and not pd.isna(pol) else 1
        out[pid] = (str(j["cluster"]), pollution, shapely.union_all(gs))
    return out


def check_clashes(
    parcels: pd.DataFrame,
    factories: pd.DataFrame,
    projects: pd.DataFrame,
    assignments: pd.DataFrame,
    clashes: Any,
) -> list[str]:
    """Every placed project within a clash buffer of a sensitive site or of another placed
    project (empty when all keep their distance, or when there are no clash rules)."""
    if clashes is None or len(assignments) == 0:
        return []
    import shapely

    placed = _placed(parcels, factories, projects, assignments)
    bad: list[str] = []
    site_pairs = [p for p in clashes.pairs if "site:" in p.a or "site:" in p.b]
    proj_pairs = [p for p in clashes.pairs if p not in site_pairs]
    sites = [(s.site_id, s.kind, shapely.from_wkt(s.wkt)) for s in clashes.sites]
    for pid, (cluster, pol, g) in placed.items():
        for rule in site_pairs:
            side, site = (rule.b, rule.a) if rule.a.startswith("site:") else (rule.a, rule.b)
            if not _on_side(side, cluster, pol):
                continue
            for sid, kind, sg in sites:
                d = float(shapely.distance(g, sg))
                if kind == site[5:] and d < rule.buffer_m - TOL_M:
                    bad.append(
                        f"{pid}: {d:.1f} m from sensitive site {sid} ({kind}), "
                        f"buffer {rule.buffer_m:g} m ({rule.a} / {rule.b})"
                    )
    ids = sorted(placed)
    for i, pid in enumerate(ids):
        cp, pp, gp = placed[pid]
        for qid in ids[i + 1 :]:
            cq, pq, gq = placed[qid]
            for rule in proj_pairs:
                ab = _on_side(rule.a, cp, pp) and _on_side(rule.b, cq, pq)
                ba = _on_side(rule.b, cp, pp) and _on_side(rule.a, cq, pq)
                if not (ab or ba):
                    continue
                d = float(shapely.distance(gp, gq))
                if d < rule.buffer_m - TOL_M:
                    bad.append(
                        f"{pid} and {qid}: {d:.1f} m apart, clash buffer {rule.buffer_m:g} m "
                        f"({rule.a} / {rule.b})"
                    )
    return bad
