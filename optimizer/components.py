"""Independent parts of a problem: candidates that share no constraint are solved apart.

Two candidates are in the same part when they belong to the same project, use a common carrier
(a parcel, a parcel of a group, a factory), count against a common quota row (the district
row of their year, or their zone's row of that year when the zone has a quota), or are bound by a
clash buffer (邻避, ``coupled``). These are the only links the constraint families create (see
:mod:`optimizer.constraints`), so the parts are independent sub-problems: the optimum of the
whole is the sum of the parts' optima, and a lexicographic objective (majors first) is optimal
part by part as well.

Why split: CP-SAT proves each part's optimum with the gap of *that* part, whereas on the joint
model every reduced-cost fixing and every pruned branch has to pay for the other parts' gaps too.
On the demo district with its land-or-factory projects made land-only (two independent parts
whose optima are proven in 6 s and 4 s), the joint model was still 0.3 % from its bound after
60 s (``bench/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from optimizer.candidates import CandidateSet

#: Quota rows ((year, zone) → 0.01 亩) and groups of candidate indices.
Quotas = dict[tuple[int, str], int]
Groups = Sequence[Sequence[int]]


def split_components(cands: CandidateSet, quotas: Quotas, coupled: Groups = ()) -> list[list[int]]:
    """The independent parts: lists of candidate indices, sorted, smallest part first.

    The candidates and their links (project, carrier, quota row that can bind, ``coupled`` group
    of :func:`optimizer.constraints.clashes.links`) form a bipartite graph whose connected
    components (scipy's ``connected_components``) are the parts.

    Parameters
    ----------
    cands
        All candidates.
    quotas
        The quota rows of the model ((year, zone) → 0.01 亩); ``*`` is the district.

    Returns
    -------
    list of list of int
        Each part's candidate indices in increasing order; parts ordered by size, then by their
        first index (deterministic).
    """
    n = len(cands.candidates)
    if n == 0:
        return []
    cols = cands.columns()
    everyone = np.arange(n)
    # 合并供地 candidates use every parcel of their group (few: added one by one)
    extra_rows: list[int] = []
    extra_carriers: list[str] = []
    for i in np.flatnonzero(cols.kind == "group").tolist():
        for carrier in cands.candidates[i].carriers[1:]:
            extra_rows.append(i)
            extra_carriers.append(carrier)
    carriers = np.concatenate((cols.carrier, np.array(extra_carriers, dtype=object)))
    carrier_code = pd.factorize(carriers, sort=True)[0]
    project_code = pd.factorize(cols.project, sort=True)[0]
    zones, zone_code = np.unique(cols.zone.astype(str), return_inverse=True)
    years = np.unique(cols.year)
    year_code = np.searchsorted(years, cols.year)
    # link keys, numbered: projects, then carriers, then (year, zone) rows, then district rows
    n_p, n_c = int(project_code.max()) + 1, int(carrier_code.max()) + 1
    n_z = len(zones)
    row_parts = [everyone, np.concatenate((everyone, np.array(extra_rows, dtype=np.int64)))]
    key_parts = [project_code, n_p + carrier_code]
    # a quota row links its candidates only when it can bind (the model omits the others)
    landed = np.flatnonzero(cols.land_cmu > 0)
    weight = cols.land_cmu[landed].astype(np.float64)
    zone_row = year_code[landed] * n_z + zone_code[landed]
    zone_total = np.bincount(zone_row, weights=weight, minlength=len(years) * n_z)
    district_total = np.bincount(year_code[landed], weights=weight, minlength=len(years))
    zone_binds = np.array(
        [
            (int(years[k // n_z]), str(zones[k % n_z])) in quotas
            and zone_total[k] > quotas[(int(years[k // n_z]), str(zones[k % n_z]))]
            for k in range(len(years) * n_z)
        ],
        dtype=bool,
    )
    district_binds = np.array(
        [district_total[k] > quotas.get((int(y), "*"), 0) for k, y in enumerate(years)],
        dtype=bool,
    )
    on = zone_binds[zone_row]
    row_parts.append(landed[on])
    key_parts.append(n_p + n_c + zone_row[on])
    on = district_binds[year_code[landed]]
    row_parts.append(landed[on])
    key_parts.append(n_p + n_c + len(years) * n_z + year_code[landed][on])
    _couple(row_parts, key_parts, coupled, n_p + n_c + len(years) * (n_z + 1))
    row = np.concatenate(row_parts)
    key = np.concatenate(key_parts)
    size = n + n_p + n_c + len(years) * (n_z + 1) + len(coupled)
    # bipartite graph: nodes 0 … n − 1 are candidates, the others the link keys
    graph = coo_array((np.ones(len(row), dtype=np.int8), (row, n + key)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    label = label[:n]
    order = np.argsort(label, kind="stable")  # within a part: increasing index
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    parts = [p.tolist() for p in np.split(order, cuts)]
    return sorted(parts, key=lambda p: (len(p), p[0]))


def _couple(rows: list[np.ndarray], keys: list[np.ndarray], coupled: Groups, base: int) -> None:
    """Add one link key (numbered from ``base``) per group of ``coupled`` to the graph's edges."""
    rows += [np.asarray(m, dtype=np.int64) for m in coupled]
    keys += [np.full(len(m), base + g, dtype=np.int64) for g, m in enumerate(coupled)]


#: The least time a part of a problem split into several parts is given, however little is left.
MIN_PART_S = 0.01


def part_limit(budget: float, size: int, size_left: int, parts_left: int, *, only: bool) -> float:
    """Time limit of the next part: its share of the budget by size, with a floor.

    Parameters
    ----------
    budget
        Time left (seconds, or deterministic time in deterministic mode).
    size, size_left
        Candidates of this part, and of this and the parts after it.
    parts_left
        This part and the parts after it.
    only
        The problem is a single part: it keeps a floor of one second.

    Returns
    -------
    float
        The limit. Several parts get at least a moment each (most small parts are proven in
        milliseconds), but that floor is never more than an equal share of the budget left, so
        that many parts cannot overrun the limit by their floors; it never falls below
        :data:`MIN_PART_S`.
    """
    floor = 1.0 if only else min(0.2, max(budget / max(1, parts_left), MIN_PART_S))
    return max(floor, budget * size / max(1, size_left))
