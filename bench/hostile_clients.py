"""Clients that misbehave, for the load test: they run beside the well-behaved ones, on raw
sockets, until the window ends (bounded in number and time, loopback only), in a process of
their own so their own CPU does not slow the well-behaved clients' measurements down.

- **slow readers** start a streamed run (``stream=true``) with a large message and never read
  the answer (a 4 KiB receive buffer); when the server drops one, it starts over.
- **slowloris** clients trickle a request head, one byte a second; when the server closes one,
  it starts over.
- a **health probe** (in the load test's process) asks ``GET /health`` every 100 ms and records
  how long each answer took.

    python -m bench.hostile_clients --port P --seconds S [--slow-readers N] [--slowloris N] [--message-kib K]

prints what it did as one line of JSON when the window is over.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

POLL_S = 0.25


@dataclass
class HostileLedger:
    started: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    health_ms: list[float] = field(default_factory=list)
    health_failures: int = 0


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive window: what the server sends piles up on its side, as for a client that
    # stopped reading for good.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, port))
    sock.setblocking(False)
    return sock


def _gone(sock: socket.socket) -> bool:
    """Whether the server closed or reset the connection (without consuming what it sent)."""
    try:
        peeked = sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return peeked == b""


def _head_closed(sock: socket.socket) -> bool:
    """For a slowloris: the server answered (a 408) or closed; read it all."""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


async def slow_reader(
    host: str, port: int, index: int, message_bytes: int, deadline: float, ledger: HostileLedger
) -> None:
    body = urllib.parse.urlencode(
        {"message": "x" * message_bytes, "session_id": f"slow-reader-{index}"}
    ).encode()
    request = (
        b"POST /agents/probe-agent-echo/runs HTTP/1.1\r\nHost: bench\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    loop = asyncio.get_running_loop()
    while time.monotonic() < deadline:
        try:
            sock = _connect(host, port)
            await loop.sock_sendall(sock, request)
        except OSError:
            ledger.dropped["slow reader (refused)"] += 1
            await asyncio.sleep(1.0)
            continue
        ledger.started["slow reader"] += 1
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(POLL_S)
                if _gone(sock):
                    ledger.dropped["slow reader"] += 1
                    break
        finally:
            sock.close()


async def slowloris(host: str, port: int, deadline: float, ledger: HostileLedger) -> None:
    head = b"POST /agents/probe-agent-echo/runs HTTP/1.1\r\nHost: bench\r\nX-Slow: "
    loop = asyncio.get_running_loop()
    while time.monotonic() < deadline:
        try:
            sock = _connect(host, port)
        except OSError:
            ledger.dropped["slowloris (refused)"] += 1
            await asyncio.sleep(1.0)
            continue
        ledger.started["slowloris"] += 1
        try:
            sent = 0
            while time.monotonic() < deadline:
                try:
                    await loop.sock_sendall(sock, head[sent : sent + 1] if sent < len(head) else b"a")
                except OSError:
                    ledger.dropped["slowloris"] += 1
                    break
                sent += 1
                await asyncio.sleep(1.0)
                if _head_closed(sock):
                    ledger.dropped["slowloris"] += 1
                    break
        finally:
            sock.close()


async def health_probe(base_url: str, deadline: float, ledger: HostileLedger) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = await client.get("/health")
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                ledger.health_ms.append((time.perf_counter() - started) * 1000)
            else:
                ledger.health_failures += 1
            await asyncio.sleep(0.1)


async def attack(
    host: str, port: int, seconds: float, slow_readers: int, slowlorises: int, message_bytes: int
) -> HostileLedger:
    ledger = HostileLedger()
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(slow_reader(host, port, index, message_bytes, deadline, ledger) for index in range(slow_readers)),
        *(slowloris(host, port, deadline, ledger) for _ in range(slowlorises)),
    )
    return ledger


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hostile_clients", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--slow-readers", type=int, default=0)
    parser.add_argument("--slowloris", type=int, default=0)
    parser.add_argument("--message-kib", type=int, default=1024)
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("hostile clients only ever target a loopback server")
    ledger = asyncio.run(
        attack(args.host, args.port, args.seconds, args.slow_readers, args.slowloris, args.message_kib * 1024)
    )
    print(json.dumps({"started": dict(ledger.started), "dropped": dict(ledger.dropped)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
