"""The demonstration district: valid, reproducible, realistic, and written atomically."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from pyproj import Geod, Transformer

from geodata import store
from geodata.geometry import adjacency
from geodata.instance import Instance
from geodata.pipeline import read_pipeline
from geodata.report import DataError, Report
from geodata.schema import LAYERS, coerce_table
from geodata.units import M2_PER_MU, cmu_to_mu, mu_to_cmu
from landalloc import demo
from landalloc.cli import main
from landalloc.demo import district, pins
from optimizer.problem import Problem


@pytest.fixture(scope="module")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, store.Tables]:
    path = tmp_path_factory.mktemp("demo") / "demo.gpkg"
    tables = demo.write_demo(path)
    return path, tables


@pytest.fixture(scope="module")
def instance(default_demo: tuple[Path, store.Tables]) -> Instance:
    inst, _, _ = store.load(default_demo[0], strict=True)
    return inst


def test_written_file_passes_every_validation_tier(default_demo: tuple[Path, store.Tables]) -> None:
    path, _ = default_demo
    tables, report = store.validate(path, strict=True)
    assert tables is not None
    assert [p.text("en") for p in report] == []
    assert tables.zones is not None and sorted(tables.zones["zone"]) == sorted(
        z.code for z in demo.ZONES
    )


SHIPPED = Path(__file__).resolve().parents[1] / "geodata"


def assert_same_projects(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same projects, keyed by id, in every contract column at the contract's precision.

    The messy sheet is sorted by its grouping column, so rows are matched by project id; land
    goes through 公顷 (亩/15 to 6 decimals), so it is compared in 0.01 亩 (the instance's unit);
    every other column must be equal as it is.
    """
    g = got.set_index("project_id", drop=False).sort_index()
    w = want.set_index("project_id", drop=False).sort_index()
    assert g.index.tolist() == w.index.tolist()
    for col in [c.name for c in LAYERS["projects"]]:
        if col == "land_mu":
            assert [mu_to_cmu(float(x)) for x in g[col]] == [mu_to_cmu(float(x)) for x in w[col]]
        else:
            assert g[col].tolist() == w[col].tolist(), col


def test_shipped_files_are_the_default_demo_valid_and_round_trip() -> None:
    tables, report = store.validate(SHIPPED / "demo.gpkg", strict=True)
    assert tables is not None and [p.text("en") for p in report] == []
    fresh = demo.generate()
    for col in [c.name for c in LAYERS["projects"]]:
        assert tables.projects[col].tolist() == fresh.projects[col].tolist(), col
    assert tables.parcels["parcel_id"].tolist() == fresh.parcels["parcel_id"].tolist()
    back_report = Report()
    back = read_pipeline(SHIPPED / "demo_pipeline.xlsx", back_report, clusters=tables.clusters)
    assert [p.text("en") for p in back_report.errors] == []
    assert back is not None
    assert_same_projects(back, tables.projects)
    inst = store.build_instance(tables)
    cands = Problem.standard(inst).candidates()
    pinned = [p.project_id for p in inst.projects if p.pinned_carrier]
    assert pinned and all(cands.by_project[pid] for pid in pinned)


def test_shipped_demo_stores_booleans_as_booleans() -> None:
    for layer, col in (("parcels", "divisible"), ("projects", "ready_to_build")):
        info = pyogrio.read_info(SHIPPED / "demo.gpkg", layer=layer)
        i = list(info["fields"]).index(col)
        assert (info["ogr_types"][i], info["ogr_subtypes"][i]) == ("OFTInteger", "OFSTBoolean")
        values = pyogrio.read_dataframe(SHIPPED / "demo.gpkg", layer=layer)[col]
        assert values.dtype == bool and values.any() and not values.all(), (layer, col)


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = demo.generate(11, n_parcels=60, n_factories=5, n_projects=40, n_years=2)
    b = demo.generate(11, n_parcels=60, n_factories=5, n_projects=40, n_years=2)
    c = demo.generate(12, n_parcels=60, n_factories=5, n_projects=40, n_years=2)
    pd.testing.assert_frame_equal(a.projects, b.projects)
    pd.testing.assert_frame_equal(
        a.parcels.drop(columns="geometry"), b.parcels.drop(columns="geometry")
    )
    assert list(a.parcels.geometry.to_wkb()) == list(b.parcels.geometry.to_wkb())
    assert not a.projects["investment_yi"].equals(c.projects["investment_yi"])


