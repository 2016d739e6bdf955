"""``landalloc`` (the console script) and ``python -m landalloc``.

Until the command line is imported (a second or two of imports), nothing has been read or
written, so Ctrl-C or SIGTERM then simply ends the process with the usual code, without the
traceback Python would print from the middle of an import. From then on the CLI handles them.
"""

from __future__ import annotations

import os
import signal
from types import FrameType


def _leave(signum: int, frame: FrameType | None) -> None:
    os._exit(128 + signum)


def run() -> None:
    """Entry point: import the CLI quietly interruptible, then run it."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _leave)
    from landalloc import cli

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    cli.run()


if __name__ == "__main__":
    run()
