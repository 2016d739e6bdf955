"""``landalloc demo`` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from landalloc.cli import main


def test_demo_writes_a_valid_file_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, xlsx = tmp_path / "demo.gpkg", tmp_path / "p.xlsx"
    code = main(
        ["demo", "--out", str(out), "--projects", "40", "--parcels", "70", "--factories", "6",
         "--zones", "7", "--xlsx", str(xlsx)]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert "已生成示范数据" in printed and "项目 40 个" in printed
    assert "片区 7 个" in printed and "地块 70 宗" in printed and "标准厂房 6 栋" in printed
    assert out.exists() and xlsx.exists()
    assert main(["validate", "--strict", str(out)]) == 0
    assert "数据检查通过" in capsys.readouterr().out


def test_demo_refuses_to_overwrite_without_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo.gpkg"
    assert main(["demo", "--out", str(out), "--projects", "20", "--parcels", "40"]) == 0
    capsys.readouterr()
    assert main(["demo", "--out", str(out), "--parcels", "40", "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "已存在" in err and "--overwrite" in err and "Traceback" not in err
    code = main(
        ["--lang", "en", "demo", "--out", str(out), "--projects", "20", "--parcels", "40",
         "--overwrite"]
    )  # fmt: skip
    assert code == 0
    assert "demo district written" in capsys.readouterr().out


def test_demo_bad_options_exit_2_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo.gpkg"
    code = main(["--lang", "en", "demo", "--out", str(out), "--projects", "50000", "--zones", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--projects 50000 is out of range" in err and "20–20000" in err
    assert "--zones 0 is out of range" in err
    assert not out.exists()
