"""CP-SAT solves that Ctrl-C can stop, with the interrupt kept for the caller.

CP-SAT catches SIGINT itself by default and ends the search as if the time limit had been
reached, so the caller cannot tell an interrupted solve from a finished one, and a Ctrl-C would
silently yield a worse plan. Here CP-SAT leaves the signal alone and runs in a helper thread
(its ``solve`` releases the GIL); the main thread waits for it, receives the ``KeyboardInterrupt``
at once, stops the search and re-raises, so nothing downstream treats the partial search as a
result.
"""

from __future__ import annotations

import threading
from typing import Any

from ortools.sat.python import cp_model


def solve(solver: cp_model.CpSolver, model: cp_model.CpModel) -> Any:
    """``solver.solve(model)`` that raises ``KeyboardInterrupt`` when interrupted.

    Parameters
    ----------
    solver
        A configured solver; its ``catch_sigint_signal`` is turned off here.
    model
        The model to solve.

    Returns
    -------
    The CP-SAT status, as ``solver.solve`` returns it.

    Raises
    ------
    KeyboardInterrupt
        When SIGINT (or a handler that raises it, such as the CLI's SIGTERM handler) arrived
        during the solve; the search is stopped first.
    """
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model)  # signals are only delivered to the main thread
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["status"] = solver.solve(model)
        except BaseException as exc:  # pragma: no cover - re-raised in the caller
            box["error"] = exc

    th = threading.Thread(target=work, name="cp-sat", daemon=True)
    th.start()
    try:
        while th.is_alive():
            th.join(0.05)
    except BaseException:
        solver.stop_search()
        th.join()
        raise
    if "error" in box:
        raise box["error"]
    return box["status"]


#: CP-SAT statuses that end a search with a proof (nothing better can be found).
_PROVEN = (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)


def solve_portfolio(solvers: list[cp_model.CpSolver], model: cp_model.CpModel) -> tuple[int, Any]:
    """Solve ``model`` with every solver at once (one thread each); the winner and its status.

    Each solver must be deterministic on its own (one worker, a deterministic time limit); then
    so is the winner, chosen by a fixed rule: the first solver (lowest index) that proved its
    status; else the best objective, the lowest index among equals. When solver ``k`` proves
    its status, the solvers after it are stopped (they cannot win); those before it are awaited.
    Interrupts are handled as in :func:`solve`.

    Parameters
    ----------
    solvers
        Configured solvers, in the order of the tie-break rule.
    model
        The model, read (not changed) by every solver.

    Returns
    -------
    tuple
        The index of the winning solver and the status its ``solve`` returned.
    """
    statuses: dict[int, Any] = {}
    errors: list[BaseException] = []
    done = threading.Condition()

    def work(k: int) -> None:
        try:
            st = solvers[k].solve(model)
        except BaseException as exc:  # pragma: no cover - re-raised in the caller
            st = None
            errors.append(exc)
        with done:
            statuses[k] = st
            if st in _PROVEN:
                for later in solvers[k + 1 :]:
                    later.stop_search()
            done.notify_all()

    for s in solvers:
        s.parameters.catch_sigint_signal = False
    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(len(solvers))]
    for th in threads:
        th.start()
    try:
        with done:
            while len(statuses) < len(solvers):
                done.wait(0.05)
    except BaseException:
        for s in solvers:
            s.stop_search()
        for th in threads:
            th.join()
        raise
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    for k in range(len(solvers)):
        if statuses[k] in _PROVEN:
            return k, statuses[k]
    found = [k for k in range(len(solvers)) if statuses[k] == cp_model.FEASIBLE]
    if not found:
        return 0, statuses[0]
    best = max(found, key=lambda k: (solvers[k].objective_value, -k))
    return best, statuses[best]
