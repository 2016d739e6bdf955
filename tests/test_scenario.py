"""Scenario files: schema, template, what-ifs and refusals of bad files (exit 2 with key and line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import CRS, X0, Y0, parcel, project, tables, write_gpkg
from shapely.geometry import Point

from geodata.report import DataError
from geodata.units import M2_PER_MU
from landalloc.cli import main
from landalloc.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted((REPO / "scenarios").glob("*.yaml"))


def _data(tmp_path: Path) -> Path:
    t = tables(
        [
            parcel("P1", 50, 0, clusters="c1"),
            parcel("P2", 50, 1000, clusters="c1"),
            parcel("P3", 50, 3000, zone="B", clusters="c2"),
        ],
        [
            project("J1", land_mu=45, inv=5.0),
            project("J2", land_mu=45, inv=3.0),
            project("J3", land_mu=45, inv=2.0, cluster="c2"),
        ],
        {2026: 200.0, 2027: 200.0},
    )
    return write_gpkg(t, tmp_path / "d.gpkg")


def _scenario(tmp_path: Path, body: str = "", name: str = "s.yaml") -> Path:
    if not (tmp_path / "d.gpkg").exists():
        _data(tmp_path)
    p = tmp_path / name
    p.write_text(
        "name: 测试\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 2, deterministic: true}\n" + body,
        encoding="utf-8",
    )
    return p


def _solve(tmp_path: Path, scen: Path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    return main(["--lang", "en", "solve", str(scen), "--out", str(out), *extra]), out


def _placed(out: Path) -> dict[str, str]:
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    return dict(zip(a["project_id"], a["carrier_id"], strict=True))


# --------------------------------------------------------------------------- shipped files


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_validate_and_start_with_a_purpose(path: Path) -> None:
    s = load_scenario(path)
    assert s.data_path(path) == (REPO / "geodata" / "demo.gpkg").resolve()
    head = path.read_text(encoding="utf-8").splitlines()
    assert head[0].startswith("# ")
    assert any("目的" in line for line in head[:4]) and any("Purpose" in line for line in head[:8])


def test_the_demo_scenarios_cover_the_issue() -> None:
    by_stem = {p.stem: load_scenario(p) for p in SHIPPED}
    assert {"baseline", "quota_cut", "strict_ready", "major_first", "rezone_biomed"} <= set(by_stem)
    second_year = sorted(by_stem["quota_cut"].years)[1]
    assert by_stem["quota_cut"].quotas.scale_by_year == {second_year: 0.8}
    assert by_stem["strict_ready"].policy.strict_ready_signed
    assert by_stem["major_first"].policy.lexicographic
    assert "biomed" in by_stem["rezone_biomed"].rezone[0].clusters


# --------------------------------------------------------------------------- template


def test_scenario_new_writes_a_template_of_the_documented_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data(tmp_path)
    target = tmp_path / "sc" / "new.yaml"
    code = main(["scenario", "new", "我的 情景", "--out", str(target), "--data", str(data)])
    assert code == 0, capsys.readouterr().err
    assert "new.yaml" in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# 情景：我的 情景")
    s = load_scenario(target)
    assert s.years == [2026, 2027]  # the data's years
    assert s.data_path(target) == data.resolve()
    # every key of the template shows the schema's default
    assert s == Scenario(name="我的 情景", data=s.data, years=s.years)
    assert set(Scenario.model_fields) <= {line.split(":")[0] for line in text.splitlines()}


def test_scenario_new_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a.yaml"
    target.write_text("keep", encoding="utf-8")
    code = main(["--lang", "en", "scenario", "new", "a", "--out", str(target)])
    assert code == 2
    assert "exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep"


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("polcy: {lexicographic: true}\n", ["polcy", "did you mean policy", "row 5"]),
        (
            "policy:\n  waste_tolerence: 0.3\n",
            ["policy.waste_tolerence", "waste_tolerance", "row 6"],
        ),
        ("weights: {investment_per_yi: lots}\n", ["weights.investment_per_yi", "row 5"]),
        ("weights:\n  tag_points: [1, 2]\n", ["weights.tag_points", "row 6"]),
        ("pins: {J1: NOPE}\n", ["NOPE", "pins.J1", "row 5"]),
        ("withheld: [P1, P9]\n", ["P9", "withheld", "row 5"]),
        (
            "rezone:\n  - zone: Q\n    clusters: [c1]\n",
            ["zone Q", "one of the zones A, B", "row 6"],
        ),
        ("rezone:\n  - zone: B\n    clusters: [c1, c2, c3]\n", ["cluster c3", "row 7"]),
        ("rezone:\n  - zone: BB\n    clusters: [c1]\n", ["zone BB", "expected: B"]),
        ("rezone:\n  - zone: B\n    clustrs: [c1]\n", ["rezone.0.clustrs", "rezone.0.clusters"]),
        (
            "extra_projects:\n  - {project_id: J1, cluster: c1, investment_yi: 1, land_mu: 5}\n",
            ["J1", "already exists", "row 6"],
        ),
        (
            "extra_projects:\n  - {project_id: X1, cluster: c1, investment_yi: many}\n",
            ["extra_projects.0.investment_yi", "row 6"],
        ),
        (
            "extra_projects:\n  - {project_id: X1, cluster: c1, investment_yi: 2,\n"
            "     land_mu: 5, stge: signed}\n",
            ["extra_projects.0.stge", "did you mean extra_projects.0.stage", "row 7"],
        ),
    ],
)
def test_bad_scenarios_exit_2_naming_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, words: list[str]
) -> None:
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    err = capsys.readouterr().err
    assert code == 2, err
    for w in words:
        assert w in err, (w, err)
    assert "Traceback" not in err
    assert not out.exists()


def test_year_outside_the_data_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_text("name: x\ndata: d.gpkg\nyears:\n  - 2026\n  - 2031\n", encoding="utf-8")
    code, _ = _solve(tmp_path, scen)
    err = capsys.readouterr().err
    assert code == 2
    assert "2031" in err and "row 5" in err and "years" in err


def test_chinese_messages_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = _scenario(tmp_path, "polcy: {}\n")
    code = main(["solve", str(scen), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "未知的键 polcy" in err and "第 5 行" in err


def test_load_scenario_collects_every_problem(tmp_path: Path) -> None:
    scen = _scenario(tmp_path, "polcy: {}\nweights: {focus: x}\n")
    with pytest.raises(DataError) as exc:
        load_scenario(scen)
    assert {p.code for p in exc.value.report.errors} == {"unknown_key", "bad_value"}


# --------------------------------------------------------------------------- what-ifs


def test_rezone_replace_closes_a_zone_to_its_old_cluster(tmp_path: Path) -> None:
    code, out = _solve(tmp_path, _scenario(tmp_path))
    assert code == 0
    assert _placed(out)["J3"] == "P3"  # the c2 project on the c2 parcel
    scen = _scenario(tmp_path, "rezone:\n  - {zone: B, clusters: [c1]}\n", name="rz.yaml")
    code, out = _solve(tmp_path, scen, "--overwrite")
    assert code == 0
    placed = _placed(out)
    assert "J3" not in placed
    u = pd.read_csv(out / "unassigned.csv", dtype=str)
    assert u.loc[u["project_id"] == "J3", "reason_code"].item() == "no_candidate"
    from geodata.store import load

    _, t, _ = load(tmp_path / "d.gpkg")
    assert list(t.parcels.loc[t.parcels["parcel_id"] == "P3", "clusters"].item()) == ["c2"]


def test_rezone_add_opens_a_zone_to_another_cluster(tmp_path: Path) -> None:
    body = (
        "rezone:\n  - {zone: B, clusters: [c1], mode: add}\n"
        "withheld: [P1, P2]\n"  # only P3 is left: J1 can land there only after the re-zoning
    )
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0
    assert _placed(out).get("J1") == "P3"


def test_extra_projects_are_solved_with_the_data(tmp_path: Path) -> None:
    body = (
        "extra_projects:\n"
        "  - {project_id: NEW1, name: 新项目, cluster: c1, stage: signed, investment_yi: 80,"
        " land_mu: 45}\n"
        "pins: {NEW1: P2}\n"
    )
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0
    assert _placed(out)["NEW1"] == "P2"
    a = pd.read_csv(out / "assignments.csv", dtype=str)
    assert a.loc[a["project_id"] == "NEW1", "name"].item() == "新项目"


def test_extra_project_tags_may_be_a_yaml_list(tmp_path: Path) -> None:
    from landalloc.run import prepare

    body = (
        "extra_projects:\n"
        "  - {project_id: NEW1, cluster: c1, investment_yi: 2, land_mu: 45,"
        " tags: [hq, listed]}\n"
    )
    inst = prepare(_scenario(tmp_path, body))[3]
    (new,) = [p for p in inst.projects if p.project_id == "NEW1"]
    assert set(new.tags) == {"hq", "listed"}


# --------------------------------------------------------------------------- extra parcels


def _lonlat(x: float, y: float) -> tuple[float, float]:
    """Lon/lat (CGCS2000) of a point given in the test data's EPSG:4549 metres."""
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True).transform(x, y)
    return float(lon), float(lat)


