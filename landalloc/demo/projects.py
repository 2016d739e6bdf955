"""The demo's pipeline of projects (项目库) and the yearly land quotas that go with it.

Investments follow the tier mix of the seed reports (≥ 1 / 10 / 50 / 100 亿元); each project gets
a cluster, a carrier (land, factory or either), its demand, outputs, stage, tags and needs. The
quotas are a share of the land demand (so that not every project can be placed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from geodata.units import WAN_PER_YI
from landalloc.demo.catalogue import (
    BASE_NEEDS,
    BRAND_A,
    BRAND_B,
    CLUSTERS,
    KINDS,
    WASTE_TOLERANCE,
    ClusterSpec,
    ZoneSpec,
    pick,
    year_weights,
)


def tier_investments(rng: np.random.Generator, n: int) -> list[float]:
    """Investments (亿元) with the tier mix of the seed reports, in random order."""
    n100 = 1 if n >= 100 else 0
    n50 = round(n * 0.015)
    n10 = max(1, round(n * 0.10))
    n_small = round(n * 0.15)
    n_mid = n - n100 - n50 - n10 - n_small
    values = (
        [float(rng.uniform(100.0, 130.0)) for _ in range(n100)]
        + [float(rng.uniform(50.0, 80.0)) for _ in range(n50)]
        + [float(np.exp(rng.uniform(math.log(10.0), math.log(45.0)))) for _ in range(n10)]
        + [float(np.clip(rng.lognormal(math.log(2.5), 0.6), 1.0, 9.8)) for _ in range(n_mid)]
        + [float(rng.uniform(0.2, 0.95)) for _ in range(n_small)]
    )
    return [round(values[i], 2) for i in rng.permutation(len(values))]


def _company(rng: np.random.Generator, spec: ClusterSpec, used: set[str], big: bool) -> str:
    """An invented company name of the cluster, not yet in ``used`` (added to it)."""
    for _ in range(200):
        brand = BRAND_A[int(rng.integers(len(BRAND_A)))] + BRAND_B[int(rng.integers(len(BRAND_B)))]
        name = f"苏州{brand}{spec.company_suffix}{'股份' if big else ''}有限公司"
        if name not in used:
            used.add(name)
            return name
    name = f"苏州{spec.company_suffix}示例{len(used) + 1}有限公司"
    used.add(name)
    return name


def _carrier(rng: np.random.Generator, inv: float, spec: ClusterSpec) -> str:
    """Land, factory or either: small projects mostly rent floor space, large ones take land."""
    if inv < 1.0:
        return "factory" if rng.random() < 0.8 else "land"
    if inv < 3.0:
        return pick(
            rng,
            (
                ("factory", 0.3 + (0.2 if spec.code == "digital" else 0.0)),
                ("either", 0.15),
                ("land", 0.55),
            ),
        )
    return "land"


def _demand(rng: np.random.Generator, inv: float, carrier: str) -> tuple[float, float]:
    """Land (亩) and floor area (m²) demanded: land from an investment intensity by tier."""
    inv_wan = inv * WAN_PER_YI
    if inv >= 50:
        intensity = rng.uniform(1800.0, 3000.0)
    elif inv >= 10:
        intensity = rng.uniform(700.0, 2200.0)
    elif inv >= 1:
        intensity = rng.uniform(280.0, 700.0) if inv < 3 else rng.uniform(450.0, 1100.0)
    else:
        intensity = rng.uniform(250.0, 500.0)
    land = (
        round(float(np.clip(inv_wan / intensity, 8.0, 300.0)), 1) if carrier != "factory" else 0.0
    )
    floor = (
        float(np.clip(round(inv_wan * rng.uniform(0.5, 1.2), -2), 1000.0, 45000.0))
        if carrier != "land"
        else 0.0
    )
    return land, floor


def _pollution(rng: np.random.Generator, land_use: str) -> int:
    """Pollution class: 1 on M0, mostly 1 on M1, mostly 2 on M2–M3."""
    if land_use == "M0":
        return 1
    if land_use == "M1":
        return 1 if rng.random() < 0.8 else 2
    return 2 if rng.random() < 0.7 else 3


def _tags(rng: np.random.Generator, inv: float) -> list[str]:
    """Tags of the company (世界500强, 上市, 总部, 专精特新, 链主), likelier for large projects."""
    tags: list[str] = []
    if (inv >= 10 and rng.random() < 0.3) or rng.random() < 0.03:
        tags.append("fortune500")
    if rng.random() < (0.4 if inv >= 10 else 0.15):
        tags.append("listed")
    if rng.random() < 0.1:
        tags.append("hq")
    if inv < 10 and rng.random() < 0.25:
        tags.append("specialised")
    if inv >= 50 or (inv >= 10 and rng.random() < 0.2):
        tags.append("chain_leader")
    return tags


def _project(
    rng: np.random.Generator,
    pid: str,
    inv: float,
    spec: ClusterSpec,
    years: list[int],
    used_names: set[str],
) -> dict[str, Any]:
    """One project of cluster ``spec`` investing ``inv`` 亿元, as a row of the ``projects`` layer."""
    carrier = _carrier(rng, inv, spec)
    land, floor = _demand(rng, inv, carrier)
    land_use = pick(rng, spec.land_uses)
    pollution = _pollution(rng, land_use)
    output = round(inv * float(rng.uniform(*spec.output_ratio)), 2)
    tax = round(output * WAN_PER_YI * float(rng.uniform(0.018, 0.045)))
    jobs = int(max(15.0, inv * rng.uniform(18.0, 40.0)))
    if inv >= 10:
        stage = pick(rng, (("signed", 0.45), ("registered", 0.2), ("negotiating", 0.35)))
    else:
        stage = pick(rng, (("signed", 0.3), ("registered", 0.15), ("negotiating", 0.55)))
    tags = _tags(rng, inv)
    needs = list(BASE_NEEDS) + [u for u, p in spec.extra_needs if rng.random() < p]
    product = spec.products[int(rng.integers(len(spec.products)))]
    kind = "总部及研发中心项目" if "hq" in tags else KINDS[int(rng.integers(len(KINDS)))]
    heavy = spec.code == "equipment" or (spec.code == "new_energy" and rng.random() < 0.5)
    return {
        "project_id": pid,
        "name": f"{product}{kind}",
        "company": _company(rng, spec, used_names, inv >= 10),
        "cluster": spec.code,
        "stage": stage,
        "investment_yi": inv,
        "land_mu": land,
        "floor_m2": floor,
        "carrier": carrier,
        "land_use": land_use,
        "output_yi": output,
        "tax_wan": float(tax),
        "jobs": jobs,
        "pollution": pollution,
        "start_year": int(rng.choice(years, p=year_weights(len(years), 0.7))),
        "ready_to_build": bool(rng.random() < (0.45 if stage != "negotiating" else 0.15)),
        "needs": tuple(sorted(needs)),
        "min_floor_load_kg_m2": (1000.0 if heavy else 500.0)
        if floor and rng.random() < 0.6
        else None,
        "min_clear_height_m": (8.0 if heavy else None) if floor else None,
        "tags": tuple(sorted(tags)),
        "pinned_carrier": "",
    }


def draw_projects(
    rng: np.random.Generator, n_projects: int, first_year: int, years: list[int]
) -> list[dict[str, Any]]:
    """The pipeline: investments with the tier mix, a cluster for each, then its attributes.

    The one project of ≥ 100 亿元 (when there are at least 100 projects) is in new energy.
    """
    invest = tier_investments(rng, n_projects)
    shares = np.array([c.share for c in CLUSTERS])
    width = max(3, len(str(n_projects)))
    used_names: set[str] = set()
    projects: list[dict[str, Any]] = []
    for k, inv in enumerate(invest):
        spec = CLUSTERS[int(rng.choice(len(CLUSTERS), p=shares / shares.sum()))]
        if inv >= 100:
            spec = next(c for c in CLUSTERS if c.code == "new_energy")
        projects.append(
            _project(rng, f"XM{first_year}-{k + 1:0{width}d}", inv, spec, years, used_names)
        )
    return projects


def fix_oversized(
    rng: np.random.Generator,
    projects: list[dict[str, Any]],
    largest: float,
    mega: dict[str, Any] | None,
) -> None:
    """A small district may have no parcel as large as a project: such projects scale down."""
    for pro in projects:
        if pro is not mega and pro["land_mu"] > largest:
            pro["land_mu"] = round(largest * float(rng.uniform(0.7, 0.95)), 1)


def _round_up(x: float, step: float) -> float:
    """``x`` rounded up to a multiple of ``step``."""
    return math.ceil(x / step) * step


def quota_rows(
    projects: list[dict[str, Any]], years: list[int], zones: Sequence[ZoneSpec], ratio: float
) -> list[dict[str, Any]]:
    """District quotas of ``ratio`` × the land demand, split over the years; two zone quotas.

    Each year gets its share half in proportion to the demand starting that year and half evenly.
    The first year can always hold the largest project, and a zone quota its largest supply.
    """
    land = [
        (int(p["start_year"]), float(p["land_mu"])) for p in projects if p["carrier"] != "factory"
    ]
    demand = sum(a for _, a in land)
    largest = max((a for _, a in land), default=0.0) * (1.0 + WASTE_TOLERANCE)
    by_year = np.array([sum(a for y, a in land if y == year) for year in years])
    share = 0.5 * by_year / max(demand, 1e-9) + 0.5 / len(years)
    step = 50.0 if demand * ratio / len(years) >= 500 else 10.0
    rows: list[dict[str, Any]] = []
    for k, year in enumerate(years):
        district = _round_up(demand * ratio * float(share[k]), step)
        if k == 0:
            district = max(district, _round_up(largest * 1.1, step))
        rows.append({"year": year, "zone": "*", "land_mu": float(district)})
        for zone in zones:
            if zone.quota_share and len(zones) >= 3:
                zq = max(_round_up(district * zone.quota_share, 10.0), _round_up(largest, 10.0))
                rows.append({"year": year, "zone": zone.code, "land_mu": float(zq)})
    return rows
