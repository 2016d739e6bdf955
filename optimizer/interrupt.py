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