#: A free spot in zone A of the test data, 5 km east of its parcels: centre and a 120 亩 square.
FREE_X, FREE_Y = X0 + 5200.0, Y0 + 100.0
SIDE_120 = (120 * M2_PER_MU) ** 0.5


def _square_wkt(lonlat: bool) -> str:
    h = SIDE_120 / 2
    corners = [
        (FREE_X - h, FREE_Y - h),
        (FREE_X + h, FREE_Y - h),
        (FREE_X + h, FREE_Y + h),
        (FREE_X - h, FREE_Y + h),
    ]
    if lonlat:
        corners = [_lonlat(x, y) for x, y in corners]
    ring = [*corners, corners[0]]
    return "POLYGON ((" + ", ".join(f"{x:.8f} {y:.8f}" for x, y in ring) + "))"


#: An extra project of 100 亩: no parcel of the test data (50 亩 each, none adjacent) can hold it.
NEW_PROJECT = (
    "extra_projects:\n"
    "  - {project_id: NEW1, name: 新项目, cluster: c1, stage: signed, investment_yi: 50,"
    " land_mu: 100}\n"
)


def _geometry_keys(form: str) -> str:
    lon, lat = _lonlat(FREE_X, FREE_Y)
    if form == "lonlat":
        return f"    lonlat: [{lon:.8f}, {lat:.8f}]\n    area_mu: 120\n"
    if form == "wkt_4549":
        return f"    wkt: {_square_wkt(False)}\n    crs: EPSG:4549\n"
    return f"    wkt: '{_square_wkt(True)}'\n"  # default crs: EPSG:4490 lon/lat


