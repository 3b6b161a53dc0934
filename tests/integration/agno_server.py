"""Start and stop the real agno AgentOS of ``agno_app`` as a subprocess on loopback.

Importing this module does not import agno: the pytest process stays light and
can skip cleanly where agno is missing.

The parent binds the listening socket (port 0, so the kernel picks a free
port) and hands it to the child, so no other process can take the port
between choosing and serving it.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import httpx
import jwt

AuthMode = Literal["jwt", "none"]
AUTH_MODES: tuple[AuthMode, ...] = get_args(AuthMode)
JWT_ALGORITHM = "HS256"
# Environment variables that would silently switch auth on (or add keys) in agno.
AUTH_ENVIRONMENT = ("JWT_VERIFICATION_KEY", "JWT_JWKS_FILE", "JWT_JWKS", "OS_SECURITY_KEY")
ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0


class AgnoServerError(RuntimeError):
    """The agno subprocess did not come up healthy; the message carries its log."""


@dataclass(frozen=True)
class AgnoServer:
    """A running agno AgentOS: where it listens and how to mint tokens it accepts."""

    base_url: str
    auth: AuthMode
    jwt_secret: str | None
    jwt_algorithm: str
    log_path: Path
    user_isolation: bool = False

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/workflows/ws"

    def token(
        self,
        *,
        sub: str | None = "probe-user",
        session_id: str | None = None,
        scopes: tuple[str, ...] = (),
        expires_in_s: int = 600,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """An HS256 JWT this server verifies; claims left as None are omitted."""
        if self.jwt_secret is None:
            raise ValueError(f"the {self.auth!r} server verifies no tokens; mint them for JWT modes only")
        claims: dict[str, Any] = {"exp": int(time.time()) + expires_in_s, "scopes": list(scopes)}
        if sub is not None:
            claims["sub"] = sub
        if session_id is not None:
            claims["session_id"] = session_id
        claims.update(extra or {})
        return jwt.encode(claims, self.jwt_secret, algorithm=self.jwt_algorithm)

    def auth_headers(self, **token_claims: Any) -> dict[str, str]:
        """Bearer headers in JWT mode (claims as for ``token``); nothing in no-auth mode."""
        if self.auth == "none":
            return {}
        return {"Authorization": f"Bearer {self.token(**token_claims)}"}

    def log_tail(self, max_chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-max_chars:]
        except OSError as exc:
            return f"<no log: {exc}>"


def _child_environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in AUTH_ENVIRONMENT}
    env["AGNO_TELEMETRY"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_healthy(server: AgnoServer, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    last_error = "no attempt yet"
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AgnoServerError(
                    f"agno server exited with {process.returncode} before being healthy:\n{server.log_tail()}"
                )
            try:
                if client.get("/health").status_code == 200:
                    return
                last_error = "health answered non-200"
            except httpx.TransportError as exc:
                last_error = repr(exc)
            time.sleep(0.1)
    raise AgnoServerError(
        f"agno server not healthy after {timeout_s:.0f}s ({last_error}):\n{server.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def running_agno_server(
    auth: AuthMode,
    workdir: Path,
    *,
    startup_timeout_s: float = STARTUP_TIMEOUT_S,
    extra_args: tuple[str, ...] = (),
    user_isolation: bool = False,
) -> Iterator[AgnoServer]:
    """A healthy agno server for the ``with`` block, stopped afterwards whatever happens.

    ``user_isolation=True`` starts it with agno's per-user data isolation on (``--user-isolation``).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48) if auth != "none" else None
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
    # listener's proto says TCP; without it each keep-alive request stalls ~40 ms (Nagle + delayed ACK).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    name = f"agno-{auth}-isolated" if user_isolation else f"agno-{auth}"
    log_path = workdir / f"{name}.log"
    server = AgnoServer(
        base_url=f"http://127.0.0.1:{port}",
        auth=auth,
        jwt_secret=secret,
        jwt_algorithm=JWT_ALGORITHM,
        log_path=log_path,
        user_isolation=user_isolation,
    )
    command = [
        sys.executable,
        "-m",
        "tests.integration.agno_app",
        "--fd",
        str(listener.fileno()),
        "--auth",
        auth,
        "--db",
        str(workdir / f"{name}.db"),
        "--log-level",
        "info",
    ]
    if user_isolation:
        command.append("--user-isolation")
    if secret is not None:
        # One argument: a urlsafe secret may start with "-", which argparse would take for an option.
        command.append(f"--jwt-secret={secret}")
    command += list(extra_args)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_child_environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    # The child holds its own copy of the socket now.
    listener.close()
    try:
        _wait_healthy(server, process, startup_timeout_s)
        yield server
    finally:
        _stop(process)
