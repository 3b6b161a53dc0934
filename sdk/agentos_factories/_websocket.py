"""The workflow WebSocket session, sync and async, over httpx's HTTP/1.1 Upgrade.

The handshake goes through the client's own httpx client (auth headers, transport, retries of
the handshake itself); after ``101 Switching Protocols`` the connection is taken from
``response.extensions["network_stream"]`` and spoken to with the RFC 6455 codec of
:mod:`._ws_codec`. Routes: the spec's ``/workflows/{id}/ws``, agno 3.1's ``/workflows/ws``
(the workflow id travels in each message), or ``"auto"``: the spec route first, agno's when
that handshake is refused.

The conversation is agno's: a ``connected`` frame (``requires_auth``), ``authenticate`` with
the token, then ``start-workflow`` with ``factory_input`` as a JSON field. Run events arrive as
SSE-formatted text frames (or flat JSON); errors as ``{"event": "error", "error": ...}``, typed
by the status table when they carry ``"status"``, else :class:`InBandError`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol

import httpx
from typing_extensions import Self

from ._errors import (
    AgentOSError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    IncompleteStreamError,
    error_from_event,
)
from ._request import ApiCall, factory_input_value, path
from ._sse import SSEDecodeError, SSEDecoder
from ._streaming import EventInterpreter
from ._types import FactoryInput, TimeoutTypes, WebSocketRoute
from ._ws_codec import Close, Ping, WebSocketProtocol, WebSocketProtocolError, accept_key, new_key
from .models.events import WorkflowEvent

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = ["AsyncWorkflowRunEvents", "AsyncWorkflowWebSocket", "WorkflowRunEvents", "WorkflowWebSocket"]

_READ_SIZE = 65536
#: Frames of agno's protocol that carry no run information.
_CONTROL_EVENTS = frozenset({"connected", "authenticated", "pong", "queued"})
_AUTH_FAILURES = frozenset({"auth_error", "auth_required"})


class _SyncNetworkStream(Protocol):
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...
    def write(self, buffer: bytes, timeout: float | None = None) -> None: ...
    def close(self) -> None: ...


class _AsyncNetworkStream(Protocol):
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...
    async def write(self, buffer: bytes, timeout: float | None = None) -> None: ...
    async def aclose(self) -> None: ...


def _route_paths(workflow_id: str, route: WebSocketRoute) -> list[tuple[Literal["spec", "agno"], str]]:
    spec: tuple[Literal["spec", "agno"], str] = ("spec", path("/workflows/{}/ws", workflow_id))
    agno: tuple[Literal["spec", "agno"], str] = ("agno", "/workflows/ws")
    if route == "spec":
        return [spec]
    if route == "agno":
        return [agno]
    if route == "auto":
        return [spec, agno]
    raise ValueError(f"route must be 'auto', 'spec' or 'agno', not {route!r}")


def _handshake_call(ws_path: str, key: str, timeout: TimeoutTypes) -> ApiCall:
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    return ApiCall("GET", ws_path, retry="idempotent", headers=headers, timeout=timeout)


def _ws_url(http_url: str) -> str:
    if http_url.startswith("https://"):
        return "wss://" + http_url[len("https://") :]
    if http_url.startswith("http://"):
        return "ws://" + http_url[len("http://") :]
    return http_url


def _refused(exc: APIStatusError) -> bool:
    """Did the server refuse the spec route's handshake (so agno's route may exist)?"""
    return exc.status_code in (400, 403, 404, 405, 426)


def _check_upgrade(response: httpx.Response, key: str, url: str) -> None:
    def invalid(message: str) -> APIResponseValidationError:
        return APIResponseValidationError(message, method="GET", url=url, response=response)

    if response.status_code != 101:
        raise invalid(f"the WebSocket handshake answered {response.status_code}, not 101")
    if response.headers.get("sec-websocket-accept") != accept_key(key):
        raise invalid("the WebSocket handshake has a wrong Sec-WebSocket-Accept")
    if "network_stream" not in response.extensions:
        raise invalid("the transport gives no network stream for the upgraded connection")


class _Session:
    """The sans-IO half of a session: message parsing and the protocol's control flow."""

    def __init__(
        self, workflow_id: str, route: Literal["spec", "agno"], url: str, response: httpx.Response
    ) -> None:
        self.workflow_id = workflow_id
        self.route = route
        self.url = url
        self.response = response
        self.protocol = WebSocketProtocol()
        self.pending: list[dict[str, Any]] = []
        self.requires_auth: bool | None = None
        self.running = False

    def connection_error(self, exc: BaseException) -> APIConnectionError:
        if isinstance(exc, TimeoutError) or type(exc).__name__.endswith("Timeout"):
            return APITimeoutError(method="WS", url=self.url, cause=exc)
        return APIConnectionError(method="WS", url=self.url, cause=exc)

    def invalid(self, message: str) -> APIResponseValidationError:
        return APIResponseValidationError(message, method="WS", url=self.url, response=self.response)

    def parse(self, text: str) -> list[dict[str, Any]]:
        """A text frame as data objects: SSE-formatted (run events) or one JSON object (control)."""
        stripped = text.lstrip()
        if stripped.startswith(("event:", "data:", "id:", ":")):
            decoder = SSEDecoder()
            try:
                events = [*decoder.feed(text.encode()), *decoder.flush()]
                if not events:
                    # An SSE frame whose last event has no blank line: the frame itself ends it.
                    decoder = SSEDecoder()
                    events = [*decoder.feed(text.encode() + b"\n\n"), *decoder.flush()]
            except SSEDecodeError as exc:
                raise self.invalid(str(exc)) from exc
            out = []
            for sse in events:
                data = self._json(sse.data)
                data.setdefault("event", sse.event)
                out.append(data)
            return out
        return [self._json(text)]

    def _json(self, text: str) -> dict[str, Any]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.invalid(f"a WebSocket frame is not JSON: {text[:200]!r}") from exc
        if not isinstance(data, dict):
            raise self.invalid(f"a WebSocket frame is not a JSON object: {text[:200]!r}")
        return data

    def auth_error(self, data: Mapping[str, Any]) -> AuthenticationError:
        detail = data.get("error") or data.get("message") or data.get("event")
        return AuthenticationError(
            method="WS", url=self.url, status_code=401, detail=str(detail), response=self.response
        )

    def no_token_error(self) -> AuthenticationError:
        return AuthenticationError(
            method="WS",
            url=self.url,
            status_code=401,
            detail="the server requires authentication and the client has no token",
            response=self.response,
        )

    def start_message(
        self, message: str, factory_input: FactoryInput, session_id: str | None, user_id: str | None
    ) -> str:
        if not isinstance(message, str):
            raise TypeError(f"message must be a string, not {type(message).__name__}")
        if self.running:
            raise RuntimeError("iterate the current run to its end before starting another on this session")
        body: dict[str, object] = {
            "action": "start-workflow",
            "workflow_id": self.workflow_id,
            "message": message,
        }
        value = factory_input_value(factory_input)
        if value is not None:
            body["factory_input"] = value
        if session_id is not None:
            body["session_id"] = session_id
        if user_id is not None:
            body["user_id"] = user_id
        return json.dumps(body, separators=(",", ":"))

    def on_run_data(self, interpreter: EventInterpreter, data: Mapping[str, Any]) -> WorkflowEvent | None:
        """A run's next event, ``None`` for control frames; raises for error frames."""
        name = data.get("event")
        if name in _CONTROL_EVENTS:
            return None
        if name in _AUTH_FAILURES:
            raise self.auth_error(data)
        return interpreter.on_data(data)  # type: ignore[return-value]  # a workflow stream's event