@pytest.mark.parametrize("form", ["lonlat", "wkt_4549", "wkt_lonlat"])
def test_an_extra_parcel_hosts_an_extra_project_that_fits_only_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    body = (
        NEW_PROJECT
        + "extra_parcels:\n"
        + "  - parcel_id: X1\n    zone: A\n    clusters: [c1]\n    ready_power: 2025-06-30\n"
        + _geometry_keys(form)
    )
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0, capsys.readouterr().err
    placed = _placed(out)
    assert placed["NEW1"] == "X1"
    assert {placed["J1"], placed["J2"], placed["J3"]} == {"P1", "P2", "P3"}
    import geopandas as gpd

    par = gpd.read_file(out / "result.gpkg", layer="parcels")
    x1 = par[par["parcel_id"] == "X1"].iloc[0]
    assert (x1["status"], x1["project_id"], x1["zone"]) == ("placed", "NEW1", "A")
    assert x1["area_mu"] == pytest.approx(120, rel=1e-3)  # from the polygon when not given
    assert x1.geometry.area / M2_PER_MU == pytest.approx(120, rel=1e-3)  # in EPSG:4549 metres
    assert x1.geometry.centroid.distance(Point(FREE_X, FREE_Y)) < 1.0
    assert "X1" in (out / "map.html").read_text(encoding="utf-8")
    ready = pd.read_csv(out / "readiness.csv", dtype=str)
    assert "X1" in set(ready["parcel_id"])
    report = pd.read_excel(out / "report.xlsx", sheet_name=None)
    assert any((df == "X1").any().any() for df in report.values())


