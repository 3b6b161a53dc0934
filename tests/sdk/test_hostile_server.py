"""Whatever a server sends, the SDK raises only its own typed errors, and reads within bounds.

A scripted loopback server (``scripted_server.py``: 127.0.0.1, a free port, stopped by each test)
answers with deeply nested JSON, 5,000-digit numbers, gzip bombs, endless bodies, trickles and
hostile WebSocket frames, on plain calls, error answers, SSE streams and the WebSocket. Each case
runs on both clients; every error must also print, and survive ``pickle``. For the bombs the
process's peak memory growth is measured (``VmHWM`` after ``clear_refs``): before this suite a
300 KB gzip body cost the client about 1 GB.
"""

from __future__ import annotations

import asyncio
import pickle
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from agentos_factories import (
    AgentOSError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    Client,
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    InBandError,
    NotFoundError,
    ResponseTooLargeError,
)

from .scripted_server import (
    Request,
    ScriptedServer,
    chunked,
    head,
    http_response,
    rss_peak_since_reset,
    text_frame,
    websocket_accept,
)

MiB = 1024 * 1024
RUNS = "/agents/a/runs"
SSE = {"Content-Type": "text/event-stream"}
DEEP = b"[" * 50_000 + b"]" * 50_000
MEDIUM_DEEP = b"[" * 900 + b"]" * 900
LONG_NUMBER = b"1" * 5000
SHALLOW_BUT_DEEP = b"[" * 100 + b"]" * 100  # JSON the SDK reads, too deep to keep as a detail


