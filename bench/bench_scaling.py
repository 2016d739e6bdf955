"""Scaling curve of candidate time, model build time and memory against size (issue #21 goal 4).

Usage::

    python bench/bench_scaling.py [--sizes district,between-1,city,between-2,province]
                                  [--seed N] [--json OUT.json] [--plot bench/scaling.png]

Each size runs in a fresh ``nice 19`` subprocess, one at a time, so its peak RSS is its own:
instance (``landalloc.demo.generate`` + ``geodata.store.build_instance``), candidates
(``Problem.standard(instance).candidates()``), the whole CP-SAT model (``build_model``). Times are
CPU seconds of that process (the figure to read on a shared machine) and wall seconds. A
``--count-only`` size (default: the province) is counted a few hundred projects at a time and
never held whole; its memory is extrapolated from the smaller sizes' bytes per candidate.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Instance sizes: projects × parcels × factories × years.
SIZES: dict[str, dict[str, int]] = {
    "district": {"n_projects": 300, "n_parcels": 1000, "n_factories": 60, "n_years": 3},
    "between-1": {"n_projects": 1000, "n_parcels": 4000, "n_factories": 120, "n_years": 4},
    "city": {"n_projects": 2000, "n_parcels": 10000, "n_factories": 200, "n_years": 5},
    "between-2": {"n_projects": 5000, "n_parcels": 25000, "n_factories": 400, "n_years": 5},
    "province": {"n_projects": 20000, "n_parcels": 100000, "n_factories": 1000, "n_years": 5},
}
GB = 1e9
MARK_GB = 8.0  # the line marked on the plot


def _rss_bytes(pid: int | str = "self") -> int:
    """Current resident set size of a process, from ``/proc`` (0 when it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines()
    except OSError:
        return 0
    return next((int(ln.split()[1]) * 1024 for ln in lines if ln.startswith("VmRSS:")), 0)


def _timed(res: dict[str, Any], key: str, out: Path, fn: Callable[[], Any]) -> Any:
    """Run ``fn``; store its CPU and wall seconds, RSS after and peak so far under ``key``, and
    write the figures so far to ``out`` (a step killed for memory leaves the earlier ones)."""
    c0, w0 = time.process_time(), time.perf_counter()
    value = fn()
    res[key] = {
        "cpu_s": time.process_time() - c0,
        "wall_s": time.perf_counter() - w0,
        "rss_after_b": _rss_bytes(),
        "peak_b": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # KiB on Linux
    }
    out.write_text(json.dumps(res), encoding="utf-8")
    return value


def count_only(problem: Any, chunk: int) -> dict[str, Any]:
    """Count the candidates ``chunk`` projects at a time, discarding each chunk's set.

    A project's candidates depend on it, the carriers and the policy only, so the chunks' counts
    add up to the whole set's. The parcel arrays are built once, not once per chunk.
    """
    import optimizer.candidates as builder

    inst = problem.instance
    made = builder.parcel_arrays(inst)
    original = builder.parcel_arrays

    def reused(instance: Any) -> Any:
        return made if instance.parcels is inst.parcels else original(instance)

    builder.parcel_arrays = reused
    try:
        total, pairs, chunk_peak = 0, 0, 0
        for k in range(0, len(inst.projects), chunk):
            part = dataclasses.replace(inst, projects=inst.projects[k : k + chunk])
            cands = dataclasses.replace(problem, instance=part).candidates()
            total += len(cands.candidates)
            pairs += cands.n_pairs
            chunk_peak = max(chunk_peak, len(cands.candidates))
            del cands
    finally:
        builder.parcel_arrays = original
    return {"total": total, "pairs_considered": pairs, "chunk": chunk, "largest_chunk": chunk_peak}


def widen_ranges(dims: dict[str, int]) -> dict[str, list[int]]:
    """Widen, in this process only, the demo generator's size ranges that ``dims`` exceeds
    (it accepts at most 50 000 parcels, the province has 100 000); return those widened."""
    from landalloc.demo import catalogue

    widened: dict[str, list[int]] = {}
    for key in ("parcels", "factories", "projects", "years"):
        attr, value = f"{key.upper()}_RANGE", dims[f"n_{key}"]
        if value > getattr(catalogue, attr)[1]:
            widened[attr] = [getattr(catalogue, attr)[0], value]
            setattr(catalogue, attr, tuple(widened[attr]))
    return widened


def child(name: str, seed: int, out: Path, max_b: float, build_bpc: float, chunk: int) -> None:
    """Measure one size in this (fresh) process; write the figures to ``out`` as JSON.

    The model build is skipped when the RSS plus 1.2 × ``build_bpc`` (build bytes per candidate
    at the smaller sizes) × the count exceeds ``max_b``. ``chunk`` > 0: :func:`count_only`.
    """
    from collections import Counter

    from geodata.store import build_instance
    from landalloc import demo
    from optimizer.constraints.locks import resolve_pins
    from optimizer.model import build_model
    from optimizer.problem import Problem

    res: dict[str, Any] = {"size": name, "dims": SIZES[name], "seed": seed, "count_only": chunk > 0}
    res["generator_ranges_widened"] = widen_ranges(SIZES[name])
    tables = _timed(res, "generate", out, lambda: demo.generate(seed, **SIZES[name]))
    instance = _timed(res, "build_instance", out, functools.partial(build_instance, tables))
    del tables
    problem = Problem.standard(instance)
    if chunk > 0:
        res["candidates"] = _timed(res, "candidates_step", out, lambda: count_only(problem, chunk))
    else:
        rss0 = _rss_bytes()
        cands = _timed(res, "candidates_step", out, problem.candidates)
        n = len(cands.candidates)
        res["candidates"] = {
            "total": n,
            "by_kind": dict(Counter(c.kind for c in cands.candidates)),
            "pairs_considered": cands.n_pairs,
        }
        res["candidate_bytes"] = res["candidates_step"]["rss_after_b"] - rss0
        predicted = _rss_bytes() + 1.2 * build_bpc * n
        if predicted > max_b:
            res["build_skipped"] = f"predicted peak {predicted / GB:.1f} GB > {max_b / GB:g} GB"
        else:
            pins = resolve_pins(instance, problem.policy)
            quotas = problem.effective_quotas()
            rss1 = _rss_bytes()

            def build() -> int:
                ctx = build_model(cands, instance, problem.years, pins, quotas)
                return len(ctx.model.proto.constraints)

            res["constraints"] = _timed(res, "model_build", out, build)
            res["build_bytes"] = res["model_build"]["peak_b"] - rss1
    res["peak_b"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out.write_text(json.dumps(res), encoding="utf-8")


def run_size(name: str, seed: int, max_b: float, build_bpc: float, chunk: int) -> dict[str, Any]:
    """Run :func:`child` for one size in a fresh ``nice 19`` subprocess, watching its RSS.

    It is killed above ``max_b`` RSS; the figures it wrote before are kept, marked so.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "res.json"
        cmd = ["nice", "-n", "19", sys.executable, __file__, "--child", name, "--seed", str(seed)]
        cmd += ["--out", str(out), "--max-gb", str(max_b / GB), "--build-bpc", str(build_bpc)]
        cmd += ["--chunk", str(chunk)]
        w0 = time.perf_counter()
        proc = subprocess.Popen(cmd)
        killed, watched = False, 0
        while proc.poll() is None:
            rss = _rss_bytes(proc.pid)
            watched = max(watched, rss)
            if rss > max_b and not killed:
                proc.kill()  # our own child, by its pid
                killed = True
            time.sleep(0.1)
        res: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {"size": name}
    res.update(returncode=proc.returncode, wall_total_s=time.perf_counter() - w0)
    res["killed_over_gb"] = max_b / GB if killed else None
    res["watched_peak_b"] = watched
    res.setdefault("peak_b", watched)
    return res


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares (slope, intercept) of ``ys`` against ``xs``; (y/x, 0) for one point."""
    if len(xs) == 1:
        return ys[0] / xs[0], 0.0
    slope, intercept = np.polyfit(xs, ys, 1)
    return float(slope), float(intercept)


def _points(results: list[dict[str, Any]], key: str, need: str = "") -> tuple[list, list]:
    """(candidates, ``key``) of the materialised sizes not killed that have ``key`` (and ``need``)."""
    ok = [r for r in results if not r.get("count_only") and not r.get("killed_over_gb")]
    ok = [r for r in ok if r.get(key) is not None and r.get(need or key) is not None]
    return [float(r["candidates"]["total"]) for r in ok], [float(r[key]) for r in ok]


def extrapolate(results: list[dict[str, Any]]) -> None:
    """Fill in, for each count-only size, the memory the whole set would need (extrapolated):
    the RSS after its instance plus the fitted slope of the candidate step's RSS against the
    count, times its count; and the fitted line of the peak RSS of the built sizes (+ model)."""
    xs, cb = _points(results, "candidate_bytes")
    px, pk = _points(results, "peak_b", need="model_build")
    for r in results:
        if not r.get("count_only") or "candidates" not in r or not xs:
            continue
        n = r["candidates"]["total"]
        slope, _ = fit_line(xs, cb)
        ext: dict[str, Any] = {
            "candidate_bytes_per_cand": slope,
            "candidates_gb": (r["build_instance"]["rss_after_b"] + slope * n) / GB,
        }
        if len(px) >= 2:
            p_slope, p_icpt = fit_line(px, pk)
            ext["peak_bytes_per_cand"] = p_slope
            ext["peak_with_build_gb"] = (p_icpt + p_slope * n) / GB
        r["extrapolated"] = ext


def build_bpc(results: list[dict[str, Any]]) -> float:
    """Bytes the model build added per candidate, the largest over the sizes so far (0: none)."""
    xs, bb = _points(results, "build_bytes")
    return max((b / x for x, b in zip(xs, bb, strict=True)), default=0.0)


def _f(v: float | None, fmt: str) -> str:
    return "–" if v is None else format(v, fmt)


def _cw(step: dict[str, float]) -> str:
    """CPU seconds (wall seconds) of a step, or a dash."""
    return f"{step['cpu_s']:.1f} ({step['wall_s']:.1f})" if step else "–"


def rows(results: list[dict[str, Any]]) -> list[list[str]]:
    """One table row per size; a count-only size's memory is marked as extrapolated."""
    out = []
    for r in results:
        d, n = r.get("dims", SIZES[r["size"]]), r.get("candidates", {}).get("total")
        inst = sum(r.get(k, {}).get("cpu_s", 0.0) for k in ("generate", "build_instance"))
        peak = f"{r.get('peak_b', 0) / GB:.2f}"
        per_cand = f"{r['candidate_bytes'] / n:.0f}" if n and "candidate_bytes" in r else "–"
        if e := r.get("extrapolated"):
            peak += f" measured; extrapolated {e['candidates_gb']:.1f} (candidates)"
            if "peak_with_build_gb" in e:
                peak += f", {e['peak_with_build_gb']:.1f} (+ model)"
            per_cand = f"{e['candidate_bytes_per_cand']:.0f} (fit)"
        if r.get("killed_over_gb"):
            peak += f" killed > {r['killed_over_gb']:g}"
        build = r.get("model_build", {})
        out.append(
            [
                r["size"] + (" (count only)" if r.get("count_only") else ""),
                f"{d['n_projects']}×{d['n_parcels']}×{d['n_factories']}×{d['n_years']}",
                _f(n, ",d"),
                f"{inst:.1f}",
                _cw(r.get("candidates_step", {})),
                _cw(build) if build else r.get("build_skipped", "–"),
                peak,
                per_cand,
                _f(r["build_bytes"] / n if n and "build_bytes" in r else None, ".0f"),
            ]
        )
    return out


#: Columns of the table.
_COLUMNS = "size|projects×parcels×factories×years|candidates|instance CPU s"
_COLUMNS += "|candidates CPU s (wall)|model build CPU s (wall)|peak GB|cand. B/cand|build B/cand"
HEADER = _COLUMNS.split("|")


def print_table(results: list[dict[str, Any]]) -> None:
    """The figures as a rich table, and as a markdown table for RESULTS.md."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Scaling: CPU seconds of the measuring process (wall in brackets)")
    for h in HEADER:
        t.add_column(h, justify="left" if h == "size" else "right")
    body = rows(results)
    for row in body:
        t.add_row(*row)
    Console(width=200).print(t)
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join("---" if h == "size" else "---:" for h in HEADER) + "|")
    for row in body:
        print("| " + " | ".join(row) + " |")


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """Log-log against candidates: candidate and build CPU s, peak GB; the 8 GB line, and the
    count-only sizes (measured time, extrapolated memory) drawn apart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in results if "candidates" in r and not r.get("count_only")]
    ext = [r for r in results if r.get("extrapolated")]
    built = [r for r in done if "model_build" in r]
    with_model = [r for r in ext if "peak_with_build_gb" in r["extrapolated"]]
    n = lambda rs: [r["candidates"]["total"] for r in rs]  # noqa: E731
    cpu = lambda r: r["candidates_step"]["cpu_s"]  # noqa: E731
    gb = lambda r: r["extrapolated"]["candidates_gb"] if r in ext else r["peak_b"] / GB  # noqa: E731
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(13, 5.5))
    ax_t.loglog(n(done), [cpu(r) for r in done], "o-", label="candidates")
    ax_t.loglog(n(built), [r["model_build"]["cpu_s"] for r in built], "s-", label="model build")
    hollow = {"mfc": "none", "ms": 10, "color": "C0"}
    ax_t.loglog(n(ext), [cpu(r) for r in ext], "o", **hollow, label="candidates, count only")
    ax_m.loglog(n(done), [gb(r) for r in done], "o-", color="C2", label="peak, measured")
    ext_gb = [gb(r) for r in ext]
    ax_m.loglog(n(ext), ext_gb, "X", ms=11, color="C3", label="extrapolated: candidates")
    y_model = [r["extrapolated"]["peak_with_build_gb"] for r in with_model]
    ax_m.loglog(n(with_model), y_model, "P", ms=11, color="C1", label="extrapolated: + model")
    ax_m.axhline(MARK_GB, ls="--", color="grey", label=f"{MARK_GB:g} GB")
    for r in done + ext:
        at = {"textcoords": "offset points", "xytext": (4, -12)}
        ax_t.annotate(r["size"], (r["candidates"]["total"], cpu(r)), **at)
        ax_m.annotate(r["size"], (r["candidates"]["total"], gb(r)), **at)
    ax_t.set(xlabel="candidates", ylabel="CPU seconds (nice 19)", title="CPU time")
    ax_m.set(xlabel="candidates", ylabel="GB", title="Peak RSS")
    for ax in (ax_t, ax_m):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_all(
    sizes: list[str], counted: set[str], chunk: int, seed: int, max_b: float
) -> list[dict[str, Any]]:
    """Measure ``sizes`` one after the other, each in its own subprocess (:func:`run_size`)."""
    load = os.getloadavg()
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M} load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    results: list[dict[str, Any]] = []
    for name in sizes:
        n_chunk = chunk if name in counted else 0
        print(f"[{name}] {SIZES[name]}{' count only' if n_chunk else ''} …", flush=True)
        res = run_size(name, seed, max_b, build_bpc(results), n_chunk)
        res["load_after"] = os.getloadavg()
        results.append(res)
        print(f"[{name}] {json.dumps({k: v for k, v in res.items() if k != 'dims'})}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``--child`` is the per-size subprocess)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: " + ",".join(SIZES))
    ap.add_argument("--count-only", default="province", help="sizes counted, not materialised")
    ap.add_argument("--chunk", type=int, default=500, help="projects per chunk when counting")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-gb", type=float, default=16.0, help="kill a size above this RSS")
    ap.add_argument("--json", type=Path, default=None, help="write the raw figures here")
    ap.add_argument("--plot", type=Path, default=ROOT / "bench" / "scaling.png")
    ap.add_argument("--from-json", type=Path, default=None, help="table and plot of saved figures")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--build-bpc", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    max_b = args.max_gb * GB
    if args.child is not None:
        child(args.child, args.seed, args.out, max_b, args.build_bpc, args.chunk)
        return 0
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
        if any(s not in SIZES for s in sizes):
            ap.error(f"unknown size in {args.sizes!r}; sizes: {', '.join(SIZES)}")
        results = run_all(sizes, set(args.count_only.split(",")), args.chunk, args.seed, max_b)
        extrapolate(results)
    print_table(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    plot(results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
