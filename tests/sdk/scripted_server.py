"""A loopback HTTP/1.1 server whose answers are scripted byte by byte, for answers no framework
would send: deep JSON, endless numbers, gzip bombs, slow trickles, hostile WebSocket frames.

It listens on 127.0.0.1 on a free port, serves each connection on its own thread (one request per
connection, then it closes), and is stopped by the test that started it (``with ScriptedServer(...)``).
Everything is bounded: request heads and bodies by size, pauses by the script, threads by join timeouts.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

#: A script yields bytes to send and floats to pause (seconds) between them.
Script = Iterable[bytes | float]
Handler = Callable[["Request"], Script]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class ScriptedServer:
    routes: dict[str, Handler]
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedServer:
        self._accepter.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._accepter.join(5)
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(5)
            request = _read_request(connection)
            if request is None:
                return
            self.requests.append(request)
            handler = self.routes.get(request.path.split("?")[0])
            script = handler(request) if handler else [http_response(404, {"detail": "no script"})]
            for item in script:
                if self._stopping.is_set():
                    return
                if isinstance(item, float):
                    self._stopping.wait(item)
                else:
                    connection.sendall(item)
        except OSError:
            pass  # the client went away: that is what many of these tests provoke
        finally:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


def _read_request(connection: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk or len(data) > 65536:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = min(int(headers.get("content-length", "0") or 0), 1 << 20)
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Request(method, path, headers, rest[:length])


def head(status: int, headers: dict[str, str], *, length: int | None = None) -> bytes:
    """A status line and headers; ``Content-Length`` when ``length`` is given, else chunked."""
    lines = [f"HTTP/1.1 {status} Scripted"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


def http_response(status: int, body: object, headers: dict[str, str] | None = None) -> bytes:
    """A whole answer; ``body`` as given when bytes, else as JSON."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return head(status, all_headers, length=len(data)) + data


def chunked(status: int, headers: dict[str, str], pieces: Iterable[bytes | float]) -> Iterator[bytes | float]:
    """A chunked answer: each bytes piece one chunk, floats pauses between them."""
    yield head(status, headers)
    for piece in pieces:
        yield piece if isinstance(piece, float) else chunk(piece)
    yield LAST_CHUNK


def websocket_accept(request: Request) -> bytes:
    """The ``101 Switching Protocols`` answer to a WebSocket handshake."""
    key = request.headers["sec-websocket-key"].encode()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
    ).encode()


def text_frame(payload: bytes) -> bytes:
    """One unmasked server text frame."""
    length = len(payload)
    if length < 126:
        header = bytes([0x81, length])
    elif length < 1 << 16:
        header = bytes([0x81, 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([0x81, 127]) + length.to_bytes(8, "big")
    return header + payload


def rss_peak_since_reset() -> Callable[[], int]:
    """Reset this process's peak RSS (Linux ``clear_refs``) and return a function giving the growth of
    the peak since then, in bytes: what the client (and the server threads) held at their worst."""

    def status(field_name: str) -> int:
        with open("/proc/self/status") as lines:
            for line in lines:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
        raise AssertionError(field_name)

    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        baseline = status("VmRSS")
    except OSError:  # a kernel or sandbox without clear_refs: only growth above the old peak shows
        baseline = status("VmHWM")
    return lambda: max(status("VmHWM") - baseline, 0)