def test_magnitudes_follow_the_domain_brief(instance: Instance) -> None:
    inv_yi = [p.investment_wan / 10000 for p in instance.projects]
    assert len(instance.projects) == demo.DEFAULT_PROJECTS
    assert len(instance.parcels) == demo.DEFAULT_PARCELS
    assert len(instance.factories) == demo.DEFAULT_FACTORIES
    assert sum(v >= 1 for v in inv_yi) >= 150
    assert 15 <= sum(v >= 10 for v in inv_yi) <= 25
    assert sum(v >= 50 for v in inv_yi) >= 2
    assert sum(v >= 100 for v in inv_yi) == 1
    areas = [cmu_to_mu(p.area_cmu) for p in instance.parcels]
    assert min(areas) >= 10 and max(areas) <= 300
    typical = sum(30 <= a <= 120 for a in areas)
    assert typical >= 0.6 * len(areas)
    assert all(2000 <= f.floor_m2 <= 50000 for f in instance.factories)
    assert instance.years == (2026, 2027, 2028)
    district = [cmu_to_mu(q.land_cmu) for q in instance.quotas if q.zone == "*"]
    assert len(district) == 3 and all(1000 <= q <= 5000 for q in district)
    assert {q.zone for q in instance.quotas} == {"*", "KJC", "XSG"}
    assert {c.cluster for c in instance.clusters} == {c.code for c in demo.CLUSTERS}
    assert all(c.anchor_x_m is not None for c in instance.clusters)
    assert {p.stage for p in instance.projects} == {"negotiating", "signed", "registered"}
    assert {p.carrier for p in instance.projects} == {"land", "factory", "either"}


def test_land_demand_exceeds_the_quotas(instance: Instance) -> None:
    demand = sum(cmu_to_mu(p.land_cmu) for p in instance.projects if p.carrier != "factory")
    quota = sum(cmu_to_mu(q.land_cmu) for q in instance.quotas if q.zone == "*")
    assert 1.3 <= demand / quota <= 2.0


@pytest.mark.parametrize(
    ("sizes", "years"),
    [
        (dict(n_parcels=1000, n_factories=60, n_projects=300, n_years=3), 3),
        (dict(n_zones=8, n_parcels=500, n_factories=30, n_projects=120, n_years=5), 5),
    ],
)
def test_sizes_are_honoured_and_valid(sizes: dict[str, int], years: int) -> None:
    tables = demo.generate(7, **sizes)
    assert len(tables.parcels) == sizes["n_parcels"]
    assert len(tables.factories) == sizes["n_factories"]
    assert len(tables.projects) == sizes["n_projects"]
    assert sorted(set(tables.quotas["year"])) == list(range(2026, 2026 + years))
    assert tables.zones is not None and len(tables.zones) == sizes.get("n_zones", 6)
    if "n_zones" in sizes:
        assert "Z08" in set(tables.parcels["zone"])
    report = Report()
    store.check_references(tables, report)
    assert [p.text("en") for p in report] == []
    ids = list(tables.parcels["parcel_id"]) + list(tables.factories["factory_id"])
    assert len(set(ids)) == len(ids)
    area = tables.parcels["area_mu"].astype(float)
    assert area.min() >= 10 and area.max() <= 300 and 30 <= area.median() <= 120


def test_generated_tables_are_already_in_the_schema_tier_form() -> None:
    tables = demo.generate(3, n_parcels=80, n_factories=8, n_projects=40)
    for layer, df in (
        ("parcels", tables.parcels),
        ("factories", tables.factories),
        ("projects", tables.projects),
        ("quotas", tables.quotas),
        ("clusters", tables.clusters),
    ):
        raw = df.copy()  # lists as they are stored in a file: codes joined by ";"
        for col in [c.name for c in LAYERS[layer] if c.kind == "list"]:
            raw[col] = [";".join(v) for v in raw[col]]
        report = Report()
        again = coerce_table(raw, layer, report)
        assert [p.text("en") for p in report] == [], layer
        pd.testing.assert_frame_equal(again, df, obj=layer)


def test_parcel_areas_agree_with_a_geodesic_computation(
    default_demo: tuple[Path, store.Tables],
) -> None:
    _, tables = default_demo
    geod = Geod(ellps="GRS80")  # the CGCS2000 ellipsoid, to well below 0.1 %
    lonlat = tables.parcels.to_crs("EPSG:4490")
    for given, geom in zip(tables.parcels["area_mu"], lonlat.geometry, strict=True):
        geodesic = abs(geod.geometry_area_perimeter(geom)[0]) / M2_PER_MU
        assert abs(geodesic - float(given)) <= 0.001 * float(given)


