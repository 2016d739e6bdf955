"""A workbench server (``landalloc serve``) as a subprocess on a free port with its own workspace.

Used by ``tests/test_serve*.py``: the tests speak HTTP to it as a browser would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "geodata" / "demo.gpkg"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A running workbench: its base URL and workspace."""

    def __init__(self, url: str, workspace: Path, proc: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.workspace = workspace
        self.proc = proc

    def get(self, path: str, **kw: Any) -> requests.Response:
        """GET ``path``."""
        return requests.get(self.url + path, timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        """POST to ``path``."""
        return requests.post(self.url + path, timeout=120, **kw)

    def wait_job(self, job_id: str, timeout: float = 180, until: Any = None) -> dict[str, Any]:
        """Poll a job until it is final (or ``until(job)`` holds); return it."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            job: dict[str, Any] = self.get(f"/api/jobs/{job_id}").json()
            if until(job) if until else job["state"]["status"] in ("done", "failed", "cancelled"):
                return job
            time.sleep(0.3)
        raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


@contextmanager
def serve(workspace: Path, *args: str) -> Iterator[Server]:
    """Start ``landalloc serve`` on ``workspace``; stop it (and its jobs) afterwards."""
    port = free_port()
    log = (workspace.parent / f"serve-{port}.log").open("wb")
    command = [sys.executable, "-m", "landalloc", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workspace", str(workspace), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workspace.parent,
        env={**os.environ, "LANDALLOC_LANG": "zh"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(url + "/api/health", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None:
                    raise AssertionError("the server did not start") from None
                time.sleep(0.1)
        yield Server(url, workspace, proc)
    finally:
        _stop_jobs(workspace)
        proc.terminate()
        proc.wait(20)
        log.close()


def _stop_jobs(workspace: Path) -> None:
    """End job processes the server started that still run (a failed test may leave one)."""
    import json
    import signal

    for launch in (workspace / "jobs").glob("*/launch.json"):
        pid = json.loads(launch.read_text(encoding="utf-8"))["pid"]
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if launch.parent.name.encode() in cmd:
            os.killpg(pid, signal.SIGKILL)
