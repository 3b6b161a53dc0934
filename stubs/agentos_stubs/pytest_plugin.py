"""pytest plugin (``pytest11`` entry point ``agentos_stubs``): the ``agentos_stub`` fixture.

    def test_checkout(agentos_stub):
        agentos_stub.agent_factory("checkout-agent", reply=lambda ctx, message: "ok")
        ...application code that calls http://agentos.test through any httpx client...

The fixture is a :class:`~agentos_stubs.StubDeployment` at ``http://agentos.test`` with httpx
patched (respx) for the test's duration. Options of the deployment come from the marker::

    @pytest.mark.agentos_stub(identity=VerifiedIdentity(user_id="ada"), profile="agno")

Loaded in every pytest run where agentos-factories is installed, so importing this module
imports nothing of the stub, the SDK or respx; the fixture imports them when a test uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from agentos_stubs import StubDeployment

MARKER = "agentos_stub"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(base_url=..., identity=..., tokens=..., profile=...): "
        "StubDeployment options of the agentos_stub fixture",
    )


@pytest.fixture
def agentos_stub(request: pytest.FixtureRequest) -> Iterator[StubDeployment]:
    """A fresh fake AgentOS deployment, reachable through every httpx client during the test."""
    from agentos_stubs import StubDeployment

    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only, got {marker.args!r}")
    deployment = StubDeployment(**(marker.kwargs if marker is not None else {}))
    with deployment.mock():
        yield deployment


@pytest.fixture
def agentos_no_retry_waits() -> Iterator[list[float]]:
    """The SDK's retry back-off waits return at once during the test; the list holds the
    seconds each skipped wait would have taken (see ``agentos_stubs.skip_retry_waits``)."""
    from agentos_stubs import skip_retry_waits

    with skip_retry_waits() as skipped:
        yield skipped
