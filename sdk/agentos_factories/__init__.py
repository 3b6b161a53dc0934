"""Typed client for Agno AgentOS factories: every factory endpoint and every error, sync and async.

from agentos_factories import Client

with Client("http://127.0.0.1:7777", token="...") as client:
    output = client.agents.run("research-agent", "Hello", factory_input={"persona": "skeptic"})
"""

from typing import TYPE_CHECKING

from ._client import AsyncClient, Client
from ._errors import (
    STATUS_ERRORS,
    AgentOSError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FactoryError,
    FactoryInputError,
    FactoryPermissionError,
    FactoryValidationError,
    InBandError,
    IncompleteStreamError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
    error_class_for_status,
)
from ._streaming import (
    AgentRunStream,
    AsyncAgentRunStream,
    AsyncRunStream,
    AsyncTeamRunStream,
    AsyncWorkflowRunStream,
    RunStream,
    TeamRunStream,
    WorkflowRunStream,
)
from ._types import NOT_GIVEN, FactoryInput, NotGiven, WebSocketRoute
from ._version import package_version
from ._websocket import AsyncWorkflowRunEvents, AsyncWorkflowWebSocket, WorkflowRunEvents, WorkflowWebSocket
from .models import (
    AgentEvent,
    AgentInfo,
    AgentRunOutput,
    ComponentInfo,
    RunCompleted,
    RunContent,
    RunPaused,
    RunRequirement,
    RunStarted,
    RunStatus,
    StepRequirement,
    TeamEvent,
    TeamInfo,
    TeamRunCompleted,
    TeamRunOutput,
    TeamRunPaused,
    ToolExecution,
    UnknownEvent,
    WorkflowCompleted,
    WorkflowEvent,
    WorkflowInfo,
    WorkflowPaused,
    WorkflowRunOutput,
    WorkflowRunSummary,
    WorkflowStarted,
)
from .resources import (
    AgentFactoryHandle,
    AsyncAgentFactoryHandle,
    AsyncTeamFactoryHandle,
    AsyncWorkflowFactoryHandle,
    TeamFactoryHandle,
    WorkflowFactoryHandle,
)

if TYPE_CHECKING:
    __version__: str  # the installed distribution's version (importlib.metadata), read on first use
else:

    def __getattr__(name: str) -> str:
        if name == "__version__":
            return package_version()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NOT_GIVEN",
    "STATUS_ERRORS",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentEvent",
    "AgentFactoryHandle",
    "AgentInfo",
    "AgentOSError",
    "AgentRunOutput",
    "AgentRunStream",
    "AsyncAgentFactoryHandle",
    "AsyncAgentRunStream",
    "AsyncClient",
    "AsyncRunStream",
    "AsyncTeamFactoryHandle",
    "AsyncTeamRunStream",
    "AsyncWorkflowFactoryHandle",
    "AsyncWorkflowRunEvents",
    "AsyncWorkflowRunStream",
    "AsyncWorkflowWebSocket",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ComponentInfo",
    "ConflictError",
    "FactoryError",
    "FactoryInput",
    "FactoryInputError",
    "FactoryPermissionError",
    "FactoryValidationError",
    "InBandError",
    "IncompleteStreamError",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RunCompleted",
    "RunContent",
    "RunPaused",
    "RunRequirement",
    "RunStarted",
    "RunStatus",
    "RunStream",
    "ServerError",
    "StepRequirement",
    "TeamEvent",
    "TeamFactoryHandle",
    "TeamInfo",
    "TeamRunCompleted",
    "TeamRunOutput",
    "TeamRunPaused",
    "TeamRunStream",
    "ToolExecution",
    "UnknownEvent",
    "UnprocessableEntityError",
    "WebSocketRoute",
    "WorkflowCompleted",
    "WorkflowEvent",
    "WorkflowFactoryHandle",
    "WorkflowInfo",
    "WorkflowPaused",
    "WorkflowRunEvents",
    "WorkflowRunOutput",
    "WorkflowRunStream",
    "WorkflowRunSummary",
    "WorkflowStarted",
    "WorkflowWebSocket",
    "error_class_for_status",
]
