"""The redacted export (issue 18): nothing of a project in negotiation leaves the building.

Projects in negotiation (stage ``negotiating``) appear only as cluster and size band, every
company is hidden and every file carries the 内部资料 mark. The checks read the files as bytes
(HTML with its embedded JSON; every XML part of the workbook), so no copy of a name is missed.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from map_sample import fake_result, sample_tables

from geodata.store import write_tables
from landalloc.cli import main
from landalloc.report_xlsx import Names, write_report
from maps.redact import masked_name, size_band
from maps.render import ResultTables, render_compare_map, render_result_map
from maps.shot import find_chromium

_INIT_RE = re.compile(
    r"LandallocMap\.init\(map_la\d, landallocGeo, (.*?)\);(?:LandallocMap|\s*$)", re.M
)


def _payload(html: str) -> dict[str, Any]:
    (m,) = _INIT_RE.findall(html)
    payload: dict[str, Any] = json.loads(m)
    return payload


def _secret_sample() -> tuple[Any, ...]:
    """The sample district with names no other text contains (each ends in 号), a negotiating
    unplaced project, and a reason that names a negotiating project."""
    tables = sample_tables(24, vertices=6)
    a, u, k, r = fake_result(tables)
    a["name"] = a["name"] + "号"
    a["company"] = a["company"] + "号"
    u["name"] = ["新能源电池（保密）项目号", "生物医药基地号"]
    u["company"] = ["某新能源保密公司号", "某药业号"]
    u["stage"] = ["negotiating", "signed"]
    neg = a[a["stage"] == "negotiating"]
    first = neg.iloc[0]
    u.loc[1, "reason"] = (
        f"其候选载体均被更高优先级项目占用：{first['project_id']}（{first['name']}）"
    )
    return tables, a, u, k, r


def _secrets(*frames: pd.DataFrame) -> tuple[set[str], set[str]]:
    """The names of the negotiating projects, and every company."""
    names: set[str] = set()
    companies: set[str] = set()
    for df in frames:
        names |= set(df.loc[df["stage"] == "negotiating", "name"])
        companies |= set(df["company"])
    return names, companies


def _assert_hidden(text: str, names: set[str], companies: set[str]) -> None:
    """None of the words, as written or NFKC-normalised (as the maps show text), in ``text``."""
    words = {w for w in names | companies if w}
    words |= {unicodedata.normalize("NFKC", w) for w in words}
    leaked = sorted(w for w in words if w in text)
    assert leaked == [], leaked


def test_size_band_and_masked_name() -> None:
    assert size_band(0.5, "zh") == "1 亿以下"
    assert size_band(10, "zh") == "10–50 亿"
    assert size_band(49.99, "zh") == "10–50 亿"
    assert size_band(120, "zh") == "100 亿以上"
    assert size_band(None, "zh") == ""
    assert masked_name("新能源", 23.5, "zh") == "某新能源项目，10–50 亿"
    assert masked_name("New energy", 23.5, "en") == "a New energy project, CNY 1–5 bn"


def test_redacted_result_map_hides_negotiating_projects_and_companies() -> None:
    tables, a, u, k, r = _secret_sample()
    names, companies = _secrets(a, u)
    assert len(names) >= 3 and companies
    plain = render_result_map(tables, a, u, k, readiness=r, title="基准")
    # the full map has them, as the map shows text (so the test would see a leak)
    assert all(unicodedata.normalize("NFKC", n) in plain for n in names)
    html = render_result_map(tables, a, u, k, readiness=r, title="基准", redact=True)
    _assert_hidden(html, names, companies)
    p = _payload(html)
    assert p["redacted"] is True and p["t"]["internal"] == "内部资料"
    shown = {proj[1] for proj in p["projects"]}
    # each negotiating project by cluster and band; the others by name
    assert any(re.fullmatch(r"某.+项目，.+亿.*", n) for n in shown)
    signed = set(a.loc[a["stage"] != "negotiating", "name"])
    assert signed <= shown
    assert all(proj[2] == "" for proj in p["projects"])  # no company at all
    negotiating = {proj[0] for proj in p["projects"] if proj[4] == "在谈"}
    assert negotiating and all(proj[5] is None for proj in p["projects"] if proj[0] in negotiating)
    listed = " ".join(p["unassigned"])
    assert "某新能源项目" in listed and "生物医药基地号" in listed
    assert not _payload(plain).get("redacted")


def test_redacted_compare_map(tmp_path: Path) -> None:
    tables, a, u, k, r = _secret_sample()
    names, companies = _secrets(a, u)
    b = a.iloc[: len(a) // 2]
    html = render_compare_map(
        tables, ResultTables("甲", a, u, k, r), ResultTables("乙", b, u, k), redact=True
    )
    _assert_hidden(html, names, companies)
    assert _payload(html)["redacted"] is True


def _result_dir(tmp_path: Path) -> tuple[Path, set[str], set[str]]:
    tables, a, u, k, r = _secret_sample()
    data = write_tables(tables, tmp_path / "d.gpkg")
    d = tmp_path / "r"
    d.mkdir()
    a.to_csv(d / "assignments.csv", index=False, encoding="utf-8-sig")
    u.to_csv(d / "unassigned.csv", index=False, encoding="utf-8-sig")
    r.to_csv(d / "readiness.csv", index=False, encoding="utf-8-sig")
    kpis = {**k, "land_mu": 1000.0, "floor_m2": 0.0}
    summary = {"scenario": "基准", "status": "OPTIMAL", "kpis": kpis, "data": str(data)}
    (d / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    quota = pd.DataFrame([{"year": 2025, "zone": "*", "quota_mu": 3000.0, "used_mu": 1200.0}])
    ready = a.loc[a["carrier_kind"] == "parcel", ["project_id", "name", "carrier_id", "year"]]
    ready.to_csv(d / "readiness_projects.csv", index=False, encoding="utf-8-sig")
    write_report(d / "report.xlsx", kpis, a, u, quota, ready, summary, names=Names.of(tables, "zh"))
    names, companies = _secrets(a, u)
    return d, names, companies


def _xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_cli_map_redact_writes_redacted_map_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d, names, companies = _result_dir(tmp_path)
    assert all(n in _xlsx_text(d / "report.xlsx") for n in names)  # the full report has them
    assert main(["map", str(d), "--redact"]) == 0
    html = (d / "map_redacted.html").read_text(encoding="utf-8")
    _assert_hidden(html, names, companies)
    assert _payload(html)["redacted"] is True
    xml = _xlsx_text(d / "report_redacted.xlsx")
    _assert_hidden(xml, names, companies)
    assert "内部资料" in xml and "某" in xml and "亿" in xml
    out = capsys.readouterr().out
    assert "map_redacted.html" in out and "report_redacted.xlsx" in out
    assert not (d / "map.html").exists()  # the full map is another file, untouched
    from openpyxl import load_workbook

    wb = load_workbook(d / "report_redacted.xlsx")
    assert str(wb.worksheets[0]["A1"].value).startswith("内部资料")
    assert all("内部资料" in ws.oddHeader.center.text for ws in wb.worksheets)
    placed = wb.worksheets[1]
    header = [c.value for c in placed[1]]
    rows = list(placed.iter_rows(min_row=2, values_only=True))
    col = header.index("项目名称")
    assert any(str(row[col]).startswith("某") for row in rows)


def test_solve_redact(tmp_path: Path) -> None:
    from builders import parcel, project, tables, write_gpkg

    t = tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(1, 5)],
        [
            project("J1", land_mu=45, name="保密甲项目", company="保密甲公司", stage="negotiating"),
            project("J2", land_mu=45, name="公开乙项目", company="公开乙公司", stage="signed"),
            project(
                "J3", land_mu=45, inv=20, name="保密丙项目", company="丙公司", stage="negotiating"
            ),
        ],
        {2026: 400.0},
    )
    write_gpkg(t, tmp_path / "d.gpkg")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: 脱敏\ndata: d.gpkg\nyears: [2026]\n"
        "solver: {time_limit_s: 2, deterministic: true, workers: 1}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["solve", str(scenario), "--out", str(out), "--redact"]) == 0
    secrets = {"保密甲项目", "保密丙项目", "保密甲公司", "丙公司", "公开乙公司"}
    assert "保密甲项目" in (out / "map.html").read_text(encoding="utf-8")
    html = (out / "map_redacted.html").read_text(encoding="utf-8")
    _assert_hidden(html, secrets, set())
    assert "公开乙项目" in html and "某" in html and "10–50 亿" in html
    _assert_hidden(_xlsx_text(out / "report_redacted.xlsx"), secrets, set())


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_compare_of_three_scenarios_writes_the_map_its_redacted_copy_and_pictures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from builders import parcel, project, tables, write_gpkg

    t = tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(1, 6)],
        [
            project("J1", land_mu=45, name="保密甲项目", company="保密甲公司", stage="negotiating"),
            project("J2", land_mu=45, name="公开乙项目", company="乙公司", stage="signed"),
            project(
                "J3", land_mu=45, inv=20, name="保密丙项目", company="丙公司", stage="negotiating"
            ),
        ],
        {2026: 400.0},
    )
    write_gpkg(t, tmp_path / "d.gpkg")
    paths = []
    for name, quota in (("基准", 400), ("压减", 100), ("再压减", 50)):
        s = tmp_path / f"{name}.yaml"
        s.write_text(
            f"name: {name}\ndata: d.gpkg\nyears: [2026]\n"
            f"quotas: {{scale_by_year: {{2026: {quota / 400}}}}}\n"
            "solver: {time_limit_s: 2, deterministic: true, workers: 1}\n",
            encoding="utf-8",
        )
        paths.append(str(s))
    out = tmp_path / "cmp"
    argv = ["compare", *paths, "--out", str(out), "--processes", "1", "--redact", "--png"]
    assert main(argv) == 0, capsys.readouterr().err
    html = (out / "compare.html").read_text(encoding="utf-8")
    p = _payload(html)
    assert [plan["label"] for plan in p["plans"]] == ["基准", "压减", "再压减"]
    assert sum(p["compare"]["counts"][2]) > 0  # fewer placed under the smaller quota
    redacted = (out / "compare_redacted.html").read_text(encoding="utf-8")
    _assert_hidden(redacted, {"保密甲项目", "保密丙项目"}, {"保密甲公司", "乙公司", "丙公司"})
    assert _payload(redacted)["redacted"] is True
    for png in ("compare.png", "compare_redacted.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[16:24] == bytes.fromhex("0000078000000438")
