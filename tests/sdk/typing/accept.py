"""Code mypy --strict must accept, with the exact types it must infer (checked by test_typing.py).

Never executed: it only has to type-check. Loosening any public type (to Any, say) fails here.
"""

from __future__ import annotations

from typing import Literal

import httpx
from pydantic import BaseModel, JsonValue
from typing_extensions import assert_type

from agentos_factories import (
    AgentEvent,
    AgentFactoryHandle,
    AgentInfo,
    AgentRunOutput,
    AgentRunStream,
    APIResponse,
    APIStatusError,
    AsyncAgentRunStream,
    AsyncClient,
    AsyncWorkflowFactoryHandle,
    AsyncWorkflowRunEvents,
    AsyncWorkflowRunStream,
    AsyncWorkflowWebSocket,
    Client,
    FactoryPermissionError,
    FactoryValidationError,
    RunCompleted,
    RunContent,
    RunPaused,
    RunStream,
    StepOutput,
    TeamEvent,
    TeamInfo,
    TeamRunContent,
    TeamRunOutput,
    TeamRunStream,
    ToolExecution,
    WorkflowEvent,
    WorkflowInfo,
    WorkflowRunEvents,
    WorkflowRunOutput,
    WorkflowRunStream,
    WorkflowRunSummary,
    WorkflowWebSocket,
)
from agentos_factories import (
    TeamRunOutput as _TeamRunOutput,
)
from agentos_factories._errors import Detail
from agentos_factories.models import RunRequirement, StepRequirement


