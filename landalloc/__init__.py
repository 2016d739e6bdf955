"""landalloc — land and carrier allocation for development zones (开发区用地与载体配置优化)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("landalloc")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
