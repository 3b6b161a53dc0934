"""Server-sent events in AgentOS's frame format: ``event: <Name>\\ndata: <one-line JSON>\\n\\n``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from agentos_reference.runtime.events import RunEvent


def sse_frame(event: RunEvent) -> str:
    # JSON escapes every newline inside strings, so the data line is always one line.
    data = json.dumps(event.data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return f"event: {event.name}\ndata: {data}\n\n"


async def _frames(events: AsyncIterator[RunEvent]) -> AsyncIterator[str]:
    async for event in events:
        yield sse_frame(event)


def sse_response(events: AsyncIterator[RunEvent]) -> StreamingResponse:
    return StreamingResponse(
        _frames(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
