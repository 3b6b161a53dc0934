"""``make demo``: start the reference server, show a factory run with factory_input, a 400 and a 403, stop it.

The server runs as a subprocess (``agentos-reference serve``) on 127.0.0.1 on a free port
with a temporary SQLite file. Every request is printed as the equivalent ``curl``, then
the answer. The demo exits non-zero when an answer is not the one the spec promises,
and always stops the server.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import httpx
import jwt

from agentos_reference.cli import LISTENING, SECRET_ENV

STARTUP_SECONDS = 30.0


class DemoFailed(RuntimeError):
    """An answer differed from what the spec promises."""


@contextmanager
def running_server(db_path: Path, secret: str) -> Iterator[str]:
    """Start ``agentos-reference serve`` on a free loopback port; yield its base URL; always stop it."""
    command = [sys.executable, "-m", "agentos_reference.cli", "serve", "--port", "0", "--db", str(db_path)]
    command += ["--log-level", "warning"]
    env = {**os.environ, SECRET_ENV: secret, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: Queue[str] = Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        yield _wait_until_healthy(process, lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print("\nServer stopped.")


def _wait_until_healthy(process: subprocess.Popen[str], lines: Queue[str]) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    base_url = None
    while base_url is None:
        if process.poll() is not None or time.monotonic() > deadline:
            raise DemoFailed("the server did not start")
        try:
            line = lines.get(timeout=0.2)
        except Empty:
            continue
        if line.startswith(LISTENING):
            base_url = line[len(LISTENING) :].strip()
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                print(f"Reference server healthy at {base_url}\n")
                return base_url
        except httpx.TransportError:
            time.sleep(0.1)
    raise DemoFailed("the server never answered /health")


def curl(base_url: str, path: str, form: dict[str, str], token: str | None) -> str:
    parts = ["curl", "-X", "POST", f"{base_url}{path}"]
    if token:
        parts += ["-H", f"Authorization: Bearer {token}"]
    for name, value in form.items():
        parts += ["-F", f"{name}={value}"]
    return shlex.join(parts)


def show(
    client: httpx.Client, title: str, path: str, form: dict[str, str], expected: int, token: str | None = None
) -> dict[str, Any]:
    print(f"== {title}")
    print(f"$ {curl(str(client.base_url).rstrip('/'), path, form, token)}")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(path, data=form, headers=headers)
    body: dict[str, Any] = response.json()
    shown = {key: body[key] for key in ("run_id", "status", "content") if key in body} or body
    print(f"HTTP {response.status_code}")
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    print()
    if response.status_code != expected:
        raise DemoFailed(f"{title}: expected HTTP {expected}, got {response.status_code}")
    return body


def walkthrough(base_url: str, secret: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        show(
            client,
            "A factory run with factory_input (the research agent builds its persona from it)",
            "/agents/research-agent/runs",
            {
                "message": "What are the latest trends in AI?",
                "factory_input": '{"persona": "skeptic", "depth": 5}',
                "stream": "false",
            },
            200,
        )
        show(
            client,
            "factory_input that fails the input_schema: 400 before the factory runs",
            "/agents/research-agent/runs",
            {"message": "Hello", "factory_input": '{"persona": "pirate"}', "stream": "false"},
            400,
        )
        show(
            client,
            "The workspace agent without a verified agents:run scope: the factory refuses with 403",
            "/agents/workspace-agent/runs",
            {"message": "List my documents", "stream": "false"},
            403,
        )
        token = jwt.encode(
            {"sub": "tenant_42", "role": "editor", "scopes": ["agents:run"], "exp": int(time.time()) + 300},
            secret,
            algorithm="HS256",
        )
        show(
            client,
            "The same request with a token that has the scope (role editor: read and write tools)",
            "/agents/workspace-agent/runs",
            {"message": "List my documents", "stream": "false"},
            200,
            token=token,
        )


def main() -> int:
    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory(prefix="agentos-demo-") as directory:
        try:
            with running_server(Path(directory) / "demo.sqlite3", secret) as base_url:
                walkthrough(base_url, secret)
        except (DemoFailed, httpx.HTTPError) as error:
            print(f"demo failed: {error}", file=sys.stderr)
            return 1
    print("Demo complete: a factory run with factory_input, a 400 and a 403 (then 200 with the scope).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
