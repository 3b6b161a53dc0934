"""A deployment under test, reached only through HTTP and WebSocket.

A URL, an in-process ASGI app and an httpx transport are all just "a target": the checks
never see the difference. Every request goes to the one base URL the suite was given
(relative paths only, redirects are never followed, proxies from the environment are
ignored), counts against the request budget and the time budget, and is recorded as an
:class:`Exchange` so a failure can be shown and replayed with curl.

A request that gets no answer (refused, dropped, reset, cut short, timed out) is not the end
of a run: it becomes an :class:`Answer` with ``failure`` set (status 0 when no status line
arrived), which the check at hand judges like any other answer. The target then makes sure
the deployment still answers HTTP at all (``GET /health``, any status counts), up to
``len(LIVENESS_WAITS_S)`` times over a few seconds; only when none of those answers either
does it raise :class:`TargetUnreachable` (exit code 2). Runs are never re-sent.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import socket
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import httpx
import httpx_ws
import jwt

from agentos_contract import asgi_ws
from agentos_contract.config import Connection
from agentos_contract.model import Exchange

MAX_BODY_BYTES = 1 << 20
# Connections per httpx pool; --workers above it get more pools, not larger ones (Target.__aenter__).
CONNECTIONS_PER_POOL = 4
MAX_CONNECTIONS_PER_POOL = 100
_SHOWN_BODY_CHARS = 4000
LIVENESS_PATH = "/health"
# Waits before each liveness attempt after a request got no answer: a deployment that answers
# none of them (several consecutive connection failures over ~3.5 s) is unreachable.
LIVENESS_WAITS_S = (0.0, 0.5, 1.0, 2.0)


class RequestPace:
    """``--rate-limit``: request starts at least 1/rate seconds apart, whatever the workers."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock: anyio.Lock | None = None

    async def wait(self) -> None:
        if not self._interval:
            return
        if self._lock is None:  # made on the loop that uses it
            self._lock = anyio.Lock()
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        await anyio.sleep(start - now)


class BudgetExhausted(Exception):
    """The run reached ``--max-requests`` or ``--time-budget``."""


class TargetUnreachable(Exception):
    """The deployment stopped answering: a request and every liveness check after it got no
    HTTP answer (connection refused, DNS, resets, timeouts)."""


@dataclass
class Budget:
    max_requests: int
    time_budget_s: float
    used: int = 0
    started: float = field(default_factory=time.monotonic)

    def spend(self) -> None:
        if self.used >= self.max_requests:
            raise BudgetExhausted(f"request budget of {self.max_requests} exhausted")
        if time.monotonic() - self.started > self.time_budget_s:
            raise BudgetExhausted(f"time budget of {self.time_budget_s:g} s exhausted")
        self.used += 1

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


_NOT_JSON = object()


