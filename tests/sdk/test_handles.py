"""Typed factory handles: they send the model as factory_input, and refuse others at runtime too."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
import respx
from pydantic import BaseModel

from agentos_factories import AsyncClient, Client, FactoryInputError

from .conftest import collect, invoke
from .payloads import (
    AGENT_EVENTS,
    AGENT_FACTORY_INFO,
    WORKFLOW_RUN_SUMMARY,
    agent_output,
    sse,
    team_output,
    workflow_output,
)


class ResearchInput(BaseModel):
    persona: str = "analyst"
    depth: int = 3


class OtherInput(BaseModel):
    tenant: str = "t"


def sent_form(route: respx.Route) -> dict[str, list[str]]:
    return parse_qs(route.calls.last.request.content.decode())


async def test_agent_handle_runs_streams_continues_cancels(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    handle = client.agents.factory("research-agent", ResearchInput)
    assert handle.agent_id == "research-agent"
    assert handle.input_model is ResearchInput
    run = mock.post("/agents/research-agent/runs").respond(json=agent_output())
    await invoke(handle.run, "hi", factory_input=ResearchInput(depth=9), session_id="s")
    assert json.loads(sent_form(run)["factory_input"][0]) == {"persona": "analyst", "depth": 9}
    run.respond(headers={"content-type": "text/event-stream"}, content=sse(*AGENT_EVENTS))
    assert len(await collect(await invoke(handle.stream, "hi", factory_input=ResearchInput()))) == len(
        AGENT_EVENTS
    )
    cont = mock.post("/agents/research-agent/runs/r/continue").respond(json=agent_output())
    await invoke(handle.continue_run, "r", session_id="s")
    assert "factory_input" not in sent_form(cont)
    cancel = mock.post("/agents/research-agent/runs/r/cancel").respond(json={})
    await invoke(handle.cancel, "r")
    assert cancel.called
    mock.get("/agents/research-agent").respond(json=AGENT_FACTORY_INFO)
    assert (await invoke(handle.info)).is_factory


async def test_team_and_workflow_handles(client: Client | AsyncClient, mock: respx.MockRouter) -> None:
    team = client.teams.factory("t", ResearchInput)
    mock.post("/teams/t/runs").respond(json=team_output())
    assert (await invoke(team.run, "hi", factory_input=ResearchInput())).team_id == "research-team"
    flow = client.workflows.factory("w", ResearchInput)
    cont = mock.post("/workflows/w/runs/r/continue").respond(json=workflow_output())
    await invoke(flow.continue_run, "r", session_id="s", factory_input=ResearchInput(depth=1))
    assert json.loads(sent_form(cont)["factory_input"][0])["depth"] == 1
    listing = mock.get("/workflows/w/runs").respond(json=[WORKFLOW_RUN_SUMMARY])
    await invoke(flow.list_runs, session_id="s", factory_input=ResearchInput())
    assert "factory_input" in listing.calls.last.request.url.params
    read = mock.get("/workflows/w/runs/r").respond(json=workflow_output())
    await invoke(flow.get_run, "r", session_id="s")
    assert "factory_input" not in read.calls.last.request.url.params


@pytest.mark.parametrize("bad", [{"persona": "x"}, OtherInput(), None])
async def test_handles_refuse_other_inputs_at_runtime_before_sending(
    client: Client | AsyncClient, mock: respx.MockRouter, bad: Any
) -> None:
    route = mock.post("/agents/a/runs").respond(json=agent_output())
    handle = client.agents.factory("a", ResearchInput)
    with pytest.raises(FactoryInputError, match="ResearchInput"):
        await invoke(handle.run, "hi", factory_input=bad)
    assert not route.called


def test_a_handle_needs_a_model_class() -> None:
    with Client("http://x.test") as client, pytest.raises(TypeError, match="pydantic model class"):
        client.agents.factory("a", dict)  # type: ignore[type-var]  # testing untyped callers


class NeedsTenant(BaseModel):
    tenant: str
    depth: int = 1


async def test_factory_input_may_be_left_out_when_every_field_has_a_default(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    run = mock.post("/agents/a/runs").respond(json=agent_output())
    await invoke(client.agents.factory("a", ResearchInput).run, "hi")
    assert "factory_input" not in sent_form(run)  # the deployment validates {} with its own defaults
    listing = mock.get("/workflows/w/runs").respond(json=[WORKFLOW_RUN_SUMMARY])
    await invoke(client.workflows.factory("w", ResearchInput).list_runs, session_id="s")
    assert "factory_input" not in listing.calls.last.request.url.params


async def test_leaving_out_a_model_with_a_required_field_raises_before_sending(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    run = mock.post("/teams/t/runs").respond(json=team_output())
    cont = mock.post("/workflows/w/runs/r/continue").respond(json=workflow_output())
    with pytest.raises(FactoryInputError, match="NeedsTenant: it has required fields tenant"):
        await invoke(client.teams.factory("t", NeedsTenant).run, "hi")
    with pytest.raises(FactoryInputError, match="required fields tenant"):
        await invoke(client.workflows.factory("w", NeedsTenant).continue_run, "r", session_id="s")
    assert not run.called
    assert not cont.called
