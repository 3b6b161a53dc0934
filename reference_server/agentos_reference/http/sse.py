"""Server-sent events in AgentOS's frame format: ``event: <Name>\\ndata: <one-line JSON>\\n\\n``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from agentos_reference.runtime.events import RunEvent


def sse_frame(event: RunEvent) -> str:
    return f"event: {event.name}\ndata: {event.data_json}\n\n"


async def _frames(events: AsyncIterator[RunEvent]) -> AsyncIterator[str]:
    async for event in events:
        yield sse_frame(event)


class SseResponse(StreamingResponse):
    """A stream of run events that calls ``on_close`` once the response is over, however it ended:
    completed, or the client gone before the first frame or in the middle of the stream."""

    def __init__(self, events: AsyncIterator[RunEvent], on_close: Callable[[], Awaitable[None]]) -> None:
        super().__init__(
            _frames(events),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._on_close()
