"""``landalloc import``: end-to-end through ``landalloc.cli.main`` with small files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Geod
from shapely.geometry import Polygon, box

from landalloc.cli import main

X0, Y0 = 510_000.0, 3_470_000.0  # EPSG:4549, near 120.1 E, 31.35 N (苏州)
SIDE = 200.0  # 200 m squares: 40 000 m² = 60 亩


def square(i: int, j: int = 0, side: float = SIDE) -> Polygon:
    x, y = X0 + i * 400, Y0 + j * 400
    return box(x, y, x + side, y + side)


def parcels_gdf(
    n: int = 3,
    crs: str | None = "EPSG:4549",
    geometry: list[object] | None = None,
    **cols: list[object],
) -> gpd.GeoDataFrame:
    """Parcels with Chinese headers, ``n`` 60-亩 squares 200 m apart unless ``geometry``."""
    data: dict[str, list[object]] = {
        "地块编号": [f"P{i + 1}" for i in range(n)],
        "片区": ["科技城"] * n,
        "用地性质": ["一类工业用地"] * n,
        "准入产业": ["光子"] * n,
    }
    data.update(cols)
    geoms = geometry if geometry is not None else [square(i) for i in range(n)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs)


def write(gdf: gpd.GeoDataFrame, path: Path, **kw: object) -> Path:
    driver = {".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".gpkg": "GPKG"}[path.suffix]
    pyogrio.write_dataframe(gdf, path, driver=driver, **kw)
    return path


def tables(tmp: Path, *, quotas: str | None = None, projects: str | None = None) -> dict[str, Path]:
    p = tmp / "projects.csv"
    p.write_text(
        projects
        or "project_id,name,cluster,investment_yi,land_mu\n"
        "X1,光子一号,photonics,2,50\nX2,光子二号,photonics,11,55\n",
        encoding="utf-8",
    )
    q = tmp / "quotas.csv"
    q.write_text(
        quotas or "年份,片区,指标(亩)\n2025,全区,1000\n2025,科技城,400\n", encoding="utf-8"
    )
    c = tmp / "clusters.csv"
    c.write_text("集群代码,名称,颜色\nphotonics,光子,#ff0000\n", encoding="utf-8")
    return {"projects": p, "quotas": q, "clusters": c}


def run(tmp: Path, parcels: Path, *extra: str, **over: Path) -> tuple[int, Path]:
    t = tables(tmp)
    t.update(over)
    out = tmp / "out.gpkg"
    args = [
        "import",
        "--parcels",
        str(parcels),
        "--projects",
        str(t["projects"]),
        "--quotas",
        str(t["quotas"]),
        "--clusters",
        str(t["clusters"]),
        "--out",
        str(out),
        *extra,
    ]
    return main(args), out


def test_import_shapefile_writes_gpkg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    code, out = run(tmp_path, shp)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "已导入" in captured.out and "地块 3 宗" in captured.out
    par = gpd.read_file(out, layer="parcels")
    assert sorted(par["parcel_id"]) == ["P1", "P2", "P3"]
    assert set(par["zone"]) == {"科技城"}
    assert set(par["land_use"]) == {"M1"}
    # cluster names are mapped to the codes of the clusters table
    assert set(par["clusters"]) == {"photonics"}
    assert par["area_mu"].tolist() == pytest.approx([60.0] * 3)
    quotas = pyogrio.read_dataframe(out, layer="quotas")
    assert sorted(quotas["zone"]) == ["*", "科技城"]
    assert len(pyogrio.read_dataframe(out, layer="projects")) == 2
    # the written file passes `landalloc validate`
    assert main(["validate", str(out)]) == 0


def test_english_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(crs=None), tmp_path / "parcels.shp", encoding="UTF-8")
    code, out = run(tmp_path, shp)
    assert code == 2
    code, out = (
        main(
            [
                "--lang",
                "en",
                "import",
                "--parcels",
                str(shp),
                "--projects",
                str(tmp_path / "projects.csv"),
                "--quotas",
                str(tmp_path / "quotas.csv"),
                "--out",
                str(tmp_path / "o.gpkg"),
            ]
        ),
        tmp_path / "o.gpkg",
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "no coordinate reference system" in err
    assert not out.exists()


def bad(
    tmp: Path,
    capsys: pytest.CaptureFixture[str],
    parcels: Path,
    *words: str,
    extra: tuple[str, ...] = (),
    **over: Path,
) -> str:
    """Run an import that must fail: exit 2, the words in the message, no output file."""
    code, out = run(tmp, parcels, *extra, **over)
    err = capsys.readouterr().err
    assert code == 2, err
    for w in words:
        assert w in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert not list(tmp.glob(".out.gpkg*"))
    return err


def test_no_crs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(crs=None), tmp_path / "parcels.shp", encoding="UTF-8")
    bad(tmp_path, capsys, shp, "parcels.shp", "没有坐标系")


def test_beijing54(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Beijing 1954 / 3-degree GK CM 120E, coordinates plausible for that CRS
    shp = write(parcels_gdf(crs="EPSG:2437"), tmp_path / "parcels.shp", encoding="UTF-8")
    bad(tmp_path, capsys, shp, "北京54", "CGCS2000")


def test_xian80(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(crs="EPSG:2385"), tmp_path / "parcels.shp", encoding="UTF-8")
    bad(tmp_path, capsys, shp, "西安80", "Xian 1980")


ENGINEERING_WKT = (
    'ENGCRS["Site grid",EDATUM["Site datum"],CS[Cartesian,2],'
    'AXIS["x",east,ORDER[1],LENGTHUNIT["metre",1]],'
    'AXIS["y",north,ORDER[2],LENGTHUNIT["metre",1]]]'
)


def test_local_engineering_crs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gpkg = write(parcels_gdf(crs=ENGINEERING_WKT), tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "局部坐标系")


def test_swapped_axes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geoms = [box(Y0 + 400 * i, X0, Y0 + 400 * i + SIDE, X0 + SIDE) for i in range(3)]
    gdf = parcels_gdf(geometry=geoms)
    shp = write(gdf, tmp_path / "parcels.shp", encoding="UTF-8")
    bad(tmp_path, capsys, shp, "不在坐标系", "颠倒")


def test_zone_prefixed_eastings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geoms = [
        box(40_000_000 + X0 + 400 * i, Y0, 40_000_000 + X0 + 400 * i + SIDE, Y0 + SIDE)
        for i in range(3)
    ]
    shp = write(parcels_gdf(geometry=geoms), tmp_path / "parcels.shp", encoding="UTF-8")
    bad(tmp_path, capsys, shp, "不在坐标系", "带号")


def test_outside_china(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geoms = [box(2.30 + 0.01 * i, 48.85, 2.305 + 0.01 * i, 48.855) for i in range(3)]
    gj = write(parcels_gdf(crs="EPSG:4490", geometry=geoms), tmp_path / "parcels.geojson")
    bad(tmp_path, capsys, gj, "中国境内")


def test_empty_geometry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geoms = [square(0), Polygon(), square(2)]
    gpkg = write(parcels_gdf(geometry=geoms), tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "地块 P2 没有几何图形", "第 2 行")


def test_point_parcel_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geoms = [square(0), square(1).centroid, square(2)]
    gpkg = write(parcels_gdf(geometry=geoms), tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "Point", "必须是面")


def bowtie(i: int) -> Polygon:
    """A square drawn in the order that makes its edges cross (a bow-tie)."""
    x, y = X0 + i * 400, Y0
    return Polygon([(x, y), (x + SIDE, y), (x, y + SIDE), (x + SIDE, y + SIDE)])


def test_irreparable_bowtie(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a bow-tie: the signed area is 0, make_valid gives two triangles of half the square
    geoms = [square(0), bowtie(1), square(2)]
    gpkg = write(parcels_gdf(geometry=geoms), tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "P2", "无法自动修复")


def test_repairable_geometry_is_imported_with_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x, y = X0 + 400, Y0
    # a square with a tiny self-crossing spike at one corner: repair changes the area < 1 %
    spiky = Polygon(
        [
            (x, y),
            (x + SIDE, y),
            (x + SIDE, y + SIDE),
            (x + SIDE + 1, y + SIDE + 1),
            (x + SIDE, y + SIDE + 1),
            (x + SIDE + 1, y + SIDE),
            (x + SIDE, y + SIDE),
            (x, y + SIDE),
        ]
    )
    assert not spiky.is_valid
    geoms = [square(0), spiky, square(2)]
    gpkg = write(parcels_gdf(geometry=geoms), tmp_path / "parcels.gpkg")
    code, out = run(tmp_path, gpkg)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "已自动修复" in captured.out
    par = gpd.read_file(out, layer="parcels")
    assert par.geometry.is_valid.all()
    assert len(par) == 3


def test_repairable_geometry_refused_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x, y = X0 + 400, Y0
    spiky = Polygon(
        [
            (x, y),
            (x + SIDE, y),
            (x + SIDE, y + SIDE),
            (x + SIDE + 1, y + SIDE + 1),
            (x + SIDE, y + SIDE + 1),
            (x + SIDE + 1, y + SIDE),
            (x + SIDE, y + SIDE),
            (x, y + SIDE),
        ]
    )
    gpkg = write(parcels_gdf(geometry=[square(0), spiky, square(2)]), tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "已自动修复", extra=("--strict",))


def test_overlapping_parcels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geoms = [square(0), box(X0 + 100, Y0, X0 + 300, Y0 + SIDE), square(2)]
    gpkg = write(parcels_gdf(geometry=geoms), tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "重叠", "P1", "P2")


def test_unknown_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(
        parcels_gdf(准入产业=["光子", "量子计算", "光子"]), tmp_path / "p.shp", encoding="UTF-8"
    )
    bad(tmp_path, capsys, shp, "量子计算", "clusters")


def test_unknown_zone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    zones = gpd.GeoDataFrame(
        {"片区": ["浒墅关"]},
        geometry=[box(X0 - 1000, Y0 - 1000, X0 + 3000, Y0 + 3000)],
        crs="EPSG:4549",
    )
    zpath = write(zones, tmp_path / "zones.gpkg")
    bad(tmp_path, capsys, shp, "片区代码 科技城", "zones", extra=("--zones", str(zpath)))


def test_unknown_quota_zone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    q = tmp_path / "q.csv"
    q.write_text("年份,片区,指标(亩)\n2025,全区,1000\n2025,东渚,300\n", encoding="utf-8")
    bad(tmp_path, capsys, shp, "q.csv", "东渚", quotas=q)


def test_negative_quota(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    q = tmp_path / "q.csv"
    q.write_text("年份,片区,指标(亩)\n2025,全区,-100\n", encoding="utf-8")
    bad(tmp_path, capsys, shp, "q.csv", "land_mu", "-100", quotas=q)


def test_empty_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gdf = parcels_gdf().iloc[0:0]
    gpkg = write(gdf, tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "parcels.gpkg", "没有任何数据行")


def test_header_only_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    q = tmp_path / "q.csv"
    q.write_text("年份,片区,指标(亩)\n", encoding="utf-8")
    bad(tmp_path, capsys, shp, "q.csv", "没有任何数据行", quotas=q)


def test_output_exists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"keep me")
    code, _ = run(tmp_path, shp)
    err = capsys.readouterr().err
    assert code == 2
    assert "已存在" in err and "--overwrite" in err
    assert out.read_bytes() == b"keep me"
    code, _ = run(tmp_path, shp, "--overwrite")
    assert code == 0, capsys.readouterr().err
    assert len(gpd.read_file(out, layer="parcels")) == 3


def test_output_equals_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gpkg = write(parcels_gdf(), tmp_path / "out.gpkg")
    before = gpkg.read_bytes()
    code, _ = run(tmp_path, gpkg, "--overwrite")
    err = capsys.readouterr().err
    assert code == 2
    assert "与输入文件相同" in err
    assert gpkg.read_bytes() == before


def test_shapefile_gbk_with_cpg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="GBK")
    assert (tmp_path / "parcels.cpg").read_text().strip().upper() == "GBK"
    code, out = run(tmp_path, shp)
    assert code == 0, capsys.readouterr().err
    par = gpd.read_file(out, layer="parcels")
    assert set(par["zone"]) == {"科技城"} and sorted(par["parcel_id"]) == ["P1", "P2", "P3"]


def test_shapefile_gbk_without_cpg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="GBK")
    (tmp_path / "parcels.cpg").unlink()
    bad(tmp_path, capsys, shp, "parcels.shp", "--encoding", "gbk")
    code, out = run(tmp_path, shp, "--encoding", "gbk")
    assert code == 0, capsys.readouterr().err
    par = gpd.read_file(out, layer="parcels")
    assert set(par["zone"]) == {"科技城"}
    assert set(par["clusters"]) == {"photonics"}


def test_geojson_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gj = write(parcels_gdf().to_crs("EPSG:4490"), tmp_path / "parcels.geojson")
    code, out = run(tmp_path, gj)
    assert code == 0, capsys.readouterr().err
    par = gpd.read_file(out, layer="parcels")
    assert par.crs.to_epsg() == 4549
    assert par["area_mu"].tolist() == pytest.approx([60.0] * 3, rel=1e-4)


def test_4326_areas_match_geodesic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lon, lat = 120.45, 31.30
    geoms = [
        box(lon + 0.01 * i, lat, lon + 0.01 * i + 0.004 + 0.001 * i, lat + 0.003) for i in range(3)
    ]
    gj = write(parcels_gdf(crs="EPSG:4326", geometry=geoms), tmp_path / "parcels.geojson")
    code, out = run(tmp_path, gj)
    assert code == 0, capsys.readouterr().err
    par = gpd.read_file(out, layer="parcels").sort_values("parcel_id")
    assert par.crs.to_epsg() == 4549
    geod = Geod(ellps="GRS80")
    for g, got in zip(geoms, par["area_mu"].tolist(), strict=True):
        expected = abs(geod.geometry_area_perimeter(g)[0]) / (10000 / 15)
        assert got == pytest.approx(expected, rel=1e-3)


def test_other_working_crs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    code, out = run(tmp_path, shp, "--crs", "EPSG:4528")
    assert code == 0, capsys.readouterr().err
    par = gpd.read_file(out, layer="parcels")
    assert par.crs.to_epsg() == 4528
    assert par.geometry.bounds["minx"].min() > 40_000_000
    assert par["area_mu"].tolist() == pytest.approx([60.0] * 3)


def test_geographic_working_crs_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    bad(tmp_path, capsys, shp, "--crs", "投影坐标系", extra=("--crs", "EPSG:4490"))


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad(tmp_path, capsys, tmp_path / "nope.shp", "找不到文件", "nope.shp")


def test_bowtie_overlapping_a_neighbour_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x = X0 + 100  # the bow-tie overlaps P1; must be exit 2, not an internal error
    tie = Polygon([(x, Y0), (x + SIDE, Y0), (x, Y0 + SIDE), (x + SIDE, Y0 + SIDE)])
    gpkg = write(parcels_gdf(geometry=[square(0), tie, square(2)]), tmp_path / "parcels.gpkg")
    bad(tmp_path, capsys, gpkg, "无法自动修复")


def test_factories_points(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = write(parcels_gdf(), tmp_path / "parcels.shp", encoding="UTF-8")
    fac = gpd.GeoDataFrame(
        {"厂房编号": ["F1"], "片区": ["科技城"], "可用建筑面积(㎡)": [5000.0]},
        geometry=[square(5).centroid],
        crs="EPSG:4549",
    )
    fpath = write(fac, tmp_path / "factories.gpkg")
    code, out = run(tmp_path, shp, "--factories", str(fpath))
    assert code == 0, capsys.readouterr().err
    got = gpd.read_file(out, layer="factories")
    assert got["factory_id"].tolist() == ["F1"] and got["floor_area_m2"].tolist() == [5000.0]


def test_ids_kept_as_written_and_booleans_stored_as_booleans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids: list[object] = ["DK ①", "DKe\u0301", "DK-3"]  # circled digit, combining accent
    gpkg = write(
        parcels_gdf(地块编号=ids, 片区=["片区 Ⅰ"] * 3, 是否可分割=["是", "否", "1"]),
        tmp_path / "parcels.gpkg",
    )
    projects = tmp_path / "odd_projects.csv"
    projects.write_text(
        "project_id,cluster,investment_yi,land_mu,ready_to_build,pinned_carrier\n"
        "XM-①,photonics,2,50,是,DK ①\nXM 2026 01,photonics,3,55,false,\n",
        encoding="utf-8",
    )
    quotas = tmp_path / "odd_quotas.csv"
    quotas.write_text("年份,片区,指标(亩)\n2025,全区,1000\n2025,片区 Ⅰ,400\n", encoding="utf-8")
    code, out = run(tmp_path, gpkg, projects=projects, quotas=quotas)
    assert code == 0, capsys.readouterr().err
    par = pyogrio.read_dataframe(out, layer="parcels")
    assert par["parcel_id"].tolist() == ids and set(par["zone"]) == {"片区 Ⅰ"}
    assert par["divisible"].dtype == bool and par["divisible"].tolist() == [True, False, True]
    pro = pyogrio.read_dataframe(out, layer="projects")
    assert pro["project_id"].tolist() == ["XM-①", "XM 2026 01"]
    assert pro["pinned_carrier"].tolist() == ["DK ①", ""]
    assert pro["ready_to_build"].dtype == bool and pro["ready_to_build"].tolist() == [True, False]
    assert sorted(pyogrio.read_dataframe(out, layer="quotas")["zone"]) == ["*", "片区 Ⅰ"]
    info = pyogrio.read_info(out, layer="parcels")
    assert info["ogr_subtypes"][list(info["fields"]).index("divisible")] == "OFSTBoolean"
