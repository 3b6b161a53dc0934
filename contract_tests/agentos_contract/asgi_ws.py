"""An in-process WebSocket client for an ASGI app: the ASGI websocket protocol, spoken directly.

The app runs in a child task with memory streams for its ``receive``/``send``, so the
conversation needs no network and nothing the app does to its own task can disturb the
suite's. (httpx-ws's ASGI transport runs the app in a task group the caller enters, which
agno's AgentOS leaves tangled after a disconnect.)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.abc


class AsgiWebSocketRejected(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"handshake refused: {status} {text}")
        self.status = status
        self.text = text


class AsgiWebSocket:
    def __init__(self) -> None:
        self.to_app_send, self.to_app_recv = anyio.create_memory_object_stream[dict[str, Any]](math.inf)
        self.from_app_send, self.from_app_recv = anyio.create_memory_object_stream[dict[str, Any]](math.inf)
        self.closed = False

    async def send_text(self, text: str) -> None:
        if not self.closed:
            await self.to_app_send.send({"type": "websocket.receive", "text": text})

    async def receive_text(self, wait_s: float) -> str | None:
        """The next text frame; None once the app closed or stayed silent for ``wait_s``."""
        while not self.closed:
            with anyio.move_on_after(wait_s):
                message = await self.from_app_recv.receive()
                if message["type"] == "websocket.send":
                    if message.get("text") is not None:
                        return str(message["text"])
                    continue  # a binary frame: not part of AgentOS's protocol, skipped
                if message["type"] in ("websocket.close", "app.ended"):
                    self.closed = True
                continue
            return None
        return None


@contextlib.asynccontextmanager
async def connect(app: Any, path: str, host: str) -> AsyncIterator[AsgiWebSocket]:
    ws = AsgiWebSocket()
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "http_version": "1.1",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", host.encode())],
        "subprotocols": [],
        "client": ("127.0.0.1", 50000),
        "server": (host, 80),
        "extensions": {"websocket.http.response": {}},
    }

    async def run_app() -> None:
        try:
            await app(scope, ws.to_app_recv.receive, ws.from_app_send.send)
        except Exception as exc:  # the app's failure is what the peer sees: a closed socket
            await ws.from_app_send.send({"type": "app.ended", "error": repr(exc)})
        else:
            await ws.from_app_send.send({"type": "app.ended"})

    rejected: AsgiWebSocketRejected | None = None
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(run_app)
        await ws.to_app_send.send({"type": "websocket.connect"})
        first = await ws.from_app_recv.receive()
        if first["type"] != "websocket.accept":
            rejected = await _refusal(ws, first)
            task_group.cancel_scope.cancel()
        else:
            async with _conversation(ws, task_group):
                yield ws
    if rejected is not None:
        raise rejected


async def _refusal(ws: AsgiWebSocket, first: dict[str, Any]) -> AsgiWebSocketRejected:
    """A close before accept is a 403 (as servers answer it); an HTTP denial response keeps its status."""
    status, body = 403, ""
    if first["type"] == "websocket.http.response.start":
        status = int(first.get("status", 403))
        while (message := await ws.from_app_recv.receive())["type"] == "websocket.http.response.body":
            body += bytes(message.get("body", b"")).decode("utf-8", "replace")
            if not message.get("more_body"):
                break
    return AsgiWebSocketRejected(status, body)


@contextlib.asynccontextmanager
async def _conversation(ws: AsgiWebSocket, task_group: anyio.abc.TaskGroup) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await ws.to_app_send.send({"type": "websocket.disconnect", "code": 1000})
        with anyio.move_on_after(5):
            while not ws.closed and (await ws.from_app_recv.receive())["type"] != "app.ended":
                pass
        task_group.cancel_scope.cancel()
