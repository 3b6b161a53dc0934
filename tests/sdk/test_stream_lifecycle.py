"""Streams that are hard to misuse, on both clients: sent on entering (``with``/``async with``), on
the first iteration or on ``await``; resumable after ``break``; a clear error after ``close()``;
``text_stream`` and ``get_final_output()`` for agents, teams and workflows (SSE and WebSocket); a
stream never used warns and never holds a pooled connection."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import httpx
import pytest
import respx

from agentos_factories import (
    AgentRunOutput,
    AgentRunStream,
    AsyncAgentRunStream,
    AsyncClient,
    Client,
    FactoryPermissionError,
    RunCompleted,
    RunContent,
    RunStarted,
    StreamClosedError,
    TeamRunOutput,
    WorkflowCompleted,
    WorkflowRunOutput,
)

from .payloads import AGENT_EVENTS, BASE_URL, PAUSED_TOOL, TEAM_EVENTS, WORKFLOW_EVENTS, sse
from .scripted_server import ScriptedServer, chunked, http_response
from .test_websocket import FakeServer, sse_frame, transport

SSE_HEADERS = {"content-type": "text/event-stream"}
KINDS = ["sync", "async"]


def sse_answer(*events: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, headers=SSE_HEADERS, content=sse(*events))


async def events_of(stream: Any) -> list[Any]:
    if hasattr(stream, "__aiter__"):
        return [event async for event in stream]
    return list(stream)


async def texts_of(stream: Any) -> list[str]:
    if hasattr(stream, "__aiter__"):
        return [text async for text in stream.text_stream]
    return list(stream.text_stream)


async def enter(stream: AgentRunStream | AsyncAgentRunStream) -> None:
    """``with stream:`` or ``async with stream:``, doing nothing inside."""
    if isinstance(stream, AgentRunStream):
        with stream:
            pass
    else:
        async with stream:
            pass


def drop(holder: list[Any]) -> None:
    """Let go of the only reference to what ``holder`` holds, and collect it."""
    holder.clear()
    gc.collect()


async def maybe_await(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


@pytest.fixture(params=KINDS)
async def client(request: pytest.FixtureRequest, mock: respx.MockRouter) -> Any:
    if request.param == "sync":
        with Client(BASE_URL, token="tok", max_retries=0) as sync_client:
            yield sync_client
    else:
        async with AsyncClient(BASE_URL, token="tok", max_retries=0) as async_client:
            yield async_client


# --- when the request is sent ----------------------------------------------------------------------


async def test_a_stream_is_sent_on_entering_and_errors_are_raised_there(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    route = mock.post("/agents/a/runs").respond(403, json={"detail": "Missing 'agents:run' scope"})
    stream = client.agents.stream("a", "hi")
    assert not route.called
    assert stream.response is None
    with pytest.raises(FactoryPermissionError):
        await enter(stream)
    assert route.call_count == 1


def test_with_sync_stream_sends_on_enter(mock: respx.MockRouter) -> None:
    route = mock.post("/agents/a/runs").mock(return_value=sse_answer(*AGENT_EVENTS))
    with Client(BASE_URL) as client:
        stream = client.agents.stream("a", "hi")
        assert route.call_count == 0
        with stream as entered:
            assert entered is stream
            assert route.call_count == 1
            assert stream.response is not None
            assert stream.request_id == route.calls.last.request.headers["x-request-id"]
            events = list(stream)
        assert isinstance(events[-1], RunCompleted)


async def test_async_with_needs_no_await_and_await_still_works(mock: respx.MockRouter) -> None:
    route = mock.post("/agents/a/runs").mock(return_value=sse_answer(*AGENT_EVENTS))
    async with AsyncClient(BASE_URL) as client:
        async with client.agents.stream("a", "hi") as stream:
            assert route.call_count == 1
            events = [event async for event in stream]
        assert isinstance(events[0], RunStarted)
        awaited = await client.agents.stream("a", "hi")  # the form that came first
        assert route.call_count == 2
        assert isinstance(await awaited.until_done(), RunCompleted)
        iterated = client.agents.stream("a", "hi")
        assert route.call_count == 2
        assert len([event async for event in iterated]) == len(AGENT_EVENTS)  # sent on first iteration


# --- break, resume, close --------------------------------------------------------------------------


async def test_iterating_again_after_break_resumes(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").mock(return_value=sse_answer(*AGENT_EVENTS))
    stream = client.agents.stream("a", "hi")
    first: list[Any] = []
    rest: list[Any]
    if isinstance(stream, AgentRunStream):
        for event in stream:
            first.append(event)
            break
        rest = list(stream)
    else:
        async for async_event in stream:
            first.append(async_event)
            break
        rest = [async_event async for async_event in stream]
    assert [e.event for e in first + rest] == [e["event"] for e in AGENT_EVENTS]
    assert isinstance(stream.completion, RunCompleted)
    assert await events_of(stream) == []  # the run is over: nothing more, no error


async def test_after_close_using_the_stream_says_it_was_closed_by_the_caller(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").mock(return_value=sse_answer(*AGENT_EVENTS))
    stream = client.agents.stream("a", "hi")
    if isinstance(stream, AgentRunStream):
        next(iter(stream))
    else:
        await stream.__anext__()
    await maybe_await(stream.close())
    assert stream.response is not None
    assert stream.response.is_closed
    for use in (
        events_of,
        lambda s: maybe_await(s.until_done()),
        texts_of,
        lambda s: maybe_await(s.get_final_output()),
    ):
        with pytest.raises(StreamClosedError, match="closed by the caller"):
            await use(stream)
    # Closing a stream that already ended changes nothing.
    done = client.agents.stream("a", "hi")
    final = await maybe_await(done.until_done())
    await maybe_await(done.close())
    assert await maybe_await(done.until_done()) is final
    assert await events_of(done) == []


async def test_a_failure_is_raised_again_on_further_use(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").respond(403, json={"detail": "no"})
    stream = client.agents.stream("a", "hi")
    with pytest.raises(FactoryPermissionError):
        await events_of(stream)
    with pytest.raises(FactoryPermissionError):
        await maybe_await(stream.until_done())


# --- text_stream and get_final_output --------------------------------------------------------------


async def test_text_stream_and_final_output_of_an_agent(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").mock(return_value=sse_answer(*AGENT_EVENTS))
    stream = client.agents.stream("a", "hi")
    assert await texts_of(stream) == ["he", "llo"]
    output = await maybe_await(stream.get_final_output())
    assert isinstance(output, AgentRunOutput)
    assert (output.status, output.run_id, output.agent_id, output.content) == ("COMPLETED", "r", "a", "hello")
    assert output.model == "echo"  # from RunStarted
    assert output.session_state == {}


async def test_a_team_streams_the_teams_text_not_its_members(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    member_text = {"event": "RunContent", "agent_id": "member", "run_id": "m", "content": "member says"}
    events = [*TEAM_EVENTS[:3], member_text, *TEAM_EVENTS[3:]]
    mock.post("/teams/t/runs").mock(return_value=sse_answer(*events))
    stream = client.teams.stream("t", "hi")
    assert await texts_of(stream) == ["x"]
    output = await maybe_await(stream.get_final_output())
    assert isinstance(output, TeamRunOutput)
    assert (output.status, output.team_id, output.run_id) == ("COMPLETED", "t", "r")


async def test_a_workflow_without_content_events_gives_its_final_content(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/workflows/wf/runs").mock(return_value=sse_answer(*WORKFLOW_EVENTS))
    stream = client.workflows.stream("wf", "hi")
    assert await texts_of(stream) == ["done"]
    output = await maybe_await(stream.get_final_output())
    assert isinstance(output, WorkflowRunOutput)
    assert (output.status, output.workflow_id, output.content) == ("COMPLETED", "wf", "done")


async def test_a_workflows_steps_stream_their_text(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    step_text = [
        {"event": "RunContent", "agent_id": "writer", "run_id": "w1", "content": "Hel"},
        {"event": "RunContent", "agent_id": "writer", "run_id": "w1", "content": "lo"},
    ]
    events = [*WORKFLOW_EVENTS[:2], *step_text, *WORKFLOW_EVENTS[2:]]
    mock.post("/workflows/wf/runs").mock(return_value=sse_answer(*events))
    assert await texts_of(client.workflows.stream("wf", "hi")) == ["Hel", "lo"]


async def test_a_paused_runs_final_output_carries_what_continue_takes(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    paused = {"event": "RunPaused", "agent_id": "a", "run_id": "r", "session_id": "s", "tools": [PAUSED_TOOL]}
    mock.post("/agents/a/runs").mock(return_value=sse_answer(AGENT_EVENTS[0], paused))
    output = await maybe_await(client.agents.stream("a", "hi").get_final_output())
    assert output.is_paused
    assert output.tools is not None
    assert output.tools[0].tool_call_id == PAUSED_TOOL["tool_call_id"]


@pytest.mark.parametrize("kind", KINDS)
async def test_websocket_runs_have_text_and_final_output_too(kind: str) -> None:
    server = FakeServer(run=[sse_frame(event) for event in WORKFLOW_EVENTS])
    mock = transport(server, is_async=kind == "async", spec_route=False)
    if kind == "async":
        async with (
            AsyncClient(BASE_URL, transport=mock, max_retries=0) as async_client,
            await async_client.workflows.websocket("wf") as ws,
        ):
            run = await ws.start("go")
            assert [text async for text in run.text_stream] == ["done"]
            output = await run.get_final_output()
        await ws.close()
        with pytest.raises(StreamClosedError, match="closed by the caller"):
            await ws.start("again")
    else:
        with (
            Client(BASE_URL, transport=mock, max_retries=0) as client,
            client.workflows.websocket("wf") as sync_ws,
        ):
            sync_run = sync_ws.start("go")
            assert list(sync_run.text_stream) == ["done"]
            output = sync_run.get_final_output()
        with pytest.raises(StreamClosedError, match="closed by the caller"):
            sync_ws.start("again")
    assert isinstance(output, WorkflowRunOutput)
    assert (output.status, output.content, output.workflow_id) == ("COMPLETED", "done", "wf")


# --- never used: a warning, and no connection held --------------------------------------------------

CONTENT = b'event: RunContent\ndata: {"event": "RunContent", "run_id": "r", "content": "x"}\n\n'


def scripts() -> dict[str, Any]:
    return {
        "/agents/a/runs": lambda request: chunked(200, {"Content-Type": "text/event-stream"}, [CONTENT, 5.0]),
        "/agents": lambda request: [http_response(200, [])],
    }


@pytest.mark.loopback
def test_a_sync_stream_never_used_or_dropped_open_does_not_hold_the_only_connection() -> None:
    with ScriptedServer(scripts()) as server:
        http = httpx.Client(limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(5.0, pool=0.5))
        with Client(server.url, http_client=http, max_retries=0) as client:
            unused = [client.agents.stream("a", "hi")]
            with pytest.warns(
                ResourceWarning, match="never entered, iterated or closed; no request was sent"
            ):
                drop(unused)
            assert client.agents.list() == []
            stream = client.agents.stream("a", "hi")
            assert isinstance(next(iter(stream)), RunContent)
            held = [stream]
            del stream
            with pytest.warns(ResourceWarning, match="dropped while open"):
                drop(held)
            assert client.agents.list() == []  # a PoolTimeout if the dropped stream still held it
        http.close()
    assert [request.path for request in server.requests] == ["/agents", "/agents/a/runs", "/agents"]


@pytest.mark.loopback
async def test_an_async_stream_never_used_or_dropped_open_does_not_hold_the_only_connection() -> None:
    with ScriptedServer(scripts()) as server:
        http = httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(5.0, pool=0.5))
        async with AsyncClient(server.url, http_client=http, max_retries=0) as client:
            unused = [client.agents.stream("a", "hi")]
            with pytest.warns(ResourceWarning, match="no request was sent"):
                drop(unused)
            assert await client.agents.list() == []
            stream = client.agents.stream("a", "hi")
            assert isinstance(await stream.__anext__(), RunContent)
            held = [stream]
            del stream
            with pytest.warns(ResourceWarning, match="dropped while open"):
                drop(held)
            await asyncio.sleep(0.05)  # the close scheduled on the loop runs
            assert await client.agents.list() == []
        await http.aclose()


async def test_completion_is_reachable_from_events_too(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/workflows/wf/runs").mock(return_value=sse_answer(*WORKFLOW_EVENTS))
    stream = client.workflows.stream("wf", "hi")
    events = await events_of(stream)
    assert isinstance(events[-1], WorkflowCompleted)
    assert stream.completion is events[-1]
