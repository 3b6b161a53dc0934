# Generated from _async/websocket.py by scripts/unasync.py: edit that file, then rerun the script.
"""The workflow WebSocket session: connect (the spec's route, or agno's), authenticate, start runs
and read their typed events.

The handshake goes through the client's own httpx client (auth headers, transport, retries of
the handshake itself); after ``101 Switching Protocols`` the connection is taken from
``response.extensions["network_stream"]`` and spoken to with the RFC 6455 codec of
:mod:`.._ws_codec`. Message parsing and the protocol's control flow are sans-IO
(:mod:`.._websocket`). Written once in ``_async/websocket.py``; ``_sync/`` is generated.
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import httpx
from typing_extensions import Self

from agentos_factories._base_client import Deadline
from agentos_factories._errors import (
    AgentOSError,
    APIStatusError,
    IncompleteStreamError,
    StreamClosedError,
    error_from_event,
)
from agentos_factories._request import CallOptions
from agentos_factories._streaming import StreamCore, StreamState
from agentos_factories._types import FactoryInput, NotGiven, WebSocketRoute
from agentos_factories._websocket import (
    AUTH_FAILURES,
    READ_SIZE,
    NetworkStream,
    Session,
    check_upgrade,
    handshake_call,
    refused,
    route_paths,
    ws_url,
)
from agentos_factories._ws_codec import Close, Ping, WebSocketProtocolError, new_key
from agentos_factories.models.events import WorkflowEvent
from agentos_factories.models.runs import WorkflowRunOutput

from .streaming import EventStream

if TYPE_CHECKING:
    from .client import Client

__all__ = ["WorkflowRunEvents", "WorkflowWebSocket"]

_NO_DEADLINE = Deadline(None)


class WorkflowWebSocket:
    """A connected, authenticated workflow WebSocket session. Close it, or use ``with``."""

    def __init__(self, session: Session, stream: NetworkStream, read_timeout: float | None) -> None:
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
        """The session's ``ws://`` (or ``wss://``) URL."""
        return self._session.url

    @property
    def request_id(self) -> str | None:
        """The handshake's request id (the server's ``x-request-id``, else the SDK's)."""
        from agentos_factories._errors import request_id_of

        return request_id_of(self._session.response)

    @classmethod
    def connect(
        cls, client: Client, workflow_id: str, route: WebSocketRoute, options: CallOptions
    ) -> Self:
        """Open, handshake and authenticate (``client.workflows.websocket(...)`` calls this)."""
        attempts = route_paths(workflow_id, route)
        timeout = client.timeout if isinstance(options.timeout, NotGiven) else options.timeout
        read_timeout = httpx.Timeout(timeout).read if timeout is not None else None
        for index, (name, ws_path) in enumerate(attempts):
            key = new_key()
            call = handshake_call(ws_path, key, options)
            deadline = client._options.deadline(call)
            try:
                response, _ = client._send(call, deadline, read=False)
            except APIStatusError as exc:
                if index + 1 < len(attempts) and refused(exc):
                    continue
                raise
            url = ws_url(str(response.request.url))
            try:
                check_upgrade(response, key, url)
            except AgentOSError:
                response.close()
                raise
            session = cls(
                Session(workflow_id, name, url, response),
                response.extensions["network_stream"],
                read_timeout,
            )
            try:
                session._open(client.bearer_token(), deadline)
            except BaseException:
                session._abort()
                raise
            return session
        raise AssertionError("unreachable: at least one route is tried")  # pragma: no cover

    # --- I/O -----------------------------------------------------------------------------------

    def _read_timeout(self, deadline: Deadline) -> float | None:
        left = deadline.remaining()
        if left is None:
            return self._timeout
        if left <= 0:
            raise deadline.error("WS", self._session.url)
        return left if self._timeout is None else min(self._timeout, left)

    def _closed_error(self) -> StreamClosedError:
        url = self._session.url
        return StreamClosedError(
            f"WS {url}: the WebSocket session was closed by the caller", method="WS", url=url
        )

    def _write(self, data: bytes) -> None:
        if not data:
            return
        if self._closed:
            raise self._closed_error()
        try:
            self._stream.write(data, self._timeout)
        except Exception as exc:
            raise self._session.connection_error(exc) from exc

    def _next(self, deadline: Deadline = _NO_DEADLINE) -> dict[str, Any] | None:
        """The next data object from the server, or ``None`` once the connection closed."""
        session = self._session
        if self._closed:
            raise self._closed_error()
        while not session.pending:
            if session.protocol.close_received is not None:
                return None
            try:
                chunk = self._stream.read(READ_SIZE, self._read_timeout(deadline))
            except AgentOSError:
                raise
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

    def _open(self, token: str | None, deadline: Deadline) -> None:
        session = self._session
        first = self._next(deadline)
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
            data = self._next(deadline)
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
            if name in AUTH_FAILURES:
                raise session.auth_error(data)
            if name == "error":
                raise error_from_event(
                    data,
                    method="WS",
                    url=session.url,
                    response=session.response,
                    status=session.status_hint(data),
                )

    # --- public --------------------------------------------------------------------------------

    def start(
        self,
        message: str,
        *,
        factory_input: FactoryInput = None,
        session_id: str | None = None,
        user_id: str | None = None,
        max_events: int | None = None,
        total_timeout: float | None = None,
    ) -> WorkflowRunEvents:
        """``start-workflow``; iterate the result for typed events up to ``WorkflowCompleted``.

        ``total_timeout`` bounds the run's reading; ``max_events`` its number of events.
        """
        run = WorkflowRunEvents(self, max_events=max_events, total_timeout=total_timeout)
        text = self._session.start_message(message, factory_input, session_id, user_id)
        self._write(self._session.protocol.text(text))
        self._session.running = True
        return run

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
            if data.get("event") in AUTH_FAILURES:
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
                chunk = self._stream.read(READ_SIZE, 1.0)
                if not chunk:
                    break
                protocol.receive(chunk)
        except Exception:  # the connection is going away; closing must not fail
            pass
        finally:
            self._abort()

    def __enter__(self) -> Self:
        """The session itself; leaving the block closes it."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the session."""
        self.close()


class WorkflowRunEvents(EventStream[WorkflowEvent]):
    """The events of one run started on a WebSocket session; a second loop resumes where the
    first stopped, and the session accepts another run once this one's completion event is read."""

    def __init__(
        self,
        socket: WorkflowWebSocket,
        *,
        max_events: int | None = None,
        total_timeout: float | None = None,
    ) -> None:
        self._socket = socket
        session = socket._session
        self._core = StreamCore(
            "workflow", method="WS", url=session.url, max_events=max_events, status_hint=session.status_hint
        )
        self._core.opened(session.response)
        self._deadline = Deadline(total_timeout)

    def _next_event(self) -> WorkflowEvent | None:
        core = self._core
        core.check_usable()
        if core.state is StreamState.DONE:
            return None
        session = self._socket._session
        try:
            if core.completed():
                core.finish()
                return None
            while True:
                data = self._socket._next(self._deadline)
                if data is None:
                    core.finish()
                    return None
                event = session.on_run_data(core.interpreter, data)
                if event is not None:
                    core.accept(event)
                    if core.completed():
                        session.running = False
                    return event
        except BaseException as exc:
            core.fail(exc)
            raise
        finally:
            if core.state is not StreamState.OPEN:
                session.running = False

    def get_final_output(self) -> WorkflowRunOutput:
        """Consume the rest of the run and return it as ``client.workflows.run()`` would."""
        self.until_done()
        return self._core.final_output(WorkflowRunOutput)
