"""The maps in a real browser: Debian's headless Chromium, no network, a fresh profile.

Needs ``/usr/bin/chromium`` (Debian package ``chromium``) and the ``playwright`` Python package
(driving that Chromium through ``executable_path``; ``playwright install`` is not needed).
Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import re
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


def _open(
    ctx: Any, html_path: Path, n_maps: int = 1, size: tuple[int, int] | None = None, hash: str = ""
) -> Page:
    page = ctx.new_page()
    if size is not None:
        page.set_viewport_size({"width": size[0], "height": size[1]})
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
    page.goto(html_path.as_uri() + hash)
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
    _open_filters(page)
    page.locator(".la-years label", has_text="2025").locator("input").uncheck()
    assert page.evaluate("window.landalloc.maps[0].drawnParcels()") == n - len(in_2025 - other)
    page.locator(".la-years label", has_text="2025").locator("input").check()
    assert page.evaluate("window.landalloc.maps[0].drawnParcels()") == n


def _open_filters(page: Any) -> None:
    """Open the (collapsible) filter panel."""
    page.evaluate("document.querySelector('.la-filter').open = true")


def _main_status(tables: Any, a: pd.DataFrame, r: pd.DataFrame) -> dict[str, str]:
    """Per parcel, the readiness the map outlines: the placed project's, else the parcel's."""
    out = {str(p): "" for p in tables.parcels["parcel_id"]}
    for pid, status in zip(r["parcel_id"], r["status"], strict=True):
        out[str(pid)] = str(status)
    land = a[a["carrier_kind"] == "parcel"]
    for cid, status in zip(land["carrier_id"], land["readiness"], strict=True):
        out[str(cid)] = str(status)
    return out


def test_readiness_outlines_only_where_a_start_is_at_risk(tmp_path: Path, browser: Any) -> None:
    tables = sample_tables(30, vertices=8)
    a, u, k, r = fake_result(tables)
    path = write_map(
        render_result_map(tables, a, u, k, readiness=r, title="开工条件"), tmp_path / "m.html"
    )
    page = _open(browser, path).page
    m = "window.landalloc.maps[0]"
    land = a[a["carrier_kind"] == "parcel"]
    at_risk = set(land.loc[land["readiness"] == "blocked", "carrier_id"])
    assert at_risk and set(page.evaluate(f"{m}.readinessOutlined()")) == at_risk
    legend = page.locator(".la-legend").inner_text()
    assert "仅标出开工受影响的已安排项目" in legend and "不具备" in legend
    assert "预计具备" not in legend  # only the state that matters, until asked
    # the toggle: every parcel with a known state, the same four names in legend and filters
    _open_filters(page)
    page.locator(".la-readiness-toggle").check()
    status = _main_status(tables, a, r)
    assert set(page.evaluate(f"{m}.readinessOutlined()")) == {p for p, s in status.items() if s}
    legend_words = {w.strip() for w in page.locator(".la-legend .la-legend-item").all_inner_texts()}
    filter_words = {w.strip() for w in page.locator(".la-readiness label").all_inner_texts()}
    states = {"已具备", "预计具备", "不具备", "未评估"}
    assert states <= legend_words and states <= filter_words
    # readiness is outline style and weight in one ink, never a hue of its own
    styles = page.evaluate(
        f"""(() => {{ const out = {{}};
            {m}.parcelGroup.eachLayer(l => {{ const o = l.options;
                if (o.color === LandallocMap.ink) {{ out[o.dashArray || 'solid'] = o.weight; }} }});
            return out; }})()"""
    )
    assert styles == {"solid": 1.5, "1 4": 2.5, "7 4": 3}


# --------------------------------------------------------------------------- layout


#: Everything drawn over the map: the title, the panels and Leaflet's controls.
PANELS = ".la-title, .la-panel, .leaflet-control"
SIZES = [(1366, 768), (1920, 1080)]


def _boxes(page: Any) -> list[dict[str, Any]]:
    """The visible panels and controls, with their boxes in page pixels."""
    boxes: list[dict[str, Any]] = page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).filter(e => {
                const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden';
            }).map(e => { const r = e.getBoundingClientRect();
                return {name: e.className.toString().trim().split(/\\s+/).slice(0, 3).join('.'),
                        x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })""",
        PANELS,
    )
    return boxes


