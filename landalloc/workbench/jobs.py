"""Background jobs of the workbench: each a separate process, its state on disk.

A job is a folder ``jobs/ID/`` with ``job.json`` (what to do, written once), ``state.json``
(status, phase, times, outcome: written by the server while the job waits and by the job's own
process, :mod:`landalloc.workbench.job_main`, once it runs) and ``log.txt`` (its output).
:class:`JobManager` starts queued jobs while fewer than ``max_running`` run (a solve uses the
cores; more jobs queue), notices a process that died without saying so (the job is then marked
failed, its log kept), and cancels by SIGTERM: the job's process stops the solve, the result
folder's atomic replacement (:mod:`landalloc.outdir`) leaves the previous result as it was, and
the job is marked cancelled. Because everything is on disk, a page reload, or a new server on the
same workspace, finds the jobs again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from landalloc.workbench.workspace import BadInput, Workspace, read_json, write_json

#: Statuses after which a job no longer changes.
FINAL = ("done", "failed", "cancelled")
#: Seconds a cancelled job's process gets to clean up before it is killed.
CANCEL_GRACE_S = 30.0


def now() -> str:
    """The current time, ISO 8601 with the offset."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _alive(pid: int, job_id: str) -> bool:
    """Whether ``pid`` is still the process of job ``job_id`` (not a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return job_id.encode() in cmd


class JobManager:
    """Creates, starts, watches and cancels the jobs of one workspace.

    Parameters
    ----------
    ws
        The workspace.
    max_running
        Jobs run at once; the others wait in the queue.
    """

    def __init__(self, ws: Workspace, max_running: int = 2) -> None:
        self.ws = ws
        self.max_running = max(1, max_running)
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._cancel_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ creating, reading

    def submit(self, kind: str, params: dict[str, Any], title: str) -> str:
        """Queue a job; return its id."""
        job_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        folder = self.ws.jobs / job_id
        folder.mkdir(parents=True)
        write_json(
            folder / "job.json",
            {"id": job_id, "kind": kind, "title": title, "params": params, "created": now()},
        )
        write_json(folder / "state.json", {"status": "queued", "phase": "queued"})
        self.tick()
        return job_id

    def get(self, job_id: str) -> dict[str, Any]:
        """The job and its state (``BadInput`` 404 when there is no such job)."""
        folder = self.ws.jobs / job_id
        job = read_json(folder / "job.json") if job_id.replace("-", "").isalnum() else None
        if job is None:
            raise BadInput(f"没有作业 {job_id[:40]}", f"no job {job_id[:40]}", 404)
        state = read_json(folder / "state.json") or {"status": "queued", "phase": "queued"}
        if state.get("started") and state.get("status") == "running":
            started = dt.datetime.fromisoformat(state["started"])
            state["elapsed_s"] = round((dt.datetime.now().astimezone() - started).total_seconds())
        return {**job, "state": state}

    def list(self) -> list[dict[str, Any]]:
        """Every job, newest first."""
        out = []
        for folder in sorted(self.ws.jobs.iterdir(), reverse=True):
            if (folder / "job.json").is_file():
                try:
                    out.append(self.get(folder.name))
                except BadInput:
                    continue
        return out

    def active(self, kind: str, key: str, value: str) -> bool:
        """Whether a queued or running job of ``kind`` has ``params[key] == value``."""
        return any(
            j["kind"] == kind
            and j["params"].get(key) == value
            and j["state"].get("status") not in FINAL
            for j in self.list()
        )

    def log(self, job_id: str, tail: int = 20000) -> str:
        """The end of a job's log."""
        self.get(job_id)
        try:
            text = (self.ws.jobs / job_id / "log.txt").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-tail:]

    # ------------------------------------------------------------------ cancelling

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a job: a queued one at once, a running one by SIGTERM to its process."""
        with self._lock:
            job = self.get(job_id)
            state = job["state"]
            status = state.get("status")
            if status in FINAL:
                return job
            folder = self.ws.jobs / job_id
            write_json(folder / "cancel.json", {"requested": now()})
            pid = state.get("pid") or (read_json(folder / "launch.json") or {}).get("pid")
            if status == "queued" and not pid:
                write_json(folder / "state.json", {**state, "status": "cancelled", "ended": now()})
            elif pid and _alive(int(pid), job_id):
                os.kill(int(pid), signal.SIGTERM)
                self._cancel_at[job_id] = time.monotonic()
        return self.get(job_id)

    # ------------------------------------------------------------------ the scheduler

    def start(self) -> None:
        """Start the scheduler thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the scheduler thread; running jobs go on (a new server finds them)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # pragma: no cover - keep scheduling whatever happens
                print(f"job scheduler: {exc!r}", file=sys.stderr)
            self._stop.wait(0.5)

    def tick(self) -> None:
        """Reap ended processes, mark dead jobs failed, start queued jobs while slots are free."""
        with self._lock:
            running = 0
            queued = []
            for folder in sorted(self.ws.jobs.iterdir()):
                job_id = folder.name
                state = read_json(folder / "state.json")
                if state is None or not (folder / "job.json").is_file():
                    continue
                status = state.get("status")
                if status in FINAL:
                    self._procs.pop(job_id, None)
                    continue
                launch = read_json(folder / "launch.json")
                if launch is None:
                    queued.append(job_id)
                elif self._still_running(job_id, int(launch["pid"])):
                    running += 1
                else:
                    self._mark_died(folder, state)
            for job_id in queued[: max(0, self.max_running - running)]:
                self._launch(job_id)

    def _still_running(self, job_id: str, pid: int) -> bool:
        proc = self._procs.get(job_id)
        alive = proc.poll() is None if proc is not None else _alive(pid, job_id)
        started = self._cancel_at.get(job_id)
        if alive and started is not None and time.monotonic() - started > CANCEL_GRACE_S:
            with contextlib.suppress(ProcessLookupError):  # its own session: its helpers too
                os.killpg(pid, signal.SIGKILL)
        return alive

    def _mark_died(self, folder: Path, state: dict[str, Any]) -> None:
        """The process ended without a final state: cancelled when asked to, else failed."""
        state = read_json(folder / "state.json") or state  # it may have just finished
        if state.get("status") in FINAL:
            return
        cancelled = (folder / "cancel.json").exists()
        write_json(
            folder / "state.json",
            {
                **state,
                "status": "cancelled" if cancelled else "failed",
                "ended": now(),
                "message_zh": state.get("message_zh")
                or ("已取消" if cancelled else "作业进程意外结束，详见日志"),
                "message_en": state.get("message_en")
                or (
                    "cancelled"
                    if cancelled
                    else "the job's process ended unexpectedly; see the log"
                ),
            },
        )
        self._procs.pop(folder.name, None)

    def _launch(self, job_id: str) -> None:
        folder = self.ws.jobs / job_id
        log = (folder / "log.txt").open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "landalloc.workbench.job_main", str(folder), job_id],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.ws.root,
            env=env,
            start_new_session=True,  # Ctrl-C of the server does not cut the jobs short
        )
        log.close()
        self._procs[job_id] = proc
        write_json(folder / "launch.json", {"pid": proc.pid, "launched": now()})
