"""The process of one workbench job: ``python -m landalloc.workbench.job_main JOB_DIR JOB_ID``.

Reads ``job.json``, runs the solve or the comparison with the public functions of
:mod:`landalloc.run` and :mod:`landalloc.compare`, and writes ``state.json`` at each phase and at
the end: ``done`` (with the result's name), ``failed`` (with the problems as rows of file, layer,
row, column and message, or the error) or ``cancelled``. SIGTERM and SIGINT stop the job as
Ctrl-C stops the CLI: the solve is interrupted, the new result is not swapped in, and the previous
result stays as it was (:mod:`landalloc.outdir`).
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from geodata.report import DataError, Report
from landalloc.workbench.workspace import read_json, write_json


class Cancelled(KeyboardInterrupt):
    """SIGTERM or SIGINT: the job was cancelled."""


def _on_signal(signum: int, frame: object) -> None:
    raise Cancelled()


def problem_rows(report: Report, rename: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The problems of a report as table rows (file, layer, row, column, message in both languages).

    ``rename`` maps a file path as reported to the name shown (an upload's own name).
    """
    rows = []
    for p in report.problems:
        file = p.file or ""
        for path, shown in (rename or {}).items():
            file = file.replace(path, shown)
        rows.append(
            {
                "severity": p.severity,
                "code": p.code,
                "file": Path(file).name if "/" in file else file,
                "layer": p.layer or "",
                "row": p.row,
                "column": p.column or "",
                "message_zh": p.zh + (f"（{p.hint_zh}）" if p.hint_zh else ""),
                "message_en": p.en + (f" ({p.hint_en})" if p.hint_en else ""),
            }
        )
    return rows


class Job:
    """The running job: its folder, parameters and state."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        job = read_json(folder / "job.json")
        if job is None:
            raise SystemExit(f"no job.json in {folder}")
        self.kind = str(job["kind"])
        self.params: dict[str, Any] = dict(job["params"])
        self.state: dict[str, Any] = read_json(folder / "state.json") or {}
        self.t0 = time.monotonic()

    def update(self, **changes: Any) -> None:
        """Change the state and write it."""
        self.state.update(changes)
        write_json(self.folder / "state.json", self.state)

    def phase(self, phase: str) -> None:
        """Enter a phase (and say so in the log)."""
        print(f"[{time.monotonic() - self.t0:7.1f} s] {phase}", flush=True)
        self.update(phase=phase)


def _solve(job: Job) -> dict[str, Any]:
    from landalloc.outdir import check_target
    from landalloc.run import run_inputs, solve_scenario, write_result

    p = job.params
    scenario, out = Path(p["scenario_path"]), Path(p["out"])
    lang = p.get("lang", "zh")
    job.phase("checking")
    check_target(out, inputs=run_inputs(scenario), overwrite=True)
    job.phase("solving")
    t0 = time.perf_counter()
    result = solve_scenario(
        scenario, lang=lang, solver_overrides={"time_limit_s": p.get("time_limit_s")}
    )
    result.summary["total_seconds"] = round(time.perf_counter() - t0, 3)
    job.phase("writing")
    write_result(result, scenario, out, overwrite=True, lang=lang)
    k = result.kpis
    return {
        "result": out.name,
        "summary_zh": f"落地 {k['projects_placed']}/{k['projects_total']} 个项目，"
        f"总投资 {k['investment_yi']:,.1f} 亿元",
        "summary_en": f"placed {k['projects_placed']}/{k['projects_total']} projects, "
        f"investment {k['investment_yi']:,.1f} 亿元",
    }


def _compare(job: Job) -> dict[str, Any]:
    from landalloc.compare import compare

    p = job.params
    paths = [Path(x) for x in p["scenario_paths"]]
    done: set[int] = set()

    def hook(i: int, event: str) -> None:
        if event in ("done", "reused", "failed"):
            done.add(i)
        job.phase(f"solving {len(done)}/{len(paths)}")

    job.phase(f"solving 0/{len(paths)}")
    res = compare(
        paths,
        Path(p["out"]),
        lang=p.get("lang", "zh"),
        solver_overrides={"time_limit_s": p.get("time_limit_s")},
        processes=1,
        on_event=hook,
    )
    return {
        "result": Path(p["out"]).name,
        "summary_zh": f"比较 {len(res.runs)} 个情景，{len(res.differences)} 处差异",
        "summary_en": f"{len(res.runs)} scenarios compared, {len(res.differences)} differences",
    }


def _failure(exc: BaseException) -> dict[str, Any]:
    """The state fields of a failed job."""
    from optimizer.errors import InfeasibleError, NoSolutionError

    if isinstance(exc, DataError):
        return {
            "message_zh": "输入有误，见下表",
            "message_en": "bad input; see the table",
            "problems": problem_rows(exc.report),
        }
    if isinstance(exc, InfeasibleError):
        return {
            "message_zh": "锁定的决策无法同时满足：" + "；".join(zh for zh, _ in exc.conflicts),
            "message_en": "locked decisions cannot all hold: "
            + "; ".join(en for _, en in exc.conflicts),
        }
    if isinstance(exc, NoSolutionError):
        return {
            "message_zh": f"在时间限制内没有找到可行解：{exc}",
            "message_en": f"no solution within the time limit: {exc}",
        }
    return {
        "message_zh": f"内部错误（程序缺陷），详见日志：{exc!r}",
        "message_en": f"internal error (a bug); see the log: {exc!r}",
    }


def main(folder: Path) -> int:
    """Run the job in ``folder``; return the exit code (0 done, 1 failed, 143 cancelled)."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    job = Job(folder)
    from landalloc.workbench.jobs import now

    job.update(status="running", phase="starting", pid=os.getpid(), started=now())
    try:
        outcome = _solve(job) if job.kind == "solve" else _compare(job)
    except KeyboardInterrupt:
        job.update(
            status="cancelled",
            ended=now(),
            message_zh="已取消：没有写出新结果，原有结果保持不变",
            message_en="cancelled: no new result was written; the previous result is unchanged",
        )
        print("cancelled", flush=True)
        return 143
    except BaseException as exc:
        traceback.print_exc()
        job.update(status="failed", ended=now(), **_failure(exc))
        return 1
    job.update(status="done", phase="done", ended=now(), **outcome)
    print("done", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a process by JobManager
    code = main(Path(sys.argv[1]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # a stopped CP-SAT search may abort the interpreter's own shutdown
