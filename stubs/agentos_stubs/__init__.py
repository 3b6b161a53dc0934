"""respx-backed test doubles of an AgentOS deployment: typed, offline, and faithful to the contract.

    from agentos_stubs import StubDeployment, VerifiedIdentity

    deployment = StubDeployment(identity=VerifiedIdentity(user_id="u-1", scopes={"agents:run"}))
    deployment.agent_factory("research-agent", reply=lambda ctx, message: f"{ctx.user_id}: {message}")
    with deployment.client() as client:          # or `with deployment.mock():` for any httpx client
        assert client.agents.run("research-agent", "hi").content == "u-1: hi"

The pytest fixture ``agentos_stub`` (a mocked ``StubDeployment``) ships with the package.

Names are imported on first use: pytest loads this package's plugin in every test run of an
environment where it is installed, and that must not cost an import of the SDK or respx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._components import ComponentKind, ReplyValue, StubComponent
    from ._context import StubContext, StubRequest, TrustedContext
    from ._deployment import DEFAULT_BASE_URL, StubDeployment
    from ._errors import FactoryError, FactoryPermissionError, FactoryValidationError, StubConfigurationError
    from ._faults import Fault
    from ._identity import VerifiedIdentity
    from ._recorder import Endpoint, FactoryInvocation, RecordedRequest
    from ._retry_waits import skip_retry_waits
    from ._server import Profile

_HOMES = {
    "ComponentKind": "_components",
    "ReplyValue": "_components",
    "StubComponent": "_components",
    "StubContext": "_context",
    "StubRequest": "_context",
    "TrustedContext": "_context",
    "DEFAULT_BASE_URL": "_deployment",
    "StubDeployment": "_deployment",
    "FactoryError": "_errors",
    "FactoryPermissionError": "_errors",
    "FactoryValidationError": "_errors",
    "StubConfigurationError": "_errors",
    "Fault": "_faults",
    "VerifiedIdentity": "_identity",
    "Endpoint": "_recorder",
    "FactoryInvocation": "_recorder",
    "RecordedRequest": "_recorder",
    "Profile": "_server",
    "skip_retry_waits": "_retry_waits",
}

__all__ = [
    "DEFAULT_BASE_URL",
    "ComponentKind",
    "Endpoint",
    "FactoryError",
    "FactoryInvocation",
    "FactoryPermissionError",
    "FactoryValidationError",
    "Fault",
    "Profile",
    "RecordedRequest",
    "ReplyValue",
    "StubComponent",
    "StubConfigurationError",
    "StubContext",
    "StubDeployment",
    "StubRequest",
    "TrustedContext",
    "VerifiedIdentity",
    "skip_retry_waits",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
