"""``landalloc readiness --schedule / --slips / --unlock`` on a three-parcel district (issue 19).

The district (one year, 2026; quota for all; every readiness date 2024-06-01 unless said):

* ``A1`` in zone A: power on 2026-04-01 (after the 2026 land transfer, 2026-02-14);
* ``B1`` in zone B: power on 2026-01-20 (before it);
* ``C1`` in zone B: power on 2026-05-01.

Projects, all starting in 2026 on 50 亩: ``J1`` (5 亿元) and ``J2`` (2 亿元) must start on
acquisition (拿地即开工), ``J3`` (1 亿元) need not. The optimum: J1 on B1 (ready), J3 on A1
(start 2026-04-01, when power comes), J2 nowhere (no other parcel ready by 2026-02-14).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from geodata.instance import READINESS_ITEMS

D = dt.date
EARLY = "2024-06-01"


def _write(path: Path, power: dict[str, str]) -> Path:
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import box

    side = 200.0  # 40 000 m² = 60 亩
    rows: list[dict[str, Any]] = []
    for i, (pid, zone) in enumerate((("A1", "A"), ("B1", "B"), ("C1", "B"))):
        ready = {f"ready_{k}": EARLY for k in READINESS_ITEMS}
        ready["ready_power"] = power[pid]
        x = 540000 + i * 400
        rows.append(
            {"parcel_id": pid, "zone": zone, "land_use": "M1", "available_year": 2026, **ready,
             "geometry": box(x, 3466000, x + side, 3466000 + side)}
        )  # fmt: skip
    parcels = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549")
    projects = pd.DataFrame(
        [
            {"project_id": pid, "name": name, "cluster": "光子", "investment_yi": inv,
             "land_mu": 50.0, "start_year": 2026, "stage": "signed", "ready_to_build": rtb}
            for pid, name, inv, rtb in (("J1", "大项目", 5.0, True), ("J2", "中项目", 2.0, True),
                                        ("J3", "小项目", 1.0, False))
        ]
    )  # fmt: skip
    quotas = pd.DataFrame([{"year": 2026, "zone": "*", "land_mu": 500.0}])
    parcels.to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
    pyogrio.write_dataframe(projects, path, layer="projects", driver="GPKG")
    pyogrio.write_dataframe(quotas, path, layer="quotas", driver="GPKG")
    return path


POWER = {"A1": "2026-04-01", "B1": "2026-01-20", "C1": "2026-05-01"}


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    return _write(tmp_path / "district.gpkg", POWER)


def _solve(data: Path, tmp: Path) -> Any:
    """Solve the default scenario of ``data`` here, as the readiness command does."""
    from landalloc.run import solve_scenario

    scen = tmp / f"{data.stem}.yaml"
    scen.write_text(
        yaml.safe_dump({"name": "t", "data": str(data), "years": [2026]}), encoding="utf-8"
    )
    return solve_scenario(scen, solver_overrides={"time_limit_s": 2, "workers": 1})


# --------------------------------------------------------------------------- schedule


def test_schedule_deadlines_are_worked_back_from_the_start(
    gpkg: Path, tmp_path: Path, capsys: Any
) -> None:
    from landalloc.cli import main

    out = tmp_path / "out"
    args = ["readiness", str(gpkg), "--schedule", "--today", "2025-06-01", "--time-limit", "2"]
    code = main([*args, "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "倒排工期" in text and "供电服务中心" in text
    sched = pd.read_csv(out / "schedule.csv", dtype=str, keep_default_na=False)
    rows = sched.set_index(["project_id", "item_key"])
    # hand calculation from the shipped rules: supplied in 2026, the transfer takes 44 days, so
    # the contract (and the target start) is 2026-01-01 + 44 days = 2026-02-14
    target = D(2026, 1, 1) + dt.timedelta(days=44)
    assert target == D(2026, 2, 14)
    j1 = rows.loc["J1"]
    assert j1.loc["transfer", "deadline"] == (target - dt.timedelta(days=44)).isoformat()
    assert j1.loc["transfer", "owner_zh"] == "自然资源规划分局"
    assert j1.loc["planning", "deadline"] == "2026-01-01"  # due before the transfer begins
    assert j1.loc["power", "deadline"] == "2026-02-14"  # due by the start
    assert j1.loc["power", "status"] == "on_time"  # scheduled 2026-01-20, after today
    assert j1.loc["levelled", "status"] == "done"  # 2024-06-01, before today and the deadline
    # J3 waits for power on A1 (2026-04-01): 46 days after its deadline, not passed yet
    j3 = rows.loc["J3"]
    assert j3.loc["power", "status"] == "at_risk"
    assert j3.loc["power", "days_over"] == "46"
    # sorted by deadline
    assert sched["deadline"].tolist() == sorted(sched["deadline"])
    import openpyxl

    wb = openpyxl.load_workbook(out / "schedule.xlsx")
    ws = wb["倒排工期"]
    assert ws.auto_filter.ref  # one sheet with the department column, filterable
    assert ws["A1"].value == "责任部门"
    assert {c.value for c in ws["A"][1:]} >= {"供电服务中心", "自然资源规划分局", "土储中心"}


def test_schedule_follows_the_rules_lead_times(gpkg: Path, tmp_path: Path) -> None:
    from geodata.store import load
    from optimizer.readiness import load_rules
    from optimizer.views.schedule import Placement, department_schedule

    inst, _, _ = load(gpkg)
    rules = load_rules({"transfer_days": 60, "preconditions": {"power": {"lead_days": 30}}})
    s = department_schedule(inst, [Placement("J1", "B1", 2026)], rules, D(2027, 1, 1))
    rows = s.set_index("item_key")
    # target start 2026-01-01 + 60 days = 2026-03-02; power 30 days before it
    assert rows.loc["transfer", "deadline"] == D(2026, 1, 1)
    assert rows.loc["power", "deadline"] == D(2026, 3, 2) - dt.timedelta(days=30)
    assert rows.loc["planning", "deadline"] == D(2026, 1, 1)
    # the transfer's deadline has passed by 2027 and the data record no supply
    assert rows.loc["transfer", "status"] == "late"


def test_report_has_the_schedule_sheet(gpkg: Path, tmp_path: Path) -> None:
    import openpyxl

    from landalloc.run import write_result

    scen = tmp_path / "s.yaml"
    scen.write_text(
        yaml.safe_dump({"name": "t", "data": str(gpkg), "years": [2026],
                        "solver": {"time_limit_s": 2, "workers": 1}}), encoding="utf-8",
    )  # fmt: skip
    result = _solve(gpkg, tmp_path)
    out = write_result(result, scen, tmp_path / "res")
    wb = openpyxl.load_workbook(out / "report.xlsx")
    ws = wb["倒排工期"]
    assert ws.auto_filter.ref
    head = [c.value for c in ws[1]]
    assert head[:2] == ["责任部门", "事项"]
    owners = {r[0] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "供电服务中心" in owners


# --------------------------------------------------------------------------- slips


def test_a_slip_of_one_department_moves_starts_with_their_cause(
    gpkg: Path, tmp_path: Path, capsys: Any
) -> None:
    from landalloc.cli import main

    out = tmp_path / "out"
    code = main(["readiness", str(gpkg), "--slips", "--months", "6", "--time-limit", "2",
                 "--processes", "1", "--out", str(out)])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0, text
    kept = pd.read_csv(out / "slips.csv", dtype=str, keep_default_na=False)
    power = kept[kept["department"] == "供电服务中心"].set_index("project_id")
    # J3's start follows A1's power, now 6 months later: 2026-04-01 → 2026-10-01
    assert power.loc["J3", "change"] == "start_later"
    assert power.loc["J3", "days"] == str((D(2026, 10, 1) - D(2026, 4, 1)).days)
    assert "通电（供电服务中心） 2026-04-01 → 2026-10-01" in power.loc["J3", "cause"]
    # J1 must start on acquisition; B1's power now comes on 2026-07-20, after 2026-02-14
    assert power.loc["J1", "change"] == "unplaced"
    assert "不再满足拿地即开工" in power.loc["J1", "cause"]
    assert "2026-01-20 → 2026-07-20" in power.loc["J1", "cause"]
    # other departments own nothing that moves on these parcels
    assert set(kept["department"]) == {"供电服务中心"}
    summary = pd.read_csv(out / "slips_summary.csv", dtype=str).set_index("department")
    assert summary.loc["供电服务中心", "starts_later"] == "1"
    assert summary.loc["供电服务中心", "unplaced"] == "1"
    assert "供电服务中心的日期推迟 6 个月" in text


def test_the_slip_knob_of_a_scenario(gpkg: Path, tmp_path: Path) -> None:
    from geodata.report import DataError
    from landalloc.run import solve_scenario

    scen = tmp_path / "slip.yaml"
    body = {"name": "t", "data": str(gpkg), "years": [2026],
            "readiness_slip": {"department": "供电服务中心", "months": 6}}  # fmt: skip
    scen.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    r = solve_scenario(scen, solver_overrides={"time_limit_s": 2, "workers": 1})
    power = dict(zip(r.tables.parcels["parcel_id"], r.tables.parcels["ready_power"], strict=True))
    assert power == {"A1": D(2026, 10, 1), "B1": D(2026, 7, 20), "C1": D(2026, 11, 1)}
    # no parcel is ready for a 拿地即开工 project in 2026 any more: only J3 is placed
    assert set(r.assignments["project_id"]) == {"J3"}
    body["readiness_slip"] = {"department": "不存在的部门", "months": 6}
    scen.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError) as err:
        solve_scenario(scen)
    assert "不存在的部门" in str(err.value.report.problems[0].text("zh"))


# --------------------------------------------------------------------------- unlock


def test_unlock_ranks_gains_confirmed_by_an_independent_resolve(
    gpkg: Path, tmp_path: Path, capsys: Any
) -> None:
    from landalloc.cli import main

    out = tmp_path / "out"
    code = main(["readiness", str(gpkg), "--unlock", "--months", "3", "--today", "2025-06-01",
                 "--time-limit", "2", "--processes", "2", "--out", str(out)])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0, text
    ranked = pd.read_csv(out / "unlock.csv", dtype=str).set_index("label")
    assert set(ranked.index) == {"power@A", "power@B"}  # the only dates still to come
    top = ranked[ranked["rank"] == "1"]
    assert top.index[0] == "power@A"
    assert top["owner_zh"].iloc[0] == "供电服务中心"
    assert "若A片区通电提前 3 个月到位，可多落地 1 个项目、投资 2.0 亿元" in text
    assert "（责任：供电服务中心）" in text
    # the plan kept: J3 on A1 now starts on acquisition, 2026-02-14, not on 2026-04-01
    assert ranked.loc["power@A", "earlier"] == "1"
    assert ranked.loc["power@A", "earlier_days"] == str((D(2026, 4, 1) - D(2026, 2, 14)).days)
    # independent re-solve: the data with zone A's power brought forward by hand (2026-04-01
    # minus 3 months), solved as a plain scenario without the slip knob
    moved = _write(tmp_path / "moved.gpkg", {**POWER, "A1": "2026-01-01"})
    base = _solve(gpkg, tmp_path)
    again = _solve(moved, tmp_path)
    gained = again.kpis["projects_placed"] - base.kpis["projects_placed"]
    assert gained == int(ranked.loc["power@A", "more_projects"]) == 1
    more_yi = again.kpis["investment_yi"] - base.kpis["investment_yi"]
    assert more_yi == pytest.approx(float(ranked.loc["power@A", "more_yi"]))
    assert set(again.assignments["project_id"]) == {"J1", "J2", "J3"}


def test_schedule_of_a_result_folder_in_english(gpkg: Path, tmp_path: Path, capsys: Any) -> None:
    from landalloc.cli import main

    res = tmp_path / "res"
    scen = tmp_path / "s.yaml"
    scen.write_text(
        yaml.safe_dump({"name": "t", "data": str(gpkg), "years": [2026],
                        "solver": {"time_limit_s": 2, "workers": 1}}), encoding="utf-8",
    )  # fmt: skip
    assert main(["solve", str(scen), "--out", str(res)]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    code = main(["--lang", "en", "readiness", str(gpkg), "--schedule", "--plan", str(res),
                 "--today", "2025-06-01", "--out", str(out)])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0, text
    assert f"plan {res}" in text and "Power Supply Service Centre" in text
    sched = pd.read_csv(out / "schedule.csv", dtype=str, keep_default_na=False)
    placed = pd.read_csv(res / "assignments.csv", dtype=str)
    assert set(sched["project_id"]) == set(placed["project_id"])  # the folder's plan, not a new one
    import openpyxl

    ws = openpyxl.load_workbook(out / "schedule.xlsx")["schedule"]
    assert [c.value for c in ws[1]][:3] == ["department", "item", "parcel"]
    # --plan and --scenario together are refused before anything is solved
    code = main(["readiness", str(gpkg), "--schedule", "--plan", str(res), "--scenario", str(scen)])
    assert code == 2
