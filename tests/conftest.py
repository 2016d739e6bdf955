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
