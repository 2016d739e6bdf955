"""``landalloc sweep``: the quota sweep on a real two-process local cluster, resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import parcel, project, tables, write_gpkg
from openpyxl import load_workbook

from landalloc.sweep import (
    Base,
    Point,
    QuotaSweep,
    Series,
    SweepSpec,
    derived,
    percent_range,
    read_spec,
)
from landalloc.sweep_figures import best_plans, leader_sentence, reported, saturation, steps
from landalloc.sweep_run import run_sweep


def _data(tmp_path: Path) -> Path:
    """Two zones with quotas of their own, two years; the quotas bind."""
    t = tables(
        [
            parcel("A1", 80, 0, clusters="c1"),
            parcel("A2", 110, 400, clusters="c1"),
            parcel("A3", 140, 800, clusters="c1"),
            parcel("B1", 80, 1200, zone="B", clusters="c2"),
            parcel("B2", 110, 1600, zone="B", clusters="c2"),
            parcel("B3", 140, 2000, zone="B", clusters="c2"),
        ],
        [
            project("J1", land_mu=75, inv=5.0, stage="signed"),
            project("J2", land_mu=105, inv=3.0),
            project("J3", land_mu=135, inv=4.0),
            project("K1", land_mu=75, inv=2.0, cluster="c2"),
            project("K2", land_mu=105, inv=6.0, cluster="c2", stage="signed"),
            project("K3", land_mu=135, inv=1.0, cluster="c2"),
        ],
        {2026: 300.0, 2027: 250.0},
        zone_quotas={
            (2026, "A"): 180.0,
            (2026, "B"): 180.0,
            (2027, "A"): 150.0,
            (2027, "B"): 150.0,
        },
    )
    return write_gpkg(t, tmp_path / "d.gpkg")


def _scenario(tmp_path: Path) -> Path:
    _data(tmp_path)
    s = tmp_path / "base.yaml"
    s.write_text(
        "name: 小区\ndata: d.gpkg\nyears: [2026, 2027]\nsolver: {time_limit_s: 1}\n",
        encoding="utf-8",
    )
    return s


@pytest.mark.slow
def test_quota_sweep_on_two_processes(tmp_path: Path) -> None:
    scen = _scenario(tmp_path)
    spec = SweepSpec(
        scenario=str(scen),
        time_limit_s=1,
        quota_sweep=QuotaSweep(range=(60, 140, 40), years=[2026], transfers=2),
    )
    out = tmp_path / "sweep"
    res = run_sweep(spec, scen, out, processes=2, progress=False)
    assert "2 个工作进程" in res.engine
    assert "每个求解使用 1 个 CP-SAT 线程" in res.engine
    for name in ("sweep.xlsx", "sweep.png", "sweep.html", "sweep.json"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert [s.id for s in res.series] == ["2026:*", "2026:A", "2026:B"]
    for s in res.series:
        rows = res.rows[s.id]
        assert len(rows) == 3, s.id
        assert all(r.point.result["status"] == "OPTIMAL" for r in rows)
        own = [r.point.result["objective"] for r in rows]
        shown = [r.plan.result["objective"] for r in rows]
        # more quota never lowers the objective: the solves (optimal here) and the curve
        assert own == sorted(own), (s.id, own)
        assert shown == sorted(shown), (s.id, shown)
    assert "年每增加 100 亩指标" in res.headline or "指标已不是瓶颈" in res.headline
    page = (out / "sweep.html").read_text(encoding="utf-8")
    assert res.headline in page and "data:image/png;base64," in page
    wb = load_workbook(out / "sweep.xlsx")
    assert wb.sheetnames == ["结论", "各点结果", "边际价值", "饱和点", "指标调剂"]
    assert wb["结论"]["A2"].value == res.headline
    assert len(res.moves) == 2 and all(m["error"] is None for m in res.moves)
    solved, reused = res.counts()
    assert (solved, reused) == (9, 0)  # 3 series × 2 + the base + 2 moves (A → B, B → A)
    again = run_sweep(spec, scen, out, processes=2, progress=False)
    assert again.counts() == (0, 9)
    assert "未启动计算集群" in again.engine  # everything cached: no cluster started
    assert again.headline == res.headline


@pytest.mark.slow
def test_killed_sweep_resumes_from_its_cache(tmp_path: Path) -> None:
    scen, out = _scenario(tmp_path), tmp_path / "sweep"
    cmd = [sys.executable, "-m", "landalloc", "sweep", str(scen), "--out", str(out)]
    cmd += ["--year", "2026", "--no-zones", "--quota-range", "60:140:40", "--transfers", "0"]
    cmd += ["--time-limit", "1", "--processes", "1"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=tmp_path
    )
    cache = out / ".cache"
    deadline = time.monotonic() + 120
    while not list(cache.glob("*.json")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its cluster and workers: no clean-up
    proc.communicate()
    first = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert 1 <= len(first) < 3
    assert not (out / "sweep.xlsx").exists()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"新求解 {3 - len(first)} 个，沿用缓存 {len(first)} 个" in done.stdout, done.stdout
    assert "每增加 100 亩指标" in done.stdout or "指标已不是瓶颈" in done.stdout
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert len(after) == 3
    assert all(after[k] == v for k, v in first.items())  # cached points were not solved again
    payload = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    objective = [p["objective (points)"] for p in payload["points"]]
    assert objective == sorted(objective)


# --------------------------------------------------------------------------- the pieces


def test_percent_range_includes_the_base() -> None:
    assert percent_range(60, 140, 20) == (60, 80, 100, 120, 140)
    assert percent_range(50, 150, 30) == (50, 80, 100, 110, 140)


def test_read_spec_of_a_scenario_and_of_a_spec(tmp_path: Path) -> None:
    scen = _scenario(tmp_path)
    spec, path = read_spec(scen)
    assert path == scen and spec.quota_sweep == QuotaSweep()
    f = tmp_path / "spec.yaml"
    f.write_text(
        "scenario: base.yaml\ntime_limit_s: 2\ngrid:\n  quotas.scale_by_year.2027: [0.8, 1.2]\n",
        encoding="utf-8",
    )
    spec, path = read_spec(f)
    assert path == scen.resolve() and spec.grid == {"quotas.scale_by_year.2027": [0.8, 1.2]}


def _base() -> Base:
    scen = {"name": "x", "data": "/d.gpkg", "years": [2026], "quotas": {"override": []}}
    return Base(Path("s.yaml"), scen, Path("/d.gpkg"), "0", {(2026, "*"): 200.0}, (2026,), {}, {})


def test_a_quota_point_is_an_override_and_keys_are_set() -> None:
    d = derived(_base(), [("quota.2026.*", 80), ("quotas.scale_by_year.2027", 1.2)])
    assert d["quotas"]["override"] == [{"year": 2026, "zone": "*", "land_mu": 160.0}]
    assert d["quotas"]["scale_by_year"] == {"2027": 1.2}


def _point(v: float, obj: float, inv: float, n: int) -> Point:
    quota = [{"year": 2026, "zone": "*", "quota_mu": 2 * v, "used_mu": 0}]
    kpis = {
        "investment_yi": inv,
        "projects_placed": n,
        "major_by_tier": {"≥1亿": n},
        "quota": quota,
    }
    result = {"error": None, "objective": obj, "kpis": kpis, "status": "FEASIBLE"}
    return Point(f"p{v}", "2026:*", v, 2 * v, {"weights": {}}, key=f"k{v}", result=result)


def test_a_worse_time_limited_solve_reports_the_best_plan_that_fits() -> None:
    s = Series("2026:*", "quota.2026.*", (60, 80, 100, 120), 200.0)
    pts = [_point(60, 100, 5, 2), _point(80, 120, 7, 3), _point(100, 118, 9, 3)]
    pts.append(_point(120, 120.2, 6, 3))
    other = _point(40, 130, 9, 4)  # another problem (weights): its plan is not comparable
    other.scenario = {"weights": {"focus": 0}}
    rows = reported(s, pts, best_plans([*pts, other]))
    assert [r.plan.label for r in rows] == ["p60", "p80", "p80", "p120"]
    assert rows[2].plan_from == "p80" and rows[1].plan_from == ""
    st = steps(s, rows)
    assert st[0].per100(st[0].d_investment) == pytest.approx(5.0)  # 2 亿 per 40 亩
    sat = saturation(rows)
    assert sat is not None and sat.point.label == "p80"  # after 80 %: < 0.5 % per step
    assert (
        leader_sentence(2026, st[0])
        == "2026 年每增加 100 亩指标，可多落地约 5 亿元投资（2.5 个项目）"
    )


def test_a_grid_over_scenario_keys() -> None:
    from landalloc.sweep import grid_series, make_points

    grid = {"quotas.scale_by_year.2026": [0.8, 1.2], "weights.focus": [0.0, 5.0, 10.0]}
    series = grid_series(_base(), grid)
    assert [s.fixed for s in series] == [(("weights.focus", v),) for v in (0.0, 5.0, 10.0)]
    assert series[0].monotone  # more quota (scale) cannot make the best plan worse
    points = make_points(_base(), series)
    pts = points[series[2].id]
    assert [p.scenario["quotas"]["scale_by_year"] for p in pts] == [{"2026": 0.8}, {"2026": 1.2}]
    assert all(p.scenario["weights"]["focus"] == 10.0 for p in pts)
    assert len({p.key for ps in points.values() for p in ps}) == 6


def test_bad_range_and_foreign_folder_are_refused(tmp_path: Path) -> None:
    from landalloc.cli import main

    scen = _scenario(tmp_path)
    out = tmp_path / "mine"
    assert main(["sweep", str(scen), "--out", str(out), "--quota-range", "60-140"]) == 2
    out.mkdir()
    (out / "notes.txt").write_text("the user's", encoding="utf-8")
    assert main(["sweep", str(scen), "--out", str(out)]) == 2
    assert (out / "notes.txt").exists() and not (out / ".cache").exists()