def _data_box(page: Any) -> dict[str, float]:
    """The data's bounding box (parcels, factories, zones) in page pixels."""
    box: dict[str, float] = page.evaluate(
        """(() => { const e = window.landalloc.maps[0], m = e.map, b = e.dataBounds();
            const c = m.getContainer().getBoundingClientRect();
            const p0 = m.latLngToContainerPoint([b[1][0], b[0][1]]);
            const p1 = m.latLngToContainerPoint([b[0][0], b[1][1]]);
            return {name: 'data', x0: c.left + p0.x, y0: c.top + p0.y,
                    x1: c.left + p1.x, y1: c.top + p1.y}; })()"""
    )
    return box


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    tol = 0.5
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > tol and (
        min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > tol
    )


def _assert_clear(page: Any, size: tuple[int, int]) -> list[dict[str, Any]]:
    boxes = _boxes(page)
    data = _data_box(page)
    hits = [
        (a["name"], b["name"])
        for i, a in enumerate(boxes)
        for b in [*boxes[i + 1 :], data]
        if _overlap(a, b)
    ]
    assert hits == [], (size, hits)
    inside = data["x0"] >= 0 and data["y0"] >= 0 and data["x1"] <= size[0] and data["y1"] <= size[1]
    assert inside, (size, data)
    return boxes


def _three_scenarios(tables: Any, a: pd.DataFrame, u: pd.DataFrame, k: dict[str, Any]) -> tuple:
    """A base and two scenarios: one with a project lost, one moved and one gained; one with
    the first two projects lost."""
    land = a[a["carrier_kind"] == "parcel"].reset_index(drop=True)
    base = pd.concat([land, a[a["carrier_kind"] == "factory"]], ignore_index=True)
    free = [p for p in tables.parcels["parcel_id"] if p not in set(land["carrier_id"])]
    other = base.drop(index=0).copy()
    other.loc[1, "carrier_id"] = free[0]
    gained = other.iloc[[0]].assign(project_id="NEW1", name="新项目", carrier_id=free[1])
    other = pd.concat([other, gained], ignore_index=True)
    expect = {land.loc[0, "carrier_id"]: 1, land.loc[1, "carrier_id"]: 3, free[0]: 3, free[1]: 2}
    third = base.iloc[2:].copy()
    runs = (
        ResultTables("基准", base, u, k),
        ResultTables("指标压减", other, u, {**k, "investment_yi": k["investment_yi"] - 10.0}),
        ResultTables("情景三", third, u, {**k, "jobs": k["jobs"] - 100}),
    )
    return runs, expect


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_panel_covers_another_or_the_data(
    tmp_path: Path, browser: Any, size: tuple[int, int]
) -> None:
    tables, a, u, k, r = _demo_like()
    result = write_map(
        render_result_map(tables, a, u, k, readiness=r, title="2025-2027 基准方案"),
        tmp_path / "map.html",
    )
    runs, _ = _three_scenarios(tables, a, u, k)
    compare = write_map(render_compare_map(tables, *runs), tmp_path / "compare.html")
    for path in (result, compare):
        p = _open(browser, path, size=size)
        page = p.page
        boxes = _assert_clear(page, size)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"maps_{path.stem}_{size[0]}x{size[1]}.png"))
        names = " ".join(b["name"] for b in boxes)
        for part in ("la-title", "la-kpi", "la-legend", "la-filter", "leaflet-control-zoom"):
            assert part in names, (path.name, part)
        # every panel opened (the unplaced list, the filters): still nothing covers anything
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        _assert_clear(page, size)
        assert p.errors == [] and p.requests == []
        page.close()


def test_popups_open_clear_of_the_panels(tmp_path: Path, browser: Any) -> None:
    tables, a, u, k, r = _demo_like()
    path = write_map(
        render_result_map(tables, a, u, k, readiness=r, title="弹窗"), tmp_path / "map.html"
    )
    page = _open(browser, path, size=(1366, 768)).page
    # the top-left parcel: its popup opens upwards, where the title used to be
    pid = page.evaluate(
        """(() => { const e = window.landalloc.maps[0]; let best = null, score = -1e9;
            for (const id in e.parcels) { const c = e.parcels[id].getBounds().getCenter();
                const s = c.lat - (c.lng - 120) * 0.2; if (s > score) { score = s; best = id; } }
            return best; })()"""
    )
    x, y = page.evaluate(
        """(id) => { const e = window.landalloc.maps[0];
            const pt = e.map.latLngToContainerPoint(e.parcels[id].getBounds().getCenter());
            const box = e.map.getContainer().getBoundingClientRect();
            return [box.left + pt.x, box.top + pt.y]; }""",
        pid,
    )
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup")
    popup.wait_for(state="visible", timeout=5_000)
    page.wait_for_timeout(600)  # the pan that brings it clear of the panels
    r_ = popup.bounding_box()
    box = {"name": "popup", "x0": r_["x"], "y0": r_["y"], "x1": r_["x"] + r_["width"],
           "y1": r_["y"] + r_["height"]}  # fmt: skip
    hits = [b["name"] for b in _boxes(page) if _overlap(box, b)]
    assert hits == [], hits
    assert str(pid) in page.locator(".leaflet-popup-content").inner_text()


