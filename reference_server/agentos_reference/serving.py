"""Serving an app on uvicorn with bounds a hostile or stalled client cannot get past.

uvicorn (h11) alone never times out a request head or body that trickles in, caps the number of
connections only per request (and answers the rest in plain text), and keeps a connection whose
client stopped reading for as long as the client likes, with everything the response holds. The
protocols here add, per connection:

- a **connection cap**: a connection beyond ``max_connections`` is answered a JSON 503 at once
  and closed, before it can hold anything;
- a **header timeout**: a request head (a fresh connection's first one, or one that started to
  arrive on a kept-alive connection) must be complete within ``header_timeout`` seconds, or the
  connection gets a 408 and is closed (idle kept-alive connections close after ``keep_alive``);
- a **body deadline**: a request body must have arrived ``body_timeout`` seconds after its head,
  or the connection is dropped. The app answers a body it is reading too slowly with its own 408
  first (``Limits.body_read_timeout_seconds``); this deadline catches bodies nobody reads;
- a **write stall limit**: while the client reads nothing, the transport pauses writing, and the
  app's next ``send`` waits, so a stream stops producing (uvicorn's flow control). A connection
  whose writing stays paused for ``stall_timeout`` seconds is dropped (aborted, buffers freed);
  the app sees a disconnect, and a run streamed to it ends CANCELLED, as any client that leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import resource
import socket
import struct
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

logger = logging.getLogger("agentos_reference.serving")

# Descriptors kept for everything that is not a client connection (databases, logs, the listener).
RESERVED_DESCRIPTORS = 128
# The app answers a body it reads too slowly with a 408 at body_timeout; the connection-level
# deadline, for bodies nobody reads, comes a little later so that answer can go out first.
BODY_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class ServeOptions:
    """Connection bounds of ``agentos-reference serve`` (its ``--max-connections`` ... flags)."""

    max_connections: int = 512
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    stall_timeout: float = 30.0
    keep_alive: int = 5
    shutdown_timeout: int = 5
    """On SIGTERM, requests still running after this long are cancelled (a stalled stream would
    otherwise hold the shutdown until its stall limit)."""

    def __post_init__(self) -> None:
        if not isinstance(self.max_connections, int) or self.max_connections < 1:
            raise ValueError(f"max_connections must be a positive integer, got {self.max_connections!r}")
        for name in ("header_timeout", "body_timeout", "stall_timeout", "keep_alive", "shutdown_timeout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value <= 86400:
                raise ValueError(f"{name} must be a number of seconds above 0 (at most a day), got {value!r}")


def _raw_answer(status: int, reason: str, detail: str) -> bytes:
    body = json.dumps({"detail": detail}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


TOO_MANY_CONNECTIONS = _raw_answer(503, "Service Unavailable", "Too many connections")
REQUEST_TIMEOUT = _raw_answer(408, "Request Timeout", "The request head was not received in time")


class _StallGuard:
    """Drops a connection whose writing stays paused (its client reads nothing) for too long."""

    options: ClassVar[ServeOptions]
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    _stall_timer: asyncio.TimerHandle | None = None

    def _stall_started(self) -> None:
        if self._stall_timer is None:
            self._stall_timer = self.loop.call_later(self.options.stall_timeout, self._stalled)

    def _stall_ended(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None

    def _stalled(self) -> None:
        self._stall_timer = None
        if self.transport.is_closing() and self.transport.get_write_buffer_size() == 0:
            return
        logger.info(
            "dropping %s: it read nothing for %.0f s (%d bytes waiting)",
            _peer(self.transport),
            self.options.stall_timeout,
            self.transport.get_write_buffer_size(),
        )
        _reset(self.transport)


class GuardedH11Protocol(_StallGuard, H11Protocol):
    """uvicorn's h11 protocol with the connection cap, read deadlines and the stall limit."""

    _read_timer: asyncio.TimerHandle | None = None
    _read_phase: str | None = None
    _refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
        super().connection_made(transport)
        if len(self.connections) > self.options.max_connections:
            self._refuse()
            return
        self._set_read_phase("head")

    def _refuse(self) -> None:
        self._refused = True
        logger.warning(
            "refusing %s: %d connections are open (--max-connections)",
            _peer(self.transport),
            self.options.max_connections,
        )
        self.transport.write(TOO_MANY_CONNECTIONS)
        # Half-close, then drop what the client sends until it closes: closing with its request
        # unread would reset the connection and could destroy the 503 before the client reads it.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._read_timer = self.loop.call_later(self.options.header_timeout, self.transport.abort)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        self._watch_reading(data_arrived=True)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_reading(data_arrived=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read_timer()
        self._stall_ended()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        self._stall_started()

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stall_ended()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        # The WebSocket protocol takes the connection over; its own guard watches it from here.
        self._cancel_read_timer()
        self._stall_ended()
        super().handle_websocket_upgrade(event)

    # -- read deadlines -------------------------------------------------------------------------

    def _watch_reading(self, *, data_arrived: bool) -> None:
        if self.transport.is_closing():
            self._cancel_read_timer()
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            # IDLE after data arrived: a head has begun and is not complete. IDLE after a response:
            # a kept-alive connection waiting, which uvicorn's keep-alive timeout closes.
            self._set_read_phase("head" if data_arrived else None)
        elif state is h11.SEND_BODY:
            self._set_read_phase("body")
        else:
            self._set_read_phase(None)

    def _set_read_phase(self, phase: str | None) -> None:
        if phase == self._read_phase and (phase is None or self._read_timer is not None):
            return
        self._cancel_read_timer()
        self._read_phase = phase
        if phase == "head":
            self._read_timer = self.loop.call_later(self.options.header_timeout, self._head_timed_out)
        elif phase == "body":
            deadline = self.options.body_timeout + BODY_GRACE_SECONDS
            self._read_timer = self.loop.call_later(deadline, self._body_timed_out)

    def _cancel_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _head_timed_out(self) -> None:
        self._read_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        logger.info(
            "closing %s: no complete request head within %.0f s",
            _peer(self.transport),
            self.options.header_timeout,
        )
        if self.conn.our_state is h11.IDLE:
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()

    def _body_timed_out(self) -> None:
        self._read_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        logger.info(
            "dropping %s: its request body did not arrive within %.0f s",
            _peer(self.transport),
            self.options.body_timeout,
        )
        _reset(self.transport)


