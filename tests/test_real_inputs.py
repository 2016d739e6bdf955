"""Inputs as bureaus write them (issue 15): two-level headers, hidden sheets, text and absurd
magnitudes in number columns, 0 for "no requirement". End to end through ``landalloc.cli.main``.

Every failing case must end in exit 2 with a message naming the file, the sheet or layer, the row
and the column, never a traceback and never a silent 0; every test bounds its time.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from builders import factory, parcel, placed, project, solve, tables, write_gpkg
from shapely.geometry import box

from geodata.pipeline import read_pipeline
from geodata.report import Report
from geodata.schema import NUMBER_RANGES
from landalloc.cli import main

X0, Y0 = 510_000.0, 3_470_000.0  # EPSG:4549 (苏州)
PROJECTS = [  # id, name, investment (亿元), output (亿元), land (亩)
    ("XM-001", "光子一号", 2, 5, 50),
    ("XM-002", "光子二号", 11, 20, 55),
    ("XM-003", "光子三号", 1.5, 3, 40),
]
SINGLE_HEADER = [
    "项目编号",
    "项目名称",
    "产业集群",
    "总投资（亿元）",
    "年产值（亿元）",
    "用地（亩）",
    "厂房需求（㎡）",
]


@pytest.fixture(autouse=True)
def _bounded_time() -> Iterator[None]:
    """Each test ends within seconds (no hang, no endless retry)."""
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < 30


def _workbook(path: Path, sheets: dict[str, list[list[Any]]], **opts: Any) -> Path:
    """Sheets in order; ``hidden`` names hidden sheets, ``merges`` maps a sheet to ranges."""
    wb = openpyxl.Workbook()
    default = wb.active
    assert default is not None
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        for rng in opts.get("merges", {}).get(name, ()):
            ws.merge_cells(rng)
        if name in opts.get("hidden", ()):
            ws.sheet_state = "hidden"
    wb.remove(default)
    wb.save(path)
    return path


def _single_level(path: Path) -> Path:
    rows: list[list[Any]] = [SINGLE_HEADER]
    rows += [[pid, name, "光子", inv, out, land, None] for pid, name, inv, out, land in PROJECTS]
    return _workbook(path, {"项目库": rows})


def _two_level(path: Path) -> Path:
    """The common 项目库 layout: a title, a merged group header over its sub-headers, the
    single-level columns merged down over both header rows."""
    rows: list[list[Any]] = [
        ["2025年重点产业项目库"],
        ["项目编号", "项目名称", "产业集群", "投资及用地需求", None, None, None, "备注"],
        [
            None,
            None,
            None,
            "总投资（亿元）",
            "年产值（亿元）",
            "用地（亩）",
            "厂房需求（㎡）",
            None,
        ],
    ]
    rows += [
        [pid, name, "光子", inv, out, land, None, ""] for pid, name, inv, out, land in PROJECTS
    ]
    merges = ("A1:H1", "A2:A3", "B2:B3", "C2:C3", "D2:G2", "H2:H3")
    return _workbook(path, {"项目库": rows}, merges={"项目库": merges})


def _parcels(tmp: Path, **cols: Any) -> Path:
    """Three 60-亩 parcels in one zone, as a GeoPackage with Chinese headers."""
    data: dict[str, list[object]] = {
        "地块编号": ["P1", "P2", "P3"],
        "片区": ["科技城"] * 3,
        "用地性质": ["一类工业用地"] * 3,
        "准入产业": ["光子"] * 3,
        **cols,
    }
    geoms = [box(X0 + 400 * i, Y0, X0 + 400 * i + 200, Y0 + 200) for i in range(3)]
    path = tmp / "parcels.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4549"), path)
    return path


def _tables(
    tmp: Path, quotas: str = "年份,片区,指标(亩)\n2025,全区,1000\n2025,科技城,400\n"
) -> None:
    (tmp / "quotas.csv").write_text(quotas, encoding="utf-8")
    (tmp / "clusters.csv").write_text(
        "集群代码,名称,颜色\nphotonics,光子,#ff0000\n", encoding="utf-8"
    )


def _import(
    tmp: Path, projects: Path, out: str = "out.gpkg", *, parcels: Path | None = None, **over: Path
) -> tuple[int, Path]:
    args = [
        "import",
        "--parcels",
        str(parcels or _parcels(tmp)),
        "--projects",
        str(projects),
        "--quotas",
        str(over.get("quotas", tmp / "quotas.csv")),
        "--clusters",
        str(tmp / "clusters.csv"),
        "--out",
        str(tmp / out),
    ]
    return main(args), tmp / out


def _refused(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "内部错误" not in err, err
    for w in words:
        assert w in err, (w, err)


# --------------------------------------------------------------------------- 1. two-level headers


def test_two_level_header_imports_and_solves_like_the_single_level_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tables(tmp_path)
    parcels = _parcels(tmp_path)
    code, single = _import(
        tmp_path, _single_level(tmp_path / "single.xlsx"), "single.gpkg", parcels=parcels
    )
    assert code == 0, capsys.readouterr().err
    code, two = _import(tmp_path, _two_level(tmp_path / "two.xlsx"), "two.gpkg", parcels=parcels)
    assert code == 0, capsys.readouterr().err
    a = pyogrio.read_dataframe(single, layer="projects")
    b = pyogrio.read_dataframe(two, layer="projects")
    pd.testing.assert_frame_equal(a, b)
    assert a["project_id"].tolist() == ["XM-001", "XM-002", "XM-003"]
    assert a["investment_yi"].tolist() == [2.0, 11.0, 1.5]
    assert a["output_yi"].tolist() == [5.0, 20.0, 3.0]
    assert a["land_mu"].tolist() == [50.0, 55.0, 40.0]
    plans = []
    for name in ("single", "two"):
        scenario = tmp_path / f"{name}.yaml"
        scenario.write_text(
            f"name: {name}\ndata: {name}.gpkg\nyears: [2025]\n"
            "solver: {time_limit_s: 5, deterministic: true}\n",
            encoding="utf-8",
        )
        assert main(["solve", str(scenario), "--out", str(tmp_path / f"r_{name}")]) == 0
        plan = pd.read_csv(tmp_path / f"r_{name}" / "assignments.csv", dtype=str)
        plans.append(sorted(zip(plan["project_id"], plan["carrier_id"], strict=True)))
    assert plans[0] == plans[1] and len(plans[0]) == 3


def test_two_level_header_without_merges_and_with_joined_levels(tmp_path: Path) -> None:
    # a CSV cannot merge: the group label stands over its first sub-header, single-level
    # columns are written in the first row only; 投资 + 总额(万元) joins to 投资总额(万元)
    path = tmp_path / "p.csv"
    path.write_text(
        "项目编号,产业集群,投资,,用地需求\n"
        ",,总额(万元),年产值(亿元),用地面积(公顷)\n"
        "XM-1,ic,25000,3,2\n",
        encoding="utf-8",
    )
    report = Report()
    table = read_pipeline(path, report)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert table["investment_yi"].tolist() == [2.5]
    assert table["output_yi"].tolist() == [3.0]
    assert table["land_mu"].tolist() == [30.0]


# --------------------------------------------------------------------------- 2. hidden sheets


def test_hidden_old_sheet_before_the_visible_one_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tables(tmp_path)
    old: list[list[Any]] = [SINGLE_HEADER, ["OLD-1", "旧项目", "光子", 1, 1, 10, None]]
    new: list[list[Any]] = [SINGLE_HEADER] + [
        [pid, name, "光子", inv, out, land, None] for pid, name, inv, out, land in PROJECTS
    ]
    book = _workbook(
        tmp_path / "p.xlsx", {"项目库（2023旧）": old, "项目库": new}, hidden=("项目库（2023旧）",)
    )
    # quotas too: a hidden sheet of old quotas comes first
    quotas = _workbook(
        tmp_path / "q.xlsx",
        {
            "2019": [["年份", "片区", "指标(亩)"], [2019, "全区", 5]],
            "指标": [["年份", "片区", "指标(亩)"], [2025, "全区", 1000]],
        },
        hidden=("2019",),
    )
    code, out = _import(tmp_path, book, quotas=quotas)
    assert code == 0, capsys.readouterr().err
    ids = pyogrio.read_dataframe(out, layer="projects")["project_id"].tolist()
    assert ids == ["XM-001", "XM-002", "XM-003"]
    assert pyogrio.read_dataframe(out, layer="quotas")["year"].tolist() == [2025]
    # named explicitly, the hidden sheet is read
    code = main(
        [
            "import",
            "--parcels",
            str(tmp_path / "parcels.gpkg"),
            "--projects",
            str(book),
            "--sheet",
            "项目库（2023旧）",
            "--quotas",
            str(tmp_path / "quotas.csv"),
            "--out",
            str(tmp_path / "named.gpkg"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert pyogrio.read_dataframe(tmp_path / "named.gpkg", layer="projects")[
        "project_id"
    ].tolist() == ["OLD-1"]


def test_several_visible_pipeline_sheets_name_the_one_read(tmp_path: Path) -> None:
    rows: list[list[Any]] = [SINGLE_HEADER, ["XM-1", "甲", "ic", 1, 1, 10, None]]
    partial: list[list[Any]] = [
        ["项目编号", "项目名称"],
        ["XM-9", "汇总"],
    ]  # no required columns: not a rival
    book = _workbook(tmp_path / "p.xlsx", {"汇总": partial, "2025": rows, "2026": rows})
    report = Report()
    table = read_pipeline(book, report)
    assert table is not None and not report.errors
    (w,) = [p for p in report.warnings if p.code == "several_sheets"]
    assert w.layer == "2025" and "“2025”" in w.zh and "2026" in w.zh and "--sheet" in str(w.hint_zh)
    # only a hidden sheet has the header: refused, asking for --sheet
    book = _workbook(tmp_path / "h.xlsx", {"旧": rows, "说明": [["填表说明"]]}, hidden=("旧",))
    report = Report()
    assert read_pipeline(book, report) is None
    (e,) = report.errors
    assert e.code == "hidden_sheet" and e.layer == "旧" and "--sheet 旧" in str(e.hint_zh)


# --------------------------------------------------------------------------- 3. text in numbers


def test_text_in_number_cells_of_the_pipeline_and_quotas_is_refused_naming_each_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tables(tmp_path)
    header = [
        "项目编号",
        "项目名称",
        "产业集群",
        "总投资（亿元）",
        "就业人数",
        "年税收（万元）",
        "用地（亩）",
    ]
    rows: list[list[Any]] = [
        header,
        ["XM-1", "甲", "光子", "三亿", 100, 50, 10],
        ["XM-2", "乙", "光子", 2, "很多", 50, 10],
        ["XM-3", "丙", "光子", 2, 100, "NaN", 10],
    ]
    book = _workbook(tmp_path / "p.xlsx", {"项目库": rows})
    code, out = _import(tmp_path, book)
    err = capsys.readouterr().err
    _refused(code, err, "p.xlsx", "项目库")
    for row, column, text in (
        (2, "总投资(亿元) [D]", "三亿"),
        (3, "就业人数 [E]", "很多"),
        (4, "年税收(万元) [F]", "NaN"),
    ):
        assert f"第 {row} 行 › 列 {column}: “{text}” 不是数字" in err, err
    assert "0.0" not in err and not out.exists()
    # a quota written as text, in a workbook (pandas would read "NaN" as blank)
    q = _workbook(
        tmp_path / "q.xlsx",
        {"指标": [["年份", "片区", "指标(亩)"], [2025, "全区", 1000], [2025, "科技城", "NaN"]]},
    )
    code, out = _import(tmp_path, _single_level(tmp_path / "ok.xlsx"), quotas=q)
    err = capsys.readouterr().err
    _refused(code, err, "q.xlsx", "列 land_mu", "“NaN” 不是数字")
    parcels = str(tmp_path / "parcels.gpkg")
    en = ["--lang", "en", "import", "--parcels", parcels, "--projects", str(book)]
    code = main([*en, "--quotas", str(q), "--out", str(tmp_path / "en.gpkg")])
    err = capsys.readouterr().err
    _refused(code, err, "'三亿' is not a number", "'很多' is not a number")


def test_text_in_number_fields_of_a_geopackage_is_not_read_as_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000)],
        [project("J1", land_mu=40), project("J2", land_mu=40), project("J3", land_mu=40)],
        {2026: 100.0, 2027: 100.0},
    )
    path = write_gpkg(t, tmp_path / "d.gpkg")
    with sqlite3.connect(path) as con:  # SQLite keeps text in REAL/INTEGER fields; GDAL reads 0
        con.execute("UPDATE projects SET investment_yi = '三亿' WHERE project_id = 'J1'")
        con.execute("UPDATE projects SET jobs = '很多' WHERE project_id = 'J2'")
        con.execute("UPDATE projects SET tax_wan = 'NaN' WHERE project_id = 'J3'")
        con.execute("UPDATE quotas SET land_mu = '—' WHERE year = 2027")
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    _refused(code, err, "d.gpkg")
    for layer, row, column, text in (
        ("projects", 1, "investment_yi", "三亿"),
        ("projects", 2, "jobs", "很多"),
        ("projects", 3, "tax_wan", "NaN"),
        ("quotas", 2, "land_mu", "—"),
    ):
        assert f"图层 {layer} › 第 {row} 行 › 列 {column}: “{text}” 不是数字" in err, err


def test_text_in_a_shapefile_number_field_is_not_read_as_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tables(tmp_path)
    geoms = [box(X0 + 400 * i, Y0, X0 + 400 * i + 200, Y0 + 200) for i in range(2)]
    gdf = gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2"], "zone": ["科技城"] * 2, "area_mu": [60.0, 60.0]},
        geometry=geoms,
        crs="EPSG:4549",
    )
    shp = tmp_path / "parcels.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="UTF-8")
    dbf = shp.with_suffix(".dbf").read_bytes()
    cell = list(re.finditer(rb" *60\.0*", dbf))[-1]  # the last record's area, as the DBF holds it
    patched = (
        dbf[: cell.start()] + "三亿".encode().rjust(cell.end() - cell.start()) + dbf[cell.end() :]
    )
    shp.with_suffix(".dbf").write_bytes(patched)
    code, _ = _import(tmp_path, _single_level(tmp_path / "ok.xlsx"), parcels=shp)
    err = capsys.readouterr().err
    _refused(code, err, "parcels.shp › 图层 parcels › 第 2 行 › 列 area_mu: “三亿” 不是数字")


# --------------------------------------------------------------------------- 4. 0 = no requirement


def test_zero_minimum_load_and_height_mean_no_requirement(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        [
            "项目编号",
            "产业集群",
            "总投资（亿元）",
            "厂房面积(㎡)",
            "载体类型",
            "荷载要求",
            "净高要求",
        ],
        ["XM-1", "c1", 2, 2000, "厂房", 0, 0],
        ["XM-2", "c1", 2, 2000, "厂房", None, None],
        ["XM-3", "c1", 2, 2000, "厂房", 800, 6],
    ]
    report = Report()
    table = read_pipeline(_workbook(tmp_path / "p.xlsx", {"项目库": rows}), report)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert table["min_floor_load_kg_m2"].tolist() == [None, None, 800.0]
    assert table["min_clear_height_m"].tolist() == [None, None, 6.0]
    # a factory of unknown load and height: 0 asks for nothing, so the project fits it
    t = tables(
        [parcel("P1", 50, 0)],
        [
            project("J1", floor_m2=2000, carrier="factory", min_floor_load_kg_m2=0),
            project("J2", floor_m2=2000, carrier="factory", min_clear_height_m=0),
        ],
        {2026: 100.0},
        factories=[factory("F1", 3000), factory("F2", 3000)],
    )
    assert t.projects["min_floor_load_kg_m2"].tolist() == [None, None]
    sol, problems, _ = solve(t)
    assert not problems
    assert sorted(placed(sol)) == ["J1", "J2"]


# --------------------------------------------------------------------------- 5. magnitudes


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("investment", ("projects.csv", "第 2 行", "investment_yi", "1e308", "0–10,000 亿元")),
        ("quota", ("quotas.csv", "图层 quotas", "land_mu", "1e308", "0–1,000,000 亩")),
        ("parcel_area", ("parcels.gpkg", "图层 parcels", "area_mu", "1e+308", "0–100,000 亩")),
        ("hectares", ("p.xlsx", "用地面积(公顷)", "1e308公顷", "1.5e+309 亩", "0–100,000 亩")),
    ],
)
def test_absurd_magnitudes_are_refused_with_the_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, words: tuple[str, ...]
) -> None:
    _tables(tmp_path)
    projects = tmp_path / "projects.csv"
    projects.write_text(
        "project_id,name,cluster,investment_yi,land_mu\nX1,甲,photonics,2,50\n", encoding="utf-8"
    )
    parcels = None
    if case == "investment":
        projects.write_text(
            "project_id,name,cluster,investment_yi,land_mu\nX1,甲,photonics,1e308,50\n",
            encoding="utf-8",
        )
    elif case == "quota":
        _tables(tmp_path, "年份,片区,指标(亩)\n2025,全区,1e308\n2025,科技城,400\n")
    elif case == "parcel_area":
        parcels = _parcels(tmp_path, **{"面积(亩)": [60.0, 1e308, 60.0]})
    else:
        projects = _workbook(
            tmp_path / "p.xlsx",
            {
                "项目库": [
                    ["项目编号", "产业集群", "总投资(亿元)", "用地面积(公顷)"],
                    ["X1", "光子", 2, "1e308公顷"],
                ]
            },
        )
    code, out = _import(tmp_path, projects, parcels=parcels)
    err = capsys.readouterr().err
    _refused(code, err, *words)
    assert not out.exists()


def test_absurd_magnitudes_in_a_geopackage_are_refused_by_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = tables([parcel("P1", 50, 0)], [project("J1", land_mu=40)], {2026: 100.0})
    t.projects["investment_yi"] = [1e308]
    t.quotas["land_mu"] = [float("inf")]
    t.parcels["area_mu"] = [-1e308]
    path = write_gpkg(t, tmp_path / "d.gpkg")
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    _refused(
        code,
        err,
        "图层 projects › 第 1 行 › 列 investment_yi",
        "1e+308 超出合理范围 0–10,000 亿元",
        "图层 quotas › 第 1 行 › 列 land_mu",
        "inf 超出合理范围 0–1,000,000 亩",
        "图层 parcels › 第 1 行 › 列 area_mu",
    )


def test_the_ranges_are_listed_in_the_data_format_doc() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "data-format.md").read_text(encoding="utf-8")
    section = doc.split("## 数值与合理范围")[1].split("\n## ")[0]
    rows = [ln.split("|") for ln in section.splitlines() if ln.startswith("| ")]
    for (layer, col), rng in NUMBER_RANGES.items():
        line = next((r for r in rows if layer in r[1] and f"`{col}`" in r[2]), None)
        assert line is not None, (layer, col)
        high = rng.text().split("–")[1].split(" ")[0]  # as in the messages: 10,000 / 2100
        assert high in line[3], (layer, col, line)
