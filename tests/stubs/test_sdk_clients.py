"""The stub through both SDK clients: runs, typed factory handles, SSE streams, continue, cancel,
discovery and run reads, and the status table's typed errors for the contract's refusals."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import agentos_factories as sdk
from agentos_stubs import FactoryPermissionError, StubContext, StubDeployment, VerifiedIdentity

from .conftest import DefaultsInput, RequiredInput, declare_standard


async def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a sync or async client method and return its result."""
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    elif isinstance(result, sdk.RunStream):
        result.__enter__()  # a sync stream is sent on entering, as `await` sends an async one
    return result


async def events_of(stream: Any) -> list[Any]:
    if hasattr(stream, "__aiter__"):
        return [event async for event in stream]
    return list(stream)


def scope_guard(ctx: StubContext[Any], message: str) -> str:
    if "agents:run" not in ctx.trusted.scopes:
        raise FactoryPermissionError("Missing 'agents:run' scope")
    return f"allowed {ctx.user_id}"


@pytest.fixture
def stub() -> StubDeployment:
    deployment = declare_standard(StubDeployment(identity=VerifiedIdentity(user_id="jwt-user")))
    deployment.agent_factory("guarded", reply=scope_guard)
    return deployment


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, stub: StubDeployment
) -> AsyncIterator[sdk.Client | sdk.AsyncClient]:
    """Each test runs with ``Client`` and with ``AsyncClient``, both on the in-process transport."""
    if request.param == "sync":
        with stub.client() as sync_client:
            yield sync_client
    else:
        async with stub.async_client() as async_client:
            yield async_client


def reported(content: object) -> dict[str, Any]:
    assert isinstance(content, str)
    document = json.loads(content)
    assert isinstance(document, dict)
    return document


async def test_agent_run_with_identity_and_factory_input(client: sdk.Client | sdk.AsyncClient) -> None:
    output = await call(
        client.agents.run, "agent-required", "hello", factory_input={"tenant": "acme"}, user_id="form-user"
    )
    assert isinstance(output, sdk.AgentRunOutput)
    assert (output.agent_id, output.status, output.user_id) == ("agent-required", "COMPLETED", "jwt-user")
    ctx = reported(output.content)
    assert (ctx["input"], ctx["input_type"], ctx["user_id"]) == (
        {"tenant": "acme", "depth": 1},
        "RequiredInput",
        "jwt-user",
    )


async def test_a_typed_factory_handle_sends_the_model(client: sdk.Client | sdk.AsyncClient) -> None:
    handle = client.teams.factory("team-defaults", DefaultsInput)
    output = await call(handle.run, "hi", factory_input=DefaultsInput(persona="skeptic", depth=5))
    assert isinstance(output, sdk.TeamRunOutput)
    assert reported(output.content)["input"] == {"persona": "skeptic", "depth": 5}


@pytest.mark.parametrize(
    ("component", "factory_input", "error", "detail"),
    [
        ("agent-required", {}, sdk.FactoryValidationError, "factory_input validation failed"),
        ("guarded", None, sdk.FactoryPermissionError, "Missing 'agents:run' scope"),
        ("nope", None, sdk.NotFoundError, "Agent not found"),
    ],
)
async def test_refusals_are_the_status_tables_classes(
    client: sdk.Client | sdk.AsyncClient,
    stub: StubDeployment,
    component: str,
    factory_input: dict[str, Any] | None,
    error: type[sdk.APIStatusError],
    detail: str,
) -> None:
    with pytest.raises(error) as raised:
        await call(client.agents.run, component, "m", factory_input=factory_input)
    assert isinstance(raised.value.detail, str)
    assert raised.value.detail.startswith(detail)
    # 400 and 404 come before the factory; the 403 is the factory's own answer.
    assert len(stub.invocations) == (1 if error is sdk.FactoryPermissionError else 0)


async def test_a_crashing_factory_is_a_factory_error(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment
) -> None:
    stub.identity = VerifiedIdentity(user_id="u", scopes={"agents:run"})
    assert (await call(client.agents.run, "guarded", "m")).content == "allowed u"
    stub.agent_factory("crash", reply=lambda ctx, message: str(1 / 0))
    with pytest.raises(sdk.FactoryError) as raised:
        await call(client.agents.run, "crash", "m")
    assert raised.value.detail == "Agent factory error"  # the spec profile never leaks str(exc)
    assert raised.value.status_code == 500


