"""A streamed run whose client leaves holds nothing once its response is over, even before the
garbage collector runs: the cancelled stream's frames sit in a reference cycle until the next full
collection (an idle server may not run one for a long time), and they used to hold the whole run,
megabytes for a large message, for every client that left."""

from __future__ import annotations

import asyncio
import gc
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentos_reference import ReferenceOS, SqliteDb
from agentos_reference.http.execution import RunExecution
from agentos_reference.runtime.conversation import ConversationRun


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def alive(kind: type) -> int:
    return sum(1 for item in gc.get_objects() if isinstance(item, kind))


async def stream_then_leave(app: Any, body: bytes, frames_before_leaving: int) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/agents/probe-agent-echo/runs",
        "raw_path": b"/agents/probe-agent-echo/runs",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"reference"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent_body = False
    frames = 0
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal frames
        if message["type"] == "http.response.body":
            frames += 1
            if frames >= frames_before_leaving:
                gone.set()  # the client leaves: a server's send goes on returning, silently

    await app(scope, receive, send)


@pytest.mark.parametrize("frames_before_leaving", [1, 2, 4, 100])
async def test_a_stream_its_client_left_holds_nothing_of_its_run(
    tmp_path: Path, no_automatic_gc: None, frames_before_leaving: int
) -> None:
    db = SqliteDb(tmp_path / "memory.sqlite3")
    app = ReferenceOS(db=db, with_probes=True).get_app()
    body = urllib.parse.urlencode({"message": "x" * 200_000, "stream": "true"}).encode()
    try:
        before = (alive(RunExecution), alive(ConversationRun))
        for _ in range(5):
            await stream_then_leave(app, body, frames_before_leaving)
        assert (alive(RunExecution), alive(ConversationRun)) == before
    finally:
        db.close()
