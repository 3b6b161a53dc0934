"""Run streams on both clients: typed events, completion, in-stream errors, broken streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from agentos_factories import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncClient,
    Client,
    FactoryError,
    FactoryPermissionError,
    InBandError,
    IncompleteStreamError,
    RunCompleted,
    RunContent,
    RunPaused,
    RunStarted,
    TeamRunCompleted,
    UnknownEvent,
    WorkflowCompleted,
    WorkflowPaused,
)
from agentos_factories.models import RunError, StepStarted

from .conftest import collect, invoke
from .payloads import AGENT_EVENTS, PAUSED_TOOL, STEP_REQUIREMENT, TEAM_EVENTS, WORKFLOW_EVENTS, sse

SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}


def sse_response(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers=SSE_HEADERS, content=body)


async def test_agent_stream_yields_typed_events_and_sends_stream_true(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    route = mock.post("/agents/a/runs").mock(return_value=sse_response(sse(*AGENT_EVENTS)))
    stream = await invoke(client.agents.stream, "a", "hi", factory_input={"x": 1})
    events = await collect(stream)
    assert [type(e) for e in events] == [
        RunStarted,
        UnknownEvent,
        RunContent,
        RunContent,
        type(events[4]),
        RunCompleted,
    ]
    assert events[1].event == "ModelRequestStarted"
    assert "".join(str(e.content) for e in events if isinstance(e, RunContent)) == "hello"
    assert isinstance(stream.completion, RunCompleted)
    assert stream.completion.content == "hello"
    body = route.calls.last.request.content.decode()
    assert "stream=true" in body
    assert "factory_input=%7B%22x%22%3A1%7D" in body


async def test_team_stream_keeps_member_events_and_member_errors_do_not_end_it(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/teams/t/runs").mock(return_value=sse_response(sse(*TEAM_EVENTS)))
    stream = await invoke(client.teams.stream, "t", "hi")
    events = await collect(stream)
    assert isinstance(events[2], RunError)
    assert isinstance(events[-1], TeamRunCompleted)
    assert stream.completion is events[-1]


async def test_workflow_stream(client: Client | AsyncClient, mock: respx.MockRouter) -> None:
    mock.post("/workflows/wf/runs").mock(return_value=sse_response(sse(*WORKFLOW_EVENTS)))
    stream = await invoke(client.workflows.stream, "wf", "hi")
    events = await collect(stream)
    assert isinstance(events[1], StepStarted)
    assert events[1].step_name == "s1"
    assert isinstance(events[-1], WorkflowCompleted)
    assert events[-1].content == "done"


async def test_until_done_returns_the_completion(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").mock(return_value=sse_response(sse(*AGENT_EVENTS)))
    stream = await invoke(client.agents.stream, "a", "hi")
    final = await invoke(stream.until_done)
    assert isinstance(final, RunCompleted)


async def test_paused_stream_completes_with_what_continue_needs(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    paused = {
        "event": "RunPaused",
        "agent_id": "a",
        "run_id": "r",
        "session_id": "s",
        "tools": [PAUSED_TOOL],
        "requirements": [{"id": "q", "tool_execution": PAUSED_TOOL}],
    }
    mock.post("/agents/a/runs").mock(return_value=sse_response(sse(AGENT_EVENTS[0], paused)))
    continue_route = mock.post("/agents/a/runs/r/continue").mock(
        return_value=sse_response(sse({"event": "RunContinued", "run_id": "r"}, AGENT_EVENTS[-1]))
    )
    stream = await invoke(client.agents.stream, "a", "hi")
    await collect(stream)
    completion = stream.completion
    assert isinstance(completion, RunPaused)
    assert completion.tools is not None
    resumed = await invoke(
        client.agents.continue_stream, "a", "r", session_id="s", tools=[t.confirm() for t in completion.tools]
    )
    assert isinstance((await collect(resumed))[-1], RunCompleted)
    sent = continue_route.calls.last.request.content.decode()
    assert "stream=true" in sent


async def test_workflow_paused_stream_and_continue_stream(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    paused = {
        "event": "WorkflowPaused",
        "workflow_id": "wf",
        "run_id": "w",
        "step_requirements": [STEP_REQUIREMENT],
        "paused_step_index": 0,
        "paused_step_name": "confirm",
        "pause_kind": "step",
    }
    mock.post("/workflows/wf/runs").mock(return_value=sse_response(sse(WORKFLOW_EVENTS[0], paused)))
    route = mock.post("/workflows/wf/runs/w/continue").mock(return_value=sse_response(sse(*WORKFLOW_EVENTS)))
    stream = await invoke(client.workflows.stream, "wf", "hi")
    await collect(stream)
    assert isinstance(stream.completion, WorkflowPaused)
    assert stream.completion.step_requirements is not None
    again = await invoke(
        client.workflows.continue_stream,
        "wf",
        "w",
        session_id="s",
        factory_input={"phase": "continue"},
        step_requirements=[r.confirm() for r in stream.completion.step_requirements],
    )
    assert isinstance((await collect(again))[-1], WorkflowCompleted)
    assert "factory_input=" in route.calls.last.request.content.decode()


@pytest.mark.parametrize(
    ("events", "kind_path", "cls", "detail"),
    [
        (
            [AGENT_EVENTS[0], {"event": "RunError", "content": "boom", "error_type": "x"}],
            "/agents/a/runs",
            InBandError,
            "boom",
        ),
        (
            [{"event": "error", "error": "Factory error: nope"}],
            "/agents/a/runs",
            InBandError,
            "Factory error: nope",
        ),
        (
            [{"event": "error", "error": "Missing scope", "status": 403}],
            "/agents/a/runs",
            FactoryPermissionError,
            "Missing scope",
        ),
        ([{"event": "TeamRunError", "content": "team boom"}], "/teams/t/runs", InBandError, "team boom"),
        (
            [{"event": "WorkflowError", "error": "wf boom", "status": 500}],
            "/workflows/wf/runs",
            FactoryError,
            "wf boom",
        ),
    ],
)
async def test_error_events_raise_the_typed_classes(
    client: Client | AsyncClient,
    mock: respx.MockRouter,
    events: list[dict[str, Any]],
    kind_path: str,
    cls: type[Exception],
    detail: str,
) -> None:
    mock.post(kind_path).mock(return_value=sse_response(sse(*events)))
    kind = kind_path.split("/")[1]
    stream = await invoke(getattr(client, kind).stream, kind_path.split("/")[2], "hi")
    with pytest.raises(cls) as caught:
        await collect(stream)
    assert type(caught.value) is cls
    assert caught.value.detail == detail  # type: ignore[attr-defined]  # every SDK error has detail
    assert stream.response.is_closed


@pytest.mark.parametrize(
    "body",
    [
        sse(*AGENT_EVENTS[:-1]),  # no RunCompleted
        sse(*AGENT_EVENTS)[:-1],  # RunCompleted without its closing blank line
        b"",
        sse({"event": "stream_expired"}),
    ],
)
async def test_a_stream_that_ends_early_is_an_error_never_a_silent_success(
    client: Client | AsyncClient, mock: respx.MockRouter, body: bytes
) -> None:
    mock.post("/agents/a/runs").mock(return_value=sse_response(body))
    stream = await invoke(client.agents.stream, "a", "hi")
    with pytest.raises(IncompleteStreamError):
        await collect(stream)


async def test_a_team_stream_is_not_completed_by_a_member_run(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/teams/t/runs").mock(return_value=sse_response(sse(TEAM_EVENTS[0], AGENT_EVENTS[-1])))
    stream = await invoke(client.teams.stream, "t", "hi")
    with pytest.raises(IncompleteStreamError, match="team run stream"):
        await collect(stream)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"event: RunStarted\ndata: {not json\n\n", "non-JSON"),
        (b"event: RunStarted\ndata: [1,2]\n\n", "not a JSON object"),
        (b'event: RunStarted\ndata: {"event":"RunStarted","agent_id":5}\n\n', "malformed"),
        (b"data: \xff\n\n", "UTF-8"),
    ],
)
async def test_malformed_events_are_validation_errors(
    client: Client | AsyncClient, mock: respx.MockRouter, body: bytes, fragment: str
) -> None:
    mock.post("/agents/a/runs").mock(return_value=sse_response(body))
    stream = await invoke(client.agents.stream, "a", "hi")
    with pytest.raises(APIResponseValidationError, match=fragment):
        await collect(stream)


async def test_a_non_sse_answer_to_a_stream_request_is_a_validation_error(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").respond(200, json={"run_id": "r"})
    with pytest.raises(APIResponseValidationError, match="text/event-stream"):
        await invoke(client.agents.stream, "a", "hi")


class _Breaks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that sends some events, then the connection drops."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        raise httpx.ReadError("connection reset by peer")


async def test_a_connection_lost_mid_stream_is_a_connection_error(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").mock(
        return_value=httpx.Response(200, headers=SSE_HEADERS, stream=_Breaks(sse(*AGENT_EVENTS[:2])))
    )
    stream = await invoke(client.agents.stream, "a", "hi")
    seen: list[Any] = []

    async def consume() -> None:
        if hasattr(stream, "__aiter__"):
            async for event in stream:
                seen.append(event)
        else:
            seen.extend(stream)

    with pytest.raises(APIConnectionError, match="reset"):
        await consume()
    assert [type(e) for e in seen] == [RunStarted, UnknownEvent]


class _Endless(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An event stream that would never end; counts what was pulled."""

    def __init__(self) -> None:
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            self.pulled += 1
            yield sse(AGENT_EVENTS[2])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.pulled += 1
            yield sse(AGENT_EVENTS[2])


async def test_decoding_is_incremental_and_closing_early_stops_reading(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    body = _Endless()
    mock.post("/agents/a/runs").mock(return_value=httpx.Response(200, headers=SSE_HEADERS, stream=body))
    stream = await invoke(client.agents.stream, "a", "hi")
    taken = 0
    if hasattr(stream, "__aiter__"):
        async with stream:
            async for event in stream:
                assert isinstance(event, RunContent)
                taken += 1
                if taken == 3:
                    break
    else:
        with stream:
            for event in stream:
                assert isinstance(event, RunContent)
                taken += 1
                if taken == 3:
                    break
    assert body.pulled == 3  # each event was handed out as its bytes arrived
    assert stream.response.is_closed


async def test_events_data_without_an_event_name_take_the_sse_name(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    body = b"event: RunCompleted\ndata: " + json.dumps({"run_id": "r", "content": "x"}).encode() + b"\n\n"
    mock.post("/agents/a/runs").mock(return_value=sse_response(body))
    events = await collect(await invoke(client.agents.stream, "a", "hi"))
    assert isinstance(events[0], RunCompleted)
