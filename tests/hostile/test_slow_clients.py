"""Slow and stalled clients against ``agentos-reference serve`` (a real process on 127.0.0.1, its
bounds set low by its flags): request heads and bodies trickled a byte at a time are timed out
with a 408, connections beyond ``--max-connections`` get a 503 at once, and a client that stops
reading its stream stops the stream, then is dropped, and its run ends CANCELLED.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agentos_reference import Agent, ReferenceOS, SqliteDb
from agentos_reference.cli import LISTENING
from agentos_reference.components import OfflineModel
from agentos_reference.serving import ServeOptions, protocols

from .live import live_server

pytestmark = pytest.mark.loopback

BOUNDS = ["--header-timeout", "1", "--body-timeout", "1", "--stall-timeout", "1", "--keep-alive-timeout", "3"]
SLACK_S = 3.0  # generous for a shared 2-core machine; the point is "timed out", not how fast


@dataclass
class Served:
    host: str
    port: int
    db: Path
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serving(tmp_path: Path, *flags: str) -> Iterator[Served]:
    """``agentos-reference serve`` with ``BOUNDS`` and ``flags``, stopped when the block ends."""
    log, db = tmp_path / "serve.log", tmp_path / "slow.sqlite3"
    command = [sys.executable, "-m", "agentos_reference.cli", "serve", "--port", "0", "--with-probes"]
    command += ["--db", str(db), "--log-level", "info", *BOUNDS, *flags]
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
    try:
        deadline = time.monotonic() + 30
        while not log.read_text().startswith(LISTENING):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        address = log.read_text().partition("\n")[0][len(LISTENING) :].strip().removeprefix("http://")
        host, port = address.rsplit(":", 1)
        # Printed before uvicorn listens: wait for an answer (the connection is closed after it).
        while True:
            try:
                if httpx.get(f"http://{address}/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.05)
        yield Served(host, int(port), db, log)
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert "Exception in ASGI application" not in log.read_text()
    assert "Traceback" not in log.read_text()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("slow"), "--max-connections", "64") as server:
        yield server


async def read_until_closed(reader: asyncio.StreamReader, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (TimeoutError if it never does)."""
    received = b""
    deadline = time.monotonic() + timeout
    while True:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), max(0.0, deadline - time.monotonic()))
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


