"""Typed run streams over SSE: agent, team and workflow runs with ``stream=true``.

:class:`EventInterpreter` is the sans-IO part shared by SSE (sync and async) and the workflow
WebSocket: it turns decoded data objects into typed events, raises the typed error for error
events, and knows which event completes a run of each kind. A stream that ends before that
event raises :class:`IncompleteStreamError`; there is no silent success.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, Literal, TypeAlias, TypeVar, cast

import httpx
from pydantic import ValidationError
from typing_extensions import Self

from ._errors import (
    APIResponseValidationError,
    IncompleteStreamError,
    error_from_event,
    transport_error,
)
from ._sse import DEFAULT_MAX_EVENT_BYTES, ServerSentEvent, SSEDecodeError, SSEDecoder
from .models.events import AgentEvent, RunEventBase, TeamEvent, WorkflowEvent, parse_event

__all__ = [
    "AgentRunStream",
    "AsyncAgentRunStream",
    "AsyncRunStream",
    "AsyncTeamRunStream",
    "AsyncWorkflowRunStream",
    "EventInterpreter",
    "RunKind",
    "RunStream",
    "TeamRunStream",
    "WorkflowRunStream",
]

RunKind: TypeAlias = Literal["agent", "team", "workflow"]

EventT = TypeVar("EventT", bound=RunEventBase)

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
#: agno's durable-queue tail gives up with this event: the stream ends without the run's end.
_EXPIRED_EVENT = "stream_expired"


class EventInterpreter:
    """Turns data objects into typed events for one run of ``kind``; sans-IO."""

    def __init__(self, kind: RunKind, *, method: str, url: str, response: httpx.Response | None) -> None:
        self.kind = kind
        self.method = method
        self.url = url
        self.response = response
        self.completion: RunEventBase | None = None

    def invalid(self, message: str) -> APIResponseValidationError:
        return APIResponseValidationError(message, method=self.method, url=self.url, response=self.response)

    def on_sse(self, sse: ServerSentEvent) -> RunEventBase:
        try:
            data = json.loads(sse.data)
        except json.JSONDecodeError as exc:
            raise self.invalid(f"SSE event {sse.event!r} has non-JSON data: {exc}") from exc
        if not isinstance(data, dict):
            raise self.invalid(f"SSE event {sse.event!r} data is not a JSON object")
        # agno repeats the name inside the data; the SSE field is the fallback.
        data.setdefault("event", sse.event)
        return self.on_data(data)

    def on_data(self, data: Mapping[str, Any]) -> RunEventBase:
        name = data.get("event")
        if name in ERROR_EVENTS[self.kind]:
            raise error_from_event(data, method=self.method, url=self.url, response=self.response)
        if name == _EXPIRED_EVENT:
            raise IncompleteStreamError(
                "the server gave up the stream before the run ended (stream_expired)",
                method=self.method,
                url=self.url,
                response=self.response,
            )
        try:
            event = parse_event(data)
        except (ValidationError, ValueError) as exc:
            raise self.invalid(f"malformed {name!r} event: {exc}") from exc
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


class _StreamBase(Generic[EventT]):
    def __init__(
        self, response: httpx.Response, kind: RunKind, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    ) -> None:
        request = response.request
        self.response = response
        self._interpreter = EventInterpreter(
            kind, method=request.method, url=str(request.url), response=response
        )
        self._decoder = SSEDecoder(max_event_bytes=max_event_bytes)
        self._done = False

    @property
    def completion(self) -> EventT | None:
        """The event that completed the run (``RunCompleted``, ``RunPaused``, ...), once seen."""
        return self._interpreter.completion  # type: ignore[return-value]  # a parsed EventT

    def _decode(self, chunk: bytes) -> list[ServerSentEvent]:
        try:
            return self._decoder.feed(chunk)
        except SSEDecodeError as exc:
            raise self._interpreter.invalid(str(exc)) from exc

    def _flush(self) -> list[ServerSentEvent]:
        try:
            return self._decoder.flush()
        except SSEDecodeError as exc:
            raise self._interpreter.invalid(str(exc)) from exc


class RunStream(_StreamBase[EventT]):
    """A run's SSE stream: iterate typed events; use as a context manager to close early."""

    def __iter__(self) -> Iterator[EventT]:
        if self._done:
            return
        interpreter = self._interpreter
        try:
            try:
                for chunk in self.response.iter_bytes():
                    for sse in self._decode(chunk):
                        yield cast(EventT, interpreter.on_sse(sse))  # parsed for this stream's kind
                for sse in self._flush():
                    yield cast(EventT, interpreter.on_sse(sse))  # parsed for this stream's kind
            except httpx.TransportError as exc:
                raise transport_error(exc, method=interpreter.method, url=interpreter.url) from exc
            interpreter.finish()
        finally:
            self._done = True
            self.response.close()

    def until_done(self) -> EventT:
        """Consume the rest of the stream and return its completion event."""
        for _ in self:
            pass
        completion = self.completion
        if completion is None:  # pragma: no cover - iteration raises first
            self._interpreter.finish()
            raise AssertionError("unreachable")
        return completion

    def close(self) -> None:
        self._done = True
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncRunStream(_StreamBase[EventT]):
    """The async twin of :class:`RunStream`."""

    async def __aiter__(self) -> AsyncIterator[EventT]:
        if self._done:
            return
        interpreter = self._interpreter
        try:
            try:
                async for chunk in self.response.aiter_bytes():
                    for sse in self._decode(chunk):
                        yield cast(EventT, interpreter.on_sse(sse))  # parsed for this stream's kind
                for sse in self._flush():
                    yield cast(EventT, interpreter.on_sse(sse))  # parsed for this stream's kind
            except httpx.TransportError as exc:
                raise transport_error(exc, method=interpreter.method, url=interpreter.url) from exc
            interpreter.finish()
        finally:
            self._done = True
            await self.response.aclose()

    async def until_done(self) -> EventT:
        """Consume the rest of the stream and return its completion event."""
        async for _ in self:
            pass
        completion = self.completion
        if completion is None:  # pragma: no cover - iteration raises first
            self._interpreter.finish()
            raise AssertionError("unreachable")
        return completion

    async def close(self) -> None:
        self._done = True
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


AgentRunStream: TypeAlias = RunStream[AgentEvent]
TeamRunStream: TypeAlias = RunStream[TeamEvent]
WorkflowRunStream: TypeAlias = RunStream[WorkflowEvent]
AsyncAgentRunStream: TypeAlias = AsyncRunStream[AgentEvent]
AsyncTeamRunStream: TypeAlias = AsyncRunStream[TeamEvent]
AsyncWorkflowRunStream: TypeAlias = AsyncRunStream[WorkflowEvent]
