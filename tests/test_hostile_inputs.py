"""Inputs that used to crash, hang or be misread (issue 15): each ends in seconds, exit 2 or 0.

Cases that hung before the fix (an alias bomb, a FIFO, /dev/zero) run the CLI in a subprocess
with a timeout, so that a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from builders import CRS, factory, parcel, project, tables, write_gpkg

from landalloc.cli import main

REPO = Path(__file__).resolve().parents[1]
#: Seconds a hang-prone case may take in a subprocess (imports included) before it fails.
TIMEOUT_S = 60


def _data(tmp_path: Path) -> Path:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [project("J1", land_mu=45), project("J2", land_mu=45, inv=3.0)],
        {2026: 100.0, 2027: 100.0},
    )
    return write_gpkg(t, tmp_path / "d.gpkg")


SCENARIO = "name: 测试情景\ndata: d.gpkg\nyears: [2026, 2027]\nsolver: {time_limit_s: 5}\n"


def _cli(args: list[str], cwd: Path, *, memory_bytes: int | None = None) -> tuple[int, str, float]:
    """Run ``python -m landalloc --lang en ARGS`` with a timeout: (exit code, output, seconds).

    ``memory_bytes`` caps the child's address space (an expanding alias bomb fails instead of
    exhausting the machine's memory).
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}

    def cap() -> None:
        if memory_bytes is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "landalloc", "--lang", "en", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            preexec_fn=cap if memory_bytes is not None else None,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"landalloc {' '.join(args)} still running after {TIMEOUT_S} s (a hang)")
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - t0


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, float]:
    """Run the CLI in this process: (exit code, stdout + stderr, seconds)."""
    t0 = time.perf_counter()
    code = main(["--lang", "en", *args])
    seconds = time.perf_counter() - t0
    got = capsys.readouterr()
    return code, got.out + got.err, seconds


def _assert_refused(code: int, text: str, *words: str) -> None:
    assert code == 2, text
    assert "Traceback" not in text and "internal error" not in text, text
    for w in words:
        assert w in text, (w, text)


# --------------------------------------------------------------------------- 1. encodings


def test_gbk_scenario_is_read_as_gb18030_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_bytes(SCENARIO.encode("gbk"))
    code, text, seconds = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, text
    assert "Traceback" not in text
    assert "scenario_encoding" in text and "GB18030" in text and "s.yaml" in text
    summary = (tmp_path / "out" / "summary.json").read_text(encoding="utf-8")
    assert "测试情景" in summary  # the Chinese name read right
    assert seconds < 60


def test_utf8_scenario_with_bom_is_read_without_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_bytes(SCENARIO.replace("years", "yeers").encode("utf-8-sig"))
    code, text, _ = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    # the BOM does not hide the first key; the message names file, line and key
    _assert_refused(code, text, "s.yaml", "row 3", "yeers")
    assert "scenario_encoding" not in text


def test_scenario_neither_utf8_nor_gb18030_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_bytes(SCENARIO.encode("utf-8") + b"description: \x80\xff\n")
    code, text, seconds = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    _assert_refused(code, text, "s.yaml", "bad_encoding", "UTF-8")
    assert seconds < 10


# --------------------------------------------------------------------------- 2. YAML bombs


