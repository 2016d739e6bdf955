"""The workbench in Debian's headless Chromium, offline: the Chinese page, the scenario editor,
a solve from the page, the results with the embedded map and the reasons, the English switch.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    with serve(root / "ws", "--demo") as s:
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


def test_workbench_in_chromium(server: Server, page: Any, tmp_path: Path) -> None:
    p, errors, outside = page
    p.goto(server.url + "/")
    assert "用地配置工作台" in p.locator("h1").inner_text()
    p.wait_for_selector("#data-list td:text-is('demo')")
    # a bad upload: the validation table, nothing kept
    bad = tmp_path / "坏数据.gpkg"
    bad.write_bytes(DEMO.read_bytes())
    with sqlite3.connect(bad) as db:
        db.execute("UPDATE projects SET stage = 'bogus' WHERE rowid = 3")
    p.set_input_files("#upload-file", str(bad))
    p.click("#upload-btn")
    p.wait_for_selector(".problems td")
    assert "bogus" in p.locator(".problems").inner_text()
    assert "未保存" in p.locator("#notice").inner_text()
    # the editor: open the demo's baseline, cut 2027 to 80 %, save, solve
    p.click("button[data-tab=scenario]")
    p.select_option("#scenario-list", "baseline")
    p.click("#scenario-open")
    p.wait_for_selector("#quota-rows tr")
    quota = data_info(DEMO)["district_quota"]["2027"]
    assert f"{quota:.1f}" in p.locator("#quota-rows").inner_text()  # the data's value beside it
    p.fill("input[data-year-scale='2027']", "0.8")
    assert f"{quota * 0.8:.1f}" in p.locator("#quota-rows").inner_text()
    p.fill("input[data-override-year='2028'][data-override-zone='KJC']", "300")
    p.fill("#f-time", "2")
    p.click("#scenario-save")
    p.wait_for_function(
        "document.getElementById('yaml').textContent.startsWith('# 由 landalloc 工作台保存')"
    )
    saved = load_scenario(server.workspace / "scenarios" / "baseline.yaml")
    assert saved.quotas.scale_by_year == {2027: 0.8}
    assert saved.quotas.override == [{"year": 2028, "zone": "KJC", "land_mu": 300}]
    p.click("#scenario-run")
    p.wait_for_selector("#jobs .status-done", timeout=180_000)
    # the result: table, KPIs, the map in its frame, the reasons
    p.click("button[data-tab=results]")
    p.wait_for_selector(".results-list td a")
    p.click(".results-list td a")
    p.wait_for_selector(".placements tbody tr")
    assert p.locator(".placements tbody tr").count() > 10
    assert "落地总投资" in p.locator(".kpis").inner_text()
    reasons = p.locator(".unplaced tbody tr td:last-child").all_inner_texts()
    assert reasons and all(r.strip() for r in reasons)
    frame = p.frame_locator("iframe.map")
    frame.locator(".la-kpi").first.wait_for(timeout=30_000)
    p.fill(".unplaced input.search", reasons[0][:6])
    assert p.locator(".unplaced tbody tr").count() >= 1
    p.fill(".unplaced input.search", "")
    p.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "workbench_result.png"), full_page=False)
    # the editor's map of that result: a click on a parcel withholds it
    p.click("button[data-tab=scenario]")
    p.click("#scenario-open")
    p.wait_for_selector("#editor-frame[data-hooked='1']", timeout=60_000)
    frame_el = p.locator("#editor-frame")
    frame_el.scroll_into_view_if_needed()
    frame = next(f for f in p.frames if f.url.endswith("/baseline/map.html"))
    pt = frame.evaluate(_PARCEL_NEAR_CENTRE)
    box = frame_el.bounding_box()
    p.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
    picked = p.input_value("#f-withheld").split()  # the parcel hit there (or its neighbour)
    assert len(picked) == 1
    assert picked[0] in frame.evaluate("Object.keys(window.landalloc.maps[0].parcels)")
    p.screenshot(path=str(ARTIFACTS / "workbench_editor_map.png"))
    p.click("#scenario-save")
    p.wait_for_function(f"document.getElementById('yaml').textContent.includes('{picked[0]}')")
    # English
    p.click("#lang")
    assert "workbench" in p.locator("h1").inner_text()
    assert "Placements" in p.locator("#result-detail").inner_text()
    assert errors == [] and outside == []
