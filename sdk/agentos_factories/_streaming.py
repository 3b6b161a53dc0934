"""The sans-IO half of run streams: agent, team and workflow runs over SSE, and workflow runs over
the WebSocket.

:class:`EventInterpreter` turns decoded data objects into typed events, raises the typed error
for error events, and knows which event completes a run of each kind. A stream that ends before
that event raises :class:`IncompleteStreamError`; there is no silent success.
:class:`StreamCore` holds one stream's state (not sent yet, open, done, failed, closed by the
caller), counts events against ``max_events``, picks the text of content events for
``text_stream`` and builds the typed final output from the completion event. :class:`SSEFeed`
inflates and decodes the bytes of an SSE body within bounds. The I/O twins live in
``_async/streaming.py`` (source) and ``_sync/streaming.py`` (generated).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeAlias, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from ._body import BodyDecodeError, Inflater
from ._errors import (
    AgentOSError,
    APIResponseValidationError,
    IncompleteStreamError,
    ResponseTooLargeError,
    StreamClosedError,
    error_from_event,
    safe_text,
)
from ._request import JSONError, loads
from ._sse import ServerSentEvent, SSEDecodeError, SSEDecoder
from .models.events import RunEventBase, parse_event

__all__ = [
    "COMPLETION_EVENTS",
    "ERROR_EVENTS",
    "EventInterpreter",
    "RunKind",
    "SSEFeed",
    "StreamCore",
    "StreamState",
]

RunKind: TypeAlias = Literal["agent", "team", "workflow"]

OutputT = TypeVar("OutputT", bound=BaseModel)

#: The events that end a run of each kind without an error.
COMPLETION_EVENTS: Mapping[RunKind, frozenset[str]] = {
    "agent": frozenset({"RunCompleted", "RunPaused", "RunCancelled"}),
    "team": frozenset({"TeamRunCompleted", "TeamRunPaused", "TeamRunCancelled"}),
    "workflow": frozenset({"WorkflowCompleted", "WorkflowPaused", "WorkflowCancelled"}),
}
#: The events that end a run of each kind with an error (raised as a typed exception). A team's
#: member ``RunError`` does not end the team run, so it is yielded like any other event.
ERROR_EVENTS: Mapping[RunKind, frozenset[str]] = {
    "agent": frozenset({"RunError", "error"}),
    "team": frozenset({"TeamRunError", "error"}),
    "workflow": frozenset({"WorkflowError", "error"}),
}
#: The events whose ``content`` is the run's text as it is produced, per kind (``text_stream``).
#: A team's members' ``RunContent`` is theirs, not the team's answer; a workflow's text is its
#: steps' agents' and teams' content.
TEXT_EVENTS: Mapping[RunKind, frozenset[str]] = {
    "agent": frozenset({"RunContent"}),
    "team": frozenset({"TeamRunContent"}),
    "workflow": frozenset({"RunContent", "TeamRunContent"}),
}
#: The run status each completion event stands for (``get_final_output``).
_COMPLETION_STATUS: Mapping[str, str] = {
    "RunCompleted": "COMPLETED",
    "RunPaused": "PAUSED",
    "RunCancelled": "CANCELLED",
    "TeamRunCompleted": "COMPLETED",
    "TeamRunPaused": "PAUSED",
    "TeamRunCancelled": "CANCELLED",
    "WorkflowCompleted": "COMPLETED",
    "WorkflowPaused": "PAUSED",
    "WorkflowCancelled": "CANCELLED",
}
#: The event that starts a run of each kind: it names the run and its component.
_START_EVENTS: Mapping[RunKind, str] = {
    "agent": "RunStarted",
    "team": "TeamRunStarted",
    "workflow": "WorkflowStarted",
}
#: agno's durable-queue tail gives up with this event: the stream ends without the run's end.
_EXPIRED_EVENT = "stream_expired"

#: Maps an in-band error's text to the status its HTTP twin answers with, when certain.
StatusHint: TypeAlias = Callable[[Mapping[str, Any]], "int | None"]


class EventInterpreter:
    """Turns data objects into typed events for one run of ``kind``; sans-IO."""

    def __init__(
        self,
        kind: RunKind,
        *,
        method: str,
        url: str,
        response: httpx.Response | None,
        status_hint: StatusHint | None = None,
    ) -> None:
        self.kind = kind
        self.method = method
        self.url = url
        self.response = response
        self.status_hint = status_hint
        self.completion: RunEventBase | None = None

    def invalid(self, message: str) -> APIResponseValidationError:
        return APIResponseValidationError(message, method=self.method, url=self.url, response=self.response)

    def too_large(self, message: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(message, method=self.method, url=self.url, response=self.response)

    def on_sse(self, sse: ServerSentEvent) -> RunEventBase:
        try:
            data = loads(sse.data)
        except JSONError as exc:
            raise self.invalid(f"SSE event {safe_text(sse.event, 100)!r} has non-JSON data ({exc})") from exc
        if not isinstance(data, dict):
            raise self.invalid(f"SSE event {safe_text(sse.event, 100)!r} data is not a JSON object")
        # agno repeats the name inside the data; the SSE field is the fallback.
        data.setdefault("event", sse.event)
        return self.on_data(data)

    def on_data(self, data: Mapping[str, Any]) -> RunEventBase:
        name = data.get("event")
        if name in ERROR_EVENTS[self.kind]:
            status = self.status_hint(data) if self.status_hint is not None else None
            raise error_from_event(
                data, method=self.method, url=self.url, response=self.response, status=status
            )
        if name == _EXPIRED_EVENT:
            raise IncompleteStreamError(
                "the server gave up the stream before the run ended (stream_expired)",
                method=self.method,
                url=self.url,
                response=self.response,
            )
        try:
            event = parse_event(data)
        except (ValidationError, ValueError, RecursionError) as exc:
            raise self.invalid(f"malformed {safe_text(name, 100)!r} event: {safe_text(exc)}") from exc
        if event.event in COMPLETION_EVENTS[self.kind]:
            self.completion = event
        return event

    def finish(self) -> None:
        """The transport ended: fine only after the completion event."""
        if self.completion is None:
            raise IncompleteStreamError(
                f"the {self.kind} run stream ended before its completion event",
                method=self.method,
                url=self.url,
                response=self.response,
            )


class StreamState(enum.Enum):
    NEW = "new"  # created; no request sent yet
    OPEN = "open"  # the request is sent and events are being read
    DONE = "done"  # the run's stream ended after its completion event
    FAILED = "failed"  # a typed error ended the stream; it is raised again on further use
    CLOSED = "closed"  # the caller closed the stream before it ended


class StreamCore:
    """One stream's state, counting and text, shared by SSE streams and WebSocket runs."""

    def __init__(
        self,
        kind: RunKind,
        *,
        method: str,
        url: str,
        max_events: int | None,
        status_hint: StatusHint | None = None,
    ) -> None:
        if max_events is not None and (
            isinstance(max_events, bool) or not isinstance(max_events, int) or max_events <= 0
        ):
            raise ValueError(f"max_events must be a positive int or None, got {max_events!r}")
        self.kind = kind
        self.state = StreamState.NEW
        self.failure: AgentOSError | None = None
        self.interpreter = EventInterpreter(
            kind, method=method, url=url, response=None, status_hint=status_hint
        )
        self.max_events = max_events
        self.count = 0
        self.text_seen = False
        self.fallback_given = False
        self.started: RunEventBase | None = None

    @property
    def method(self) -> str:
        return self.interpreter.method

    @property
    def url(self) -> str:
        return self.interpreter.url

    def completed(self) -> bool:
        """Whether the run's completion event has been read."""
        return self.interpreter.completion is not None

    def opened(self, response: httpx.Response | None, url: str | None = None) -> None:
        self.state = StreamState.OPEN
        self.interpreter.response = response
        if url is not None:
            self.interpreter.url = url

    def check_usable(self) -> None:
        """Raise when the stream cannot give events any more: closed by the caller, or failed."""
        if self.state is StreamState.CLOSED:
            raise StreamClosedError(
                f"{self.method} {self.url}: the {self.kind} run stream was closed by the caller"
                " before it ended; start a new stream to read a run again",
                method=self.method,
                url=self.url,
            )
        if self.state is StreamState.FAILED and self.failure is not None:
            raise self.failure

    def fail(self, error: BaseException) -> None:
        if isinstance(error, AgentOSError):
            self.state, self.failure = StreamState.FAILED, error
        else:  # cancelled or interrupted mid-read: the connection is gone, as if closed
            self.state = StreamState.CLOSED

    def close(self) -> bool:
        """Mark closed by the caller; ``False`` when the stream had already ended."""
        if self.state in (StreamState.DONE, StreamState.FAILED):
            return False
        self.state = StreamState.CLOSED
        return True

    def accept(self, event: RunEventBase) -> RunEventBase:
        """Count ``event`` against ``max_events`` and remember the run's start."""
        self.count += 1
        if self.max_events is not None and self.count > self.max_events:
            raise self.interpreter.too_large(f"the stream sent more than max_events={self.max_events} events")
        if self.started is None and event.event == _START_EVENTS[self.kind]:
            self.started = event
        return event

    def finish(self) -> None:
        self.interpreter.finish()
        self.state = StreamState.DONE

    def text_of(self, event: RunEventBase) -> str | None:
        """The text an event adds to ``text_stream``, if any."""
        if event.event in TEXT_EVENTS[self.kind]:
            content = getattr(event, "content", None)
            if isinstance(content, str) and content:
                self.text_seen = True
                return content
        return None

    def final_text(self) -> str | None:
        """At the end: the completion's content, when no content event carried text (once)."""
        if self.text_seen or self.fallback_given:
            return None
        self.fallback_given = True
        content = getattr(self.interpreter.completion, "content", None)
        return content if isinstance(content, str) and content else None

    def final_output(self, model: type[OutputT]) -> OutputT:
        """The completion event as ``model`` (``status`` from its name), as a ``stream=false`` run answers."""
        completion = self.interpreter.completion
        if completion is None:  # pragma: no cover - reading to the end raises first
            self.interpreter.finish()
            raise AssertionError("unreachable")
        data: dict[str, Any] = {}
        if self.started is not None:
            data.update(self.started.model_dump(exclude_none=True))
        data.update(completion.model_dump(exclude_none=True))
        data.pop("event", None)
        data["status"] = _COMPLETION_STATUS[completion.event]
        try:
            return model.model_validate(data)
        except (ValidationError, RecursionError) as exc:
            raise self.interpreter.invalid(
                f"the {completion.event} event cannot be read as a {model.__name__}: {safe_text(exc)}"
            ) from exc


