"""``landalloc rerun``: reproduced (0), differs with the same versions (5), after a version change (6).

One tiny deterministic solve is shared by the module; each test edits a copy of its folder.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
from builders import parcel, project, tables, write_gpkg

from landalloc.cli import main
from landalloc.cmd_scenario import EXIT_RERUN_DIFFERS, EXIT_RERUN_VERSIONS
from landalloc.run import PLAN_PACKAGES

REPO = Path(__file__).resolve().parents[1]
OLD_ORTOOLS = "9.10.4067"


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh result folder of a three-project scenario (deterministic, 1 s)."""
    d = tmp_path_factory.mktemp("rerun")
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
    write_gpkg(t, d / "d.gpkg")
    s = d / "base.yaml"
    s.write_text(
        "name: 基准\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 1, deterministic: true}\n",
        encoding="utf-8",
    )
    out = d / "r1"
    assert main(["solve", str(s), "--out", str(out)]) == 0
    return out


@pytest.fixture
def result(solved: Path, tmp_path: Path) -> Path:
    """A copy of the shared result folder, free to edit."""
    return Path(shutil.copytree(solved, tmp_path / "r1"))


def _rerun(folder: Path, *lang: str) -> int:
    again = folder.parent / "again"
    return main([*lang, "rerun", str(folder), "--out", str(again), "--overwrite"])


def _move(folder: Path, pid: str, to: str) -> str:
    """Put ``pid`` on carrier ``to`` in ``assignments.csv``; return its recorded carrier."""
    f = folder / "assignments.csv"
    a = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    was = str(a.loc[a["project_id"] == pid, "carrier_id"].item())
    a.loc[a["project_id"] == pid, "carrier_id"] = to
    a.to_csv(f, index=False, encoding="utf-8-sig")
    return was


def _record(folder: Path, **versions: str) -> None:
    f = folder / "summary.json"
    s = json.loads(f.read_text(encoding="utf-8"))
    s["versions"].update(versions)
    f.write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")


def test_plan_packages_are_pinned_recorded_and_installed() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {
        m.group(1).lower(): m.group(2)
        for d in deps["dependencies"]
        if (m := re.fullmatch(r"([A-Za-z0-9_.-]+)==([^,;\s]+)", d))
    }
    assert set(PLAN_PACKAGES) <= set(pins), set(PLAN_PACKAGES) - set(pins)
    for pkg in PLAN_PACKAGES:
        assert version(pkg) == pins[pkg], pkg


def test_rerun_of_a_fresh_result_is_reproduced(
    result: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = json.loads((result / "summary.json").read_text(encoding="utf-8"))["versions"]
    for pkg in ("landalloc", *PLAN_PACKAGES):
        assert versions[pkg] == version(pkg), pkg
    capsys.readouterr()
    assert _rerun(result, "--lang", "en") == 0
    out, err = capsys.readouterr()
    assert "reproduced: the same placements" in out
    assert "version" not in err


def test_rerun_names_the_moved_project_as_a_defect(
    result: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    was = _move(result, "J1", "P3")
    capsys.readouterr()
    assert _rerun(result) == EXIT_RERUN_DIFFERS  # Chinese by default
    err = capsys.readouterr().err
    assert "未能复现" in err and "程序缺陷" in err
    assert re.search(rf"J1 .*P3@\d{{4}} → {was}@\d{{4}}", err), err
    assert "Traceback" not in err
    assert (result.parent / "again" / "assignments.csv").exists()


def test_rerun_counts_a_project_placed_in_one_result_only(
    result: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = result / "assignments.csv"
    a = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    a[a["project_id"] != "J2"].to_csv(f, index=False, encoding="utf-8-sig")
    capsys.readouterr()
    assert _rerun(result, "--lang", "en") == EXIT_RERUN_DIFFERS
    err = capsys.readouterr().err
    assert "1 project(s) placed differently" in err and "defect" in err
    assert re.search(r"J2 .*unplaced → P\d@\d{4}", err), err
    assert "Traceback" not in err


def test_rerun_of_a_non_deterministic_run_is_not_called_a_defect(
    result: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = result / "summary.json"
    s = json.loads(f.read_text(encoding="utf-8"))
    s["solver_settings"]["deterministic"] = False
    f.write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
    _move(result, "J1", "P3")
    capsys.readouterr()
    assert _rerun(result, "--lang", "en") == EXIT_RERUN_DIFFERS
    err = capsys.readouterr().err
    assert "not deterministic" in err and "not a defect" in err and "J1" in err


def test_rerun_after_a_version_change_names_the_versions(
    result: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(result, ortools=OLD_ORTOOLS)
    _move(result, "J1", "P3")
    capsys.readouterr()
    assert _rerun(result, "--lang", "en") == EXIT_RERUN_VERSIONS
    err = capsys.readouterr().err
    assert f"ortools {OLD_ORTOOLS} → {version('ortools')}" in err
    assert f"pip install ortools=={OLD_ORTOOLS}" in err
    assert "J1" in err and "Traceback" not in err
    assert "shapely" not in err  # only the packages that changed
    assert _rerun(result) == EXIT_RERUN_VERSIONS  # Chinese
    assert "版本已变化" in capsys.readouterr().err


def test_rerun_reproduced_after_a_version_change_notes_it(
    result: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Decision: the same placements under other versions is a success (exit 0) with a note."""
    _record(result, ortools=OLD_ORTOOLS)
    capsys.readouterr()
    assert _rerun(result, "--lang", "en") == 0
    out, err = capsys.readouterr()
    assert "reproduced" in out
    assert f"other package versions than recorded (then → now): ortools {OLD_ORTOOLS} → " in err
    assert "the placements are the same" in err
