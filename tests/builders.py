"""Hand-made tiny instances for the optimizer tests (3–10 carriers, EPSG:4549 rectangles)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from geodata.instance import Instance
from geodata.report import Report
from geodata.store import Tables, build_instance, from_frames
from geodata.units import M2_PER_MU
from optimizer.problem import Problem
from optimizer.readiness import load_rules
from optimizer.settings import Policy, SolverSettings
from optimizer.solution import Solution
from optimizer.verify import verify
from optimizer.verify_inputs import projects_frame, verify_config

X0, Y0 = 500_000.0, 3_480_000.0
CRS = "EPSG:4549"


def parcel(pid: str, area_mu: float, x: float, **kw: Any) -> dict[str, Any]:
    """A square parcel of ``area_mu`` 亩 whose west edge is at X0 + x metres."""
    side = (area_mu * M2_PER_MU) ** 0.5
    return {
        "parcel_id": pid,
        "zone": kw.pop("zone", "A"),
        "geometry": box(X0 + x, Y0, X0 + x + side, Y0 + side),
        **kw,
    }


def factory(fid: str, floor_m2: float, **kw: Any) -> dict[str, Any]:
    """A factory point."""
    return {
        "factory_id": fid,
        "zone": kw.pop("zone", "A"),
        "floor_area_m2": floor_m2,
        "geometry": Point(X0 - 500, Y0 - 500),
        **kw,
    }


def project(
    pid: str,
    *,
    land_mu: float = 0.0,
    floor_m2: float = 0.0,
    inv: float = 2.0,
    cluster: str = "c1",
    **kw: Any,
) -> dict[str, Any]:
    """A project dict with contract columns."""
    return {
        "project_id": pid,
        "cluster": cluster,
        "investment_yi": inv,
        "land_mu": land_mu,
        "floor_m2": floor_m2,
        **kw,
    }


def tables(
    parcels: list[dict[str, Any]],
    projects: list[dict[str, Any]],
    quotas: dict[int, float],
    *,
    factories: list[dict[str, Any]] | None = None,
    zone_quotas: dict[tuple[int, str], float] | None = None,
) -> Tables:
    """Validated tables from plain dicts; fails the test on any data error."""
    report = Report()
    par = gpd.GeoDataFrame(parcels, geometry="geometry", crs=CRS)
    fac = gpd.GeoDataFrame(factories, geometry="geometry", crs=CRS) if factories else None
    q = [{"year": y, "zone": "*", "land_mu": v} for y, v in quotas.items()]
    q += [{"year": y, "zone": z, "land_mu": v} for (y, z), v in (zone_quotas or {}).items()]
    clusters = sorted({p["cluster"] for p in projects} | {"c1", "c2"})
    t = from_frames(
        parcels=par,
        factories=fac,
        projects=pd.DataFrame(projects),
        quotas=pd.DataFrame(q),
        clusters=pd.DataFrame({"cluster": clusters}),
        zones=None,
        report=report,
        file="test",
    )
    assert not report.errors, [p.text("en") for p in report.errors]
    return t


def instance(t: Tables) -> Instance:
    """The Instance of some tables."""
    return build_instance(t)


def solve(
    t: Tables,
    *,
    policy: Policy | None = None,
    years: tuple[int, ...] = (),
    deterministic: bool = True,
    **kw: Any,
) -> tuple[Solution, list[str], Problem]:
    """Solve a tiny instance and run the independent verifier on the result."""
    from optimizer.kpis import assignments_table

    inst = build_instance(t)
    prob = Problem(inst, years or inst.years, policy=policy or Policy(), **kw).add_quota()
    sol = prob.solve(SolverSettings(time_limit_s=10, deterministic=deterministic, workers=1))
    rules = load_rules()
    table = assignments_table(inst, sol, rules)
    return sol, verify_table(t, inst, prob, table), prob


def verify_table(t: Tables, inst: Instance, prob: Problem, table: pd.DataFrame) -> list[str]:
    """Run the verifier on an assignments table."""
    rules = prob.rules or load_rules()
    return verify(
        t.parcels, t.factories, projects_frame(inst, t), table, verify_config(prob, rules)
    )


def placed(sol: Solution) -> dict[str, tuple[str, ...]]:
    """Project → carriers."""
    return {pid: c.carriers for pid, c in sol.placed().items()}


def write_gpkg(t: Tables, path: Path) -> Path:
    """Write tables to a GeoPackage."""
    from geodata.store import write_tables

    return write_tables(t, path)
