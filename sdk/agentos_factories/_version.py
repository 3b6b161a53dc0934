"""``agentos_factories.__version__``: the installed distribution's version, read from its metadata
so that it cannot drift from ``pyproject.toml``."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("agentos-factories")
except PackageNotFoundError:  # imported from a source tree that was never installed (no metadata)
    __version__ = "0+unknown"