class SSEFeed:
    """An SSE body's raw bytes in, server-sent events out: inflated and decoded within bounds."""

    def __init__(
        self,
        response: httpx.Response,
        interpreter: EventInterpreter,
        max_event_bytes: int,
        *,
        decoded: bool = False,
    ) -> None:
        self._interpreter = interpreter
        try:
            self._inflater = Inflater(None if decoded else response.headers.get("content-encoding"))
        except BodyDecodeError as exc:
            raise interpreter.invalid(str(exc)) from exc
        self._decoder = SSEDecoder(max_event_bytes=max_event_bytes)
        self._pending: deque[ServerSentEvent] = deque()
        self.eof = False

    def _decode_error(self, exc: SSEDecodeError) -> APIResponseValidationError:
        message = str(exc)
        if "exceeds" in message:
            return self._interpreter.too_large(message)
        return self._interpreter.invalid(message)

    def feed(self, raw: bytes) -> None:
        try:
            for piece in self._inflater.feed(raw):
                self._pending.extend(self._decoder.feed(piece))
        except SSEDecodeError as exc:
            raise self._decode_error(exc) from exc
        except BodyDecodeError as exc:
            raise self._interpreter.invalid(str(exc)) from exc

    def end(self) -> None:
        self.eof = True
        try:
            self._pending.extend(self._decoder.feed(self._inflater.flush()))
            self._pending.extend(self._decoder.flush())
        except SSEDecodeError as exc:
            raise self._decode_error(exc) from exc
        except BodyDecodeError as exc:
            raise self._interpreter.invalid(str(exc)) from exc

    def next_event(self) -> RunEventBase | None:
        """The next typed event already decoded, or ``None`` (more bytes are needed)."""
        if not self._pending:
            return None
        return self._interpreter.on_sse(self._pending.popleft())
