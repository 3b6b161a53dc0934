"""respx-backed test doubles of an AgentOS deployment: typed, offline, and faithful to the contract.

    from agentos_stubs import StubDeployment, VerifiedIdentity

    deployment = StubDeployment(identity=VerifiedIdentity(user_id="u-1", scopes={"agents:run"}))
    deployment.agent_factory("research-agent", reply=lambda ctx, message: f"{ctx.user_id}: {message}")
    with deployment.client() as client:          # or `with deployment.mock():` for any httpx client
        assert client.agents.run("research-agent", "hi").content == "u-1: hi"

The pytest fixture ``agentos_stub`` (a mocked ``StubDeployment``) ships with the package.
"""

from ._components import ComponentKind, ReplyValue, StubComponent
from ._context import StubContext, StubRequest, TrustedContext
from ._deployment import DEFAULT_BASE_URL, StubDeployment
from ._errors import FactoryError, FactoryPermissionError, FactoryValidationError, StubConfigurationError
from ._faults import Fault
from ._identity import VerifiedIdentity
from ._recorder import Endpoint, FactoryInvocation, RecordedRequest
from ._server import Profile

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
]
