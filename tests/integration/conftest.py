"""Session-scoped real agno AgentOS servers (one per auth mode) for the integration tests.

Each server starts on first use, serves every test of the session and is
stopped at the end, also when a test fails. Where agno is not installed the
tests that need it are skipped with the reason; under ``make test`` it always is.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.agno_server import AgnoServer, AuthMode, running_agno_server

AGNO_MISSING = importlib.util.find_spec("agno") is None


def _serve(
    auth: AuthMode, tmp_path_factory: pytest.TempPathFactory, *, user_isolation: bool = False
) -> Iterator[AgnoServer]:
    if AGNO_MISSING:
        pytest.skip(
            "agno is not importable: install the [agno] extra (make install does) to run real-agno tests"
        )
    workdir: Path = tmp_path_factory.mktemp(f"agno-{auth}-isolated" if user_isolation else f"agno-{auth}")
    with running_agno_server(auth, workdir, user_isolation=user_isolation) as server:
        yield server


@pytest.fixture(scope="session")
def agno_server_jwt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgnoServer]:
    yield from _serve("jwt", tmp_path_factory)


@pytest.fixture(scope="session")
def agno_server_jwt_isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgnoServer]:
    """JWT middleware with agno's ``user_isolation=True`` (each user sees only its own data)."""
    yield from _serve("jwt", tmp_path_factory, user_isolation=True)


@pytest.fixture(scope="session")
def agno_server_noauth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgnoServer]:
    yield from _serve("none", tmp_path_factory)


@pytest.fixture(scope="session", params=["jwt", "none"])
def agno_server(request: pytest.FixtureRequest) -> AgnoServer:
    """Each test that asks for it runs once per auth mode."""
    name = "agno_server_jwt" if request.param == "jwt" else "agno_server_noauth"
    server: AgnoServer = request.getfixturevalue(name)
    return server
