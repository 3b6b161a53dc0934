"""Server-sent events in AgentOS's frame format: ``event: <Name>\\ndata: <one-line JSON>\\n\\n``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

import anyio.lowlevel
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from agentos_reference.runtime.events import RunEvent


def sse_frame(event: RunEvent) -> str:
    return f"event: {event.name}\ndata: {event.data_json}\n\n"


async def _frames(events: AsyncIterator[RunEvent]) -> AsyncGenerator[str, None]:
    async for event in events:
        yield sse_frame(event)


class SseResponse(StreamingResponse):
    """A stream of run events that calls ``on_close`` once the response is over, however it ended:
    completed, or the client gone before the first frame or in the middle of the stream."""

    def __init__(self, events: AsyncIterator[RunEvent], on_close: Callable[[], Awaitable[None]]) -> None:
        self._frames = _frames(events)
        super().__init__(
            self._frames,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._on_close: Callable[[], Awaitable[None]] | None = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_then_yield(message: Message) -> None:
            await send(message)
            if message.get("more_body", False):
                # A server's send returns at once, without a word, once the client is gone (dropped
                # as stalled, or hung up): yielding here lets Starlette's disconnect listener stop
                # the stream before the run produces (and completes) anything more for nobody.
                # Not after the last message: the listener ends the stream then, and a cancel
                # caught here would keep this frame, and the run it streamed, in a reference cycle.
                await anyio.lowlevel.checkpoint()

        try:
            await super().__call__(scope, receive, send_then_yield)
        finally:
            on_close, self._on_close = self._on_close, None
            with anyio.CancelScope(shield=True):
                # A stream cut off by a disconnect leaves Starlette's frames in a reference cycle
                # (the cancel's traceback) until the next full garbage collection, and those frames
                # hold this response: once it is over it must hold nothing of the run (megabytes
                # for a large one). Closing the frame generator drops its hold on the events.
                await self._frames.aclose()
                if on_close is not None:
                    await on_close()
