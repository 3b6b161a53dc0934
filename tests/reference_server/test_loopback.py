"""The reference server over real TCP: ``agentos-reference serve`` on 127.0.0.1 (HTTP, SSE, WebSocket)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from agentos_reference.cli import LISTENING

from .conftest import SECRET, bearer, echo_of, hs_token, sse_events

pytestmark = pytest.mark.loopback


class Server:
    def __init__(self, base_url: str, log: Path) -> None:
        self.base_url = base_url
        self.ws_url = base_url.replace("http://", "ws://")
        self.log = log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("loopback")
    log = directory / "server.log"
    command = [sys.executable, "-m", "agentos_reference.cli", "serve", "--port", "0", "--with-probes"]
    command += ["--db", str(directory / "loopback.sqlite3"), "--log-level", "warning"]
    env = {**os.environ, "AGENTOS_REFERENCE_JWT_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    try:
        base_url = None
        deadline = time.monotonic() + 30
        while base_url is None:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            first_line = log.read_text().partition("\n")[0]
            if first_line.startswith(LISTENING):
                base_url = first_line[len(LISTENING) :].strip()
            else:
                time.sleep(0.05)
        assert base_url.startswith("http://127.0.0.1:")
        while httpx.get(f"{base_url}/health").status_code != 200:
            time.sleep(0.05)
        yield Server(base_url, log)
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert "Exception in ASGI application" not in log.read_text(), "no request may crash the app"


async def test_http_run_with_factory_input(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        response = await client.post(
            "/agents/probe-agent-required/runs",
            files={
                "message": (None, "tcp"),
                "stream": (None, "false"),
                "factory_input": (None, '{"tenant": "t"}'),
            },
        )
    assert response.status_code == 200
    echo = echo_of(response.json())
    assert echo["ctx"]["input"] == {"tenant": "t", "depth": 1}


async def test_sse_streams_frames_as_they_happen(server: Server) -> None:
    async with (
        httpx.AsyncClient(base_url=server.base_url) as client,
        client.stream("POST", "/teams/probe-team-echo/runs", data={"message": "streamed"}) as response,
    ):
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        body = "".join([chunk async for chunk in response.aiter_text()])
    events = sse_events(body)
    assert events[0][0] == "TeamRunStarted"
    assert events[-1][0] == "TeamRunCompleted"
    assert echo_of(events[-1][1])["message"] == "streamed"


async def test_errors_and_auth_over_the_wire(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        forbidden = await client.post("/workflows/probe-workflow-scope/runs", data={"message": "m"})
        unauthorized = await client.get("/agents", headers=bearer(hs_token("wrong-secret-" * 4)))
        allowed = await client.post(
            "/workflows/probe-workflow-scope/runs",
            data={"message": "m", "stream": "false"},
            headers=bearer(hs_token(sub="net", scopes=["workflows:run"])),
        )
        malformed = await client.post(
            "/agents/probe-agent-echo/runs",
            content=b'--xx\r\nContent-Disposition: form-data; name="message"\r\n\r\nunterminated',
            headers={"content-type": "multipart/form-data; boundary=xx"},
        )
    assert (forbidden.status_code, forbidden.headers["content-type"]) == (403, "application/json")
    assert unauthorized.status_code == 401
    assert unauthorized.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert echo_of(allowed.json())["ctx"]["user_id"] == "net"
    assert malformed.status_code == 400


async def receive_run(ws: Any) -> list[dict[str, Any]]:
    frames = []
    while True:
        text = await ws.recv()
        if not text.startswith("event: "):
            frames.append(json.loads(text))
            return frames
        data = json.loads(text.split("\n")[1][len("data: ") :])
        frames.append(data)
        if data["event"] in {"WorkflowCompleted", "WorkflowPaused"}:
            return frames


@pytest.mark.parametrize("path", ["/workflows/ws", "/workflows/probe-workflow-pause/ws"])
async def test_websocket_start_and_continue(server: Server, path: str) -> None:
    async with connect(server.ws_url + path) as ws:
        assert json.loads(await ws.recv())["event"] == "connected"
        await ws.send(json.dumps({"action": "authenticate", "token": hs_token(sub="ws-net")}))
        assert json.loads(await ws.recv())["event"] == "authenticated"
        assert json.loads(await ws.recv())["user_id"] == "ws-net"
        await ws.send(
            json.dumps({"action": "start-workflow", "workflow_id": "probe-workflow-pause", "message": "m"})
        )
        paused = (await receive_run(ws))[-1]
        assert paused["event"] == "WorkflowPaused"
        decided = [{**item, "confirmed": True} for item in paused["step_requirements"]]
        await ws.send(
            json.dumps(
                {
                    "action": "continue-workflow",
                    "workflow_id": "probe-workflow-pause",
                    "run_id": paused["run_id"],
                    "step_requirements": decided,
                }
            )
        )
        completed = (await receive_run(ws))[-1]
        await ws.send(
            json.dumps({"action": "start-workflow", "workflow_id": "probe-workflow-scope", "message": "m"})
        )
        refused = (await receive_run(ws))[-1]
    assert completed["event"] == "WorkflowCompleted"
    assert echo_of(completed)["ctx"]["user_id"] == "ws-net"
    # On the spec's route the URL names the workflow, so another id in the message is a 400.
    expected = (403, "permission") if path == "/workflows/ws" else (400, "bad_request")
    assert (refused["event"], refused["status"], refused["error_type"]) == ("error", *expected)
