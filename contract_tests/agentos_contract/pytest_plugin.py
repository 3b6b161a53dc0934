"""pytest plugin entry point (``pytest11``) of the contract suite.

Loaded by every pytest run in an environment where agentos-factories is
installed, so it must stay import-cheap and inert unless ``--agentos-url`` is
given; the heavy suite is imported lazily.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentos-contract", "AgentOS factories contract suite")
    group.addoption(
        "--agentos-url",
        action="store",
        default=None,
        help="Base URL of an AgentOS deployment to judge against the factories contract.",
    )
