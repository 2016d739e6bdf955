"""Benchmark of the result map: HTML size and render time in headless Chromium.

Builds a synthetic district of ``--parcels`` parcels (wavy outlines of ``--vertices`` points, so
the display simplification has work to do), a fake result placing about 60 % of them, renders the
map, and loads it ``--runs`` times in Debian's headless Chromium (fresh profile, no network)
through Playwright. The render time is the page's own clock from navigation start to the moment
every parcel has been drawn (two animation frames after the map script finished).

Budget (issue 6): 10 000 parcels → HTML ≤ 8 MB, render ≤ 3 s.

    /work/venv/bin/python bench/bench_map.py                 # print the figures
    /work/venv/bin/python bench/bench_map.py --append        # also append them to RESULTS.md
    /work/venv/bin/python bench/bench_map.py --compare 3     # the comparison map of 3 scenarios
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the synthetic district: tests/map_sample.py

from map_sample import fake_result, sample_tables  # noqa: E402

from maps.render import ResultTables, render_compare_map, render_result_map, write_map  # noqa: E402
from maps.shot import BROWSER_FLAGS, find_chromium  # noqa: E402

CHROMIUM = find_chromium() or "/usr/bin/chromium"
FLAGS = list(BROWSER_FLAGS)
SIZE_BUDGET_MB = 8.0
TIME_BUDGET_S = 3.0


def browser_times(path: Path, runs: int, n_parcels: int) -> tuple[list[float], int]:
    """Render ``path`` ``runs`` times; return the render times (s) and the parcels drawn."""
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    drawn = -1
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1600, "height": 1000},
            offline=True,
        )
        try:
            for _ in range(runs):
                page = ctx.new_page()
                page.goto(path.as_uri(), timeout=60_000)
                page.wait_for_function(
                    "window.landalloc && window.landalloc.maps.length === 1 && "
                    "window.landalloc.maps[0].ready",
                    timeout=60_000,
                )
                times.append(float(page.evaluate("window.landallocReadyAt")) / 1000.0)
                drawn = int(page.evaluate("window.landalloc.maps[0].drawnParcels()"))
                page.close()
        finally:
            ctx.close()
    if drawn != n_parcels:
        raise SystemExit(f"drawn parcels {drawn} != {n_parcels}")
    return times, drawn


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--parcels", type=int, default=10_000)
    ap.add_argument("--vertices", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "maps")
    ap.add_argument("--append", action="store_true", help="append a Maps section to RESULTS.md")
    ap.add_argument(
        "--compare",
        type=int,
        default=0,
        help="render the comparison map of this many scenarios (≥ 2) instead of the result map",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    tables = sample_tables(args.parcels, vertices=args.vertices, n_factories=200)
    a, u, k, r = fake_result(tables)
    t1 = time.perf_counter()
    if args.compare >= 2:
        # every further scenario drops the first tenth of the remaining placements
        runs = [ResultTables("s1", a, u, k, r)]
        for i in range(2, args.compare + 1):
            prev = runs[-1].assignments
            runs.append(ResultTables(f"s{i}", prev.iloc[len(prev) // 10 :], u, k))
        html = render_compare_map(tables, *runs, date="2025-01-01")
    else:
        html = render_result_map(tables, a, u, k, readiness=r, title="bench", date="2025-01-01")
    t2 = time.perf_counter()
    stem = f"compare{args.compare}" if args.compare >= 2 else "map"
    path = write_map(html, args.out / f"{stem}_{args.parcels}.html")
    size_mb = path.stat().st_size / 1e6
    vin = int(sum(len(g.exterior.coords) for g in tables.parcels.geometry))
    times, drawn = browser_times(path, args.runs, len(tables.parcels))
    med, worst = statistics.median(times), max(times)
    ok = size_mb <= SIZE_BUDGET_MB and worst <= TIME_BUDGET_S
    lines = [
        f"parcels {len(tables.parcels)}, factories {len(tables.factories)}, "
        f"placements {len(a)}, input vertices {vin}",
        f"data build {t1 - t0:.2f} s, Python render {t2 - t1:.2f} s",
        f"HTML {size_mb:.2f} MB (budget {SIZE_BUDGET_MB:.0f} MB)",
        f"Chromium render {med:.2f} s median, {worst:.2f} s worst of {args.runs} "
        f"(budget {TIME_BUDGET_S:.0f} s); parcels drawn {drawn}",
        "PASS" if ok else "FAIL",
    ]
    print("\n".join(lines))
    if args.append:
        import subprocess

        ver = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
        section = [
            "",
            "## Maps",
            "",
            f"`bench/bench_map.py --parcels {args.parcels} --vertices {args.vertices} "
            f"--runs {args.runs}`, {dt.date.today().isoformat()}, {platform.machine()}, "
            f"{ver.strip() or 'chromium'} headless (`--no-sandbox --disable-gpu`), no network.",
            "",
            "| measure | value | budget |",
            "| --- | --- | --- |",
            f"| parcels drawn | {drawn} of {len(tables.parcels)} | all |",
            f"| HTML size | {size_mb:.2f} MB | ≤ {SIZE_BUDGET_MB:.0f} MB |",
            f"| render in Chromium (navigation → all parcels drawn) | {med:.2f} s median, "
            f"{worst:.2f} s worst | ≤ {TIME_BUDGET_S:.0f} s |",
            f"| Python: build HTML | {t2 - t1:.2f} s | — |",
            "",
            f"Synthetic district: {len(tables.parcels)} parcels with {args.vertices}-point wavy "
            f"outlines ({vin} vertices in), {len(tables.factories)} factories, {len(a)} placements; "
            "simplified at 1 m in EPSG:4549, 1e-5° delta-encoded coordinates, canvas renderer.",
            "",
        ]
        results = ROOT / "bench" / "RESULTS.md"
        with results.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(section))
        print(f"appended to {results}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
