"""Tests of the ``landalloc readiness`` command (:mod:`landalloc.cmd_readiness`).

The rules, the assessment, the district views and the ranking have their own test modules
(``test_readiness_rules``, ``test_readiness_assessment``, ``test_views_readiness``,
``test_views_ranking``).
"""

from __future__ import annotations

from typing import Any

import pytest

from geodata.instance import READINESS_ITEMS


def test_the_package_still_exports_every_public_name() -> None:
    # other code imports the rules, the assessment and the views from optimizer.readiness
    import optimizer.readiness as readiness
    from optimizer.readiness import assessment, rules
    from optimizer.views import ranking
    from optimizer.views import readiness as views

    homes = (rules, assessment, ranking, views)
    for name in readiness.__all__:
        if name == "DataError":
            continue
        obj = getattr(readiness, name)
        assert any(getattr(m, name, None) is obj for m in homes), name


# --------------------------------------------------------------------------- CLI


def _write_gpkg(path: Any) -> Any:
    """A three-parcel district: A ready, B waits for power, C has no planning conditions."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from shapely.geometry import box

    side = 200.0  # 40 000 m² = 60 亩
    ready = {f"ready_{k}": "2024-06-01" for k in READINESS_ITEMS}
    rows: list[dict[str, Any]] = [
        {"parcel_id": "A", **ready},
        {"parcel_id": "B", **ready, "ready_power": "2025-09-15"},
        {"parcel_id": "C", **ready, "ready_planning": None},
    ]
    for i, r in enumerate(rows):
        r.update(zone="Z1", land_use="M1", available_year=2025)
        r["geometry"] = box(540000 + i * 400, 3466000, 540000 + i * 400 + side, 3466000 + side)
    parcels = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549")
    projects = pd.DataFrame(
        [
            {"project_id": "J1", "name": "光子芯片", "cluster": "光子", "investment_yi": 2.0,
             "land_mu": 50.0, "start_year": 2025, "stage": "signed"},
            {"project_id": "J2", "name": "大项目", "cluster": "光子", "investment_yi": 5.0,
             "land_mu": 80.0, "start_year": 2026, "stage": "signed"},
        ]
    )  # fmt: skip
    quotas = pd.DataFrame([{"year": 2025, "zone": "*", "land_mu": 500.0}])
    parcels.to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
    pyogrio.write_dataframe(projects, path, layer="projects", driver="GPKG")
    pyogrio.write_dataframe(quotas, path, layer="quotas", driver="GPKG")
    return path


@pytest.fixture
def gpkg(tmp_path: Any) -> Any:
    return _write_gpkg(tmp_path / "district.gpkg")


def test_cli_inventory_summary_and_outputs(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    import openpyxl
    import pandas as pd
    import pyogrio

    from landalloc.cli import main

    out = tmp_path / "out"
    code = main(["readiness", str(gpkg), "--today", "2025-06-30", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "已具备（今天即可拿地开工）：1 宗" in text
    assert "预计具备（已排期）：1 宗" in text
    assert "不具备（有条件未排期）：1 宗" in text
    assert "供电服务中心：1 宗地块待办（1 宗已排期" in text
    assert "自然资源规划分局：1 宗地块待办（0 宗已排期；1 宗未排期）" in text
    assert "2025Q3：新增 1 宗，累计 2 宗" in text

    wb = openpyxl.load_workbook(out / "readiness.xlsx")
    assert wb.sheetnames[:3] == ["按地块", "按季度", "按部门"]
    by_parcel = wb["按地块"]
    header = [c.value for c in by_parcel[1]]
    status_col = header.index("状态")
    assert [r[status_col] for r in by_parcel.iter_rows(min_row=2, values_only=True)] == [
        "已具备",
        "预计具备",
        "不具备",
    ]
    colours = {
        r.formula[0].split("=")[1].strip('"'): str(r.dxf.fill.fgColor.rgb)[-6:]
        for cf in by_parcel.conditional_formatting
        for r in cf.rules
    }
    assert colours == {"已具备": "C6EFCE", "预计具备": "FFEB9C", "不具备": "FFC7CE"}
    assert len(list(wb["按部门"].conditional_formatting)) == 2

    csv = pd.read_csv(out / "readiness_parcels.csv", dtype=str)
    assert dict(zip(csv["parcel_id"], csv["status"], strict=True)) == {
        "A": "ready",
        "B": "ready_by",
        "C": "blocked",
    }
    assert csv.set_index("parcel_id").loc["B", "ready_date"] == "2025-09-15"
    layer = pyogrio.read_dataframe(out / "readiness.gpkg", layer="readiness")
    assert {"parcel_id", "status", "ready_date", "missing"} <= set(layer.columns)
    assert len(layer) == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_cli_english(gpkg: Any, capsys: Any) -> None:
    from landalloc.cli import main

    code = main(["--lang", "en", "readiness", str(gpkg), "--today", "2025-06-30"])
    text = capsys.readouterr().out
    assert code == 0
    assert "Power Supply Service Centre: 1 parcels wait (1 scheduled" in text
    assert "not ready because of (items not scheduled): planning conditions issued" in text


def test_cli_rules_file_changes_the_result(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    from landalloc.cli import main

    rules = tmp_path / "rules.yaml"
    rules.write_text("preconditions:\n  planning: {enabled: false}\n", encoding="utf-8")
    code = main(["readiness", str(gpkg), "--today", "2025-06-30", "--rules", str(rules)])
    text = capsys.readouterr().out
    assert code == 0
    assert "不具备（有条件未排期）：0 宗" in text
    assert "自然资源规划分局" not in text


def test_cli_project_ranking(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    from landalloc.cli import main

    out = tmp_path / "out"
    code = main(
        ["readiness", str(gpkg), "--today", "2025-06-30", "--project", "J1", "--out", str(out)]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()[:2] in ("1.", "2.", "3.")]
    assert [ln.split()[1] for ln in lines] == ["A", "B", "C"]
    assert "可开工 2025-06-30" not in lines[0]
    assert "可开工 2025-02-14" in lines[0]  # 2025-01-01 + 44 days of land transfer
    assert "可开工 2025-09-15" in lines[1] and "供电服务中心" in lines[1]
    assert "不具备" in lines[2] and "未排期" in lines[2]
    assert (out / "readiness_project_J1.xlsx").exists()
    assert (out / "readiness_project_J1.csv").exists()


def test_cli_project_too_large_for_every_parcel(gpkg: Any, capsys: Any) -> None:
    from landalloc.cli import main

    assert main(["readiness", str(gpkg), "--project", "J2", "--today", "2025-06-30"]) == 0
    captured = capsys.readouterr()
    assert "--all" in captured.out
    assert "J2" in captured.err  # the store warns that no parcel group can hold it
    assert main(["readiness", str(gpkg), "--project", "J2", "--all"]) == 0
    text = capsys.readouterr().out
    assert "全部地块 3 宗" in text
    assert text.count("不符合：面积不符（不足或浪费超限）：地块 60 亩 < 需求 80 亩") == 3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--project", "NOPE"], ["NOPE", "project_id"]),
        (["--rules", "RULES"], ["transfer_dayz", "RULES"]),
        (["--rules", "MISSING"], ["找不到规则文件"]),
        (["--today", "2025-13-01"], ["--today"]),
    ],
)
def test_cli_bad_input_exit_2(
    gpkg: Any, tmp_path: Any, capsys: Any, args: list[str], words: list[str]
) -> None:
    from landalloc.cli import main

    rules = tmp_path / "rules.yaml"
    rules.write_text("transfer_dayz: 10\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [
        str(rules) if a == "RULES" else str(tmp_path / "nope.yaml") if a == "MISSING" else a
        for a in args
    ]
    words = [str(rules) if w == "RULES" else w for w in words]
    code = main(["readiness", str(gpkg), "--out", str(out), *args])
    captured = capsys.readouterr()
    assert code == 2
    for w in words:
        assert w in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists() or not list(out.iterdir())


def test_cli_missing_data_and_out_is_a_file(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    from landalloc.cli import main

    assert main(["readiness", str(tmp_path / "none.gpkg")]) == 2
    assert "none.gpkg" in capsys.readouterr().err
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    assert main(["readiness", str(gpkg), "--out", str(blocker)]) == 2
    assert "file.txt" in capsys.readouterr().err
