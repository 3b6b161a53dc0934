"""stream=true: SSE in AgentOS's frame format and event names; run failures become error events."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from agentos_reference import (
    Agent,
    AgentFactory,
    ModelReply,
    ModelRequest,
    ReferenceOS,
    RequestContext,
    SqliteDb,
    Step,
    Workflow,
    WorkflowFactory,
)
from agentos_reference.http.execution import start_run
from agentos_reference.runtime.cancellation import ActiveRuns
from agentos_reference.storage import ComponentType

from .conftest import client_for, echo_of, sse_events

EXPECTED_NAMES = {
    "agent": [
        "RunStarted",
        "ModelRequestStarted",
        "RunContent",
        "ModelRequestCompleted",
        "RunContentCompleted",
        "RunCompleted",
    ],
    "team": [
        "TeamRunStarted",
        "TeamModelRequestStarted",
        "TeamRunContent",
        "TeamModelRequestCompleted",
        "TeamRunContentCompleted",
        "TeamRunCompleted",
    ],
    "workflow": ["WorkflowStarted", "StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"],
}


@pytest.mark.parametrize("stream", ["true", None])
@pytest.mark.parametrize("kind", ["agent", "team", "workflow"])
async def test_stream_answers_sse_frames_with_agentos_event_names(
    client: httpx.AsyncClient, db: SqliteDb, kind: ComponentType, stream: str | None
) -> None:
    data = {"message": "line one\nline two", "session_id": "sse-s", "user_id": "sse-u"}
    if stream is not None:
        data["stream"] = stream
    response = await client.post(f"/{kind}s/probe-{kind}-echo/runs", data=data)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = sse_events(response.text)
    assert [name for name, _ in events] == EXPECTED_NAMES[kind]
    run_ids = {payload["run_id"] for _, payload in events}
    assert len(run_ids) == 1
    assert all(payload["session_id"] == "sse-s" for _, payload in events)
    assert all("user_id" not in payload for _, payload in events), "AgentOS events carry no user_id"
    completed = events[-1][1]
    assert echo_of(completed)["message"] == "line one\nline two"
    record = await db.get_run(kind, f"probe-{kind}-echo", run_ids.pop())
    assert record is not None
    assert record.status == "COMPLETED"
    assert record.output["content"] == completed["content"]


async def test_run_started_carries_agentos_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/agents/probe-agent-echo/runs", data={"message": "m"})
    name, started = sse_events(response.text)[0]
    assert name == "RunStarted"
    assert {
        "agent_id",
        "agent_name",
        "created_at",
        "event",
        "model",
        "model_provider",
        "nested_depth",
        "run_id",
        "session_id",
    } <= set(started)
    content = sse_events(response.text)[2][1]
    assert {"content", "content_type", "reasoning_content", "workflow_agent"} <= set(content)


def _step_agent(ctx: RequestContext) -> Workflow:
    return Workflow(
        steps=[
            Step(name="draft", executor=lambda step_input: f"draft of {step_input.input}"),
            Step(name="review", agent=Agent(name="reviewer", instructions="Review the draft.")),
        ]
    )


async def test_an_agent_step_streams_its_own_events_inside_the_workflow(db: SqliteDb) -> None:
    app = ReferenceOS(workflows=[WorkflowFactory(id="wf", db=db, factory=_step_agent)]).get_app()
    async with client_for(app) as client:
        response = await client.post("/workflows/wf/runs", data={"message": "the plan"})
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names[:5] == ["WorkflowStarted", "StepStarted", "StepOutput", "StepCompleted", "StepStarted"]
    assert "StepOutput" not in names[5:], "an agent step reports through its own run events"
    assert "RunCompleted" in names
    assert names[-1] == "WorkflowCompleted"
    workflow_run_id = events[0][1]["run_id"]
    nested = next(payload for name, payload in events if name == "RunStarted")
    assert nested["workflow_id"] == "wf"
    assert nested["workflow_run_id"] == workflow_run_id
    assert (nested["step_name"], nested["step_index"]) == ("review", 1)
    final = events[-1][1]
    assert "You said: draft of the plan" in final["content"], "each step's content feeds the next"
    assert [result["step_name"] for result in final["step_results"]] == ["draft", "review"]


class FailingModel:
    id = "failing"
    provider = "tests"

    async def respond(self, request: ModelRequest) -> ModelReply:
        raise RuntimeError("model-secret-5521")


def _failing_app(db: SqliteDb) -> FastAPI:
    return ReferenceOS(
        agents=[AgentFactory(id="failing", db=db, factory=lambda ctx: Agent(model=FailingModel()))]
    ).get_app()


async def test_a_model_failure_mid_stream_is_a_run_error_event_and_an_error_run(db: SqliteDb) -> None:
    async with client_for(_failing_app(db)) as client:
        response = await client.post("/agents/failing/runs", data={"message": "m", "session_id": "f"})
    events = sse_events(response.text)
    assert [name for name, _ in events] == ["RunStarted", "ModelRequestStarted", "RunError"]
    assert "model-secret-5521" not in response.text
    record = await db.get_run("agent", "failing", events[0][1]["run_id"])
    assert record is not None
    assert record.status == "ERROR"


async def test_a_model_failure_without_streaming_is_a_generic_500(db: SqliteDb) -> None:
    async with client_for(_failing_app(db)) as client:
        response = await client.post("/agents/failing/runs", data={"message": "m", "stream": "false"})
    assert (response.status_code, response.json()) == (500, {"detail": "Agent run failed"})


async def test_a_consumer_that_stops_listening_cancels_the_run(db: SqliteDb, tmp_path: Path) -> None:
    active = ActiveRuns()
    agent = Agent(id="a", db=db)
    execution = await start_run(
        "agent", agent, fallback_db=db, message="m", session_id="s", user_id=None, owner=None, active=active
    )
    events = execution.events()
    first = await events.__anext__()
    assert first.name == "RunStarted"
    await events.aclose()
    record = await db.get_run("agent", "a", execution.run_id)
    assert record is not None
    assert record.status == "CANCELLED"
    assert not active.is_active(execution.run_id)


async def test_the_data_line_is_one_line_json_whatever_the_content(client: httpx.AsyncClient) -> None:
    message = 'quotes " and \\ backslashes\r\n\u2028 and emoji \U0001f600'
    response = await client.post("/agents/probe-agent-echo/runs", data={"message": message})
    completed = sse_events(response.text)[-1][1]
    assert json.loads(completed["content"])["message"] == message
