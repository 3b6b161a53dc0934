"""``Client`` and ``AsyncClient`` have the same surface: the same public methods with the same
parameters (names, kinds, defaults), on the clients, their endpoint groups, handles, streams
and WebSocket sessions. Only sync-vs-async differs."""

from __future__ import annotations

import inspect

import pytest

from agentos_factories import (
    AgentFactoryHandle,
    AsyncAgentFactoryHandle,
    AsyncClient,
    AsyncRunStream,
    AsyncTeamFactoryHandle,
    AsyncWorkflowFactoryHandle,
    AsyncWorkflowRunEvents,
    AsyncWorkflowWebSocket,
    Client,
    RunStream,
    TeamFactoryHandle,
    WorkflowFactoryHandle,
    WorkflowRunEvents,
    WorkflowWebSocket,
)
from agentos_factories.resources import Agents, AsyncAgents, AsyncTeams, AsyncWorkflows, Teams, Workflows

PAIRS = [
    (Client, AsyncClient),
    (Agents, AsyncAgents),
    (Teams, AsyncTeams),
    (Workflows, AsyncWorkflows),
    (AgentFactoryHandle, AsyncAgentFactoryHandle),
    (TeamFactoryHandle, AsyncTeamFactoryHandle),
    (WorkflowFactoryHandle, AsyncWorkflowFactoryHandle),
    (RunStream, AsyncRunStream),
    (WorkflowWebSocket, AsyncWorkflowWebSocket),
    (WorkflowRunEvents, AsyncWorkflowRunEvents),
]
# Protocol methods that are spelled differently by design.
RENAMED = {
    "__enter__": "__aenter__",
    "__exit__": "__aexit__",
    "__iter__": "__aiter__",
    "__next__": "__anext__",
}


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        RENAMED.get(name, name): inspect.signature(member)
        for name, member in inspect.getmembers(cls, callable)
        if (not name.startswith("_") or name in RENAMED or name in RENAMED.values())
        and not isinstance(member, type)
        and name not in dir(object)
        and not name.startswith("model_")
    }


def shape(signature: inspect.Signature) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_same_methods_and_parameters(sync_cls: type, async_cls: type) -> None:
    sync_methods, async_methods = public_methods(sync_cls), public_methods(async_cls)
    assert sorted(sync_methods) == sorted(async_methods)
    for name, signature in sync_methods.items():
        assert shape(signature) == shape(async_methods[name]), name
    properties = [name for name, _ in inspect.getmembers(sync_cls, lambda m: isinstance(m, property))]
    assert properties == [
        name for name, _ in inspect.getmembers(async_cls, lambda m: isinstance(m, property))
    ]


def test_every_async_endpoint_method_is_a_coroutine_function() -> None:
    for cls in (AsyncAgents, AsyncTeams, AsyncWorkflows):
        for name in ("list", "get", "run", "continue_run", "cancel"):
            assert inspect.iscoroutinefunction(getattr(cls, name)), f"{cls.__name__}.{name}"
        # Streams are made without I/O (for `async with client.agents.stream(...)`), sent on entering.
        for name in ("stream", "continue_stream"):
            assert not inspect.iscoroutinefunction(getattr(cls, name)), f"{cls.__name__}.{name}"
    for name in ("get_run", "list_runs", "websocket"):
        assert inspect.iscoroutinefunction(getattr(AsyncWorkflows, name)), name
