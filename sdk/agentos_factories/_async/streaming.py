"""Typed run streams over SSE: agent, team and workflow runs with ``stream=true``.

A stream is made by ``client.agents.stream(...)`` (and the teams/workflows twins) without sending
anything: the request goes out when the stream is entered (``async with``) or first iterated.
Iterating gives typed events up to the run's completion event; ``break`` and iterate again to
resume where you left off. ``text_stream`` gives the run's text, ``get_final_output()``
the typed output a ``stream=false`` run returns. ``close()`` (or leaving the ``async with``
block) drops the connection; using the stream afterwards raises :class:`StreamClosedError`.

Written once in ``_async/streaming.py``; ``_sync/streaming.py`` is generated from it.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx
from typing_extensions import Self

from agentos_factories._errors import AgentOSError, transport_error
from agentos_factories._request import ApiCall
from agentos_factories._sse import DEFAULT_MAX_EVENT_BYTES
from agentos_factories._streaming import RunKind, SSEFeed, StreamCore, StreamState
from agentos_factories._util import (
    AsyncStartOnAwait,
    already_read,
    async_close_iterator,
    async_iterate_once,
    async_release,
)
from agentos_factories.models.events import AgentEvent, RunEventBase, TeamEvent, WorkflowEvent
from agentos_factories.models.runs import AgentRunOutput, TeamRunOutput, WorkflowRunOutput

if TYPE_CHECKING:
    from agentos_factories._base_client import Deadline

    from .client import AsyncClient

__all__ = [
    "AsyncAgentRunStream",
    "AsyncEventStream",
    "AsyncRunStream",
    "AsyncTeamRunStream",
    "AsyncWorkflowRunStream",
]

EventT = TypeVar("EventT", bound=RunEventBase)


class AsyncEventStream(Generic[EventT]):
    """What every run stream offers, over SSE or the workflow WebSocket: typed events, the
    run's text, its completion event and its typed final output."""

    _core: StreamCore

    async def _next_event(self) -> EventT | None:
        raise NotImplementedError

    def __aiter__(self) -> Self:
        """The stream is its own iterator: a second loop resumes where the first stopped."""
        return self

    async def __anext__(self) -> EventT:
        """The next typed event (the request is sent first if it was not yet)."""
        event = await self._next_event()
        if event is None:
            raise StopAsyncIteration
        return event

    @property
    def completion(self) -> EventT | None:
        """The event that completed the run (``RunCompleted``, ``RunPaused``, ...), once seen."""
        return self._core.interpreter.completion  # type: ignore[return-value]  # a parsed EventT

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The run's text as it arrives: each content event's text (agents: ``RunContent``; teams:
        ``TeamRunContent``, not their members'; workflows: their steps' ``RunContent`` and
        ``TeamRunContent``), or the completion's content when no content event carried text.
        Other events are consumed silently; ``completion`` is set at the end as usual."""
        return self._texts()

    async def _texts(self) -> AsyncIterator[str]:
        core = self._core
        async for event in self:
            text = core.text_of(event)
            if text is not None:
                yield text
        final = core.final_text()
        if final is not None:
            yield final

    async def until_done(self) -> EventT:
        """Consume the rest of the stream and return its completion event."""
        async for _ in self:
            pass
        completion = self.completion
        if completion is None:  # pragma: no cover - reading to the end raises first
            self._core.interpreter.finish()
            raise AssertionError("unreachable")
        return completion


class AsyncRunStream(AsyncEventStream[EventT], AsyncStartOnAwait):
    """A run's SSE stream. Use it in ``async with`` (the request is sent on entering), or iterate it.

    ``total_timeout`` bounds the whole stream from sending the request; ``max_events`` the number
    of events (more is :class:`ResponseTooLargeError`). A stream that is never entered, iterated
    or closed warns (``ResourceWarning``) when collected; it never held a connection.
    """

    _kind: RunKind = "agent"

    def __init__(
        self,
        client: AsyncClient,
        call: ApiCall,
        *,
        max_events: int | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._client = client
        self._call = call
        self._max_event_bytes = max_event_bytes
        self._core = StreamCore(
            self._kind, method=call.method, url=client._options.url(call.path), max_events=max_events
        )
        self._response: httpx.Response | None = None
        self._raw: AsyncIterator[bytes] | None = None
        self._feed: SSEFeed | None = None
        self._deadline: Deadline | None = None

    @property
    def response(self) -> httpx.Response | None:
        """The HTTP response, once the request is sent (``None`` before)."""
        return self._response

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id`` (or the SDK's own), once the request is sent."""
        from agentos_factories._errors import request_id_of

        return request_id_of(self._response)

    async def _start(self) -> None:
        core = self._core
        self._deadline = deadline = self._client._options.deadline(self._call)
        try:
            response = await self._client._request_stream(self._call, deadline)
        except BaseException as exc:
            core.fail(exc)
            raise
        self._response = response
        core.opened(response, str(response.request.url))
        already = already_read(response)
        try:
            self._feed = SSEFeed(
                response, core.interpreter, self._max_event_bytes, decoded=already is not None
            )
        except AgentOSError as exc:
            core.fail(exc)
            await response.aclose()
            raise
        self._raw = async_iterate_once(already) if already is not None else response.aiter_raw()

    async def _ensure_started(self) -> None:
        self._core.check_usable()
        if self._core.state is StreamState.NEW:
            await self._start()

    async def _next_event(self) -> EventT | None:
        core = self._core
        await self._ensure_started()
        if core.state is StreamState.DONE:
            return None
        feed, raw, deadline = self._feed, self._raw, self._deadline
        assert feed is not None
        assert raw is not None
        assert deadline is not None
        try:
            while True:
                event = feed.next_event()
                if event is not None:
                    return core.accept(event)  # type: ignore[return-value]  # parsed for this stream's kind
                if feed.eof:
                    core.finish()
                    await self._release()
                    return None
                deadline.check(core.method, core.url)
                try:
                    chunk = await raw.__anext__()
                except StopAsyncIteration:
                    feed.end()
                    continue
                except httpx.TransportError as exc:
                    raise transport_error(exc, method=core.method, url=core.url) from exc
                feed.feed(chunk)
        except BaseException as exc:
            core.fail(exc)
            await self._release()
            raise

    async def _release(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            await async_close_iterator(raw)
        if self._response is not None:
            await self._response.aclose()

    async def close(self) -> None:
        """Drop the connection. Iterating afterwards raises ``StreamClosedError`` unless the run
        had already ended (then its events are simply over)."""
        self._core.close()
        await self._release()

    async def __aenter__(self) -> Self:
        """Send the request (errors such as a 403 are raised here) and give the stream."""
        await self._ensure_started()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the stream."""
        await self.close()

    def __del__(self) -> None:
        core: StreamCore | None = getattr(self, "_core", None)
        if core is None:
            return
        if core.state is StreamState.NEW:
            warnings.warn(
                f"a {core.kind} run stream of {core.method} {core.url} was never entered, iterated or"
                " closed; no request was sent",
                ResourceWarning,
                stacklevel=2,
            )
        elif core.state is StreamState.OPEN:
            warnings.warn(
                f"a {core.kind} run stream of {core.method} {core.url} was dropped while open;"
                " close it (or use `with`) to release its connection",
                ResourceWarning,
                stacklevel=2,
            )
            response = getattr(self, "_response", None)
            if response is not None:
                async_release(response)


class AsyncAgentRunStream(AsyncRunStream[AgentEvent]):
    """An agent run's stream: ``AgentEvent``s up to ``RunCompleted``, ``RunPaused`` or ``RunCancelled``."""

    _kind: RunKind = "agent"

    async def get_final_output(self) -> AgentRunOutput:
        """Consume the rest of the stream and return the run as ``run()`` would (``status`` from
        the completion event: ``COMPLETED``, ``PAUSED`` with ``tools``, or ``CANCELLED``)."""
        await self.until_done()
        return self._core.final_output(AgentRunOutput)


class AsyncTeamRunStream(AsyncRunStream[TeamEvent]):
    """A team run's stream: ``TeamEvent``s (members' agent events included) up to ``TeamRunCompleted``,
    ``TeamRunPaused`` or ``TeamRunCancelled``."""

    _kind: RunKind = "team"

    async def get_final_output(self) -> TeamRunOutput:
        """Consume the rest of the stream and return the run as ``run()`` would."""
        await self.until_done()
        return self._core.final_output(TeamRunOutput)


class AsyncWorkflowRunStream(AsyncRunStream[WorkflowEvent]):
    """A workflow run's stream: ``WorkflowEvent``s (steps' events included) up to ``WorkflowCompleted``,
    ``WorkflowPaused`` or ``WorkflowCancelled``."""

    _kind: RunKind = "workflow"

    async def get_final_output(self) -> WorkflowRunOutput:
        """Consume the rest of the stream and return the run as ``run()`` would."""
        await self.until_done()
        return self._core.final_output(WorkflowRunOutput)
