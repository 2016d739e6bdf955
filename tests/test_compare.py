"""``landalloc compare`` and ``rerun``: cache, KPI table, differences, demo directions, rerun."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from builders import X0, Y0, parcel, project, tables, write_gpkg
from openpyxl import load_workbook

from geodata.units import M2_PER_MU
from landalloc.cli import main
from landalloc.compare import input_hash

REPO = Path(__file__).resolve().parents[1]


def _data(tmp_path: Path) -> Path:
    t = tables(
        [
            parcel("P1", 50, 0, clusters="c1"),
            parcel("P2", 50, 1000, clusters="c1"),
            parcel("P3", 50, 3000, zone="B", clusters="c2"),
        ],
        [
            project("J1", land_mu=45, inv=5.0, stage="signed"),
            project("J2", land_mu=45, inv=3.0),
            project("J3", land_mu=45, inv=2.0, cluster="c2"),
        ],
        {2026: 200.0, 2027: 200.0},
    )
    return write_gpkg(t, tmp_path / "d.gpkg")


def _scenarios(tmp_path: Path) -> tuple[Path, Path]:
    _data(tmp_path)
    head = "data: d.gpkg\nyears: [2026, 2027]\nsolver: {time_limit_s: 1, deterministic: true}\n"
    a = tmp_path / "base.yaml"
    a.write_text("name: 基准\n" + head, encoding="utf-8")
    b = tmp_path / "cut.yaml"
    b.write_text(
        "name: 压减\n" + head + "quotas:\n  override:\n    - {year: 2026, zone: '*', land_mu: 50}\n"
        "    - {year: 2027, zone: '*', land_mu: 50}\n",
        encoding="utf-8",
    )
    return a, b


def _compare(out: Path, *paths: Path, extra: tuple[str, ...] = ()) -> int:
    return main(["--lang", "en", "compare", *map(str, paths), "--out", str(out), *extra])


def test_compare_writes_kpis_differences_and_reuses_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _scenarios(tmp_path)
    out = tmp_path / "cmp"
    assert _compare(out, a, b) == 0, capsys.readouterr().err
    first = capsys.readouterr().out
    assert "0 reused" in first
    for f in ("kpi_table.csv", "differences.csv", "compare.xlsx", "compare.html"):
        assert (out / f).exists(), f
    for stem in ("base", "cut"):
        assert (out / stem / "assignments.csv").exists()
        assert (out / stem / "report.xlsx").exists()
    k = pd.read_csv(out / "kpi_table.csv", encoding="utf-8-sig").set_index("key")
    assert list(k.columns) == ["kpi", "基准", "压减"]
    assert float(str(k.loc["land_mu", "压减"])) < float(str(k.loc["land_mu", "基准"]))
    assert int(str(k.loc["projects_placed", "基准"])) == 3
    assert int(str(k.loc["projects_placed", "压减"])) == 2
    assert float(str(k.loc["quota:2026:*", "压减"])) == 50.0
    d = pd.read_csv(out / "differences.csv", encoding="utf-8-sig", dtype=str)
    lost = d[d["change"] == "lost"]
    assert len(lost) == 1
    assert lost["reference"].item() == "基准" and lost["scenario"].item() == "压减"
    # its cause, with the quota figures of both plans (cut from 200 to 50 亩)
    assert lost["cause_code"].item() == "quota"
    assert "down by 150 mu (200 → 50)" in lost["cause"].item()
    assert lost["before"].item().endswith("@2026") and pd.isna(lost["after"].item())
    wb = load_workbook(out / "compare.xlsx")
    assert wb.sheetnames == ["KPIs", "differences"]
    ws = wb["KPIs"]
    assert [c.value for c in ws[1]] == ["kpi", "基准", "压减"]
    assert ws.freeze_panes == "A2"
    stamp = (out / ".cache").stat().st_mtime_ns, sorted(p.name for p in (out / ".cache").iterdir())
    summary_mtime = (out / "base" / "summary.json").stat().st_mtime_ns

    # unchanged scenarios are reused; a changed one is solved again
    assert _compare(out, a, b) == 0
    assert "2 reused" in capsys.readouterr().out
    assert sorted(p.name for p in (out / ".cache").iterdir()) == stamp[1]
    b.write_text(b.read_text(encoding="utf-8") + "weights: {focus: 6}\n", encoding="utf-8")
    assert _compare(out, a, b, extra=("--no-map",)) == 0
    text = capsys.readouterr().out
    assert "1 reused" in text and "基准: reused" in text and "压减: solved" in text
    assert len(list((out / ".cache").iterdir())) == 3
    assert (out / "base" / "summary.json").stat().st_mtime_ns >= summary_mtime


def test_compare_solves_each_scenario_as_one_engine_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from landalloc.engine import Engine

    calls: list[dict[str, Any]] = []
    real_map = Engine.map

    def spy(self: Engine, fn: Any, tasks: Any, **kw: Any) -> Any:
        tasks = list(tasks)
        call: dict[str, Any] = {"processes": self.processes, "tasks": tasks, "workers": set()}
        calls.append(call)
        for r in real_map(self, fn, tasks, **kw):  # the real engine, its real workers
            call["workers"].add(r.worker)
            yield r

    monkeypatch.setattr(Engine, "map", spy)
    a, b = _scenarios(tmp_path)
    out = tmp_path / "cmp"
    # the reference first, then the other scenario against its plan (anchored or, here, only
    # compared with it for the causes)
    extra = ("--no-map", "--processes", "1", "--no-anchor")
    assert _compare(out, a, b, extra=extra) == 0, capsys.readouterr()
    assert [[t.label for t in c["tasks"]] for c in calls] == [["基准"], ["压减"]]
    assert all(c["processes"] == 1 for c in calls)
    keys = {t.key for c in calls for t in c["tasks"]}
    assert keys == {p.name for p in (out / ".cache").iterdir()}
    workers = set().union(*(c["workers"] for c in calls))
    assert not any(w.endswith(f":{os.getpid()}") for w in workers)  # not solved in this process
    # anchored (the default): the reference is reused, the other scenario is one task solved
    # against its plan
    b.write_text(b.read_text(encoding="utf-8") + "weights: {focus: 6}\n", encoding="utf-8")
    assert _compare(out, a, b, extra=("--no-map",)) == 0
    assert "1 reused" in capsys.readouterr().out
    assert [len(c["tasks"]) for c in calls] == [1, 1, 1] and calls[2]["processes"] == 1
    # all cached: the engine is not asked
    assert _compare(out, a, b, extra=("--no-map",)) == 0
    assert len(calls) == 3


def test_input_hash_follows_scenario_data_and_solver_settings(tmp_path: Path) -> None:
    a, _ = _scenarios(tmp_path)
    h = input_hash(a)
    assert input_hash(a) == h
    assert input_hash(a, {"time_limit_s": 7}) != h
    # a comment or key order does not change the scenario as validated
    a.write_text("# note\n" + a.read_text(encoding="utf-8"), encoding="utf-8")
    assert input_hash(a) == h
    (tmp_path / "d.gpkg").write_bytes((tmp_path / "d.gpkg").read_bytes() + b"\0")
    assert input_hash(a) != h


def test_compare_refuses_bad_scenarios_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _scenarios(tmp_path)
    b.write_text(b.read_text(encoding="utf-8") + "polcy: {}\n", encoding="utf-8")
    out = tmp_path / "cmp"
    assert _compare(out, a, b) == 2
    err = capsys.readouterr().err
    assert "polcy" in err and "cut.yaml" in err and "row 9" in err
    assert not (out / "base").exists() and not (out / "kpi_table.csv").exists()


def test_compare_maps_a_failed_solve_to_its_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _scenarios(tmp_path)
    b.write_text(
        b.read_text(encoding="utf-8") + "pins: {J1: P3}\n", encoding="utf-8"
    )  # c1 project pinned to a c2 parcel
    assert _compare(tmp_path / "cmp", a, b) == 3
    assert "J1" in capsys.readouterr().err
    assert not (tmp_path / "cmp" / "kpi_table.csv").exists()


def test_a_failing_compare_map_leaves_no_partial_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import landalloc.compare as cmp
    from geodata.report import DataError, Report

    def broken(*_: Any, **__: Any) -> Any:
        report = Report()
        report.error("unknown_carrier", "地块 X 不在数据文件中", "parcel X is not in the data file")
        raise DataError(report)

    monkeypatch.setattr(cmp, "tables_as_run", broken)
    a, b = _scenarios(tmp_path)
    assert _compare(tmp_path / "cmp", a, b) == 2
    assert "parcel X" in capsys.readouterr().err
    for name in ("kpi_table.csv", "differences.csv", "compare.xlsx", "compare.html"):
        assert not (tmp_path / "cmp" / name).exists(), name


def test_compare_map_shows_what_if_parcels_and_zoning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import maps.render

    seen: list[Any] = []
    render = maps.render.render_compare_map

    def spy(tables: Any, *args: Any, **kwargs: Any) -> str:
        seen.append(tables)
        return render(tables, *args, **kwargs)

    monkeypatch.setattr(maps.render, "render_compare_map", spy)
    a, _ = _scenarios(tmp_path)
    side = (120 * M2_PER_MU) ** 0.5
    x, y = X0 + 5000.0, Y0  # free land in zone A, 5 km east of P1
    ring = [(x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y)]
    wkt = "POLYGON ((" + ", ".join(f"{u:.3f} {v:.3f}" for u, v in ring) + "))"
    b = tmp_path / "whatif.yaml"
    b.write_text(
        a.read_text(encoding="utf-8").replace("name: 基准", "name: 新增地块") + "extra_projects:\n"
        "  - {project_id: NEW1, name: 新项目, cluster: c1, investment_yi: 50, land_mu: 100}\n"
        "extra_parcels:\n"
        f"  - {{parcel_id: X1, zone: A, clusters: [c1], crs: 'EPSG:4549', wkt: '{wkt}'}}\n"
        "rezone:\n  - {zone: B, clusters: [c1]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    # the plain scenario first: the what-if run's extra parcel is not in the reference's data
    assert _compare(out, a, b) == 0, capsys.readouterr().err
    assert _assignments(out / "whatif").set_index("project_id").loc["NEW1", "carrier_id"] == "X1"
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert '"X1"' in html and "新项目" in html
    # the what-if run first (both reused from the cache): its re-zoned parcels are on the map
    seen.clear()
    assert _compare(out, b, a) == 0, capsys.readouterr().err
    (tables,) = seen
    par = tables.parcels.set_index("parcel_id")
    assert list(par.loc["P3", "clusters"]) == ["c1"]
    assert "X1" in par.index and "NEW1" in set(tables.projects["project_id"])


# --------------------------------------------------------------------------- rerun


def _assignments(d: Path) -> pd.DataFrame:
    a = pd.read_csv(d / "assignments.csv", dtype=str, keep_default_na=False)
    return a[["project_id", "carrier_id", "year", "area_mu"]].sort_values("project_id")


def test_rerun_reproduces_the_placements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, _ = _scenarios(tmp_path)
    first = tmp_path / "r1"
    assert main(["solve", str(a), "--out", str(first)]) == 0
    summary = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    assert summary["solver_settings"]["deterministic"] is True
    assert summary["data_sha256"] and summary["versions"]["ortools"]
    a.unlink()  # the result folder alone is enough
    second = tmp_path / "r2"
    capsys.readouterr()
    assert main(["--lang", "en", "rerun", str(first), "--out", str(second)]) == 0
    assert "reproduced" in capsys.readouterr().out
    pd.testing.assert_frame_equal(
        _assignments(first).reset_index(drop=True), _assignments(second).reset_index(drop=True)
    )
    again = json.loads((second / "summary.json").read_text(encoding="utf-8"))
    assert again["solver_settings"] == summary["solver_settings"]
    assert again["data_sha256"] == summary["data_sha256"]
    # default output: RESULT_DIR-rerun
    assert main(["rerun", str(first)]) == 0
    assert (tmp_path / "r1-rerun" / "assignments.csv").exists()


def test_rerun_of_a_compare_result_reproduces_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _scenarios(tmp_path)
    out = tmp_path / "cmp"
    assert _compare(out, a, b, extra=("--no-map",)) == 0
    assert main(["--lang", "en", "rerun", str(out / "cut"), "--out", str(tmp_path / "again")]) == 0
    assert "reproduced" in capsys.readouterr().out
    assert _assignments(out / "cut").equals(_assignments(tmp_path / "again"))


def test_rerun_refuses_changed_data_and_non_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, _ = _scenarios(tmp_path)
    first = tmp_path / "r1"
    assert main(["solve", str(a), "--out", str(first)]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "rerun", str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    assert "summary.json is missing" in capsys.readouterr().err
    assert main(["--lang", "en", "rerun", str(first), "--out", str(first)]) == 2
    assert "cannot be written into" in capsys.readouterr().err
    d = tmp_path / "d.gpkg"
    d.write_bytes(d.read_bytes() + b"\0")
    assert main(["--lang", "en", "rerun", str(first), "--out", str(tmp_path / "y")]) == 2
    assert "changed since the run" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()


# --------------------------------------------------------------------------- shipped demo


def test_demo_scenarios_compare_in_the_expected_directions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped scenarios on the shipped demo data: directions, not numbers."""
    stems = ["baseline", "quota_cut", "strict_ready", "major_first", "rezone_biomed"]
    paths = []
    for stem in stems:
        src = REPO / "scenarios" / f"{stem}.yaml"
        raw = yaml.safe_load(src.read_text(encoding="utf-8"))
        raw["data"] = str((REPO / "geodata" / "demo.gpkg").resolve())
        dst = tmp_path / src.name
        dst.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        paths.append(dst)
    out = tmp_path / "cmp"
    code = _compare(out, *paths, extra=("--time-limit", "8", "--no-map"))
    assert code == 0, capsys.readouterr().err
    k = pd.read_csv(out / "kpi_table.csv", encoding="utf-8-sig").set_index("key")
    names = list(k.columns[1:])
    base, cut, strict, major, _rezone = names

    def v(key: str, col: str) -> float:
        return float(str(k.loc[key, col]))

    # the quota cut lands less land, and stays within the cut quota in the second year
    assert v("land_mu", cut) < v("land_mu", base)
    y2 = sorted(yaml.safe_load(paths[1].read_text(encoding="utf-8"))["years"])[1]
    assert v(f"quota_used:{y2}:*", cut) <= v(f"quota:{y2}:*", cut) + 1e-6
    assert v(f"quota:{y2}:*", cut) == pytest.approx(0.8 * v(f"quota:{y2}:*", base), abs=0.1)
    # strict 拿地即开工: fewer signed projects on land not ready (only pinned ones remain)
    assert v("signed_unready", strict) < v("signed_unready", base)
    assert v("ready_share", strict) > v("ready_share", base)
    # majors first: at least as many majors, tier by tier from the top (lexicographically)
    tiers = [key for key in k.index if key.startswith("major:")]
    tiers.sort(key=lambda key: -float(key.split("≥")[1].rstrip("亿")))
    assert [v(t, major) for t in tiers] >= [v(t, base) for t in tiers]
    # re-zoning: the zone holds only the new clusters, and more biomedicine projects land
    a_rz = pd.read_csv(out / "rezone_biomed" / "assignments.csv", dtype=str)
    a_b = pd.read_csv(out / "baseline" / "assignments.csv", dtype=str)
    assert set(a_rz.loc[a_rz["zone"] == "TA", "cluster"]) <= {"biomed", "medical_devices"}
    assert set(a_b.loc[a_b["zone"] == "TA", "cluster"]) - {"biomed", "medical_devices"}
    bio = {"biomed", "medical_devices"}
    assert (
        a_rz.loc[a_rz["cluster"].isin(bio), "project_id"].nunique()
        > a_b.loc[a_b["cluster"].isin(bio), "project_id"].nunique()
    )
    d = pd.read_csv(out / "differences.csv", encoding="utf-8-sig", dtype=str)
    assert set(d["scenario"]) <= set(names[1:]) and {"lost", "gained"} <= set(d["change"])
    lost = d[d["change"] == "lost"]
    assert (lost["cause_code"].fillna("") != "").all()
    assert (d["cause"].fillna("") != "").all()  # every difference has its cause
