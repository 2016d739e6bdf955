"""Tests of geodata.pipeline: importing a 项目库 from messy .xlsx / .csv files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from geodata.pipeline import match_header, read_pipeline
from geodata.report import DataError, Problem, Report

CLUSTERS = pd.DataFrame(
    {
        "cluster": ["photonics", "ic", "biomed"],
        "name_zh": ["光子", "集成电路", "生物医药"],
        "name_en": ["Photonics", "Integrated circuits", "Biomedicine"],
    }
)

BASIC_HEADER = ["项目编号", "项目名称", "产业集群", "总投资(亿元)", "用地面积(亩)"]


def write_xlsx(
    path: Path,
    rows: list[list[Any]],
    *,
    sheet: str = "项目库",
    merges: tuple[str, ...] = (),
    formats: dict[str, str] | None = None,
    extra_sheets: dict[str, list[list[Any]]] | None = None,
    first_sheets: dict[str, list[list[Any]]] | None = None,
) -> Path:
    """Write rows (row 1 first) to a workbook; ``merges`` are Excel ranges such as ``A1:F1``."""
    wb = openpyxl.Workbook()
    default = wb.active
    assert default is not None
    for name, content in (first_sheets or {}).items():
        ws_first = wb.create_sheet(name)
        for r in content:
            ws_first.append(r)
    ws = wb.create_sheet(sheet)
    wb.remove(default)
    for r in rows:
        ws.append(r)
    for rng in merges:
        ws.merge_cells(rng)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    for name, content in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for r in content:
            other.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path, **kw: Any) -> tuple[pd.DataFrame | None, Report]:
    report = Report()
    table = read_pipeline(path, report, **kw)
    return table, report


def errors(report: Report, code: str) -> list[Problem]:
    return [p for p in report.errors if p.code == code]


def only_error(report: Report, code: str) -> Problem:
    found = errors(report, code)
    assert len(found) == 1, [p.text("en") for p in report.errors]
    return found[0]


def by_id(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {
        str(r["project_id"]): {str(k): v for k, v in r.items()} for r in table.to_dict("records")
    }


# --------------------------------------------------------------------------- good input


def test_messy_workbook_like_the_demo(tmp_path: Path) -> None:
    header = [
        "项目编号",
        "项目名称",
        "企业名称",
        "产业集群",
        "项目阶段",
        "投资总额(万元)",
        "用地面积(亩)",
        "厂房面积(平方米)",
        "年产值(亿元)",
        "年税收(万元)",
        "就业人数",
        "污染等级",
        "计划开工年份",
        "拿地即开工",
        "配套需求",
        "标签",
        "锁定载体",
        "用地性质",
        "所属片区/招商部门",
    ]
    rows: list[list[Any]] = [
        ["苏州高新区2026年重点产业项目库（截至2026年11月）"],
        header,
        [
            "00017",
            "光芯片项目",
            "甲公司",
            "光子",
            "在谈",
            20000,
            "６０",
            0,
            5,
            1500,
            300,
            1,
            2026,
            "是",
            "供水;供电;道路;排水",
            "世界500强;链主",
            "",
            "M1",
            "科技城/招商一局",
        ],
        [
            "00018",
            "晶圆项目",
            "乙公司",
            "集成电路",
            "签约",
            "１２００００",
            0,
            8000,
            40,
            9000,
            "300",
            "2",
            "2027",
            "否",
            "供水、燃气、供热",
            "总部 上市",
            "F-003",
            "M2",
            None,
        ],
        [
            "00019",
            "药物研发",
            "丙公司",
            "biomed",
            "注册",
            5000,
            20,
            0,
            "1.5",
            200,
            50,
            1,
            2026,
            "否",
            "water;power",
            "专精特新",
            None,
            "M0",
            "狮山/招商二局",
        ],
    ]
    path = write_xlsx(tmp_path / "demo.xlsx", rows, merges=("A1:S1", "S3:S4"))
    table, report = read(path, clusters=CLUSTERS)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert list(table["project_id"]) == ["00017", "00018", "00019"]
    p = by_id(table)
    assert p["00017"]["cluster"] == "photonics"
    assert p["00017"]["stage"] == "negotiating"
    assert p["00017"]["investment_yi"] == 2.0
    assert p["00017"]["land_mu"] == 60.0
    assert p["00017"]["ready_to_build"] is True
    assert p["00017"]["needs"] == ("water", "power", "road", "drainage")
    assert p["00017"]["tags"] == ("fortune500", "chain_leader")
    assert p["00017"]["jobs"] == 300
    assert p["00017"]["start_year"] == 2026
    assert p["00018"]["cluster"] == "ic"
    assert p["00018"]["stage"] == "signed"
    assert p["00018"]["investment_yi"] == 12.0
    assert p["00018"]["floor_m2"] == 8000.0
    assert p["00018"]["output_yi"] == 40.0
    assert p["00018"]["tax_wan"] == 9000.0
    assert p["00018"]["pollution"] == 2
    assert p["00018"]["start_year"] == 2027
    assert p["00018"]["ready_to_build"] is False
    assert p["00018"]["needs"] == ("water", "gas", "heat")
    assert p["00018"]["tags"] == ("hq", "listed")
    assert p["00018"]["pinned_carrier"] == "F-003"
    assert p["00018"]["land_use"] == "M2"
    assert p["00019"]["stage"] == "registered"
    assert p["00019"]["output_yi"] == 1.5
    assert p["00019"]["land_use"] == "M0"
    assert p["00019"]["pinned_carrier"] == ""
    # the grouping column is not a contract column: kept out, mentioned as info
    assert "所属片区/招商部门" not in table.columns
    assert any(p.code == "ignored_columns" and "所属片区" in p.zh for p in report)


def test_title_rows_and_synonyms_with_units(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["2026 年项目库"],
        ["填报单位：招商中心", None, "日期：2026-11-01"],
        [],
        [
            "项目代码",
            "公司名称",
            "所属产业",
            "状态",
            "总投资（万元）",
            "占地（公顷）",
            "租赁面积(㎡)",
            "年产值(万元)",
            "年税收（亿元）",
            "用工",
        ],
        ["A1", "甲", "光子产业", "洽谈", 5000, 3, 0, 50000, 0.15, "120人"],
        ["A2", "乙", "Photonics", "已签约", "12000万元", "2公顷", "2000㎡", "30000万", 0.2, 80],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows, merges=("A1:J1",))
    table, report = read(path, clusters=CLUSTERS)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    p = by_id(table)
    assert p["A1"]["company"] == "甲"
    assert p["A1"]["cluster"] == "photonics"
    assert p["A1"]["stage"] == "negotiating"
    assert p["A1"]["investment_yi"] == 0.5  # 5000 万元
    assert p["A1"]["land_mu"] == 45.0  # 3 公顷
    assert p["A1"]["output_yi"] == 5.0  # 50000 万元
    assert p["A1"]["tax_wan"] == 1500.0  # 0.15 亿元
    assert p["A1"]["jobs"] == 120
    assert p["A2"]["stage"] == "signed"
    assert p["A2"]["investment_yi"] == 1.2
    assert p["A2"]["output_yi"] == 3.0
    assert p["A2"]["land_mu"] == 30.0
    assert p["A2"]["floor_m2"] == 2000.0
    assert p["A2"]["tax_wan"] == 2000.0


def test_cell_units_in_a_column_without_header_unit(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["编号", "产业集群", "总投资", "用地需求", "厂房面积"],
        ["1", "ic", "1.2亿", "60亩", "2000㎡"],
        ["2", "ic", "2", "45", "3000"],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    table, report = read(path)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert list(table["investment_yi"]) == [1.2, 2.0]
    assert list(table["land_mu"]) == [60.0, 45.0]
    assert list(table["floor_m2"]) == [2000.0, 3000.0]


def test_square_metres_convert_exactly_to_mu(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地(平方米)"],
        ["x", "ic", 1, 40000],
    ]
    table, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    assert not report.errors
    assert table is not None
    assert table["land_mu"].iloc[0] == 60.0  # 40000 m² × 15 / 10000


def test_ids_keep_their_text(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["00017", "ic", 1, 10],  # text cell
        [18, "ic", 1, 10],  # numeric cell
        [19.0, "ic", 1, 10],  # float cell with an integer value
        [20, "ic", 1, 10],  # numeric cell shown as 00020 by its number format
        ["ＰＲ－２１", "ic", 1, 10],  # full-width text, kept as written
        ["XM-①", "ic", 1, 10],  # circled digit
        [" XM 2026 01 ", "ic", 1, 10],  # inner spaces kept, outer ones trimmed
        ["XMe\u0301", "ic", 1, 10],  # e + combining acute accent
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows, formats={"A5": "00000"})
    table, report = read(path)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert list(table["project_id"]) == [
        "00017",
        "18",
        "19",
        "00020",
        "ＰＲ－２１",
        "XM-①",
        "XM 2026 01",
        "XMe\u0301",
    ]


def test_csv_text_ids_and_contract_headers(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["project_id", "cluster", "investment_yi", "land_mu", "floor_m2", "carrier", "tags"],
        ["007", "ic", "2.5", "60", "0", "land", "fortune500;hq"],
        ["008", "ic", "1", "0", "5000", "factory", ""],
    ]
    table, report = read(write_csv(tmp_path / "p.csv", rows))
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert list(table["project_id"]) == ["007", "008"]
    assert list(table["carrier"]) == ["land", "factory"]
    assert table["tags"].iloc[0] == ("fortune500", "hq")
    assert table["investment_yi"].iloc[0] == 2.5


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "项目名称", "企业名称", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["0001", "高端光学镜头", "苏州镜湖光电有限公司", "光子", "3", "60"],
    ]
    table, report = read(write_csv(tmp_path / "p.csv", rows, encoding), clusters=CLUSTERS)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert table["name"].iloc[0] == "高端光学镜头"
    assert table["company"].iloc[0] == "苏州镜湖光电有限公司"
    assert table["cluster"].iloc[0] == "photonics"


def test_csv_explicit_encoding(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["project_id", "name", "cluster", "investment_yi"],
        ["1", "鏡頭", "ic", "3"],
    ]
    path = write_csv(tmp_path / "p.csv", rows, "big5")
    table, report = read(path, encoding="big5")
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert table["name"].iloc[0] == "鏡頭"


def test_default_sheet_is_the_first_with_a_header(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["项目编号", "产业集群", "总投资(亿元)"], ["P1", "ic", 1]]
    path = write_xlsx(tmp_path / "p.xlsx", rows, first_sheets={"填表说明": [["请按要求填写"]]})
    table, report = read(path)
    assert not report.errors
    assert table is not None
    assert list(table["project_id"]) == ["P1"]


def test_named_sheet_is_read(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["项目编号", "产业集群", "总投资(亿元)"], ["P1", "ic", 1]]
    other: list[list[Any]] = [["项目编号", "产业集群", "总投资(亿元)"], ["Q1", "ic", 2]]
    path = write_xlsx(tmp_path / "p.xlsx", rows, extra_sheets={"2027": other})
    table, report = read(path, sheet="2027")
    assert not report.errors
    assert table is not None
    assert list(table["project_id"]) == ["Q1"]


def test_totals_row_and_notes_are_skipped(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "项目名称", "产业集群", "总投资(亿元)"],
        ["P1", "甲", "ic", 1],
        ["P2", "乙", "ic", 2],
        [None, "合计", None, 3],
        ["注：投资额以签约为准"],
    ]
    table, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert list(table["project_id"]) == ["P1", "P2"]


def test_match_header_normalises_width_spaces_and_units() -> None:
    assert match_header(" 投资总额 （ 万元 ） ") is not None
    col, unit = match_header("投资总额（万元）")  # type: ignore[misc]
    assert col == "investment_yi"
    assert unit is not None and unit.name == "万元"
    col, unit = match_header("占地【公顷】")  # type: ignore[misc]
    assert (col, unit.name if unit else None) == ("land_mu", "公顷")
    col, unit = match_header("用地面积亩")  # type: ignore[misc]
    assert (col, unit.name if unit else None) == ("land_mu", "亩")
    col, unit = match_header("ｆｌｏｏｒ_m2")  # type: ignore[misc]
    assert (col, unit) == ("floor_m2", None)
    assert match_header("所属片区/招商部门") is None
    assert match_header("序号") is None


# --------------------------------------------------------------------------- bad input


def test_missing_required_column_lists_found_columns(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["项目编号", "项目名称", "用地面积(亩)"], ["P1", "甲", 10]]
    table, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    assert table is None
    p = only_error(report, "missing_column")
    assert "cluster" in p.zh and "investment_yi" in p.zh
    assert "项目名称" in p.zh and "用地面积(亩)" in p.zh  # the columns found
    assert p.file == "p.xlsx" and p.layer == "项目库" and p.row == 1
    with pytest.raises(DataError):
        report.raise_if_errors()


def test_no_header_row(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["序号", "名字", "钱"], [1, "甲", 3]]
    table, report = read(write_csv(tmp_path / "p.csv", rows))
    assert table is None
    p = only_error(report, "missing_column")
    assert "项目编号" in p.zh and "序号" in p.zh and "名字" in p.zh


def test_duplicate_ids_name_excel_rows(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目库"],
        ["项目编号", "产业集群", "总投资(亿元)"],
        ["P 01", "ic", 1],
        ["P02", "ic", 1],
        ["Ｐ０１", "ic", 1],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows, merges=("A1:C1",)))
    p = only_error(report, "duplicate_id")
    assert p.row == 5
    assert "第 3 行" in p.zh
    assert p.layer == "项目库"
    assert p.column is not None and "项目编号" in p.column
    assert "第 5 行" in p.text("zh") and "项目编号" in p.text("zh")
    assert "“Ｐ０１”" in p.zh and "“P 01”" in p.zh  # both spellings


@pytest.mark.parametrize("bad", ["约50亩", "待定", "—"])
def test_unparsable_numbers(tmp_path: Path, bad: str) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["P1", "ic", 1, 10],
        ["P2", "ic", 1, bad],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "bad_number")
    assert p.row == 3
    assert p.column is not None and "用地面积(亩)" in p.column and "[D]" in p.column
    assert bad in p.zh


def test_negative_area(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["P1", "ic", 1, -5],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "below_min")
    assert p.row == 2 and p.column is not None and "用地面积" in p.column


def test_land_carrier_with_zero_area(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)", "载体类型"],
        ["P1", "ic", 1, 0, "土地"],
        ["P2", "ic", 1, 30, "土地"],
    ]
    table, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "zero_area")
    assert p.row == 2 and "P1" in p.zh
    assert p.column is not None and "用地面积" in p.column
    assert table is not None and list(table["carrier"]) == ["land", "land"]


def test_mixed_units_without_header_unit(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地需求"],
        ["P1", "ic", 1, "60亩"],
        ["P2", "ic", 1, "3公顷"],
        ["P3", "ic", 1, "50亩"],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "mixed_units")
    assert p.column is not None and "用地需求" in p.column
    assert "亩：第 2、4 行" in p.zh and "公顷：第 3 行" in p.zh
    assert p.row == 3


def test_cell_unit_contradicts_header(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["P1", "ic", 1, "60"],
        ["P2", "ic", 1, "3公顷"],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "unit_conflict")
    assert p.row == 3 and "公顷" in p.zh and "亩" in p.zh
    assert p.column is not None and "用地面积(亩)" in p.column


def test_cell_unit_of_the_wrong_kind(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资", "用地面积(亩)"],
        ["P1", "ic", "60亩", 10],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "bad_unit")
    assert p.row == 2 and p.column is not None and "总投资" in p.column


def test_formula_without_cached_value(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["P1", "ic", 1, 10],
        ["P2", "ic", "=C2*2", 10],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "formula_no_cache")
    assert "公式没有缓存值，请在 Excel 中打开并保存" in p.zh
    assert p.row == 3 and p.column is not None and "总投资" in p.column


def test_xls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    table, report = read(path)
    assert table is None
    p = only_error(report, "xls_unsupported")
    assert p.hint_zh is not None and ".xlsx" in p.hint_zh


def test_encrypted_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    table, report = read(path)
    assert table is None
    p = only_error(report, "encrypted_xlsx")
    assert "密码" in p.zh and p.file == "p.xlsx"


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"this is not a workbook")
    table, report = read(path)
    assert table is None
    assert only_error(report, "unreadable_xlsx").file == "p.xlsx"


def test_missing_sheet_lists_sheets(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["项目编号", "产业集群", "总投资(亿元)"], ["P1", "ic", 1]]
    path = write_xlsx(tmp_path / "p.xlsx", rows, extra_sheets={"2027": rows})
    table, report = read(path, sheet="2028")
    assert table is None
    p = only_error(report, "missing_sheet")
    assert "2028" in p.zh and "项目库" in p.zh and "2027" in p.zh


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"")
    table, report = read(path)
    assert table is None
    assert only_error(report, "empty_input").file == "p.csv"


def test_header_without_data_rows(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["项目编号", "产业集群", "总投资(亿元)"]]
    table, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    assert table is None
    p = only_error(report, "empty_input")
    assert p.layer == "项目库" and "第 1 行" in p.zh


def test_undecodable_csv_asks_for_encoding(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("项目编号,产业集群\n".encode() + b"\xff\xfa\x80,ic\n")
    table, report = read(path)
    assert table is None
    p = only_error(report, "unknown_encoding")
    assert p.hint_zh is not None and "--encoding" in p.hint_zh


def test_wrong_explicit_encoding(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "项目名称", "产业集群", "总投资(亿元)"],
        ["1", "镜头", "ic", "3"],
    ]
    path = write_csv(tmp_path / "p.csv", rows, "gbk")
    table, report = read(path, encoding="utf-8")
    assert table is None
    p = only_error(report, "bad_encoding")
    assert "utf-8" in p.zh


def test_merged_key_cell(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["P1", "ic", 1, 10],
        ["P2", "ic", 1, 10],
        [None, "ic", 2, 20],
        ["P3", "ic", 1, 10],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows, merges=("A3:A4",))
    _, report = read(path)
    p = only_error(report, "merged_key")
    assert p.row == 3 and "3–4" in p.zh
    assert p.column is not None and "项目编号" in p.column
    assert not errors(report, "duplicate_id")


def test_merged_non_key_cells_are_filled(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["P1", "ic", 1, 10],
        ["P2", None, 1, 10],
        ["P3", "biomed", 1, 10],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows, merges=("B2:B3",))
    table, report = read(path)
    assert not report.errors
    assert table is not None
    assert list(table["cluster"]) == ["ic", "ic", "biomed"]


def test_unknown_cluster_name(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)"],
        ["P1", "光子", 1],
        ["P2", "量子", 1],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows), clusters=CLUSTERS)
    p = only_error(report, "unknown_cluster")
    assert p.row == 3 and "量子" in p.zh
    assert p.hint_zh is not None and "光子" in p.hint_zh


def test_bad_stage_and_need(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "项目阶段", "配套需求"],
        ["P1", "ic", 1, "搁置", "供水;供电"],
        ["P2", "ic", 1, "签约", "供水;宽带光纤"],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    stage = only_error(report, "bad_stage")
    assert stage.row == 2 and "搁置" in stage.zh and stage.hint_zh == "在谈、签约、注册"
    need = only_error(report, "unknown_needs")
    assert need.row == 3 and "宽带光纤" in need.zh


def test_duplicate_meaning_columns(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "投资总额(万元)"],
        ["P1", "ic", 1, 10000],
    ]
    table, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    assert table is None
    p = only_error(report, "duplicate_column")
    assert "总投资(亿元)" in p.zh and "投资总额(万元)" in p.zh


def test_english_messages_and_data_error(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", "用地面积(亩)"],
        ["P1", "ic", "待定", 10],
    ]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    with pytest.raises(DataError) as exc:
        report.raise_if_errors()
    text = exc.value.report.errors[0].text("en")
    assert "p.xlsx" in text and "row 2" in text and "总投资(亿元) [C]" in text
    assert "not a number" in text


def test_missing_file_and_unsupported_type(tmp_path: Path) -> None:
    _, report = read(tmp_path / "nope.xlsx")
    assert only_error(report, "no_file")
    path = tmp_path / "p.ods"
    path.write_bytes(b"x")
    _, report = read(path)
    assert only_error(report, "unsupported_format")


def test_small_conversions(tmp_path: Path) -> None:
    import datetime as dt

    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资/万元", "污染等级", "开工时间", "是否拿地即开工", "用工"],
        ["P1", "ic", "１，２００", "二级", dt.datetime(2027, 3, 1), "需要", "1,500"],
        ["P2", "ic", 300, "3级", "2026年", "不需要", "４０人"],
    ]
    table, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert list(table["investment_yi"]) == [0.12, 0.03]
    assert list(table["pollution"]) == [2, 3]
    assert list(table["start_year"]) == [2027, 2026]
    assert list(table["ready_to_build"]) == [True, False]
    assert list(table["jobs"]) == [1500, 40]


def test_unknown_money_unit_in_header(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["项目编号", "产业集群", "总投资(美元)"], ["P1", "ic", 1]]
    _, report = read(write_xlsx(tmp_path / "p.xlsx", rows))
    p = only_error(report, "unknown_unit")
    assert "美元" in p.zh and p.row == 1


def test_header_merged_across_columns_is_one_column(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["项目编号", "产业集群", "总投资(亿元)", None, "用地面积(亩)"],
        ["P1", "ic", 2, None, 30],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows, merges=("C1:D1", "C2:D2"))
    table, report = read(path)
    assert not report.errors, [p.text("en") for p in report.errors]
    assert table is not None
    assert table["investment_yi"].iloc[0] == 2.0 and table["land_mu"].iloc[0] == 30.0
