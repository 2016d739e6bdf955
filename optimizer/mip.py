"""HiGHS beside CP-SAT: a MIP worker on the same model, in its own process.

On the benchmark district (≈18 000 candidates, 2 cores, 10 s) HiGHS, a MIP solver, finds better
plans and a tighter bound than a single CP-SAT search: its root cuts and its LP-guided
heuristics suit this knapsack-and-assignment model (``bench/RESULTS.md``). A part's solve
therefore runs CP-SAT and HiGHS side by side, one core each, and keeps the better plan (CP-SAT's
on a tie) and the smaller bound.

The MIP is the CP-SAT model itself read as a linear program (:mod:`optimizer.linear`): no rule
is written twice. HiGHS runs in a child process (``optimizer/highs_worker.py``; highspy and
ortools cannot share a process) and its plan is accepted only if it satisfies every row of the
model (:meth:`optimizer.linear.LinearForm.violations`); the solve's independent verifier then
checks the final plan as it checks every other.

Deterministic mode (the default) stops HiGHS at a fixed number of its MIP interrupt callbacks,
:data:`EVENTS_PER_S` per second of the limit: HiGHS on one thread runs the same search on every
machine, so the plan does not depend on the machine. The wall-clock safety net (three times the
limit) is reported in the log when it is reached, since the plan then depends on the machine.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from optimizer.linear import LinearForm
from optimizer.settings import SolverSettings, deterministic_rate

#: HiGHS's MIP interrupt callbacks per second of one thread on the reference machine, during
#: the root node (cut rounds; heuristics run between them), measured on the benchmark district
#: (``bench/RESULTS.md``). Deeper in the search (branching) they come faster, so a long limit
#: ends sooner than its seconds, never later.
EVENTS_PER_S = 6.5
#: Smallest part (candidates) given a MIP worker: below it CP-SAT alone proves most parts
#: optimal in well under a second, and a process start (≈ 0.3 s) buys nothing.
MIN_CANDIDATES = 2_000
#: Largest model (non-zeros) given a MIP worker. HiGHS's callbacks come slower on larger
#: models (longer cut rounds): at 105 000 candidates (≈ 350 000 non-zeros) it reached only 60 of
#: its 110 callbacks before the safety net, at three times the limit. The callback rate was
#: measured on the benchmark district, 59 000–66 000 non-zeros; the limit keeps to that range.
MAX_NONZEROS = 100_000

_SCRIPT = Path(__file__).with_name("highs_worker.py")
#: HiGHS's statuses after which its plan and bound hold (others: an error, no result).
_ENDED = frozenset({"Optimal", "Interrupted by user", "Time limit reached"})


def available() -> bool:
    """Whether highspy is installed (checked without importing it into this process)."""
    return importlib.util.find_spec("highspy") is not None


@dataclass(frozen=True, slots=True)
class MipResult:
    """What HiGHS returned: its status, plan (one 0/1 per variable, or None), objective, bound."""

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    optimal: bool
    events: int
    safety_hit: bool
    wall_s: float


class MipJob:
    """HiGHS solving ``form`` in a child process, started at once; a context manager.

    Parameters
    ----------
    form
        The model (maximisation).
    start
        A feasible plan HiGHS starts from (one 0/1 per variable).
    limit_s
        The limit in seconds: in deterministic mode turned into a callback budget
        (:data:`EVENTS_PER_S`), otherwise HiGHS's wall-clock limit.
    deterministic
        Stop at the callback budget (the default mode of a solve).
    seed
        HiGHS's random seed.
    """

    def __init__(
        self,
        form: LinearForm,
        start: np.ndarray,
        *,
        limit_s: float,
        deterministic: bool,
        seed: int,
    ) -> None:
        #: The end of HiGHS's error output when it failed.
        self.error = ""
        self._dir = Path(tempfile.mkdtemp(prefix="landalloc-highs-"))
        self._dst = self._dir / "out.npz"
        self.safety_s = 3.0 * limit_s + 10.0 if deterministic else limit_s
        events = max(1, round(EVENTS_PER_S * limit_s)) if deterministic else 0
        try:
            form.save(
                self._dir / "in.npz",
                start=np.asarray(start, dtype=np.int8),
                events=np.array(events),
                safety_s=np.array(self.safety_s),
                seed=np.array(seed),
            )
            self._proc = subprocess.Popen(
                [sys.executable, str(_SCRIPT), str(self._dir / "in.npz"), str(self._dst)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except BaseException:  # nothing started: leave nothing behind
            shutil.rmtree(self._dir, ignore_errors=True)
            raise

    def result(self) -> MipResult | None:
        """Wait for HiGHS; None when it failed or did not end in time (it is then stopped)."""
        try:
            _, err = self._proc.communicate(timeout=self.safety_s + 60.0)
        except subprocess.TimeoutExpired:
            self.cancel()
            return None
        if self._proc.returncode != 0 or not self._dst.exists():
            self.error = err.decode("utf-8", "replace")[-2000:]
            return None
        with np.load(self._dst) as f:
            x = f["x"]
            return MipResult(
                status=str(f["status"]),
                x=x if len(x) else None,
                objective=float(f["objective"]),
                bound=float(f["bound"]),
                optimal=bool(f["optimal"]),
                events=int(f["events"]),
                safety_hit=bool(f["safety_hit"]),
                wall_s=float(f["wall_s"]),
            )

    def cancel(self) -> None:
        """Stop HiGHS if it still runs."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> MipJob:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def start_worker(
    form: LinearForm | None,
    start: np.ndarray | None,
    settings: SolverSettings,
    limit: float,
    *,
    lexicographic: bool,
) -> tuple[MipJob, LinearForm] | None:
    """A HiGHS worker on the model read as ``form`` (None: it is not a linear program) for a
    limit of ``limit`` in the solve's units, or None where none serves: one worker only,
    highspy missing, a lexicographic solve, a part smaller than :data:`MIN_CANDIDATES` or larger
    than :data:`MAX_NONZEROS`."""
    if not settings.mip_worker or settings.workers < 2 or lexicographic:
        return None
    if form is None or form.n < MIN_CANDIDATES or form.nonzeros > MAX_NONZEROS:
        return None
    if form.offset != 0 or not available():  # (the file HiGHS reads has no objective offset)
        return None
    seconds = limit / deterministic_rate(settings.workers) if settings.deterministic else limit
    try:
        job = MipJob(
            form,
            start if start is not None else np.zeros(0),
            limit_s=seconds,
            deterministic=settings.deterministic,
            seed=settings.seed,
        )
    except OSError:  # no room for the model's file, no process to start: CP-SAT alone
        return None
    return job, form


def finish(job: MipJob, form: LinearForm, log: list[str]) -> MipResult | None:
    """HiGHS's result once it ended, or None: a failure, or a plan that breaks a row of the
    model (HiGHS then disagrees with the model, and its bound is not trusted either)."""
    res = job.result()
    if res is None or res.status not in _ENDED:
        why = (
            res.status if res is not None else (job.error.strip().splitlines() or ["no result"])[-1]
        )
        log.append(f"HiGHS worker failed: {why}")
        return None
    bad = form.violations(res.x) if res.x is not None else 0
    log.append(
        f"HiGHS worker: {res.status}, objective {res.objective:.0f}, bound {res.bound:.0f}, "
        f"{res.events} callbacks, {res.wall_s:.1f} s"
        + (
            ", wall-clock safety net reached (plan depends on the machine)"
            if res.safety_hit
            else ""
        )
        + (f", plan rejected: {bad} rows violated" if bad else "")
    )
    return None if bad else res