# --------------------------------------------------------------------------- comparison


def test_compare_map_highlights_changes_on_load(tmp_path: Path, browser: Any) -> None:
    tables = sample_tables(20, vertices=8)
    a, u, k, _r = fake_result(tables)
    runs, expect = _three_scenarios(tables, a, u, k)
    html = render_compare_map(tables, *runs, title="对比 </script>")
    p = _open(browser, write_map(html, tmp_path / "c.html"))
    page = p.page
    m = "window.landalloc.maps[0]"
    assert p.errors == [] and p.requests == []
    assert page.evaluate("window.landalloc.maps.length") == 1  # one large map
    assert page.evaluate(f"{m}.drawnParcels()") == 20
    assert page.locator(".la-title-main").inner_text() == "对比 </script>"
    assert page.evaluate(f"{m}.plan()") == "指标压减"  # the first scenario against the base
    drawn = page.evaluate(f"{m}.drawnChanges()")
    assert {pid: d["change"] for pid, d in drawn.items() if d["change"]} == expect
    style = {1: ("#D55E00", "7 4"), 2: ("#009E73", ""), 3: ("#0072B2", "1 4")}
    for pid, d in drawn.items():
        if d["change"]:
            assert (d["fill"], d["dash"]) == style[d["change"]], pid
        else:
            assert d["fill"] == "#e3e3e3", pid  # the rest greyed, so the change stands out
    legend = page.locator(".la-legend").inner_text()
    assert "失去项目（1）" in legend and "新增项目（1）" in legend and "项目调整" in legend
    # one KPI table: base, scenario and Δ
    heads = page.locator(".la-kpi-table th")
    assert heads.all_inner_texts()[1:] == ["基准", "情景", "Δ"]
    assert heads.nth(2).get_attribute("title") == "指标压减"  # the full name on hover
    inv = page.locator(".la-kpi-table tr", has_text="落地总投资").locator("td").all_inner_texts()
    assert inv[3].endswith("−10.0") and "▼" in inv[3]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "maps_compare.png"))
    # N scenarios as switchable layers: the third one
    page.locator(".la-plans label", has_text="情景三").locator("input").check()
    assert page.evaluate(f"{m}.plan()") == "情景三"
    assert page.locator(".la-kpi-table th").nth(2).get_attribute("title") == "情景三"
    jobs = page.locator(".la-kpi-table tr", has_text="就业").locator("td").all_inner_texts()
    assert jobs[3].endswith("−100")
    lost = {pid for pid, d in page.evaluate(f"{m}.drawnChanges()").items() if d["change"] == 1}
    land = runs[0].assignments
    assert lost == set(land.loc[land["carrier_kind"] == "parcel", "carrier_id"].iloc[:2])
    # only the parcels that changed
    _open_filters(page)
    page.locator(".la-filter label", has_text="只看有变化的地块").locator("input").check()
    assert page.evaluate(f"{m}.shownParcels()") == 2
    # the base against itself: nothing highlighted, the cluster colours back
    page.locator(".la-plans label", has_text="基准").locator("input").check()
    page.locator(".la-filter label", has_text="只看有变化的地块").locator("input").uncheck()
    assert all(d["change"] == 0 for d in page.evaluate(f"{m}.drawnChanges()").values())
    assert p.errors == []


def _luminance(css: str) -> float:
    nums = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]
    lin = [
        c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in nums
    ]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _transparent(css: str) -> bool:
    """A CSS colour with no ink (``transparent`` or an ``rgba`` with alpha 0)."""
    if css == "transparent":
        return True
    return css.startswith("rgba") and float(css.rstrip(")").split(",")[-1]) == 0


def _swatches(page: Any) -> list[list[str]]:
    """Each legend entry: its label, the swatch's fill and its outline colour."""
    out: list[list[str]] = page.evaluate(
        """Array.from(document.querySelectorAll('.la-legend .la-legend-item')).map(i => {
            const s = getComputedStyle(i.querySelector('.la-swatch'));
            const w = ['Top', 'Right', 'Bottom', 'Left'].map(
                k => parseFloat(s['border' + k + 'Width']));
            const c = w[0] > 0 ? s.borderTopColor : s.borderLeftColor;
            return [i.innerText.trim(), s.backgroundColor, Math.max(...w) > 0 ? c : 'transparent'];
        })"""
    )
    return out


