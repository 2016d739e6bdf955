"""Independent parts of a problem: candidates that share no constraint are solved apart.

Two candidates are in the same part when they belong to the same project, use a common carrier
(a parcel, a parcel of a group, a factory), or count against a common quota row (the district
row of their year, or their zone's row of that year when the zone has a quota). These are the
only links the constraint families create (see :mod:`optimizer.constraints`), so the parts are
independent sub-problems: the optimum of the whole is the sum of the parts' optima, and a
lexicographic objective (majors first) is optimal part by part as well.

Why split: CP-SAT proves each part's optimum with the gap of *that* part, whereas on the joint
model every reduced-cost fixing and every pruned branch has to pay for the other parts' gaps too.
On the demo district with its land-or-factory projects made land-only (two independent parts
whose optima are proven in 6 s and 4 s), the joint model was still 0.3 % from its bound after
60 s (``bench/RESULTS.md``).
"""

from __future__ import annotations

from optimizer.candidates import CandidateSet


def split_components(cands: CandidateSet, quotas: dict[tuple[int, str], int]) -> list[list[int]]:
    """The independent parts: lists of candidate indices, sorted, smallest part first.

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
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    first: dict[tuple[str, ...], int] = {}

    def link(key: tuple[str, ...], i: int) -> None:
        j = first.setdefault(key, i)
        if j != i:
            union(i, j)

    # a quota row links its candidates only when it can bind (the model omits the others)
    land: dict[tuple[int, str], int] = {}
    for c in cands.candidates:
        if c.land_cmu > 0:
            for key in ((c.year, "*"), (c.year, c.zone)):
                land[key] = land.get(key, 0) + c.land_cmu
    binding = {
        key
        for key, total in land.items()
        if (key[1] == "*" or key in quotas) and total > quotas.get(key, 0)
    }
    for c in cands.candidates:
        link(("project", c.project_id), c.index)
        for carrier in c.carriers:
            link(("carrier", carrier), c.index)
        if c.land_cmu > 0:
            for key in ((c.year, "*"), (c.year, c.zone)):
                if key in binding:
                    link(("quota", str(key[0]), key[1]), c.index)
    parts: dict[int, list[int]] = {}
    for i in range(n):
        parts.setdefault(find(i), []).append(i)
    return sorted(parts.values(), key=lambda p: (len(p), p[0]))
