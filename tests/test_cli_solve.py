"""``landalloc solve``: outputs of the contract, exit codes, nothing written on failure."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from builders import factory, parcel, project, tables, write_gpkg

from landalloc.cli import main


def _data(tmp_path: Path, pin: str | None = None) -> Path:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000, clusters="c2"), parcel("P3", 50, 2000)],
        [
            project("J1", land_mu=45, name='C:\\2019 "光子" </script>'),
            project("J2", land_mu=45, inv=3.0, pinned_carrier=pin or ""),
            project("J3", land_mu=45, inv=1.5, cluster="c1"),
        ],
        {2026: 100.0, 2027: 100.0},
    )
    return write_gpkg(t, tmp_path / "d.gpkg")


def _scenario(tmp_path: Path, extra: str = "") -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(
        "name: 测试情景\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 5, deterministic: true}\n" + extra,
        encoding="utf-8",
    )
    return p


def test_solve_writes_the_contract_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(_scenario(tmp_path)), "--out", str(out)]) == 0
    for f in (
        "assignments.csv",
        "unassigned.csv",
        "summary.json",
        "result.gpkg",
        "map.html",
        "report.xlsx",
        "solver.log",
        "scenario.yaml",
    ):
        assert (out / f).exists(), f
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "OPTIMAL" and summary["verified"] is True
    a = pd.read_csv(out / "assignments.csv", dtype={"project_id": str})
    assert sorted(a["project_id"]) == ["J1", "J2"]
    assert set(a["carrier_id"]) == {"P1", "P3"}
    u = pd.read_csv(out / "unassigned.csv")
    assert u["project_id"].tolist() == ["J3"]
    assert u["reason_code"].tolist() == ["outcompeted"]
    assert "OPTIMAL" in capsys.readouterr().out
    # the KPI sheet sets the optimised placement beside the greedy one
    g = summary["greedy_kpis"]
    assert g["projects_placed"] == summary["greedy_projects_placed"]
    sheet = pd.read_excel(out / "report.xlsx", sheet_name=0, dtype=str).set_index("指标")
    assert list(sheet.columns) == ["优化方案", "对照：按优先级依次安排"]
    assert sheet.loc["落地项目数 / 项目总数"].tolist() == ["2 / 3", f"{g['projects_placed']} / 3"]
    assert float(sheet.loc["落地总投资(亿元)", "对照：按优先级依次安排"]) == g["investment_yi"]
    html = (out / "map.html").read_text(encoding="utf-8")
    assert '</script>"' not in html.replace("<\\/script>", "")


def test_neighbourhood_search_result_has_a_bound_and_valid_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    out = tmp_path / "out"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: 邻域搜索\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 5, deterministic: true, lns_min_candidates: 1}\n",
        encoding="utf-8",
    )
    assert main(["solve", str(scenario), "--out", str(out)]) == 0
    text = (out / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    assert summary["status"] in ("FEASIBLE", "OPTIMAL") and summary["verified"] is True
    # the search's Lagrangian bound (optimizer/bound.py): reported, never below the plan
    assert summary["best_bound"] >= summary["objective"] >= summary["greedy_objective"]
    assert summary["gap"] >= 0
    assert "bound:lagrangian" in summary["phases"]
    assert any(p.startswith("lns:") for p in summary["phases"])
    assert "无上界" not in capsys.readouterr().out


def test_existing_output_needs_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(_scenario(tmp_path)), "--out", str(out)]) == 0
    first, inode = (out / "summary.json").read_bytes(), out.stat().st_ino
    capsys.readouterr()
    assert main(["solve", str(_scenario(tmp_path)), "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "summary.json").read_bytes() == first
    assert main(["solve", str(_scenario(tmp_path)), "--out", str(out), "--overwrite"]) == 0
    assert out.stat().st_ino != inode  # a new folder was swapped in


def test_conflicting_pins_exit_3_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path, pin="P2")  # P2 admits c2 only; J2 is c1
    out = tmp_path / "out"
    assert main(["solve", str(_scenario(tmp_path)), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "J2" in err and "P2" in err and "产业集群" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_bad_scenario_key_and_year_exit_2_with_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    s = _scenario(tmp_path, "polcy: {waste_tolerance: 0.3}\n")
    assert main(["solve", str(s), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "polcy" in err and "policy" in err and "第 5 行" in err
    s.write_text("name: x\ndata: d.gpkg\nyears: [2026, 2031]\n", encoding="utf-8")
    assert main(["solve", str(s), "--out", str(tmp_path / "o")]) == 2
    assert "2031" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_verifier_violation_is_exit_1_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import landalloc.run as run

    _data(tmp_path)
    monkeypatch.setattr(run, "verify", lambda *a, **k: ["J1: broken on purpose"])
    out = tmp_path / "out"
    assert main(["solve", str(_scenario(tmp_path)), "--out", str(out)]) == 1
    assert "broken on purpose" in capsys.readouterr().err
    assert not out.exists()


# ids with a circled digit, inner spaces and a combining accent (e + U+0301), and a zone code
# with a Roman numeral: NFKC would turn them into other strings
ODD_IDS = {"group": "XM-①", "pinned": "XM 2026 01", "factory": "XMe\u0301"}
ODD_CARRIERS = ("DK ①", "DK ②", "DK-3 ", "厂房\u3000①")  # the last two with trailing blanks
ODD_ZONE = "片区 Ⅰ"


def test_ids_survive_load_solve_and_outputs_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p1, p2, p3, f1 = ODD_CARRIERS
    side = (50 * 10000 / 15) ** 0.5  # DK ① and DK ② touch: a 合并供地 group
    t = tables(
        [
            parcel(p1, 50, 0, zone=ODD_ZONE),
            parcel(p2, 50, side, zone=ODD_ZONE),
            parcel(p3, 60, 2000, zone=ODD_ZONE),
        ],
        [
            project(ODD_IDS["group"], land_mu=90, inv=5.0),
            project(ODD_IDS["pinned"], land_mu=55, inv=2.0, pinned_carrier="DK-3"),
            project(ODD_IDS["factory"], floor_m2=3000, inv=1.0),
        ],
        {2026: 300.0},
        factories=[factory(f1, 5000, zone=ODD_ZONE)],
        zone_quotas={(2026, ODD_ZONE): 300.0},
    )
    write_gpkg(t, tmp_path / "d.gpkg")
    s = tmp_path / "s.yaml"
    s.write_text(
        "name: ids\ndata: d.gpkg\nyears: [2026]\nsolver: {time_limit_s: 2, deterministic: true}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["solve", str(s), "--out", str(out)]) == 0, capsys.readouterr().err
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    got = {(r.project_id, r.carrier_id, r.group_id, r.zone) for r in a.itertuples()}
    group = f"{p1}+{p2}"
    assert got == {
        (ODD_IDS["group"], p1, group, ODD_ZONE),
        (ODD_IDS["group"], p2, group, ODD_ZONE),
        (ODD_IDS["pinned"], p3.strip(), "", ODD_ZONE),
        (ODD_IDS["factory"], f1.strip(), "", ODD_ZONE),
    }
    assert pd.read_csv(out / "unassigned.csv").empty


def test_ids_equal_after_normalising_are_duplicates_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = tables(
        [parcel("P1", 50, 0)],
        [project("XM-1", land_mu=45), project("XM-2", land_mu=45)],
        {2026: 100.0},
    )
    t.projects.loc[1, "project_id"] = "XM－1"  # full-width hyphen
    data = write_gpkg(t, tmp_path / "d.gpkg")
    assert main(["--lang", "en", "validate", str(data)]) == 2
    err = capsys.readouterr().err
    assert "'XM－1' duplicates 'XM-1' of row 1" in err and "'XM-1'" in err and "row 1" in err
    assert "d.gpkg" in err and "layer projects" in err and "row 2" in err
    assert "column project_id" in err
