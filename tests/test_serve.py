"""The workbench over HTTP (``landalloc serve`` in a subprocess, a fresh workspace): data upload and
its validation table, the scenario editor's round trip with the CLI's YAML, background solves,
cancelling with the old result kept, bad input answered without a traceback, and the token."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from serve_fixture import DEMO, Server, serve

from landalloc.cmd_scenario import new_scenario_text
from landalloc.scenario import load_scenario
from landalloc.serve import is_loopback


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    with serve(root / "ws") as s:
        yield s


def _upload(server: Server, path: Path, name: str, replace: bool = False) -> Any:
    return server.post(f"/api/data?filename={name}&replace={int(replace)}", data=path.read_bytes())


@pytest.fixture(scope="module")
def demo_data(server: Server) -> str:
    r = _upload(server, DEMO, "demo.gpkg", replace=True)
    assert r.status_code == 200, r.text
    return "demo"


def _editor_scenario(server: Server, name: str, data: str = "demo") -> dict[str, Any]:
    r = server.post("/api/scenarios/new", json={"name": name, "data_name": data})
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def solved(server: Server, demo_data: str) -> dict[str, Any]:
    """A scenario saved by the editor and solved in the background (2 s limit)."""
    ed = _editor_scenario(server, "基准")
    r = server.post(
        "/api/scenarios/base", json={"scenario": ed["scenario"], "data_name": demo_data}
    )
    assert r.status_code == 200, r.text
    job = server.post("/api/jobs", json={"kind": "solve", "scenario": "base", "time_limit_s": 2})
    assert job.status_code == 200, job.text
    done = server.wait_job(job.json()["id"])
    assert done["state"]["status"] == "done", done
    return done


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_page_is_served_offline_in_chinese(server: Server) -> None:
    page = server.get("/")
    assert page.status_code == 200
    assert "用地配置工作台" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    for asset in ("/static/app.js", "/static/tables.js", "/static/app.css"):
        r = server.get(asset)
        assert r.status_code == 200 and "https://" not in r.text, asset


def test_upload_demo_data(server: Server, demo_data: str) -> None:
    listed = server.get("/api/data").json()
    demo = next(d for d in listed if d["name"] == demo_data)
    assert demo["years"] == [2026, 2027, 2028]
    assert demo["district_quota"]["2027"] > 0
    assert (server.workspace / "data" / "demo.gpkg").is_file()
    again = _upload(server, DEMO, "demo.gpkg")  # same name without replace: refused, kept
    assert again.status_code == 409 and "替换" in again.json()["error_zh"]


def test_bad_geopackage_gets_the_validation_table(server: Server, tmp_path: Path) -> None:
    bad = tmp_path / "坏数据.gpkg"
    bad.write_bytes(DEMO.read_bytes())
    with sqlite3.connect(bad) as db:
        db.execute("UPDATE projects SET stage = 'bogus' WHERE rowid = 3")
    r = _upload(server, bad, "坏数据.gpkg")
    assert r.status_code == 422
    rows = r.json()["problems"]
    hit = [p for p in rows if p["layer"] == "projects" and p["column"] == "stage"]
    assert hit and hit[0]["file"] == "坏数据.gpkg" and hit[0]["row"] is not None
    assert "bogus" in hit[0]["message_zh"] + hit[0]["message_en"]
    assert not (server.workspace / "data" / "坏数据.gpkg").exists()  # nothing stored
    assert list((server.workspace / ".tmp").iterdir()) == []


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("../evil.gpkg", b"SQLite format 3\x00", 400),
        ("..", b"x", 400),
        ("notes.txt", b"hello", 400),
        ("fake.gpkg", b"not sqlite at all", 400),
    ],
)
def test_bad_uploads_are_refused_clearly(
    server: Server, name: str, content: bytes, status: int
) -> None:
    r = server.post(f"/api/data?filename={name}", data=content)
    assert r.status_code == status
    body = r.json()
    assert body["error_zh"] and body["error_en"] and "Traceback" not in r.text
    assert not (server.workspace.parent / "evil.gpkg").exists()


def test_bad_requests_answer_json_not_tracebacks(server: Server) -> None:
    for method, path, kw in [
        ("post", "/api/jobs", {"data": b"{not json"}),
        ("post", "/api/jobs", {"json": {"kind": "format-disk"}}),
        ("post", "/api/jobs", {"json": {"kind": "solve", "scenario": "../../etc/passwd"}}),
        ("get", "/api/results/..%2F..%2Fetc", {}),
        ("get", "/files/results/x/..%2F..%2Fetc%2Fpasswd", {}),
        ("get", "/api/jobs/nope", {}),
        ("get", "/api/scenarios/..%2F..%2Fetc%2Fpasswd", {}),
        ("post", "/api/scenarios/..", {"json": {"scenario": {}, "data_name": "demo"}}),
        ("post", "/api/scenarios/x", {"json": {"scenario": {}, "data_name": "../../etc"}}),
        ("get", "/no/such/page", {}),
    ]:
        r = getattr(server, method)(path, **kw)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert r.json()["error_en"], path


def test_scenario_round_trip_with_the_cli_yaml(server: Server, demo_data: str) -> None:
    # the repository's own scenario (data ../geodata/demo.gpkg) opens on the workspace's demo
    shipped = (DEMO.parents[1] / "scenarios" / "baseline.yaml").read_bytes()
    r = server.post("/api/scenarios/import?filename=baseline.yaml", data=shipped)
    assert r.status_code == 200 and r.json()["data_name"] == "demo", r.text
    # a file made by the CLI (landalloc scenario new) opens in the editor
    text = new_scenario_text("压减情景", "../data/demo.gpkg", [2026, 2027, 2028])
    r = server.post("/api/scenarios/import?filename=cut.yaml", data=text.encode("utf-8"))
    assert r.status_code == 200, r.text
    ed = r.json()
    assert ed["data_name"] == "demo" and ed["scenario"]["name"] == "压减情景"
    assert ed["info"]["district_quota"]["2027"] > 0  # the data's value beside the field
    s = ed["scenario"]
    s["quotas"]["scale_by_year"] = {"2027": 0.8}
    s["policy"]["lexicographic"] = True
    s["weights"]["focus"] = 7.5
    pin = {ed["info"]["projects"][0]: ed["info"]["carriers"][-1]}
    s["pins"] = pin
    s["withheld"] = [ed["info"]["carriers"][0]]
    saved = server.post("/api/scenarios/cut", json={"scenario": s, "data_name": "demo"})
    assert saved.status_code == 200, saved.text
    path = server.workspace / "scenarios" / "cut.yaml"
    assert saved.json()["yaml"] == path.read_text(encoding="utf-8")
    cli = load_scenario(path)  # the CLI reads what the editor wrote
    assert cli.quotas.scale_by_year == {2027: 0.8} and cli.policy.lexicographic
    assert cli.weights.focus == 7.5 and cli.pins == pin
    assert cli.withheld == [ed["info"]["carriers"][0]]
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["quotas"]["scale_by_year"] == {
        2027: 0.8
    }
    assert list((server.workspace / ".tmp").iterdir()) == []  # the import kept nothing
    back = server.get("/api/scenarios/cut").json()
    assert back["scenario"] == cli.model_dump(mode="json")


def test_a_bad_yaml_import_names_file_key_and_line(server: Server, demo_data: str) -> None:
    text = "name: x\ndata: ../data/demo.gpkg\nyears: [2026]\npolicy:\n  lexicografic: true\n"
    r = server.post("/api/scenarios/import?filename=typo.yaml", data=text.encode("utf-8"))
    assert r.status_code == 422
    row = r.json()["problems"][0]
    assert row["file"] == "typo.yaml" and row["row"] == 5
    assert "policy.lexicographic" in row["message_zh"]  # the CLI's "did you mean"
    r = server.post("/api/scenarios/import?filename=x.txt", data=b"name: x")
    assert r.status_code == 400 and ".yaml" in r.json()["error_zh"]


def test_bad_scenarios_get_a_problem_table(server: Server, demo_data: str) -> None:
    s = _editor_scenario(server, "坏情景")["scenario"]
    bad_pin = {**s, "pins": {"NO-SUCH-PROJECT": "NO-SUCH-CARRIER"}}
    r = server.post("/api/scenarios/bad", json={"scenario": bad_pin, "data_name": "demo"})
    assert r.status_code == 422
    assert {p["code"] for p in r.json()["problems"]} >= {"unknown_project", "unknown_pin"}
    bad_key = {**s, "wieghts": {}}
    r = server.post("/api/scenarios/bad", json={"scenario": bad_key, "data_name": "demo"})
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "wieghts"
    r = server.post(
        "/api/scenarios/bad", json={"scenario": {**s, "years": [1999]}, "data_name": "demo"}
    )
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "year_outside_data"
    assert not (server.workspace / "scenarios" / "bad.yaml").exists()


def test_background_solve_lists_its_result(server: Server, solved: dict[str, Any]) -> None:
    assert solved["state"]["result"] == "base"
    assert solved["params"]["limit_s"] == 2
    listed = server.get("/api/results").json()
    base = next(r for r in listed if r["name"] == "base")
    assert base["projects_placed"] > 0
    detail = server.get("/api/results/base").json()
    assert len(detail["assignments"]) > 0
    assert detail["unassigned"] and all(u["reason"] for u in detail["unassigned"])
    assert detail["kpis"]["projects_placed"] == base["projects_placed"]
    m = server.get("/files/results/base/map.html")
    assert m.status_code == 200 and m.headers["content-type"].startswith("text/html")
    x = server.get("/files/results/base/report.xlsx?download=1")
    assert x.content[:2] == b"PK" and "attachment" in x.headers["content-disposition"]
    g = server.get("/files/results/base/result.gpkg")
    assert g.content[:16] == b"SQLite format 3\x00"
    assert server.get("/files/results/base/.landalloc.json").status_code == 404
    log = server.get(f"/api/jobs/{solved['id']}/log").text
    assert "solving" in log and "done" in log


def test_cancel_keeps_the_old_result(server: Server, solved: dict[str, Any]) -> None:
    summary = server.workspace / "results" / "base" / "summary.json"
    before = summary.read_bytes()
    job = server.post("/api/jobs", json={"kind": "solve", "scenario": "base", "time_limit_s": 120})
    job_id = job.json()["id"]
    running = server.wait_job(job_id, 120, lambda j: j["state"].get("phase") == "solving")
    assert running["state"]["status"] == "running"
    twice = server.post("/api/jobs", json={"kind": "solve", "scenario": "base"})
    assert twice.status_code == 409  # one solve per scenario at a time
    t0 = time.monotonic()
    assert server.get("/api/results").status_code == 200  # the server answers meanwhile
    assert time.monotonic() - t0 < 1.0
    server.post(f"/api/jobs/{job_id}/cancel")
    ended = server.wait_job(job_id, 60)
    assert ended["state"]["status"] == "cancelled"
    assert summary.read_bytes() == before
    leftovers = [p.name for p in (server.workspace / "results").iterdir() if p.name != "base"]
    assert not [n for n in leftovers if "tmp" in n], leftovers
    listed = [
        j["id"] for j in server.get("/api/jobs").json()
    ]  # jobs are on disk: a reload sees them
    assert job_id in listed and solved["id"] in listed


def test_a_failed_job_keeps_its_problems(server: Server, demo_data: str) -> None:
    path = server.workspace / "scenarios" / "broken.yaml"
    path.write_text(
        "name: x\ndata: ../data/demo.gpkg\nyears: [2026]\nwithheld: [NO-SUCH-CARRIER]\n",
        encoding="utf-8",
    )
    job = server.post("/api/jobs", json={"kind": "solve", "scenario": "broken", "time_limit_s": 2})
    ended = server.wait_job(job.json()["id"], 120)
    assert ended["state"]["status"] == "failed"
    assert any(p["code"] == "unknown_carrier" for p in ended["state"]["problems"])
    assert not (server.workspace / "results" / "broken").exists()


def test_a_job_whose_process_dies_is_marked_failed(server: Server, solved: dict[str, Any]) -> None:
    summary = server.workspace / "results" / "base" / "summary.json"
    before = summary.read_bytes()
    job = server.post("/api/jobs", json={"kind": "solve", "scenario": "base", "time_limit_s": 120})
    job_id = job.json()["id"]
    running = server.wait_job(job_id, 120, lambda j: j["state"].get("phase") == "solving")
    os.kill(running["state"]["pid"], signal.SIGKILL)  # a crash: no chance to say anything
    ended = server.wait_job(job_id, 30)
    assert ended["state"]["status"] == "failed"
    assert "日志" in ended["state"]["message_zh"]
    assert "solving" in server.get(f"/api/jobs/{job_id}/log").text  # the log is kept
    assert summary.read_bytes() == before


def test_jobs_survive_a_server_restart(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with serve(ws, "--demo") as first:
        job = first.post(
            "/api/jobs", json={"kind": "solve", "scenario": "baseline", "time_limit_s": 120}
        )
        job_id = job.json()["id"]
        first.wait_job(job_id, 120, lambda j: j["state"].get("phase") == "solving")
        first.proc.terminate()  # the server stops; its job goes on in its own session
        first.proc.wait(20)
        with serve(ws) as second:
            again = second.get(f"/api/jobs/{job_id}").json()
            assert again["state"]["status"] == "running"
            second.post(f"/api/jobs/{job_id}/cancel")
            assert second.wait_job(job_id, 60)["state"]["status"] == "cancelled"
    assert not (ws / "results" / "baseline").exists()


def test_a_token_is_required_when_set(tmp_path: Path) -> None:
    with serve(tmp_path / "ws", "--token", "s3cret", "--max-upload-mb", "1") as s:
        assert s.get("/api/health").status_code == 401
        assert s.get("/api/health", headers={"X-Landalloc-Token": "s3cret"}).status_code == 200
        page = s.get("/?token=s3cret")
        assert page.status_code == 200 and "landalloc_token" in page.headers["set-cookie"]
        assert s.get("/api/health", cookies={"landalloc_token": "s3cret"}).status_code == 200
        big = s.post(
            "/api/data?filename=big.gpkg",
            data=b"SQLite format 3\x00" + bytes(2 << 20),
            headers={"X-Landalloc-Token": "s3cret"},
        )
        assert big.status_code == 413 and "MB" in big.json()["error_zh"]
        assert list((s.workspace / ".tmp").iterdir()) == []


@pytest.mark.slow
def test_compare_two_results(server: Server, solved: dict[str, Any]) -> None:
    ed = _editor_scenario(server, "指标压减")
    s = ed["scenario"]
    s["quotas"]["scale_by_year"] = {"2027": 0.7}
    r = server.post("/api/scenarios/cut2", json={"scenario": s, "data_name": "demo"})
    assert r.status_code == 200, r.text
    job = server.post("/api/jobs", json={"kind": "solve", "scenario": "cut2", "time_limit_s": 2})
    assert server.wait_job(job.json()["id"])["state"]["status"] == "done"
    job = server.post(
        "/api/jobs", json={"kind": "compare", "results": ["base", "cut2"], "time_limit_s": 2}
    )
    assert job.status_code == 200, job.text
    done = server.wait_job(job.json()["id"], 400)
    assert done["state"]["status"] == "done", server.get(f"/api/jobs/{done['id']}/log").text
    name = done["state"]["result"]
    assert name in [c["name"] for c in server.get("/api/compares").json()]
    detail = server.get(f"/api/compares/{name}").json()
    assert detail["differences"] and all(d["cause"] for d in detail["differences"])
    assert "compare.html" in detail["files"]
    html = server.get(f"/files/compare/{name}/compare.html")
    assert html.status_code == 200 and "landalloc" in html.text
    assert json.loads(server.get("/api/health").text)["ok"]
