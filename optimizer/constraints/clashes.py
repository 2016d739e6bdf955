"""Neighbours that clash (邻避): buffers between incompatible projects, and from sensitive sites.

The rules are data (:mod:`geodata.clashes`): clash pairs ``(A, B, buffer)`` whose sides name
projects (``cluster:CODE``, ``pollution:N`` = class ≥ N, ``any``) or sensitive sites
(``site:KIND``), and the near pairs precomputed from the geometry (shortest distance between the
geometries, metres, projected CRS). With no rules (``instance.clashes is None``) the family adds
nothing.

**Sites (static, pruned before the model)** — rule ``clash_site``: a pair (p, c) is a candidate
only if, for every sensitive site s and every pair ``(A, site:kind(s), b)``,

    p ∈ A  ⇒  dist(c, s) ≥ b

(a 合并供地 group needs every member parcel to pass).

**Projects (model constraints)** — for every pair ``(A, B, b)`` of project sides, every two
carriers c, d with dist(c, d) < b (c = d included: two projects sharing a factory or a divisible
parcel are 0 m apart) and every two projects P ≠ Q with P ∈ A, Q ∈ B (or P ∈ B, Q ∈ A), with
U(P, c) the candidates of P that use c (any year: neighbours stay neighbours)::

    Σ_{i ∈ U(P, c)} x_i + Σ_{j ∈ U(Q, d)} x_j ≤ 1

(each project takes at most one candidate, so the sum counts "P on c" and "Q on d"). Constraint
names ``clash[P@c~Q@d]``. The ledger (:class:`ClashLedger`) refuses a candidate that would sit
within a buffer of a project already taken, and names the clash and the distance
(:meth:`ClashLedger.notes`) for the explanations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from geodata.clashes import SITE_KINDS, Clashes, ClashPair, matches
from geodata.instance import Instance, Project
from optimizer.arrays import CarrierArrays
from optimizer.constraints.base import ModelContext
from optimizer.constraints.family import Label, Resource
from optimizer.settings import Policy

if TYPE_CHECKING:
    from optimizer.candidate import Candidate, CandidateSet

CODE = "clashes"
RULE_NAMES: dict[str, Label] = {
    "clash_site": ("与敏感目标距离不足", "too close to a sensitive site"),
}
PER_MEMBER = True
LABEL: Label = ("邻避防护距离", "clash buffers")


# --------------------------------------------------------------------------- sites (static)


def _site_hits(
    project: Project, cl: Clashes
) -> dict[str, list[tuple[str, str, str, float, float]]]:
    """Carrier → the sites too close for ``project``: (site id, kind, name, metres, buffer)."""
    sites = {s.site_id: s for s in cl.sites}
    buffers: dict[str, float] = {}
    for p in cl.pairs:
        kind = p.site_kind
        if kind is not None and matches(p.project_side, project.cluster, project.pollution):
            buffers[kind] = max(buffers.get(kind, 0.0), p.buffer_m)
    out: dict[str, list[tuple[str, str, str, float, float]]] = defaultdict(list)
    if not buffers:
        return out
    for cid, sid, dist in cl.site_near:
        s = sites[sid]
        b = buffers.get(s.kind)
        if b is not None and dist < b:
            out[cid].append((sid, s.kind, s.name, dist, b))
    return out


def masks(project: Project, arr: CarrierArrays, policy: Policy) -> list[tuple[str, np.ndarray]]:
    """The pass-mask of ``clash_site`` (none when the instance has no site pairs)."""
    cl = arr.clashes
    if cl is None or not any(p.site_kind for p in cl.pairs):
        return []
    hits = _site_hits(project, cl)
    ok = np.ones(len(arr), dtype=bool)
    if hits:
        ok &= np.array([cid not in hits for cid in arr.ids], dtype=bool)
    return [("clash_site", ok)]


def group_masks(
    project: Project, arr: CarrierArrays, members: np.ndarray, total: int, policy: Policy
) -> list[tuple[str, np.ndarray]]:
    """None: every member of a group passes :func:`masks` (``PER_MEMBER``)."""
    return []


def detail(rule: str, project: Project, arr: CarrierArrays, i: int, policy: Policy) -> Label:
    """The nearest site too close to carrier ``i``: its name, kind, distance and buffer."""
    if arr.clashes is None:
        return "", ""
    hits = _site_hits(project, arr.clashes).get(arr.ids[i], [])
    if not hits:
        return "", ""
    _sid, kind, name, dist, buf = min(hits, key=lambda h: h[3] - h[4])
    zh_kind, en_kind = SITE_KINDS.get(kind, (kind, kind))
    return (
        f"距{zh_kind}“{name}”{dist:.0f} 米，小于防护距离 {buf:.0f} 米",
        f"{dist:.0f} m from the {en_kind} '{name}', within the {buf:.0f} m buffer",
    )


def site_notes(project: Project, cl: Clashes | None) -> tuple[str, str, dict[str, object]]:
    """The carriers a sensitive site's buffer keeps ``project`` off, in words with the nearest
    site and its distance (for the explanations); empty when none."""
    hits = _site_hits(project, cl) if cl is not None else {}
    if not hits:
        return "", "", {}
    cid, (sid, kind, name, dist, buf) = min(
        ((c, h) for c, hs in hits.items() for h in hs), key=lambda t: (t[1][3], t[0])
    )
    zh_kind, en_kind = SITE_KINDS.get(kind, (kind, kind))
    return (
        f"；邻避：{len(hits)} 处载体在敏感目标防护距离内被排除（如 {cid} 距{zh_kind}“{name}”"
        f"{dist:.0f} 米，小于 {buf:.0f} 米）",
        f"; clash buffers: {len(hits)} carrier(s) excluded near sensitive sites (e.g. {cid} is "
        f"{dist:.0f} m from the {en_kind} '{name}', within {buf:.0f} m)",
        {
            "site_excluded": len(hits),
            "carrier": cid,
            "site": sid,
            "distance_m": round(dist, 3),
            "buffer_m": buf,
        },
    )


# --------------------------------------------------------------------------- projects (model)


def _project_pairs(cl: Clashes | None) -> list[ClashPair]:
    return [p for p in cl.pairs if p.site_kind is None] if cl is not None else []


def clash_of(pairs: list[ClashPair], p: Project, q: Project, dist: float) -> ClashPair | None:
    """The pair (with the largest buffer) that forbids ``p`` and ``q`` ``dist`` metres apart."""
    hit = [
        r
        for r in pairs
        if dist < r.buffer_m
        and (
            (matches(r.a, p.cluster, p.pollution) and matches(r.b, q.cluster, q.pollution))
            or (matches(r.b, p.cluster, p.pollution) and matches(r.a, q.cluster, q.pollution))
        )
    ]
    return max(hit, key=lambda r: r.buffer_m) if hit else None


def near_map(cl: Clashes) -> dict[str, list[tuple[str, float]]]:
    """Carrier → the carriers within reach with their distance (itself at 0 m)."""
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for a, b, d in cl.carrier_near:
        out[a].append((b, d))
        out[b].append((a, d))
    return out


def _uses(cands: CandidateSet) -> dict[str, dict[str, list[int]]]:
    """Carrier → project → the indices of the project's candidates that use the carrier."""
    uses: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for cand in cands.candidates:
        for cid in cand.carriers:
            uses[cid][cand.project_id].append(cand.index)
    return uses


