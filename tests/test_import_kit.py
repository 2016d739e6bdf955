"""The import kit (``landalloc template``) and the tables it feeds, through ``landalloc.cli.main``.

Generate the templates → fill them → ``landalloc import`` → ``validate`` → ``solve``; quotas and
clusters from a GeoPackage; clusters derived from the pipeline when none are given. Every test is
bounded by an alarm (:data:`TIME_BOUND_S`) and solves with a 2 s limit.
"""

from __future__ import annotations

import csv
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from builders import CRS, parcel

from landalloc import import_kit
from landalloc.cli import main

TIME_BOUND_S = 90
KIT_FILES = ("项目库.xlsx", "用地指标.xlsx", "产业集群.xlsx", "片区.xlsx")


@pytest.fixture(autouse=True)
def _time_bound() -> Iterator[None]:
    """Fail a test that runs longer than :data:`TIME_BOUND_S` instead of hanging the run."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"test exceeded {TIME_BOUND_S} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIME_BOUND_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------ a small consistent data set

CLUSTERS: list[dict[str, Any]] = [
    {"集群代码": "photonics", "中文名称": "光子", "英文名称": "Photonics", "颜色": "#7b3294"},
    {"集群代码": "biomed", "中文名称": "生物医药", "英文名称": "Biomedicine", "颜色": "#1a9641"},
]
ZONES: list[dict[str, Any]] = [
    {"片区代码": "KJC", "片区名称": "科技城", "英文名称": "Science City"},
    {"片区代码": "SSH", "片区名称": "狮山", "英文名称": "Shishan"},
    {"片区代码": "XSG", "片区名称": "浒墅关", "英文名称": "Xushuguan"},  # no parcels yet
]
QUOTAS: list[dict[str, Any]] = [
    {"年份": 2026, "片区": "全区", "用地指标(亩)": 200},
    {"年份": 2027, "片区": "全区", "用地指标(亩)": 200},
    {"年份": 2026, "片区": "科技城", "用地指标(亩)": 150},  # a zone name: read as KJC
]
PROJECTS: list[dict[str, Any]] = [
    {
        "项目编号": "XM-001",
        "项目名称": "光子芯片基地",
        "产业集群": "光子",
        "项目阶段": "签约",
        "总投资(亿元)": 12,
        "用地面积(亩)": 55,
        "载体类型": "土地",
        "计划开工年份": 2026,
    },
    {
        "项目编号": "XM-002",
        "项目名称": "生物药中试",
        "产业集群": "生物医药",
        "项目阶段": "在谈",
        "总投资(亿元)": 3,
        "用地面积(亩)": 45,
        "计划开工年份": 2027,
    },
    {
        "项目编号": "007",  # a text id with leading zeros
        "项目名称": "光学器件",
        "产业集群": "photonics",
        "项目阶段": "注册",
        "总投资(亿元)": 5,
        "用地面积(亩)": 40,
        "拿地即开工": "否",
    },
]


def parcels_gpkg(
    path: Path, clusters: tuple[str, ...] = ("光子", "光子;生物医药", "生物医药")
) -> Path:
    """Four 60-亩 parcels in zones KJC and SSH (one written by its name 狮山)."""
    rows = [
        parcel("P1", 60, 0, zone="KJC", clusters=clusters[0]),
        parcel("P2", 60, 300, zone="KJC", clusters=clusters[1]),
        parcel("P3", 60, 600, zone="SSH", clusters=clusters[2]),
        parcel("P4", 60, 900, zone="狮山", clusters=""),
    ]
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    pyogrio.write_dataframe(gdf, path, layer="parcels", driver="GPKG")
    return path


def make_kit(tmp: Path) -> Path:
    folder = tmp / "模板"
    assert main(["template", str(folder)]) == 0
    return folder


def fill(path: Path, rows: list[dict[str, Any]]) -> list[str]:
    """Replace the example rows of a template's data sheet by ``rows`` (keyed by header)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    heads = [c.value for c in ws[1]]
    assert all(h in heads for row in rows for h in row), (heads, rows)
    ws.delete_rows(2, ws.max_row)
    for row in rows:
        ws.append([row.get(h) for h in heads])
    wb.save(path)
    return [str(h) for h in heads]


def filled_kit(tmp: Path) -> Path:
    folder = make_kit(tmp)
    fill(folder / "项目库.xlsx", PROJECTS)
    fill(folder / "用地指标.xlsx", QUOTAS)
    fill(folder / "产业集群.xlsx", CLUSTERS)
    fill(folder / "片区.xlsx", ZONES)
    return folder


def solve(tmp: Path, data: Path) -> Path:
    scenario = tmp / "kit.yaml"
    scenario.write_text(
        f"name: kit\ndata: {data.name}\nyears: [2026, 2027]\nsolver: {{time_limit_s: 2}}\n",
        encoding="utf-8",
    )
    out = tmp / "result"
    assert main(["solve", str(scenario), "--out", str(out)]) == 0
    return out


