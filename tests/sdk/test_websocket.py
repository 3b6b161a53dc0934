"""The workflow WebSocket session on both clients, against a scripted in-memory agno-like server.

The server side speaks real RFC 6455 frames (unmasked, possibly fragmented, with pings) through
a fake ``network_stream`` handed out by an httpx ``MockTransport`` answering ``101``.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from agentos_factories import (
    APIResponseValidationError,
    AsyncClient,
    AuthenticationError,
    Client,
    FactoryPermissionError,
    FactoryValidationError,
    InBandError,
    IncompleteStreamError,
    WorkflowCompleted,
    WorkflowStarted,
)
from agentos_factories._types import WebSocketRoute
from agentos_factories._ws_codec import Opcode, accept_key, encode_frame, parse_frames
from agentos_factories.models import StepStarted

from .payloads import BASE_URL, WORKFLOW_EVENTS

Reply = Callable[[dict[str, Any]], list[bytes]]


def text(data: dict[str, Any]) -> bytes:
    return encode_frame(Opcode.TEXT, json.dumps(data).encode())


def sse_frame(data: dict[str, Any]) -> bytes:
    return encode_frame(Opcode.TEXT, f"event: {data['event']}\ndata: {json.dumps(data)}\n\n".encode())


class FakeServer:
    """agno's WebSocket conversation, scripted; records what the client sent."""

    def __init__(self, *, requires_auth: bool = False, run: list[bytes] | None = None) -> None:
        self.requires_auth = requires_auth
        self.run = run if run is not None else [sse_frame(e) for e in WORKFLOW_EVENTS]
        self.received: list[dict[str, Any]] = []
        self.pongs: list[bytes] = []
        self.close_codes: list[int] = []
        self.outgoing = bytearray(
            text({"event": "connected", "message": "Connected to AgentOS.", "requires_auth": requires_auth})
        )
        self._incoming = bytearray()
        self.closed = False

    def on_message(self, message: dict[str, Any]) -> list[bytes]:
        action = message.get("action")
        if action == "authenticate":
            if message.get("token") == "good-token":
                return [
                    text({"event": "authenticated", "message": "Authentication successful."}),
                    text(
                        {
                            "event": "authenticated",
                            "message": "JWT authentication successful.",
                            "user_id": "u",
                        }
                    ),
                ]
            return [
                text({"event": "auth_error", "error": "Not enough segments", "error_type": "invalid_token"})
            ]
        if action == "ping":
            return [text({"event": "pong"})]
        if action == "start-workflow":
            return self.run
        return [text({"event": "error", "error": f"Unknown action: {action}"})]

    # the network stream the client sees
    def _feed(self, data: bytes) -> None:
        self._incoming.extend(data)
        for frame in parse_frames(self._incoming, max_frame_bytes=1 << 20, allow_masked=True):
            assert frame.masked, "every client frame must be masked"
            if frame.opcode == Opcode.TEXT:
                message = json.loads(frame.payload)
                self.received.append(message)
                for reply in self.on_message(message):
                    self.outgoing.extend(reply)
            elif frame.opcode == Opcode.PONG:
                self.pongs.append(frame.payload)
            elif frame.opcode == Opcode.CLOSE:
                self.close_codes.append(struct.unpack("!H", frame.payload[:2])[0])
                self.outgoing.extend(encode_frame(Opcode.CLOSE, frame.payload[:2]))

    def _take(self, max_bytes: int) -> bytes:
        data = bytes(self.outgoing[:max_bytes])
        del self.outgoing[:max_bytes]
        return data