@dataclass(frozen=True)
class Answer:
    """The raw answer to one request, as a judge sees it.

    ``failure`` says how the exchange broke when it did: no answer at all (``status`` 0), or an
    answer cut short (the status and the part of the body that arrived are kept)."""

    status: int
    content_type: str
    text: str
    exchange: Exchange
    failure: str | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def json(self) -> Any:
        """The parsed body, or ``NOT_JSON`` when the body is not JSON."""
        try:
            return json.loads(self.text)
        except (ValueError, RecursionError):  # a body nested past the parser's depth is not JSON to us
            return _NOT_JSON

    @property
    def is_json(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == "application/json"

    @property
    def detail(self) -> Any:
        body = self.json()
        return body.get("detail") if isinstance(body, dict) else None


NOT_JSON = _NOT_JSON

FormFields = Sequence[tuple[str, str]]


TOKEN_VARIABLE = "AGENTOS_CONTRACT_TOKEN"
TOKEN_PLACEHOLDER = "${" + TOKEN_VARIABLE + "}"


def header_variable(name: str) -> str:
    """The environment variable a replay reads a gateway header's value from."""
    return "AGENTOS_CONTRACT_HEADER_" + "".join(c if c.isalnum() else "_" for c in name.upper())


def _claims_of(token: str) -> str:
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return json.dumps({"token": "not a JWT"})
    shown = {k: v for k, v in payload.items() if k not in ("exp", "iat", "nbf")}
    return json.dumps(shown, sort_keys=True)


def recorded_headers(
    headers: Mapping[str, str], gateway: Sequence[tuple[str, str]]
) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """Headers as an exchange keeps them: no token and no gateway secret, only where to put them."""
    kept: list[tuple[str, str]] = [(name, f"${{{header_variable(name)}}}") for name, _ in gateway]
    claims = None
    for name, value in headers.items():
        scheme, _, token = value.partition(" ")
        if name.lower() == "authorization" and scheme.lower() == "bearer" and token:
            kept.append((name, f"{scheme} {TOKEN_PLACEHOLDER}"))
            claims = _claims_of(token)
        else:
            kept.append((name, value))
    return tuple(kept), claims


def _failure_text(exc: httpx.TransportError, timeout_s: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout_s:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"the connection failed ({type(exc).__name__}: {exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server closed the connection before a complete answer ({exc})"
    return f"the connection broke ({type(exc).__name__}: {exc or 'reset by the peer'})"


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_BODY_CHARS else text[:_SHOWN_BODY_CHARS] + "…"


async def _run_lifespan(app: Any, task_group: anyio.abc.TaskGroup) -> Any:
    """Start an ASGI app's lifespan (startup), return a coroutine function that shuts it down.

    Apps that do not support lifespan are tolerated, as the ASGI spec allows.
    """
    to_app_send, to_app_recv = anyio.create_memory_object_stream[dict[str, Any]](math.inf)
    from_app_send, from_app_recv = anyio.create_memory_object_stream[dict[str, Any]](math.inf)
    supported = True

    async def receive() -> dict[str, Any]:
        return await to_app_recv.receive()

    async def send(message: dict[str, Any]) -> None:
        await from_app_send.send(message)

    async def main() -> None:
        nonlocal supported
        try:
            await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
        except Exception:
            supported = False
        finally:
            await from_app_send.send({"type": "lifespan.ended"})

    task_group.start_soon(main)
    await to_app_send.send({"type": "lifespan.startup"})
    message = await from_app_recv.receive()
    if message["type"] == "lifespan.startup.failed":
        raise TargetUnreachable(f"the ASGI app failed its startup: {message.get('message', '')}")

    async def shutdown() -> None:
        if not supported or message["type"] == "lifespan.ended":
            return
        await to_app_send.send({"type": "lifespan.shutdown"})
        with anyio.move_on_after(10):
            while (await from_app_recv.receive())["type"] not in (
                "lifespan.shutdown.complete",
                "lifespan.shutdown.failed",
                "lifespan.ended",
            ):
                pass

    return shutdown


async def _start_lifespan_task(
    app: Any, task_group: anyio.abc.TaskGroup, stack: contextlib.AsyncExitStack
) -> None:
    """Run the app's lifespan in a task of its own, as a server does: some apps (agno's
    AgentOS among them) leave the requesting task's cancel scopes tangled otherwise."""
    started = anyio.Event()
    stop = anyio.Event()
    failure: list[BaseException] = []

    async def serve() -> None:
        try:
            async with anyio.create_task_group() as own:
                shutdown = await _run_lifespan(app, own)
                started.set()
                await stop.wait()
                await shutdown()
        except BaseException as exc:  # reported to the entering task below
            failure.append(exc)
            started.set()
            if not isinstance(exc, Exception):
                raise

    task_group.start_soon(serve)
    await started.wait()
    stack.callback(stop.set)
    if failure:
        raise TargetUnreachable(f"the ASGI app failed to start: {failure[0]}") from failure[0]


class _Channel(Protocol):
    async def send_text(self, text: str) -> None: ...

    async def receive_text(self, wait_s: float) -> str | None: ...


class _HttpxWs:
    """httpx-ws over a real connection, with disconnects and silence as None."""

    def __init__(self, session: httpx_ws.AsyncWebSocketSession) -> None:
        self._session = session
        self.closed = False

    async def send_text(self, text: str) -> None:
        try:
            await self._session.send_text(text)
        except (httpx_ws.WebSocketDisconnect, httpx_ws.WebSocketNetworkError):
            self.closed = True  # the next receive_text reports the silence

    async def receive_text(self, wait_s: float) -> str | None:
        if self.closed:
            return None
        try:
            return await self._session.receive_text(timeout=wait_s)
        except (
            httpx_ws.WebSocketDisconnect,
            httpx_ws.WebSocketNetworkError,
            TimeoutError,
            httpx_ws.WebSocketInvalidTypeReceived,
        ):
            self.closed = True
            return None


class WebSocketConversation:
    """One WebSocket connection: every frame sent and received is kept for the report."""

    def __init__(self, channel: _Channel, url: str, budget: Budget) -> None:
        self._channel = channel
        self._budget = budget
        self.url = url
        self.sent: list[str] = []
        self.received: list[str] = []
        self.token_claims: str | None = None

    async def send_json(self, message: Mapping[str, Any]) -> None:
        text = json.dumps(message)
        token = message.get("token")
        if isinstance(token, str) and token:
            self.token_claims = _claims_of(token)
            self.sent.append(json.dumps({**message, "token": TOKEN_PLACEHOLDER}))
        else:
            self.sent.append(text)
        await self._channel.send_text(text)

    async def receive_text(self, wait_s: float) -> str | None:
        """The next text frame, or None when the server closed or stayed silent for ``wait_s``."""
        if self._budget.elapsed_s > self._budget.time_budget_s:
            raise BudgetExhausted(f"time budget of {self._budget.time_budget_s:g} s exhausted")
        text = await self._channel.receive_text(wait_s)
        if text is not None:
            self.received.append(text)
        return text

    def exchange(self) -> Exchange:
        return Exchange(
            method="WEBSOCKET",
            url=self.url,
            ws_sent=tuple(self.sent),
            ws_received=tuple(_shown(text) for text in self.received),
            token_claims=self.token_claims,
        )


def _ignore_closed(exc_type: object, exc: BaseException | None, tb: object) -> bool:
    return isinstance(exc, (httpx_ws.WebSocketDisconnect, httpx_ws.WebSocketNetworkError))


class WebSocketRejected(Exception):
    """The WebSocket handshake was refused (no such route, forbidden, ...)."""

    def __init__(self, url: str, status: int | None, text: str) -> None:
        super().__init__(f"WebSocket handshake to {url} refused: {status} {text[:200]}")
        self.url = url
        self.status = status
        self.text = text


class Target:
    """The deployment under test. Use as ``async with Target.url(...) as target``."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        app: Any = None,
        budget: Budget | None = None,
        request_timeout_s: float = 30.0,
        connection: Connection | None = None,
        max_connections: int = 8,
        rate_limit: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.connection = connection or Connection()
        self._max_connections = max(1, max_connections)
        self._pace = RequestPace(rate_limit)
        self._transport = transport
        self._app = app
        self.budget = budget or Budget(max_requests=20_000, time_budget_s=600.0)
        self._timeout = request_timeout_s
        self._clients: list[httpx.AsyncClient] = []
        self._next_client: Iterator[httpx.AsyncClient] = iter(())
        self._stack: contextlib.AsyncExitStack | None = None
        self.supports_websocket = transport is None

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Target:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"not an http(s) URL: {url!r}")
        return cls(url, **kwargs)

    @classmethod
    def from_asgi(cls, app: Any, **kwargs: Any) -> Target:
        """An in-process ASGI app (HTTP and WebSocket), with its lifespan started and stopped."""
        return cls("http://agentos.test", app=app, **kwargs)

    @classmethod
    def from_transport(
        cls, transport: httpx.AsyncBaseTransport, base_url: str = "http://agentos.test", **kwargs: Any
    ) -> Target:
        """Any httpx transport (HTTP only: WebSocket clauses are reported as not judged)."""
        return cls(base_url, transport=transport, **kwargs)

    async def __aenter__(self) -> Target:
        stack = contextlib.AsyncExitStack()
        await stack.__aenter__()
        try:
            transports: list[httpx.AsyncBaseTransport]
            if self._app is not None:
                task_group = await stack.enter_async_context(anyio.create_task_group())
                await _start_lifespan_task(self._app, task_group, stack)
                transports = [httpx.ASGITransport(app=self._app, raise_app_exceptions=False)]
                self.supports_websocket = True
            elif self._transport is not None:
                transports = [self._transport]
            else:
                # Several small pools rather than one large: httpcore looks at every pooled
                # connection on each request, which was a third of the suite's CPU at 16 workers.
                shards = -(-self._max_connections // CONNECTIONS_PER_POOL)
                size = -(-self._max_connections // shards)
                transports = [self._network_transport(size) for _ in range(shards)]
            self._clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=self.base_url,
                        # Gateway headers go on every request, the WebSocket handshake included.
                        headers=list(self.connection.headers),
                        transport=transport,
                        follow_redirects=False,
                        trust_env=False,
                        timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 10.0)),
                    )
                )
                for transport in transports
            ]
            self._next_client = itertools.cycle(self._clients)
        except BaseException:
            await stack.__aexit__(None, None, None)
            raise
        self._stack = stack
        return self

    def _network_transport(self, connections: int) -> httpx.AsyncHTTPTransport:
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
        # and delayed ACKs stall every request with a body by ~40 ms.
        return httpx.AsyncHTTPTransport(
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
            trust_env=False,
            verify=self.connection.ssl_context(),
            proxy=self.connection.proxy,
            # Kept alive: one per worker. Opened: as many as needed, within httpx's usual bound (a
            # WebSocket holds one for its whole life, and concurrent-contexts sends 32 at once).
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS_PER_POOL, max_keepalive_connections=connections
            ),
        )

    async def __aexit__(self, *exc_info: object) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.__aexit__(None, None, None)

    @property
    def client(self) -> httpx.AsyncClient:
        if not self._clients:
            raise RuntimeError("Target used outside 'async with'")
        return self._clients[0]

    def url_of(self, path: str, params: Mapping[str, str] | None = None) -> str:
        return str(httpx.URL(self.base_url + path, params=dict(params) if params else None))

    async def request(
        self,
        method: str,
        path: str,
        *,
        form: FormFields | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one request (``form`` as multipart/form-data) and read the whole answer."""
        if not path.startswith("/"):
            raise ValueError(f"paths are relative to the target's base URL: {path!r}")
        self.budget.spend()
        await self._pace.wait()
        sent_headers = dict(headers or {})
        files = [(name, (None, value)) for name, value in form] if form is not None else None
        kept, claims = recorded_headers(sent_headers, self.connection.headers)
        exchange = Exchange(
            method=method,
            url=self.url_of(path, params),
            headers=kept,
            form=tuple(form) if form is not None else None,
            token_claims=claims,
        )
        status, content_type = 0, ""
        failure: str | None = None
        body = bytearray()
        client = self.client and next(self._next_client)
        request = client.build_request(method, path, params=params, headers=sent_headers, files=files)
        # Read into memory: the form then goes out in one write, not one system call per field.
        await request.aread()
        try:
            response = await client.send(request, stream=True)
            try:
                status, content_type = response.status_code, response.headers.get("content-type", "")
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_BODY_BYTES:
                        break
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            failure = _failure_text(exc, self._timeout)
        text = body.decode("utf-8", errors="replace")
        answered = Exchange(
            method=exchange.method,
            url=exchange.url,
            headers=exchange.headers,
            form=exchange.form,
            status=status or None,
            response_content_type=content_type or None,
            response_text=_shown(text),
            error=failure,
            token_claims=exchange.token_claims,
        )
        if failure is not None:
            await self._ensure_answering(f"{method} {exchange.url}: {failure}")
        return Answer(status=status, content_type=content_type, text=text, exchange=answered, failure=failure)

    async def _ensure_answering(self, cause: str) -> None:
        """After a request got no (complete) answer: return once the deployment answers HTTP
        again, or raise TargetUnreachable when it answers none of the liveness attempts."""
        last = cause
        for wait_s in LIVENESS_WAITS_S:
            await anyio.sleep(wait_s)
            self.budget.spend()
            await self._pace.wait()
            try:
                async with self.client.stream("GET", LIVENESS_PATH) as response:
                    await response.aread()
                return
            except httpx.TransportError as exc:
                last = f"GET {LIVENESS_PATH}: {_failure_text(exc, self._timeout)}"
        raise TargetUnreachable(
            f"{len(LIVENESS_WAITS_S) + 1} consecutive requests got no answer (first: {cause}; last: {last})"
        )

    @contextlib.asynccontextmanager
    async def websocket(self, path: str) -> AsyncIterator[WebSocketConversation]:
        """Open a WebSocket to ``path`` on the target; raises WebSocketRejected on a refused handshake."""
        if not self.supports_websocket:
            raise WebSocketRejected(self.url_of(path), None, "the target's transport cannot carry WebSockets")
        self.budget.spend()
        await self._pace.wait()
        url = self.url_of(path)
        if self._app is not None:
            try:
                async with asgi_ws.connect(self._app, path, httpx.URL(self.base_url).host) as conversation:
                    yield WebSocketConversation(conversation, url.replace("http", "ws", 1), self.budget)
            except asgi_ws.AsgiWebSocketRejected as exc:
                raise WebSocketRejected(url, exc.status, exc.text) from exc
            return
        try:
            async with contextlib.AsyncExitStack() as stack:
                connection: contextlib.AbstractAsyncContextManager[httpx_ws.AsyncWebSocketSession] = (
                    httpx_ws.aconnect_ws(path, self.client, keepalive_ping_interval_seconds=None)
                )
                session = await stack.enter_async_context(connection)
                # A server that already closed the socket makes the orderly close fail: that is fine.
                stack.push(_ignore_closed)
                yield WebSocketConversation(_HttpxWs(session), url.replace("http", "ws", 1), self.budget)
        except httpx_ws.WebSocketUpgradeError as exc:
            response = exc.response
            try:
                text = (await response.aread()).decode("utf-8", "replace")
            except httpx.StreamError:
                text = ""  # httpx-ws already closed the refused response
            raise WebSocketRejected(url, response.status_code, text) from exc
        except httpx.TransportError as exc:
            failure = _failure_text(exc, self._timeout)
            await self._ensure_answering(f"WebSocket {url}: {failure}")
            raise WebSocketRejected(url, None, f"no handshake answer: {failure}") from exc
