"""Chinese outputs name things; codes stay in their own columns (issue 15).

``report.xlsx`` and the comparison (``kpi_table``, ``compare.xlsx``) are read by people: in Chinese
(the default) a cell shows 片区、集群、阶段、载体类型、开工条件 and the solve status by name, never
by the code of the data (``KJC``, ``biomed``, ``signed``, ``factory``, ``ready_by``, ``FEASIBLE``,
``*``). Codes are kept in columns of their own (headers with 代码/编号) for machines. The codes
checked for are taken from the data and the result itself, not written here by hand.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from builders import parcel, project, tables, write_gpkg
from shapely.geometry import box

import optimizer.search
from geodata.instance import STAGES
from geodata.store import load
from landalloc.cli import main
from landalloc.compare import kpi_table
from optimizer.readiness import Status

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "demo.gpkg"
BASELINE = REPO / "scenarios" / "baseline.yaml"
_CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def _solve(out: Path, *lang: str) -> Path:
    args = [*lang, "solve", str(BASELINE), "--out", str(out), "--time-limit", "3"]
    assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def zh_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve(tmp_path_factory.mktemp("names") / "zh")


@pytest.fixture(scope="module")
def en_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve(tmp_path_factory.mktemp("names") / "en", "--lang", "en")


def _demo_codes(out: Path) -> dict[str, set[str]]:
    """Every code of the demo data and of its result, by kind (from the data, not by hand)."""
    _, t, _ = load(DEMO)
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert t.zones is not None
    codes = {
        "cluster": set(t.clusters["cluster"]) | set(t.projects["cluster"]),
        "stage": set(t.projects["stage"]) | set(STAGES),
        "carrier_kind": set(a["carrier_kind"]),
        "readiness": (set(a["readiness"]) - {""}) | set(typing.get_args(Status)),
        "status": {summary["status"], *optimizer.search.STATUS.values()},
        "zone": set(t.zones["zone"]) | set(t.parcels["zone"]) | set(t.factories["zone"]),
        "district": set(t.quotas["zone"]) - set(t.zones["zone"]),
    }
    # the demo exercises every kind: both carrier kinds, a readiness code, the district quota
    assert codes["carrier_kind"] == {"parcel", "factory"}
    assert codes["district"] == {"*"}
    assert {"biomed", "KJC", "signed", "ready_by", "FEASIBLE"} <= set().union(*codes.values())
    return codes


def _code_in(text: str, codes: Iterable[str]) -> str | None:
    """The first code that ``text`` equals or holds as a token (letters/digits/_ runs; ``*``)."""
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    for c in codes:
        if text == c or (c == "*" and "*" in text) or c in words:
            return c
    return None


def _is_code_column(header: Any) -> bool:
    h = str(header or "")
    return "代码" in h or "编号" in h or h.endswith("_id") or h == "id"


def _code_cells(path: Path, codes: set[str]) -> list[tuple[str, str, str, str]]:
    """(sheet, header, cell, code) for every cell outside a code column that shows a code."""
    wb = openpyxl.load_workbook(path)
    bad = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        head = rows[0]
        for row in rows:
            for h, v in zip(head, row, strict=False):
                if v is None or _is_code_column(h) or isinstance(v, bool | int | float):
                    continue
                hit = _code_in(str(v), codes)
                if hit is not None:
                    bad.append((ws.title, str(h), str(v), hit))
    return bad


def test_no_data_code_in_the_chinese_report(zh_out: Path) -> None:
    codes = set().union(*_demo_codes(zh_out).values())
    bad = _code_cells(zh_out / "report.xlsx", codes)
    assert not bad, bad[:20]


def test_the_chinese_report_shows_the_names_of_the_data(zh_out: Path) -> None:
    _, t, _ = load(DEMO)
    assert t.zones is not None
    zone_zh = dict(zip(t.zones["zone"], t.zones["name_zh"], strict=True))
    cluster_zh = dict(zip(t.clusters["cluster"], t.clusters["name_zh"], strict=True))
    sheets = pd.read_excel(zh_out / "report.xlsx", sheet_name=None, dtype=str)
    placed = sheets["落地项目"]
    # the names, and beside them the codes, row by row
    assert placed["集群代码"].map(cluster_zh).tolist() == placed["产业集群"].tolist()
    assert placed["片区代码"].map(zone_zh).tolist() == placed["片区"].tolist()
    assert set(placed["项目阶段"]) <= {"在谈", "签约", "注册"}
    assert set(placed["载体类型"]) == {"地块", "标准厂房"}
    quota = sheets["用地指标"]
    assert set(quota.loc[quota["片区代码"] == "*", "片区"]) == {"全区"}
    assert set(quota.loc[quota["片区代码"] != "*", "片区"]) <= set(zone_zh.values())
    kpi = sheets["指标"].set_index("指标")
    assert kpi.loc["求解状态"].iloc[0] in {"已证明最优", "可行解"}


def test_the_english_report_is_english(en_out: Path) -> None:
    _, t, _ = load(DEMO)
    assert t.zones is not None
    zone_en = dict(zip(t.zones["zone"], t.zones["name_en"], strict=True))
    cluster_en = dict(zip(t.clusters["cluster"], t.clusters["name_en"], strict=True))
    wb = openpyxl.load_workbook(en_out / "report.xlsx")
    assert wb.sheetnames == ["KPIs", "placements", "unplaced", "quota use", "readiness", "schedule"]
    for ws in wb.worksheets:
        heads = [str(c.value or "") for c in ws[1]]
        assert not any(_CJK.search(h) for h in heads), (ws.title, heads)
    kpi_labels = [str(c.value or "") for c in wb["KPIs"]["A"]]
    assert not any(_CJK.search(v) for v in kpi_labels), kpi_labels
    sheets = pd.read_excel(en_out / "report.xlsx", sheet_name=None, dtype=str)
    placed = sheets["placements"]
    assert placed["cluster"].map(cluster_en).tolist() == placed["cluster_name"].tolist()
    assert placed["zone"].map(zone_en).tolist() == placed["zone_name"].tolist()
    assert set(placed["carrier_kind_name"]) == {"Parcel", "Factory"}
    unplaced = sheets["unplaced"]
    if len(unplaced):
        assert not unplaced["reason"].map(lambda s: bool(_CJK.search(s))).any()
    quota = sheets["quota use"]
    assert set(quota.loc[quota["zone"] == "*", "zone_name"]) == {"district"}
    kpi = sheets["KPIs"].set_index("KPI")
    assert kpi.loc["status"].iloc[0] in {"optimal (proven)", "feasible"}


# --------------------------------------------------------------------------- comparison

ZONES = {"A": ("东区", "East Zone"), "B": ("西区", "West Zone")}


def _tiny(tmp_path: Path) -> tuple[Path, Path]:
    """Two scenarios on tiny data whose zones layer names zones A and B; B's quota is cut."""
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
        {2026: 200.0},
        zone_quotas={(2026, "A"): 100.0, (2026, "B"): 100.0},
    )
    x0, y0, x1, y1 = t.parcels.total_bounds
    t.zones = gpd.GeoDataFrame(
        {
            "zone": list(ZONES),
            "name_zh": [v[0] for v in ZONES.values()],
            "name_en": [v[1] for v in ZONES.values()],
        },
        geometry=[box(x0 - 10, y0 - 10, x0 + 2500, y1 + 10), box(x0 + 2500, y0 - 10, x1 + 10, y1)],
        crs=t.parcels.crs,
    )
    write_gpkg(t, tmp_path / "d.gpkg")
    head = "data: d.gpkg\nyears: [2026]\nsolver: {time_limit_s: 1, deterministic: true}\n"
    a = tmp_path / "base.yaml"
    a.write_text("name: 基准\n" + head, encoding="utf-8")
    b = tmp_path / "cut.yaml"
    b.write_text(
        "name: 压减\n" + head + "quotas:\n  override:\n    - {year: 2026, zone: B, land_mu: 10}\n",
        encoding="utf-8",
    )
    return a, b


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cmp")
    a, b = _tiny(d)
    out = d / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out), "--no-map"]) == 0
    return out