class SyncStream:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.server._take(max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.server._feed(buffer)

    def close(self) -> None:
        self.server.closed = True


class AsyncStream:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.server._take(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.server._feed(buffer)

    async def aclose(self) -> None:
        self.server.closed = True


def transport(server: FakeServer, *, is_async: bool, spec_route: bool, bad_accept: bool = False) -> Any:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path != ("/workflows/wf/ws" if spec_route else "/workflows/ws"):
            return httpx.Response(403, json={"detail": "Forbidden"})
        assert request.headers["upgrade"] == "websocket"
        assert request.headers["sec-websocket-version"] == "13"
        accept = "wrong" if bad_accept else accept_key(request.headers["sec-websocket-key"])
        stream = AsyncStream(server) if is_async else SyncStream(server)
        return httpx.Response(
            101,
            headers={"upgrade": "websocket", "connection": "Upgrade", "sec-websocket-accept": accept},
            extensions={"network_stream": stream},
        )

    mock = httpx.MockTransport(handler)
    mock.paths = paths  # type: ignore[attr-defined]  # test bookkeeping
    return mock


class Harness:
    """Runs one scenario on the sync or the async client with the same assertions."""

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async

    async def run(
        self,
        server: FakeServer,
        *,
        spec_route: bool = False,
        route: WebSocketRoute = "auto",
        token: str | None = None,
        factory_input: Any = None,
        bad_accept: bool = False,
    ) -> tuple[list[Any], Any, list[str]]:
        mock = transport(server, is_async=self.is_async, spec_route=spec_route, bad_accept=bad_accept)
        if self.is_async:
            client = AsyncClient(BASE_URL, transport=mock, token=token, max_retries=0)
            async with client, await client.workflows.websocket("wf", route=route) as ws:
                run = await ws.start("go", factory_input=factory_input, session_id="s1", user_id="u1")
                events = [event async for event in run]
                return events, ws.route, mock.paths
        sync_client = Client(BASE_URL, transport=mock, token=token, max_retries=0)
        with sync_client, sync_client.workflows.websocket("wf", route=route) as ws_sync:
            events = list(ws_sync.start("go", factory_input=factory_input, session_id="s1", user_id="u1"))
            return events, ws_sync.route, mock.paths


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param == "async")


async def test_auto_falls_back_to_the_agno_route_and_sends_factory_input_as_json(harness: Harness) -> None:
    server = FakeServer()
    events, route, paths = await harness.run(server, factory_input={"tenant": "acme", "depth": 2})
    assert route == "agno"
    assert paths == ["/workflows/wf/ws", "/workflows/ws"]
    assert isinstance(events[0], WorkflowStarted)
    assert isinstance(events[1], StepStarted)
    assert isinstance(events[-1], WorkflowCompleted)
    assert events[-1].content == "done"
    [start] = server.received
    assert start == {
        "action": "start-workflow",
        "workflow_id": "wf",
        "message": "go",
        "factory_input": {"tenant": "acme", "depth": 2},
        "session_id": "s1",
        "user_id": "u1",
    }
    assert server.close_codes == [1000]
    assert server.closed


async def test_the_spec_route_is_used_when_it_answers(harness: Harness) -> None:
    server = FakeServer()
    _events, route, paths = await harness.run(server, spec_route=True)
    assert route == "spec"
    assert paths == ["/workflows/wf/ws"]
    assert "factory_input" not in server.received[0]


async def test_a_pinned_route_is_not_fallen_back_from(harness: Harness) -> None:
    from agentos_factories import FactoryPermissionError

    with pytest.raises(FactoryPermissionError):
        await harness.run(FakeServer(), route="spec")
    _events, route, paths = await harness.run(FakeServer(), route="agno")
    assert route == "agno"
    assert paths == ["/workflows/ws"]


async def test_authentication_with_the_token(harness: Harness) -> None:
    server = FakeServer(requires_auth=True)
    events, _route, _paths = await harness.run(server, token="good-token")
    assert server.received[0] == {"action": "authenticate", "token": "good-token"}
    assert server.received[1]["action"] == "start-workflow"
    assert isinstance(events[-1], WorkflowCompleted)


async def test_a_rejected_token_is_an_authentication_error(harness: Harness) -> None:
    server = FakeServer(requires_auth=True)
    with pytest.raises(AuthenticationError) as caught:
        await harness.run(server, token="bad-token")
    assert caught.value.detail == "Not enough segments"
    assert caught.value.status_code == 401
    assert [m["action"] for m in server.received] == ["authenticate"]


async def test_no_token_for_an_authenticating_server_fails_before_sending(harness: Harness) -> None:
    server = FakeServer(requires_auth=True)
    with pytest.raises(AuthenticationError, match="no token"):
        await harness.run(server)
    assert server.received == []


@pytest.mark.parametrize(
    ("frame", "cls", "detail"),
    [
        (
            {"event": "error", "error": "Factory error: tenant Field required"},
            InBandError,
            "Factory error: tenant Field required",
        ),
        (
            {
                "event": "error",
                "error": "factory_input validation failed",
                "status": 400,
                "error_type": "validation",
            },
            FactoryValidationError,
            "factory_input validation failed",
        ),
        (
            # agno's own refusal text for a missing scope: its HTTP twin is a 403.
            {"event": "error", "error": "Insufficient permissions to run this workflow"},
            FactoryPermissionError,
            "Insufficient permissions to run this workflow",
        ),
        (
            {"event": "auth_required", "error": "Authentication required."},
            AuthenticationError,
            "Authentication required.",
        ),
        ({"event": "WorkflowError", "error": "KeyError: 'boom'"}, InBandError, "KeyError: 'boom'"),
    ],
)
async def test_in_band_errors_raise_typed_exceptions(
    harness: Harness, frame: dict[str, Any], cls: type[Exception], detail: str
) -> None:
    server = FakeServer(run=[sse_frame(WORKFLOW_EVENTS[0]), text(frame)])
    with pytest.raises(cls) as caught:
        await harness.run(server)
    assert type(caught.value) is cls
    assert caught.value.detail == detail  # type: ignore[attr-defined]  # every SDK error has detail


async def test_a_closed_connection_before_completion_is_incomplete(harness: Harness) -> None:
    server = FakeServer(
        run=[sse_frame(WORKFLOW_EVENTS[0]), encode_frame(Opcode.CLOSE, struct.pack("!H", 1011))]
    )
    with pytest.raises(IncompleteStreamError, match="before its completion"):
        await harness.run(server)


async def test_pings_are_answered_and_fragments_reassembled(harness: Harness) -> None:
    completed = f"event: WorkflowCompleted\ndata: {json.dumps(WORKFLOW_EVENTS[-1])}\n\n".encode()
    run = [
        sse_frame(WORKFLOW_EVENTS[0]),
        encode_frame(Opcode.PING, b"are-you-there"),
        text({"event": "authenticated", "message": "late duplicate"}),  # control frames are skipped
        encode_frame(Opcode.TEXT, completed[:10], fin=False),
        encode_frame(Opcode.PING, b"again"),
        encode_frame(Opcode.CONTINUATION, completed[10:40], fin=False),
        encode_frame(Opcode.CONTINUATION, completed[40:], fin=True),
    ]
    server = FakeServer(run=run)
    events, _route, _paths = await harness.run(server)
    assert [type(e) for e in events] == [WorkflowStarted, WorkflowCompleted]
    assert server.pongs == [b"are-you-there", b"again"]


async def test_flat_json_run_events_are_accepted(harness: Harness) -> None:
    server = FakeServer(run=[text(e) for e in WORKFLOW_EVENTS])
    events, _route, _paths = await harness.run(server)
    assert isinstance(events[-1], WorkflowCompleted)


@pytest.mark.parametrize(
    ("run", "fragment"),
    [
        ([encode_frame(Opcode.TEXT, b"not json")], "not JSON"),
        ([encode_frame(Opcode.TEXT, b"[1]")], "not a JSON object"),
        ([encode_frame(Opcode.BINARY, b"\x00")], "binary"),
        ([encode_frame(Opcode.TEXT, b"x", mask_key=b"abcd")], "protocol error"),
    ],
)
async def test_malformed_frames_are_validation_errors(
    harness: Harness, run: list[bytes], fragment: str
) -> None:
    with pytest.raises(APIResponseValidationError, match=fragment):
        await harness.run(FakeServer(run=run))


async def test_a_wrong_accept_key_fails_the_handshake(harness: Harness) -> None:
    with pytest.raises(APIResponseValidationError, match="Sec-WebSocket-Accept"):
        await harness.run(FakeServer(), bad_accept=True)


def test_ping_action_and_one_run_at_a_time() -> None:
    server = FakeServer()
    mock = transport(server, is_async=False, spec_route=False)
    with Client(BASE_URL, transport=mock) as client, client.workflows.websocket("wf") as ws:
        ws.ping()
        assert server.received == [{"action": "ping"}]
        run = ws.start("first")
        with pytest.raises(RuntimeError, match="current run"):
            ws.start("second")
        assert isinstance(run.until_done(), WorkflowCompleted)
        again = ws.start("second")
        assert isinstance(again.until_done(), WorkflowCompleted)
    assert ws.url == "ws://agentos.test/workflows/ws"


def test_invalid_route_is_refused() -> None:
    with Client(BASE_URL) as client, pytest.raises(ValueError, match="route"):
        client.workflows.websocket("wf", route="sideways")  # type: ignore[arg-type]  # testing untyped callers
