"""Result folders that never destroy anything (``landalloc.outdir`` and the solve around it)."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import parcel, project, tables, write_gpkg

from geodata.report import DataError
from landalloc.cli import main
from landalloc.outdir import MARKER, OutputLock, check_target, clean_stale, replacing


def _data(d: Path) -> Path:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000), parcel("P3", 50, 2000)],
        [
            project("J1", land_mu=45),
            project("J2", land_mu=45, inv=3.0),
            project("J3", land_mu=45, inv=1.5),
        ],
        {2026: 100.0, 2027: 100.0},
    )
    return write_gpkg(t, d / "d.gpkg")


def _scenario(d: Path, time_limit: float = 5) -> Path:
    _data(d)
    p = d / "s.yaml"
    p.write_text(
        f"name: 测试\ndata: d.gpkg\nyears: [2026, 2027]\nsolver: {{time_limit_s: {time_limit}}}\n",
        encoding="utf-8",
    )
    return p


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _codes(exc: pytest.ExceptionInfo[DataError]) -> set[str]:
    return {p.code for p in exc.value.report.errors}


# --------------------------------------------------------------------------- refusals


def test_overwrite_refuses_a_folder_holding_the_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = _scenario(tmp_path)
    before = _digest(tmp_path)
    rc = main(["solve", str(scen), "--out", str(tmp_path), "--overwrite"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "output_holds_input" in err and "Traceback" not in err
    assert _digest(tmp_path) == before


def test_overwrite_refuses_a_foreign_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = _scenario(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.docx").write_text("x")
    assert main(["solve", str(scen), "--out", str(mine), "--overwrite"]) == 2
    assert "output_not_result" in capsys.readouterr().err
    assert (mine / "notes.docx").read_text() == "x"


@pytest.mark.parametrize("which", ["data", "scenario", "other"])
def test_out_is_a_file_is_refused_and_the_file_kept(
    tmp_path: Path, which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = _scenario(tmp_path)
    other = tmp_path / "plan.xlsx"
    other.write_bytes(b"PK\x03\x04 not mine")
    target = {"data": tmp_path / "d.gpkg", "scenario": scen, "other": other}[which]
    content = target.read_bytes()
    assert main(["solve", str(scen), "--out", str(target), "--overwrite"]) == 2
    assert "output_not_folder" in capsys.readouterr().err
    assert target.is_file() and target.read_bytes() == content
    assert _hidden(tmp_path) == []  # no ".NAME.old.*" copy either


def test_out_dot_is_refused_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = _scenario(tmp_path)
    monkeypatch.chdir(tmp_path)
    called = []
    monkeypatch.setattr("landalloc.run.solve_scenario", lambda *a, **k: called.append(1))
    assert main(["solve", scen.name, "--out", ".", "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "output_holds_cwd" in err and "Traceback" not in err
    assert called == []


def test_checks_come_before_the_data_is_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = _scenario(tmp_path)
    (tmp_path / "d.gpkg").write_bytes(b"not a geopackage")  # loading it would fail
    assert main(["solve", str(scen), "--out", str(tmp_path / "d.gpkg"), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "output_not_folder" in err and "not a geopackage" not in err


@pytest.mark.parametrize("where", ["/proc/landalloc-test/out", "FILE/out"])
def test_unwritable_place_exit_2_before_the_solve(
    tmp_path: Path,
    where: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scen = _scenario(tmp_path)
    (tmp_path / "FILE").write_text("a file, not a folder")
    out = Path(where.replace("FILE", str(tmp_path / "FILE")))
    called = []
    monkeypatch.setattr("landalloc.run.solve_scenario", lambda *a, **k: called.append(1))
    assert main(["solve", str(scen), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "output_unwritable" in err and "Traceback" not in err
    assert called == []


def test_every_reason_is_reported_at_once(tmp_path: Path) -> None:
    scen = _scenario(tmp_path)
    with pytest.raises(DataError) as exc:
        check_target(tmp_path / "d.gpkg", inputs=[scen, tmp_path / "d.gpkg"], overwrite=True)
    assert _codes(exc) == {"output_holds_input", "output_not_folder"}


def test_a_result_of_another_kind_is_not_replaced(tmp_path: Path) -> None:
    cmp = tmp_path / "cmp"
    with replacing(cmp, kind="compare") as tmp:
        (tmp / "kpi_table.csv").write_text("x")
    with pytest.raises(DataError) as exc:
        check_target(cmp, overwrite=True)
    assert _codes(exc) == {"output_other_kind"}


# --------------------------------------------------------------------------- lock


def test_a_second_run_into_a_locked_place_names_the_running_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = _scenario(tmp_path)
    out = tmp_path / "out"
    with OutputLock(out):  # "the running one"
        assert main(["solve", str(scen), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "output_locked" in err and f"PID {os.getpid()}" in err
    assert not out.exists()
    assert main(["solve", str(scen), "--out", str(out)]) == 0  # lock released, and removed
    assert _hidden(tmp_path) == []


def test_two_concurrent_solves_into_one_new_folder(tmp_path: Path) -> None:
    scen = _scenario(tmp_path, time_limit=3)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "landalloc", "solve", str(scen), "--out", str(out)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    time.sleep(0.3)
    procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    loser = outs[[p.returncode for p in procs].index(2)][1]
    assert "output_locked" in loser or "output_exists" in loser
    assert (out / "summary.json").exists() and (out / MARKER).exists()


# --------------------------------------------------------------------------- interrupts


def test_interrupt_keeps_the_old_result_and_exits_130(tmp_path: Path) -> None:
    scen = _scenario(tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out)]) == 0
    before = _digest(out)
    # a solve long enough to be interrupted inside CP-SAT: the demo district, 60 s
    big = tmp_path / "big"
    big.mkdir()
    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo.gpkg"
    (big / "s.yaml").write_text(
        f"name: 示范\ndata: {demo}\nyears: [2026, 2027, 2028]\nsolver: {{time_limit_s: 60}}\n",
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "landalloc", "solve", str(big / "s.yaml")]
    p = subprocess.Popen(
        [*cmd, "--out", str(out), "--overwrite"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(8)  # imports, load, model: then the search
    assert p.poll() is None, p.communicate()
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert time.monotonic() - t0 < 10  # stopped at once, not at the time limit
    assert "已中断" in err and "Traceback" not in err
    assert _digest(out) == before
    assert _hidden(tmp_path) == []


def test_sigterm_while_writing_keeps_the_old_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scen = _scenario(tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out)]) == 0
    before = _digest(out)

    def killed(*a: object, **k: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # the CLI turns it into an interrupt
        time.sleep(1)

    monkeypatch.setattr("landalloc.run.write_report", killed)
    assert main(["solve", str(scen), "--out", str(out), "--overwrite"]) == 143
    assert _digest(out) == before
    assert _hidden(tmp_path) == []


def test_stale_temporary_folders_are_removed_by_the_next_run(tmp_path: Path) -> None:
    scen = _scenario(tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out)]) == 0
    # what a killed run leaves: a marked temporary folder, an empty one
    with pytest.raises(RuntimeError), replacing(out) as tmp:
        stale = tmp.with_name(tmp.name + "x")
        tmp.rename(stale)  # "killed": the cleanup cannot find it
        tmp.mkdir()
        raise RuntimeError
    empty = tmp_path / ".out.landalloc-tmp-empty"
    empty.mkdir()
    foreign = tmp_path / ".out.landalloc-tmp-notours"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("x")
    assert stale.exists()
    assert main(["solve", str(scen), "--out", str(out), "--overwrite"]) == 0
    assert not stale.exists() and not empty.exists()
    assert (foreign / "thesis.tex").exists()  # not provably landalloc's: kept


def test_an_interrupted_two_rename_swap_is_repaired(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with replacing(out) as tmp:
        (tmp / "a.txt").write_text("old")
    # cut between "target -> old" and "new -> target"
    out.rename(tmp_path / ".out.landalloc-old-abc")
    clean_stale(out)
    assert (out / "a.txt").read_text() == "old"
    assert _hidden(tmp_path) == []


@pytest.mark.slow
def test_fault_injection_sigint_and_sigkill_at_random_moments(tmp_path: Path) -> None:
    """20 trials: the old result is intact or replaced by a complete new one, every time."""
    scen = _scenario(tmp_path, time_limit=1)
    out = tmp_path / "out"
    assert main(["solve", str(scen), "--out", str(out)]) == 0
    files = set(_digest(out))
    cmd = [sys.executable, "-m", "landalloc", "solve", str(scen), "--out", str(out)]
    t0 = time.monotonic()
    p = subprocess.run([*cmd, "--overwrite"], capture_output=True, check=True)
    whole = time.monotonic() - t0
    rng = random.Random(20261203)
    outcomes = []
    for trial in range(20):
        before, hidden = _digest(out), set(_hidden(tmp_path))
        sig = signal.SIGINT if trial % 2 == 0 else signal.SIGKILL
        p = subprocess.Popen([*cmd, "--overwrite"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, whole * 1.1))
        p.send_signal(sig)
        err = p.communicate(timeout=120)[1].decode("utf-8", "replace")
        now = _digest(out)
        assert set(now) == files, (trial, sig, p.returncode)
        assert (out / "summary.json").read_bytes(), trial
        outcomes.append("kept" if now == before else "replaced")
        if sig == signal.SIGINT:
            # -SIGINT, or 1 with Python's own "init_import_site" message, or a traceback with no
            # frame of landalloc's: interrupted while the interpreter itself was starting, before
            # landalloc's entry point ran at all
            started = "init_import_site" not in err and (
                "Traceback" not in err or "landalloc" + os.sep in err
            )
            assert p.returncode in (0, 130, -signal.SIGINT) or not started, (trial, err)
            assert "Traceback" not in err or not started, (trial, err)
            assert set(_hidden(tmp_path)) <= hidden, trial  # it cleaned up after itself
    assert main(["solve", str(scen), "--out", str(out), "--overwrite"]) == 0
    assert _hidden(tmp_path) == []
    assert "kept" in outcomes  # the trials did hit runs before they finished
