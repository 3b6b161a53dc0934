"""``agentos_factories.__version__``: the installed distribution's version, read from its metadata
so that it cannot drift from ``pyproject.toml``.

Read on first use, not at import: importing ``importlib.metadata`` costs ~20 ms, against the
0.35 s budget of ``import agentos_factories`` (bench/import_bench.py).
"""

from __future__ import annotations

from functools import cache

DISTRIBUTION = "agentos-factories"
UNKNOWN = "0+unknown"


@cache
def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # imported from a source tree that was never installed (no metadata)
        return UNKNOWN
