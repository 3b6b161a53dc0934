"""Retries: backoff and Retry-After for idempotent requests; never a duplicate run.

The no-duplicate rule is proven twice: with respx (every transport failure a request can meet,
the retried ones being only those raised before a connection exists), and over loopback with a
real server that reads the whole run request and then drops the connection without answering.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from agentos_factories import (
    APIConnectionError,
    APIStatusError,
    AsyncClient,
    Client,
    ServerError,
    _retry,
)
from agentos_factories._retry import MAX_DELAY, MAX_RETRY_AFTER, retry_delay

from .conftest import invoke
from .payloads import AGENT_EVENTS, BASE_URL, agent_output, sse


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits between attempts instead of sleeping."""
    recorded: list[float] = []

    async def fake_async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_retry, "sleep", recorded.append)
    monkeypatch.setattr(_retry, "async_sleep", fake_async_sleep)
    return recorded


@pytest.fixture(params=["sync", "async"])
async def retrying(request: pytest.FixtureRequest, mock: respx.MockRouter) -> Any:
    if request.param == "sync":
        with Client(BASE_URL, max_retries=2) as client:
            yield client
    else:
        async with AsyncClient(BASE_URL, max_retries=2) as client:
            yield client


NEVER_SENT = [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("busy")]
MAY_HAVE_BEEN_SENT = [
    httpx.ReadError("reset"),
    httpx.ReadTimeout("slow answer"),
    httpx.WriteError("broken pipe"),
    httpx.WriteTimeout("slow upload"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
]

RUN_CALLS = [
    ("agents", "run", ("a", "hi"), {}, "/agents/a/runs"),
    ("teams", "run", ("t", "hi"), {}, "/teams/t/runs"),
    ("workflows", "run", ("w", "hi"), {}, "/workflows/w/runs"),
    ("agents", "continue_run", ("a", "r"), {"session_id": "s"}, "/agents/a/runs/r/continue"),
    ("teams", "continue_run", ("t", "r"), {"session_id": "s"}, "/teams/t/runs/r/continue"),
    ("workflows", "continue_run", ("w", "r"), {"session_id": "s"}, "/workflows/w/runs/r/continue"),
    ("agents", "stream", ("a", "hi"), {}, "/agents/a/runs"),
    ("workflows", "continue_stream", ("w", "r"), {"session_id": "s"}, "/workflows/w/runs/r/continue"),
]


@pytest.mark.parametrize(("kind", "method", "args", "kwargs", "url"), RUN_CALLS)
@pytest.mark.parametrize("failure", MAY_HAVE_BEEN_SENT, ids=lambda e: type(e).__name__)
async def test_a_run_that_may_have_reached_the_server_is_never_sent_again(
    retrying: Client | AsyncClient,
    mock: respx.MockRouter,
    sleeps: list[float],
    kind: str,
    method: str,
    args: tuple[str, ...],
    kwargs: dict[str, str],
    url: str,
    failure: Exception,
) -> None:
    route = mock.post(url).mock(side_effect=[failure, httpx.Response(200, json=agent_output())])
    with pytest.raises(APIConnectionError):
        await invoke(getattr(getattr(retrying, kind), method), *args, **kwargs)
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(("kind", "method", "args", "kwargs", "url"), RUN_CALLS)
@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_a_run_answered_with_an_error_is_never_sent_again(
    retrying: Client | AsyncClient,
    mock: respx.MockRouter,
    sleeps: list[float],
    kind: str,
    method: str,
    args: tuple[str, ...],
    kwargs: dict[str, str],
    url: str,
    status: int,
) -> None:
    route = mock.post(url).respond(status, json={"detail": "x"}, headers={"Retry-After": "1"})
    with pytest.raises(APIStatusError):
        await invoke(getattr(getattr(retrying, kind), method), *args, **kwargs)
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("failure", NEVER_SENT, ids=lambda e: type(e).__name__)
async def test_a_run_that_never_left_is_retried(
    retrying: Client | AsyncClient, mock: respx.MockRouter, sleeps: list[float], failure: Exception
) -> None:
    route = mock.post("/agents/a/runs").mock(side_effect=[failure, httpx.Response(200, json=agent_output())])
    output = await invoke(retrying.agents.run, "a", "hi")
    assert output.run_id == "run-1"
    assert route.call_count == 2
    assert len(sleeps) == 1


async def test_a_stream_that_never_left_is_retried(
    retrying: Client | AsyncClient, mock: respx.MockRouter, sleeps: list[float]
) -> None:
    ok = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse(*AGENT_EVENTS))
    route = mock.post("/agents/a/runs").mock(side_effect=[httpx.ConnectError("refused"), ok])
    stream = await invoke(retrying.agents.stream, "a", "hi")
    assert stream is not None
    assert route.call_count == 2