@pytest.mark.parametrize("kind", ["agents", "teams"])
async def test_streams_yield_typed_events_until_completion(
    client: sdk.Client | sdk.AsyncClient, kind: str
) -> None:
    resource = getattr(client, kind)
    stream = await call(resource.stream, f"{kind[:-1]}-plain", "stream me please", session_id="s-1")
    events = await events_of(stream)
    completed = sdk.RunCompleted if kind == "agents" else sdk.TeamRunCompleted
    assert type(events[0]).__name__ == ("RunStarted" if kind == "agents" else "TeamRunStarted")
    assert isinstance(events[-1], completed)
    assert stream.completion is events[-1]
    contents = [event.content for event in events if type(event).__name__.endswith("RunContent")]
    assert "".join(contents) == events[-1].content
    assert reported(events[-1].content)["session_id"] == "s-1"
    assert {event.session_id for event in events} == {"s-1"}


async def test_a_workflow_stream_completes(client: sdk.Client | sdk.AsyncClient) -> None:
    stream = await call(client.workflows.stream, "workflow-plain", "go", factory_input={"k": "v"})
    events = await events_of(stream)
    assert [type(event).__name__ for event in events] == [
        "WorkflowStarted",
        "StepStarted",
        "StepOutput",
        "StepCompleted",
        "WorkflowCompleted",
    ]
    assert reported(events[-1].content)["input"] == {"k": "v"}


async def test_agent_pause_and_continue(client: sdk.Client | sdk.AsyncClient, stub: StubDeployment) -> None:
    paused = await call(client.agents.run, "agent-pause", "buy it", session_id="s-2")
    assert paused.is_paused
    assert paused.tools is not None
    tools = [tool.confirm() for tool in paused.tools]
    done = await call(client.agents.continue_run, "agent-pause", paused.run_id, session_id="s-2", tools=tools)
    assert (done.status, done.run_id) == ("COMPLETED", paused.run_id)
    assert reported(done.content)["path"].endswith(f"/runs/{paused.run_id}/continue")
    sent = json.loads(stub.last_request.form["tools"])
    assert sent[0]["confirmed"] is True


async def test_team_continue_stream(client: sdk.Client | sdk.AsyncClient) -> None:
    stream = await call(client.teams.stream, "team-pause", "approve?", session_id="s-3")
    events = await events_of(stream)
    paused = events[-1]
    assert isinstance(paused, sdk.TeamRunPaused)
    assert paused.requirements is not None
    requirements = [requirement.confirm() for requirement in paused.requirements]
    assert paused.run_id is not None
    continued = await call(
        client.teams.continue_stream, "team-pause", paused.run_id, session_id="s-3", requirements=requirements
    )
    names = [event.event for event in await events_of(continued)]
    assert names[0] == "TeamRunContinued"
    assert names[-1] == "TeamRunCompleted"


async def test_workflow_pause_and_continue_stream(client: sdk.Client | sdk.AsyncClient) -> None:
    events = await events_of(await call(client.workflows.stream, "workflow-pause", "step?", session_id="s-4"))
    paused = next(event for event in events if isinstance(event, sdk.WorkflowPaused))
    assert paused.step_requirements is not None
    decisions = [requirement.confirm() for requirement in paused.step_requirements]
    assert paused.run_id is not None
    continued = await events_of(
        await call(
            client.workflows.continue_stream,
            "workflow-pause",
            paused.run_id,
            session_id="s-4",
            step_requirements=decisions,
            factory_input={"phase": "continue"},
        )
    )
    assert isinstance(continued[-1], sdk.WorkflowCompleted)
    assert reported(continued[-1].content)["input"] == {"phase": "continue"}


async def test_continue_refusals(client: sdk.Client | sdk.AsyncClient) -> None:
    with pytest.raises(sdk.NotFoundError, match="No runs found for run ID r-1"):
        await call(client.agents.continue_run, "agent-pause", "r-1", session_id="s")
    events = await events_of(await call(client.workflows.stream, "workflow-pause", "m", session_id="s"))
    paused = next(event for event in events if isinstance(event, sdk.WorkflowPaused))
    assert paused.run_id is not None
    with pytest.raises(sdk.FactoryValidationError, match="unresolved step requirements"):
        await call(client.workflows.continue_stream, "workflow-pause", paused.run_id, session_id="s")
    assert paused.step_requirements is not None
    decisions = [requirement.reject() for requirement in paused.step_requirements]
    rejected = await events_of(
        await call(
            client.workflows.continue_stream,
            "workflow-pause",
            paused.run_id,
            session_id="s",
            step_requirements=decisions,
        )
    )
    assert rejected[-1].content == "No steps executed"
    with pytest.raises(sdk.ConflictError, match="run is already completed"):
        await call(
            client.workflows.continue_stream,
            "workflow-pause",
            paused.run_id,
            session_id="s",
            step_requirements=decisions,
        )


