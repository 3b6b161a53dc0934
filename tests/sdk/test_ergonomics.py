"""Day-to-day ergonomics, on both clients: configuration from the environment, the logger, request
ids, per-call extras, copies that keep the caller's subclass, raw responses, an injected httpx
client's timeout, docstrings, top-level event classes, picklable errors, and 3xx answers."""

from __future__ import annotations

import inspect
import logging
import pickle
import subprocess
import sys
from typing import Any

import httpx
import pytest
import respx

import agentos_factories
from agentos_factories import (
    AgentOSError,
    AgentRunOutput,
    APIConnectionError,
    APIResponse,
    APIStatusError,
    AsyncClient,
    Client,
    FactoryInputError,
    FactoryPermissionError,
    ServerError,
)
from agentos_factories.models import events as event_models

from .conftest import invoke
from .payloads import BASE_URL, agent_output, workflow_output

SSE_HEADERS = {"content-type": "text/event-stream"}


def make_client(kind: str, **kwargs: Any) -> Client | AsyncClient:
    return Client(**kwargs) if kind == "sync" else AsyncClient(**kwargs)


async def close(client: Client | AsyncClient) -> None:
    await invoke(client.close)


# --- configuration from the environment ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_no_arguments_read_base_url_and_token_from_the_environment(
    kind: str, mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTOS_BASE_URL", BASE_URL)
    monkeypatch.setenv("AGENTOS_TOKEN", "from-the-env")
    route = mock.get("/agents").respond(json=[])
    client = make_client(kind)
    assert client.base_url == httpx.URL(BASE_URL)
    await invoke(client.agents.list)
    assert route.calls.last.request.headers["authorization"] == "Bearer from-the-env"
    # Explicit arguments win; token=None means no token at all.
    other = make_client(kind, base_url="http://other.test", token=None)
    assert other.base_url == httpx.URL("http://other.test")
    assert await invoke(other.bearer_token) is None
    await close(client)
    await close(other)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_without_base_url_or_environment_the_error_says_what_to_set(
    cls: type[Client] | type[AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGENTOS_BASE_URL", raising=False)
    with pytest.raises(ValueError, match="AGENTOS_BASE_URL"):
        cls()


# --- logging ---------------------------------------------------------------------------------------


async def test_requests_retries_and_responses_are_logged_at_debug_without_the_token(
    mock: respx.MockRouter, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("agentos_factories._retry.sleep", lambda seconds: None)
    mock.get("/agents").mock(
        side_effect=[
            httpx.Response(503, json={"detail": "busy"}),
            httpx.Response(503, json={"detail": "busy"}),
        ]
        * 2
    )
    caplog.set_level(logging.DEBUG, logger="agentos_factories")
    with (
        Client(BASE_URL, token="secret-token-123", max_retries=2) as client,
        pytest.raises(ServerError) as caught,
    ):
        client.agents.list()
    messages = [record.getMessage() for record in caplog.records if record.name == "agentos_factories"]
    assert sum(message.startswith("request GET") for message in messages) == 3
    assert sum(message.startswith("response GET") for message in messages) == 3
    retries = [message for message in messages if message.startswith("retrying GET")]
    assert len(retries) == 2
    assert "status 503" in retries[0]
    assert " in " in retries[0]
    assert all("secret-token-123" not in message for message in messages)
    assert all("secret-token-123" not in str(record.args) for record in caplog.records)
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)


def test_agentos_log_debug_turns_the_logger_on(tmp_path: Any) -> None:
    program = """
import httpx
from agentos_factories import Client
transport = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
with Client("http://agentos.test", token="tok-never-logged", transport=transport) as client:
    client.agents.list()
"""
    done = subprocess.run(
        [sys.executable, "-c", program],
        env={"AGENTOS_LOG": "debug", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "agentos_factories DEBUG] request GET http://agentos.test/agents" in done.stderr
    assert "-> 200" in done.stderr
    assert "tok-never-logged" not in done.stderr
    quiet = subprocess.run(
        [sys.executable, "-c", program],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.stderr == ""


# --- request ids -----------------------------------------------------------------------------------


async def test_errors_carry_the_servers_request_id_or_the_one_the_sdk_sent(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    route = mock.post("/agents/a/runs").respond(403, json={"detail": "no"}, headers={"x-request-id": "srv-1"})
    with pytest.raises(FactoryPermissionError) as caught:
        await invoke(client.agents.run, "a", "hi")
    assert caught.value.request_id == "srv-1"
    sent = route.calls.last.request.headers["x-request-id"]
    assert len(sent) == 24
    route.respond(500, json={"detail": "boom"})
    with pytest.raises(APIStatusError) as crashed:
        await invoke(client.agents.run, "a", "hi")
    assert crashed.value.request_id == route.calls.last.request.headers["x-request-id"] != sent
    mock.get("/agents").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as refused:
        await invoke(client.agents.list)
    assert refused.value.request_id is not None
    assert len(refused.value.request_id) == 24


async def test_one_request_id_across_retries_and_a_callers_own_id_wins(mock: respx.MockRouter) -> None:
    route = mock.get("/teams").mock(
        side_effect=[httpx.ConnectError("x"), httpx.Response(200, json=[]), httpx.Response(200, json=[])]
    )
    with Client(BASE_URL, max_retries=1) as client:
        client.teams.list()
        ids = {call.request.headers["x-request-id"] for call in route.calls}
        assert len(route.calls) == 2
        assert len(ids) == 1
        client.teams.list(extra_headers={"X-Request-Id": "mine-7"})
        assert route.calls.last.request.headers["x-request-id"] == "mine-7"


# --- extra_headers, extra_query, timeouts on every method ------------------------------------------

OPTION_PARAMETERS = ("timeout", "total_timeout", "extra_headers", "extra_query")


def endpoint_methods() -> list[tuple[type, str]]:
    from agentos_factories.resources import (
        AgentFactoryHandle,
        Agents,
        AsyncAgentFactoryHandle,
        AsyncAgents,
        AsyncTeamFactoryHandle,
        AsyncTeams,
        AsyncWorkflowFactoryHandle,
        AsyncWorkflows,
        TeamFactoryHandle,
        Teams,
        WorkflowFactoryHandle,
        Workflows,
    )

    classes = [
        Agents,
        AsyncAgents,
        Teams,
        AsyncTeams,
        Workflows,
        AsyncWorkflows,
        AgentFactoryHandle,
        AsyncAgentFactoryHandle,
        TeamFactoryHandle,
        AsyncTeamFactoryHandle,
        WorkflowFactoryHandle,
        AsyncWorkflowFactoryHandle,
    ]
    return [
        (cls, name)
        for cls in classes
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name != "factory"
    ]


@pytest.mark.parametrize(("cls", "name"), endpoint_methods(), ids=lambda v: getattr(v, "__name__", v))
def test_every_endpoint_method_takes_the_per_call_options(cls: type, name: str) -> None:
    parameters = inspect.signature(getattr(cls, name)).parameters
    for option in OPTION_PARAMETERS:
        assert option in parameters, f"{cls.__name__}.{name} has no {option}"
        assert parameters[option].kind is inspect.Parameter.KEYWORD_ONLY


def _answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/cancel"):
        return httpx.Response(200, json={})
    if request.method == "GET" and path.endswith("/runs"):
        return httpx.Response(200, json=[])
    if request.method == "GET" and "/runs/" in path:
        return httpx.Response(200, json=workflow_output())
    if request.method == "GET" and path.count("/") == 1:
        return httpx.Response(200, json=[])
    if request.method == "GET":
        return httpx.Response(200, json={"id": path.rsplit("/", 1)[1]})
    kind = path.split("/")[1]
    if b"stream=true" in request.content:
        name = {"agents": "RunCompleted", "teams": "TeamRunCompleted", "workflows": "WorkflowCompleted"}[kind]
        body = f'data: {{"event": "{name}", "run_id": "r", "content": "x"}}\n\n'.encode()
        return httpx.Response(200, headers=SSE_HEADERS, content=body)
    if kind == "workflows":
        return httpx.Response(200, json=workflow_output())
    if kind == "teams":
        return httpx.Response(200, json={"run_id": "r", "team_id": "t", "status": "COMPLETED"})
    return httpx.Response(200, json=agent_output())


CALLS: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("agents", "list", (), {}),
    ("agents", "get", ("a",), {}),
    ("agents", "run", ("a", "hi"), {}),
    ("agents", "stream", ("a", "hi"), {}),
    ("agents", "continue_run", ("a", "r"), {"session_id": "s"}),
    ("agents", "continue_stream", ("a", "r"), {"session_id": "s"}),
    ("agents", "cancel", ("a", "r"), {}),
    ("teams", "run", ("t", "hi"), {}),
    ("teams", "stream", ("t", "hi"), {}),
    ("teams", "continue_stream", ("t", "r"), {"session_id": "s"}),
    ("workflows", "run", ("w", "hi"), {}),
    ("workflows", "stream", ("w", "hi"), {}),
    ("workflows", "continue_run", ("w", "r"), {"session_id": "s"}),
    ("workflows", "get_run", ("w", "r"), {"session_id": "s"}),
    ("workflows", "list_runs", ("w",), {"session_id": "s"}),
    ("workflows", "cancel", ("w", "r"), {}),
]


@pytest.mark.parametrize(("group", "name", "args", "kwargs"), CALLS, ids=lambda v: str(v))
async def test_extra_headers_and_query_reach_the_request(
    client: Client | AsyncClient,
    mock: respx.MockRouter,
    group: str,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    route = mock.route().mock(side_effect=_answer)
    method = getattr(getattr(client, group), name)
    result = await invoke(
        method, *args, **kwargs, extra_headers={"X-Tenant": "acme"}, extra_query={"trace": "on"}
    )
    if name.endswith("stream"):
        await invoke(result.until_done)
    request = route.calls.last.request
    assert request.headers["x-tenant"] == "acme"
    assert request.url.params["trace"] == "on"


# --- copies keep the caller's subclass -------------------------------------------------------------


class MyClient(Client):
    """An application's own client class."""


class MyAsyncClient(AsyncClient):
    """An application's own async client class."""


async def test_copy_and_with_options_return_the_callers_subclass(mock: respx.MockRouter) -> None:
    route = mock.get("/agents").respond(json=[])
    client = MyClient(BASE_URL, token="one")
    copy = client.with_options(timeout=3.0, headers={"X-A": "1"})
    assert type(copy) is MyClient
    assert type(client.copy(max_retries=0)) is MyClient
    assert copy.http_client is client.http_client
    assert copy.timeout == httpx.Timeout(3.0)
    copy.agents.list()
    assert route.calls.last.request.headers["x-a"] == "1"
    client.close()
    async_client = MyAsyncClient(BASE_URL)
    assert type(async_client.with_options(total_timeout=5.0)) is MyAsyncClient
    assert async_client.with_options(total_timeout=5.0).total_timeout == 5.0
    await async_client.close()


# --- raw responses ---------------------------------------------------------------------------------


async def test_with_raw_response_gives_status_headers_request_id_and_parse(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").respond(
        200, json=agent_output(), headers={"x-request-id": "srv-9", "x-extra": "1"}
    )
    raw = await invoke(client.with_raw_response.agents.run, "a", "hi", factory_input={"k": 1})
    assert isinstance(raw, APIResponse)
    assert raw.status_code == 200
    assert raw.headers["x-extra"] == "1"
    assert raw.request_id == "srv-9"
    assert raw.method == "POST"
    assert raw.url == httpx.URL(f"{BASE_URL}/agents/a/runs")
    assert b'"run-1"' in raw.content
    output = raw.parse()
    assert isinstance(output, AgentRunOutput)
    assert raw.parse() is output
    # The plain method is unaffected, and an error status still raises its typed error.
    assert isinstance(await invoke(client.agents.run, "a", "hi"), AgentRunOutput)
    mock.post("/agents/a/runs/r/cancel").respond(200, json={})
    cancelled = await invoke(client.with_raw_response.agents.cancel, "a", "r")
    assert cancelled.parse() is None
    mock.get("/workflows/w/runs").respond(403, json={"detail": "no"})
    with pytest.raises(FactoryPermissionError):
        await invoke(client.with_raw_response.workflows.list_runs, "w", session_id="s")


# --- an injected http client's timeout --------------------------------------------------------------


def test_an_injected_http_clients_timeout_is_kept_unless_a_timeout_is_given() -> None:
    seen: list[dict[str, float | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=[])

    http = httpx.Client(transport=httpx.MockTransport(handler), timeout=httpx.Timeout(7.0, connect=2.0))
    with Client(BASE_URL, http_client=http) as client:
        assert client.timeout == httpx.Timeout(7.0, connect=2.0)
        client.agents.list()
    with Client(BASE_URL, http_client=http, timeout=30.0) as client:
        client.agents.list()
    http.close()
    assert seen[0] == httpx.Timeout(7.0, connect=2.0).as_dict()
    assert seen[1] == httpx.Timeout(30.0).as_dict()


# --- 3xx ------------------------------------------------------------------------------------------


async def test_a_redirect_is_an_error_not_a_result(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").respond(302, headers={"location": "http://elsewhere.test/login"})
    with pytest.raises(APIStatusError) as caught:
        await invoke(client.agents.run, "a", "hi")
    assert type(caught.value) is APIStatusError
    assert caught.value.status_code == 302
    assert "elsewhere.test/login" in str(caught.value.detail)
    mock.post("/agents/a/runs").respond(307, headers={"location": "/x"})
    with pytest.raises(APIStatusError, match="307"):
        await invoke(client.agents.stream, "a", "hi")


# --- docstrings and top-level names ----------------------------------------------------------------


def _public_members(cls: type) -> list[tuple[str, object]]:
    members: list[tuple[str, object]] = []
    for name, member in vars(cls).items():
        if name.startswith("_") and name not in ("__enter__", "__exit__", "__aenter__", "__aexit__"):
            continue
        if isinstance(member, (property, staticmethod, classmethod)) or inspect.isfunction(member):
            members.append((name, member))
    return members


def _documented_classes() -> list[type]:
    from agentos_factories import resources

    names = [*agentos_factories.__all__]
    classes = [getattr(agentos_factories, name) for name in names]
    classes += [getattr(resources, name) for name in resources.__all__]
    return [
        cls
        for cls in classes
        if isinstance(cls, type)
        and not issubclass(cls, BaseException)
        and cls.__module__.startswith("agentos_factories")
        and not cls.__module__.startswith("agentos_factories.models")
    ]


def test_every_public_class_method_and_property_has_a_docstring() -> None:
    missing = []
    classes = _documented_classes()
    assert len(classes) > 30
    for cls in classes:
        for base in cls.__mro__:
            if not base.__module__.startswith("agentos_factories"):
                continue
            if not (base.__doc__ or "").strip():
                missing.append(base.__qualname__)
            for name, member in _public_members(base):
                function = member.fget if isinstance(member, property) else member
                if not (getattr(function, "__doc__", None) or "").strip():
                    missing.append(f"{base.__qualname__}.{name}")
    assert not sorted(set(missing))


def test_every_exception_and_model_class_has_a_docstring() -> None:
    for name in agentos_factories.__all__:
        value = getattr(agentos_factories, name)
        if isinstance(value, type) and value.__module__.startswith("agentos_factories"):
            assert (value.__doc__ or "").strip(), name


def test_every_event_class_a_stream_can_yield_is_importable_from_the_top_level() -> None:
    event_classes = [
        name
        for name, value in vars(event_models).items()
        if isinstance(value, type)
        and issubclass(value, event_models.RunEventBase)
        and not name.startswith("_")
    ]
    assert len(event_classes) >= 31
    for name in event_classes:
        assert getattr(agentos_factories, name) is getattr(event_models, name), name
        assert name in agentos_factories.__all__, name


# --- errors survive pickle -------------------------------------------------------------------------


async def test_errors_survive_pickle_without_the_bearer_token(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/agents/a/runs").respond(403, json={"detail": "Missing 'agents:run' scope"})
    with pytest.raises(FactoryPermissionError) as caught:
        await invoke(client.agents.run, "a", "hi")
    original = caught.value
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is FactoryPermissionError
    assert (
        str(copy),
        copy.status_code,
        copy.detail,
        copy.method,
        copy.url,
        copy.request_id,
        copy.attempts,
    ) == (
        str(original),
        original.status_code,
        original.detail,
        original.method,
        original.url,
        original.request_id,
        original.attempts,
    )
    assert copy.response is not None
    assert copy.response.status_code == 403
    assert copy.response.json() == {"detail": "Missing 'agents:run' scope"}
    assert "authorization" not in copy.response.request.headers
    assert original.response is not None
    assert original.response.request.headers["authorization"] == "Bearer tok"
    mock.get("/agents").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(APIConnectionError) as timed_out:
        await invoke(client.agents.list)
    assert type(pickle.loads(pickle.dumps(timed_out.value))) is type(timed_out.value)
    with pytest.raises(FactoryInputError) as bad_input:
        await invoke(client.agents.run, "a", "hi", factory_input={"x": float("nan")})
    revived = pickle.loads(pickle.dumps(bad_input.value))
    assert isinstance(revived, FactoryInputError)
    assert isinstance(revived, ValueError)
    assert isinstance(revived, AgentOSError)
    assert str(revived) == str(bad_input.value)


def test_an_injected_client_that_follows_redirects_into_a_loop_gets_a_typed_error() -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": str(request.url)})

    http = httpx.Client(transport=httpx.MockTransport(loop), follow_redirects=True, max_redirects=3)
    with Client(BASE_URL, http_client=http) as client, pytest.raises(APIConnectionError, match="redirect"):
        client.agents.list()
    http.close()