@pytest.mark.parametrize("failure", [*NEVER_SENT, *MAY_HAVE_BEEN_SENT], ids=lambda e: type(e).__name__)
async def test_idempotent_reads_retry_transport_failures(
    retrying: Client | AsyncClient, mock: respx.MockRouter, sleeps: list[float], failure: Exception
) -> None:
    route = mock.get("/workflows/w/runs/r").mock(
        side_effect=[
            failure,
            failure,
            httpx.Response(200, json={"run_id": "r", "workflow_id": "w", "status": "COMPLETED"}),
        ]
    )
    output = await invoke(retrying.workflows.get_run, "w", "r", session_id="s")
    assert output.status == "COMPLETED"
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert sleeps[0] <= 0.5
    assert 0.5 * 0.75 <= sleeps[1] <= 1.0


@pytest.mark.parametrize("status", [408, 429, 502, 503, 504])
async def test_idempotent_requests_retry_transient_statuses_honouring_retry_after(
    retrying: Client | AsyncClient, mock: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = mock.post("/agents/a/runs/r/cancel").mock(
        side_effect=[httpx.Response(status, headers={"Retry-After": "3"}), httpx.Response(200, json={})]
    )
    await invoke(retrying.agents.cancel, "a", "r")
    assert route.call_count == 2
    assert sleeps == [3.0]


async def test_retries_stop_after_max_retries_with_the_last_error(
    retrying: Client | AsyncClient, mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = mock.get("/agents").respond(503, json={"detail": "still down"})
    with pytest.raises(ServerError) as caught:
        await invoke(retrying.agents.list)
    assert caught.value.detail == "still down"
    assert route.call_count == 3  # max_retries=2
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 500])
async def test_idempotent_requests_do_not_retry_other_errors(
    retrying: Client | AsyncClient, mock: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = mock.get("/agents").respond(status, json={"detail": "no"})
    with pytest.raises(APIStatusError):
        await invoke(retrying.agents.list)
    assert route.call_count == 1


async def test_max_retries_zero_disables_retries(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.get("/agents").mock(side_effect=httpx.ConnectError("refused"))
    with Client(BASE_URL, max_retries=0) as client, pytest.raises(APIConnectionError):
        client.agents.list()
    assert route.call_count == 1


def test_retry_after_forms_and_caps() -> None:
    def response(value: str) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": value})

    assert retry_delay(0, response("2")) == 2.0
    assert retry_delay(0, response("0.25")) == 0.25
    assert retry_delay(0, response("-5")) == 0.0
    assert retry_delay(0, response("99999")) == MAX_RETRY_AFTER
    assert MAX_RETRY_AFTER == 10.0  # documented in the README (Retries)
    future = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=8), usegmt=True)
    assert 6 <= retry_delay(0, response(future)) <= 8
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=300), usegmt=True)
    assert retry_delay(0, response(later)) == MAX_RETRY_AFTER
    past = format_datetime(datetime.now(timezone.utc) - timedelta(seconds=30), usegmt=True)
    assert retry_delay(0, response(past)) == 0.0
    assert retry_delay(0, response("soon")) <= 0.5  # unparseable: backoff
    assert all(retry_delay(attempt) <= MAX_DELAY for attempt in range(40))
    assert retry_delay(10) >= MAX_DELAY * 0.75


class _AnswerlessServer:
    """Loopback server that reads each request completely, then closes without answering."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.05)  # so the serving thread notices close() promptly
        self._stopped = threading.Event()
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.requests.append(head.split(b"\r\n")[0])

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def answerless() -> Iterator[_AnswerlessServer]:
    server = _AnswerlessServer()
    yield server
    server.close()


@pytest.mark.loopback
def test_over_loopback_a_run_that_reached_the_server_is_sent_once(
    answerless: _AnswerlessServer, sleeps: list[float]
) -> None:
    with Client(f"http://127.0.0.1:{answerless.port}", max_retries=5, timeout=10) as client:
        with pytest.raises(APIConnectionError):
            client.agents.run("a", "hi", factory_input={"x": 1})
        with pytest.raises(APIConnectionError):
            client.workflows.continue_run("w", "r", session_id="s")
        with pytest.raises(APIConnectionError):
            client.agents.list()  # the contrast: idempotent, so retried
    assert answerless.requests == [
        b"POST /agents/a/runs HTTP/1.1",
        b"POST /workflows/w/runs/r/continue HTTP/1.1",
        *[b"GET /agents HTTP/1.1"] * 6,
    ]


@pytest.mark.loopback
async def test_over_loopback_the_async_client_sends_a_run_once(
    answerless: _AnswerlessServer, sleeps: list[float]
) -> None:
    async with AsyncClient(f"http://127.0.0.1:{answerless.port}", max_retries=5, timeout=10) as client:
        with pytest.raises(APIConnectionError):
            await client.teams.run("t", "hi")
    assert answerless.requests == [b"POST /teams/t/runs HTTP/1.1"]


@pytest.mark.loopback
def test_over_loopback_a_refused_connection_is_retried(sleeps: list[float]) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now: connect is refused, nothing was sent
    client = Client(f"http://127.0.0.1:{port}", max_retries=3, timeout=5)
    with client, pytest.raises(APIConnectionError) as caught:
        client.agents.run("a", "hi")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(sleeps) == 3
