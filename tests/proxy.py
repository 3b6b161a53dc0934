"""A loopback HTTP/1.1 proxy in front of one server, for tests and benchmarks: it adds latency
and misbehaves on the requests it is told to, and can stand in for what sits in front of a
staging deployment: TLS (a test CA's certificate, client certificates asked for), a path prefix
the gateway strips, a header the gateway requires, or a forward proxy (absolute-form targets).

Requests are parsed with h11 and forwarded with httpx, answers streamed back as they come
(SSE included); a WebSocket upgrade is piped through as raw bytes. A :class:`Fault` matches
requests by method and a regex over the request target, and answers them in one of the ways a
broken deployment or a gateway does: closing without an answer, resetting the connection,
a plain-text or empty 500, never answering, or cutting the body short.

The proxy runs its own event loop in a thread, so synchronous tests (and the suite's own
``anyio.run``) can use it: ``with running_proxy(upstream, faults=[...]) as url: ...``.
It listens on 127.0.0.1 only, on a free port, and stops when the block ends.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Literal

import h11
import httpx

FaultKind = Literal["drop", "reset", "plain-500", "empty-500", "hang", "truncate"]
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "proxy-connection"}
)
REFUSAL = b'{"detail":"gateway: missing or wrong header, or a path outside the prefix"}'
REFUSAL_HEADERS = [("content-type", "application/json"), ("content-length", str(len(REFUSAL)))]
PLAIN_500 = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error"
)


@dataclass
class Fault:
    """Misbehave on requests whose target (path and query) matches ``path``."""

    kind: FaultKind
    path: str
    method: str | None = None
    times: int | None = None  # None: every matching request
    seen: int = field(default=0, init=False)

    def matches(self, method: str, target: str) -> bool:
        if self.method is not None and method != self.method:
            return False
        if self.times is not None and self.seen >= self.times:
            return False
        if re.search(self.path, target) is None:
            return False
        self.seen += 1
        return True


@dataclass
class ProxyStats:
    requests: int = 0
    faults: int = 0
    upgrades: int = 0
    refused: int = 0  # requests without the required headers, or outside the prefix
    absolute_form: int = 0  # requests sent to it as a forward proxy
    # Every bearer token and every value of a required header it saw (to prove none is reported).
    secrets_seen: set[str] = field(default_factory=set)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request's head


@dataclass(frozen=True)
class Gateway:
    """What the proxy asks of a request before it forwards it."""

    prefix: str = ""  # stripped from every path; requests outside it answer 404
    required_headers: tuple[tuple[str, str], ...] = ()  # answered 401 when missing or wrong


class Proxy:
    def __init__(
        self,
        upstream: str,
        *,
        faults: Sequence[Fault] = (),
        latency_s: float = 0.0,
        gateway: Gateway | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = list(faults)
        self.latency_s = latency_s
        self.gateway = gateway or Gateway()
        self.stats = ProxyStats()
        self._client: httpx.AsyncClient | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def serve(
        self,
        sock: socket.socket,
        started: threading.Event,
        stop: asyncio.Event,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        # No keep-alive upstream: a connection the upstream closes while idle would fail the next
        # request forwarded on it, and the proxy would show that as a fault it was never asked for.
        self._client = httpx.AsyncClient(
            base_url=self.upstream,
            timeout=None,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        server = await asyncio.start_server(self._connection, sock=sock, ssl=tls)
        started.set()
        try:
            await stop.wait()
        finally:
            server.close()
            # Connections still open (a piped WebSocket, a hung request) end with the proxy, not
            # after its loop is gone.
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._client.aclose()

    def _admit(self, request: h11.Request) -> h11.Request | None:
        """The request as the upstream gets it (prefix stripped, absolute form made relative), or
        None when the gateway refuses it."""
        target = request.target.decode()
        if target.startswith(("http://", "https://")):
            self.stats.absolute_form += 1
            url = httpx.URL(target)
            target = url.raw_path.decode()
        headers = {k.decode().lower(): v.decode() for k, v in request.headers}
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            self.stats.secrets_seen.add(auth.split(" ", 1)[1])
        for name, value in self.gateway.required_headers:
            self.stats.secrets_seen.add(value)
            if headers.get(name.lower()) != value:
                self.stats.refused += 1
                return None
        prefix = self.gateway.prefix.rstrip("/")
        if prefix:
            if (
                target != prefix
                and not target.startswith(prefix + "/")
                and not target.startswith(prefix + "?")
            ):
                self.stats.refused += 1
                return None
            target = target[len(prefix) :] or "/"
            if target.startswith("?"):
                target = "/" + target
        return h11.Request(method=request.method, target=target, headers=request.headers)

    def _fault_for(self, method: str, target: str) -> Fault | None:
        return next((f for f in self.faults if f.matches(method, target)), None)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request, body = await _read_request(conn, reader)
                if request is None:
                    return
                self.stats.requests += 1
                self.stats.arrivals.append(time.monotonic())
                request = self._admit(request)
                if request is None:
                    writer.write(conn.send(h11.Response(status_code=401, headers=REFUSAL_HEADERS)))
                    writer.write(conn.send(h11.Data(data=REFUSAL)))
                    writer.write(conn.send(h11.EndOfMessage()))
                    await writer.drain()
                    conn.start_next_cycle()
                    continue
                method, target = request.method.decode(), request.target.decode()
                if any(k.lower() == b"upgrade" for k, _ in request.headers):
                    self.stats.upgrades += 1
                    await self._pipe_upgrade(request, conn, reader, writer)
                    return
                fault = self._fault_for(method, target)
                if fault is not None:
                    self.stats.faults += 1
                    if not await self._misbehave(fault, conn, request, body, reader, writer):
                        return
                else:
                    await self._forward(conn, request, body, writer)
                if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, h11.RemoteProtocolError, asyncio.IncompleteReadError):
            return
        finally:
            if not writer.is_closing():
                writer.close()
            with suppress(ConnectionError, OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _forward(
        self, conn: h11.Connection, request: h11.Request, body: bytes, writer: asyncio.StreamWriter
    ) -> None:
        assert self._client is not None
        await asyncio.sleep(self.latency_s / 2)
        headers = [
            (k.decode(), v.decode()) for k, v in request.headers if k.decode().lower() not in HOP_BY_HOP
        ]
        headers = [(k, v) for k, v in headers if k.lower() != "host"]
        async with self._client.stream(
            request.method.decode(), request.target.decode(), headers=headers, content=body
        ) as response:
            await asyncio.sleep(self.latency_s / 2)
            out = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
            writer.write(conn.send(h11.Response(status_code=response.status_code, headers=out)))
            async for chunk in response.aiter_raw():
                writer.write(conn.send(h11.Data(data=chunk)))
                await writer.drain()
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    async def _misbehave(
        self,
        fault: Fault,
        conn: h11.Connection,
        request: h11.Request,
        body: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Answer as the fault says; True when the connection can serve another request."""
        if fault.kind == "drop":
            writer.close()
            return False
        if fault.kind == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if fault.kind == "plain-500":
            writer.write(PLAIN_500)
            await writer.drain()
            writer.close()
            return False
        if fault.kind == "empty-500":
            writer.write(conn.send(h11.Response(status_code=500, headers=[("content-length", "0")])))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            return True
        if fault.kind == "hang":
            await reader.read()  # until the client gives up and closes
            return False
        # truncate: the real answer's head and half its body, then the connection closes.
        assert self._client is not None
        headers = [
            (k.decode(), v.decode()) for k, v in request.headers if k.decode().lower() not in HOP_BY_HOP
        ]
        response = await self._client.request(
            request.method.decode(),
            request.target.decode(),
            headers=[(k, v) for k, v in headers if k.lower() != "host"],
            content=body,
        )
        raw = response.content
        head = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        head = [(k, v) for k, v in head if k.lower() not in ("content-length", "content-encoding")]
        head.append(("content-length", str(len(raw))))
        writer.write(conn.send(h11.Response(status_code=response.status_code, headers=head)))
        writer.write(conn.send(h11.Data(data=raw[: len(raw) // 2])))
        await writer.drain()
        writer.close()
        return False

    async def _pipe_upgrade(
        self,
        request: h11.Request,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """Hand the connection to the upstream as raw bytes (a WebSocket after its handshake)."""
        host, _, port = httpx.URL(self.upstream).netloc.decode().partition(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port or 80))
        head = f"{request.method.decode()} {request.target.decode()} HTTP/1.1\r\n".encode()
        head += b"".join(k + b": " + v + b"\r\n" for k, v in request.headers) + b"\r\n"
        up_writer.write(head + conn.trailing_data[0])

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    if self.latency_s:
                        await asyncio.sleep(self.latency_s / 2)
                    sink.write(data)
                    await sink.drain()
            with suppress(ConnectionError, OSError):
                sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))


async def _read_request(
    conn: h11.Connection, reader: asyncio.StreamReader
) -> tuple[h11.Request | None, bytes]:
    request: h11.Request | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(65536)
            conn.receive_data(data)
            continue
        if isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body.extend(event.data)
        elif isinstance(event, h11.EndOfMessage):
            return request, bytes(body)
        elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            return (request, bytes(body)) if event is h11.PAUSED else (None, b"")


@contextmanager
def running_proxy(
    upstream: str,
    *,
    faults: Sequence[Fault] = (),
    latency_s: float = 0.0,
    gateway: Gateway | None = None,
    tls: ssl.SSLContext | None = None,
) -> Iterator[tuple[str, Proxy]]:
    """Yield the proxy's base URL (prefix included; https with ``tls``) and the proxy, for its
    stats, while it runs in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    proxy = Proxy(upstream, faults=faults, latency_s=latency_s, gateway=gateway)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    started = threading.Event()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(proxy.serve(sock, started, stop, tls),), daemon=True
    )
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the proxy did not start")
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}{proxy.gateway.prefix.rstrip('/')}", proxy
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()
        sock.close()
