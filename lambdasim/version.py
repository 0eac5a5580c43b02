"""The installed package's version, from its metadata (one source: pyproject.toml)."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lambdasim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"
