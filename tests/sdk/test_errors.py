"""Every status class, on both clients, from one table; malformed 2xx bodies; transport failures."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import agentos_factories
from agentos_factories import (
    STATUS_ERRORS,
    AgentOSError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    InBandError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ServerError,
    UnprocessableEntityError,
    error_class_for_status,
)
from agentos_factories._errors import error_from_event

from .conftest import invoke
from .payloads import BASE_URL, agent_output

# (status, the class the spec / wire notes lead a caller to expect, an agno body for it)
STATUS_CASES: list[tuple[int, type[APIStatusError], Any]] = [
    (400, FactoryValidationError, {"detail": "factory_input validation failed: tenant Field required"}),
    (401, AuthenticationError, {"detail": "Authorization header missing"}),
    (403, FactoryPermissionError, {"detail": "Missing 'agents:run' scope"}),
    (404, NotFoundError, {"detail": "Agent not found"}),
    (409, ConflictError, {"detail": "run is already completed"}),
    (413, PayloadTooLargeError, {"detail": "Request entity too large"}),
    (422, UnprocessableEntityError, {"detail": [{"type": "missing", "loc": ["body", "message"]}]}),
    (500, FactoryError, {"detail": "Agent factory error"}),
    (502, ServerError, "<html>bad gateway</html>"),
    (503, ServerError, {"detail": "unavailable"}),
    (418, APIStatusError, {"detail": "teapot"}),
]


def test_the_spec_names_are_the_classes_of_their_statuses() -> None:
    assert STATUS_ERRORS[400] is FactoryValidationError is BadRequestError
    assert STATUS_ERRORS[403] is FactoryPermissionError is PermissionDeniedError
    assert STATUS_ERRORS[500] is FactoryError is InternalServerError
    assert issubclass(FactoryError, ServerError)
    for status, cls, _ in STATUS_CASES:
        assert error_class_for_status(status) is cls


@pytest.mark.parametrize(("status", "cls", "body"), STATUS_CASES)
async def test_each_status_raises_its_class_with_status_detail_method_url_response(
    client: Client | AsyncClient, mock: respx.MockRouter, status: int, cls: type[APIStatusError], body: Any
) -> None:
    if isinstance(body, str):
        mock.post("/agents/a/runs").respond(status, text=body)
    else:
        mock.post("/agents/a/runs").respond(status, json=body)
    with pytest.raises(APIStatusError) as caught:
        await invoke(client.agents.run, "a", "hi")
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.method == "POST"
    assert error.url == f"{BASE_URL}/agents/a/runs"
    assert error.response is not None
    assert error.response.status_code == status
    expected_detail = body if isinstance(body, str) else body["detail"]
    assert error.detail == expected_detail
    assert str(status) in str(error)


async def test_streaming_requests_raise_the_same_classes(
    client: Client | AsyncClient, mock: respx.MockRouter
) -> None:
    # agno answers stream=true with the same JSON 4xx/5xx, not SSE (wire notes section 4).
    mock.post("/agents/a/runs").respond(403, json={"detail": "Missing 'agents:run' scope"})
    with pytest.raises(FactoryPermissionError) as caught:
        await invoke(client.agents.stream, "a", "hi")
    assert caught.value.detail == "Missing 'agents:run' scope"


@pytest.mark.parametrize("status", [*range(400, 432), *range(500, 512)])
async def test_sync_and_async_map_every_status_identically(status: int) -> None:
    """The parity test: the two clients answer every error status with the same class and fields."""
    body = {"detail": f"status {status}"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    sync_client = Client(BASE_URL, transport=httpx.MockTransport(handler), max_retries=0)
    with sync_client, pytest.raises(APIStatusError) as sync_caught:
        sync_client.workflows.get("wf")
    async with AsyncClient(BASE_URL, transport=httpx.MockTransport(handler), max_retries=0) as async_client:
        with pytest.raises(APIStatusError) as async_caught:
            await async_client.workflows.get("wf")
    s, a = sync_caught.value, async_caught.value
    assert type(s) is type(a) is error_class_for_status(status)
    assert (s.status_code, s.detail, s.method, s.url) == (a.status_code, a.detail, a.method, a.url)


def test_both_clients_build_errors_through_the_one_table() -> None:
    """Structural half of the parity test: neither client maps statuses on its own."""
    for cls_name in ("Client", "AsyncClient"):
        source = Path(inspect.getfile(getattr(agentos_factories, cls_name))).read_text()
        tree = ast.parse(source)
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name)
        calls = {
            node.func.id
            for node in ast.walk(cls)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert "make_status_error" in calls, cls_name
        literals = {node.value for node in ast.walk(cls) if isinstance(node, ast.Constant)}
        assert not literals & {400, 401, 403, 404, 409, 413, 422, 500}, f"{cls_name} hard-codes statuses"


@pytest.mark.parametrize(
    ("respond", "fragment"),
    [
        ({"text": "not json"}, "not JSON"),
        ({"json": {"agent_id": "a", "status": "COMPLETED"}}, "run_id"),
        ({"json": agent_output(status="SOMETHING_NEW")}, "status"),
        ({"json": agent_output(tools="not a list")}, "tools"),
        ({"json": ["a", "list"]}, "expected shape"),
        ({"content": b"\xff\xfe\x00garbage", "headers": {"content-type": "application/json"}}, "not JSON"),
    ],
)
async def test_a_2xx_body_that_is_not_what_the_spec_says_is_a_validation_error(
    client: Client | AsyncClient, mock: respx.MockRouter, respond: dict[str, Any], fragment: str
) -> None:
    mock.post("/agents/a/runs").respond(200, **respond)
    with pytest.raises(APIResponseValidationError, match=fragment) as caught:
        await invoke(client.agents.run, "a", "hi")
    assert caught.value.status_code == 200
    assert caught.value.response is not None
    assert caught.value.method == "POST"


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
        (httpx.RemoteProtocolError("server disconnected"), APIConnectionError),
        (httpx.ConnectTimeout("slow"), APITimeoutError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.WriteTimeout("slow"), APITimeoutError),
        (httpx.PoolTimeout("busy"), APITimeoutError),
    ],
)
async def test_transport_failures_are_connection_and_timeout_errors(
    client: Client | AsyncClient, mock: respx.MockRouter, exc: Exception, cls: type[AgentOSError]
) -> None:
    mock.get("/agents").mock(side_effect=exc)
    with pytest.raises(cls) as caught:
        await invoke(client.agents.list)
    assert type(caught.value) is cls
    assert caught.value.status_code is None
    assert caught.value.response is None
    assert caught.value.url == f"{BASE_URL}/agents"
    assert caught.value.method == "GET"
    assert isinstance(caught.value.__cause__, httpx.TransportError)


def test_in_band_errors_use_the_table_when_a_status_is_present() -> None:
    with_status = error_from_event(
        {
            "event": "error",
            "error": "Missing 'workflows:run' scope",
            "status": 403,
            "error_type": "permission",
        },
        method="WS",
        url="ws://x/workflows/ws",
        response=None,
    )
    assert type(with_status) is FactoryPermissionError
    assert with_status.status_code == 403
    assert with_status.detail == "Missing 'workflows:run' scope"
    without = error_from_event(
        {"event": "error", "error": "Factory error: boom", "error_type": "x"},
        method="WS",
        url="u",
        response=None,
    )
    assert type(without) is InBandError
    assert without.status_code is None
    assert without.detail == "Factory error: boom"
    assert without.error_type == "x"
    bogus_status = error_from_event(
        {"event": "error", "error": "e", "status": True}, method="M", url="u", response=None
    )
    assert type(bogus_status) is InBandError


def test_every_error_is_an_agentos_error() -> None:
    for name in agentos_factories.__all__:
        value = getattr(agentos_factories, name)
        if isinstance(value, type) and issubclass(value, Exception) and name != "FactoryInputError":
            assert issubclass(value, AgentOSError), name
