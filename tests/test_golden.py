"""Golden outputs: every shipped scenario, solved deterministically, gives the committed plan.

The plans in ``tests/golden/<scenario>/`` were written by this same test with
``LANDALLOC_REGEN_GOLDEN=1`` (``LANDALLOC_REGEN_GOLDEN=1 pytest tests/test_golden.py``). A
change that is meant to keep behaviour (a move, a split, a refactor) must leave them as they are;
a change that is meant to change plans regenerates them and says why in its commit.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from landalloc.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
FILES = ("assignments.csv", "unassigned.csv")
#: Short, and in deterministic time: the same plan on any machine.
LIMIT_S = "4"


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_shipped_scenario_gives_the_golden_plan(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / name
    args = ["solve", str(ROOT / "scenarios" / f"{name}.yaml"), "--out", str(out)]
    assert main([*args, "--time-limit", LIMIT_S, "--deterministic"]) == 0, capsys.readouterr()
    want = GOLDEN / name
    if os.environ.get("LANDALLOC_REGEN_GOLDEN"):
        want.mkdir(parents=True, exist_ok=True)
        for f in FILES:
            shutil.copyfile(out / f, want / f)
    for f in FILES:
        got, expected = (out / f).read_text("utf-8-sig"), (want / f).read_text("utf-8-sig")
        assert got == expected, f"{name}/{f} differs from the golden plan"


def test_every_shipped_scenario_has_a_golden_plan() -> None:
    assert SCENARIOS and all((GOLDEN / n / f).is_file() for n in SCENARIOS for f in FILES)
