"""PostGIS as a store beside the GeoPackage (issue 22), against a real throw-away cluster.

The cluster is the session fixture of ``tests/pg_fixture.py`` (no mock); the password of its
role reaches libpq through ``PGPASSWORD`` only (fixture ``pg``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import sqlalchemy as sa
from builders import parcel, project, tables, write_gpkg
from pg_fixture import PgCluster

from geodata.postgis import engine, write_db, write_frame
from geodata.postgis_url import db_url, has_password, masked, parse_target
from geodata.report import DataError
from geodata.store import validate
from landalloc.cli import main
from landalloc.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = 'x"; DROP SCHEMA public CASCADE; --'


def _tiny():
    """Six parcels in two zones, a factory, eight projects competing for them over two years."""
    from shapely.geometry import Point

    return tables(
        [
            parcel("P1", 50, 0, clusters="c1"),
            parcel("P2", 50, 1000, clusters="c1"),
            parcel("P3", 80, 2000, clusters="c1;c2", divisible=True),
            parcel("P4", 50, 3000, zone="B", clusters="c2"),
            parcel("P5", 60, 4000, zone="B", clusters="c2"),
            parcel("P6", 40, 5000, zone="B", clusters="c1;c2"),
        ],
        [
            project("J1", land_mu=45, inv=5.0, stage="signed"),
            project("J2", land_mu=45, inv=3.0),
            project("J3", land_mu=45, inv=2.0, cluster="c2"),
            project("J4", land_mu=70, inv=9.0, cluster="c2", stage="registered"),
            project("J5", land_mu=38, inv=1.5),
            project("J6", land_mu=55, inv=4.0, cluster="c2"),
            project("J7", floor_m2=3000, inv=0.8),
            project("J8", land_mu=30, inv=2.5, cluster="c2", stage="signed"),
        ],
        {2026: 150.0, 2027: 150.0},
        factories=[
            {
                "factory_id": "F1",
                "zone": "A",
                "floor_area_m2": 5000.0,
                "clusters": "c1",
                "geometry": Point(499_000, 3_479_000),
            }
        ],
        zone_quotas={(2026, "B"): 90.0},
    )


def _scenario(path: Path, data: str, name: str = "tiny") -> Path:
    path.write_text(
        f"name: {name}\ndata: '{data}'\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 5, deterministic: true, workers: 1}\n",
        encoding="utf-8",
    )
    return path


def _schemas(pg: PgCluster) -> set[str]:
    eng = engine(parse_target(pg.url()))
    try:
        with eng.connect() as conn:
            return set(sa.inspect(conn).get_schema_names())
    finally:
        eng.dispose()


# --------------------------------------------------------------------------- no server needed


def test_urls_are_recognised_checked_and_masked() -> None:
    assert db_url("geodata/demo.gpkg") is None
    assert db_url("postgresql://h:5432/db?schema=s") == "postgresql://h:5432/db?schema=s"
    # a URL that went through pathlib lost a slash: put back
    assert db_url(Path("postgresql://h:5432/db?schema=s")) == "postgresql://h:5432/db?schema=s"
    assert db_url(Path("postgresql:///db?schema=s")) == "postgresql:///db?schema=s"
    assert has_password("postgresql://u:pw@h/db") and has_password("postgresql://h/db?password=x")
    assert not has_password("postgresql://u@h/db?schema=s")
    assert (
        masked("postgresql://u@h:1/db?schema=s&sslmode=require") == "postgresql://h:1/db?schema=s"
    )
    target = parse_target("postgresql://u@h/db?schema=plan&sslmode=disable")
    assert target.schema == "plan" and "schema" not in target.conninfo
    assert "sslmode=disable" in target.conninfo
    assert parse_target("postgresql:///db").conninfo == "postgresql:///db"
    with pytest.raises(DataError) as exc:
        parse_target("postgresql://u:topsecret@h/db")
    assert exc.value.report.errors[0].code == "db_password"
    assert "topsecret" not in str(exc.value)
    with pytest.raises(DataError):
        parse_target("postgresql://h/db?schema=" + "长" * 30)  # 90 bytes: would be truncated


def test_scenario_with_a_password_in_its_url_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = _scenario(tmp_path / "s.yaml", "postgresql://u:Hunter2-pw@db.example/plans?schema=a")
    with pytest.raises(DataError) as exc:
        load_scenario(scen)
    err = exc.value.report.errors[0]
    assert (err.code, err.row, err.column) == ("db_password", 2, "data")
    assert main(["solve", str(scen), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "密码" in captured.err
    assert "Hunter2-pw" not in captured.out + captured.err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- with the cluster


def test_unreachable_database_exits_2_quickly_naming_host_and_database(pg: PgCluster) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    url = f"postgresql://127.0.0.1:{port}/bureau_gis?schema=plan"
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "landalloc", "validate", url],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PGPASSWORD": pg.password},
    )
    elapsed = time.monotonic() - t0
    assert proc.returncode == 2, proc.stderr
    assert elapsed < 10
    assert f"127.0.0.1:{port}" in proc.stderr and "bureau_gis" in proc.stderr
    assert "无法连接数据库" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert pg.password not in proc.stdout + proc.stderr


def test_a_server_that_does_not_answer_fails_within_10_s() -> None:
    # a socket that listens and never answers: libpq waits until the connect timeout
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)
        port = silent.getsockname()[1]
        url = f"postgresql://127.0.0.1:{port}/gis?schema=plan"
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "landalloc", "--lang", "en", "validate", url],
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - t0
    assert proc.returncode == 2
    assert elapsed < 10
    assert f"cannot connect to the database: host 127.0.0.1:{port}, database gis" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_wrong_password_is_not_printed(pg: PgCluster, capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["PGPASSWORD"] = "Wrong-Secret-77"  # restored by the fixture's monkeypatch
    assert main(["validate", pg.url("public")]) == 2
    captured = capsys.readouterr()
    assert "无法连接数据库" in captured.err and pg.database in captured.err
    assert "Wrong-Secret-77" not in captured.out + captured.err


def test_written_tables_read_back_like_the_geopackage(pg: PgCluster, tmp_path: Path) -> None:
    t = _tiny()
    gpkg = write_gpkg(t, tmp_path / "d.gpkg")
    url = pg.url("roundtrip")
    write_db(t, url)
    from_file, file_report = validate(gpkg)
    from_db, db_report = validate(url)
    assert not file_report.errors and not db_report.errors
    assert from_file is not None and from_db is not None
    for layer in ("parcels", "factories", "projects", "quotas", "clusters"):
        a, b = getattr(from_file, layer), getattr(from_db, layer)
        assert list(a.columns) == list(b.columns), layer
        pd.testing.assert_frame_equal(
            pd.DataFrame(a).drop(columns="geometry", errors="ignore").reset_index(drop=True),
            pd.DataFrame(b).drop(columns="geometry", errors="ignore").reset_index(drop=True),
            check_dtype=False,
        )
        if "geometry" in a.columns:
            assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all(), layer
            assert a.crs == b.crs
    assert from_db.source == url
    # a second write into the same schema needs overwrite, and then replaces the layers
    with pytest.raises(DataError) as exc:
        write_db(t, url)
    assert exc.value.report.errors[0].code == "output_exists"
    write_db(t, url, overwrite=True)
    again, report = validate(url)
    assert again is not None and len(again.parcels) == 6 and not report.errors


def test_same_placements_from_geopackage_and_postgis(
    pg: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = _tiny()
    write_gpkg(t, tmp_path / "d.gpkg")
    url = pg.url("tiny")
    write_db(t, url)
    from_file = _scenario(tmp_path / "file.yaml", "d.gpkg")
    from_db = _scenario(tmp_path / "db.yaml", url)
    assert main(["solve", str(from_file), "--out", str(tmp_path / "a")]) == 0
    code = main(["solve", str(from_db), "--out", str(tmp_path / "b"), "--db-out", pg.url()])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "结果已写入数据库" in captured.out and "schema=b" in captured.out
    a = pd.read_csv(tmp_path / "a" / "assignments.csv", dtype=str)
    b = pd.read_csv(tmp_path / "b" / "assignments.csv", dtype=str)
    assert len(a) >= 4
    pd.testing.assert_frame_equal(a, b)
    summary = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert summary["data"] == url and len(summary["data_sha256"]) == 64
    # the result went back into the schema named by the run (the folder's name "b")
    eng = engine(parse_target(pg.url("b")))
    try:
        with eng.connect() as conn:
            names = set(sa.inspect(conn).get_table_names(schema="b"))
            table = sa.Table("placements", sa.MetaData(), schema="b", autoload_with=conn)
            placements = pd.read_sql(sa.select(table), conn)
            run = pd.read_sql(sa.text('SELECT scenario, data FROM "b".landalloc_run'), conn)
    finally:
        eng.dispose()
    assert {"parcels", "placements", "unassigned", "quota_use", "landalloc_run"} <= names
    assert sorted(placements["project_id"]) == sorted(a["project_id"])
    assert run.loc[0, "scenario"] == "tiny" and run.loc[0, "data"] == url
    # rerun checks the database's fingerprint and reproduces the placements
    assert main(["rerun", str(tmp_path / "b"), "--out", str(tmp_path / "b-rerun")]) == 0
    # the same result schema again: refused without --overwrite, before solving
    code = main(["solve", str(from_db), "--out", str(tmp_path / "b2"), "--db-out", pg.url("b")])
    assert code == 2 and not (tmp_path / "b2").exists()


@pytest.mark.slow
def test_demo_baseline_same_placements_from_geopackage_and_postgis(
    pg: PgCluster, tmp_path: Path
) -> None:
    demo, report = validate(ROOT / "geodata" / "demo.gpkg")
    assert demo is not None and not report.errors
    url = pg.url("demo")
    write_db(demo, url)
    base = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    for name, data in (("file", str(ROOT / "geodata" / "demo.gpkg")), ("db", url)):
        scen = tmp_path / f"{name}.yaml"
        scen.write_text(base.replace("data: ../geodata/demo.gpkg", f"data: '{data}'"), "utf-8")
        args = ["solve", str(scen), "--out", str(tmp_path / name), "--time-limit", "3"]
        assert main([*args, "--deterministic"]) == 0
    a = pd.read_csv(tmp_path / "file" / "assignments.csv", dtype=str)
    b = pd.read_csv(tmp_path / "db" / "assignments.csv", dtype=str)
    assert len(a) > 50
    pd.testing.assert_frame_equal(a, b)


def test_readiness_and_compare_read_the_database(
    pg: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg.url("cmp")
    write_db(_tiny(), url)
    assert main(["readiness", url, "--today", "2026-01-01"]) == 0
    base = _scenario(tmp_path / "base.yaml", url, "基准")
    cut = tmp_path / "cut.yaml"
    cut.write_text(
        base.read_text(encoding="utf-8").replace("name: 基准", "name: 压减")
        + "quotas: {scale: 0.5}\n",
        encoding="utf-8",
    )
    code = main(["compare", str(base), str(cut), "--out", str(tmp_path / "c"), "--processes", "1"])
    assert code == 0, capsys.readouterr().err
    kpis = pd.read_csv(tmp_path / "c" / "kpi_table.csv")
    assert len(kpis) >= 2
    assert (tmp_path / "c" / "compare.html").exists()


def _bad_frames() -> dict[str, pd.DataFrame]:
    """Raw layers with bad cells: text in a number, a negative quota, an unknown cluster."""
    t = _tiny()
    projects = pd.DataFrame(t.projects).copy()
    projects = projects.astype({"investment_yi": object})
    projects.loc[1, "investment_yi"] = "三亿"
    projects["needs"] = [";".join(sorted(v)) for v in projects["needs"]]
    projects["tags"] = [";".join(sorted(v)) for v in projects["tags"]]
    projects.loc[2, "cluster"] = "nosuch"
    quotas = pd.DataFrame(t.quotas).copy()
    quotas["land_mu"] = pd.to_numeric(quotas["land_mu"]).astype(float)  # a REAL/float column
    quotas["year"] = pd.to_numeric(quotas["year"]).astype(int)
    quotas.loc[0, "land_mu"] = -5.0
    parcels = gpd.GeoDataFrame(
        t.parcels[["parcel_id", "zone", "clusters", "geometry"]].copy(), crs=t.parcels.crs
    )
    parcels["clusters"] = [";".join(sorted(v)) for v in parcels["clusters"]]
    clusters = pd.DataFrame(t.clusters)[["cluster", "name_zh"]].copy()
    return {"parcels": parcels, "projects": projects, "quotas": quotas, "clusters": clusters}


def test_bad_data_gets_the_same_messages_as_in_a_geopackage(
    pg: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = _bad_frames()
    gpkg = tmp_path / "bad.gpkg"
    for name, df in frames.items():
        if isinstance(df, gpd.GeoDataFrame):
            df.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
        else:
            gpd.GeoDataFrame(df).to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
    url = pg.url("bad")
    eng = engine(parse_target(url))
    try:
        with eng.begin() as conn:
            conn.execute(sa.schema.CreateSchema("bad"))
            for name, df in frames.items():
                write_frame(conn, "bad", name, df)
    finally:
        eng.dispose()

    def found(source: str | Path) -> list[tuple[object, ...]]:
        _, report = validate(source)
        return [(p.code, p.zh, p.en, p.layer, p.row, p.column) for p in report.errors]

    in_file, in_db = found(gpkg), found(url)
    assert [c[0] for c in in_file] == ["bad_number", "below_min", "unknown_cluster"]
    assert in_db == in_file
    assert main(["validate", url]) == 2
    err = capsys.readouterr().err
    assert "“三亿” 不是数字" in err and "值 -5 超出合理范围" in err
    # the message names the database, the schema, the table, the row and the column
    assert f"{pg.host}:{pg.port}/{pg.database}?schema=bad › 图层 projects › 第 2 行" in err


def test_missing_schema_and_layers_are_exit_2(
    pg: PgCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", pg.url("nosuch")]) == 2
    assert "没有模式 nosuch" in capsys.readouterr().err
    tables_, report = validate(pg.url("public"))
    assert tables_ is None and report.errors[0].code == "missing_layer"


def test_import_into_postgis_then_validate(
    pg: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg.url("imported")
    args = [
        "import",
        "--parcels",
        str(ROOT / "geodata" / "demo.gpkg"),
        "--projects",
        str(ROOT / "geodata" / "demo_pipeline.xlsx"),
        "--out",
        url,
    ]
    assert main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "已导入" in out and "schema=imported" in out
    assert main(["validate", url]) == 0
    assert "数据检查通过" in capsys.readouterr().out
    demo, _ = validate(ROOT / "geodata" / "demo.gpkg")
    mine, _ = validate(url)
    assert demo is not None and mine is not None
    assert sorted(mine.projects["project_id"]) == sorted(demo.projects["project_id"])
    assert len(mine.parcels) == len(demo.parcels) and len(mine.factories) == len(demo.factories)
    assert main(args) == 2  # the schema holds the layers: --overwrite needed
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0


def test_hostile_schema_table_and_column_names_are_only_names(
    pg: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eng = engine(parse_target(pg.url()))
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS public.sentinel (x integer)"))
    finally:
        eng.dispose()
    url = pg.url(urllib.parse.quote(HOSTILE, safe=""))
    t = _tiny()
    t.parcels[f"{HOSTILE} col"] = "v"  # an extra column with a hostile name, kept as a name
    write_db(t, url)
    eng = engine(parse_target(url))
    try:
        with eng.begin() as conn:  # an extra table whose name tries an injection
            bad = sa.Table(f"t'); DROP TABLE {HOSTILE}.parcels; --", sa.MetaData(), schema=HOSTILE)
            bad.append_column(sa.Column("x", sa.Integer))
            bad.create(conn)
    finally:
        eng.dispose()
    back, report = validate(url)
    assert back is not None and not report.errors
    assert len(back.parcels) == 6 and f"{HOSTILE} col" in back.parcels.columns
    assert {"public", HOSTILE} <= _schemas(pg)
    scen = _scenario(tmp_path / "h.yaml", url)
    result_url = pg.url(urllib.parse.quote("r'); DROP TABLE public.sentinel; --", safe=""))
    assert main(["solve", str(scen), "--out", str(tmp_path / "h"), "--db-out", result_url]) == 0
    eng = engine(parse_target(pg.url()))
    try:
        with eng.connect() as conn:
            insp = sa.inspect(conn)
            assert "sentinel" in insp.get_table_names(schema="public")
            assert "placements" in insp.get_table_names(
                schema="r'); DROP TABLE public.sentinel; --"
            )
    finally:
        eng.dispose()


def test_a_failed_run_writes_nothing_to_the_database(
    pg: PgCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg.url("failing_data")
    write_db(_tiny(), url)
    scen = _scenario(tmp_path / "f.yaml", url)
    scen.write_text(scen.read_text(encoding="utf-8") + "pins: {J1: NOSUCH}\n", encoding="utf-8")
    before = _schemas(pg)
    code = main(["solve", str(scen), "--out", str(tmp_path / "f"), "--db-out", pg.url()])
    assert code == 2
    assert "NOSUCH" in capsys.readouterr().err
    assert _schemas(pg) == before  # no result schema "f"
    # a schema holding other tables is never a result schema: refused before the run
    good = _scenario(tmp_path / "g.yaml", url)
    code = main(["solve", str(good), "--out", str(tmp_path / "g"), "--db-out", url])
    assert code == 2 and not (tmp_path / "g").exists()
    assert "不是 landalloc 结果" in capsys.readouterr().err