def test_the_chinese_comparison_names_zones_like_the_map(compared: Path) -> None:
    k = pd.read_csv(compared / "kpi_table.csv", encoding="utf-8-sig", dtype=str).set_index("key")
    assert k.loc["quota:2026:A", "指标"] == "2026年 东区 用地指标(亩)"
    assert k.loc["quota_used:2026:B", "指标"] == "2026年 西区 已用指标(亩)"
    assert k.loc["quota:2026:*", "指标"] == "2026年 全区 用地指标(亩)"
    assert set(k.loc["status", ["基准", "压减"]]) <= {"已证明最优", "可行解"}
    codes = {*ZONES, "*", "OPTIMAL", "FEASIBLE", "c1", "c2", "signed", "negotiating"}
    bad = _code_cells(compared / "compare.xlsx", codes)
    assert not bad, bad
    # the lost project's cause names the zone whose quota ran out
    d = pd.read_csv(compared / "differences.csv", encoding="utf-8-sig", dtype=str)
    lost = d[d["change"] == "未落地"]
    assert len(lost) == 1 and "西区" in lost["cause"].item(), d.to_dict("records")


def test_kpi_table_names_zones_in_english_too(compared: Path) -> None:
    folders = [compared / "base", compared / "cut"]
    zh = kpi_table(folders, ["基准", "压减"], "zh").set_index("key")
    en = kpi_table(folders, ["base", "cut"], "en").set_index("key")
    # the result folders name the data, so the names are found without being passed in
    assert zh.loc["quota:2026:B", "指标"] == "2026年 西区 用地指标(亩)"
    assert en.loc["quota:2026:B", "kpi"] == "2026 West Zone quota (mu)"
    assert en.loc["quota:2026:*", "kpi"] == "2026 district quota (mu)"
    assert set(en.loc["status", ["base", "cut"]]) <= {"optimal (proven)", "feasible"}