def gzip_bomb(decoded_mib: int) -> bytes:
    """Zeros, gzip-compressed a MiB at a time: about 1 KB of body per MiB it inflates to."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * MiB
    parts = [compressor.compress(block) for _ in range(decoded_mib)]
    parts.append(compressor.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = gzip_bomb(300)
    assert len(data) < 400_000  # "a 300 KB gzip body"
    return data


def answer(data: bytes) -> Callable[[Request], list[bytes | float]]:
    return lambda request: [data]


def run_output(content: bytes) -> bytes:
    return b'{"run_id": "r", "agent_id": "a", "status": "COMPLETED", "content": ' + content + b"}"


def sse_event(data: bytes, name: str = "RunContent") -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


def _check_error(error: AgentOSError) -> None:
    """Every error prints and pickles, however hostile what it carries."""
    assert str(error)
    assert repr(error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)


async def call(kind: str, base_url: str, action: Callable[[Any], Any], **options: Any) -> AgentOSError:
    """Run ``action(client)`` on a fresh client of ``kind``; return the AgentOSError it raised."""
    try:
        if kind == "sync":
            with Client(base_url, max_retries=0, timeout=10.0, **options) as client:
                result = action(client)
                if hasattr(result, "until_done"):
                    result.until_done()
        else:
            async with AsyncClient(base_url, max_retries=0, timeout=10.0, **options) as async_client:
                result = action(async_client)
                if asyncio.iscoroutine(result):
                    result = await result
                if hasattr(result, "until_done"):
                    await result.until_done()
    except AgentOSError as error:
        _check_error(error)
        return error
    raise AssertionError("no error was raised")


KINDS = ["sync", "async"]


def run(client: Any) -> Any:
    return client.agents.run("a", "hi")


def stream(client: Any) -> Any:
    return client.agents.stream("a", "hi")


# --- plain calls: bodies that are not what a server should send -----------------------------------

BODY_CASES: list[tuple[str, bytes, type[AgentOSError]]] = [
    ("deep JSON body", http_response(200, DEEP), APIResponseValidationError),
    ("deep JSON under a field", http_response(200, run_output(MEDIUM_DEEP)), APIResponseValidationError),
    ("5,000-digit number", http_response(200, run_output(LONG_NUMBER)), APIResponseValidationError),
    ("deep JSON error body", http_response(400, b'{"detail": ' + DEEP[:4000] + b"}"), FactoryValidationError),
    (
        "900-deep error detail",
        http_response(400, b'{"detail": ' + MEDIUM_DEEP + b"}"),
        FactoryValidationError,
    ),
    ("5,000-digit error detail", http_response(500, b'{"detail": ' + LONG_NUMBER + b"}"), FactoryError),
    ("a redirect", http_response(301, b"", {"Location": "http://elsewhere.test/"}), APIStatusError),
    (
        "gzip that is not gzip",
        http_response(200, b"not gzip at all", {"Content-Encoding": "gzip"}),
        APIResponseValidationError,
    ),
    (
        "an encoding not asked for",
        http_response(200, b"xx", {"Content-Encoding": "br"}),
        APIResponseValidationError,
    ),
    (
        "a body declared at 10 GB",
        head(200, {"Content-Type": "application/json"}, length=10**10),
        ResponseTooLargeError,
    ),
]


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("case", "raw", "expected"), BODY_CASES, ids=[case[0] for case in BODY_CASES])
async def test_hostile_bodies_are_typed_errors(
    kind: str, case: str, raw: bytes, expected: type[AgentOSError]
) -> None:
    with ScriptedServer({RUNS: answer(raw)}) as server:
        error = await call(kind, server.url, run)
    assert type(error) is expected, error
    if isinstance(error, APIStatusError) and error.status_code >= 400:
        # A detail too deep or too long to hold is kept as (bounded) text.
        assert isinstance(error.detail, str)
        assert len(error.detail) <= 2003


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
async def test_a_gzip_bomb_stops_at_max_response_bytes(kind: str, bomb: bytes) -> None:
    raw = http_response(200, bomb, {"Content-Encoding": "gzip"})
    with ScriptedServer({RUNS: answer(raw)}) as server:
        peak = rss_peak_since_reset()
        error = await call(kind, server.url, run)
        grown = peak()
    print(f"peak memory growth: {grown / MiB:.1f} MiB")
    assert type(error) is ResponseTooLargeError
    assert "33554432" in str(error)  # the default bound, 32 MiB
    assert grown < 72 * MiB, f"the client's peak memory grew {grown / MiB:.0f} MiB"


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
async def test_an_error_body_is_read_only_a_few_kib_even_as_a_gzip_bomb(kind: str, bomb: bytes) -> None:
    raw = http_response(500, bomb, {"Content-Encoding": "gzip"})
    with ScriptedServer({RUNS: answer(raw)}) as server:
        peak = rss_peak_since_reset()
        error = await call(kind, server.url, run)
        grown = peak()
    print(f"peak memory growth: {grown / MiB:.1f} MiB")
    assert type(error) is FactoryError
    assert error.response is not None
    assert len(error.response.content) == 8 * 1024
    assert grown < 24 * MiB, f"the client's peak memory grew {grown / MiB:.0f} MiB"


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
async def test_an_endless_body_stops_at_a_small_bound(kind: str) -> None:
    pieces: Iterator[bytes | float] = chunked(200, {"Content-Type": "application/json"}, [b" " * MiB] * 64)
    with ScriptedServer({RUNS: lambda request: pieces}) as server:
        peak = rss_peak_since_reset()
        error = await call(kind, server.url, run, max_response_bytes=4 * MiB)
        grown = peak()
    print(f"peak memory growth: {grown / MiB:.1f} MiB")
    assert type(error) is ResponseTooLargeError
    assert grown < 40 * MiB, f"the client's peak memory grew {grown / MiB:.0f} MiB"


# --- SSE streams -----------------------------------------------------------------------------------

SSE_CASES: list[tuple[str, list[bytes], type[AgentOSError]]] = [
    ("deep JSON data", [sse_event(DEEP)], APIResponseValidationError),
    (
        "900-deep data",
        [sse_event(b'{"event": "RunContent", "content": ' + MEDIUM_DEEP + b"}")],
        APIResponseValidationError,
    ),
    (
        "5,000-digit number",
        [sse_event(b'{"event": "RunContent", "content": ' + LONG_NUMBER + b"}")],
        APIResponseValidationError,
    ),
    ("data that is not an object", [sse_event(b"[1, 2]")], APIResponseValidationError),
    (
        "an error event with a deep detail",
        [sse_event(b'{"event": "RunError", "content": ' + SHALLOW_BUT_DEEP + b"}", "RunError")],
        InBandError,
    ),
]


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("case", "events", "expected"), SSE_CASES, ids=[case[0] for case in SSE_CASES])
async def test_hostile_sse_data_is_a_typed_error(
    kind: str, case: str, events: list[bytes], expected: type[AgentOSError]
) -> None:
    with ScriptedServer({RUNS: lambda request: chunked(200, SSE, events)}) as server:
        error = await call(kind, server.url, stream)
    assert type(error) is expected, error
    if isinstance(error, InBandError):
        assert error.detail is None
        assert error.event == {"event": "RunError"}


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
async def test_a_gzip_bomb_in_a_stream_stops_at_the_event_bound(kind: str, bomb: bytes) -> None:
    raw = head(200, {**SSE, "Content-Encoding": "gzip"}, length=len(bomb)) + bomb
    with ScriptedServer({RUNS: answer(raw)}) as server:
        peak = rss_peak_since_reset()
        error = await call(kind, server.url, stream)
        grown = peak()
    print(f"peak memory growth: {grown / MiB:.1f} MiB")
    assert type(error) is ResponseTooLargeError
    assert grown < 96 * MiB, f"the client's peak memory grew {grown / MiB:.0f} MiB"


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
async def test_an_endless_stream_stops_at_max_events(kind: str) -> None:
    event = sse_event(b'{"event": "RunContent", "content": "x"}')
    with ScriptedServer({RUNS: lambda request: chunked(200, SSE, [event] * 500)}) as server:
        error = await call(kind, server.url, lambda client: client.agents.stream("a", "hi", max_events=100))
    assert type(error) is ResponseTooLargeError
    assert "max_events=100" in str(error)


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
async def test_a_trickling_stream_ends_at_its_total_timeout(kind: str) -> None:
    event = sse_event(b'{"event": "RunContent", "content": "x"}')
    trickle: list[bytes | float] = [event, 0.2] * 40  # 8 s, never completing
    with ScriptedServer({RUNS: lambda request: chunked(200, SSE, trickle)}) as server:
        started = time.monotonic()
        error = await call(
            kind, server.url, lambda client: client.agents.stream("a", "hi", total_timeout=1.0)
        )
        elapsed = time.monotonic() - started
    assert type(error) is APITimeoutError
    assert "total_timeout of 1 s" in str(error)
    assert elapsed < 4.0


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
async def test_a_slow_answer_ends_at_the_calls_total_timeout(kind: str) -> None:
    slow: list[bytes | float] = [5.0, http_response(200, run_output(b'"late"'))]
    with ScriptedServer({RUNS: lambda request: slow}) as server:
        started = time.monotonic()
        error = await call(kind, server.url, lambda client: client.agents.run("a", "hi", total_timeout=0.5))
        elapsed = time.monotonic() - started
    assert type(error) is APITimeoutError
    assert elapsed < 3.0


# --- the WebSocket ---------------------------------------------------------------------------------

GREETING = text_frame(b'{"event": "connected", "requires_auth": false}')

WS_CASES: list[tuple[str, bytes, type[AgentOSError]]] = [
    ("deep JSON frame", text_frame(DEEP), APIResponseValidationError),
    (
        "deep SSE data",
        text_frame(b"event: WorkflowStarted\ndata: " + DEEP + b"\n\n"),
        APIResponseValidationError,
    ),
    (
        "5,000-digit number",
        text_frame(b'{"event": "StepOutput", "content": ' + LONG_NUMBER + b"}"),
        APIResponseValidationError,
    ),
    (
        "agno's missing-scope refusal",
        text_frame(b'{"event": "error", "error": "Insufficient permissions to run this workflow"}'),
        FactoryPermissionError,
    ),
    (
        "agno's unknown-workflow refusal",
        text_frame(b'{"event": "error", "error": "Workflow w not found"}'),
        NotFoundError,
    ),
    (
        "another workflow's name",
        text_frame(b'{"event": "error", "error": "Workflow x not found"}'),
        InBandError,
    ),
    (
        "a factory error",
        text_frame(b'{"event": "error", "error": "Factory error: Missing scope"}'),
        InBandError,
    ),
]


def ws_script(frame: bytes) -> Callable[[Request], list[bytes | float]]:
    return lambda request: [websocket_accept(request), GREETING, 0.05, frame, 0.2]


async def ws_run(kind: str, base_url: str) -> AgentOSError:
    try:
        if kind == "sync":
            with (
                Client(base_url, max_retries=0, timeout=10.0) as client,
                client.workflows.websocket("w", route="agno") as ws,
            ):
                ws.start("go").until_done()
        else:
            async with (
                AsyncClient(base_url, max_retries=0, timeout=10.0) as async_client,
                await async_client.workflows.websocket("w", route="agno") as async_ws,
            ):
                await (await async_ws.start("go")).until_done()
    except AgentOSError as error:
        _check_error(error)
        return error
    raise AssertionError("no error was raised")


@pytest.mark.loopback
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("case", "frame", "expected"), WS_CASES, ids=[case[0] for case in WS_CASES])
async def test_hostile_websocket_frames_are_typed_errors(
    kind: str, case: str, frame: bytes, expected: type[AgentOSError]
) -> None:
    with ScriptedServer({"/workflows/ws": ws_script(frame)}) as server:
        error = await ws_run(kind, server.url)
    assert type(error) is expected, error