def _alias_bomb(indent: str) -> str:
    """A "billion laughs": ten levels of nine aliases each (9**10 strings once expanded)."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "".join(f"{indent}{line}\n" for line in lines)


def test_alias_bomb_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    # anchors defined under a free-form key, expanded where a message would print the value
    body = SCENARIO + "readiness:\n" + _alias_bomb("  ") + "description: *j\n"
    scen.write_text(body, encoding="utf-8")
    args = ["solve", str(scen), "--out", str(tmp_path / "out")]
    code, text, _ = _cli(args, tmp_path, memory_bytes=4 << 30)
    _assert_refused(code, text, "s.yaml", "yaml_alias", "row 7")
    # no hang any more: now time it in this process
    code, text, seconds = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    _assert_refused(code, text, "yaml_alias")
    assert seconds < 2


def test_deep_nesting_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_text(SCENARIO + "readiness: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, text, seconds = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    _assert_refused(code, text, "s.yaml", "yaml_depth", "row 5")
    assert seconds < 5


def test_huge_scenario_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_text(SCENARIO + "description: '" + "x" * 2_000_000 + "'\n", encoding="utf-8")
    code, text, seconds = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    _assert_refused(code, text, "s.yaml", "file_too_large")
    assert seconds < 5


# --------------------------------------------------------------------------- 3. duplicate keys


def test_key_written_twice_names_the_key_and_both_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    body = SCENARIO + "policy:\n  allow_groups: true\n  allow_groups: false\nyears: [2026]\n"
    scen.write_text(body, encoding="utf-8")
    code, text, seconds = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    _assert_refused(code, text, "s.yaml", "duplicate_key")
    assert "key years is given twice, on lines 3 and 8" in text
    assert "key policy.allow_groups is given twice, on lines 6 and 7" in text
    assert "row 8" in text and "column years" in text
    assert not (tmp_path / "out").exists()
    assert seconds < 10


# --------------------------------------------------------------------------- 4. not a file


def _fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(path)
    return path


def test_fifo_as_scenario_data_is_refused(tmp_path: Path) -> None:
    _fifo(tmp_path / "d.gpkg")
    scen = tmp_path / "s.yaml"
    scen.write_text(SCENARIO, encoding="utf-8")
    code, text, _ = _cli(["solve", str(scen), "--out", str(tmp_path / "out")], tmp_path)
    _assert_refused(code, text, "d.gpkg", "not_a_file", "named pipe")


def test_fifo_as_scenario_file_is_refused(tmp_path: Path) -> None:
    scen = _fifo(tmp_path / "s.yaml")
    code, text, _ = _cli(["solve", str(scen), "--out", str(tmp_path / "out")], tmp_path)
    _assert_refused(code, text, "s.yaml", "not_a_file", "named pipe")


@pytest.mark.parametrize("kind", ["fifo", "directory", "/dev/zero"])
def test_validate_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = _fifo(tmp_path / "d.gpkg")
    elif kind == "directory":
        path = tmp_path / "d.gpkg"
        path.mkdir()
    else:
        path = Path(kind)
        if not path.exists():
            pytest.skip("no /dev/zero")
    code, text, _ = _cli(["validate", str(path)], tmp_path)
    _assert_refused(code, text, str(path), "not_a_file")


def test_readiness_refuses_a_fifo(tmp_path: Path) -> None:
    data = _fifo(tmp_path / "d.gpkg")
    code, text, _ = _cli(["readiness", str(data)], tmp_path)
    _assert_refused(code, text, "d.gpkg", "not_a_file")


def test_import_refuses_a_fifo_input(tmp_path: Path) -> None:
    _data(tmp_path)
    parcels = _fifo(tmp_path / "parcels.geojson")
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("year,zone,land_mu\n2026,*,100\n", encoding="utf-8")
    projects = tmp_path / "projects.csv"
    projects.write_text("project_id,cluster,investment_yi,land_mu\nJ1,c1,2,45\n", encoding="utf-8")
    args = ["import", "--parcels", str(parcels), "--projects", str(projects)]
    args += ["--quotas", str(quotas), "--out", str(tmp_path / "o.gpkg")]
    code, text, _ = _cli(args, tmp_path)
    _assert_refused(code, text, "parcels.geojson", "not_a_file")


# --------------------------------------------------------------------------- 5. carrier ids


def test_id_shared_by_a_parcel_and_a_factory_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("C1", 50, 1000)],
        [project("J1", land_mu=45)],
        {2026: 100.0},
        factories=[factory("F1", 2000), factory("c1", 3000)],
    )
    data = write_gpkg(t, tmp_path / "d.gpkg")
    code, text, seconds = _run(["validate", str(data)], capsys)
    _assert_refused(code, text, "duplicate_carrier_id", "layer factories › row 2")
    assert "parcels row 2" in text  # both layers and both rows
    assert seconds < 30


# --------------------------------------------------------------------------- 6. every tier


def _three_tier_data(tmp_path: Path) -> Path:
    """Problems planted in three tiers: a bad cell, an overlap, an unknown cluster, a bad pin."""
    path = tmp_path / "d.gpkg"
    par = gpd.GeoDataFrame(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000), parcel("P3", 50, 100)],  # P3 overlaps P1
        geometry="geometry",
        crs=CRS,
    )
    par.to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
    projects = pd.DataFrame(
        {
            "project_id": ["J1", "J2", "J3"],
            "cluster": ["c1", "zz", "c1"],  # J2: unknown cluster (tier 3)
            "investment_yi": ["2", "3", "lots"],  # J3: a bad cell (tier 1)
            "land_mu": ["45", "45", "45"],
            "pinned_carrier": ["P9", "", ""],  # J1: a pin to no carrier (tier 3)
        }
    )
    pyogrio.write_dataframe(projects, path, layer="projects", driver="GPKG")
    quotas = pd.DataFrame({"year": [2026], "zone": ["*"], "land_mu": [200.0]})
    pyogrio.write_dataframe(quotas, path, layer="quotas", driver="GPKG")
    clusters = pd.DataFrame({"cluster": ["c1", "c2"]})
    pyogrio.write_dataframe(clusters, path, layer="clusters", driver="GPKG")
    return path


def _assert_every_tier(text: str) -> None:
    for words in (
        ("bad_number", "layer projects › row 3 › column investment_yi"),
        ("overlapping", "layer parcels"),
        ("unknown_cluster", "layer projects › row 2 › column cluster"),
        ("unknown_pin", "layer projects › row 1 › column pinned_carrier"),
    ):
        for w in words:
            assert w in text, (w, text)
    assert "Traceback" not in text


def test_validate_reports_every_tier_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _three_tier_data(tmp_path)
    code, text, seconds = _run(["validate", str(data)], capsys)
    assert code == 2, text
    _assert_every_tier(text)
    assert seconds < 30


def test_solve_reports_every_tier_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three_tier_data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_text(SCENARIO.replace(", 2027", ""), encoding="utf-8")
    code, text, seconds = _run(["solve", str(scen), "--out", str(tmp_path / "out")], capsys)
    assert code == 2, text
    _assert_every_tier(text)
    assert not (tmp_path / "out").exists()
    assert seconds < 30
