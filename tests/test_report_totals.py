"""Totals that add up: every amount column of the result tables sums to the KPIs (issue 14.4).

A 合并供地 project (one project on several parcels) has one row per parcel; its investment,
output, tax and jobs are counted once, split over those rows by the parcels' areas.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyogrio
import pytest
from builders import factory, parcel, project, tables, write_gpkg

from landalloc.cli import main

#: The input projects: J5 needs 140 亩 and only the group P3 (60 亩) + P4 (80 亩) has them;
#: J6 (500 亩) fits nowhere. Amounts are chosen so that splitting J5 by 3/7 : 4/7 leaves
#: remainders.
PROJECTS = [
    project("J1", land_mu=40, inv=2.5, output_yi=4.1, tax_wan=321, jobs=55, name="一号"),
    project("J2", land_mu=45, inv=3.25, output_yi=1.0, tax_wan=120, jobs=30, name="二号"),
    project("J3", floor_m2=3000, inv=0.8, output_yi=1.5, tax_wan=77, jobs=12, name="三号"),
    project("J5", land_mu=140, inv=7.0001, output_yi=3.3333, tax_wan=1001, jobs=7, name="五号"),
    project("J6", land_mu=500, inv=20.0, output_yi=10.0, tax_wan=999, jobs=100, name="六号"),
]
BY_ID = {p["project_id"]: p for p in PROJECTS}
PLACED = ("J1", "J2", "J3", "J5")
UNPLACED = ("J6",)
GROUP = {"P3": 60.0, "P4": 80.0}

#: amount column → (Chinese header, label on the KPI sheet, input column, display tolerance)
AMOUNTS = {
    "investment_yi": ("总投资(亿元)", "落地总投资(亿元)", "investment_yi", 0.005),
    "output_yi": ("年产值(亿元)", "落地年产值(亿元)", "output_yi", 0.005),
    "tax_wan": ("年税收(万元)", "落地年税收(万元)", "tax_wan", 0.05),
    "jobs": ("就业(人)", "就业(人)", "jobs", 0.0),
}


def _input_sum(col: str, ids: tuple[str, ...]) -> float:
    return float(sum(float(BY_ID[i][col]) for i in ids))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("totals")
    t = tables(
        [
            parcel("P1", 100, 5000, divisible=True),
            parcel("P2", 50, 8000),
            parcel("P3", GROUP["P3"], 0),
            parcel("P4", GROUP["P4"], 200),  # P3 is 200 m wide: the two touch
        ],
        PROJECTS,
        {2026: 1000.0},
        factories=[factory("F1", 10000)],
    )
    write_gpkg(t, d / "d.gpkg")
    s = d / "s.yaml"
    s.write_text(
        "name: 合并供地合计\ndata: d.gpkg\nyears: [2026]\n"
        "solver: {time_limit_s: 2, deterministic: true}\n",
        encoding="utf-8",
    )
    assert main(["solve", str(s), "--out", str(d / "out")]) == 0
    return d / "out"


def _kpis(out: Path) -> dict[str, Any]:
    k: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))["kpis"]
    return k


def _csv(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "assignments.csv", dtype={"project_id": str, "carrier_id": str})


def _kpi_sheet(out: Path) -> dict[str, Any]:
    ws = openpyxl.load_workbook(out / "report.xlsx")["指标"]
    return {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}


def test_the_instance_has_a_group_and_ordinary_and_factory_placements(out: Path) -> None:
    a = _csv(out)
    assert set(a["project_id"]) == set(PLACED)
    rows = a[a["project_id"] == "J5"]
    assert sorted(rows["carrier_id"]) == ["P3", "P4"] and set(rows["group_id"]) == {"P3+P4"}
    assert a.loc[a["project_id"] == "J3", "carrier_kind"].tolist() == ["factory"]


def test_assignments_csv_amounts_sum_to_the_kpis(out: Path) -> None:
    a, k = _csv(out), _kpis(out)
    for col, (_, _, src, tol) in AMOUNTS.items():
        total = float(a[col].sum())
        assert total == pytest.approx(_input_sum(src, PLACED), abs=1e-6), col
        assert abs(total - float(k[col])) <= tol + 1e-9, (col, total, k[col])
    assert float(a["area_mu"].sum()) == pytest.approx(k["land_mu"], abs=0.005)
    # every project's rows add up to the project
    for pid, g in a.groupby("project_id"):
        for col, (_, _, src, _) in AMOUNTS.items():
            assert float(g[col].sum()) == pytest.approx(float(BY_ID[pid][src]), abs=1e-9)
        assert float(g["share"].sum()) == pytest.approx(1.0, abs=1e-9)


def test_placements_layer_of_result_gpkg_sums_to_the_kpis(out: Path) -> None:
    p = pyogrio.read_dataframe(out / "result.gpkg", layer="placements")
    for col, (_, _, src, _) in AMOUNTS.items():
        assert float(p[col].sum()) == pytest.approx(_input_sum(src, PLACED), abs=1e-6), col


def test_every_amount_column_of_report_xlsx_sums_to_the_kpi_sheet(out: Path) -> None:
    kpi = _kpi_sheet(out)
    k = _kpis(out)
    sheets = pd.read_excel(out / "report.xlsx", sheet_name=None)
    expected = {"落地项目": PLACED, "未落地项目": UNPLACED}
    checked = set()
    for name, df in sheets.items():
        for col, (head, label, src, tol) in AMOUNTS.items():
            if head not in df.columns:
                continue
            assert name in expected, f"sheet {name} has amount column {head}"
            total = float(df[head].sum())
            assert total == pytest.approx(_input_sum(src, expected[name]), abs=1e-6), (name, head)
            if name == "落地项目":
                assert abs(total - float(kpi[label])) <= tol + 1e-9, (head, total, kpi[label])
                assert float(kpi[label]) == pytest.approx(float(k[col]))
            checked.add((name, col))
    assert ("落地项目", "investment_yi") in checked and ("落地项目", "jobs") in checked
    assert ("未落地项目", "investment_yi") in checked
    placed = sheets["落地项目"]
    assert float(placed["供地面积(亩)"].sum()) == pytest.approx(kpi["供地面积(亩)"], abs=0.005)
    quota = sheets["用地指标"]
    district = quota[quota["片区代码"].astype(str) == "*"]
    assert float(district["已用(亩)"].sum()) == pytest.approx(kpi["供地面积(亩)"], abs=0.005)


def test_group_rows_carry_their_parcels_area_and_share(out: Path) -> None:
    a = _csv(out)
    g = a[a["project_id"] == "J5"].set_index("carrier_id").sort_index()
    assert g["area_mu"].to_dict() == GROUP
    assert float(g["area_mu"].sum()) == BY_ID["J5"]["land_mu"]
    assert g["share"].round(4).tolist() == [0.4286, 0.5714]
    # split in whole 万元 and whole jobs (largest remainder), so the 亩均 figures agree
    assert g["jobs"].tolist() == [3, 4]
    assert g["tax_wan"].tolist() == [429.0, 572.0]
    assert g["investment_yi"].round(4).tolist() == [3.0, 4.0001]
    per_mu = g["investment_yi"] / g["area_mu"]
    assert per_mu.max() - per_mu.min() < 0.0001 / 60
    # the report's placements sheet has the same rows
    sheet = pd.read_excel(out / "report.xlsx", sheet_name="落地项目", dtype={"载体编号": str})
    s = sheet[sheet["项目编号"] == "J5"].set_index("载体编号").sort_index()
    assert s["供地面积(亩)"].tolist() == [60.0, 80.0]
    assert s["总投资(亿元)"].round(4).tolist() == [3.0, 4.0001]
    assert s["分摊比例"].round(4).tolist() == [0.4286, 0.5714]


def _payload(html: str) -> dict[str, Any]:
    m = re.search(
        r"LandallocMap\.init\(map_la\d, landallocGeo, (.*?)\);(?:LandallocMap|\s*$)", html, re.M
    )
    assert m is not None
    p: dict[str, Any] = json.loads(m.group(1))
    return p


def test_map_shows_the_whole_project_amounts_and_the_parcels_share(out: Path) -> None:
    for html in (
        (out / "map.html").read_text(encoding="utf-8"),
        _map_from_result_dir(out),
    ):
        p = _payload(html)
        (j5,) = [row for row in p["projects"] if row[0] == "J5"]
        assert j5[5] == pytest.approx(7.0001) and j5[6] == pytest.approx(3.3333)
        assert j5[7] == pytest.approx(1001) and j5[8] == 7
        shares = sorted(r[4] for rows in p["prow"] for r in rows if p["projects"][r[0]][0] == "J5")
        assert shares == pytest.approx([0.4286, 0.5714])


def _map_from_result_dir(out: Path) -> str:
    target = out.parent / "again.html"
    assert main(["map", str(out), "--out", str(target)]) == 0
    return target.read_text(encoding="utf-8")