class WorkflowWebSocket:
    """A connected, authenticated workflow WebSocket session (sync). Close it, or use ``with``."""

    def __init__(self, session: _Session, stream: _SyncNetworkStream, read_timeout: float | None) -> None:
        self._session = session
        self._stream = stream
        self._timeout = read_timeout
        self._closed = False

    @property
    def route(self) -> Literal["spec", "agno"]:
        """The route the handshake succeeded on."""
        return self._session.route

    @property
    def url(self) -> str:
        return self._session.url

    @classmethod
    def connect(cls, client: Client, workflow_id: str, route: WebSocketRoute, timeout: TimeoutTypes) -> Self:
        attempts = _route_paths(workflow_id, route)
        for index, (name, ws_path) in enumerate(attempts):
            key = new_key()
            try:
                response = client._send(_handshake_call(ws_path, key, timeout), stream=True)
            except APIStatusError as exc:
                if index + 1 < len(attempts) and _refused(exc):
                    continue
                raise
            url = _ws_url(str(response.request.url))
            try:
                _check_upgrade(response, key, url)
            except AgentOSError:
                response.close()
                raise
            read_timeout = httpx.Timeout(timeout).read if timeout is not None else None
            session = cls(
                _Session(workflow_id, name, url, response),
                response.extensions["network_stream"],
                read_timeout,
            )
            try:
                session._open(client.bearer_token())
            except BaseException:
                session._abort()
                raise
            return session
        raise AssertionError("unreachable: at least one route is tried")  # pragma: no cover

    # --- I/O -----------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if not data:
            return
        try:
            self._stream.write(data, self._timeout)
        except Exception as exc:
            raise self._session.connection_error(exc) from exc

    def _next(self) -> dict[str, Any] | None:
        """The next data object from the server, or ``None`` once the connection closed."""
        session = self._session
        while not session.pending:
            if session.protocol.close_received is not None:
                return None
            try:
                chunk = self._stream.read(_READ_SIZE, self._timeout)
            except Exception as exc:
                raise session.connection_error(exc) from exc
            if not chunk:
                return None
            try:
                events = session.protocol.receive(chunk)
            except WebSocketProtocolError as exc:
                self._write(session.protocol.close(exc.code, str(exc)))
                raise session.invalid(f"WebSocket protocol error: {exc}") from exc
            for event in events:
                if isinstance(event, Ping):
                    self._write(session.protocol.pong(event.payload))
                elif isinstance(event, Close):
                    self._write(session.protocol.close(event.code or 1000))
                elif isinstance(event, str):
                    session.pending.extend(session.parse(event))
                elif isinstance(event, bytes):
                    raise session.invalid("the server sent a binary message; the protocol uses text")
        return session.pending.pop(0)

    def _open(self, token: str | None) -> None:
        session = self._session
        first = self._next()
        if first is None:
            raise IncompleteStreamError(
                "the server closed the WebSocket before greeting",
                method="WS",
                url=session.url,
                response=session.response,
            )
        if first.get("event") == "connected":
            session.requires_auth = bool(first.get("requires_auth"))
        else:
            session.pending.insert(0, first)  # a server without agno's greeting
        if session.requires_auth is False:
            return
        if token is None:
            if session.requires_auth:
                raise session.no_token_error()
            return
        self._write(session.protocol.text(json.dumps({"action": "authenticate", "token": token})))
        while True:
            data = self._next()
            if data is None:
                raise IncompleteStreamError(
                    "the server closed the WebSocket during authentication",
                    method="WS",
                    url=session.url,
                    response=session.response,
                )
            name = data.get("event")
            if name == "authenticated":
                return
            if name in _AUTH_FAILURES:
                raise session.auth_error(data)
            if name == "error":
                raise error_from_event(data, method="WS", url=session.url, response=session.response)

    # --- public --------------------------------------------------------------------------------

    def start(
        self,
        message: str,
        *,
        factory_input: FactoryInput = None,
        session_id: str | None = None,
        user_id: str | None = None,
    ) -> WorkflowRunEvents:
        """``start-workflow``; iterate the result for typed events up to ``WorkflowCompleted``."""
        text = self._session.start_message(message, factory_input, session_id, user_id)
        self._write(self._session.protocol.text(text))
        self._session.running = True
        return WorkflowRunEvents(self)

    def ping(self) -> None:
        """Send ``{"action": "ping"}`` and wait for the ``pong``."""
        self._write(self._session.protocol.text(json.dumps({"action": "ping"})))
        while True:
            data = self._next()
            if data is None:
                raise IncompleteStreamError(
                    "the server closed the WebSocket before answering the ping",
                    method="WS",
                    url=self.url,
                    response=self._session.response,
                )
            if data.get("event") == "pong":
                return
            if data.get("event") in _AUTH_FAILURES:
                raise self._session.auth_error(data)

    def _abort(self) -> None:
        self._closed = True
        try:
            self._stream.close()
        finally:
            self._session.response.close()

    def close(self) -> None:
        """Send a close frame (1000), wait briefly for the server's, and drop the connection."""
        if self._closed:
            return
        try:
            protocol = self._session.protocol
            self._stream.write(protocol.close(1000), 1.0)
            while protocol.close_received is None:
                chunk = self._stream.read(_READ_SIZE, 1.0)
                if not chunk:
                    break
                protocol.receive(chunk)
        except Exception:  # the connection is going away; closing must not fail
            pass
        finally:
            self._abort()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class WorkflowRunEvents:
    """The events of one run started on a :class:`WorkflowWebSocket`."""

    def __init__(self, socket: WorkflowWebSocket) -> None:
        self._socket = socket
        session = socket._session
        self._interpreter = EventInterpreter(
            "workflow", method="WS", url=session.url, response=session.response
        )

    @property
    def completion(self) -> WorkflowEvent | None:
        return self._interpreter.completion  # type: ignore[return-value]  # a workflow event

    def __iter__(self) -> Iterator[WorkflowEvent]:
        session = self._socket._session
        try:
            while self._interpreter.completion is None:
                data = self._socket._next()
                if data is None:
                    self._interpreter.finish()
                    return
                event = session.on_run_data(self._interpreter, data)
                if event is not None:
                    yield event
        finally:
            session.running = False

    def until_done(self) -> WorkflowEvent:
        for _ in self:
            pass
        completion = self.completion
        if completion is None:  # pragma: no cover - iteration raises first
            raise AssertionError("unreachable")
        return completion