def test_an_extra_parcel_beside_a_data_parcel_forms_a_group_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    side50, side45 = (50 * M2_PER_MU) ** 0.5, (45 * M2_PER_MU) ** 0.5
    x = X0 + side50 + 10.0  # 10 m east of P1: adjacent for 合并供地
    ring = [(x, Y0), (x + side45, Y0), (x + side45, Y0 + side45), (x, Y0 + side45), (x, Y0)]
    wkt = "POLYGON ((" + ", ".join(f"{a:.3f} {b:.3f}" for a, b in ring) + "))"
    body = (
        NEW_PROJECT.replace("land_mu: 100", "land_mu: 90")
        + "extra_parcels:\n"
        + f"  - {{parcel_id: X1, zone: A, clusters: [c1], crs: 'EPSG:4549', wkt: '{wkt}'}}\n"
    )
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0, capsys.readouterr().err
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    new = a[a["project_id"] == "NEW1"]
    assert set(new["carrier_id"]) == {"P1", "X1"}
    assert new["group_id"].nunique() == 1 and new["group_id"].iloc[0]


def test_pins_and_withheld_may_name_an_extra_parcel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = "extra_parcels:\n  - parcel_id: X1\n    zone: A\n" + _geometry_keys("lonlat")
    small = small.replace("area_mu: 120", "area_mu: 50")
    code, out = _solve(tmp_path, _scenario(tmp_path, small + "pins: {J3: X1}\n"))
    assert code == 0, capsys.readouterr().err
    assert _placed(out)["J3"] == "X1"  # a c2 project pinned to the (open) extra parcel
    extra = "extra_parcels:\n  - parcel_id: X1\n    zone: A\n" + _geometry_keys("lonlat")
    scen = _scenario(tmp_path, NEW_PROJECT + extra + "withheld: [X1]\n", name="w.yaml")
    code, out = _solve(tmp_path, scen, "--overwrite")
    assert code == 0, capsys.readouterr().err
    assert "NEW1" not in _placed(out)


def test_extra_parcels_leave_the_data_file_untouched(tmp_path: Path) -> None:
    from geodata.store import load
    from landalloc.run import file_hash

    data = _data(tmp_path)
    before = file_hash(data)
    body = (
        NEW_PROJECT + "extra_parcels:\n  - parcel_id: X1\n    zone: A\n" + _geometry_keys("lonlat")
    )
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0
    assert _placed(out)["NEW1"] == "X1"
    assert file_hash(data) == before
    _, t, _ = load(data)
    assert sorted(t.parcels["parcel_id"]) == ["P1", "P2", "P3"]
    assert "NEW1" not in set(t.projects["project_id"])


# --------------------------------------------------------------------------- maps of what-ifs


def test_map_of_a_result_with_an_extra_parcel_draws_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        NEW_PROJECT + "extra_parcels:\n  - parcel_id: X1\n    zone: A\n    clusters: [c1]\n"
    ) + _geometry_keys("lonlat")
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0, capsys.readouterr().err
    assert _placed(out)["NEW1"] == "X1"
    again = tmp_path / "again.html"
    assert main(["--lang", "en", "map", str(out), "--out", str(again)]) == 0, (
        capsys.readouterr().err
    )
    html = again.read_text(encoding="utf-8")
    assert '"X1"' in html and "新项目" in html
    # the map written by solve and the one re-rendered from the folder are the same page
    assert html == (out / "map.html").read_text(encoding="utf-8")
    # side by side with a result of the data alone: the other run's extra parcel is drawn too
    plain = tmp_path / "plain"
    scen = _scenario(tmp_path, name="plain.yaml")
    assert main(["--lang", "en", "solve", str(scen), "--out", str(plain)]) == 0
    both = tmp_path / "both.html"
    assert main(["--lang", "en", "map", str(plain), "--compare", str(out), "--out", str(both)]) == 0
    html = both.read_text(encoding="utf-8")
    assert '"X1"' in html and "新项目" in html


