"""Every endpoint method, on both clients: what goes on the wire, and what comes back typed."""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from pydantic import BaseModel

from agentos_factories import (
    AgentInfo,
    AgentRunOutput,
    AsyncClient,
    Client,
    FactoryInputError,
    TeamRunOutput,
    WorkflowInfo,
    WorkflowRunOutput,
    WorkflowRunSummary,
)

from .conftest import invoke
from .payloads import (
    AGENT_FACTORY_INFO,
    PAUSED_TOOL,
    PROTOTYPE_INFO,
    STEP_REQUIREMENT,
    WORKFLOW_RUN_SUMMARY,
    agent_output,
    paused_agent_output,
    paused_workflow_output,
    team_output,
    workflow_output,
)

Kind = Literal["agents", "teams", "workflows"]


class ResearchInput(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


def form_of(request: httpx.Request) -> dict[str, list[str]]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return parse_qs(request.content.decode(), keep_blank_values=True)


def resource(client: Client | AsyncClient, kind: Kind) -> Any:
    return getattr(client, kind)


OUTPUTS: dict[Kind, tuple[Any, type[BaseModel]]] = {
    "agents": (agent_output(), AgentRunOutput),
    "teams": (team_output(), TeamRunOutput),
    "workflows": (workflow_output(), WorkflowRunOutput),
}


@pytest.mark.parametrize("kind", ["agents", "teams", "workflows"])
async def test_list_and_get_expose_is_factory_and_the_schema(
    client: Client | AsyncClient, mock: respx.MockRouter, kind: Kind
) -> None:
    mock.get(f"/{kind}").respond(json=[AGENT_FACTORY_INFO, PROTOTYPE_INFO])
    mock.get(f"/{kind}/research-agent").respond(json=AGENT_FACTORY_INFO)
    listed = await invoke(resource(client, kind).list)
    assert [info.id for info in listed] == ["research-agent", "proto-agent"]
    assert [info.is_factory for info in listed] == [True, False]
    assert listed[0].factory_input_schema == AGENT_FACTORY_INFO["factory_input_schema"]
    assert listed[1].factory_input_schema is None
    assert listed[1].model_extra == {"model": {"name": "EchoModel"}, "tools": None}
    one = await invoke(resource(client, kind).get, "research-agent")
    assert one.is_factory
    assert one.factory_input_schema["title"] == "ResearchInput"
    assert (
        type(one).__name__ == {"agents": "AgentInfo", "teams": "TeamInfo", "workflows": "WorkflowInfo"}[kind]
    )


@pytest.mark.parametrize("kind", ["agents", "teams", "workflows"])
@pytest.mark.parametrize(
    ("factory_input", "sent"),
    [
        (None, None),
        ({"persona": "skeptic", "depth": 5}, {"persona": "skeptic", "depth": 5}),
        (ResearchInput(persona="advisor"), {"persona": "advisor", "depth": 3}),
        ({}, {}),
    ],
)
async def test_run_sends_the_form_the_spec_names(
    client: Client | AsyncClient, mock: respx.MockRouter, kind: Kind, factory_input: Any, sent: Any
) -> None:
    body, model = OUTPUTS[kind]
    route = mock.post(f"/{kind}/research-agent/runs").respond(json=body)
    output = await invoke(
        resource(client, kind).run, "research-agent", "Hello?", factory_input=factory_input, user_id="u-1"
    )
    assert output.run_id == body["run_id"]
    assert output.status == "COMPLETED"
    assert isinstance(output, model)
    request = route.calls.last.request
    fields = form_of(request)
    assert fields["message"] == ["Hello?"]
    assert fields["stream"] == ["false"]
    assert fields["user_id"] == ["u-1"]
    assert "session_id" not in fields
    assert request.headers["authorization"] == "Bearer tok"
    if sent is None:
        assert "factory_input" not in fields
    else:
        assert json.loads(fields["factory_input"][0]) == sent
    assert "factory_input" not in request.url.params


async def test_run_output_keeps_fields_a_newer_server_adds(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").respond(json=agent_output())
    output = await invoke(client.agents.run, "a", "hi")
    assert output.model_extra["some_future_field"] == {"kept": True}
    assert output.agent_id == "research-agent"
    assert output.created_at == 1757348314


async def test_ids_are_percent_encoded_in_the_path(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    route = mock.post("/agents/a%2Fb%20c/runs").respond(json=agent_output())
    await invoke(client.agents.run, "a/b c", "hi")
    assert route.called


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ([1, 2], "not list"),
        ("{}", "not str"),
        ({"a": float("nan")}, "NaN"),
        ({"a": {1: "x"}}, "non-string key"),
        ({"a": object()}, "JSON cannot hold"),
    ],
)
async def test_bad_factory_input_is_a_typed_error_and_sends_nothing(
    client: Client | AsyncClient, mock: respx.MockRouter, bad: Any, fragment: str
) -> None:
    route = mock.post("/agents/a/runs").respond(json=agent_output())
    with pytest.raises(FactoryInputError, match=fragment):
        await invoke(client.agents.run, "a", "hi", factory_input=bad)
    assert not route.called


async def test_empty_ids_and_non_string_messages_are_refused(client: Client | AsyncClient) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        await invoke(client.agents.run, "", "hi")
    with pytest.raises(TypeError, match="message"):
        await invoke(client.agents.run, "a", 5)


async def test_agent_continue_sends_the_paused_tools_back_confirmed(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").respond(json=paused_agent_output())
    route = mock.post("/agents/a/runs/run-1/continue").respond(json=agent_output())
    paused = await invoke(client.agents.run, "a", "hi")
    assert paused.is_paused
    assert paused.tools
    assert paused.requirements
    assert paused.requirements[0].tool_execution is not None
    output = await invoke(
        client.agents.continue_run,
        "a",
        paused.run_id,
        session_id=paused.session_id,
        tools=[tool.confirm() for tool in paused.tools],
    )
    assert output.status == "COMPLETED"
    fields = form_of(route.calls.last.request)
    assert fields["session_id"] == ["sess-1"]
    assert fields["stream"] == ["false"]
    assert "factory_input" not in fields
    # Exactly what the server paused with (unknown fields included), plus the decision.
    assert json.loads(fields["tools"][0]) == [{**PAUSED_TOOL, "confirmed": True}]
    assert paused.tools[0].confirmed is None  # confirm() copies


async def test_team_continue_sends_requirements(client: Client | AsyncClient, mock: respx.MockRouter) -> None:
    paused = team_output(
        status="PAUSED", requirements=[{"id": "req-1", "tool_execution": PAUSED_TOOL, "member_agent_id": "m"}]
    )
    mock.post("/teams/t/runs").respond(json=paused)
    route = mock.post("/teams/t/runs/run-1/continue").respond(json=team_output())
    run = await invoke(client.teams.run, "t", "hi")
    assert run.requirements is not None
    await invoke(
        client.teams.continue_run,
        "t",
        run.run_id,
        session_id="sess-1",
        user_id="u",
        requirements=[r.confirm() for r in run.requirements],
    )
    fields = form_of(route.calls.last.request)
    [sent] = json.loads(fields["requirements"][0])
    assert sent["tool_execution"]["confirmed"] is True
    assert sent["confirmation"] is True
    assert sent["member_agent_id"] == "m"
    assert fields["user_id"] == ["u"]
    assert "factory_input" not in fields


async def test_workflow_continue_sends_step_requirements_and_factory_input(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/workflows/wf/runs").respond(json=paused_workflow_output())
    route = mock.post("/workflows/wf/runs/wrun-1/continue").respond(json=workflow_output())
    paused = await invoke(client.workflows.run, "wf", "hi", factory_input={"phase": "start"})
    assert paused.is_paused
    assert paused.paused_step_name == "confirm"
    assert paused.step_requirements
    output = await invoke(
        client.workflows.continue_run,
        "wf",
        paused.run_id,
        session_id="sess-1",
        step_requirements=[r.confirm() for r in paused.step_requirements],
        factory_input={"phase": "continue"},
    )
    assert isinstance(output, WorkflowRunOutput)
    fields = form_of(route.calls.last.request)
    assert json.loads(fields["factory_input"][0]) == {"phase": "continue"}
    assert json.loads(fields["step_requirements"][0]) == [{**STEP_REQUIREMENT, "confirmed": True}]


async def test_continue_takes_plain_mappings_too(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    route = mock.post("/agents/a/runs/r/continue").respond(json=agent_output())
    await invoke(
        client.agents.continue_run, "a", "r", session_id="s", tools=[{"tool_call_id": "c", "confirmed": True}]
    )
    assert json.loads(form_of(route.calls.last.request)["tools"][0]) == [
        {"tool_call_id": "c", "confirmed": True}
    ]
    with pytest.raises(TypeError, match="sequence"):
        await invoke(client.agents.continue_run, "a", "r", session_id="s", tools="nope")


@pytest.mark.parametrize("kind", ["agents", "teams", "workflows"])
async def test_cancel_records_intent_without_factory_input(
    client: Client | AsyncClient, mock: respx.MockRouter, kind: Kind
) -> None:
    route = mock.post(f"/{kind}/c/runs/r/cancel").respond(json={})
    assert await invoke(resource(client, kind).cancel, "c", "r", session_id="s") is None
    request = route.calls.last.request
    assert request.url.params["session_id"] == "s"
    assert request.content == b""
    await invoke(resource(client, kind).cancel, "c", "r")
    assert "session_id" not in route.calls.last.request.url.params


async def test_cancel_with_a_non_object_body_is_malformed(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    from agentos_factories import APIResponseValidationError

    mock.post("/agents/c/runs/r/cancel").respond(json=["not", "an", "object"])
    with pytest.raises(APIResponseValidationError):
        await invoke(client.agents.cancel, "c", "r")


async def test_get_run_sends_factory_input_as_a_query_parameter(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    route = mock.get("/workflows/wf/runs/wrun-1").respond(json=paused_workflow_output())
    output = await invoke(
        client.workflows.get_run, "wf", "wrun-1", session_id="sess-1", factory_input=ResearchInput(depth=1)
    )
    assert output.is_paused
    assert output.step_requirements
    assert output.step_requirements[0].step_id == "step-1"
    params = route.calls.last.request.url.params
    assert params["session_id"] == "sess-1"
    assert json.loads(params["factory_input"]) == {"persona": "analyst", "depth": 1}


async def test_list_runs_sends_factory_input_and_status_as_query(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    route = mock.get("/workflows/wf/runs").respond(json=[WORKFLOW_RUN_SUMMARY])
    runs = await invoke(
        client.workflows.list_runs,
        "wf",
        session_id="sess-1",
        status="COMPLETED",
        factory_input={"tenant": "a"},
    )
    [summary] = runs
    assert isinstance(summary, WorkflowRunSummary)
    assert summary.status == "COMPLETED"
    assert summary.user_id is None
    assert summary.content_type is None
    assert summary.created_at is not None
    assert summary.created_at.year == 2026
    params = route.calls.last.request.url.params
    assert params["status"] == "COMPLETED"
    assert json.loads(params["factory_input"]) == {"tenant": "a"}
    with pytest.raises(ValueError, match="session_id"):
        await invoke(client.workflows.list_runs, "wf", session_id="")


async def test_discovery_types_are_per_kind(client: Client | AsyncClient, mock: respx.MockRouter) -> None:
    mock.get("/agents/x").respond(json={"id": "x"})
    mock.get("/workflows/x").respond(json={"id": "x", "workflow_agent": False})
    assert isinstance(await invoke(client.agents.get, "x"), AgentInfo)
    info = await invoke(client.workflows.get, "x")
    assert isinstance(info, WorkflowInfo)
    assert info.is_factory is False