# ------------------------------------------------------------------ the kit


def test_template_writes_the_kit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.monotonic()
    folder = make_kit(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(KIT_FILES)
    assert "landalloc import" in capsys.readouterr().out
    assert import_kit.check_kit() == []
    for tpl in import_kit.TEMPLATES:
        wb = openpyxl.load_workbook(folder / tpl.file)
        assert wb.sheetnames == [tpl.sheet, "说明"]
        data = wb[tpl.sheet]
        heads = [c.value for c in data[1]]
        # every contract column of the layer, under the header the importer reads back
        assert heads == [import_kit.header(c) for c in import_kit.columns(tpl.layer)]
        assert len(heads) == len({c.name for c in import_kit.columns(tpl.layer)})
        # the 说明 sheet explains every template column
        notes = wb["说明"]
        explained = {row[0] for row in notes.iter_rows(values_only=True)}
        assert set(heads) <= explained, set(heads) - explained
        names = {row[1] for row in notes.iter_rows(values_only=True)}
        assert {c.name for c in import_kit.columns(tpl.layer)} <= names
        # example rows, and every text cell stored as text
        assert data.max_row == 1 + len(tpl.examples)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                assert all(c.data_type != "f" for c in row)
    projects = openpyxl.load_workbook(folder / "项目库.xlsx")["项目库"]
    lists = [dv.formula1 for dv in projects.data_validations.dataValidation]
    assert '"在谈,签约,注册"' in lists and '"是,否"' in lists
    # an existing kit is not replaced without --overwrite
    assert main(["template", str(folder)]) == 2
    assert main(["template", str(folder), "--overwrite"]) == 0
    assert time.monotonic() - t0 < TIME_BOUND_S


def test_kit_round_trip_import_validate_solve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = filled_kit(tmp_path)
    parcels = parcels_gpkg(tmp_path / "地块.gpkg")
    data = tmp_path / "数据.gpkg"
    code = main(
        [
            "import",
            "--parcels",
            str(parcels),
            "--projects",
            str(folder / "项目库.xlsx"),
            "--quotas",
            str(folder / "用地指标.xlsx"),
            "--clusters",
            str(folder / "产业集群.xlsx"),
            "--zones",
            str(folder / "片区.xlsx"),
            "--out",
            str(data),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err + captured.out
    assert "derived_clusters" not in captured.out
    projects = pyogrio.read_dataframe(data, layer="projects")
    assert sorted(projects["project_id"]) == ["007", "XM-001", "XM-002"]
    assert set(projects["cluster"]) == {"photonics", "biomed"}
    assert set(projects["stage"]) == {"signed", "negotiating", "registered"}
    par = pyogrio.read_dataframe(data, layer="parcels")
    assert sorted(par["zone"]) == ["KJC", "KJC", "SSH", "SSH"]  # 狮山 → SSH
    assert set(par["clusters"]) == {"photonics", "biomed;photonics", "biomed", ""}
    quotas = pyogrio.read_dataframe(data, layer="quotas")
    assert sorted(zip(quotas["year"], quotas["zone"], strict=True)) == [
        (2026, "*"),
        (2026, "KJC"),
        (2027, "*"),
    ]
    zones = gpd.read_file(data, layer="zones")
    assert list(zones["zone"]) == ["KJC", "SSH", "XSG"]
    assert list(zones["name_zh"]) == ["科技城", "狮山", "浒墅关"]
    # outlines around each zone's parcels; none for a zone without carriers
    assert [a > 0 for a in zones.geometry.area] == [True, True, False]
    assert main(["validate", str(data)]) == 0
    out = solve(tmp_path, data)
    with (out / "assignments.csv").open(encoding="utf-8-sig") as fh:
        placed = {row["project_id"] for row in csv.DictReader(fh)}
    assert placed, "no project placed"
    assert placed <= {"007", "XM-001", "XM-002"}


def test_quotas_and_clusters_from_a_geopackage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = filled_kit(tmp_path)
    tables = tmp_path / "tables.gpkg"
    quotas = pd.DataFrame({"year": [2026, 2027], "zone": ["*", "*"], "land_mu": [200.0, 200.0]})
    pyogrio.write_dataframe(quotas, tables, layer="quotas", driver="GPKG")
    clusters = pd.DataFrame({"集群代码": ["photonics", "biomed"], "中文名称": ["光子", "生物医药"]})
    pyogrio.write_dataframe(clusters, tables, layer="clusters", driver="GPKG", append=True)
    zones = pd.DataFrame({"zone": ["KJC", "SSH"], "片区名称": ["科技城", "狮山"]})
    pyogrio.write_dataframe(zones, tables, layer="zones", driver="GPKG", append=True)
    parcels = parcels_gpkg(tmp_path / "p.gpkg")
    data = tmp_path / "a.gpkg"
    args = ["import", "--parcels", str(parcels), "--projects", str(folder / "项目库.xlsx")]
    code = main(
        [
            *args,
            "--quotas",
            str(tables),
            "--clusters",
            str(tables),
            "--zones",
            str(tables),
            "--out",
            str(data),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err + captured.out
    assert sorted(pyogrio.read_dataframe(data, layer="parcels")["zone"]) == [
        "KJC",
        "KJC",
        "SSH",
        "SSH",
    ]
    assert list(pyogrio.read_dataframe(data, layer="zones")["name_zh"]) == ["科技城", "狮山"]
    assert sorted(pyogrio.read_dataframe(data, layer="clusters")["cluster"]) == [
        "biomed",
        "photonics",
    ]
    assert len(pyogrio.read_dataframe(data, layer="quotas")) == 2
    # the same layers inside the --parcels GeoPackage are found without the options
    both = parcels_gpkg(tmp_path / "both.gpkg")
    pyogrio.write_dataframe(quotas, both, layer="quotas", driver="GPKG", append=True)
    pyogrio.write_dataframe(clusters, both, layer="clusters", driver="GPKG", append=True)
    data2 = tmp_path / "b.gpkg"
    code = main(
        [
            "import",
            "--parcels",
            str(both),
            "--projects",
            str(folder / "项目库.xlsx"),
            "--out",
            str(data2),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err + captured.out
    assert "layer_from_parcels" in captured.out
    assert set(pyogrio.read_dataframe(data2, layer="projects")["cluster"]) == {
        "photonics",
        "biomed",
    }
    assert main(["validate", str(data2)]) == 0
    # a GeoPackage without the layer: exit 2, the layers it has are named
    assert main([*args, "--quotas", str(parcels), "--out", str(tmp_path / "c.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "missing_layer" in err and "parcels" in err and "quotas" in err


def test_import_without_clusters_derives_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = filled_kit(tmp_path)
    fill(
        folder / "项目库.xlsx",
        [{**p, "产业集群": p["产业集群"].replace("photonics", "光子")} for p in PROJECTS],
    )
    parcels = parcels_gpkg(tmp_path / "p.gpkg")
    data = tmp_path / "d.gpkg"
    args = [
        "import",
        "--parcels",
        str(parcels),
        "--projects",
        str(folder / "项目库.xlsx"),
        "--quotas",
        str(folder / "用地指标.xlsx"),
        "--zones",
        str(folder / "片区.xlsx"),
    ]
    code = main([*args, "--out", str(data)])
    captured = capsys.readouterr()
    assert code == 0, captured.err + captured.out
    assert "derived_clusters" in captured.out and "2 个产业集群" in captured.out
    clusters = pyogrio.read_dataframe(data, layer="clusters")
    assert sorted(clusters["cluster"]) == ["光子", "生物医药"]
    assert main(["validate", str(data)]) == 0
    # parcels that admit clusters by codes the pipeline does not use: one error per code
    coded = parcels_gpkg(tmp_path / "coded.gpkg", ("photonics", "photonics;biomed", "biomed"))
    code = main(
        [
            "import",
            "--parcels",
            str(coded),
            "--projects",
            str(folder / "项目库.xlsx"),
            "--quotas",
            str(folder / "用地指标.xlsx"),
            "--zones",
            str(folder / "片区.xlsx"),
            "--out",
            str(tmp_path / "e.gpkg"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("[unknown_cluster]") == 2, err
    assert "photonics" in err and "--clusters" in err and "landalloc template" in err


def test_unknown_cluster_hint_shows_codes_and_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = filled_kit(tmp_path)
    parcels = parcels_gpkg(tmp_path / "p.gpkg", ("光子", "量子", "生物医药"))
    code = main(
        [
            "import",
            "--parcels",
            str(parcels),
            "--projects",
            str(folder / "项目库.xlsx"),
            "--quotas",
            str(folder / "用地指标.xlsx"),
            "--clusters",
            str(folder / "产业集群.xlsx"),
            "--out",
            str(tmp_path / "x.gpkg"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "量子" in err and "biomed（生物医药）" in err and "photonics（光子）" in err


def test_missing_quotas_names_the_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = filled_kit(tmp_path)
    parcels = parcels_gpkg(tmp_path / "p.gpkg")
    code = main(
        [
            "import",
            "--parcels",
            str(parcels),
            "--projects",
            str(folder / "项目库.xlsx"),
            "--out",
            str(tmp_path / "x.gpkg"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "missing_quotas" in err and "--quotas" in err and "landalloc template" in err
