"""geodata.store, geodata.crs and geodata.geometry."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from geodata import crs as crs_mod
from geodata import geometry as geom_mod
from geodata.report import DataError, Report
from geodata.store import (
    atomic_path,
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