def conflicts(
    instance: Instance, cands: CandidateSet
) -> list[tuple[str, str, str, str, list[int], ClashPair]]:
    """Every clashing (P, c, Q, d) once: with the candidates of P on c and Q on d, and the pair."""
    pairs = _project_pairs(instance.clashes)
    if not pairs or instance.clashes is None:
        return []
    uses = _uses(cands)
    projects = {p.project_id: p for p in instance.projects}
    near = near_map(instance.clashes)
    done: set[tuple[str, str, str, str]] = set()
    out = []
    for c in sorted(uses):
        for d, dist in [(c, 0.0), *sorted(near.get(c, []))]:
            for pid, idx_p in sorted(uses[c].items()):
                for qid, idx_q in sorted(uses.get(d, {}).items()):
                    key = min((pid, c, qid, d), (qid, d, pid, c))
                    if pid == qid or key in done:
                        continue
                    rule = clash_of(pairs, projects[pid], projects[qid], dist)
                    if rule is not None:
                        done.add(key)
                        out.append((pid, c, qid, d, sorted(set(idx_p) | set(idx_q)), rule))
    return out


def add(ctx: ModelContext, pins: Mapping[str, str], quotas: Mapping[tuple[int, str], int]) -> None:
    """One at-most-one row per clashing (project, carrier) pair (see the module's docstring)."""
    for pid, c, qid, d, both, rule in conflicts(ctx.instance, ctx.cands):
        ct = ctx.add_at_most_one(both, f"clash[{pid}@{c}~{qid}@{d}]")
        ctx.enforce(
            ct,
            f"clash:{rule.a}~{rule.b}",
            f"邻避：{rule.a} 与 {rule.b} 须相距 {rule.buffer_m:.0f} 米以上",
            f"clash: {rule.a} and {rule.b} at least {rule.buffer_m:.0f} m apart",
        )


