"""Start the servers under test as child processes on 127.0.0.1 free ports, read their CPU and
memory from /proc, and stop them.

Every server is one uvicorn process with the same settings (h11, asyncio loop, log level
warning, no access log), so the comparison is between the applications, not the stacks:

- ``reference``: ``agentos-reference serve --with-probes`` (the project's CLI, as a user runs it);
- ``agno``: a real agno 3.1.10 AgentOS with the same probes (``tests/integration/agno_app.py``);
- ``floor``: a bare FastAPI endpoint parsing the same form (``bench/floor_app.py``).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
STARTUP_TIMEOUT_S = 90.0
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class ServerStartError(RuntimeError):
    """A server did not come up healthy; the message carries the tail of its log."""


@dataclass
class Server:
    """A running server process: where it listens and how to measure it."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    jwt_secret: str | None = None
    started_s: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (threads included)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_bytes(self) -> int:
        """Resident memory of the server process now."""
        return int(Path(f"/proc/{self.pid}/statm").read_text().split()[1]) * PAGE_BYTES

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError as error:
            return f"<no log: {error}>"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # agno must not phone home nor pick up auth from the caller's environment.
    env["AGNO_TELEMETRY"] = "false"
    for name in ("JWT_VERIFICATION_KEY", "JWT_JWKS_FILE", "JWT_JWKS", "OS_SECURITY_KEY"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _bound_socket(port: int = 0) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A restarted server takes its predecessor's port back (TIME_WAIT must not block it).
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    return listener


def _wait_healthy(server: Server, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not server.alive():
                raise ServerStartError(f"{server.name} exited early:\n{server.log_tail()}")
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise ServerStartError(f"{server.name} not healthy after {timeout_s:.0f}s:\n{server.log_tail()}")


def _spawn_with_socket(
    name: str,
    argv: list[str],
    workdir: Path,
    jwt_secret: str | None,
    env: dict[str, str] | None = None,
    port: int = 0,
) -> Server:
    """Bind a free port (or ``port``) here and hand the socket to the child, so no other process
    can take it between choosing and serving."""
    listener = _bound_socket(port)
    port = listener.getsockname()[1]
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*argv, "--fd", str(listener.fileno())],
            cwd=ROOT,
            env=env or _environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    listener.close()
    server = Server(name, f"http://127.0.0.1:{port}", process, log_path, jwt_secret)
    _wait_healthy(server)
    return server


def start_reference(
    workdir: Path,
    *,
    jwt: bool = False,
    name: str = "reference",
    db: Path | None = None,
    port: int = 0,
    options: Sequence[str] = (),
) -> Server:
    """The reference server's CLI app on an inherited socket (``bench/reference_app.py``);
    ``options`` are more of its flags (``--stall-timeout 5``)."""
    secret = secrets.token_urlsafe(48) if jwt else None
    env = _environment()
    argv = [sys.executable, "-m", "bench.reference_app", "--db", str(db or workdir / f"{name}.sqlite3")]
    argv += list(options)
    if secret is not None:
        env["BENCH_REFERENCE_JWT_SECRET"] = secret
        argv += ["--jwt-secret-env", "BENCH_REFERENCE_JWT_SECRET"]
    return _spawn_with_socket(name, argv, workdir, secret, env, port)


def start_reference_cli(
    workdir: Path, *, jwt: bool = False, name: str = "reference-cli", db: Path | None = None
) -> Server:
    """The reference server as shipped: ``agentos-reference serve --port 0`` (it prints the port)."""
    secret = secrets.token_urlsafe(48) if jwt else None
    log_path = workdir / f"{name}.log"
    argv = [
        sys.executable,
        "-m",
        "agentos_reference.cli",
        "serve",
        "--port",
        "0",
        "--db",
        str(db or workdir / f"{name}.sqlite3"),
        "--with-probes",
        "--log-level",
        "warning",
    ]
    env = _environment()
    if secret is not None:
        # The CLI reads the secret from the environment so it stays out of ps.
        env["AGENTOS_REFERENCE_JWT_SECRET"] = secret
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(name, "http://127.0.0.1:0", process, log_path, secret)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while (found := LISTENING.search(server.log_tail(100_000))) is None:
        if not server.alive() or time.monotonic() > deadline:
            stop(server)
            raise ServerStartError(f"{name} printed no address:\n{server.log_tail()}")
        time.sleep(0.05)
    server.base_url = found.group(1)
    _wait_healthy(server)
    return server


def start_agno(workdir: Path, *, jwt: bool = False, name: str = "agno") -> Server:
    """A real agno 3.1.10 AgentOS with the probe factories (the integration tests' harness app)."""
    secret = secrets.token_urlsafe(48) if jwt else None
    argv = [
        sys.executable,
        "-m",
        "tests.integration.agno_app",
        "--auth",
        "jwt" if jwt else "none",
        "--db",
        str(workdir / f"{name}.sqlite3"),
        "--log-level",
        "warning",
    ]
    if secret is not None:
        argv += [f"--jwt-secret={secret}"]  # a secret may start with "-"
    return _spawn_with_socket(name, argv, workdir, secret)


def start_floor(workdir: Path, *, name: str = "floor") -> Server:
    return _spawn_with_socket(name, [sys.executable, "-m", "bench.floor_app"], workdir, None)


def stop(server: Server, *, timeout_s: float = 10.0) -> None:
    if not server.alive():
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=timeout_s)


def kill(server: Server) -> None:
    """Stop the server the hard way (SIGKILL): no graceful shutdown, as in a crash."""
    if server.alive():
        server.process.kill()
        server.process.wait(timeout=10)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        stop(server)
