"""Load test of the workbench (``landalloc serve``): 5 users at once, each running a 10 s solve.

Starts the server on a free port with a fresh workspace seeded with the demo data (``--demo``,
the default ``--jobs 2``: two solves run at once, the others queue). Each simulated user has
its own scenario on the demo data (saved through the editor's API before the clock starts); at
the same instant the 5 users submit a solve with a 10 s limit and poll their job until it ends.
Throughout, another client keeps requesting the pages that are not a running solve (the index,
the job list, the results, the scenarios, the data, the comparisons, the health check) and
records each latency. At the end every job must be ``done``, its result folder complete and
listed, and every job listed: nothing lost.

Budget (issue 24): all jobs complete, every other page answers within 1 s throughout.

    python bench/bench_serve.py             # print the figures
    python bench/bench_serve.py --append    # also append them to RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the server as a subprocess: tests/serve_fixture.py

from serve_fixture import Server, serve  # noqa: E402

PAGES = (
    "/",
    "/api/jobs",
    "/api/results",
    "/api/scenarios",
    "/api/data",
    "/api/compares",
    "/api/health",
)
RESULT_FILES = ("summary.json", "report.xlsx", "map.html", "assignments.csv")


def _prepare(server: Server, users: int) -> list[str]:
    """One scenario per user on the demo data, saved as the editor saves it."""
    names = []
    for i in range(1, users + 1):
        name = f"user{i}"
        ed = server.post("/api/scenarios/new", json={"name": name, "data_name": "demo"})
        ed.raise_for_status()
        r = server.post(
            f"/api/scenarios/{name}", json={"scenario": ed.json()["scenario"], "data_name": "demo"}
        )
        r.raise_for_status()
        names.append(name)
    return names


def _user(
    server: Server, scenario: str, limit: float, start: threading.Barrier, out: dict[str, Any]
) -> None:
    """Submit one solve at the common start, then poll it until it is final."""
    start.wait()
    t0 = time.monotonic()
    r = server.post(
        "/api/jobs", json={"kind": "solve", "scenario": scenario, "time_limit_s": limit}
    )
    out["submit_s"] = time.monotonic() - t0
    out["submit_status"] = r.status_code
    if r.status_code != 200:
        out["status"] = f"refused {r.status_code}: {r.text[:200]}"
        return
    out["id"] = r.json()["id"]
    job = server.wait_job(out["id"], timeout=600)
    out["status"] = job["state"]["status"]
    out["wall_s"] = time.monotonic() - t0


def _poll_pages(server: Server, stop: threading.Event, log: list[tuple[str, float, int]]) -> None:
    """Request the other pages in turn until ``stop``; record (page, latency s, status)."""
    i = 0
    while not stop.is_set():
        page = PAGES[i % len(PAGES)]
        t0 = time.perf_counter()
        try:
            code = server.get(page).status_code
        except Exception:  # a timeout or refused connection counts as a failure
            code = 0
        log.append((page, time.perf_counter() - t0, code))
        i += 1
        time.sleep(0.1)


def _check_lost(server: Server, users: dict[str, dict[str, Any]]) -> list[str]:
    """What is missing after the run: jobs not listed, results not listed or incomplete."""
    lost = []
    listed_jobs = {j["id"] for j in server.get("/api/jobs").json()}
    listed_results = {r["name"] for r in server.get("/api/results").json()}
    for name, u in users.items():
        if u.get("id") not in listed_jobs:
            lost.append(f"job of {name} not listed")
        if name not in listed_results:
            lost.append(f"result {name} not listed")
        folder = server.workspace / "results" / name
        lost += [f"{name}/{f} missing" for f in RESULT_FILES if not (folder / f).is_file()]
    return lost


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, load {load}"
    )


def _markdown(
    fig: dict[str, Any], pages: list[tuple[str, float, int]], started: dt.datetime, machine: str
) -> str:
    """The figures as a section of RESULTS.md."""
    users, limit, lost, failed = fig["users"], fig["limit_s"], fig["lost"], fig["failed_requests"]
    per_page = []
    for page in PAGES:
        xs = sorted(x[1] for x in pages if x[0] == page)
        if xs:
            per_page.append(
                f"| `{page}` | {len(xs)} | {1000 * statistics.median(xs):.0f} | "
                f"{1000 * xs[int(0.95 * (len(xs) - 1))]:.0f} | {1000 * xs[-1]:.0f} |"
            )
    ok = fig["jobs_done"] == users and not lost and fig["over_1s"] == 0 and not failed
    md = "\n".join(
        [
            f"## Workbench load test: {users} users at once, each a {limit:.0f} s solve "
            f"({started:%Y-%m-%d %H:%M} UTC)",
            "",
            f"Machine: {machine} at the start; load {_machine().rsplit('load ', 1)[1]} at the end.",
            f"Command: `python bench/bench_serve.py` — `landalloc serve --demo` (default "
            f"`--jobs 2`: two solves at once, the others queue) on a fresh workspace; {users} "
            f"users each submit a solve of their own copy of the demo scenario "
            f"(`time_limit_s: {limit:.0f}`) at the same instant and poll it; meanwhile one client "
            "requests the other pages in turn (every 0.1 s) and records each latency.",
            "",
            f"- **Jobs**: {fig['jobs_done']} of {users} done in {fig['total_s']:.1f} s in all "
            f"(each user's wall time from submit to done: {', '.join(f'{w:.1f}' for w in fig['walls'])} s); submitting "
            f"took at most {fig['submit_max_ms']:.0f} ms. Lost: "
            f"{'nothing' if not lost else '; '.join(lost)} (every job listed, every result "
            "listed with summary.json, report.xlsx, map.html and assignments.csv).",
            f"- **Other pages during the run**: {len(pages)} requests, {failed} failed; "
            f"latency median {fig['median_ms']:.0f} ms, p95 {fig['p95_ms']:.0f} ms, "
            f"max {fig['max_ms']:.0f} ms (`{fig['slowest_page']}`); "
            f"{fig['over_1s']} over 1 s.",
            f"- **Budget** (all complete, other pages within 1 s, nothing lost): "
            f"{'met' if ok else 'NOT met'}.",
            "",
            "| page | requests | median ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: |",
            *per_page,
            "",
        ]
    )
    return md


def run(users: int, limit: float) -> tuple[dict[str, Any], str]:
    """Run the load test; return the figures and a Markdown section."""
    started = dt.datetime.now(dt.UTC)
    machine_before = _machine()
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "ws", "--demo") as server:
        names = _prepare(server, users)
        state: dict[str, dict[str, Any]] = {n: {} for n in names}
        barrier = threading.Barrier(users + 1)
        threads = [
            threading.Thread(target=_user, args=(server, n, limit, barrier, state[n]))
            for n in names
        ]
        pages: list[tuple[str, float, int]] = []
        stop = threading.Event()
        poller = threading.Thread(target=_poll_pages, args=(server, stop, pages))
        for t in threads:
            t.start()
        poller.start()
        t0 = time.monotonic()
        barrier.wait()
        for t in threads:
            t.join()
        total = time.monotonic() - t0
        stop.set()
        poller.join()
        lost = _check_lost(server, state)
    lat = sorted(x[1] for x in pages)
    failed_pages = sum(1 for x in pages if x[2] != 200)
    done = sum(1 for u in state.values() if u.get("status") == "done")
    slowest = max(pages, key=lambda x: x[1])
    fig = {
        "users": users,
        "limit_s": limit,
        "jobs_done": done,
        "total_s": total,
        "requests": len(pages),
        "failed_requests": failed_pages,
        "max_ms": 1000 * lat[-1],
        "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))],
        "median_ms": 1000 * statistics.median(lat),
        "over_1s": sum(1 for x in lat if x > 1.0),
        "slowest_page": slowest[0],
        "walls": sorted(u.get("wall_s", float("nan")) for u in state.values()),
        "submit_max_ms": 1000 * max(u.get("submit_s", 0.0) for u in state.values()),
        "lost": lost,
    }
    return fig, _markdown(fig, pages, started, machine_before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=5)
    ap.add_argument("--limit", type=float, default=10.0, help="each solve's time limit (s)")
    ap.add_argument("--append", action="store_true", help="append the figures to RESULTS.md")
    args = ap.parse_args()
    fig, md = run(args.users, args.limit)
    print(md)
    if args.append:
        with (Path(__file__).parent / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write("\n" + md)
    if fig["jobs_done"] != args.users or fig["lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
