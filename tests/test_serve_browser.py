"""The workbench in Debian's headless Chromium, offline, the whole flow of a planner: upload the
demo data, a scenario on it, edit the quota, run, the results with the embedded map and the
reasons, compare with the baseline, download report.xlsx, the English switch.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from serve_fixture import DEMO, Server, serve

from landalloc.scenario import load_scenario
from landalloc.workbench.data import data_info
from maps.shot import BROWSER_FLAGS, find_chromium

CHROMIUM = find_chromium()
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]


#: The parcel nearest the centre of the map's view, and its centre in the frame's pixels.
_PARCEL_NEAR_CENTRE = """() => {
  const m = window.landalloc.maps[0], size = m.map.getSize();
  let best = null;
  for (const [id, layer] of Object.entries(m.parcels)) {
    const q = m.map.latLngToContainerPoint(layer.getBounds().getCenter());
    const d = Math.hypot(q.x - size.x / 2, q.y - size.y / 2);
    if (!best || d < best.d) best = {id, d, x: q.x, y: q.y};
  }
  const r = m.map.getContainer().getBoundingClientRect();
  return {id: best.id, x: r.left + best.x, y: r.top + best.y};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve-browser")
    with serve(root / "ws") as s:  # an empty workspace: the data come through the page
        yield s


@pytest.fixture
def page(tmp_path: Path, server: Server) -> Iterator[tuple[Any, list[str], list[str]]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(BROWSER_FLAGS),
            viewport={"width": 1500, "height": 1000},
        )
        errors: list[str] = []
        outside: list[str] = []

        def route(r: Any) -> None:
            if r.request.url.startswith(server.url):
                r.continue_()
            else:  # no network: anything else is recorded and refused
                outside.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        p = ctx.new_page()
        p.on("pageerror", lambda e: errors.append(str(e)))
        try:
            yield p, errors, outside
        finally:
            ctx.close()


def _upload(p: Any, server: Server, tmp_path: Path) -> None:
    """A bad upload (the validation table, nothing kept), then the demo data (kept)."""
    bad = tmp_path / "坏数据.gpkg"
    bad.write_bytes(DEMO.read_bytes())
    with sqlite3.connect(bad) as db:
        db.execute("UPDATE projects SET stage = 'bogus' WHERE rowid = 3")
    p.set_input_files("#upload-file", str(bad))
    p.click("#upload-btn")
    p.wait_for_selector(".problems td")
    assert "bogus" in p.locator(".problems").inner_text()
    assert "未保存" in p.locator("#notice").inner_text()
    assert not any((server.workspace / "data").glob("*.gpkg"))
    p.set_input_files("#upload-file", str(DEMO))
    p.click("#upload-btn")
    p.wait_for_selector("#data-list td:text-is('demo')")
    assert "检查通过" in p.locator("#notice").inner_text()


def _wait_done(p: Any, n: int) -> None:
    """Wait until the job list shows ``n`` finished jobs."""
    js = f"document.querySelectorAll('#jobs .status-done').length >= {n}"
    p.wait_for_function(js, timeout=180_000)


def _baseline_and_cut(p: Any, server: Server) -> None:
    """A new scenario on the uploaded data solved as it is (``baseline``); the same with 2027
    cut to 80 % and a zone's 2028 quota set, saved as ``cut`` and solved (2 s each)."""
    p.click("button[data-tab=scenario]")
    p.fill("#new-name", "baseline")
    p.select_option("#new-data", "demo")
    p.click("#scenario-new")
    p.wait_for_selector("#quota-rows tr")
    p.fill("#f-time", "2")
    p.click("#scenario-run")
    _wait_done(p, 1)
    p.click("button[data-tab=scenario]")
    p.wait_for_selector("#quota-rows tr")
    quota = data_info(DEMO)["district_quota"]["2027"]
    assert f"{quota:.1f}" in p.locator("#quota-rows").inner_text()  # the data's value beside it
    p.fill("input[data-year-scale='2027']", "0.8")
    assert f"{quota * 0.8:.1f}" in p.locator("#quota-rows").inner_text()
    p.fill("input[data-override-year='2028'][data-override-zone='KJC']", "300")
    p.fill("#f-file", "cut")
    p.fill("#f-name", "指标压减")
    p.fill("#f-time", "2")
    p.click("#scenario-run")
    _wait_done(p, 2)
    saved = load_scenario(server.workspace / "scenarios" / "cut.yaml")
    assert saved.quotas.scale_by_year == {2027: 0.8}
    assert saved.quotas.override == [{"year": 2028, "zone": "KJC", "land_mu": 300}]


def _result(p: Any) -> None:
    """The result ``cut``: table, KPIs, the map in its frame, the reasons of the unplaced."""
    p.click("button[data-tab=results]")
    p.wait_for_selector(".results-list td a:text-is('cut')")
    p.click(".results-list td a:text-is('cut')")
    p.wait_for_selector(".placements tbody tr")
    assert p.locator(".placements tbody tr").count() > 10
    assert "落地总投资" in p.locator(".kpis").inner_text()
    reasons = p.locator(".unplaced tbody tr td:last-child").all_inner_texts()
    assert reasons and all(r.strip() for r in reasons)
    p.frame_locator("iframe.map").locator(".la-kpi").first.wait_for(timeout=30_000)
    p.fill(".unplaced input.search", reasons[0][:6])
    assert p.locator(".unplaced tbody tr").count() >= 1
    p.fill(".unplaced input.search", "")
    p.evaluate("window.scrollTo(0, 0)")
    p.screenshot(path=str(ARTIFACTS / "workbench_result.png"), full_page=False)


def _download_report(p: Any, tmp_path: Path) -> None:
    """report.xlsx of the open result, downloaded through its link and opened."""
    with p.expect_download() as dl:
        p.click("#result-head a[download='report.xlsx']")
    report = tmp_path / "report.xlsx"
    dl.value.save_as(report)
    book = openpyxl.load_workbook(report, read_only=True)
    try:
        assert "未落地项目" in book.sheetnames
        assert book["指标"]["A1"].value == "指标"
        assert book["落地项目"]["A1"].value == "项目编号"
    finally:
        book.close()


def _compare(p: Any) -> None:
    """Both results ticked in the results list, the baseline first (the reference), and
    compared: the differences with their causes, and the comparison map."""
    p.check("[data-pick='baseline']")
    p.check("[data-pick='cut']")  # listed above the baseline (newest first)
    p.click("#compare-btn")
    _wait_done(p, 3)
    p.click("button[data-tab=compare]")
    p.wait_for_selector("#compares td a")
    p.click("#compares td a")
    p.wait_for_selector(".differences tbody tr")
    causes = p.locator(".differences tbody tr td:last-child").all_inner_texts()
    assert causes and all(c.strip() for c in causes)
    assert p.locator("#compare-head h2").inner_text() == "baseline_vs_cut"
    assert "指标压减" in p.locator("#compare-head").inner_text()
    compare_map = p.frame_locator("#compare-map iframe.map")
    compare_map.locator(".leaflet-container").first.wait_for(timeout=30_000)
    p.evaluate("window.scrollTo(0, 0)")
    p.screenshot(path=str(ARTIFACTS / "workbench_compare.png"), full_page=False)


def _withhold_on_map(p: Any) -> None:
    """The editor's map of the result ``cut``: a click on a parcel withholds it."""
    p.click("button[data-tab=scenario]")
    p.select_option("#scenario-list", "cut")
    p.click("#scenario-open")
    p.wait_for_selector("#editor-frame[data-hooked='1']", timeout=60_000)
    frame_el = p.locator("#editor-frame")
    frame_el.scroll_into_view_if_needed()
    frame = next(f for f in p.frames if f.url.endswith("/cut/map.html"))
    pt = frame.evaluate(_PARCEL_NEAR_CENTRE)
    box = frame_el.bounding_box()
    p.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
    picked = p.input_value("#f-withheld").split()  # the parcel hit there (or its neighbour)
    assert len(picked) == 1
    assert picked[0] in frame.evaluate("Object.keys(window.landalloc.maps[0].parcels)")
    p.screenshot(path=str(ARTIFACTS / "workbench_editor_map.png"))
    p.click("#scenario-save")
    p.wait_for_function(f"document.getElementById('yaml').textContent.includes('{picked[0]}')")


@pytest.mark.slow  # three solves of 2 s and a comparison: about 30 s
def test_workbench_in_chromium(server: Server, page: Any, tmp_path: Path) -> None:
    """The whole flow: upload → baseline → edit the quota → run → map and reasons → download
    report.xlsx → compare with the baseline → a parcel withheld on the map → English."""
    p, errors, outside = page
    ARTIFACTS.mkdir(exist_ok=True)
    p.goto(server.url + "/")
    assert "用地配置工作台" in p.locator("h1").inner_text()
    _upload(p, server, tmp_path)
    _baseline_and_cut(p, server)
    _result(p)
    _download_report(p, tmp_path)
    _compare(p)
    _withhold_on_map(p)
    p.click("button[data-tab=results]")
    p.click("#lang")
    assert "workbench" in p.locator("h1").inner_text()
    assert "Placements" in p.locator("#result-detail").inner_text()
    assert errors == [] and outside == []
