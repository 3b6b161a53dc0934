"""Fault injection: each fault reaches application code as the SDK's typed error, on both clients,
and as httpx's own exception on a plain httpx client."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import httpx
import pytest

import agentos_factories as sdk
from agentos_stubs import Profile, StubDeployment

from .conftest import BASE_URL, RequiredInput


async def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    elif isinstance(result, sdk.RunStream):
        result.__enter__()  # a sync stream is sent on entering, as `await` sends an async one
    return result


async def drain(stream: Any, into: list[Any]) -> None:
    """Collect events into ``into`` until the stream ends or raises (the caller checks which)."""
    if hasattr(stream, "__aiter__"):
        async for event in stream:
            into.append(event)
    else:
        for event in stream:
            into.append(event)


@pytest.fixture
def stub() -> StubDeployment:
    deployment = StubDeployment(BASE_URL)
    deployment.agent_factory("research-agent", reply=lambda ctx, message: f"answer to {message}")
    deployment.agent_factory("schema-agent", input_schema=RequiredInput)
    deployment.team_factory("crew", reply=lambda ctx, message: "team answer")
    deployment.workflow_factory("flow", reply=lambda ctx, message: "flow answer")
    return deployment


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, stub: StubDeployment
) -> AsyncIterator[sdk.Client | sdk.AsyncClient]:
    if request.param == "sync":
        with stub.client() as sync_client:
            yield sync_client
    else:
        async with stub.async_client() as async_client:
            yield async_client


# Without a detail of its own, an injected status answers with the HTTP reason phrase of the running
# Python, as FastAPI (so agno and the reference server) does: Python 3.13 renamed 413 and 422 after
# RFC 9110 ("Content Too Large", "Unprocessable Content"), so those are read from http.HTTPStatus.
STATUS_CASES: list[tuple[int, type[sdk.APIStatusError], str]] = [
    (400, sdk.FactoryValidationError, "Bad Request"),
    (401, sdk.AuthenticationError, "Unauthorized"),
    (403, sdk.FactoryPermissionError, "Missing 'agents:run' scope"),
    (404, sdk.NotFoundError, "Agent not found"),
    (409, sdk.ConflictError, "Conflict"),
    (413, sdk.PayloadTooLargeError, HTTPStatus(413).phrase),
    (422, sdk.UnprocessableEntityError, HTTPStatus(422).phrase),
    (429, sdk.RateLimitError, "Too Many Requests"),
    (500, sdk.FactoryError, "Agent factory error"),
    (502, sdk.ServerError, "Bad Gateway"),
    (503, sdk.ServerError, "Service Unavailable"),
]


@pytest.mark.parametrize(
    ("status", "error", "detail"),
    STATUS_CASES,
    ids=[f"{status}-{error.__name__}" for status, error, _ in STATUS_CASES],  # the same on every Python
)
async def test_fail_next_is_the_status_tables_class(
    client: sdk.Client | sdk.AsyncClient,
    stub: StubDeployment,
    status: int,
    error: type[sdk.APIStatusError],
    detail: str,
) -> None:
    stub.fail_next("research-agent", status=status)
    with pytest.raises(error) as raised:
        await call(client.agents.run, "research-agent", "q")
    assert type(raised.value) is error
    assert (raised.value.status_code, raised.value.detail) == (status, detail)
    assert stub.invocations == []  # nothing ran behind the injected answer
    assert (stub.last_request.status_code, stub.last_request.fault) == (status, "status")
    # Used up: the next call is answered normally.
    assert (await call(client.agents.run, "research-agent", "q")).content == "answer to q"


async def test_fail_next_with_detail_headers_and_times(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment
) -> None:
    stub.fail_next(
        "crew", status=503, detail={"reason": "maintenance"}, headers={"Retry-After": "0"}, times=2
    )
    for _ in range(2):
        with pytest.raises(sdk.ServerError) as raised:
            await call(client.teams.run, "crew", "q")
        assert raised.value.detail == {"reason": "maintenance"}
        assert raised.value.response is not None
        assert raised.value.response.headers["retry-after"] == "0"
    assert stub.pending_faults == []
    assert (await call(client.teams.run, "crew", "q")).content == "team answer"


async def test_a_targeted_fault_leaves_other_components_alone(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment
) -> None:
    stub.fail_next("crew", status=500)
    assert (await call(client.agents.run, "research-agent", "q")).content == "answer to q"
    assert [fault.target for fault in stub.pending_faults] == ["crew"]
    with pytest.raises(sdk.FactoryError, match="Team factory error"):
        await call(client.teams.run, "crew", "q")


async def test_an_untargeted_fault_hits_the_next_request_whatever_it_is(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment
) -> None:
    stub.fail_next(status=502)
    with pytest.raises(sdk.ServerError, match="Bad Gateway"):
        await call(client.workflows.list)
    assert len(await call(client.workflows.list)) == 1


async def test_permission_denied_is_the_factorys_403_after_validation(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment
) -> None:
    stub.permission_denied("schema-agent", detail="Missing 'reports:read' scope")
    # Invalid input is refused before the factory runs, so the fault is still pending ...
    with pytest.raises(sdk.FactoryValidationError):
        await call(client.agents.run, "schema-agent", "q", factory_input={"tenant": 1})
    assert len(stub.pending_faults) == 1
    # ... and denies the next invocation of the factory.
    with pytest.raises(sdk.FactoryPermissionError) as raised:
        await call(client.agents.run, "schema-agent", "q", factory_input={"tenant": "t"})
    assert raised.value.detail == "Missing 'reports:read' scope"
    [invocation] = stub.invocations
    assert invocation.context is not None
    assert invocation.context.input == RequiredInput(tenant="t")
    assert stub.last_request.fault == "permission_denied"


async def test_permission_denied_defaults_to_the_kinds_scope(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment
) -> None:
    stub.permission_denied("flow")
    with pytest.raises(sdk.FactoryPermissionError, match="Missing 'workflows:run' scope"):
        await call(client.workflows.stream, "flow", "q")


@pytest.mark.parametrize(
    ("profile", "detail"),
    [("spec", "Team factory error"), ("agno", "Error in team factory: database is down")],
)
async def test_crash_is_a_500(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment, profile: Profile, detail: str
) -> None:
    stub.profile = profile
    stub.crash("crew", message="database is down")
    with pytest.raises(sdk.FactoryError) as raised:
        await call(client.teams.stream, "crew", "q")
    assert raised.value.detail == detail
    assert isinstance(stub.invocations[0].error, RuntimeError)


@pytest.mark.parametrize("phase", ["connect", "read"])
async def test_connection_error_is_an_api_connection_error(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment, phase: Any
) -> None:
    stub.connection_error("research-agent", phase=phase)
    with pytest.raises(sdk.APIConnectionError) as raised:
        await call(client.agents.run, "research-agent", "q")
    assert not isinstance(raised.value, sdk.APITimeoutError)
    assert raised.value.status_code is None
    assert (stub.last_request.status_code, stub.last_request.fault) == (None, "connection_error")
    assert stub.invocations == []


@pytest.mark.parametrize("phase", ["connect", "read", "write", "pool"])
async def test_timeout_is_an_api_timeout_error(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment, phase: Any
) -> None:
    stub.timeout("flow", phase=phase)
    with pytest.raises(sdk.APITimeoutError):
        await call(client.workflows.stream, "flow", "q")
    assert stub.last_request.fault == "timeout"


@pytest.mark.parametrize(
    ("kind", "component"), [("agents", "research-agent"), ("teams", "crew"), ("workflows", "flow")]
)
async def test_a_stream_that_breaks_in_the_middle(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment, kind: str, component: str
) -> None:
    stub.break_stream_after(component, n_events=2)
    # A non-streaming answer does not use up a stream fault.
    await call(getattr(client, kind).get, component)
    stream = await call(getattr(client, kind).stream, component, "q")
    received: list[Any] = []
    with pytest.raises(sdk.APIConnectionError, match="incomplete chunked read"):
        await drain(stream, received)
    assert len(received) == 2
    assert stream.completion is None
    assert stub.last_request.fault == "break_stream"
    assert stub.pending_faults == []


async def test_a_stream_that_breaks_after_its_last_event_still_raises(
    client: sdk.Client | sdk.AsyncClient, stub: StubDeployment
) -> None:
    stub.break_stream_after("research-agent", n_events=100)
    stream = await call(client.agents.stream, "research-agent", "q")
    received: list[Any] = []
    with pytest.raises(sdk.APIConnectionError):
        await drain(stream, received)
    assert isinstance(received[-1], sdk.RunCompleted)


def _read_into(response: httpx.Response, chunks: list[bytes]) -> None:
    for chunk in response.iter_bytes():
        chunks.append(chunk)


def test_faults_on_a_plain_httpx_client_are_httpx_exceptions(stub: StubDeployment) -> None:
    stub.connection_error("research-agent").timeout("research-agent").break_stream_after(
        "research-agent", n_events=1
    )
    stub.fail_next("research-agent", status=429, headers={"Retry-After": "3"})
    with stub.mock(), httpx.Client(base_url=BASE_URL) as client:
        form = {"message": "q"}
        with pytest.raises(httpx.ConnectError):
            client.post("/agents/research-agent/runs", data=form)
        with pytest.raises(httpx.ReadTimeout):
            client.post("/agents/research-agent/runs", data=form)
        limited = client.post("/agents/research-agent/runs", data=form)
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "3")
        with client.stream("POST", "/agents/research-agent/runs", data=form) as response:
            chunks: list[bytes] = []
            with pytest.raises(httpx.RemoteProtocolError):
                _read_into(response, chunks)
        assert b"".join(chunks).startswith(b"event: RunStarted\n")
    assert [request.fault for request in stub.requests] == [
        "connection_error",
        "timeout",
        "status",
        "break_stream",
    ]


def test_clear_faults(stub: StubDeployment) -> None:
    stub.crash().timeout("flow")
    assert [fault.kind for fault in stub.pending_faults] == ["crash", "timeout"]
    stub.clear_faults()
    assert stub.pending_faults == []
