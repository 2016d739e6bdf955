"""landalloc — land and carrier allocation for development zones (开发区用地与载体配置优化)."""

from typing import Any


def __getattr__(name: str) -> Any:
    # computed on first use, so that importing the package (the console script's first step)
    # does next to nothing: see landalloc/__main__.py
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("landalloc")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0.0.0"
    raise AttributeError(name)
