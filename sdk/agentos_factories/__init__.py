"""Typed client for Agno AgentOS factories: every factory endpoint and every error, sync and async.

from agentos_factories import Client

with Client("http://127.0.0.1:7777", token="...") as client:
    output = client.agents.run("research-agent", "Hello", factory_input={"persona": "skeptic"})

``Client()`` with no arguments reads ``AGENTOS_BASE_URL`` and ``AGENTOS_TOKEN``; ``AGENTOS_LOG=debug``
logs each request, retry and response to stderr (the ``agentos_factories`` logger).
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import _logs
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
    ResponseTooLargeError,
    ServerError,
    StreamClosedError,
    UnprocessableEntityError,
    error_class_for_status,
)
from ._response import (
    APIResponse,
)
from ._sync.client import (
    Client,
)
from ._sync.streaming import (
    AgentRunStream,
    EventStream,
    RunStream,
    TeamRunStream,
    WorkflowRunStream,
)
from ._types import (
    NOT_GIVEN,
    FactoryInput,
    NotGiven,
    WebSocketRoute,
)
from ._version import package_version
from .models import (
    AgentEvent,
    AgentInfo,
    AgentRunOutput,
    ComponentInfo,
    RunCancelled,
    RunCompleted,
    RunContent,
    RunContentCompleted,
    RunContinued,
    RunError,
    RunEventBase,
    RunPaused,
    RunRequirement,
    RunStarted,
    RunStatus,
    StepCompleted,
    StepContinued,
    StepOutput,
    StepPaused,
    StepRequirement,
    StepStarted,
    TeamEvent,
    TeamInfo,
    TeamRunCancelled,
    TeamRunCompleted,
    TeamRunContent,
    TeamRunContentCompleted,
    TeamRunContinued,
    TeamRunError,
    TeamRunOutput,
    TeamRunPaused,
    TeamRunStarted,
    TeamToolCallCompleted,
    TeamToolCallStarted,
    ToolCallCompleted,
    ToolCallStarted,
    ToolExecution,
    UnknownEvent,
    WorkflowCancelled,
    WorkflowCompleted,
    WorkflowError,
    WorkflowEvent,
    WorkflowInfo,
    WorkflowPaused,
    WorkflowRunOutput,
    WorkflowRunSummary,
    WorkflowStarted,
)

if TYPE_CHECKING:
    from ._async.client import (
        AsyncClient,
    )
    from ._async.streaming import (
        AsyncAgentRunStream,
        AsyncEventStream,
        AsyncRunStream,
        AsyncTeamRunStream,
        AsyncWorkflowRunStream,
    )
    from ._async.websocket import (
        AsyncWorkflowRunEvents,
        AsyncWorkflowWebSocket,
    )
    from ._sync.websocket import (
        WorkflowRunEvents,
        WorkflowWebSocket,
    )
    from .resources import (
        AgentFactoryHandle,
        AsyncAgentFactoryHandle,
        AsyncTeamFactoryHandle,
        AsyncWorkflowFactoryHandle,
        TeamFactoryHandle,
        WorkflowFactoryHandle,
    )

#: Loaded on first use: a sync program never pays for the async twins or the WebSocket, and an
#: async one never for the sync twins' WebSocket.
_LAZY = {
    "AgentFactoryHandle": ".resources",
    "AsyncAgentFactoryHandle": ".resources",
    "AsyncAgentRunStream": "._async.streaming",
    "AsyncClient": "._async.client",
    "AsyncEventStream": "._async.streaming",
    "AsyncRunStream": "._async.streaming",
    "AsyncTeamFactoryHandle": ".resources",
    "AsyncTeamRunStream": "._async.streaming",
    "AsyncWorkflowFactoryHandle": ".resources",
    "AsyncWorkflowRunEvents": "._async.websocket",
    "AsyncWorkflowRunStream": "._async.streaming",
    "AsyncWorkflowWebSocket": "._async.websocket",
    "TeamFactoryHandle": ".resources",
    "WorkflowFactoryHandle": ".resources",
    "WorkflowRunEvents": "._sync.websocket",
    "WorkflowWebSocket": "._sync.websocket",
}

if TYPE_CHECKING:
    __version__: str  # the installed distribution's version (importlib.metadata), read on first use

__all__ = [
    "NOT_GIVEN",
    "STATUS_ERRORS",
    "APIConnectionError",
    "APIResponse",
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
    "AsyncEventStream",
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
    "EventStream",
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
    "ResponseTooLargeError",
    "RunCancelled",
    "RunCompleted",
    "RunContent",
    "RunContentCompleted",
    "RunContinued",
    "RunError",
    "RunEventBase",
    "RunPaused",
    "RunRequirement",
    "RunStarted",
    "RunStatus",
    "RunStream",
    "ServerError",
    "StepCompleted",
    "StepContinued",
    "StepOutput",
    "StepPaused",
    "StepRequirement",
    "StepStarted",
    "StreamClosedError",
    "TeamEvent",
    "TeamFactoryHandle",
    "TeamInfo",
    "TeamRunCancelled",
    "TeamRunCompleted",
    "TeamRunContent",
    "TeamRunContentCompleted",
    "TeamRunContinued",
    "TeamRunError",
    "TeamRunOutput",
    "TeamRunPaused",
    "TeamRunStarted",
    "TeamRunStream",
    "TeamToolCallCompleted",
    "TeamToolCallStarted",
    "ToolCallCompleted",
    "ToolCallStarted",
    "ToolExecution",
    "UnknownEvent",
    "UnprocessableEntityError",
    "WebSocketRoute",
    "WorkflowCancelled",
    "WorkflowCompleted",
    "WorkflowError",
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

_logs.setup_from_environment()


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return package_version()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
