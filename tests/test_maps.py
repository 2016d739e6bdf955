"""Tests of the maps without a browser: payload, escaping, offline assets, geometry, CLI."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from map_sample import fake_result, sample_tables
from shapely.geometry import Polygon

from geodata.report import DataError
from geodata.store import write_tables
from landalloc.cli import main
from maps import geom
from maps.offline import external_refs, script_json, tile_specs, wgs84_to_gcj02
from maps.render import ResultTables, render_compare_map, render_result_map, write_map

NASTY = 'C:\\2019 "光子" </script> `x` \\u0041'
_INIT_RE = re.compile(
    r"LandallocMap\.init\(map_la\d, landallocGeo, (.*?)\);(?:LandallocMap|\s*$)", re.M
)


def _payloads(html: str) -> list[dict[str, Any]]:
    out = []
    for m in _INIT_RE.finditer(html):
        out.append(json.loads(m.group(1)))
    return out


def _geo(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="landalloc-geo">(.*?)</script>', html)
    assert m is not None
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def small() -> tuple[Any, ...]:
    tables = sample_tables(9, vertices=12)
    a, u, k, r = fake_result(tables, share=0.7, names={0: NASTY})
    return tables, a, u, k, r


def test_result_map_is_offline_and_self_contained(small: tuple[Any, ...]) -> None:
    tables, a, u, k, r = small
    html = render_result_map(tables, a, u, k, readiness=r, title="基准方案", date="2025-01-02")
    assert external_refs(html) == []
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    for cdn in ("jsdelivr", "cdnjs", "unpkg", "bootstrapcdn", "code.jquery"):
        assert cdn not in html
    assert 't.version="1.9.3"' in html  # Leaflet inlined from xstatic-leaflet
    assert "leaflet.js.map" not in html
    assert "tile.openstreetmap" not in html


def test_payload_describes_every_parcel_and_placement(small: tuple[Any, ...]) -> None:
    tables, a, u, k, r = small
    html = render_result_map(tables, a, u, k, readiness=r, title="T", date="2025-01-02")
    geo = _geo(html)
    (p,) = _payloads(html)
    assert [row[0] for row in geo["parcels"]] == list(tables.parcels["parcel_id"])
    placed = set(a.loc[a["carrier_kind"] == "parcel", "carrier_id"])
    ids = [row[0] for row in geo["parcels"]]
    assert {ids[i] for i, rows in enumerate(p["prow"]) if rows} == placed
    assert sum(len(rows) for rows in p["frow"]) == int((a["carrier_kind"] == "factory").sum())
    assert p["years"] == sorted({int(y) for y in a["year"]})
    assert len(geo["zones"]) == len(tables.zones)
    kpi_text = json.dumps(p["kpi"], ensure_ascii=False)
    assert "落地总投资" in kpi_text and "2025 全区" in kpi_text and "≥10亿" in kpi_text
    assert "3 / 4" in kpi_text  # ≥10亿 placed / pipeline
    assert p["unassignedTotal"] == 2 and "用完" in p["unassigned"][0]
    assert p["dateline"].endswith("2025-01-02") and "基准方案" in p["dateline"]


def test_parcel_popup_data_names_land_use_and_admitted_clusters(small: tuple[Any, ...]) -> None:
    tables, a, u, k, r = small
    parcels = tables.parcels.copy()
    code, name = tables.clusters["cluster"].iloc[0], tables.clusters["name_zh"].iloc[0]
    parcels["clusters"] = [(code,)] + [()] * (len(parcels) - 1)
    parcels["land_use"] = ["M0"] + ["M1"] * (len(parcels) - 1)
    changed = dataclasses.replace(tables, parcels=parcels)
    geo = _geo(render_result_map(changed, a, u, k, readiness=r, title="T", date="2025-01-02"))
    assert geo["parcels"][0][4:] == ["M0", name]
    assert geo["parcels"][1][4:] == ["M1", "不限（工业用途均可）"]
    geo_en = _geo(render_result_map(changed, a, u, k, title="T", date="2025-01-02", lang="en"))
    assert geo_en["parcels"][1][5] == "any industrial use"


def test_user_text_is_escaped_everywhere(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _r = small
    html = render_result_map(tables, a, u, k, title=NASTY, subtitle=NASTY, date="2025-01-02")
    # the only </script> are the real closing tags
    assert html.count("</script>") == len(re.findall(r"<script\b", html))
    assert "</script> `x`" not in html
    (p,) = _payloads(html)
    assert p["title"] == NASTY and p["subtitle"] == NASTY
    assert NASTY in [proj[1] for proj in p["projects"]]
    assert "<title>C:\\2019 &quot;光子&quot; &lt;/script&gt;" in html


def test_script_json_escapes_markup() -> None:
    text = script_json({"a": "</script><!--&\u2028", "n": float("nan")})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!--&\u2028", "n": None}


def test_english_map(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _r = small
    html = render_result_map(tables, a, u, k, title="T", lang="en", date="2025-01-02")
    (p,) = _payloads(html)
    assert p["t"]["legend"] == "Legend"
    assert "Investment placed" in json.dumps(p["kpi"])
    assert p["unassigned"][0].endswith("2025 quota used by higher-priority projects")


def test_unknown_carrier_and_missing_column_are_reported(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _ = small
    bad = a.copy()
    bad.loc[1, "carrier_id"] = "NOPE"
    with pytest.raises(DataError) as exc:
        render_result_map(tables, bad, u, k, title="T")
    (problem,) = exc.value.report.errors
    assert problem.code == "unknown_carrier" and problem.row == 2
    assert problem.column == "carrier_id" and "NOPE" in problem.zh
    with pytest.raises(DataError) as exc:
        render_result_map(tables, a.drop(columns="carrier_id"), u, k, title="T")
    assert exc.value.report.errors[0].code == "missing_column"
    assert "carrier_id" in exc.value.report.errors[0].zh


def test_bad_readiness_status_is_reported(small: tuple[Any, ...]) -> None:
    tables, a, u, k, r = small
    bad = r.copy()
    bad.loc[0, "status"] = "maybe"
    with pytest.raises(DataError) as exc:
        render_result_map(tables, a, u, k, readiness=bad, title="T")
    assert exc.value.report.errors[0].code == "bad_status"


def test_basemap_choices() -> None:
    assert tile_specs("none") == []
    assert "openstreetmap" in tile_specs("osm")[0].url
    with pytest.raises(DataError, match="key"):
        tile_specs("tianditu")
    with pytest.raises(DataError, match="key"):
        tile_specs("tianditu", tianditu_key='abc"><script>')
    tdt = tile_specs("tianditu", tianditu_key="0123456789abcdef")
    assert all(s.url.endswith("tk=0123456789abcdef") for s in tdt)
    with pytest.raises(DataError, match="GCJ-02"):
        tile_specs("gaode")
    assert "autonavi" in tile_specs("gaode", shift_gcj02=True)[0].url
    with pytest.raises(DataError):
        tile_specs("google")


def test_tile_urls_only_in_script(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _r = small
    html = render_result_map(tables, a, u, k, title="T", basemap="osm")
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert external_refs(html) == []


def test_gcj02_shift_is_display_only(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _r = small
    before = tables.parcels.geometry.copy()
    plain = _geo(render_result_map(tables, a, u, k, title="T"))
    html = render_result_map(tables, a, u, k, title="T", basemap="gaode", shift_gcj02=True)
    shifted = _geo(html)
    assert tables.parcels.geometry.geom_equals(before).all()
    (p,) = _payloads(html)
    assert "GCJ-02" in p["notice"]
    (lat0, lng0), (lat1, lng1) = plain["bounds"][0], shifted["bounds"][0]
    # about 500 m east and 200 m south in Suzhou
    assert 0.003 < lng1 - lng0 < 0.007
    assert -0.004 < lat1 - lat0 < 0.0


def test_gcj02_formula() -> None:
    pts = np.array([[120.45, 31.30], [2.35, 48.85]])
    out = wgs84_to_gcj02(pts)
    assert np.allclose(out[1], pts[1])  # outside China: unchanged
    dx = (out[0, 0] - pts[0, 0]) * 111_320 * np.cos(np.radians(31.3))
    dy = (out[0, 1] - pts[0, 1]) * 110_540
    assert 300 < np.hypot(dx, dy) < 700


def test_geometry_encoding_round_trip() -> None:
    poly = Polygon([(120.1, 31.2), (120.102, 31.2), (120.102, 31.2015), (120.1, 31.2015)])
    (enc,) = geom.encode_polygonal(poly)
    ring = geom.decode_ring(enc[0])
    assert len(ring) == 4
    assert ring[0] == (31.2, 120.1)
    assert ring[2] == pytest.approx((31.2015, 120.102))


def test_simplify_removes_wobble_and_keeps_shared_edges() -> None:
    # two neighbours sharing a wobbly edge (sub-metre wobble), as a clean coverage
    wob = [(100.0, y, 0.3 * np.sin(y)) for y in np.arange(0, 101, 5.0)]
    edge = [(x + dx, y) for x, y, dx in wob]
    left = Polygon([(0, 0), *edge, (0, 100)])
    right = Polygon([(200, 0), (200, 100), *reversed(edge)])
    gs = gpd.GeoSeries([left, right], crs="EPSG:4549").translate(535000, 3462000)
    out = geom.simplify(gs, 1.0)
    assert all(
        len(g.exterior.coords) < len(o.exterior.coords) for g, o in zip(out, gs, strict=True)
    )
    assert out.is_valid.all()
    assert out.iloc[0].intersection(out.iloc[1]).area < 1e-6
    assert out.iloc[0].intersection(out.iloc[1]).length > 99  # still one common boundary
    assert abs(out.area.sum() - gs.area.sum()) / gs.area.sum() < 0.01


def test_size_per_parcel_is_within_budget() -> None:
    tables = sample_tables(1000, vertices=24, n_factories=20)
    a, u, k, r = fake_result(tables)
    html = render_result_map(tables, a, u, k, readiness=r, title="T")
    size = len(html.encode("utf-8"))
    assets = 200_000
    # the 8 MB budget for 10 000 parcels is 800 bytes per parcel
    assert size - assets < 1000 * 800, size


def test_compare_map_is_one_map_with_every_scenario_as_a_layer(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _r = small
    land = a[a["carrier_kind"] == "parcel"].reset_index(drop=True)
    base = pd.concat([land, a[a["carrier_kind"] == "factory"]], ignore_index=True)
    # scenario 乙: the first project lost, the second moved to the first free parcel,
    # a new project gained on the second free parcel
    free = [p for p in tables.parcels["parcel_id"] if p not in set(land["carrier_id"])]
    lost_pid, moved = land.loc[0, "carrier_id"], land.loc[1, "carrier_id"]
    other = base.drop(index=0).copy()
    other.loc[1, "carrier_id"] = free[0]
    gained = other.iloc[[0]].assign(project_id="NEW1", name="新项目", carrier_id=free[1])
    other = pd.concat([other, gained], ignore_index=True)
    third = base.iloc[2:].copy()
    html = render_compare_map(
        tables,
        ResultTables("方案甲", base, u, k),
        ResultTables("方案乙", other, u, {**k, "investment_yi": k["investment_yi"] - 10.0}),
        ResultTables("方案丙", third, u, {**k, "jobs": k["jobs"] + 5}),
        date="2025-01-02",
    )
    assert html.count('id="landalloc-geo"') == 1
    (p,) = _payloads(html)  # one large map, not one pane per scenario
    assert [plan["label"] for plan in p["plans"]] == ["方案甲", "方案乙", "方案丙"]
    assert p["title"] == "方案甲 ↔ 方案乙 ↔ 方案丙"
    cmp = p["compare"]
    assert cmp["shown"] == 1  # the first change against the base, shown on load
    ids = list(tables.parcels["parcel_id"])
    codes = dict(zip(ids, cmp["changes"][1], strict=True))
    assert codes[lost_pid] == 1  # lost
    assert codes[moved] == 3 and codes[free[0]] == 3  # moved: where it was and where it is
    assert codes[free[1]] == 2  # gained
    assert sum(1 for c in cmp["changes"][1] if c) == 4
    assert cmp["changes"][0] == [0] * len(ids)  # the base against itself
    assert cmp["counts"][1] == [1, 1, 2]
    # one KPI table: base, each scenario and its Δ to the base
    inv = next(r for r in cmp["rows"] if r["label"].startswith("落地总投资"))
    assert inv["deltas"] == ["0", "−10.0", "0"] and inv["dirs"] == [0, -1, 0]
    jobs = next(r for r in cmp["rows"] if r["label"] == "就业（人）")
    assert jobs["deltas"][2] == "+5" and jobs["dirs"][2] == 1
    assert external_refs(html) == []


def test_compare_needs_two_scenarios(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _r = small
    with pytest.raises(ValueError):
        render_compare_map(tables, ResultTables("甲", a, u, k))


def test_cluster_palette_is_one_colour_blind_safe_set(small: tuple[Any, ...]) -> None:
    tables, a, u, k, _r = small
    (p,) = _payloads(render_result_map(tables, a, u, k, title="T"))
    colours = [c[2] for c in p["clusters"] if c[0]]
    okabe_ito = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"}
    assert set(colours) == okabe_ito  # the sample's seven clusters, one colour each
    # the data's own colours (which clashed with the readiness outlines) are not used
    assert not {c.lower() for c in colours} & {str(c).lower() for c in tables.clusters["color"]}
    kpi = json.dumps(p["kpi"], ensure_ascii=False)
    assert "就业（人）" in kpi and "落地项目 / 项目库（个）" in kpi


def test_one_name_per_readiness_state() -> None:
    from maps.i18n import code_label, texts

    t = texts("zh")
    assert (
        [code_label("readiness", c, "zh") for c in ("ready", "ready_by", "blocked")]
        == [
            t["ready"],
            t["readyBy"],
            t["blocked"],
        ]
        == ["已具备", "预计具备", "不具备"]
    )
    # the legend and filters name the states only by these words (no colour words)
    words = " ".join(t.values())
    for colour in ("红色", "橙色", "绿色"):
        assert colour not in words


def test_write_map_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "m.html"
    write_map("<html>中文</html>", target)
    assert target.read_text(encoding="utf-8") == "<html>中文</html>"
    assert [p.name for p in target.parent.iterdir()] == ["m.html"]


# --------------------------------------------------------------------------- CLI


def _result_dir(tmp_path: Path, name: str, tables: Any, gpkg: Path, **extra: Any) -> Path:
    a, u, k, r = fake_result(tables, names={0: NASTY})
    d = tmp_path / name
    d.mkdir()
    a.to_csv(d / "assignments.csv", index=False, encoding="utf-8-sig")
    u.to_csv(d / "unassigned.csv", index=False, encoding="utf-8-sig")
    r.to_csv(d / "readiness.csv", index=False, encoding="utf-8-sig")
    summary = {"scenario": name, "status": "OPTIMAL", "kpis": k, "data": str(gpkg), **extra}
    (d / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    tables = sample_tables(9)
    path = tmp_path_factory.mktemp("data") / "d.gpkg"
    write_tables(tables, path)
    return tables, path


def test_cli_map_writes_map_and_refuses_to_overwrite(
    tmp_path: Path, gpkg: tuple[Any, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tables, path = gpkg
    d = _result_dir(tmp_path, "基准", tables, path, created="2025-03-04T10:00:00")
    assert main(["map", str(d)]) == 0
    html = (d / "map.html").read_text(encoding="utf-8")
    (p,) = _payloads(html)
    assert p["title"] == "基准" and p["dateline"].endswith("2025-03-04")
    assert NASTY in [proj[1] for proj in p["projects"]]
    assert any(p["pready"])  # readiness.csv with parcel_id/status was used
    assert "已写出地图" in capsys.readouterr().out
    assert main(["map", str(d)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["map", str(d), "--overwrite"]) == 0


def test_cli_map_bad_usage(
    tmp_path: Path, gpkg: tuple[Any, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tables, path = gpkg
    d = _result_dir(tmp_path, "r", tables, path)
    assert main(["map", str(d), "--basemap", "gaode"]) == 2
    err = capsys.readouterr().err
    assert "GCJ-02" in err and "Traceback" not in err
    assert main(["--lang", "en", "map", str(d), "--basemap", "tianditu"]) == 2
    assert "Tianditu" in capsys.readouterr().err
    assert not (d / "map.html").exists()
    (d / "summary.json").unlink()
    assert main(["map", str(d)]) == 2
    assert "summary.json" in capsys.readouterr().err
    assert main(["map", str(tmp_path / "nowhere")]) == 2
    assert "找不到结果目录" in capsys.readouterr().err


def test_cli_map_data_moved(
    tmp_path: Path, gpkg: tuple[Any, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tables, _ = gpkg
    d = _result_dir(tmp_path, "r", tables, tmp_path / "gone.gpkg")
    assert main(["map", str(d)]) == 2
    err = capsys.readouterr().err
    assert "gone.gpkg" in err and "summary.json" in err


def test_cli_map_result_from_other_data(
    tmp_path: Path, gpkg: tuple[Any, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tables, path = gpkg
    d = _result_dir(tmp_path, "r", tables, path)
    a = pd.read_csv(d / "assignments.csv", dtype=str, keep_default_na=False)
    a.loc[0, "carrier_id"] = "P99999"
    a.to_csv(d / "assignments.csv", index=False)
    assert main(["map", str(d)]) == 2
    err = capsys.readouterr().err
    assert "P99999" in err and "assignments" in err and "第 1 行" in err
    assert not (d / "map.html").exists()


def test_cli_map_compare(
    tmp_path: Path, gpkg: tuple[Any, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tables, path = gpkg
    a = _result_dir(tmp_path, "甲", tables, path)
    b = _result_dir(tmp_path, "乙", tables, path)
    c = _result_dir(tmp_path, "丙", tables, path)
    out = tmp_path / "cmp.html"
    argv = ["map", str(a), "--compare", str(b), "--compare", str(c), "--out", str(out)]
    assert main(argv) == 0
    (p,) = _payloads(out.read_text(encoding="utf-8"))
    assert [plan["label"] for plan in p["plans"]] == ["甲", "乙", "丙"]
    assert p["compare"]["names"] == ["甲", "乙", "丙"]


def test_cli_map_readiness_file(
    tmp_path: Path, gpkg: tuple[Any, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tables, path = gpkg
    d = _result_dir(tmp_path, "r", tables, path)
    (d / "readiness.csv").unlink()
    ready = tmp_path / "readiness_parcels.csv"
    ids = list(tables.parcels["parcel_id"])
    pd.DataFrame(
        {"parcel_id": ids, "status": ["blocked"] * len(ids), "missing": ["供电 未排期"] * len(ids)}
    ).to_csv(ready, index=False)
    assert main(["map", str(d), "--readiness", str(ready)]) == 0
    (p,) = _payloads((d / "map.html").read_text(encoding="utf-8"))
    assert all(r[0] == 3 and r[2] == "供电 未排期" for r in p["pready"])
    pd.DataFrame({"id": ids}).to_csv(ready, index=False)
    assert main(["map", str(d), "--readiness", str(ready), "--overwrite"]) == 2
    assert "parcel_id" in capsys.readouterr().err


def test_alternative_plans_ride_on_the_result_map() -> None:
    tables = sample_tables(12, vertices=6)
    a, u, k, _r = fake_result(tables)
    b = a.iloc[: len(a) // 2]
    plans = [("B", ResultTables("s", b, u, {**k, "objective": 7.5}))]
    html = render_result_map(tables, a, u, {**k, "objective": 9.0}, title="t", plans=plans)
    (payload,) = _payloads(html)
    assert [p["label"] for p in payload["plans"]] == ["方案A", "方案B"]
    # plan A's placements are the result's own; plan B's are its own table's
    assert payload["plans"][0] == {"label": "方案A", "same": True}  # sent once
    n_b = sum(len(on) for p in ("prow", "frow") for on in payload["plans"][1][p])
    assert n_b == len(b)
    section = payload["kpi"][-1]
    assert section[0].startswith("比选方案")
    assert [row[0] for row in section[1]] == ["方案A", "方案B"]
    assert "9.00" in section[1][0][1] and "7.50" in section[1][1][1]
    # without plans, nothing of them
    (plain,) = _payloads(render_result_map(tables, a, u, k, title="t"))
    assert "plans" not in plain
