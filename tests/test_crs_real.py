"""Real coordinate systems (issue 15): UTM, CGCS2000 Gauss-Kruger zones, lon/lat, Web Mercator.

Small GeoPackages of the same parcels in southern Jiangsu (Wuxi near 120.3 E, Kunshan near 121.0 E,
east of UTM zone 50N's nominal 120 E edge) are built from WGS 84 with geopandas in every CRS and
go through ``landalloc validate`` (and one through ``landalloc solve``); wrong zones, swapped axes,
coordinates far from China and GCJ-02 / BD-09 are refused with one clear message.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import CRS, Geod
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon, box

from geodata import crs as crs_mod
from geodata.report import Report
from geodata.store import validate
from geodata.units import M2_PER_MU
from landalloc.cli import main

TIME_LIMIT_S = 30

#: Every CRS a real file of the district may come in.
CRSS = [
    "EPSG:32649",  # WGS 84 / UTM 49N (CM 111 E: the data lie far east of the zone)
    "EPSG:32650",  # WGS 84 / UTM 50N (CM 117 E: Kunshan is past the 120 E edge)
    "EPSG:32651",  # WGS 84 / UTM 51N (CM 123 E: Wuxi is past the 120 E edge)
    "EPSG:4527",  # CGCS2000 / 3-degree GK zone 39 (zone number in the easting)
    "EPSG:4528",  # CGCS2000 / 3-degree GK zone 40
    "EPSG:4529",  # CGCS2000 / 3-degree GK zone 41
    "EPSG:4548",  # CGCS2000 / 3-degree GK CM 117 E (no zone number)
    "EPSG:4549",  # CGCS2000 / 3-degree GK CM 120 E, the project's default
    "EPSG:4550",  # CGCS2000 / 3-degree GK CM 123 E
    "EPSG:4490",  # CGCS2000 lon/lat
    "EPSG:4326",  # WGS 84 lon/lat
    "EPSG:3857",  # Web Mercator (areas 37 % too large at 31 N if computed there)
]

#: (parcel id, zone, area in 亩, south-west corner lon, lat, number of parts)
PARCELS = [
    ("WX1", "WX", 30.0, 120.300, 31.500, 1),
    ("WX2", "WX", 80.0, 120.305, 31.500, 2),
    ("KS1", "KS", 150.0, 121.000, 31.300, 1),
    ("KS2", "KS", 200.0, 121.010, 31.300, 1),
]


@pytest.fixture(autouse=True)
def _bounded_time() -> Iterator[None]:
    """Fail a test that runs longer than TIME_LIMIT_S (interrupted by SIGALRM where possible)."""

    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"test ran longer than {TIME_LIMIT_S} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT_S)
    start = time.perf_counter()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - start < TIME_LIMIT_S


def _square(lon: float, lat: float, area_mu: float) -> Polygon:
    """A lon/lat box of about ``area_mu`` 亩 (locally square in metres)."""
    geod = Geod(ellps="WGS84")
    side = (area_mu * M2_PER_MU) ** 0.5
    lon1 = geod.fwd(lon, lat, 90, side)[0]
    lat1 = geod.fwd(lon, lat, 0, side)[1]
    return box(lon, lat, lon1, lat1)


def wgs84_parcels() -> gpd.GeoDataFrame:
    """The parcels in WGS 84 lon/lat, as MultiPolygons (WX2 in two parts)."""
    rows = []
    for pid, zone, mu, lon, lat, parts in PARCELS:
        part = _square(lon, lat, mu / parts)
        polys = [translate(part, xoff=0.002 * i) for i in range(parts)]
        rows.append(
            {"parcel_id": pid, "zone": zone, "clusters": "c1", "geometry": MultiPolygon(polys)}
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def geodesic_mu() -> dict[str, float]:
    """The true (ellipsoidal) area of each parcel in 亩."""
    geod = Geod(ellps="WGS84")
    g = wgs84_parcels()
    return {
        pid: abs(geod.geometry_area_perimeter(geom)[0]) / M2_PER_MU
        for pid, geom in zip(g["parcel_id"], g.geometry, strict=True)
    }


def write_data(path: Path, parcels: gpd.GeoDataFrame) -> Path:
    """A landalloc data file: the parcels plus the smallest projects, quotas and clusters."""
    pyogrio.write_dataframe(parcels, path, layer="parcels", driver="GPKG")
    tables = {
        "projects": pd.DataFrame(
            {
                "project_id": ["J1", "J2"],
                "cluster": ["c1", "c1"],
                "investment_yi": [3.0, 2.0],
                "land_mu": [25.0, 140.0],
            }
        ),
        "quotas": pd.DataFrame({"year": [2026], "zone": ["*"], "land_mu": [500.0]}),
        "clusters": pd.DataFrame(
            {"cluster": ["c1"], "name_zh": ["光子"], "name_en": ["photonics"]}
        ),
    }
    for layer, df in tables.items():
        pyogrio.write_dataframe(df, path, layer=layer, driver="GPKG", append=True)
    return path


def data_in(tmp: Path, crs: str) -> Path:
    return write_data(tmp / f"d_{crs.replace(':', '')}.gpkg", wgs84_parcels().to_crs(crs))


def bad_validate(path: Path, capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """``landalloc validate`` must exit 2 with one CRS message naming file, layer, row, column."""
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    for w in (path.name, "图层 parcels", "列 geometry", "outside_crs", *words):
        assert w in err, (w, err)
    assert "empty_layer" not in err and "没有任何数据行" not in err, err
    assert "Traceback" not in err, err
    return err


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("crs", CRSS)
def test_validate_accepts_every_crs(
    crs: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = data_in(tmp_path, crs)
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "数据检查通过" in captured.out and "地块 4 宗" in captured.out


def test_areas_agree_across_crss(tmp_path: Path) -> None:
    truth = geodesic_mu()
    for pid, _zone, mu, *_ in PARCELS:
        assert truth[pid] == pytest.approx(mu, rel=0.01)
    areas: dict[str, dict[str, float]] = {}
    for crs in CRSS:
        tables, report = validate(data_in(tmp_path, crs))
        assert tables is not None and not report.errors, [p.text("en") for p in report]
        working = CRS.from_user_input(tables.crs)
        assert working.is_projected, crs  # areas are never computed in lon/lat
        areas[crs] = dict(zip(tables.parcels["parcel_id"], tables.parcels["area_mu"], strict=True))
        for pid, want in truth.items():
            assert areas[crs][pid] == pytest.approx(want, rel=0.002), (crs, pid)
    for pid in truth:
        got = [areas[c][pid] for c in CRSS]
        assert max(got) / min(got) - 1 < 0.005, (pid, got)


@pytest.mark.parametrize(
    ("crs", "working"),
    [
        ("EPSG:4490", "EPSG:4549"),  # lon/lat: the CGCS2000 3-degree zone of the data
        ("EPSG:4326", "EPSG:4549"),
        ("EPSG:3857", "EPSG:4549"),  # Web Mercator distorts areas: reprojected
        ("EPSG:32650", "EPSG:4549"),  # Kunshan 4 degrees from UTM 50N's CM: +0.3 % area
        ("EPSG:4528", "EPSG:4528"),  # the file's own zone when areas are right in it
        ("EPSG:4549", "EPSG:4549"),
    ],
)
def test_working_crs(crs: str, working: str) -> None:
    g = wgs84_parcels().to_crs(crs)
    assert crs_mod.working_crs_for(CRS(crs), g).to_string() == working


def test_solve_on_utm50n_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_in(tmp_path, "EPSG:32650").rename(tmp_path / "d.gpkg")
    s = tmp_path / "s.yaml"
    s.write_text(
        "name: UTM 50N\ndata: d.gpkg\nyears: [2026]\n"
        "solver: {time_limit_s: 2, deterministic: true}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(["solve", str(s), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert (out / "assignments.csv").exists()


# --------------------------------------------------------------------------- refused


def test_utm50n_file_with_coordinates_in_europe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    g = wgs84_parcels()
    paris = [translate(geom, xoff=2.35 - 120.3, yoff=48.85 - 31.5) for geom in g.geometry[1:3]]
    g = g.set_geometry([g.geometry.iloc[0], *paris, g.geometry.iloc[3]], crs="EPSG:4326")
    path = write_data(tmp_path / "europe.gpkg", g.to_crs("EPSG:32650"))
    err = bad_validate(path, capsys, "第 2 行", "2 个要素（共 4 个）", "中国境内")
    assert err.count("[outside_crs]") == 1


def test_cgcs2000_zone_file_declared_as_wgs84(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    g = wgs84_parcels().to_crs("EPSG:4549").set_crs("EPSG:4326", allow_override=True)
    path = write_data(tmp_path / "declared_4326.gpkg", g)
    bad_validate(path, capsys, "第 1 行", "4 个要素（共 4 个）", "投影坐标")


@pytest.mark.parametrize(
    ("real", "declared", "word"),
    [
        ("EPSG:4527", "EPSG:4528", "带号 39"),  # zone 39 eastings in a zone-40 CRS
        ("EPSG:4549", "EPSG:4528", "EPSG:4549"),  # eastings without the zone number
        ("EPSG:4528", "EPSG:4549", "EPSG:4528"),  # eastings with the zone number
    ],
)
def test_wrong_zone(
    real: str, declared: str, word: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    g = wgs84_parcels().to_crs(real).set_crs(declared, allow_override=True)
    err = bad_validate(write_data(tmp_path / "zone.gpkg", g), capsys, "带号", word)
    assert "第 1 行" in err


def test_swapped_axes_in_utm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    g = wgs84_parcels().to_crs("EPSG:32650")
    swapped = shapely.transform(g.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    g = g.set_geometry(gpd.GeoSeries(swapped, index=g.index, crs=g.crs))
    bad_validate(write_data(tmp_path / "swapped.gpkg", g), capsys, "X/Y 可能颠倒")


def import_args(tmp: Path, parcels: Path, *extra: str) -> list[str]:
    """``landalloc import`` of ``parcels`` with the smallest projects and quotas tables."""
    projects = tmp / "projects.csv"
    projects.write_text("project_id,cluster,investment_yi,land_mu\nJ1,c1,2,25\n", encoding="utf-8")
    quotas = tmp / "quotas.csv"
    quotas.write_text("year,zone,land_mu\n2026,*,500\n", encoding="utf-8")
    args = ["import", "--parcels", str(parcels), "--projects", str(projects)]
    return [*args, "--quotas", str(quotas), "--out", str(tmp / "out.gpkg"), *extra]


@pytest.mark.parametrize(("geogcs", "kind"), [("GCS_GCJ_02", "GCJ-02"), ("GCS_BD_09", "BD-09")])
def test_import_layer_declared_gcj02_or_bd09(
    geogcs: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a shapefile whose .prj names the obfuscated lon/lat
    shp = tmp_path / "parcels.shp"
    pyogrio.write_dataframe(wgs84_parcels(), shp, encoding="UTF-8")
    shp.with_suffix(".prj").write_text(
        f'GEOGCS["{geogcs}",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
        'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
    )
    code = main(import_args(tmp_path, shp))
    err = capsys.readouterr().err
    assert code == 2, err
    for w in ("[obfuscated_crs]", "parcels.shp", kind, "坐标转换工具", "WGS 84", "CGCS2000"):
        assert w in err, (w, err)
    assert "empty_layer" not in err and "Traceback" not in err
    assert not (tmp_path / "out.gpkg").exists()


@pytest.mark.parametrize(("crs", "kind"), [("GCJ02", "GCJ-02"), ("BD09", "BD-09")])
def test_import_declared_gcj02_or_bd09(
    crs: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `--crs GCJ02` on the command line: the data's lon/lat are declared obfuscated
    parcels = tmp_path / "parcels.geojson"
    pyogrio.write_dataframe(wgs84_parcels(), parcels, driver="GeoJSON")
    args = import_args(tmp_path, parcels, "--crs", crs)
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    for w in ("[obfuscated_crs]", kind, "坐标转换工具", "WGS 84", "CGCS2000", "--crs"):
        assert w in err, (w, err)
    assert "Traceback" not in err and not (tmp_path / "out.gpkg").exists()
    code = main(["--lang", "en", *args])
    err = capsys.readouterr().err
    assert code == 2 and "coordinate conversion tool" in err and "WGS 84" in err, err


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("GCJ02", "GCJ-02"),
        ("gcj-02", "GCJ-02"),
        ("火星坐标", "GCJ-02"),
        ("BD-09", "BD-09"),
        ("bd09mc", "BD-09"),
        ("百度坐标", "BD-09"),
        ("EPSG:4549", None),
        ("WGS 84 / UTM zone 50N", None),
    ],
)
def test_obfuscated_kind(text: str, kind: str | None) -> None:
    assert crs_mod.obfuscated_kind(text) == kind


def test_kunshan_in_utm50n_passes_the_check() -> None:
    # the case: east of UTM 50N's nominal 120 E edge, but a sane place in China
    g = wgs84_parcels().to_crs("EPSG:32650")
    report = Report()
    assert crs_mod.check_crs(g, report, file="f", layer="parcels") is not None
    assert not len(report)