class ResearchInput(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


def sync_surface(client: Client) -> None:
    assert_type(client.agents.list(), list[AgentInfo])
    assert_type(client.teams.get("t"), TeamInfo)
    assert_type(client.workflows.list(), list[WorkflowInfo])
    info = client.agents.get("research-agent")
    assert_type(info.is_factory, bool)
    assert_type(info.factory_input_schema, dict[str, JsonValue] | None)
    output = client.agents.run("research-agent", "hi", factory_input={"persona": "skeptic"}, user_id="u")
    assert_type(output, AgentRunOutput)
    assert_type(output.run_id, str)
    assert_type(
        output.status,
        Literal["PENDING", "RUNNING", "COMPLETED", "PAUSED", "CANCELLED", "ERROR", "REGENERATED"],
    )
    assert_type(output.tools, list[ToolExecution] | None)
    assert_type(client.agents.run("a", "hi", factory_input=ResearchInput()), AgentRunOutput)
    assert_type(client.agents.run("a", "hi", factory_input=None), AgentRunOutput)
    assert_type(client.teams.run("t", "hi"), TeamRunOutput)
    assert_type(client.workflows.run("w", "hi"), WorkflowRunOutput)
    if output.is_paused and output.tools:
        resumed = client.agents.continue_run(
            "a", output.run_id, session_id="s", tools=[tool.confirm() for tool in output.tools]
        )
        assert_type(resumed, AgentRunOutput)
    team = client.teams.run("t", "hi")
    if team.requirements:
        confirmed: list[RunRequirement] = [r.confirm() for r in team.requirements]
        assert_type(
            client.teams.continue_run("t", team.run_id, session_id="s", requirements=confirmed), TeamRunOutput
        )
    wf = client.workflows.run("w", "hi")
    if wf.step_requirements:
        steps: list[StepRequirement] = [r.confirm() for r in wf.step_requirements]
        again = client.workflows.continue_run(
            "w", wf.run_id, session_id="s", step_requirements=steps, factory_input={}
        )
        assert_type(again, WorkflowRunOutput)
    assert_type(
        client.workflows.get_run("w", "r", session_id="s", factory_input=ResearchInput()), WorkflowRunOutput
    )
    assert_type(client.workflows.list_runs("w", session_id="s", status="PAUSED"), list[WorkflowRunSummary])
    assert_type(client.agents.cancel("a", "r"), None)
    assert_type(client.with_options(timeout=httpx.Timeout(5.0, read=60.0), max_retries=0), Client)


def sync_streams(client: Client) -> None:
    stream = client.agents.stream("a", "hi")
    assert_type(stream, AgentRunStream)
    _generic: RunStream[AgentEvent] = stream  # the generic base still names it
    with stream:
        for event in stream:
            assert_type(event, AgentEvent)
            if isinstance(event, RunContent):
                assert_type(event.run_id, str | None)
            elif isinstance(event, RunPaused) and event.tools:
                client.agents.continue_stream(
                    "a", "r", session_id="s", tools=[t.confirm() for t in event.tools]
                )
    assert_type(stream.completion, AgentEvent | None)
    assert_type(client.teams.stream("t", "hi"), TeamRunStream)
    _team_generic: RunStream[TeamEvent] = client.teams.stream("t", "hi")
    assert_type(client.workflows.stream("w", "hi").until_done(), WorkflowEvent)
    final = client.agents.stream("a", "hi").until_done()
    if isinstance(final, RunCompleted):
        assert_type(final.session_state, dict[str, JsonValue] | None)


def typed_handles(client: Client) -> None:
    research = client.agents.factory("research-agent", ResearchInput)
    assert_type(research, AgentFactoryHandle[ResearchInput])
    assert_type(research.run("hi", factory_input=ResearchInput(persona="skeptic")), AgentRunOutput)
    assert_type(research.stream("hi", factory_input=ResearchInput()), AgentRunStream)
    assert_type(research.input_model, type[ResearchInput])
    team = client.teams.factory("t", ResearchInput)
    assert_type(team.run("hi", factory_input=ResearchInput()), TeamRunOutput)
    flow = client.workflows.factory("w", ResearchInput)
    assert_type(flow.list_runs(session_id="s", factory_input=ResearchInput()), list[WorkflowRunSummary])
    assert_type(flow.continue_run("r", session_id="s", factory_input=ResearchInput()), WorkflowRunOutput)
    # Every field of ResearchInput has a default, so factory_input may be left out.
    assert_type(research.run("hi"), AgentRunOutput)
    assert_type(flow.list_runs(session_id="s"), list[WorkflowRunSummary])


def websocket(client: Client) -> None:
    with client.workflows.websocket("w", route="agno") as ws:
        assert_type(ws, WorkflowWebSocket)
        assert_type(ws.route, Literal["spec", "agno"])
        run = ws.start("go", factory_input=ResearchInput(), session_id="s")
        assert_type(run, WorkflowRunEvents)
        for event in run:
            assert_type(event, WorkflowEvent)
        assert_type(run.completion, WorkflowEvent | None)


async def async_websocket(client: AsyncClient) -> None:
    async with await client.workflows.websocket("w") as ws:
        assert_type(ws, AsyncWorkflowWebSocket)
        run = await ws.start("go", factory_input={"tenant": "t"})
        assert_type(run, AsyncWorkflowRunEvents)
        async for event in run:
            assert_type(event, WorkflowEvent)


def errors(client: Client) -> None:
    try:
        client.agents.run("a", "hi")
    except FactoryValidationError as exc:
        assert_type(exc.status_code, int)
        assert_type(exc.detail, Detail)
        assert_type(exc.response, httpx.Response | None)
    except FactoryPermissionError as exc:
        assert_type(exc.method, str)
        assert_type(exc.url, str)
    except APIStatusError as exc:
        assert_type(exc.status_code, int)


async def async_surface(client: AsyncClient) -> None:
    assert_type(await client.agents.run("a", "hi", factory_input={"x": 1}), AgentRunOutput)
    assert_type(await client.teams.run("t", "hi"), TeamRunOutput)
    assert_type(await client.workflows.list_runs("w", session_id="s"), list[WorkflowRunSummary])
    stream = await client.agents.stream("a", "hi")
    assert_type(stream, AsyncAgentRunStream)
    async with stream:
        async for event in stream:
            assert_type(event, AgentEvent)
    flow = client.workflows.factory("w", ResearchInput)
    assert_type(flow, AsyncWorkflowFactoryHandle[ResearchInput])
    assert_type(await flow.run("hi", factory_input=ResearchInput()), WorkflowRunOutput)
    assert_type(client.with_options(token=lambda: "fresh"), AsyncClient)

    async def token() -> str:
        return "from-a-vault"

    assert_type(AsyncClient("http://x", token=token), AsyncClient)


class MyClient(Client):
    """An application's own client class: copies keep it."""


def configuration_and_copies() -> None:
    assert_type(Client(), Client)
    assert_type(AsyncClient(), AsyncClient)
    mine = MyClient(total_timeout=30.0, max_response_bytes=4 * 1024 * 1024)
    assert_type(mine.with_options(timeout=5.0), MyClient)
    assert_type(mine.copy(max_retries=0, total_timeout=None), MyClient)
    assert_type(mine.total_timeout, float | None)
    assert_type(mine.max_response_bytes, int)


def per_call_options_and_raw_responses(client: Client) -> None:
    output = client.agents.run(
        "a",
        "hi",
        timeout=httpx.Timeout(5.0, read=60.0),
        total_timeout=120.0,
        extra_headers={"X-Tenant": "acme"},
        extra_query={"trace": "1"},
    )
    assert_type(output, AgentRunOutput)
    raw = client.with_raw_response.agents.run("a", "hi", extra_headers={"X-Tenant": "acme"})
    assert_type(raw, APIResponse[AgentRunOutput])
    assert_type(raw.parse(), AgentRunOutput)
    assert_type(raw.status_code, int)
    assert_type(raw.headers, httpx.Headers)
    assert_type(raw.request_id, str | None)
    assert_type(raw.http_response, httpx.Response)
    assert_type(client.with_raw_response.teams.get("t").parse(), TeamInfo)
    runs = client.with_raw_response.workflows.list_runs("w", session_id="s")
    assert_type(runs.parse(), list[WorkflowRunSummary])
    assert_type(client.with_raw_response.agents.cancel("a", "r").parse(), None)
    try:
        client.agents.list()
    except APIStatusError as exc:
        assert_type(exc.request_id, str | None)
        assert_type(exc.attempts, int)


async def async_raw_responses(client: AsyncClient) -> None:
    raw = await client.with_raw_response.workflows.run("w", "hi", total_timeout=60.0)
    assert_type(raw, APIResponse[WorkflowRunOutput])
    assert_type(raw.parse(), WorkflowRunOutput)


def stream_ergonomics(client: Client) -> None:
    with client.agents.stream("a", "hi", max_events=1000, total_timeout=300.0) as stream:
        assert_type(stream, AgentRunStream)
        for text in stream.text_stream:
            assert_type(text, str)
        assert_type(stream.get_final_output(), AgentRunOutput)
        assert_type(stream.request_id, str | None)
        assert_type(stream.response, httpx.Response | None)
    with client.teams.stream("t", "hi") as team:
        for event in team:
            if isinstance(event, TeamRunContent):
                assert_type(event.content, JsonValue)
        assert_type(team.get_final_output(), _TeamRunOutput)
    flow = client.workflows.stream("w", "hi")
    assert_type(flow, WorkflowRunStream)
    for step in flow:
        if isinstance(step, StepOutput):
            assert_type(step.step_name, str | None)
    assert_type(flow.get_final_output(), WorkflowRunOutput)
    research = client.agents.factory("research-agent", ResearchInput)
    assert_type(research.run("hi"), AgentRunOutput)  # every field of ResearchInput has a default
    with client.workflows.websocket("w") as ws:
        run = ws.start("go", max_events=100, total_timeout=60.0)
        assert_type(run.get_final_output(), WorkflowRunOutput)
        for piece in run.text_stream:
            assert_type(piece, str)


async def async_stream_ergonomics(client: AsyncClient) -> None:
    async with client.agents.stream("a", "hi") as stream:
        assert_type(stream, AsyncAgentRunStream)
        async for text in stream.text_stream:
            assert_type(text, str)
        assert_type(await stream.get_final_output(), AgentRunOutput)
    assert_type(await client.workflows.stream("w", "hi"), AsyncWorkflowRunStream)
    flow = client.workflows.stream("w", "hi")
    async for event in flow:
        assert_type(event, WorkflowEvent)
    assert_type(await flow.get_final_output(), WorkflowRunOutput)