def test_map_of_a_rezone_result_sees_the_new_zoning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import maps.render

    seen: list[Any] = []
    render = maps.render.render_result_map

    def spy(tables: Any, *args: Any, **kwargs: Any) -> str:
        seen.append(tables)
        return render(tables, *args, **kwargs)

    monkeypatch.setattr(maps.render, "render_result_map", spy)
    scen = _scenario(tmp_path, "rezone:\n  - {zone: B, clusters: [c1]}\n")
    code, out = _solve(tmp_path, scen)
    assert code == 0, capsys.readouterr().err
    seen.clear()
    assert main(["--lang", "en", "map", str(out), "--overwrite"]) == 0, capsys.readouterr().err
    (tables,) = seen
    par = tables.parcels.set_index("parcel_id")
    assert list(par.loc["P3", "clusters"]) == ["c1"]  # zone B as re-zoned, not the data's c2
    assert list(par.loc["P1", "clusters"]) == ["c1"]
    # a recorded scenario that no longer fits the data is refused, naming the file and key
    recorded = out / "scenario.yaml"
    text = recorded.read_text(encoding="utf-8")
    recorded.write_text(text.replace("zone: B", "zone: Q"), encoding="utf-8")
    assert main(["--lang", "en", "map", str(out), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "scenario.yaml" in err and "rezone" in err and "zone Q" in err


def _item(*lines: str) -> str:
    """One extra parcel in block style: ``- parcel_id: X1`` is on line 6 of the scenario."""
    return "extra_parcels:\n  - " + "\n    ".join(lines) + "\n"


_LL = "lonlat: [120.06, 31.44]"  # free land in zone A (about 5.7 km east of the test parcels)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(
            _item("parcel_id: P1", "zone: A", _LL, "area_mu: 30"),
            ["P1", "already exists", "extra_parcels.0.parcel_id", "row 6"],
            id="id_in_data",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", _LL, "area_mu: 30")
            + "  - {parcel_id: X1, zone: A, lonlat: [120.07, 31.44], area_mu: 30}\n",
            ["X1", "same as extra_parcels.0", "extra_parcels.1.parcel_id", "row 10"],
            id="id_repeated",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: AA", _LL, "area_mu: 30"),
            ["zone AA", "expected: A", "extra_parcels.0.zone", "row 7"],
            id="unknown_zone",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "clusters: [c1, c3]", _LL, "area_mu: 30"),
            ["cluster c3", "extra_parcels.0.clusters", "row 8"],
            id="unknown_cluster",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "wkt: POLYGN ((0 0, 1 0, 1 1, 0 0))"),
            ["cannot be parsed", "extra_parcels.0.wkt", "row 8"],
            id="bad_wkt",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "wkt: POINT (120.06 31.44)"),
            ["must be polygons", "extra_parcels.0.wkt", "row 8"],
            id="not_polygon",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "wkt: POLYGON ((0 0, 1 0, 1 1, 0 0))", "crs: EPSG:0"),
            ["unrecognised CRS", "extra_parcels.0.crs", "row 9"],
            id="bad_crs",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "wkt: POLYGON ((0 0, 1 0, 1 1, 0 0))"),
            ["outside the area", "extra_parcels.0.wkt", "row 8"],
            id="wkt_outside_china",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "wkt: POLYGON ((0 0, 1 0, 1 1, 0 0))", _LL),
            ["only one of wkt and lonlat", "extra_parcels.0.lonlat", "row 9"],
            id="both",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "area_mu: 30"),
            ["one of wkt and lonlat", "extra_parcels.0", "row 6"],
            id="neither",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "lonlat: [31.44, 120.06]", "area_mu: 30"),
            ["outside China", "swapped", "extra_parcels.0.lonlat", "row 8"],
            id="lonlat_swapped",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "lonlat: [120.06]", "area_mu: 30"),
            ["two numbers", "extra_parcels.0.lonlat", "row 8"],
            id="lonlat_not_a_pair",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", _LL),
            ["needs area_mu", "extra_parcels.0.area_mu", "row 6"],
            id="lonlat_without_area",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", "lonlat: [120.001, 31.443]", "area_mu: 30"),
            ["X1 overlaps parcel P1", "extra_parcels.0.lonlat", "row 8"],
            id="overlaps_data",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", _LL, "area_mu: lots", "divisible: maybe"),
            ["extra_parcels.0.area_mu", "row 9", "extra_parcels.0.divisible", "row 10"],
            id="wrong_types",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", _LL, "aera_mu: 30"),
            ["did you mean extra_parcels.0.area_mu", "row 9"],
            id="unknown_key",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", _LL, "area_mu: 30", "ready_power: 2026-13-01"),
            ["invalid date '2026-13-01'", "row 10"],
            id="impossible_date",
        ),
        pytest.param(
            _item("parcel_id: X1", "zone: A", _LL, "area_mu: 30", "ready_power: 2026-1-x"),
            ["not a date", "extra_parcels.0.ready_power", "row 10"],
            id="bad_date",
        ),
        pytest.param(
            _item("zone: A", _LL, "area_mu: 30"),
            ["parcel_id is blank", "extra_parcels.0.parcel_id", "row 6"],
            id="no_id",
        ),
    ],
)
def test_bad_extra_parcels_exit_2_naming_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, words: list[str]
) -> None:
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    err = capsys.readouterr().err
    assert code == 2, err
    for w in words:
        assert w in err, (w, err)
    assert "Traceback" not in err
    assert not out.exists()