def links(instance: Instance, cands: CandidateSet) -> list[list[int]]:
    """The candidates each clash row binds (for :func:`optimizer.components.split_components`:
    they must be solved in one part)."""
    return [both for *_, both, _ in conflicts(instance, cands)]


def ledger(instance: Instance, quotas: Mapping[tuple[int, str], int]) -> ClashLedger | None:
    """A fresh ledger of the projects taken near each carrier; ``None`` without project pairs."""
    return ClashLedger(instance) if _project_pairs(instance.clashes) else None


class ClashLedger:
    """Projects taken so far, by carrier: a candidate fits when no project it clashes with sits
    within the pair's buffer of any of its carriers."""

    def __init__(self, instance: Instance) -> None:
        assert instance.clashes is not None
        self.pairs = _project_pairs(instance.clashes)
        self.near = near_map(instance.clashes)
        self.projects = {p.project_id: p for p in instance.projects}
        self.at: dict[str, list[str]] = defaultdict(list)

    def _hits(self, c: Candidate) -> list[tuple[str, str, str, float, ClashPair]]:
        """(own carrier, other carrier, other project, metres, pair) of every clash of ``c``."""
        p = self.projects[c.project_id]
        out = []
        for cid in c.carriers:
            for d, dist in [(cid, 0.0), *self.near.get(cid, [])]:
                for qid in self.at.get(d, []):
                    if qid == c.project_id:
                        continue
                    rule = clash_of(self.pairs, p, self.projects[qid], dist)
                    if rule is not None:
                        out.append((cid, d, qid, dist, rule))
        return out

    def fits(self, c: Candidate) -> bool:
        """No clash with the projects taken."""
        return not self._hits(c)

    def over(self, c: Candidate) -> list[Resource]:
        """The carriers of the projects ``c`` clashes with."""
        return sorted({d for _, d, _, _, _ in self._hits(c)})

    def take(self, c: Candidate) -> None:
        """Record the project on its carriers."""
        for cid in c.carriers:
            self.at[cid].append(c.project_id)

    def notes(self, c: Candidate) -> list[tuple[str, str, dict[str, object]]]:
        """The clashes that keep ``c`` out, in words (zh, en) with their figures."""
        out = []
        for cid, d, qid, dist, rule in self._hits(c):
            out.append(
                (
                    f"落在 {cid} 则与 {qid}（位于 {d}）相距 {dist:.0f} 米，小于邻避防护距离 "
                    f"{rule.buffer_m:.0f} 米（{rule.a} / {rule.b}）",
                    f"on {cid} it would be {dist:.0f} m from {qid} (on {d}), within the "
                    f"{rule.buffer_m:.0f} m clash buffer ({rule.a} / {rule.b})",
                    {
                        "carrier": cid,
                        "other": qid,
                        "other_carrier": d,
                        "distance_m": round(dist, 3),
                        "buffer_m": rule.buffer_m,
                        "pair": [rule.a, rule.b],
                    },
                )
            )
        return out