def test_every_pin_has_a_candidate_of_the_optimizer(instance: Instance) -> None:
    pinned = [p for p in instance.projects if p.pinned_carrier]
    assert 3 <= len(pinned) <= 6
    cands = Problem.standard(instance).candidates()
    for p in pinned:
        mine = [cands.candidates[i] for i in cands.by_project[p.project_id]]
        assert mine, (p.project_id, p.pinned_carrier, dict(cands.excluded[p.project_id]))
        assert all(c.carriers == (p.pinned_carrier,) for c in mine)


def test_pinned_land_of_each_year_fits_the_quotas(instance: Instance) -> None:
    area = {p.parcel_id: p.area_cmu for p in instance.parcels}
    zone = {p.parcel_id: p.zone for p in instance.parcels}
    quota = {(q.year, q.zone): q.land_cmu for q in instance.quotas}
    used: dict[tuple[int, str], int] = {}
    for p in instance.projects:
        if p.pinned_carrier in area:
            for key in ((p.start_year, "*"), (p.start_year, zone[p.pinned_carrier])):
                used[key] = used.get(key, 0) + area[p.pinned_carrier]
    assert used
    for key, land in used.items():
        if key in quota:
            assert land <= quota[key], key


def test_pins_use_the_land_supplied_for_the_standard_land_floors() -> None:
    # a parcel of 100 mu with a tax floor of 30: a project of 90 mu paying 2 850 万 a year passes
    # on its demand (31.7/mu) but not on the whole parcel it is supplied (28.5/mu); the pins ask
    # the optimizer's rules with the floors raised by PIN_MARGIN (30.3/mu)
    par: dict[str, list[object]] = {
        "parcel_id": ["A-01"], "zone": ["A"], "land_use": ["M1"], "clusters": [()],
        "area_mu": [100.0], "divisible": [False], "available_year": [2026], "max_pollution": [2],
        "min_intensity_wan_per_mu": [0.0], "min_tax_wan_per_mu": [30.0], "far_min": [None],
        "far_max": [None],
    }  # fmt: skip
    pro = {
        "project_id": "P1", "name": "", "company": "", "cluster": "ic", "stage": "signed",
        "investment_yi": 3.0, "land_mu": 90.0, "floor_m2": 0.0, "carrier": "land",
        "land_use": "M1", "output_yi": 0.0, "tax_wan": 2850.0, "jobs": 0, "pollution": 1,
        "start_year": 2026, "ready_to_build": False, "needs": (), "min_floor_load_kg_m2": None,
        "min_clear_height_m": None, "tags": (), "pinned_carrier": "",
    }  # fmt: skip
    assert not pins.parcel_fits(pro, par, 0)
    assert pins.parcel_fits(dict(pro, tax_wan=3100.0), par, 0)
    assert not pins.parcel_fits(dict(pro, tax_wan=3010.0), par, 0)  # 30.1/mu: inside the margin
    assert not pins.parcel_fits(dict(pro, start_year=2025, tax_wan=3100.0), par, 0)
    divisible: dict[str, list[object]] = {**par, "divisible": [True]}
    assert pins.parcel_fits(pro, divisible, 0)
    assert not pins.parcel_fits(dict(pro, land_use="M0"), divisible, 0)
    assert not pins.parcel_fits(dict(pro, land_mu=60.0), par, 0)


def test_district_lies_in_suzhou_new_district(default_demo: tuple[Path, store.Tables]) -> None:
    _, tables = default_demo
    to_ll = Transformer.from_crs(tables.crs, "EPSG:4490", always_xy=True)
    minx, miny, maxx, maxy = tables.parcels.total_bounds
    lon0, lat0, lon1, lat1 = to_ll.transform_bounds(minx, miny, maxx, maxy)
    assert lon0 >= 120.30 and lon1 <= 120.65
    assert lat0 >= 31.20 and lat1 <= 31.47
    zones = tables.zones
    assert zones is not None
    geoms = list(zones.geometry)
    assert not any(
        geoms[i].intersects(geoms[j]) for i in range(len(geoms)) for j in range(i + 1, len(geoms))
    )