class GuardedWebSocketProtocol(_StallGuard, WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with the stall limit."""

    def pause_writing(self) -> None:
        super().pause_writing()
        self._stall_started()

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stall_ended()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stall_ended()
        super().connection_lost(exc)


def _reset(transport: asyncio.Transport) -> None:
    """Close at once, with a reset: a plain close would leave the kernel holding the unsent
    answer (megabytes) for a client that reads nothing, retrying for minutes."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already gone
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _peer(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return "a client"


def protocols(options: ServeOptions) -> tuple[type[GuardedH11Protocol], type[GuardedWebSocketProtocol]]:
    """The HTTP and WebSocket protocol classes of one server, bound to its options."""
    http = type("BoundGuardedH11Protocol", (GuardedH11Protocol,), {"options": options})
    ws = type("BoundGuardedWebSocketProtocol", (GuardedWebSocketProtocol,), {"options": options})
    return http, ws


def ensure_descriptors(options: ServeOptions) -> None:
    """Raise the soft limit on open files so ``max_connections`` fit (ValueError when they cannot):
    a server out of descriptors cannot even accept the connections it would refuse."""
    needed = options.max_connections + RESERVED_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise ValueError(
                f"--max-connections {options.max_connections} needs {needed} open files;"
                f" the limit is {hard} (lower --max-connections or raise ulimit -n)"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def uvicorn_config(app: ASGIApp, options: ServeOptions, *, log_level: str, **extra: Any) -> uvicorn.Config:
    """A uvicorn configuration serving ``app`` with the guarded protocols."""
    http, ws = protocols(options)
    return uvicorn.Config(
        app,
        http=http,
        ws=ws,
        log_level=log_level,
        lifespan="on",
        timeout_keep_alive=options.keep_alive,
        timeout_graceful_shutdown=options.shutdown_timeout,
        **extra,
    )


def serve_app(app: ASGIApp, listener: socket.socket, options: ServeOptions, *, log_level: str) -> None:
    """Serve ``app`` on a bound ``listener`` until the process is asked to stop."""
    ensure_descriptors(options)
    uvicorn.Server(uvicorn_config(app, options, log_level=log_level)).run(sockets=[listener])
