"""The demonstration district: valid, reproducible, realistic, and written atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from geodata import demo, store
from geodata.geometry import adjacency
from geodata.instance import Instance
from geodata.pipeline import read_pipeline
from geodata.report import DataError, Report
from geodata.schema import LAYERS
from geodata.units import cmu_to_mu


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


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = demo.generate(11, n_projects=40, n_years=2)
    b = demo.generate(11, n_projects=40, n_years=2)
    c = demo.generate(12, n_projects=40, n_years=2)
    pd.testing.assert_frame_equal(a.projects, b.projects)
    pd.testing.assert_frame_equal(
        a.parcels.drop(columns="geometry"), b.parcels.drop(columns="geometry")
    )
    assert list(a.parcels.geometry.to_wkb()) == list(b.parcels.geometry.to_wkb())
    assert not a.projects["investment_yi"].equals(c.projects["investment_yi"])


def test_magnitudes_follow_the_domain_brief(instance: Instance) -> None:
    inv_yi = [p.investment_wan / 10000 for p in instance.projects]
    assert len(instance.projects) == demo.DEFAULT_PROJECTS
    assert sum(v >= 1 for v in inv_yi) >= 100
    assert 15 <= sum(v >= 10 for v in inv_yi) <= 25
    assert sum(v >= 50 for v in inv_yi) >= 2
    assert sum(v >= 100 for v in inv_yi) == 1
    areas = [cmu_to_mu(p.area_cmu) for p in instance.parcels]
    assert min(areas) >= 10 and max(areas) <= 300
    assert all(2000 <= f.floor_m2 <= 50000 for f in instance.factories)
    assert instance.years == (2025, 2026, 2027)
    district = [cmu_to_mu(q.land_cmu) for q in instance.quotas if q.zone == "*"]
    assert len(district) == 3 and all(1000 <= q <= 5000 for q in district)
    assert {q.zone for q in instance.quotas} == {"*", "KJC", "XSG"}
    assert {c.cluster for c in instance.clusters} == {c.code for c in demo.CLUSTERS}
    assert all(c.anchor_x_m is not None for c in instance.clusters)
    assert {p.stage for p in instance.projects} == {"negotiating", "signed", "registered"}
    assert {p.carrier for p in instance.projects} == {"land", "factory", "either"}


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
    assert len(pinned) >= 3
    parcels = {p.parcel_id: p for p in instance.parcels}
    factories = {f.factory_id: f for f in instance.factories}
    assert len({p.pinned_carrier for p in pinned}) == len(pinned)
    for p in pinned:
        if p.pinned_carrier in parcels:
            c = parcels[p.pinned_carrier]
            assert p.land_cmu <= c.area_cmu
            assert p.land_use == c.land_use and p.pollution <= c.max_pollution
            assert not c.clusters or p.cluster in c.clusters
            assert c.available_year <= p.start_year
            mu = cmu_to_mu(p.land_cmu)
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
        demo.generate(n_projects=5, n_years=0)
    problems = exc.value.report.errors
    assert [p.code for p in problems] == ["bad_demo_parameter"] * 2
    assert "--projects" in problems[0].en and "--years" in problems[1].en


def test_existing_output_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "d.gpkg"
    out.write_text("keep me")
    with pytest.raises(DataError) as exc:
        demo.write_demo(out, n_projects=20)
    assert exc.value.report.errors[0].code == "output_exists"
    assert out.read_text() == "keep me"


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(demo, "write_tables", broken)
    with pytest.raises(OSError, match="disk full"):
        demo.write_demo(tmp_path / "d.gpkg", n_projects=20, xlsx=tmp_path / "p.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_projects_spreadsheet_has_chinese_headers_and_same_values(tmp_path: Path) -> None:
    xlsx = tmp_path / "p.xlsx"
    tables = demo.write_demo(tmp_path / "d.gpkg", n_projects=30, xlsx=xlsx)
    sheet = pd.read_excel(xlsx, sheet_name="项目库", dtype=object)
    assert {"项目编号", "总投资(亿元)", "用地面积(亩)"} <= set(sheet.columns)
    report = Report()
    back = read_pipeline(xlsx, report, clusters=tables.clusters)
    assert [p.text("en") for p in report.errors] == []
    assert back is not None
    for col in [c.name for c in LAYERS["projects"]]:
        assert back[col].tolist() == tables.projects[col].tolist(), col