def test_largest_project_needs_and_has_merged_adjacent_parcels(
    default_demo: tuple[Path, store.Tables], instance: Instance
) -> None:
    _, tables = default_demo
    big = max(instance.projects, key=lambda p: p.land_cmu)
    assert all(p.area_cmu < big.land_cmu for p in instance.parcels)
    nb = adjacency(tables.parcels, "parcel_id", "zone")
    fits = [
        p
        for p in instance.parcels
        if (not p.clusters or big.cluster in p.clusters) and p.land_use == big.land_use
    ]
    ok = {p.parcel_id: p for p in fits}
    best = max(p.area_cmu + sum(ok[n].area_cmu for n in nb[p.parcel_id] if n in ok) for p in fits)
    assert best >= big.land_cmu


def test_pinned_projects_fit_their_carriers(instance: Instance) -> None:
    pinned = [p for p in instance.projects if p.pinned_carrier]
    parcels = {p.parcel_id: p for p in instance.parcels}
    factories = {f.factory_id: f for f in instance.factories}
    assert len({p.pinned_carrier for p in pinned}) == len(pinned)
    for p in pinned:
        if p.pinned_carrier in parcels:
            c = parcels[p.pinned_carrier]
            assert p.land_cmu <= c.area_cmu
            assert c.area_cmu <= 1.5 * p.land_cmu and not p.ready_to_build
            if p.land_use == "M0" or c.land_use == "M0":
                assert p.land_use == c.land_use
            else:
                assert p.land_use <= c.land_use  # M1 fits M1–M3, M2 fits M2–M3
            assert p.pollution <= c.max_pollution
            assert not c.clusters or p.cluster in c.clusters
            assert c.available_year <= p.start_year
            mu = cmu_to_mu(c.area_cmu)  # the land supplied: the whole parcel
            assert p.investment_wan / mu >= c.min_intensity_wan_per_mu
            assert p.tax_wan / mu >= c.min_tax_wan_per_mu
        else:
            f = factories[str(p.pinned_carrier)]
            assert p.floor_m2 <= f.floor_m2 and p.pollution <= f.max_pollution
            assert not f.clusters or p.cluster in f.clusters


def test_most_projects_have_a_carrier_zoned_for_their_cluster(instance: Instance) -> None:
    def admits(clusters: frozenset[str], cluster: str) -> bool:
        return not clusters or cluster in clusters

    placeable = 0
    for p in instance.projects:
        land = p.wants_land and any(
            admits(c.clusters, p.cluster) and c.land_use == p.land_use and c.area_cmu >= p.land_cmu
            for c in instance.parcels
        )
        floor = p.wants_factory and any(
            admits(f.clusters, p.cluster) and f.floor_m2 >= p.floor_m2 for f in instance.factories
        )
        placeable += land or floor
    assert placeable >= 0.8 * len(instance.projects)


def test_readiness_dates_are_realistic(default_demo: tuple[Path, store.Tables]) -> None:
    _, tables = default_demo
    par = tables.parcels
    for col in [c.name for c in LAYERS["parcels"] if c.name.startswith("ready_")]:
        dates = [d for d in par[col] if d is not None]
        assert dates, col
        assert all(2022 <= d.year <= 2030 for d in dates)
    assert par["ready_heat"].isna().sum() > 0  # not every parcel has heat supply


def test_bad_parameters_are_reported_together() -> None:
    with pytest.raises(DataError) as exc:
        demo.generate(n_parcels=10, n_projects=5, n_years=0)
    problems = exc.value.report.errors
    assert [p.code for p in problems] == ["bad_demo_parameter"] * 3
    assert "--parcels" in problems[0].en and "--projects" in problems[1].en
    assert "--years" in problems[2].en
    with pytest.raises(DataError) as exc:
        demo.generate(n_zones=10, n_parcels=40)
    assert "at least 5 per zone" in exc.value.report.errors[0].en