class AsyncWorkflowWebSocket:
    """The async twin of :class:`WorkflowWebSocket`."""

    def __init__(self, session: _Session, stream: _AsyncNetworkStream, read_timeout: float | None) -> None:
        self._session = session
        self._stream = stream
        self._timeout = read_timeout
        self._closed = False

    @property
    def route(self) -> Literal["spec", "agno"]:
        return self._session.route

    @property
    def url(self) -> str:
        return self._session.url

    @classmethod
    async def connect(
        cls, client: AsyncClient, workflow_id: str, route: WebSocketRoute, timeout: TimeoutTypes
    ) -> Self:
        attempts = _route_paths(workflow_id, route)
        for index, (name, ws_path) in enumerate(attempts):
            key = new_key()
            try:
                response = await client._send(_handshake_call(ws_path, key, timeout), stream=True)
            except APIStatusError as exc:
                if index + 1 < len(attempts) and _refused(exc):
                    continue
                raise
            url = _ws_url(str(response.request.url))
            try:
                _check_upgrade(response, key, url)
            except AgentOSError:
                await response.aclose()
                raise
            read_timeout = httpx.Timeout(timeout).read if timeout is not None else None
            session = cls(
                _Session(workflow_id, name, url, response),
                response.extensions["network_stream"],
                read_timeout,
            )
            try:
                await session._open(await client.bearer_token())
            except BaseException:
                await session._abort()
                raise
            return session
        raise AssertionError("unreachable: at least one route is tried")  # pragma: no cover

    async def _write(self, data: bytes) -> None:
        if not data:
            return
        try:
            await self._stream.write(data, self._timeout)
        except Exception as exc:
            raise self._session.connection_error(exc) from exc

    async def _next(self) -> dict[str, Any] | None:
        session = self._session
        while not session.pending:
            if session.protocol.close_received is not None:
                return None
            try:
                chunk = await self._stream.read(_READ_SIZE, self._timeout)
            except Exception as exc:
                raise session.connection_error(exc) from exc
            if not chunk:
                return None
            try:
                events = session.protocol.receive(chunk)
            except WebSocketProtocolError as exc:
                await self._write(session.protocol.close(exc.code, str(exc)))
                raise session.invalid(f"WebSocket protocol error: {exc}") from exc
            for event in events:
                if isinstance(event, Ping):
                    await self._write(session.protocol.pong(event.payload))
                elif isinstance(event, Close):
                    await self._write(session.protocol.close(event.code or 1000))
                elif isinstance(event, str):
                    session.pending.extend(session.parse(event))
                elif isinstance(event, bytes):
                    raise session.invalid("the server sent a binary message; the protocol uses text")
        return session.pending.pop(0)

    async def _open(self, token: str | None) -> None:
        session = self._session
        first = await self._next()
        if first is None:
            raise IncompleteStreamError(
                "the server closed the WebSocket before greeting",
                method="WS",
                url=session.url,
                response=session.response,
            )
        if first.get("event") == "connected":
            session.requires_auth = bool(first.get("requires_auth"))
        else:
            session.pending.insert(0, first)
        if session.requires_auth is False:
            return
        if token is None:
            if session.requires_auth:
                raise session.no_token_error()
            return
        await self._write(session.protocol.text(json.dumps({"action": "authenticate", "token": token})))
        while True:
            data = await self._next()
            if data is None:
                raise IncompleteStreamError(
                    "the server closed the WebSocket during authentication",
                    method="WS",
                    url=session.url,
                    response=session.response,
                )
            name = data.get("event")
            if name == "authenticated":
                return
            if name in _AUTH_FAILURES:
                raise session.auth_error(data)
            if name == "error":
                raise error_from_event(data, method="WS", url=session.url, response=session.response)

    async def start(
        self,
        message: str,
        *,
        factory_input: FactoryInput = None,
        session_id: str | None = None,
        user_id: str | None = None,
    ) -> AsyncWorkflowRunEvents:
        """``start-workflow``; iterate the result for typed events up to ``WorkflowCompleted``."""
        text = self._session.start_message(message, factory_input, session_id, user_id)
        await self._write(self._session.protocol.text(text))
        self._session.running = True
        return AsyncWorkflowRunEvents(self)

    async def ping(self) -> None:
        await self._write(self._session.protocol.text(json.dumps({"action": "ping"})))
        while True:
            data = await self._next()
            if data is None:
                raise IncompleteStreamError(
                    "the server closed the WebSocket before answering the ping",
                    method="WS",
                    url=self.url,
                    response=self._session.response,
                )
            if data.get("event") == "pong":
                return
            if data.get("event") in _AUTH_FAILURES:
                raise self._session.auth_error(data)

    async def _abort(self) -> None:
        self._closed = True
        try:
            await self._stream.aclose()
        finally:
            await self._session.response.aclose()

    async def close(self) -> None:
        if self._closed:
            return
        try:
            protocol = self._session.protocol
            await self._stream.write(protocol.close(1000), 1.0)
            while protocol.close_received is None:
                chunk = await self._stream.read(_READ_SIZE, 1.0)
                if not chunk:
                    break
                protocol.receive(chunk)
        except Exception:  # the connection is going away; closing must not fail
            pass
        finally:
            await self._abort()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class AsyncWorkflowRunEvents:
    """The events of one run started on an :class:`AsyncWorkflowWebSocket`."""

    def __init__(self, socket: AsyncWorkflowWebSocket) -> None:
        self._socket = socket
        session = socket._session
        self._interpreter = EventInterpreter(
            "workflow", method="WS", url=session.url, response=session.response
        )

    @property
    def completion(self) -> WorkflowEvent | None:
        return self._interpreter.completion  # type: ignore[return-value]  # a workflow event

    async def __aiter__(self) -> AsyncIterator[WorkflowEvent]:
        session = self._socket._session
        try:
            while self._interpreter.completion is None:
                data = await self._socket._next()
                if data is None:
                    self._interpreter.finish()
                    return
                event = session.on_run_data(self._interpreter, data)
                if event is not None:
                    yield event
        finally:
            session.running = False

    async def until_done(self) -> WorkflowEvent:
        async for _ in self:
            pass
        completion = self.completion
        if completion is None:  # pragma: no cover - iteration raises first
            raise AssertionError("unreachable")
        return completion
