"""The one place where landalloc runs work in parallel (Dask distributed; see docs/engine.md).

Sweeps, the evaluations of alternatives, counterfactual reasons and Monte-Carlo runs are many
independent solves. Every such job goes through :class:`Engine` (or :func:`run_tasks`):

* **one cluster, chosen once**: by default an embedded local cluster of worker *processes*
  (one per core, one thread each), so one command works on a laptop or a Windows desktop;
  ``address`` sends the same work to an existing Dask cluster (``dask scheduler`` plus
  ``dask worker`` on other machines, each with landalloc installed);
* **tasks keyed by an input hash** (:func:`input_key`): a task whose key has a result in the
  cache folder is not computed again, so an interrupted job resumes where it stopped. Results are
  JSON, written atomically by the driver as each one arrives;
* **results streamed back** as they finish (:meth:`Engine.map` is a generator), with a progress
  bar on stderr;
* **retries**: a task that raises, or whose worker process dies, is run again (``retries``);
  the outcomes that are answers (infeasible, bad data) are values, not exceptions, and are cached.

Solves inside tasks run one CP-SAT worker each: with one task per core, more CP-SAT threads
per solve would only compete for the same cores, and a point's plan must not depend on how many
processes ran the job (the deterministic single-worker search gives the same plan anywhere).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import socket
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geodata.report import fail

#: Times a task is run again after it raised or its worker died.
DEFAULT_RETRIES = 2
#: Seconds to wait for an existing cluster's scheduler.
CONNECT_TIMEOUT_S = 15
#: Seconds the client and the local cluster get to shut down before their workers are killed.
CLOSE_TIMEOUT_S = 5
#: Version of the cache record format (part of every record).
CACHE_FORMAT = 1


def default_processes() -> int:
    """The cores this process may use (every one: the local cluster's size by default)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def input_key(*parts: Any) -> str:
    """A task's key: 24 hex digits of the SHA-256 of ``parts`` as canonical JSON."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)`` whose result is known by ``key``.

    ``key`` must cover everything that decides the result (:func:`input_key`); ``label`` names
    the task in messages and in the cache record.
    """

    key: str
    args: tuple[Any, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class TaskResult:
    """A finished task: its value and where it came from.

    ``seconds`` is the time the function ran inside its worker (for a cached result, the time
    it took when it was computed); ``worker`` is ``host:pid`` of that worker.
    """

    key: str
    label: str
    value: Any
    cached: bool
    seconds: float
    worker: str


@dataclass
class TaskFailure:
    """A task that failed on every attempt."""

    key: str
    label: str
    error: str
    trace: str = ""


class EngineError(RuntimeError):
    """Some tasks failed on every attempt; the others finished (and are cached)."""

    def __init__(self, failures: Sequence[TaskFailure]) -> None:
        self.failures = list(failures)
        names = ", ".join(f.label or f.key for f in self.failures[:5])
        super().__init__(f"{len(self.failures)} task(s) failed: {names}: {self.failures[0].error}")


# --------------------------------------------------------------------------- the cache


class Cache:
    """Task results as JSON files ``<key>.json`` in a folder, each written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """Where the result of ``key`` is kept."""
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The record of ``key``, or ``None`` (a missing, partial or foreign file is a miss)."""
        try:
            rec = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        ok = isinstance(rec, dict) and rec.get("key") == key and rec.get("format") == CACHE_FORMAT
        return rec if ok else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        """Write ``record`` for ``key``: to a temporary file, flushed, then renamed into place."""
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({**record, "key": key, "format": CACHE_FORMAT}, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is the folder's
            os.replace(tmp, self.path(key))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def keys(self) -> list[str]:
        """Keys with a result file."""
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json"))


# --------------------------------------------------------------------------- worker side


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> dict[str, Any]:
    """Run ``fn(*args)`` in a worker; its value with the time it took and where it ran."""
    t0 = time.perf_counter()
    value = fn(*args)
    return {
        "value": value,
        "seconds": time.perf_counter() - t0,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }


def probe(
    value: Any,
    sleep_s: float = 0.0,
    fail_once_dir: str | None = None,
    calls_dir: str | None = None,
) -> Any:
    """A trivial task: returns ``value`` (for the engine's tests and its overhead benchmark).

    ``sleep_s``: time to wait first. ``fail_once_dir``: the first call with this value raises,
    after leaving a marker file there, so the retry succeeds. ``calls_dir``: every call leaves a
    file there (to count computations).
    """
    if calls_dir:
        Path(calls_dir, f"{value}-{os.getpid()}-{time.monotonic_ns()}").touch()
    if sleep_s:
        time.sleep(sleep_s)
    if fail_once_dir:
        marker = Path(fail_once_dir, f"failed-{value}")
        if not marker.exists():
            marker.touch()
            raise RuntimeError(f"probe {value}: failing once on purpose")
    return value


# --------------------------------------------------------------------------- the engine


class Shared:
    """A value every task may need (e.g. the data file): sent to each worker once, and only
    when a task is computed (:meth:`Engine.share`)."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.future: Any = None


@dataclass
class Engine:
    """A Dask client on a local cluster (default) or an existing one (``address``).

    Use as a context manager; the cluster is started (or connected to) when the first task has
    to be computed, so a job whose results are all cached starts nothing, and it is stopped on
    exit (also on Ctrl-C). ``processes``: worker processes of the local cluster (default: every
    core). ``preload``: modules every worker imports at start (so the first task does not pay
    for it). ``on_start``: called once the cluster runs (to say where the work goes).
    """

    address: str | None = None
    processes: int | None = None
    preload: Sequence[str] = ()
    on_start: Callable[[Engine], None] | None = None
    client: Any = field(default=None, init=False, repr=False)
    cluster: Any = field(default=None, init=False, repr=False)
    started_s: float = field(default=0.0, init=False)
    _pids: list[int] = field(default_factory=list, init=False, repr=False)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def local(self) -> bool:
        """Whether the work runs on the embedded local cluster."""
        return self.address is None

    @property
    def running(self) -> bool:
        """Whether the cluster was started (some task was computed)."""
        return self.client is not None

    def start(self) -> None:
        """Start the local cluster or connect to ``address`` (once)."""
        import dask
        from distributed import Client, LocalCluster

        if self.client is not None:
            return
        t0 = time.perf_counter()
        if self.address is None:
            n = self.processes or default_processes()
            # one task per thread: a queued task goes to the first worker that is free
            with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
                self.cluster = LocalCluster(
                    n_workers=n,
                    processes=True,
                    threads_per_worker=1,
                    dashboard_address=None,
                    # its HTTP endpoints (health, metrics) on any free port: no clash on 8787
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.CRITICAL,  # a retried task is no error
                )
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.address, timeout=f"{CONNECT_TIMEOUT_S}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise fail(
                    "engine_unreachable",
                    f"无法连接计算集群 {self.address}：{exc}",
                    f"cannot reach the cluster at {self.address}: {exc}",
                    hint_zh="检查 --address（如 tcp://10.0.0.5:8786）与调度器是否在运行",
                    hint_en="check --address (e.g. tcp://10.0.0.5:8786) and that the scheduler "
                    "runs",
                ) from None
        if self.cluster is not None:
            self._pids = [int(p) for p in self.client.run(os.getpid).values()]
        for name in self.preload:
            self.client.run(_import, name)
        self.started_s = time.perf_counter() - t0
        if self.on_start is not None:
            self.on_start(self)

    def close(self) -> None:
        """Disconnect; stop the local cluster and its worker processes (within seconds).

        A worker busy in a solve cannot stop at once; a worker process of ours still alive after
        the cluster's own shutdown is killed, so that an interrupt never waits for a solve.
        """
        with contextlib.suppress(BaseException):
            if self.client is not None:
                self.client.close(timeout=CLOSE_TIMEOUT_S)
        with contextlib.suppress(BaseException):
            if self.cluster is not None:
                self.cluster.close(timeout=CLOSE_TIMEOUT_S)
        self.client = self.cluster = None
        _kill_children(self._pids)
        self._pids = []

    def worker_threads(self) -> int:
        """Task slots of the cluster (worker processes × threads each)."""
        self.start()
        info = self.client.scheduler_info(n_workers=-1)
        return int(sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def describe(self, lang: str = "zh") -> str:
        """One line saying where the work runs and how solves use the cores."""
        zh = lang == "zh"
        if not self.running:
            return (
                "全部结果来自缓存，未启动计算集群"
                if zh
                else "all results cached; no cluster started"
            )
        n = self.worker_threads()
        if self.local:
            return (
                f"本机计算集群：{n} 个工作进程（共 {default_processes()} 核），"
                "每个求解使用 1 个 CP-SAT 线程"
                if zh
                else f"local cluster: {n} worker process(es) on {default_processes()} core(s), "
                "one CP-SAT worker per solve"
            )
        return (
            f"计算集群 {self.address}：{n} 个任务槽，每个求解使用 1 个 CP-SAT 线程"
            if zh
            else f"cluster {self.address}: {n} task slot(s), one CP-SAT worker per solve"
        )

    def share(self, value: Any) -> Shared:
        """A handle on ``value`` to pass as a task argument; sent to every worker once."""
        return Shared(value)

    def _resolve(self, arg: Any) -> Any:
        if not isinstance(arg, Shared):
            return arg
        if arg.future is None:
            arg.future = self.client.scatter(arg.value, broadcast=True, hash=False)
        return arg.future

    def map(
        self,
        fn: Callable[..., Any],
        tasks: Iterable[Task],
        *,
        cache_dir: Path | None = None,
        retries: int = DEFAULT_RETRIES,
        progress: bool | str = True,
        lang: str = "zh",
    ) -> Iterator[TaskResult]:
        """Run ``fn(*task.args)`` for every distinct key; yield each result as it arrives.

        Cached results are yielded first, without computing. Each computed result is written to
        the cache before it is yielded. ``fn`` must be importable by the workers (a module-level
        function of an installed package) and return JSON values. ``progress``: show a bar on
        stderr (a string is its title).

        Raises
        ------
        EngineError
            After every other task finished, when some failed on every attempt.
        """
        cache = Cache(cache_dir) if cache_dir is not None else None
        todo: dict[str, Task] = {}
        for task in tasks:
            todo.setdefault(task.key, task)
        cached = {k: cache.get(k) for k in todo} if cache is not None else {}
        missing = [k for k in todo if cached.get(k) is None]
        if missing:
            self.start()  # before the bar: starting may print where the work goes
        bar = _Bar(len(todo), progress, lang)
        with bar:
            for key, rec in cached.items():
                if rec is not None:
                    bar.advance(cached=True)
                    yield _from_record(todo.pop(key), rec)
            if todo:
                yield from self._compute(fn, todo, cache, retries, bar)

    def _compute(
        self,
        fn: Callable[..., Any],
        todo: dict[str, Task],
        cache: Cache | None,
        retries: int,
        bar: _Bar,
    ) -> Iterator[TaskResult]:
        from distributed import as_completed

        name = getattr(fn, "__name__", "task")
        waiting = iter(todo.values())
        futures: dict[Any, Task] = {}
        running = as_completed()

        def submit_next() -> None:
            task = next(waiting, None)
            if task is not None:
                args = tuple(self._resolve(a) for a in task.args)
                fut = self.client.submit(_call, fn, args, key=f"{name}-{task.key}", retries=retries)
                futures[fut] = task
                running.add(fut)

        # as many tasks in flight as the cluster has threads: a task starts on the first free
        # worker, never queued behind a long one on a busy worker while another idles
        for _ in range(max(1, self.worker_threads())):
            submit_next()
        failures: list[TaskFailure] = []
        try:
            for fut in running:
                task = futures.pop(fut)
                submit_next()
                if fut.status != "finished":
                    exc = fut.exception()
                    tb = "".join(traceback.format_tb(fut.traceback())) if exc else ""
                    failures.append(TaskFailure(task.key, task.label, repr(exc), tb))
                    bar.advance(failed=True)
                    continue
                out = fut.result()
                fut.release()
                record = {"label": task.label, **out, "finished": _now()}
                if cache is not None:
                    cache.put(task.key, record)
                bar.advance()
                yield _from_record(task, record, cached=False)
        except GeneratorExit:  # the caller stopped early: drop what has not finished
            with contextlib.suppress(Exception):
                self.client.cancel(list(futures))
            raise
        # on Ctrl-C or SIGTERM, nothing more here: close() stops the cluster with a time limit
        if failures:
            raise EngineError(failures)


def run_tasks(
    fn: Callable[..., Any],
    tasks: Iterable[Task],
    *,
    address: str | None = None,
    processes: int | None = None,
    cache_dir: Path | None = None,
    retries: int = DEFAULT_RETRIES,
    progress: bool | str = True,
) -> Iterator[TaskResult]:
    """Start an :class:`Engine`, stream the results of ``tasks`` and stop it (one-shot form)."""
    with Engine(address, processes) as engine:
        yield from engine.map(fn, tasks, cache_dir=cache_dir, retries=retries, progress=progress)


def _kill_children(pids: Sequence[int]) -> None:
    """Kill the processes ``pids`` that are still alive and still children of this process."""
    import psutil

    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            if proc.ppid() == os.getpid():
                proc.kill()


def _import(name: str) -> None:
    __import__(name)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _from_record(task: Task, rec: dict[str, Any], *, cached: bool = True) -> TaskResult:
    return TaskResult(
        task.key,
        task.label or str(rec.get("label", "")),
        rec.get("value"),
        cached,
        float(rec.get("seconds", 0.0)),
        str(rec.get("worker", "")),
    )


class _Bar:
    """The progress bar of one :meth:`Engine.map` (on stderr; nothing when turned off)."""

    def __init__(self, total: int, progress: bool | str, lang: str) -> None:
        self.total = total
        self.cached = self.failed = 0
        self.lang = lang
        self.progress: Any = None
        if progress and total:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            from landalloc.console import err_console

            title = progress if isinstance(progress, str) else ("计算" if lang == "zh" else "tasks")
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err_console,
            )
            self.task = self.progress.add_task(title, total=total, note="")

    def __enter__(self) -> _Bar:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def advance(self, *, cached: bool = False, failed: bool = False) -> None:
        self.cached += cached
        self.failed += failed
        if self.progress is None:
            return
        zh = self.lang == "zh"
        notes = []
        if self.cached:
            notes.append(f"缓存 {self.cached}" if zh else f"{self.cached} cached")
        if self.failed:
            notes.append(
                f"[red]失败 {self.failed}[/red]" if zh else f"[red]{self.failed} failed[/red]"
            )
        self.progress.update(self.task, advance=1, note=" ".join(notes))