@pytest.mark.parametrize("kind", ["agents", "teams", "workflows"])
async def test_cancel(client: sdk.Client | sdk.AsyncClient, stub: StubDeployment, kind: str) -> None:
    resource = getattr(client, kind)
    assert await call(resource.cancel, f"{kind[:-1]}-plain", "any-run", session_id="s") is None
    assert stub.last_request.endpoint == "cancel"
    assert stub.last_request.query == {"session_id": "s"}
    assert stub.invocations == []
    with pytest.raises(sdk.NotFoundError):
        await call(resource.cancel, "missing", "any-run")


async def test_discovery(client: sdk.Client | sdk.AsyncClient) -> None:
    agents = await call(client.agents.list)
    assert {agent.id for agent in agents} >= {"agent-plain", "agent-required", "guarded", "proto"}
    info = await call(client.workflows.get, "workflow-required")
    assert isinstance(info, sdk.WorkflowInfo)
    assert info.is_factory
    assert info.factory_input_schema == RequiredInput.model_json_schema()
    proto = await call(client.agents.get, "proto")
    assert not proto.is_factory


async def test_workflow_run_listing(client: sdk.Client | sdk.AsyncClient) -> None:
    events = await events_of(await call(client.workflows.stream, "workflow-plain", "one", session_id="s-5"))
    summaries = await call(client.workflows.list_runs, "workflow-plain", session_id="s-5")
    assert [summary.run_id for summary in summaries] == [events[-1].run_id]
    assert summaries[0].run_input == "one"
    assert summaries[0].user_id == "jwt-user"


async def test_workflow_run_output(client: sdk.Client | sdk.AsyncClient) -> None:
    output = await call(client.workflows.run, "workflow-plain", "go", factory_input={"k": 1})
    assert isinstance(output, sdk.WorkflowRunOutput)
    assert (output.workflow_id, output.status, output.user_id) == ("workflow-plain", "COMPLETED", "jwt-user")
    assert reported(output.content)["input"] == {"k": 1}
    assert output.step_results is not None


async def test_workflow_run_read(client: sdk.Client | sdk.AsyncClient) -> None:
    events = await events_of(await call(client.workflows.stream, "workflow-plain", "go", session_id="s-6"))
    run_id = events[-1].run_id
    output = await call(client.workflows.get_run, "workflow-plain", run_id, session_id="s-6")
    assert (output.run_id, output.status) == (run_id, "COMPLETED")
    assert output.content == events[-1].content


def test_an_application_client_reaches_the_stub_through_respx(stub: StubDeployment) -> None:
    # Application code builds its own client; deployment.mock() patches httpx underneath it.
    with stub.mock(), sdk.Client(stub.base_url, token="app-token", max_retries=0) as client:
        output = client.agents.run("agent-plain", "from the app")
    assert reported(output.content)["message"] == "from the app"
    assert stub.last_request.bearer_token == "app-token"
    assert stub.last_request.headers["user-agent"].startswith("agentos-factories/")


async def test_an_async_application_client_reaches_the_stub_through_respx(stub: StubDeployment) -> None:
    with stub:
        async with sdk.AsyncClient(stub.base_url, max_retries=0) as client:
            stream = await client.agents.stream("agent-plain", "async app")
            events = [event async for event in stream]
    assert isinstance(events[-1], sdk.RunCompleted)
    assert reported(events[-1].content)["message"] == "async app"


def test_a_websocket_handshake_is_refused_with_a_clear_error(stub: StubDeployment) -> None:
    with stub.client() as client, pytest.raises(sdk.NotFoundError, match="serves HTTP only"):
        client.workflows.websocket("workflow-plain", route="spec")
    assert stub.last_request.status_code == 404


def test_install_adds_the_stub_to_an_existing_respx_router(respx_mock: Any) -> None:
    first = StubDeployment("http://first.test").agent_factory("a", reply=lambda ctx, message: "first")
    second = StubDeployment("http://second.test:8080").agent_factory("a", reply=lambda ctx, message: "second")
    first.install(respx_mock)
    second.install(respx_mock)
    respx_mock.get("http://elsewhere.test/ping").respond(204)
    with sdk.Client(first.base_url, max_retries=0) as one, sdk.Client(second.base_url, max_retries=0) as two:
        assert (one.agents.run("a", "m").content, two.agents.run("a", "m").content) == ("first", "second")
    assert (len(first.requests), len(second.requests)) == (1, 1)
    assert httpx.get("http://elsewhere.test/ping").status_code == 204
