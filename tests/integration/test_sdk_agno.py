"""Every SDK method against a real agno 3.1.10 AgentOS (the agno branch's harness, with the
probe factories of docs/probe-protocol.md), in JWT mode and without auth."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from agentos_contract.probes import (
    CRASH_SECRET,
    KINDS,
    RUN_SCOPES,
    Kind,
    ProbeDefaultsInput,
    ProbeRequiredInput,
)
from agentos_factories import (
    AgentRunOutput,
    AsyncClient,
    AuthenticationError,
    Client,
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    InBandError,
    NotFoundError,
    RunPaused,
    TeamRunOutput,
    TeamRunPaused,
    WorkflowCompleted,
    WorkflowPaused,
    WorkflowRunOutput,
)
from tests.integration.agno_server import AgnoServer

pytestmark = [pytest.mark.agno, pytest.mark.loopback]

COLLECTION = {"agent": "agents", "team": "teams", "workflow": "workflows"}
# Typed loosely on purpose: these tests run per kind; tests/sdk/typing checks the typed surface.
OUTPUT: dict[Kind, type[Any]] = {
    "agent": AgentRunOutput,
    "team": TeamRunOutput,
    "workflow": WorkflowRunOutput,
}
PAUSED_EVENT: dict[Kind, type[Any]] = {"agent": RunPaused, "team": TeamRunPaused, "workflow": WorkflowPaused}


def echo(content: object) -> dict[str, Any]:
    assert isinstance(content, str), content
    document: dict[str, Any] = json.loads(content)
    assert document["agentos_contract_probe"] == 1
    return document


def token_for(server: AgnoServer, *scopes: str) -> str | None:
    return server.token(sub="sdk-user", scopes=scopes) if server.auth == "jwt" else None


@pytest.fixture
def client(agno_server: AgnoServer) -> Iterator[Client]:
    token = token_for(agno_server, *RUN_SCOPES.values())
    with Client(agno_server.base_url, token=token, timeout=30, max_retries=0) as sdk_client:
        yield sdk_client


def group(client: Client, kind: Kind) -> Any:
    return getattr(client, COLLECTION[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_discovery_exposes_is_factory_and_the_schema(client: Client, kind: Kind) -> None:
    listed = {info.id: info for info in group(client, kind).list()}
    assert listed[f"probe-{kind}-echo"].is_factory
    assert listed[f"probe-{kind}-echo"].factory_input_schema is None
    required = group(client, kind).get(f"probe-{kind}-required")
    assert required.is_factory
    assert required.factory_input_schema == ProbeRequiredInput.model_json_schema()
    with pytest.raises(NotFoundError):
        group(client, kind).get(f"probe-{kind}-does-not-exist")


@pytest.mark.parametrize("kind", KINDS)
def test_typed_handle_run_reaches_the_factory_as_its_model(client: Client, kind: Kind) -> None:
    handle = group(client, kind).factory(f"probe-{kind}-required", ProbeRequiredInput)
    session = f"sdk-{uuid.uuid4()}"
    output = handle.run("typed", factory_input=ProbeRequiredInput(tenant="acme"), session_id=session)
    assert isinstance(output, OUTPUT[kind])
    assert output.status == "COMPLETED"
    assert output.session_id == session
    ctx = echo(output.content)["ctx"]
    assert (ctx["input_type"], ctx["input_model"]) == ("model", "ProbeRequiredInput")
    assert ctx["input"] == {"tenant": "acme", "depth": 1}


@pytest.mark.parametrize("kind", KINDS)
def test_mapping_input_and_no_input(client: Client, kind: Kind) -> None:
    as_dict = group(client, kind).run(f"probe-{kind}-echo", "m", factory_input={"a": [1, {"b": None}]})
    assert echo(as_dict.content)["ctx"]["input"] == {"a": [1, {"b": None}]}
    omitted = group(client, kind).run(f"probe-{kind}-echo", "m")
    assert echo(omitted.content)["ctx"]["input_type"] == "none"
    defaults = group(client, kind).run(f"probe-{kind}-defaults", "m")
    assert echo(defaults.content)["ctx"]["input"] == ProbeDefaultsInput().model_dump(mode="json")


@pytest.mark.parametrize("kind", KINDS)
def test_errors_raise_the_status_classes(client: Client, agno_server: AgnoServer, kind: Kind) -> None:
    resource = group(client, kind)
    with pytest.raises(FactoryValidationError, match="validation failed"):
        resource.run(f"probe-{kind}-required", "m")
    with pytest.raises(FactoryError) as crash:
        resource.run(f"probe-{kind}-crash", "m")
    assert crash.value.status_code == 500
    assert CRASH_SECRET in str(crash.value.detail)  # agno leaks str(exc) (wire notes 10)
    with pytest.raises(NotFoundError):
        resource.run(f"probe-{kind}-nope", "m")
    unscoped = client.with_options(token=token_for(agno_server)) if agno_server.auth == "jwt" else client
    with pytest.raises(FactoryPermissionError, match="Missing"):
        getattr(unscoped, COLLECTION[kind]).run(f"probe-{kind}-scope", "m")
    with pytest.raises(FactoryPermissionError):  # a stream is sent when it is first used
        getattr(unscoped, COLLECTION[kind]).stream(f"probe-{kind}-scope", "m").until_done()


def test_a_bad_token_is_an_authentication_error(agno_server_jwt: AgnoServer) -> None:
    client = Client(agno_server_jwt.base_url, token="not-a-jwt", max_retries=0)
    with client, pytest.raises(AuthenticationError, match="Invalid token"):
        client.agents.run("probe-agent-echo", "m")


@pytest.mark.parametrize("kind", KINDS)
def test_stream_runs_to_its_completion(client: Client, kind: Kind) -> None:
    with group(client, kind).stream(f"probe-{kind}-echo", "streamed", factory_input={"s": 1}) as stream:
        events = list(stream)
    assert stream.completion is events[-1]
    document = echo(stream.completion.content)
    assert document["message"] == "streamed"
    assert document["ctx"]["input"] == {"s": 1}


def _confirmations(kind: Kind, paused: Any) -> dict[str, Any]:
    if kind == "agent":
        return {"tools": [tool.confirm() for tool in paused.tools]}
    if kind == "team":
        return {"requirements": [requirement.confirm() for requirement in paused.requirements]}
    return {"step_requirements": [requirement.confirm() for requirement in paused.step_requirements]}


@pytest.mark.parametrize("kind", KINDS)
def test_pause_then_continue_with_what_the_paused_run_returned(client: Client, kind: Kind) -> None:
    resource = group(client, kind)
    paused = resource.run(f"probe-{kind}-pause", "pause me")
    assert paused.is_paused
    assert paused.session_id
    done = resource.continue_run(
        f"probe-{kind}-pause", paused.run_id, session_id=paused.session_id, **_confirmations(kind, paused)
    )
    assert done.status == "COMPLETED"
    assert done.run_id == paused.run_id
    assert echo(done.content)["ctx"]["request"]["path"].endswith(f"/runs/{paused.run_id}/continue")


@pytest.mark.parametrize("kind", KINDS)
def test_streamed_pause_then_streamed_continue(client: Client, kind: Kind) -> None:
    resource = group(client, kind)
    stream = resource.stream(f"probe-{kind}-pause", "stream pause")
    paused = stream.until_done()
    assert isinstance(paused, PAUSED_EVENT[kind])
    assert paused.run_id is not None
    assert paused.session_id is not None
    resumed = resource.continue_stream(
        f"probe-{kind}-pause", paused.run_id, session_id=paused.session_id, **_confirmations(kind, paused)
    )
    final = resumed.until_done()
    assert echo(final.content)["message"] == "stream pause"


def test_workflow_continue_sends_factory_input(client: Client) -> None:
    handle = client.workflows.factory("probe-workflow-pause-required", ProbeRequiredInput)
    paused = handle.run("p", factory_input=ProbeRequiredInput(tenant="start"))
    assert paused.is_paused
    assert paused.step_requirements
    assert paused.session_id
    done = handle.continue_run(
        paused.run_id,
        session_id=paused.session_id,
        factory_input=ProbeRequiredInput(tenant="continue", depth=4),
        step_requirements=[r.confirm() for r in paused.step_requirements],
    )
    assert echo(done.content)["ctx"]["input"] == {"tenant": "continue", "depth": 4}


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_records_intent(client: Client, kind: Kind) -> None:
    assert group(client, kind).cancel(f"probe-{kind}-crash", "no-such-run") is None
    with pytest.raises(NotFoundError):
        group(client, kind).cancel(f"probe-{kind}-nope", "no-such-run")


def test_workflow_get_run_and_list_runs(client: Client) -> None:
    session = f"sdk-reads-{uuid.uuid4()}"
    run = client.workflows.run("probe-workflow-echo", "read me", session_id=session)
    read = client.workflows.get_run(
        "probe-workflow-echo", run.run_id, session_id=session, factory_input={"x": 1}
    )
    assert (read.run_id, read.status, read.workflow_id) == (run.run_id, "COMPLETED", "probe-workflow-echo")
    listed = client.workflows.list_runs("probe-workflow-echo", session_id=session, factory_input={"x": 1})
    assert [summary.run_id for summary in listed] == [run.run_id]
    assert listed[0].status == "COMPLETED"
    with pytest.raises(NotFoundError):
        client.workflows.list_runs("probe-workflow-echo", session_id="no-such-session")
    with pytest.raises(FactoryValidationError):  # agno runs the factory for the listing (wire notes 2.8)
        client.workflows.list_runs("probe-workflow-required", session_id=session)


def test_websocket_falls_back_to_agnos_route_and_runs_with_factory_input(client: Client) -> None:
    session = f"sdk-ws-{uuid.uuid4()}"
    with client.workflows.websocket("probe-workflow-required") as ws:
        assert ws.route == "agno"
        ws.ping()
        run = ws.start("over ws", factory_input=ProbeRequiredInput(tenant="ws"), session_id=session)
        events = list(run)
        assert isinstance(events[-1], WorkflowCompleted)
        document = echo(events[-1].content)
        assert document["ctx"]["input"] == {"tenant": "ws", "depth": 1}
        assert document["ctx"]["session_id"] == session
        # A second run on the same session; its factory failure is an in-band error without status.
        with pytest.raises(InBandError, match="Factory error"):
            list(ws.start("again"))


def test_websocket_pinned_spec_route_is_refused_by_agno(client: Client) -> None:
    with pytest.raises(FactoryPermissionError):
        client.workflows.websocket("probe-workflow-echo", route="spec")


def test_websocket_without_the_run_scope(agno_server_jwt: AgnoServer) -> None:
    client = Client(agno_server_jwt.base_url, token=agno_server_jwt.token(sub="u", scopes=()))
    with (
        client,
        client.workflows.websocket("probe-workflow-echo") as ws,
        # agno's own refusal text, without a status: its HTTP twin's class (a 403).
        pytest.raises(FactoryPermissionError, match="Insufficient permissions to run this workflow"),
    ):
        list(ws.start("no scope"))


async def test_async_client_end_to_end(agno_server: AgnoServer) -> None:
    token = token_for(agno_server, *RUN_SCOPES.values())

    async def fresh_token() -> str:
        assert token is not None
        return token  # a coroutine token source, as a vault lookup would be

    source = fresh_token if token is not None else None
    async with AsyncClient(agno_server.base_url, token=source, timeout=30, max_retries=0) as client:
        output = await client.agents.factory("probe-agent-required", ProbeRequiredInput).run(
            "async", factory_input=ProbeRequiredInput(tenant="a")
        )
        assert echo(output.content)["ctx"]["input"]["tenant"] == "a"
        stream = await client.teams.stream("probe-team-echo", "async stream")
        assert echo(getattr(await stream.until_done(), "content", None))["message"] == "async stream"
        with pytest.raises(FactoryValidationError):
            await client.workflows.run("probe-workflow-required", "m")
        async with await client.workflows.websocket("probe-workflow-echo") as ws:
            run = await ws.start("async ws", factory_input={"k": "v"})
            final = await run.until_done()
            assert isinstance(final, WorkflowCompleted)
        assert echo(final.content)["ctx"]["input"] == {"k": "v"}
