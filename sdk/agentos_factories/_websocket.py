"""The sans-IO half of the workflow WebSocket session, over httpx's HTTP/1.1 Upgrade.

The handshake goes through the client's own httpx client (auth headers, transport, retries of
the handshake itself); after ``101 Switching Protocols`` the connection is taken from
``response.extensions["network_stream"]`` and spoken to with the RFC 6455 codec of
:mod:`._ws_codec`. Routes: the spec's ``/workflows/{id}/ws``, agno 3.1's ``/workflows/ws``
(the workflow id travels in each message), or ``"auto"``: the spec route first, agno's when
that handshake is refused.

The conversation is agno's: a ``connected`` frame (``requires_auth``), ``authenticate`` with
the token, then ``start-workflow`` with ``factory_input`` as a JSON field. Run events arrive as
SSE-formatted text frames (or flat JSON); errors as ``{"event": "error", "error": ...}``, typed
by the status table when they carry ``"status"``; agno's refusals without a status map to their
HTTP twin's class when the text leaves no doubt (:func:`refusal_status`), else :class:`InBandError`.
The sessions themselves are in ``_async/websocket.py`` (source) and ``_sync/websocket.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, Protocol

import httpx

from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ResponseTooLargeError,
    safe_text,
)
from ._request import ApiCall, CallOptions, JSONError, factory_input_value, loads, path
from ._sse import SSEDecodeError, SSEDecoder
from ._streaming import EventInterpreter
from ._types import FactoryInput, WebSocketRoute
from ._ws_codec import WebSocketProtocol, accept_key
from .models.events import WorkflowEvent

__all__ = [
    "AUTH_FAILURES",
    "CONTROL_EVENTS",
    "READ_SIZE",
    "AsyncNetworkStream",
    "NetworkStream",
    "Session",
    "check_upgrade",
    "handshake_call",
    "refusal_status",
    "refused",
    "route_paths",
    "ws_url",
]

READ_SIZE = 65536
#: Frames of agno's protocol that carry no run information.
CONTROL_EVENTS = frozenset({"connected", "authenticated", "pong", "queued"})
AUTH_FAILURES = frozenset({"auth_error", "auth_required"})


class NetworkStream(Protocol):
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...
    def write(self, buffer: bytes, timeout: float | None = None) -> None: ...
    def close(self) -> None: ...


class AsyncNetworkStream(Protocol):
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes: ...
    async def write(self, buffer: bytes, timeout: float | None = None) -> None: ...
    async def aclose(self) -> None: ...


def route_paths(workflow_id: str, route: WebSocketRoute) -> list[tuple[Literal["spec", "agno"], str]]:
    spec: tuple[Literal["spec", "agno"], str] = ("spec", path("/workflows/{}/ws", workflow_id))
    agno: tuple[Literal["spec", "agno"], str] = ("agno", "/workflows/ws")
    if route == "spec":
        return [spec]
    if route == "agno":
        return [agno]
    if route == "auto":
        return [spec, agno]
    raise ValueError(f"route must be 'auto', 'spec' or 'agno', not {route!r}")


def handshake_call(ws_path: str, key: str, options: CallOptions) -> ApiCall:
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    return ApiCall("GET", ws_path, retry="idempotent", headers=headers, options=options, upgrade=True)


def ws_url(http_url: str) -> str:
    if http_url.startswith("https://"):
        return "wss://" + http_url[len("https://") :]
    if http_url.startswith("http://"):
        return "ws://" + http_url[len("http://") :]
    return http_url


def refused(exc: APIStatusError) -> bool:
    """Did the server refuse the spec route's handshake (so agno's route may exist)?"""
    return exc.status_code in (400, 403, 404, 405, 426)


def check_upgrade(response: httpx.Response, key: str, url: str) -> None:
    def invalid(message: str) -> APIResponseValidationError:
        return APIResponseValidationError(message, method="GET", url=url, response=response)

    if response.status_code != 101:
        raise invalid(f"the WebSocket handshake answered {response.status_code}, not 101")
    if response.headers.get("sec-websocket-accept") != accept_key(key):
        raise invalid("the WebSocket handshake has a wrong Sec-WebSocket-Accept")
    if "network_stream" not in response.extensions:
        raise invalid("the transport gives no network stream for the upgraded connection")


def refusal_status(workflow_id: str, data: Mapping[str, Any]) -> int | None:
    """The status of the HTTP twin of one of agno's WebSocket refusals, when its text is certain.

    agno 3.1 sends ``{"event": "error", "error": "..."}`` without a status. Two texts are its own
    and unambiguous: a missing run scope (HTTP: 403) and an unknown workflow (HTTP: 404, and only
    when it names the workflow asked for). ``"Factory error: ..."`` wraps whatever the factory
    raised (400, 403 and 500 over HTTP alike), so it stays an ``InBandError``.
    """
    text = data.get("error")
    if not isinstance(text, str):
        return None
    if text == "Insufficient permissions to run this workflow":
        return 403
    if text == f"Workflow {workflow_id} not found":
        return 404
    return None


class Session:
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
                if "exceeds" in str(exc):
                    raise ResponseTooLargeError(
                        str(exc), method="WS", url=self.url, response=self.response
                    ) from exc
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
            data = loads(text)
        except JSONError as exc:
            raise self.invalid(f"a WebSocket frame is not JSON ({exc}): {text[:200]!r}") from exc
        if not isinstance(data, dict):
            raise self.invalid(f"a WebSocket frame is not a JSON object: {text[:200]!r}")
        return data

    def status_hint(self, data: Mapping[str, Any]) -> int | None:
        return refusal_status(self.workflow_id, data)

    def interpreter(self) -> EventInterpreter:
        return EventInterpreter(
            "workflow", method="WS", url=self.url, response=self.response, status_hint=self.status_hint
        )

    def auth_error(self, data: Mapping[str, Any]) -> AuthenticationError:
        detail = data.get("error") or data.get("message") or data.get("event")
        return AuthenticationError(
            method="WS", url=self.url, status_code=401, detail=safe_text(detail), response=self.response
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
        if name in CONTROL_EVENTS:
            return None
        if name in AUTH_FAILURES:
            raise self.auth_error(data)
        return interpreter.on_data(data)  # type: ignore[return-value]  # a workflow stream's event
