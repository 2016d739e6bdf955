"""geodata.vector: encodings, header synonyms, layers, tables, working CRS."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from pyproj import CRS
from shapely.geometry import box

from geodata import vector
from geodata.report import Report

X0, Y0 = 510_000.0, 3_470_000.0


def gdf(names: list[str], crs: str = "EPSG:4549", **cols: list[object]) -> gpd.GeoDataFrame:
    data: dict[str, list[object]] = {
        "地块编号": [f"P{i}" for i in range(len(names))],
        "片区": names,
    }
    data.update(cols)
    geoms = [box(X0 + 400 * i, Y0, X0 + 400 * i + 200, Y0 + 200) for i in range(len(names))]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs)


def codes(report: Report) -> list[str]:
    return [p.code for p in report]


# --------------------------------------------------------------------------- headers


def test_map_columns_synonyms_and_units() -> None:
    df = pd.DataFrame(
        {
            "宗地编号": ["A"],
            "园区": ["科技城"],
            "用地性质": ["新型产业用地"],
            "面积（公顷）": ["2"],
            "准入产业": ["光子"],
            "备注": ["x"],
        }
    )
    report = Report()
    out = vector.map_columns(df, "parcels", report, file="f.shp")
    assert not len(report)
    assert list(out.columns) == ["parcel_id", "zone", "land_use", "area_mu", "clusters", "备注"]
    assert out["area_mu"].tolist() == [30.0]
    assert out["land_use"].tolist() == ["M0"]


def test_map_columns_square_metres_and_bad_number_left_for_schema() -> None:
    df = pd.DataFrame({"地块编号": ["A", "B"], "面积(㎡)": ["6666.666667", "约五亩"]})
    out = vector.map_columns(df, "parcels", Report(), file=None)
    assert out["area_mu"].tolist()[0] == pytest.approx(10.0)
    assert out["area_mu"].tolist()[1] == "约五亩"


def test_map_columns_ambiguous_is_error() -> None:
    df = pd.DataFrame({"地块编号": ["A"], "宗地编号": ["B"]})
    report = Report()
    out = vector.map_columns(df, "parcels", report, file="f.shp")
    assert codes(report) == ["ambiguous_column"]
    assert "地块编号" in report.errors[0].zh and "宗地编号" in report.errors[0].zh
    assert list(out.columns).count("parcel_id") == 1


def test_map_columns_area_without_unit_warns() -> None:
    report = Report()
    out = vector.map_columns(pd.DataFrame({"面积": ["5"]}), "parcels", report, file=None)
    assert codes(report) == ["area_without_unit"]
    assert "area_mu" not in out.columns


def test_quota_district_words() -> None:
    df = pd.DataFrame(
        {"年份": ["2025", "2025"], "片区": ["全区", "科技城"], "指标(公顷)": ["10", "2"]}
    )
    out = vector.map_columns(df, "quotas", Report(), file=None)
    assert out["zone"].tolist() == ["*", "科技城"]
    assert out["land_mu"].tolist() == [150.0, 30.0]


def test_land_use_values() -> None:
    df = pd.DataFrame({"用地性质": ["M2二类工业", "三类工业用地", "工业用地"]})
    out = vector.map_columns(df, "parcels", Report(), file=None)
    assert out["land_use"].tolist() == ["M2", "M3", "工业用地"]


def test_translate_clusters() -> None:
    clusters = pd.DataFrame({"cluster": ["ph", "bio"], "name_zh": ["光子", "生物医药"]})
    df = pd.DataFrame({"clusters": ["光子、生物医药", "ph", "", "量子"]})
    out = vector.translate_clusters(df, "clusters", clusters)
    assert out["clusters"].tolist() == ["ph;bio", "ph", "", "量子"]


# --------------------------------------------------------------------------- Shapefile encodings


def test_utf8_shapefile_without_cpg(tmp_path: Path) -> None:
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(gdf(["科技城", "东渚"]), path, encoding="UTF-8")
    (tmp_path / "p.cpg").unlink()
    report = Report()
    assert vector.shapefile_encoding(path, report, encoding=None) == "utf-8"
    out = vector.read_vector(path, report)
    assert out is not None and not report.errors
    # GDAL cut the 12-byte UTF-8 header 地块编号 to 10 bytes; the remains are dropped ...
    assert "地块编" in out.columns and out["片区"].tolist() == ["科技城", "东渚"]
    # ... and the cut header is still recognised
    mapped = vector.map_columns(out, "parcels", report, file="p.shp", truncated=["地块编"])
    assert "parcel_id" in mapped.columns


def test_gbk_shapefile_without_cpg_refused_then_read(tmp_path: Path) -> None:
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(gdf(["科技城"]), path, encoding="GBK")
    (tmp_path / "p.cpg").unlink()
    report = Report()
    assert vector.read_vector(path, report) is None
    assert codes(report) == ["unknown_encoding"]
    assert "--encoding gbk" in report.errors[0].zh and "p.shp" in report.errors[0].zh
    report = Report()
    out = vector.read_vector(path, report, encoding="GBK")
    assert out is not None and out["片区"].tolist() == ["科技城"]
    assert "地块编号" in out.columns


def test_gbk_language_driver_byte_is_a_declaration(tmp_path: Path) -> None:
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(gdf(["科技城"]), path, encoding="GBK")
    (tmp_path / "p.cpg").unlink()
    dbf = bytearray((tmp_path / "p.dbf").read_bytes())
    dbf[29] = 0x4D
    (tmp_path / "p.dbf").write_bytes(bytes(dbf))
    report = Report()
    out = vector.read_vector(path, report)
    assert out is not None and out["片区"].tolist() == ["科技城"]


def test_wrong_cpg(tmp_path: Path) -> None:
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(gdf(["科技城"]), path, encoding="GBK")
    (tmp_path / "p.cpg").write_text("UTF-8")
    report = Report()
    assert vector.read_vector(path, report) is None
    assert codes(report) == ["bad_encoding"] and "p.cpg" in report.errors[0].zh
    report = Report()
    out = vector.read_vector(path, report, encoding="gbk")
    assert out is not None and out["片区"].tolist() == ["科技城"]
    assert codes(report) == ["encoding_override"]


def test_cpg_code_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(gdf(["科技城"]), path, encoding="GBK")
    (tmp_path / "p.cpg").write_text("ANSI 936")
    out = vector.read_vector(path, Report())
    assert out is not None and out["片区"].tolist() == ["科技城"]


def test_unknown_encoding_name(tmp_path: Path) -> None:
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(gdf(["科技城"]), path, encoding="GBK")
    report = Report()
    assert vector.read_vector(path, report, encoding="klingon") is None
    assert codes(report) == ["unknown_encoding"]


# --------------------------------------------------------------------------- formats and layers


def test_geojson_in_gbk(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    text = gdf(["科技城"]).to_crs("EPSG:4490").to_json()
    path.write_bytes(json.dumps(json.loads(text), ensure_ascii=False).encode("gbk"))
    report = Report()
    assert vector.read_vector(path, report) is None
    assert codes(report) == ["unknown_encoding"] and "--encoding" in report.errors[0].zh
    out = vector.read_vector(path, Report(), encoding="gbk")
    assert out is not None and out["片区"].tolist() == ["科技城"]


def test_multilayer_gpkg(tmp_path: Path) -> None:
    path = tmp_path / "d.gpkg"
    pyogrio.write_dataframe(gdf(["a"]), path, layer="roads")
    pyogrio.write_dataframe(gdf(["b", "c"]), path, layer="dk")
    report = Report()
    assert vector.read_vector(path, report) is None
    assert codes(report) == ["choose_layer"] and "--parcels-layer" in report.errors[0].zh
    out = vector.read_vector(path, Report(), layer="dk")
    assert out is not None and len(out) == 2 and out.attrs["layer"] == "dk"
    report = Report()
    assert vector.read_vector(path, report, layer="nope") is None
    assert codes(report) == ["missing_layer"] and "dk" in report.errors[0].zh
    pyogrio.write_dataframe(gdf(["d"]), path, layer="parcels")
    out = vector.read_vector(path, Report(), prefer=("parcels",))
    assert out is not None and out["片区"].tolist() == ["d"]


def test_filegdb(tmp_path: Path) -> None:
    path = tmp_path / "d.gdb"
    pyogrio.write_dataframe(gdf(["科技城"]), path, layer="parcels", driver="OpenFileGDB")
    out = vector.read_vector(path, Report())
    assert out is not None and out["片区"].tolist() == ["科技城"]
    assert out.crs.to_epsg() == 4549


def test_unsupported_and_missing(tmp_path: Path) -> None:
    report = Report()
    (tmp_path / "p.dwg").write_bytes(b"x")
    assert vector.read_vector(tmp_path / "p.dwg", report) is None
    assert vector.read_vector(tmp_path / "none.shp", report) is None
    assert codes(report) == ["unsupported_format", "no_file"]


def test_read_layer_projects_and_maps(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    pyogrio.write_dataframe(gdf(["科技城"]).to_crs("EPSG:4490"), path, driver="GeoJSON")
    report = Report()
    out = vector.read_layer(path, report, kind="parcels", working=CRS("EPSG:4549"))
    assert out is not None and not len(report)
    assert out.crs.to_epsg() == 4549 and "parcel_id" in out.columns
    assert out.geometry.area.iloc[0] == pytest.approx(40_000, rel=1e-6)


def test_read_layer_outside_working_crs_warns(tmp_path: Path) -> None:
    # Urumqi (87.6 E) projected to the 120 E zone is badly distorted
    g = gpd.GeoDataFrame(
        {"地块编号": ["A"], "片区": ["z"]},
        geometry=[box(87.6, 43.8, 87.602, 43.802)],
        crs="EPSG:4490",
    )
    path = tmp_path / "p.gpkg"
    pyogrio.write_dataframe(g, path)
    report = Report()
    out = vector.read_layer(path, report, kind="parcels", working=CRS("EPSG:4549"))
    assert out is not None
    assert codes(report) == ["outside_working_crs"]


# --------------------------------------------------------------------------- tables


def test_csv_encodings(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes("年份,片区,指标(亩)\n2025,全区,100\n".encode("gbk"))
    report = Report()
    assert vector.read_table(path, report, kind="quotas") is None
    assert codes(report) == ["unknown_encoding"] and "--encoding gbk" in report.errors[0].zh
    df = vector.read_table(path, Report(), kind="quotas", encoding="gbk")
    assert df is not None and list(df.columns) == ["年份", "片区", "指标(亩)"]
    path.write_bytes("\ufeff年份,片区\n\n2025,全区\n,\n".encode())
    df = vector.read_table(path, Report(), kind="quotas")
    assert df is not None and df.values.tolist() == [["2025", "全区"]]


def test_csv_empty_and_header_only(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("")
    report = Report()
    assert vector.read_table(path, report, kind="quotas") is None
    assert codes(report) == ["empty_file"]
    path.write_text("年份,片区,指标(亩)\n")
    df = vector.read_table(path, Report(), kind="quotas")
    assert df is not None and len(df) == 0 and len(df.columns) == 3


def test_xlsx_sheet(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="说明", index=False)
        pd.DataFrame({"集群代码": ["ph"], "名称": ["光子"]}).to_excel(
            xl, sheet_name="集群", index=False
        )
    df = vector.read_table(path, Report(), kind="clusters", sheet="集群")
    assert df is not None and df["集群代码"].tolist() == ["ph"]
    report = Report()
    assert vector.read_table(path, report, kind="clusters", sheet="无") is None
    assert codes(report) == ["missing_sheet"] and "集群" in report.errors[0].zh


# --------------------------------------------------------------------------- working CRS and checks


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("EPSG:4549", True),
        ("EPSG:4528", True),
        ("EPSG:4490", False),
        ("EPSG:2385", False),
        ("EPSG:2436", False),
        ("no such crs", False),
        ("GCJ02", False),
        ("BD-09", False),
    ],
)
def test_parse_working_crs(text: str, ok: bool) -> None:
    report = Report()
    assert (vector.parse_working_crs(text, report) is not None) is ok
    assert bool(report.errors) is not ok


def test_parse_working_crs_gcj02_names_the_conversion() -> None:
    report = Report()
    assert vector.parse_working_crs("GCJ-02", report) is None
    assert codes(report) == ["obfuscated_crs"] and report.errors[0].column == "--crs"
    assert "坐标转换工具" in report.errors[0].zh and "coordinate conversion" in report.errors[0].en


def test_read_layer_past_the_zone_edge_does_not_warn(tmp_path: Path) -> None:
    # Kunshan (121.0 E) lies past UTM 50N's nominal 120 E edge; in the default working CRS
    # (CM 120 E) its areas are right, and read in UTM 50N it is still a sane place in China
    g = gpd.GeoDataFrame(
        {"地块编号": ["A"], "片区": ["z"]},
        geometry=[box(121.0, 31.3, 121.002, 31.302)],
        crs="EPSG:4326",
    ).to_crs("EPSG:32650")
    path = tmp_path / "p.gpkg"
    pyogrio.write_dataframe(g, path)
    report = Report()
    out = vector.read_layer(path, report, kind="parcels", working=CRS("EPSG:4549"))
    assert out is not None and not len(report)
    assert out.crs.to_epsg() == 4549


def test_check_area_column_warns_on_mismatch() -> None:
    g = gdf(["a", "b"], area_mu=[60.0, 90.0])
    report = Report()
    vector.check_area_column(g, report, file="p.shp")
    assert codes(report) == ["area_mismatch"] and report.warnings[0].row == 2


def test_check_point_or_polygon() -> None:
    from shapely.geometry import LineString, Point

    g = gpd.GeoDataFrame(
        {"factory_id": ["F1", "F2", "F3"]},
        geometry=[Point(X0, Y0), LineString([(X0, Y0), (X0 + 1, Y0)]), None],
        crs="EPSG:4549",
    )
    report = Report()
    vector.check_point_or_polygon(g, report, file="f", layer="factories", id_column="factory_id")
    assert codes(report) == ["bad_geometry_type", "empty_geometry"]
    assert [p.row for p in report] == [2, 3]
