"""Result tables and KPIs: pure functions of (instance, solution) returning tables/dicts.

The maps, the report and the CLI render only from these.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pandas as pd

from geodata.instance import Instance
from geodata.schema import ASSIGNMENT_COLUMNS
from geodata.units import WAN_PER_YI, cmu_to_mu
from optimizer.constraints.quota import quota_cmu, stock_areas
from optimizer.explain import runner_ups
from optimizer.objective import TIERS, tier_of
from optimizer.readiness import RuleSet, assess, missing_text
from optimizer.solution import Solution


def tier_label(t: int, lang: str = "zh") -> str:
    """``≥10亿`` style label of a tier (``>=1,000M CNY`` in English)."""
    return f"≥{t}亿" if lang == "zh" else f">={t * 100:,}M CNY"


def tier_text(label: str, lang: str = "zh") -> str:
    """A tier label as stored in the KPIs (``≥10亿``, the keys of ``major_by_tier``) in ``lang``."""
    m = re.fullmatch(r"≥(\d+)亿", label)
    return tier_label(int(m.group(1)), lang) if m else label


#: Units the ``share`` column is split in (a fraction with 4 decimals).
SHARE_UNITS = 10_000


def split_amount(total: int, weights: Sequence[int]) -> list[int]:
    """Split the integer ``total`` in proportion to ``weights`` so that the parts add up to it.

    Largest-remainder rounding: each part is the floor of its exact quota, and the units left
    over go to the largest remainders (ties to the earlier weight). Without positive weights the
    split is even.
    """
    if not weights:
        return []
    ws = [max(0, int(w)) for w in weights]
    if sum(ws) <= 0:
        ws = [1] * len(ws)
    whole = sum(ws)
    parts = [total * w // whole for w in ws]
    left = total - sum(parts)
    order = sorted(range(len(ws)), key=lambda i: (-(total * ws[i] % whole), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def assignments_table(
    instance: Instance, solution: Solution, rules: RuleSet, lang: str = "zh"
) -> pd.DataFrame:
    """One row per (project, carrier); a 合并供地 project has one row per parcel.

    Every amount of a project (``investment_yi``, ``output_yi``, ``tax_wan``, ``jobs``) is counted
    once: a 合并供地 project's amounts are split over its parcels' rows in proportion to each
    parcel's area (``share``, summing to 1 over the group), in whole 万元 and whole jobs by
    largest remainder, so the rows add up exactly to the project and every column sums to the
    KPI; a row's amount per 亩 is the project's. Other rows have ``share`` 1.
    """
    projects = {p.project_id: p for p in instance.projects}
    parcels = {p.parcel_id: p for p in instance.parcels}
    ups = runner_ups(solution)
    rows: list[dict[str, Any]] = []
    for c in sorted(solution.chosen, key=lambda c: c.project_id):
        p = projects[c.project_id]
        group = "+".join(c.carriers) if c.kind == "group" else ""
        if c.kind == "group":
            weights = [parcels[cid].area_cmu for cid in c.carriers]
        else:
            weights = [1] * len(c.carriers)
        share = split_amount(SHARE_UNITS, weights)
        inv = split_amount(p.investment_wan, weights)
        out = split_amount(p.output_wan, weights)
        tax = split_amount(p.tax_wan, weights)
        jobs = split_amount(p.jobs, weights)
        for k, cid in enumerate(c.carriers):
            status, missing = "", ""
            if c.kind != "factory":
                a = assess(p, parcels[cid], c.year, rules)
                status, missing = a.status, missing_text(a.missing, lang)
            area = 0.0
            if c.kind == "group":
                area = cmu_to_mu(parcels[cid].area_cmu)
            elif c.kind == "parcel":
                area = cmu_to_mu(c.land_cmu)
            rows.append(
                {
                    "project_id": p.project_id,
                    "name": p.name,
                    "company": p.company,
                    "cluster": p.cluster,
                    "stage": p.stage,
                    "carrier_kind": "factory" if c.kind == "factory" else "parcel",
                    "carrier_id": cid,
                    "group_id": group,
                    "share": share[k] / SHARE_UNITS,
                    "zone": c.zone,
                    "year": c.year,
                    "area_mu": area,
                    "floor_m2": c.floor_m2,
                    "start_date": c.start.isoformat() if c.start else "",
                    "readiness": status,
                    "missing": missing,
                    "investment_yi": inv[k] / WAN_PER_YI,
                    "output_yi": out[k] / WAN_PER_YI,
                    "tax_wan": float(tax[k]),
                    "jobs": jobs[k],
                    "ready_to_build": p.ready_to_build,
                    "priority_points": round(solution.cands.priority[p.project_id], 2),
                    "coefficient": c.coef,
                    "runner_up": ups.get(p.project_id, ""),
                }
            )
    return pd.DataFrame(rows, columns=list(ASSIGNMENT_COLUMNS))


def quota_table(instance: Instance, solution: Solution) -> pd.DataFrame:
    """Quota and land used per (year, zone); zone ``*`` is the district.

    ``quota_mu`` is what the plan may use (the row's quota less what this year has already
    used), ``used_mu`` what the plan uses (land on 存量 parcels takes none) and
    ``committed_mu`` the quota already used this year before the plan (the data's ``used_mu``).
    """
    used: dict[tuple[int, str], int] = defaultdict(int)
    stock = stock_areas(instance)
    for c in solution.chosen:
        land = quota_cmu(c, stock)
        if land:
            used[(c.year, "*")] += land
            used[(c.year, c.zone)] += land
    committed = {(q.year, q.zone): q.used_cmu for q in instance.quotas}
    keys = sorted(set(solution.quotas) | {k for k in used if k[1] == "*"})
    rows = [
        {
            "year": y,
            "zone": z,
            "quota_mu": cmu_to_mu(solution.quotas.get((y, z), 0)),
            "used_mu": cmu_to_mu(used.get((y, z), 0)),
            "committed_mu": cmu_to_mu(committed.get((y, z), 0)),
        }
        for y, z in keys
        if y in solution.years
    ]
    return pd.DataFrame(rows, columns=["year", "zone", "quota_mu", "used_mu", "committed_mu"])


def committed_kpis(instance: Instance) -> dict[str, Any]:
    """What is already committed this year, apart from the plan: the parcels already supplied
    (已供地) and the pipeline projects on them, and the quota already used per year."""
    done = [p for p in instance.parcels if p.supplied]
    held = [p for p in instance.projects if p.supplied_parcels]
    used: dict[int, int] = defaultdict(int)
    for q in instance.quotas:
        if q.zone == "*":
            used[q.year] += q.used_cmu
    return {
        "parcels": len(done),
        "land_mu": round(sum(cmu_to_mu(p.area_cmu) for p in done), 2),
        "projects": len(held),
        "investment_yi": round(sum(p.investment_wan for p in held) / WAN_PER_YI, 2),
        "quota_used_mu": {int(y): cmu_to_mu(v) for y, v in sorted(used.items()) if v},
    }


def kpis(instance: Instance, solution: Solution, scenario: str = "") -> dict[str, Any]:
    """The KPIs leadership is judged on."""
    placed = solution.placed()
    # projects already supplied land are committed, not planned: counted apart
    projects = [p for p in instance.projects if not p.supplied_parcels]
    got = [p for p in projects if p.project_id in placed]
    major_total = {tier_label(t): sum(1 for p in projects if tier_of(p) >= t) for t in TIERS}
    major_placed = {tier_label(t): sum(1 for p in got if tier_of(p) >= t) for t in TIERS}
    signed_major = [p for p in projects if p.stage == "signed" and tier_of(p) >= 1]
    land_placed = [c for c in solution.chosen if c.kind != "factory"]
    ready = [c for c in land_placed if c.ready_status == "ready"]
    q = quota_table(instance, solution)
    stock = stock_areas(instance)
    return {
        "scenario": scenario,
        "projects_total": len(projects),
        "projects_placed": len(got),
        "investment_yi": round(sum(p.investment_wan for p in got) / WAN_PER_YI, 2),
        "output_yi": round(sum(p.output_wan for p in got) / WAN_PER_YI, 2),
        "tax_wan": round(float(sum(p.tax_wan for p in got)), 1),
        "jobs": int(sum(p.jobs for p in got)),
        "land_mu": round(sum(cmu_to_mu(c.land_cmu) for c in land_placed), 2),
        "floor_m2": int(sum(c.floor_m2 for c in solution.chosen if c.kind == "factory")),
        "stock_land_mu": round(
            sum(cmu_to_mu(c.land_cmu - quota_cmu(c, stock)) for c in land_placed), 2
        ),
        "major_by_tier": major_placed,
        "major_total_by_tier": major_total,
        "supply_rate_signed_major": (
            round(sum(1 for p in signed_major if p.project_id in placed) / len(signed_major), 4)
            if signed_major
            else None
        ),
        "ready_share": round(len(ready) / len(land_placed), 4) if land_placed else None,
        "quota": q.to_dict(orient="records"),
        "committed": committed_kpis(instance),
    }
