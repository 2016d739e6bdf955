"""geodata.store, geodata.crs and geodata.geometry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon, box

from geodata import crs as crs_mod
from geodata import geometry as geom_mod
from geodata.report import DataError, Report
from geodata.store import (
    atomic_path,
    build_instance,
    check_output_path,
    check_references,
    from_frames,
    read_tables,
    validate,
    write_tables,
)

X0, Y0 = 510_000.0, 3_470_000.0


def parcels(geoms: list[object], crs: str | None = "EPSG:4549") -> gpd.GeoDataFrame:
    n = len(geoms)
    return gpd.GeoDataFrame(
        {"parcel_id": [f"P{i + 1}" for i in range(n)], "zone": ["z"] * n, "clusters": ["ph"] * n},
        geometry=geoms,
        crs=crs,
    )


def sq(i: int, side: float = 200.0) -> Polygon:
    return box(X0 + 400 * i, Y0, X0 + 400 * i + side, Y0 + side)


def codes(report: Report) -> list[str]:
    return [p.code for p in report]


# --------------------------------------------------------------------------- crs


ESRI_XIAN = (
    'PROJCS["Xian_1980_3_Degree_GK_CM_120E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
    'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
ESRI_LOCAL_TM = (
    'PROJCS["Suzhou_Local",GEOGCS["GCS_Unknown",DATUM["D_Unknown",'
    'SPHEROID["Unknown",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


@pytest.mark.parametrize(
    ("crs", "geoms", "code", "word"),
    [
        (None, [sq(0)], "no_crs", "没有坐标系"),
        ("EPSG:2436", [box(300000, 3470000, 300200, 3470200)], "refused_datum", "北京54"),
        ("EPSG:4214", [box(120.3, 31.3, 120.31, 31.31)], "refused_datum", "北京54"),
        ("EPSG:4610", [box(120.3, 31.3, 120.31, 31.31)], "refused_datum", "西安80"),
        (ESRI_XIAN, [sq(0)], "refused_datum", "西安80"),
        (ESRI_LOCAL_TM, [sq(0)], "local_crs", "局部坐标系"),
        ("EPSG:4549", [box(Y0, X0, Y0 + 200, X0 + 200)], "outside_crs", "X/Y 可能颠倒"),
        ("EPSG:4549", [box(40e6 + X0, Y0, 40e6 + X0 + 200, Y0 + 200)], "outside_crs", "带号"),
        ("EPSG:4490", [box(31.3, 120.3, 31.31, 120.31)], "outside_crs", "经纬度可能颠倒"),
    ],
)
def test_check_crs_refusals(crs: str | None, geoms: list[object], code: str, word: str) -> None:
    report = Report()
    assert crs_mod.check_crs(parcels(geoms, crs), report, file="f", layer="parcels") is None
    assert codes(report) == [code]
    assert word in report.errors[0].text("zh")


def test_check_crs_accepts_cgcs2000_and_wgs84() -> None:
    for crs, g in (("EPSG:4549", sq(0)), ("EPSG:4326", box(120.3, 31.3, 120.31, 31.31))):
        report = Report()
        assert crs_mod.check_crs(parcels([g], crs), report, file="f", layer="p") is not None
        assert not len(report)


def test_working_crs_and_projection() -> None:
    g = parcels([box(120.3, 31.3, 120.31, 31.31)], "EPSG:4490")
    working = crs_mod.working_crs_for(g.crs)
    assert working.to_epsg() == 4549
    projected = crs_mod.to_working(g, working)
    assert projected.crs.to_epsg() == 4549
    assert crs_mod.to_working(projected, "EPSG:4549") is projected


# --------------------------------------------------------------------------- geometry


def test_geometry_empty_point_bowtie_overlap() -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 200, Y0), (X0, Y0 + 200), (X0 + 200, Y0 + 200)])
    geoms = [sq(0), Polygon(), Point(X0, Y0), bowtie, box(X0 + 100, Y0, X0 + 300, Y0 + 200)]
    report = Report()
    geom_mod.check_parcel_geometry(parcels(geoms), report, file="f")
    assert codes(report) == [
        "empty_geometry",
        "not_polygon",
        "irreparable_geometry",
        "overlapping_parcels",
    ]
    assert [p.row for p in report] == [2, 3, 4, 1]
    assert "P5" in report.errors[-1].zh


def test_geometry_small_repair_keeps_polygon() -> None:
    x, y = X0, Y0
    spike = Polygon(
        [
            (x, y),
            (x + 200, y),
            (x + 200, y + 200),
            (x + 201, y + 201),
            (x + 200, y + 201),
            (x + 201, y + 200),
            (x + 200, y + 200),
            (x, y + 200),
        ]
    )
    report = Report()
    out = geom_mod.check_parcel_geometry(parcels([spike]), report, file="f")
    assert codes(report) == ["repaired_geometry"]
    fixed = out.geometry.iloc[0]
    assert fixed.is_valid and fixed.geom_type in ("Polygon", "MultiPolygon")
    assert fixed.area == pytest.approx(40_000, rel=0.01)


def test_touching_parcels_do_not_overlap_and_are_adjacent() -> None:
    geoms = [box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200), sq(3)]
    report = Report()
    out = geom_mod.check_parcel_geometry(parcels(geoms), report, file="f")
    assert not len(report)
    nb = geom_mod.adjacency(out, "parcel_id", "zone")
    assert nb == {"P1": ("P2",), "P2": ("P1",), "P3": ()}


def test_area_mu_needs_projected_crs() -> None:
    assert geom_mod.area_mu(parcels([sq(0)])).tolist() == pytest.approx([60.0])
    with pytest.raises(ValueError):
        geom_mod.area_mu(parcels([box(120.3, 31.3, 120.31, 31.31)], "EPSG:4490"))


# --------------------------------------------------------------------------- store


def frames(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "parcels": parcels([sq(0), sq(1)]),
        "factories": None,
        "projects": pd.DataFrame(
            {"project_id": ["X1"], "cluster": ["ph"], "investment_yi": ["2"], "land_mu": ["50"]}
        ),
        "quotas": pd.DataFrame({"year": ["2025"], "zone": ["*"], "land_mu": ["500"]}),
        "clusters": pd.DataFrame({"cluster": ["ph"], "name_zh": ["光子"]}),
        "zones": None,
    }
    base.update(over)
    return base


def test_from_frames_cites_each_layers_file() -> None:
    report = Report()
    quotas = pd.DataFrame({"year": ["2025"], "zone": ["*"], "land_mu": ["-5"]})
    from_frames(
        **frames(quotas=quotas),  # type: ignore[arg-type]
        report=report,
        file=None,
        files={"parcels": "p.shp", "quotas": "q.csv"},
    )
    assert codes(report) == ["below_min"]
    assert report.errors[0].file == "q.csv"


def test_check_references_cites_each_layers_file() -> None:
    report = Report()
    tables = from_frames(
        **frames(parcels=parcels([sq(0)]).assign(clusters=["nope"])),  # type: ignore[arg-type]
        report=report,
        file=None,
        files={"parcels": "p.shp", "clusters": "c.csv"},
    )
    assert not len(report)
    check_references(tables, report)
    assert "unknown_cluster" in codes(report)
    assert next(p for p in report if p.code == "unknown_cluster").file == "p.shp"


def test_write_read_roundtrip(tmp_path: Path) -> None:
    report = Report()
    tables = from_frames(**frames(), report=report, file=None)  # type: ignore[arg-type]
    assert not report.errors
    out = write_tables(tables, tmp_path / "d.gpkg")
    back, report = validate(out)
    assert not report.errors and back is not None
    assert back.parcels["area_mu"].tolist() == pytest.approx([60.0, 60.0])
    assert back.clusters["cluster"].tolist() == ["ph"]
    with pytest.raises(DataError):
        write_tables(tables, out)
    assert not list(tmp_path.glob(".d.gpkg*"))


def test_read_tables_missing_layer(tmp_path: Path) -> None:
    path = tmp_path / "d.gpkg"
    parcels([sq(0)]).to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
    report = Report()
    assert read_tables(path, report) is None
    assert codes(report) == ["missing_layer"] and "projects" in report.errors[0].zh


def test_atomic_path_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "o.gpkg"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]


def test_check_output_path(tmp_path: Path) -> None:
    inp = tmp_path / "in.gpkg"
    inp.write_bytes(b"x")
    with pytest.raises(DataError, match="same file"):
        check_output_path(tmp_path / "." / "in.gpkg", [inp], overwrite=True)
    with pytest.raises(DataError, match="--overwrite"):
        check_output_path(inp, [], overwrite=False)
    check_output_path(inp, [], overwrite=True)
    check_output_path(tmp_path / "new.gpkg", [inp], overwrite=False)


# --------------------------------------------------------------------------- booleans and ids


def _field(path: Path, layer: str, name: str) -> tuple[str, str, str]:
    """(OGR type, OGR subtype, SQLite declared type) of one field of a GeoPackage layer."""
    info = pyogrio.read_info(path, layer=layer)
    i = list(info["fields"]).index(name)
    with sqlite3.connect(path) as con:
        decl = {r[1]: r[2] for r in con.execute(f'PRAGMA table_info("{layer}")')}
    return info["ogr_types"][i], info["ogr_subtypes"][i], decl[name]


def test_booleans_are_written_as_geopackage_booleans(tmp_path: Path) -> None:
    report = Report()
    par = parcels([sq(0), sq(1)]).assign(divisible=[True, False], listed=[True, None])
    pro = frames()["projects"].assign(ready_to_build=["是"])  # type: ignore[attr-defined]
    tables = from_frames(**frames(parcels=par, projects=pro), report=report, file=None)  # type: ignore[arg-type]
    assert not report.errors
    out = write_tables(tables, tmp_path / "d.gpkg")
    for layer, col in (
        ("parcels", "divisible"),
        ("parcels", "listed"),
        ("projects", "ready_to_build"),
    ):
        assert _field(out, layer, col) == ("OFTInteger", "OFSTBoolean", "BOOLEAN"), (layer, col)
    back = pyogrio.read_dataframe(out, layer="parcels")
    assert back["divisible"].dtype == bool and back["divisible"].tolist() == [True, False]
    pro_back = pyogrio.read_dataframe(out, layer="projects")
    assert pro_back["ready_to_build"].dtype == bool and pro_back["ready_to_build"].tolist() == [
        True
    ]
    again, report = validate(out)
    assert again is not None and not report.errors
    assert again.parcels["divisible"].tolist() == [True, False]


@pytest.mark.parametrize(
    "written",
    [
        ["是", "否", "true", "false", "1", "0"],
        ["True", "False", "yes", "no", "TRUE", "否"],  # older files stored 'True'/'False' text
        [1, 0, 1, 0, 1, 0],
        [True, False, True, False, True, False],
    ],
)
def test_boolean_text_forms_convert_on_input(tmp_path: Path, written: list[object]) -> None:
    path = tmp_path / "in.gpkg"
    n = len(written)
    par = parcels([sq(i) for i in range(n)]).assign(divisible=written)
    par.to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
    pro = pd.DataFrame(
        {
            "project_id": [f"X{i}" for i in range(n)],
            "cluster": ["ph"] * n,
            "investment_yi": [2.0] * n,
            "land_mu": [50.0] * n,
            "ready_to_build": written,
        }
    )
    pyogrio.write_dataframe(pro, path, layer="projects", driver="GPKG")
    quo = pd.DataFrame({"year": [2025], "zone": ["*"], "land_mu": [500.0]})
    pyogrio.write_dataframe(quo, path, layer="quotas", driver="GPKG")
    want = [True, False] * (n // 2)
    tables, report = validate(path)
    assert tables is not None and not report.errors, [p.text("en") for p in report.errors]
    for df, col in ((tables.parcels, "divisible"), (tables.projects, "ready_to_build")):
        assert df[col].tolist() == want and all(type(v) is bool for v in df[col]), col
    out = write_tables(tables, tmp_path / "out.gpkg")
    for layer, col in (("parcels", "divisible"), ("projects", "ready_to_build")):
        back = pyogrio.read_dataframe(out, layer=layer)[col]
        assert back.dtype == bool and back.tolist() == want, (layer, col)


ODD = ("DK ①", "XMe\u0301", "XM 2026 01")  # circled digit, combining accent, inner spaces


def test_ids_and_zone_codes_are_kept_as_written(tmp_path: Path) -> None:
    report = Report()
    par = parcels([sq(0), sq(1)]).assign(parcel_id=[f"  {ODD[0]} ", ODD[1]], zone="片区 Ⅰ")
    pro = pd.DataFrame(
        {
            "project_id": [ODD[2]],
            "cluster": ["ph"],
            "investment_yi": [2.0],
            "land_mu": [50.0],
            "pinned_carrier": [ODD[0]],
        }
    )
    quo = pd.DataFrame({"year": [2025, 2025], "zone": ["*", "片区 Ⅰ"], "land_mu": [500.0, 200.0]})
    tables = from_frames(
        **frames(parcels=par, projects=pro, quotas=quo),  # type: ignore[arg-type]
        report=report,
        file=None,
    )
    check_references(tables, report)
    assert not len(report), [p.text("en") for p in report]
    out = write_tables(tables, tmp_path / "d.gpkg")
    back, report = validate(out)
    assert back is not None and not len(report)
    assert back.parcels["parcel_id"].tolist() == [ODD[0], ODD[1]]  # only the outer blanks go
    assert set(back.parcels["zone"]) == {"片区 Ⅰ"}
    assert back.projects["project_id"].tolist() == [ODD[2]]
    assert back.projects["pinned_carrier"].tolist() == [ODD[0]]
    assert back.quotas["zone"].tolist() == ["*", "片区 Ⅰ"]


def test_ids_equal_after_normalising_are_duplicates_naming_both() -> None:
    report = Report()
    par = parcels([sq(0), sq(1), sq(2)]).assign(parcel_id=["XM-1", "P2", "xm－1"])
    from_frames(**frames(parcels=par), report=report, file="d.gpkg")  # type: ignore[arg-type]
    p = next(p for p in report.errors if p.code == "duplicate_id")
    assert (p.file, p.layer, p.row, p.column) == ("d.gpkg", "parcels", 3, "parcel_id")
    assert "'xm－1'" in p.en and "'XM-1'" in p.en and "row 1" in p.en
    assert "“xm－1”" in p.zh and "“XM-1”" in p.zh and "第 1 行" in p.zh


def test_reference_matching_only_after_normalising_is_read_with_a_warning() -> None:
    report = Report()
    par = parcels([sq(0), sq(1)]).assign(parcel_id=["DK-1", "DK-2"], zone="KJC")
    pro = frames()["projects"].assign(pinned_carrier=["ＤＫ－１"])  # type: ignore[attr-defined]
    quo = pd.DataFrame({"year": [2025, 2025], "zone": ["*", "kjc"], "land_mu": [500.0, 200.0]})
    tables = from_frames(
        **frames(parcels=par, projects=pro, quotas=quo),  # type: ignore[arg-type]
        report=report,
        file="d.gpkg",
    )
    check_references(tables, report)
    assert not report.errors
    warned = {(p.layer, p.column, p.row) for p in report.warnings if p.code == "reference_spelling"}
    assert warned == {("projects", "pinned_carrier", 1), ("quotas", "zone", 2)}
    assert tables.projects["pinned_carrier"].tolist() == ["DK-1"]  # as the parcel spells it
    assert tables.quotas["zone"].tolist() == ["*", "KJC"]
    assert build_instance(tables).projects[0].pinned_carrier == "DK-1"


def test_zone_code_written_two_ways_is_an_error() -> None:
    report = Report()
    par = parcels([sq(0), sq(1), sq(2)]).assign(zone=["A", "A", "Ａ"])
    tables = from_frames(**frames(parcels=par), report=report, file="d.gpkg")  # type: ignore[arg-type]
    check_references(tables, report)
    p = next(p for p in report.errors if p.code == "zone_spelling")
    assert (p.layer, p.row, p.column) == ("parcels", 3, "zone")
    assert "'Ａ'" in p.en and "'A'" in p.en and "row 1" in p.en