def test_extra_parcel_area_must_match_its_polygon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from landalloc.scenario import AREA_TOLERANCE

    body = "extra_parcels:\n  - parcel_id: X1\n    zone: A\n" + _geometry_keys("wkt_4549")
    ok = _scenario(tmp_path, body + f"    area_mu: {120 * (1 + AREA_TOLERANCE * 0.9):.3f}\n")
    code, _ = _solve(tmp_path, ok)
    assert code == 0, capsys.readouterr().err
    bad = _scenario(tmp_path, body + "    area_mu: 200\n", name="bad.yaml")
    code, _ = _solve(tmp_path, bad, "--overwrite")
    err = capsys.readouterr().err
    assert code == 2
    assert "differs from the polygon's 120.00 mu" in err
    assert "extra_parcels.0.area_mu" in err and "row 10" in err


def test_every_bad_extra_parcel_is_reported_at_once(tmp_path: Path) -> None:
    from geodata.store import load
    from landalloc.run import prepare

    body = (
        "extra_parcels:\n"
        "  - {parcel_id: P1, zone: A, lonlat: [120.06, 31.44], area_mu: 30}\n"
        "  - {parcel_id: X2, zone: Q, lonlat: [120.07, 31.44], area_mu: x}\n"
        "  - {parcel_id: X3, zone: B, wkt: 'LINESTRING (120 31, 121 31)'}\n"
        "  - {parcel_id: X4, zone: B, lonlat: [120.08, 31.44], area_mu: 30}\n"
        "  - {parcel_id: X5, zone: B, lonlat: [120.08, 31.44], area_mu: 30}\n"
        "pins: {J1: X4}\n"
    )
    with pytest.raises(DataError) as exc:
        prepare(_scenario(tmp_path, body))
    problems = [(p.code, p.column, p.row) for p in exc.value.report.errors]
    assert sorted(problems) == sorted(
        [
            ("duplicate_id", "extra_parcels.0.parcel_id", 6),
            ("bad_number", "extra_parcels.1.area_mu", 7),
            ("unknown_zone", "extra_parcels.1.zone", 7),
            ("not_polygon", "extra_parcels.2.wkt", 8),
            ("overlapping_parcels", "extra_parcels.4.lonlat", 10),
        ]
    )  # the pin to the extra parcel X4 is fine
    _, t, _ = load(tmp_path / "d.gpkg")
    assert len(t.parcels) == 3


def test_extra_projects_pinned_to_an_extra_parcel_pass_the_data_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "extra_parcels:\n  - parcel_id: X1\n    zone: A\n" + _geometry_keys("lonlat")
    pinned = (
        "extra_projects:\n"
        "  - {project_id: NEW1, cluster: c1, investment_yi: 1, land_mu: 90, pinned_carrier: X1}\n"
        "  - {project_id: NEW2, cluster: c1, investment_yi: 1, land_mu: 9, pinned_carrier: X9}\n"
    )
    code, _ = _solve(tmp_path, _scenario(tmp_path, pinned + extra))
    err = capsys.readouterr().err
    assert code == 2
    assert "X9" in err and "extra_projects.1.pinned_carrier" in err and "row 7" in err
    assert "X1" not in err


def test_data_warnings_are_shown_listed_and_blocking_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = tables(
        [parcel("P1", 50, 0, clusters="c1"), parcel("P2", 50, 1000, clusters="c1")],
        [project("J1", land_mu=45, inv=5.0), project("J9", land_mu=45, inv=2.0, cluster="c9")],
        {2026: 200.0, 2027: 200.0},
    )
    write_gpkg(t, tmp_path / "d.gpkg")
    scen = _scenario(tmp_path)
    code, out = _solve(tmp_path, scen)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "cluster_without_carrier" in err and "c9" in err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert any("c9" in w for w in summary["warnings"])
    strict_out = tmp_path / "strict"
    code = main(["--lang", "en", "solve", str(scen), "--out", str(strict_out), "--strict"])
    err = capsys.readouterr().err
    assert code == 2 and "c9" in err and "Traceback" not in err
    assert not strict_out.exists()
