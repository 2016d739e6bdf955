"""The parallel engine on a real local Dask cluster of two worker processes (no mock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from landalloc.engine import Cache, Engine, EngineError, Task, input_key, probe, run_tasks


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(processes=2) as e:
        yield e


def _tasks(n: int, calls: Path, **kw: object) -> list[Task]:
    return [
        Task(input_key("probe", i, kw), (i, kw.get("sleep_s", 0.0), None, str(calls)), f"t{i}")
        for i in range(n)
    ]


def test_two_worker_processes_stream_results_as_they_finish(engine: Engine, tmp_path: Path) -> None:
    assert engine.worker_threads() == 2
    calls = tmp_path / "calls"
    calls.mkdir()
    slow = Task(input_key("slow"), ("slow", 2.0, None, str(calls)), "slow")
    fast = [Task(input_key("fast", i), (f"fast{i}", 0.0, None, str(calls))) for i in range(3)]
    got = list(engine.map(probe, [slow, *fast], progress=False))
    # submitted first, finished last: results come back in the order they finish
    assert [r.value for r in got][-1] == "slow"
    assert sorted(r.value for r in got) == ["fast0", "fast1", "fast2", "slow"]
    assert len({r.worker for r in got}) == 2  # both worker processes ran tasks
    assert not any(r.cached for r in got)


def test_a_failing_task_is_retried(engine: Engine, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    task = Task(input_key("flaky"), ("flaky", 0.0, str(marks), None), "flaky")
    (r,) = engine.map(probe, [task], progress=False, retries=1)
    assert r.value == "flaky"
    assert (marks / "failed-flaky").exists()  # the first attempt failed
    other = Task(input_key("flaky2"), ("flaky2", 0.0, str(marks), None), "flaky2")
    with pytest.raises(EngineError) as err:
        list(engine.map(probe, [other], progress=False, retries=0))
    assert err.value.failures[0].label == "flaky2"
    assert "failing once" in err.value.failures[0].error


def test_the_cache_resumes_without_computing(engine: Engine, tmp_path: Path) -> None:
    calls, cache = tmp_path / "calls", tmp_path / "cache"
    calls.mkdir()
    tasks = _tasks(4, calls)
    first = list(engine.map(probe, tasks[:2], cache_dir=cache, progress=False))  # "interrupted"
    assert len(first) == 2 and len(list(calls.iterdir())) == 2
    again = {r.value: r for r in engine.map(probe, tasks, cache_dir=cache, progress=False)}
    assert sorted(again) == [0, 1, 2, 3]
    assert again[0].cached and again[1].cached and not again[2].cached
    assert len(list(calls.iterdir())) == 4  # only the two missing ones were computed
    list(engine.map(probe, tasks, cache_dir=cache, progress=False))
    assert len(list(calls.iterdir())) == 4  # nothing computed the third time
    rec = json.loads(Cache(cache).path(tasks[0].key).read_text(encoding="utf-8"))
    assert rec["value"] == 0 and rec["label"] == "t0"


def test_a_damaged_cache_file_is_computed_again(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put("k1", {"value": 1})
    assert cache.get("k1") is not None and cache.get("k1")["value"] == 1  # type: ignore[index]
    cache.path("k2").write_text('{"value": ', encoding="utf-8")  # cut short by a kill
    assert cache.get("k2") is None
    cache.path("k3").write_text(json.dumps({"key": "other", "value": 3}), encoding="utf-8")
    assert cache.get("k3") is None
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary left behind


def test_input_key_is_canonical() -> None:
    assert input_key({"a": 1, "b": [1, 2]}) == input_key({"b": [1, 2], "a": 1})
    assert input_key(1) != input_key(2)
    assert len(input_key("x")) == 24


def test_run_tasks_one_shot(tmp_path: Path) -> None:
    tasks = [Task(input_key("one", i), (i,)) for i in range(3)]
    got = sorted(r.value for r in run_tasks(probe, tasks, processes=1, progress=False))
    assert got == [0, 1, 2]
