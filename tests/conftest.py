"""Makes ``tests/`` importable (``from builders import …``) from test files in subfolders too.

A test module's own folder is put on ``sys.path`` by pytest; ``tests/constraints/test_*.py``
would otherwise not find ``tests/builders.py`` when run on its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

# the throw-away PostGIS cluster of the database tests (a session fixture, started on first use)
from pg_fixture import pg as pg  # noqa: E402
from pg_fixture import pg_cluster as pg_cluster  # noqa: E402