def test_existing_output_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "d.gpkg"
    out.write_text("keep me")
    with pytest.raises(DataError) as exc:
        demo.write_demo(out, n_parcels=40, n_projects=20)
    assert exc.value.report.errors[0].code == "output_exists"
    assert out.read_text() == "keep me"


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(district, "write_tables", broken)
    with pytest.raises(OSError, match="disk full"):
        demo.write_demo(tmp_path / "d.gpkg", n_parcels=40, n_projects=20, xlsx=tmp_path / "p.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_projects_spreadsheet_has_chinese_headers_and_same_values(tmp_path: Path) -> None:
    xlsx = tmp_path / "p.xlsx"
    tables = demo.write_demo(
        tmp_path / "d.gpkg", n_parcels=60, n_projects=30, xlsx=xlsx, xlsx_form="plain"
    )
    sheet = pd.read_excel(xlsx, sheet_name="项目库", dtype=object)
    assert {"项目编号", "总投资(亿元)", "用地面积(亩)"} <= set(sheet.columns)
    report = Report()
    back = read_pipeline(xlsx, report, clusters=tables.clusters)
    assert [p.text("en") for p in report.errors] == []
    assert back is not None
    for col in [c.name for c in LAYERS["projects"]]:
        assert back[col].tolist() == tables.projects[col].tolist(), col


def test_shipped_pipeline_is_in_the_messy_real_world_form() -> None:
    wb = openpyxl.load_workbook(SHIPPED / "demo_pipeline.xlsx")
    assert wb.sheetnames == ["项目库"]
    ws = wb["项目库"]
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert ws["A1"].value == demo.MESSY_TITLE
    assert f"A1:{ws.cell(3, ws.max_column).column_letter}1" in merged
    assert all(v is None for v in next(ws.iter_rows(min_row=2, max_row=2, values_only=True)))
    header = [c.value for c in ws[3]]
    for h in ("项目编号", "投资总额(万元)", "占地(公顷)", "厂房面积(平方米)", "所属片区/招商部门"):
        assert h in header
    group = ws.cell(3, header.index("所属片区/招商部门") + 1).column_letter
    runs = [r for r in ws.merged_cells.ranges if r.min_col == r.max_col and r.max_row > r.min_row]
    assert len(runs) >= 3 and {r.coord[0] for r in runs} == {group}
    ids = [ws.cell(r, header.index("项目编号") + 1) for r in range(4, 204)]
    assert all(c.data_type == "s" and re.fullmatch(r"XM2026-\d{3}", c.value) for c in ids)
    assert sum(c.value.startswith("XM2026-00") for c in ids) == 9  # leading zeros, as text
    cells = [str(v) for row in ws.iter_rows(min_row=4, values_only=True) for v in row if v]
    assert any("０" in v or "１" in v for v in cells)  # full-width digits
    assert any("," in v for v in cells) and any(v.endswith("公顷") for v in cells)
    assert {"光子", "在谈", "签约", "注册"} <= set(cells)


def test_messy_spreadsheet_round_trips_for_other_sizes(tmp_path: Path) -> None:
    xlsx = tmp_path / "p.xlsx"
    tables = demo.write_demo(tmp_path / "d.gpkg", seed=5, n_parcels=80, n_projects=40, xlsx=xlsx)
    report = Report()
    back = read_pipeline(xlsx, report, clusters=tables.clusters)
    assert [p.text("en") for p in report.errors] == []
    assert back is not None
    assert_same_projects(back, tables.projects)
    with pytest.raises(ValueError, match="xlsx form"):
        demo.write_demo(tmp_path / "e.gpkg", n_parcels=40, n_projects=20, xlsx=xlsx, xlsx_form="x")
    assert not (tmp_path / "e.gpkg").exists()


def test_import_of_the_shipped_pipeline_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gpkg = SHIPPED / "demo.gpkg"
    gpd.read_file(gpkg, layer="parcels").to_file(tmp_path / "parcels.gpkg", driver="GPKG")
    gpd.read_file(gpkg, layer="factories").to_file(tmp_path / "factories.geojson", driver="GeoJSON")
    gpd.read_file(gpkg, layer="zones").to_file(tmp_path / "zones.gpkg", driver="GPKG")
    for layer in ("quotas", "clusters"):
        pd.DataFrame(gpd.read_file(gpkg, layer=layer)).to_csv(
            tmp_path / f"{layer}.csv", index=False
        )
    out = tmp_path / "imported.gpkg"
    code = main(
        [
            "import",
            "--parcels", str(tmp_path / "parcels.gpkg"),
            "--factories", str(tmp_path / "factories.geojson"),
            "--zones", str(tmp_path / "zones.gpkg"),
            "--projects", str(SHIPPED / "demo_pipeline.xlsx"),
            "--quotas", str(tmp_path / "quotas.csv"),
            "--clusters", str(tmp_path / "clusters.csv"),
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr()
    got, report = store.validate(out, strict=True)
    want, _ = store.validate(gpkg, strict=True)
    assert got is not None and want is not None
    assert [p.text("en") for p in report] == []
    assert_same_projects(got.projects, want.projects)
    assert got.parcels["parcel_id"].tolist() == want.parcels["parcel_id"].tolist()