async def trickle(served: Served, head: bytes, drip: bytes, *, every: float = 0.2) -> tuple[bytes, float]:
    """Send ``head``, then ``drip`` one byte at a time; what came back and when the server closed."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(served.host, served.port)
    answer = asyncio.create_task(read_until_closed(reader, timeout=1 + SLACK_S + 2))
    writer.write(head)
    for byte in drip:
        if answer.done():
            break
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            break
        await asyncio.sleep(every)
    try:
        received = await answer
    finally:
        writer.close()
    return received, time.monotonic() - started


def status_and_json(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def stored_runs(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


async def test_heads_trickled_or_never_sent_are_timed_out_while_others_are_served(served: Served) -> None:
    post = b"POST /agents/probe-agent-echo/runs HTTP/1.1\r\nHost: x\r\n"
    attacks = [trickle(served, post, b"X-Slow: " + b"a" * 200) for _ in range(10)]
    attacks += [trickle(served, b"", b"") for _ in range(5)]  # connect, then silence
    attacks += [trickle(served, b"G", b"ET /health HTTP/1.1\r\nHost: x\r\n" + b"X" * 200)]
    running = [asyncio.ensure_future(attack) for attack in attacks]
    await asyncio.sleep(0.3)
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        assert (await client.get("/health")).status_code == 200, "others are served meanwhile"
    for received, seconds in await asyncio.gather(*running):
        assert seconds < 1 + SLACK_S, seconds
        status, body = status_and_json(received)
        assert (status, body) == (408, {"detail": "The request head was not received in time"})


async def test_a_head_trickled_on_a_kept_alive_connection_is_timed_out(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = await reader.readuntil(b"}")
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        received = b""
        for byte in b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 100:
            writer.write(bytes([byte]))
            await asyncio.sleep(0.2)
            try:
                received += await asyncio.wait_for(reader.read(65536), 0.01)
            except TimeoutError:
                continue
            if received:
                break
        received += await read_until_closed(reader, timeout=SLACK_S)
    finally:
        writer.close()
    assert time.monotonic() - started < 1 + SLACK_S
    assert status_and_json(received)[0] == 408


async def test_a_body_trickled_is_a_408_and_stores_nothing(served: Served) -> None:
    head = (
        b"POST /agents/probe-agent-echo/runs HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
    )
    answers = await asyncio.gather(*(trickle(served, head, b"message=" + b"a" * 192) for _ in range(5)))
    for received, seconds in answers:
        assert seconds < 1 + SLACK_S, seconds
        status, body = status_and_json(received)
        assert status == 408
        assert body == {"detail": "The request body did not arrive within 1 s"}
        assert b"connection: close" in received.lower()
    assert stored_runs(served.db) == 0


async def test_a_body_nobody_reads_is_cut_off(served: Served) -> None:
    # /health answers without reading the body; the client keeps trickling it.
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    _, seconds = await trickle(served, head, b"a" * 100)  # 20 s of body, were it let in
    # Cut off (reset: the 200 it was answered may be lost with it) at the body deadline plus its grace.
    assert seconds < 1 + 2 + SLACK_S, seconds


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path, "--max-connections", "6") as server:
        yield server


async def test_connections_beyond_the_cap_get_a_503_at_once_and_the_server_recovers(capped: Served) -> None:
    served = capped
    kept: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        for _ in range(6):  # kept alive after one request each: six open connections
            reader, writer = await asyncio.open_connection(served.host, served.port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await reader.readuntil(b"}")).startswith(b"HTTP/1.1 200")
            kept.append((reader, writer))
        for _ in range(3):
            reader, writer = await asyncio.open_connection(served.host, served.port)
            started = time.monotonic()
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            received = await read_until_closed(reader, timeout=SLACK_S)
            writer.close()
            assert time.monotonic() - started < SLACK_S
            assert status_and_json(received) == (503, {"detail": "Too many connections"})
    finally:
        for _, writer in kept:
            writer.close()
    await asyncio.sleep(0.3)
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        assert (await client.get("/health")).status_code == 200


# -- a client that stops reading ---------------------------------------------------------------------

BIG_REPLY = "y" * (6 * 1024 * 1024)  # more than the kernel's socket buffers hold on loopback


def big_replies_app(db: SqliteDb) -> ReferenceOS:
    return ReferenceOS(agents=[Agent(id="big", model=OfflineModel(reply=lambda request: BIG_REPLY))], db=db)


def ends_with_a_reset(client: socket.socket) -> bool:
    client.settimeout(SLACK_S)
    try:
        while client.recv(1 << 20):
            pass
    except ConnectionResetError:
        return True
    finally:
        client.close()
    return False


def statuses(db: Path, session: str) -> list[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT status FROM runs WHERE session_id = ?", (session,)).fetchall()
    return [str(row[0]) for row in rows]


def test_a_stream_nobody_reads_stops_producing_then_is_dropped_and_its_run_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "stall.sqlite3"
    db = SqliteDb(path)
    options = ServeOptions(stall_timeout=1.0)
    app = big_replies_app(db).get_app()
    http, ws = protocols(options)
    try:
        with live_server(app, http=http, ws=ws, log_level="warning") as base_url:
            port = int(base_url.rsplit(":", 1)[1])
            body = urllib.parse.urlencode({"message": "m", "session_id": "stalled"}).encode()
            stalled = []
            for _ in range(3):
                client = socket.socket()
                client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                client.connect(("127.0.0.1", port))
                client.sendall(
                    b"POST /agents/big/runs HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                stalled.append(client)
            time.sleep(0.6)
            # The streams stopped producing: the runs wait on their clients instead of completing.
            assert statuses(path, "stalled") == ["RUNNING"] * 3
            assert httpx.get(f"{base_url}/health", timeout=5).status_code == 200
            deadline = time.monotonic() + 1 + SLACK_S
            while statuses(path, "stalled") != ["CANCELLED"] * 3:
                assert time.monotonic() < deadline, statuses(path, "stalled")
                time.sleep(0.1)
            for client in stalled:
                assert ends_with_a_reset(client), "the connection was aborted, its buffers dropped"
    finally:
        db.close()


# -- the flags ---------------------------------------------------------------------------------------


def test_the_bounds_have_documented_defaults_and_flags() -> None:
    from agentos_reference.cli import parser, serve_options_from

    assert serve_options_from(parser().parse_args(["serve"])) == ServeOptions(
        max_connections=512, header_timeout=10.0, body_timeout=60.0, stall_timeout=30.0, keep_alive=5
    )
    flags = ["--max-connections", "9", "--header-timeout", "2.5", "--body-timeout", "7"]
    flags += ["--stall-timeout", "4", "--keep-alive-timeout", "3"]
    assert serve_options_from(parser().parse_args(["serve", *flags])) == ServeOptions(9, 2.5, 7.0, 4.0, 3)


@pytest.mark.parametrize(
    "flags",
    [
        ["--max-connections", "0"],
        ["--header-timeout", "0"],
        ["--stall-timeout", "-1"],
        ["--body-timeout", "nan"],
    ],
)
def test_bad_bounds_exit_2_with_a_message(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from agentos_reference.cli import main

    assert main(["serve", "--port", "0", *flags]) == 2
    assert "agentos-reference: error:" in capsys.readouterr().err


def test_a_cap_beyond_the_descriptor_limit_is_refused() -> None:
    from agentos_reference.serving import ensure_descriptors

    with pytest.raises(ValueError, match="open files"):
        ensure_descriptors(ServeOptions(max_connections=10**9))
