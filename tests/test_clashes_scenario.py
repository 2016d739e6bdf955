"""The scenario's ``clashes`` section and the ``sensitive_sites`` layer, end to end on a tiny
district: read, reprojected, precomputed, solved, verified, written and rerun."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from builders import CRS, X0, Y0, parcel, project, tables, write_gpkg
from shapely.geometry import Point

from geodata.report import DataError
from landalloc.run import run, solve_scenario

SIDE_40 = (40 * 10000 / 15) ** 0.5


def _setup(tmp_path: Path, clashes: object, *, in_data: bool = False) -> Path:
    t = tables(
        [parcel("P1", 40, 0), parcel("P2", 40, 2000)],
        [project("J1", land_mu=40, pollution=3, inv=3.0)],
        {2026: 100.0},
    )
    data = write_gpkg(t, tmp_path / "data.gpkg")
    site = gpd.GeoDataFrame(
        [
            {
                "编号": "S1",
                "类型": "学校",
                "名称": "实验小学",
                "geometry": Point(X0 + SIDE_40 + 300, Y0),
            }
        ],
        geometry="geometry",
        crs=CRS,
    ).to_crs("EPSG:4490")  # lon/lat: reprojected on reading
    if in_data:
        site.to_file(data, layer="sensitive_sites", driver="GPKG", engine="pyogrio")
    else:
        (tmp_path / "sites").mkdir()
        site.to_file(tmp_path / "sites" / "s.geojson", driver="GeoJSON", engine="pyogrio")
    scen = tmp_path / "s.yaml"
    body: dict[str, object] = {"name": "c", "data": "data.gpkg", "years": [2026]}
    if clashes is not None:
        body["clashes"] = clashes
    scen.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return scen


LIMIT = {"time_limit_s": 2.0, "workers": 1}


def test_sites_file_keeps_the_polluter_away_and_the_run_reruns(tmp_path: Path) -> None:
    scen = _setup(tmp_path, {"sites": "sites/s.geojson"})
    res = solve_scenario(scen, solver_overrides=LIMIT)
    assert res.solution.placed()["J1"].carriers == ("P2",)
    near = res.instance.clashes.site_near
    assert [(c, s) for c, s, _ in near] == [("P1", "S1")]
    assert near[0][2] == pytest.approx(300.0, abs=0.5)
    out = tmp_path / "out"
    run(scen, out, solver_overrides=LIMIT)
    as_run = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    assert Path(as_run["clashes"]["sites"]).is_absolute()
    again = solve_scenario(out / "scenario.yaml", solver_overrides=LIMIT)  # from the result folder
    assert again.solution.placed()["J1"].carriers == ("P2",)


def test_a_sites_layer_in_the_data_turns_the_default_rules_on(tmp_path: Path) -> None:
    scen = _setup(tmp_path, None, in_data=True)
    res = solve_scenario(scen, solver_overrides=LIMIT)
    assert res.solution.placed()["J1"].carriers == ("P2",)  # pollution:3 / school: 800 m


def test_without_sites_or_section_nothing_changes_and_off_means_off(tmp_path: Path) -> None:
    a = tmp_path / "a"
    a.mkdir()
    res = solve_scenario(_setup(a, None), solver_overrides=LIMIT)
    assert res.instance.clashes is None
    b = tmp_path / "b"
    b.mkdir()
    off = solve_scenario(
        _setup(b, {"sites": "sites/s.geojson", "enabled": False}), solver_overrides=LIMIT
    )
    assert off.instance.clashes is None


def test_bad_pairs_and_sites_are_named(tmp_path: Path) -> None:
    scen = _setup(tmp_path, {"pairs": [{"a": "site:school", "b": "site:housing", "buffer_m": 5}]})
    with pytest.raises(DataError, match=r"clashes\.pairs"):
        solve_scenario(scen, solver_overrides=LIMIT)
    bad = gpd.GeoDataFrame([{"site_id": "X", "kind": "zoo", "geometry": Point(X0, Y0)}], crs=CRS)
    bad.to_file(tmp_path / "bad.geojson", driver="GeoJSON", engine="pyogrio")
    from geodata.clashes import read_sites

    with pytest.raises(DataError, match="zoo"):
        read_sites(tmp_path / "bad.geojson", CRS)
