"""The maps in a real browser: Debian's headless Chromium, no network, a fresh profile.

Needs ``/usr/bin/chromium`` (Debian package ``chromium``) and the ``playwright`` Python package
(driving that Chromium through ``executable_path``; ``playwright install`` is not needed).
Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from map_sample import fake_result, sample_tables

from maps.offline import external_refs
from maps.render import ResultTables, render_compare_map, render_result_map, write_map
from maps.shot import BROWSER_FLAGS, find_chromium, screenshot

CHROMIUM = find_chromium()
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FLAGS = list(BROWSER_FLAGS)
NASTY = 'C:\\2019 "光子" </script>'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]


class Page:
    """A loaded map page with the console errors and the network requests it made."""

    def __init__(self, page: Any, errors: list[str], requests: list[str]) -> None:
        self.page = page
        self.errors = errors
        self.requests = requests


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1600, "height": 1000},
            offline=True,
        )
        try:
            yield ctx
        finally:
            ctx.close()


def _open(ctx: Any, html_path: Path, n_maps: int = 1) -> Page:
    page = ctx.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(html_path.as_uri())
    page.wait_for_function(
        f"window.landalloc && window.landalloc.maps.length === {n_maps} && "
        "window.landalloc.maps.every(m => m.ready)",
        timeout=30_000,
    )
    return Page(page, errors, requests)


def _demo_like() -> tuple[Any, ...]:
    """The demo district when its GeoPackage exists, else the synthetic sample."""
    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo.gpkg"
    if demo.exists():
        from geodata.store import load

        _, tables, _ = load(demo)
    else:
        tables = sample_tables(60, vertices=12, n_factories=6)
    a, u, k, r = fake_result(tables, names={0: NASTY})
    return tables, a, u, k, r


def test_result_map_in_chromium(tmp_path: Path, browser: Any) -> None:
    tables, a, u, k, r = _demo_like()
    html = render_result_map(tables, a, u, k, readiness=r, title="2025-2027 基准方案")
    assert external_refs(html) == []
    path = write_map(html, tmp_path / "map.html")
    p = _open(browser, path)
    page = p.page
    assert p.errors == []
    assert p.requests == []
    drawn = page.evaluate("window.landalloc.maps[0].drawnParcels()")
    assert drawn == len(tables.parcels)
    for sel in (".la-legend", ".la-kpi", ".la-filter", ".la-title"):
        assert page.locator(sel).first.is_visible(), sel
    assert page.locator(".la-title-main").inner_text() == "2025-2027 基准方案"
    assert "落地总投资" in page.locator(".la-kpi").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "maps_result.png"))
    # click the parcel of the project with the hostile name: the popup shows it verbatim
    pid = a.loc[a["name"] == NASTY, "carrier_id"].iloc[0]
    par = tables.parcels.set_index("parcel_id").geometry.to_crs("EPSG:4326")
    inside = par[pid].representative_point()
    x, y = page.evaluate(
        """([lat, lng]) => {
            const m = window.landalloc.maps[0].map;
            m.setView([lat, lng], 17, {animate: false});
            const pt = m.latLngToContainerPoint([lat, lng]);
            const box = m.getContainer().getBoundingClientRect();
            return [box.left + pt.x, box.top + pt.y];
        }""",
        [inside.y, inside.x],
    )
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=5_000)
    text = popup.inner_text()
    assert NASTY in text
    assert str(pid) in text
    assert "用地性质" in text and "准入产业" in text  # the parcel's own zoning
    page.screenshot(path=str(ARTIFACTS / "maps_result_popup.png"))
    assert p.errors == []


def test_filters_hide_and_show_parcels(tmp_path: Path, browser: Any) -> None:
    tables = sample_tables(30, vertices=8)
    a, u, k, r = fake_result(tables)
    path = write_map(
        render_result_map(tables, a, u, k, readiness=r, title="筛选"), tmp_path / "m.html"
    )
    page = _open(browser, path).page
    n = len(tables.parcels)
    land = a[a["carrier_kind"] == "parcel"]
    in_2025 = set(land.loc[land["year"] == 2025, "carrier_id"])
    other = set(land["carrier_id"]) - in_2025
    page.locator(".la-years label", has_text="2025").locator("input").uncheck()
    assert page.evaluate("window.landalloc.maps[0].drawnParcels()") == n - len(in_2025 - other)
    page.locator(".la-years label", has_text="2025").locator("input").check()
    assert page.evaluate("window.landalloc.maps[0].drawnParcels()") == n
    # colour by readiness: still every parcel drawn, legend switches to the readiness entries
    page.locator(".la-filter label", has_text="按开工条件").locator("input").check()
    assert page.evaluate("window.landalloc.maps[0].drawnParcels()") == n
    assert "已具备" in page.locator(".la-legend").inner_text()


def test_compare_map_in_chromium(tmp_path: Path, browser: Any) -> None:
    tables = sample_tables(20, vertices=8)
    a, u, k, r = fake_result(tables)
    b = a.iloc[: len(a) // 2]
    html = render_compare_map(
        tables,
        ResultTables("方案甲", a, u, k, r),
        ResultTables("方案乙 </script>", b, u, {**k, "scenario": "乙"}),
        title="对比",
    )
    p = _open(browser, write_map(html, tmp_path / "c.html"), n_maps=2)
    page = p.page
    assert p.errors == [] and p.requests == []
    assert page.evaluate("window.landalloc.maps.map(m => m.drawnParcels())") == [20, 20]
    titles = page.locator(".la-title-main").all_inner_texts()
    assert titles == ["方案甲", "方案乙 </script>"]
    # the two halves move together
    before = page.evaluate("window.landalloc.maps.map(m => m.map.getZoom())")
    page.evaluate(
        "(() => { const m = window.landalloc.maps[0].map;"
        " m.setView([31.3, 120.4], m.getZoom() + 1, {animate: false}); })()"
    )
    after = page.evaluate("window.landalloc.maps.map(m => m.map.getZoom())")
    assert after == [before[0] + 1, before[0] + 1]
    centre = page.evaluate("window.landalloc.maps[1].map.getCenter()")
    assert centre["lat"] == pytest.approx(31.3) and centre["lng"] == pytest.approx(120.4)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "maps_compare.png"))
    # only the parcels whose projects differ between the two scenarios
    land_a = set(a.loc[a["carrier_kind"] == "parcel", "carrier_id"])
    land_b = set(b.loc[b["carrier_kind"] == "parcel", "carrier_id"])
    page.locator(".la-filter").first.locator("summary").click()
    page.locator(".la-filter").first.locator("label", has_text="只看两方案不同").locator(
        "input"
    ).check()
    assert page.evaluate("window.landalloc.maps[0].shownParcels()") == len(land_a ^ land_b)


def _placed_of(csv: Path) -> set[tuple[str, str]]:
    t = pd.read_csv(csv, dtype=str, encoding="utf-8-sig")
    return set(zip(t["carrier_id"], t["project_id"], strict=True))


def test_alternative_plans_as_switchable_layers(tmp_path: Path, browser: Any) -> None:
    from builders import parcel, project, tables, write_gpkg

    from landalloc.cli import main

    # the instance of tests/test_alternatives.py: eight equal parcels, six equal projects
    t = tables(
        [parcel(f"P{i}", 50, 1000 * i) for i in range(1, 9)],
        [project(f"J{i}", land_mu=45) for i in range(1, 7)],
        {2026: 400.0, 2027: 400.0},
    )
    write_gpkg(t, tmp_path / "d.gpkg")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: 比选\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 2, deterministic: true, workers: 1}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    argv = ["solve", str(scenario), "--out", str(out), "--alternatives", "3", "--min-diff", "2"]
    assert main(argv) == 0
    want = {"方案A": _placed_of(out / "assignments.csv")}
    for label in ("B", "C"):
        want[f"方案{label}"] = _placed_of(out / "alternatives" / label / "assignments.csv")
    assert len(set(map(frozenset, want.values()))) == 3  # three different plans
    p = _open(browser, out / "map.html")
    page = p.page
    m = "window.landalloc.maps[0]"
    plans = page.locator(".la-plans label")
    assert [x.strip() for x in plans.all_inner_texts()] == ["方案A", "方案B", "方案C"]
    assert page.locator(".la-plans input:checked").count() == 1  # radio-style, A shown first
    kpi = page.locator(".la-kpi").inner_text()
    assert "比选方案" in kpi and all(f"方案{x}" in kpi for x in "ABC")
    for label in ("方案A", "方案B", "方案C", "方案A"):
        if label != "方案A" or page.evaluate(f"{m}.plan()") != "方案A":
            plans.filter(has_text=label).locator("input").check()
        assert page.evaluate(f"{m}.plan()") == label
        shown = {(c, j) for c, j in page.evaluate(f"{m}.placed()")}
        assert shown == want[label], label
        assert page.evaluate(f"{m}.drawnParcels()") == 8
        # the popup of a placed parcel names this plan and its project there
        carrier, pid = sorted(want[label])[0]
        x, y = page.evaluate(
            """(id) => {
                const e = window.landalloc.maps[0];
                const c = e.parcels[id].getBounds().getCenter();
                const pt = e.map.latLngToContainerPoint(c);
                const box = e.map.getContainer().getBoundingClientRect();
                return [box.left + pt.x, box.top + pt.y];
            }""",
            carrier,
        )
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible", timeout=5_000)
        text = popup.inner_text()
        assert label in text and pid in text and str(carrier) in text, (label, text)
        others = {j for c, j in want[label] if c == carrier}
        assert others == {pid}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "maps_alternatives.png"))
    assert p.errors == [] and p.requests == []


def test_gaode_notice_is_shown(tmp_path: Path, browser: Any) -> None:
    tables = sample_tables(6)
    a, u, k, _r = fake_result(tables)
    html = render_result_map(tables, a, u, k, title="高德", basemap="gaode", shift_gcj02=True)
    page = _open(browser, write_map(html, tmp_path / "g.html")).page
    notice = page.locator(".la-notice")
    assert notice.is_visible() and "GCJ-02" in notice.inner_text()


def test_png_screenshot(tmp_path: Path) -> None:
    tables = sample_tables(12)
    a, u, k, _r = fake_result(tables)
    path = write_map(render_result_map(tables, a, u, k, title="截图"), tmp_path / "m.html")
    png = screenshot(path, tmp_path / "m.png", width=1200, height=800)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 800)
    assert len(data) > 20_000  # more than a blank page
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "maps_png_option.png").write_bytes(data)
