"""Independent verifier: re-checks every hard rule on a result, from the rules themselves.

It shares no code with the model (no candidates, no integer scale, no constraint modules): it
reads the validated tables in their original units (亩, m², 亿元, 万元, dates) and the
``assignments`` table as written to disk, and re-derives every rule of the domain brief. The
readiness rule set is used only as data (which column, which projects, how many transfer days).
It returns a list of violations in plain words; an empty list means the result is sound.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import shapely

from optimizer.verify_clashes import check_clashes

M2_PER_MU_V = 10000.0 / 15.0  # restated on purpose: the verifier shares nothing with the model
TOL_MU = 0.011  # rounding of areas to 0.01 亩 in the model


@dataclass(frozen=True)
class VerifyConfig:
    """The rules a result must respect, in original units."""

    years: tuple[int, ...]
    quotas_mu: dict[tuple[int, str], float]
    waste_tolerance: float = 0.5
    standard_land: bool = True
    include_negotiating: bool = True
    withheld: frozenset[str] = frozenset()
    pins: dict[str, str] = field(default_factory=dict)
    transfer_days: int = 44
    preconditions: tuple[tuple[str, str], ...] = ()  # (date column, applies_to)
    adjacency_gap_m: float = 30.0
    max_group_size: int = 3
    #: quota already used this year before the plan, (year, zone) → 亩 (the quotas' ``used_mu``)
    used_mu: dict[tuple[int, str], float] = field(default_factory=dict)
    #: the clash rules (邻避, geodata.clashes.Clashes: only its pairs and sites are read)
    clashes: Any = None


def _codes(v: object) -> set[str]:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return set()
    if isinstance(v, str):
        return {s.strip() for s in v.replace("；", ";").split(";") if s.strip()}
    if isinstance(v, Iterable):
        return {str(s) for s in v}
    return set()


def _num(v: object, default: float | None = None) -> float | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return default
    return float(v)  # type: ignore[arg-type]


def _date(v: object) -> dt.date | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def verify(
    parcels: pd.DataFrame,
    factories: pd.DataFrame,
    projects: pd.DataFrame,
    assignments: pd.DataFrame,
    config: VerifyConfig,
) -> list[str]:
    """Return every broken hard rule of ``assignments`` (empty when all hold)."""
    bad: list[str] = []
    P = {str(r["parcel_id"]): r for _, r in parcels.iterrows()}
    F = {str(r["factory_id"]): r for _, r in factories.iterrows()} if len(factories) else {}
    J = {str(r["project_id"]): r for _, r in projects.iterrows()}
    rows_by_project: dict[str, list[pd.Series]] = defaultdict(list)
    for _, a in assignments.iterrows():
        rows_by_project[str(a["project_id"])].append(a)

    parcel_users: dict[str, list[tuple[str, float]]] = defaultdict(list)
    factory_floor: dict[str, float] = defaultdict(float)
    land_used: dict[tuple[int, str], float] = defaultdict(float)

    for pid, rows in sorted(rows_by_project.items()):
        if pid not in J:
            bad.append(f"{pid}: project does not exist")
            continue
        j = J[pid]
        kinds = {str(r["carrier_kind"]) for r in rows}
        years = {int(r["year"]) for r in rows}
        if len(kinds) != 1 or len(years) != 1:
            bad.append(f"{pid}: placed more than once (kinds {kinds}, years {years})")
            continue
        kind, year = kinds.pop(), years.pop()
        if kind == "factory" and len(rows) != 1:
            bad.append(f"{pid}: placed in {len(rows)} factories")
        if year not in config.years:
            bad.append(f"{pid}: year {year} outside the planning years")
        start_year = int(_num(j.get("start_year"), min(config.years)) or min(config.years))
        if year < start_year:
            bad.append(f"{pid}: supplied in {year}, before its start year {start_year}")
        if (
            not config.include_negotiating
            and j.get("stage") == "negotiating"
            and pid not in config.pins
        ):
            bad.append(f"{pid}: negotiating project placed although the scenario excludes them")
        carriers = [str(r["carrier_id"]) for r in rows]
        for c in carriers:
            if c in config.withheld:
                bad.append(f"{pid}: uses withheld carrier {c}")
        cluster = str(j["cluster"])
        pollution = int(_num(j.get("pollution"), 1) or 1)
        if kind == "factory":
            _check_factory(pid, j, carriers[0], year, cluster, pollution, F, bad)
            factory_floor[carriers[0]] += float(_num(j.get("floor_m2"), 0.0) or 0.0)
        else:
            supplied = _check_land(pid, j, carriers, year, cluster, pollution, P, config, bad)
            for c in carriers:
                parcel_users[c].append((pid, supplied if len(carriers) == 1 else 0.0))
            counted = _new_land(carriers, supplied, P)
            if counted:
                zones = {str(P[c]["zone"]) for c in carriers if c in P}
                land_used[(year, "*")] += counted
                for z in zones:
                    land_used[(year, z)] += counted
        pin = config.pins.get(pid)
        if pin is not None and pin not in carriers:
            bad.append(f"{pid}: pinned to {pin} but placed on {', '.join(carriers)}")
    for pid, pin in config.pins.items():
        if pid in J and pid not in rows_by_project:
            bad.append(f"{pid}: pinned to {pin} but not placed")
    bad.extend(_check_committed(parcels, rows_by_project))
    bad.extend(check_clashes(parcels, factories, projects, assignments, config.clashes))

    for c, users in sorted(parcel_users.items()):
        if c not in P:
            continue
        divisible = bool(P[c].get("divisible") or False)
        if not divisible and len(users) > 1:
            bad.append(f"parcel {c}: not divisible but given to {', '.join(u for u, _ in users)}")
        if divisible:
            total = sum(a for _, a in users)
            if total > float(P[c]["area_mu"]) + TOL_MU * len(users):
                bad.append(f"parcel {c}: {total:.2f} mu given, area {float(P[c]['area_mu']):.2f}")
    for f, used in sorted(factory_floor.items()):
        if f in F and used > float(F[f]["floor_area_m2"]) + 0.5:
            bad.append(
                f"factory {f}: {used:.0f} m² let, free floor {float(F[f]['floor_area_m2']):.0f}"
            )
    for y in config.years:
        keys = [(y, "*"), *sorted(k for k in config.quotas_mu if k[0] == y and k[1] != "*")]
        for key in keys:
            used = land_used.get(key, 0.0)
            cap = config.quotas_mu.get(key, 0.0 if key[1] == "*" else None)
            if cap is None:
                continue
            cap = max(0.0, cap - config.used_mu.get(key, 0.0))  # what this year has used
            n = max(1, len(parcel_users))
            if used > cap + TOL_MU * n:
                bad.append(f"quota {key[0]} {key[1]}: {used:.2f} mu supplied, quota {cap:.2f}")
    return bad


def _yes(v: object) -> bool:
    """A yes/no cell of the tables (blank: no)."""
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return False
    return bool(v)


def _new_land(carriers: list[str], supplied: float, P: dict[str, pd.Series]) -> float:
    """The land of a placement that takes new construction quota: none on 存量/低效用地 parcels
    (``stock``); a group counts the areas of its other parcels."""
    if not supplied:
        return 0.0
    if len(carriers) == 1:
        return 0.0 if _yes(P[carriers[0]].get("stock")) else supplied
    return sum(float(P[c]["area_mu"]) for c in carriers if not _yes(P[c].get("stock")))


def _check_committed(parcels: pd.DataFrame, rows: dict[str, list[pd.Series]]) -> list[str]:
    """Nothing already committed is planned again: no placement on a parcel already supplied
    (已供地), and no placement of a project a parcel was already supplied to."""
    done: dict[str, str] = {}  # supplied parcel → its project ("" when not named)
    if "supplied" in parcels.columns:
        for _, p in parcels.iterrows():
            if _yes(p.get("supplied")):
                who = p.get("supplied_project")
                done[str(p["parcel_id"])] = "" if who is None or pd.isna(who) else str(who)
    holders = {who: c for c, who in done.items() if who}
    bad: list[str] = []
    for pid, placed in sorted(rows.items()):
        for a in placed:
            c = str(a["carrier_id"])
            if str(a["carrier_kind"]) == "parcel" and c in done:
                bad.append(f"{pid}: parcel {c} was already supplied (to {done[c] or '?'})")
        if pid in holders:
            bad.append(f"{pid}: already supplied parcel {holders[pid]}, yet planned again")
    return bad


def _admits(carrier: pd.Series, cluster: str) -> bool:
    codes = _codes(carrier.get("clusters"))
    return not codes or cluster in codes


def _check_factory(
    pid: str,
    j: pd.Series,
    fid: str,
    year: int,
    cluster: str,
    pollution: int,
    F: dict[str, pd.Series],
    bad: list[str],
) -> None:
    if fid not in F:
        bad.append(f"{pid}: factory {fid} does not exist")
        return
    f = F[fid]
    floor = float(_num(j.get("floor_m2"), 0.0) or 0.0)
    carrier = str(j.get("carrier") or "")
    if floor <= 0 or carrier == "land":
        bad.append(f"{pid}: placed in a factory but needs no factory space")
    if not _admits(f, cluster):
        bad.append(f"{pid}: factory {fid} does not admit cluster {cluster}")
    if pollution > int(_num(f.get("max_pollution"), 2) or 2):
        bad.append(f"{pid}: pollution {pollution} above factory {fid}'s limit")
    avail = _num(f.get("available_year"))
    if avail is not None and year < avail:
        bad.append(f"{pid}: factory {fid} not available before {int(avail)}")
    need_load = _num(j.get("min_floor_load_kg_m2"))
    if need_load is not None and (_num(f.get("floor_load_kg_m2")) or -1) + 1e-9 < need_load:
        bad.append(f"{pid}: factory {fid} floor load too low")
    need_h = _num(j.get("min_clear_height_m"))
    if need_h is not None and (_num(f.get("clear_height_m")) or -1) + 1e-9 < need_h:
        bad.append(f"{pid}: factory {fid} clear height too low")


def _check_land(
    pid: str,
    j: pd.Series,
    carriers: list[str],
    year: int,
    cluster: str,
    pollution: int,
    P: dict[str, pd.Series],
    config: VerifyConfig,
    bad: list[str],
) -> float:
    missing = [c for c in carriers if c not in P]
    if missing:
        bad.append(f"{pid}: parcel(s) {', '.join(missing)} do not exist")
        return 0.0
    demand = float(_num(j.get("land_mu"), 0.0) or 0.0)
    if demand <= 0 or str(j.get("carrier") or "") == "factory":
        bad.append(f"{pid}: placed on land but needs none")
        return 0.0
    rank = {"M0": 0, "M1": 1, "M2": 2, "M3": 3}
    p_use = str(j.get("land_use") or "M1")
    for c in carriers:
        p = P[c]
        if not _admits(p, cluster):
            bad.append(f"{pid}: parcel {c} does not admit cluster {cluster}")
        c_use = str(p.get("land_use") or "M1")
        fits = (p_use == "M0" and c_use == "M0") or (
            p_use != "M0" and c_use != "M0" and rank[c_use] >= rank[p_use]
        )
        if not fits:
            bad.append(f"{pid}: land use {p_use} does not fit parcel {c} ({c_use})")
        if pollution > int(_num(p.get("max_pollution"), 3) or 3):
            bad.append(f"{pid}: pollution {pollution} above parcel {c}'s limit")
        avail = _num(p.get("available_year"))
        if avail is not None and year < avail:
            bad.append(f"{pid}: parcel {c} not available before {int(avail)}")
    if len(carriers) == 1 and bool(P[carriers[0]].get("divisible") or False):
        supplied = demand
        if float(P[carriers[0]]["area_mu"]) + TOL_MU < demand:
            bad.append(f"{pid}: divisible parcel {carriers[0]} smaller than the demand")
    else:
        if len(carriers) > 1:
            _check_group(pid, carriers, P, config, bad)
        supplied = sum(float(P[c]["area_mu"]) for c in carriers)
        if supplied + TOL_MU < demand:
            bad.append(f"{pid}: {supplied:.2f} mu supplied, {demand:.2f} needed")
        if supplied > demand * (1 + config.waste_tolerance) + TOL_MU:
            bad.append(f"{pid}: {supplied:.2f} mu supplied for {demand:.2f} needed (waste)")
    if config.standard_land and supplied > 0:
        inv_wan = float(_num(j.get("investment_yi"), 0.0) or 0.0) * 10000.0
        tax = float(_num(j.get("tax_wan"), 0.0) or 0.0)
        floor = float(_num(j.get("floor_m2"), 0.0) or 0.0)
        for c in carriers:
            p = P[c]
            if inv_wan / supplied + 1e-6 < float(_num(p.get("min_intensity_wan_per_mu"), 0) or 0):
                bad.append(f"{pid}: investment intensity below parcel {c}'s floor")
            if tax / supplied + 1e-6 < float(_num(p.get("min_tax_wan_per_mu"), 0) or 0):
                bad.append(f"{pid}: tax per mu below parcel {c}'s floor")
            if floor > 0:
                far = floor / (supplied * M2_PER_MU_V)
                lo, hi = _num(p.get("far_min")), _num(p.get("far_max"))
                if (lo is not None and far + 1e-6 < lo) or (hi is not None and far - 1e-6 > hi):
                    bad.append(f"{pid}: plot ratio {far:.2f} out of parcel {c}'s range")
    if bool(j.get("ready_to_build") or False):
        _check_ready(pid, j, carriers, year, P, config, bad)
    return supplied


def _check_group(
    pid: str, carriers: list[str], P: dict[str, pd.Series], config: VerifyConfig, bad: list[str]
) -> None:
    if len(carriers) > config.max_group_size:
        bad.append(f"{pid}: group of {len(carriers)} parcels (max {config.max_group_size})")
    zones = {str(P[c]["zone"]) for c in carriers}
    if len(zones) > 1:
        bad.append(f"{pid}: group spans zones {sorted(zones)}")
    if any(bool(P[c].get("divisible") or False) for c in carriers):
        bad.append(f"{pid}: group contains a divisible parcel")
    geoms = {c: P[c]["geometry"] for c in carriers}
    reached = {carriers[0]}
    frontier = [carriers[0]]
    while frontier:
        cur = frontier.pop()
        for other in carriers:
            if other not in reached and shapely.distance(geoms[cur], geoms[other]) <= (
                config.adjacency_gap_m + 1e-6
            ):
                reached.add(other)
                frontier.append(other)
    if len(reached) != len(carriers):
        bad.append(f"{pid}: parcels {', '.join(carriers)} are not adjacent")


def _check_ready(
    pid: str,
    j: pd.Series,
    carriers: list[str],
    year: int,
    P: dict[str, pd.Series],
    config: VerifyConfig,
    bad: list[str],
) -> None:
    needs = _codes(j.get("needs")) or {"water", "power", "road", "drainage"}
    start_year = int(_num(j.get("start_year"), year) or year)
    limit = max(
        dt.date(year, 1, 1) + dt.timedelta(days=config.transfer_days), dt.date(start_year, 1, 1)
    )
    for c in carriers:
        for column, applies in config.preconditions:
            if applies != "all" and applies.split(":", 1)[1] not in needs:
                continue
            d = _date(P[c].get(column))
            if d is None or d > limit:
                when = d.isoformat() if d else "not scheduled"
                bad.append(
                    f"{pid}: ready_to_build but parcel {c}'s {column} is {when} "
                    f"(needed by {limit.isoformat()})"
                )