def test_legend_colours_stand_out_from_the_background(tmp_path: Path, browser: Any) -> None:
    """WCAG 2.1 non-text contrast (1.4.11): every legend symbol reaches 3:1 against the map's
    background without tiles, by its fill or by the outline that bounds it on the map."""
    tables = sample_tables(20, vertices=8)
    a, u, k, r = fake_result(tables)
    runs, _ = _three_scenarios(tables, a, u, k)
    pages = {
        "result": render_result_map(tables, a, u, k, readiness=r, title="对比度"),
        "compare": render_compare_map(tables, *runs),
    }
    lines = ["legend symbol | fill | outline | fill contrast | outline contrast"]
    for kind, html in pages.items():
        page = _open(browser, write_map(html, tmp_path / f"{kind}.html")).page
        if kind == "result":
            _open_filters(page)
            page.locator(".la-readiness-toggle").check()  # every readiness entry
        bg = page.evaluate(
            "getComputedStyle(document.querySelector('.la-notiles')).backgroundColor"
        )
        assert _luminance(bg) > 0.8  # the light background the map is drawn on
        swatches = _swatches(page)
        if kind == "compare":  # highlight off: the cluster colours and outlines too
            page.locator(".la-highlight").uncheck()
            swatches += _swatches(page)
        assert len(swatches) >= 14
        for label, fill, line in swatches:
            cf = 1.0 if _transparent(fill) else _contrast(fill, bg)
            cl = 1.0 if _transparent(line) else _contrast(line, bg)
            lines.append(f"{kind}: {label} | {fill} | {line} | {cf:.2f} | {cl:.2f}")
            assert max(cf, cl) >= 3.0, (kind, label, fill, line, cf, cl)
        page.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "maps_legend_contrast.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- pictures


def test_slide_view_is_fitted_to_the_data(tmp_path: Path, browser: Any) -> None:
    tables, a, u, k, r = _demo_like()
    path = write_map(
        render_result_map(tables, a, u, k, readiness=r, title="幻灯片"), tmp_path / "map.html"
    )
    page = _open(browser, path, size=(1920, 1080), hash="#slide").page
    assert not page.locator(".la-filter").count()  # no filters or zoom buttons on a slide
    assert not page.locator(".leaflet-control-zoom").is_visible()
    _assert_clear(page, (1920, 1080))
    data = _data_box(page)
    free = page.evaluate(
        "(() => { const e = window.landalloc.maps[0]; return LandallocPanels.margins(e.ctx); })()"
    )
    free_w = 1920 - free["left"] - free["right"] - 28
    free_h = 1080 - 28
    # the data fill the free space in one direction (no zoom level lost to rounding)
    fill = max((data["x1"] - data["x0"]) / free_w, (data["y1"] - data["y0"]) / free_h)
    assert fill > 0.97, fill
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.la-kpi .la-row')).fontSize)"
    )
    assert size >= 16  # key figures legible on a slide


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_png_for_slides(tmp_path: Path) -> None:
    tables, a, u, k, r = _demo_like()
    result = write_map(
        render_result_map(tables, a, u, k, readiness=r, title="2025-2027 基准方案"),
        tmp_path / "map.html",
    )
    runs, _ = _three_scenarios(tables, a, u, k)
    compare = write_map(render_compare_map(tables, *runs), tmp_path / "compare.html")
    ARTIFACTS.mkdir(exist_ok=True)
    for html, name in ((result, "maps_result_slide.png"), (compare, "maps_compare_slide.png")):
        data = screenshot(html, tmp_path / name).read_bytes()
        assert _png_size(data) == (1920, 1080)  # 16:9
        assert len(data) > 100_000  # a drawn map, not a blank page
        (ARTIFACTS / name).write_bytes(data)


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


def test_cli_map_png_is_a_slide_of_the_data(tmp_path: Path) -> None:
    import json

    from geodata.store import write_tables
    from landalloc.cli import main

    tables = sample_tables(16, vertices=6)
    a, u, k, r = fake_result(tables)
    data = write_tables(tables, tmp_path / "d.gpkg")
    d = tmp_path / "r"
    d.mkdir()
    a.to_csv(d / "assignments.csv", index=False, encoding="utf-8-sig")
    u.to_csv(d / "unassigned.csv", index=False, encoding="utf-8-sig")
    r.to_csv(d / "readiness.csv", index=False, encoding="utf-8-sig")
    summary = {"scenario": "幻灯片", "status": "OPTIMAL", "kpis": k, "data": str(data)}
    (d / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    png = tmp_path / "slide.png"
    assert main(["map", str(d), "--png", str(png)]) == 0
    data_png = png.read_bytes()
    assert _png_size(data_png) == (1920, 1080)
    assert (d / "map.html").exists()
