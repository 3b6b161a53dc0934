"""Capture real agno 3.1.10 wire samples into tests/fixtures/agno_wire/ (ground truth for respx tests).

Regenerate with::

    .venv/bin/python -m tests.integration.capture_agno_wire [--out tests/fixtures/agno_wire]

It starts the harness of agno_app.py twice (JWT and no auth), runs a fixed list
of exchanges against the probes and writes one JSON file per exchange (request,
status, content type, JSON body), the raw text of every SSE stream
(``*.sse``), the frames of every WebSocket conversation, and ``index.json``
listing them all. Ids, timestamps and token expiries are real, so they change
on every capture; shapes do not (test_agno_wire_fixtures.py checks that).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.integration.agno_server import AgnoServer, running_agno_server
from tests.integration.agno_wire import (
    HTTP_TIMEOUT_S,
    WorkflowSocket,
    confirmation_form,
    form_fields,
    sse_events,
    workflow_socket,
)

AGNO_VERSION = "3.1.10"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agno_wire"
RUN_SCOPES = ("agents:run", "teams:run", "workflows:run")
CLAIMS: dict[str, Any] = {"sub": "wire-user", "session_id": None, "scopes": RUN_SCOPES}


@dataclass
class Recorder:
    """Writes captures into ``out`` and keeps the index."""

    out: Path
    index: list[dict[str, Any]] = field(default_factory=list)

    def _write(self, file_name: str, text: str) -> None:
        (self.out / file_name).write_text(text, encoding="utf-8")

    def _write_json(self, file_name: str, document: object) -> None:
        self._write(file_name, json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    def http(
        self,
        name: str,
        description: str,
        server: AgnoServer,
        method: str,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        claims: Mapping[str, Any] | None = CLAIMS,
        raw_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request and record it.

        ``claims`` None sends no token; ``raw_headers`` are added as they are.
        """
        headers: dict[str, str] = {}
        if claims is not None and server.auth == "jwt":
            headers["Authorization"] = f"Bearer {server.token(**_token_arguments(claims))}"
        headers.update(raw_headers or {})
        with httpx.Client(base_url=server.base_url, timeout=HTTP_TIMEOUT_S) as client:
            response = client.request(method, path, data=form, params=query, headers=headers)
        content_type = response.headers.get("content-type", "")
        record: dict[str, Any] = {
            "agno_version": AGNO_VERSION,
            "name": name,
            "description": description,
            "auth": server.auth,
            "request": {
                "method": method,
                "path": path,
                "form": dict(form or {}),
                "query": dict(query or {}),
                "token_claims": _recorded_claims(claims) if server.auth == "jwt" else None,
                "headers": {k: v for k, v in (raw_headers or {}).items() if k.lower() != "authorization"},
                "authorization": _describe_authorization(raw_headers),
            },
            "response": {
                "status": response.status_code,
                "content_type": content_type,
                "www_authenticate": response.headers.get("www-authenticate"),
            },
        }
        if content_type.startswith("text/event-stream"):
            text_file = f"{name}.sse"
            self._write(text_file, response.text)
            record["response"]["text_file"] = text_file
        else:
            record["response"]["json"] = response.json()
        self._write_json(f"{name}.json", record)
        self.index.append({"name": name, "kind": "http", "files": _files(record), "description": description})
        return response

    def websocket(self, name: str, description: str, server: AgnoServer, socket: WorkflowSocket) -> None:
        """Record every frame a finished conversation exchanged (sent and received, in order)."""
        record = {
            "agno_version": AGNO_VERSION,
            "name": name,
            "description": description,
            "auth": server.auth,
            "path": "/workflows/ws",
            "frames": socket.transcript,
        }
        self._write_json(f"{name}.ws.json", record)
        self.index.append(
            {"name": name, "kind": "websocket", "files": [f"{name}.ws.json"], "description": description}
        )

    def finish(self) -> None:
        self._write_json("index.json", {"agno_version": AGNO_VERSION, "captures": self.index})


def _token_arguments(claims: Mapping[str, Any]) -> dict[str, Any]:
    arguments = dict(claims)
    arguments["scopes"] = tuple(arguments.get("scopes", ()))
    return arguments


def _recorded_claims(claims: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if claims is None:
        return None
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in claims.items()
        if value is not None
    }


def _describe_authorization(raw_headers: Mapping[str, str] | None) -> str | None:
    for key, value in (raw_headers or {}).items():
        if key.lower() == "authorization":
            return value
    return None


def _files(record: Mapping[str, Any]) -> list[str]:
    files = [f"{record['name']}.json"]
    text_file = record["response"].get("text_file")
    if text_file:
        files.append(text_file)
    return files


def _runs(kind: str, component_id: str) -> str:
    return f"/{kind}s/{component_id}/runs"


def capture_runs(rec: Recorder, server: AgnoServer) -> None:
    """Non-streaming and streaming runs, paused runs and their continues, for every kind."""
    for kind in ("agent", "team", "workflow"):
        echo_form = form_fields(
            message=f"hello {kind}", stream=False, factory_input={"tenant": "acme"}, user_id="form-user"
        )
        rec.http(
            f"{kind}_run",
            f"non-streaming {kind} run of probe-{kind}-required (echo in content)",
            server,
            "POST",
            _runs(kind, f"probe-{kind}-required"),
            form=echo_form,
        )
        rec.http(
            f"{kind}_run_stream",
            f"streaming {kind} run of probe-{kind}-echo",
            server,
            "POST",
            _runs(kind, f"probe-{kind}-echo"),
            form=form_fields(message=f"stream {kind}", stream=True, session_id=f"wire-{kind}-stream"),
        )
        for stream in (False, True):
            suffix = "_stream" if stream else ""
            pause_path = _runs(kind, f"probe-{kind}-pause")
            response = rec.http(
                f"{kind}_paused{suffix}",
                f"{'streamed ' if stream else ''}{kind} run of probe-{kind}-pause, paused for confirmation",
                server,
                "POST",
                pause_path,
                form=form_fields(message=f"pause {kind}", stream=stream),
            )
            paused = _paused_run(kind, response, stream)
            fields = confirmation_form(kind, paused)
            rec.http(
                f"{kind}_continue{suffix}",
                f"{'streamed ' if stream else ''}continue of the paused {kind} run, confirmation granted",
                server,
                "POST",
                f"{pause_path}/{paused['run_id']}/continue",
                form=form_fields(message=None, stream=stream, **fields),
            )
    rec.http(
        "agent_run_prototype",
        "non-streaming run of the plain prototype agent proto-agent",
        server,
        "POST",
        _runs("agent", "proto-agent"),
        form=form_fields(message="hello prototype", stream=False),
    )
    rec.http(
        "agent_run_background",
        "background=true, stream=false: 202 with run metadata",
        server,
        "POST",
        _runs("agent", "probe-agent-echo"),
        form=form_fields(message="in the background", stream=False, background="true"),
    )


def _paused_run(kind: str, response: httpx.Response, stream: bool) -> dict[str, Any]:
    if not stream:
        paused: dict[str, Any] = response.json()
        return paused
    names = {"agent": "RunPaused", "team": "TeamRunPaused", "workflow": "WorkflowPaused"}
    for event in sse_events(response):
        if event.event == names[kind]:
            found: dict[str, Any] = event.json()
            return found
    raise RuntimeError(f"no {names[kind]} event in the streamed {kind} pause")


def capture_workflow_reads(rec: Recorder, server: AgnoServer) -> None:
    run = rec.http(
        "workflow_run_for_reads",
        "a workflow run whose session the reads below use",
        server,
        "POST",
        _runs("workflow", "probe-workflow-echo"),
        form=form_fields(message="read me", stream=False, session_id="wire-read-session"),
    ).json()
    rec.http(
        "workflow_get_run",
        "GET one workflow run (factory_input is ignored here, wire notes 2.1)",
        server,
        "GET",
        f"{_runs('workflow', 'probe-workflow-echo')}/{run['run_id']}",
        query={"session_id": "wire-read-session"},
    )
    rec.http(
        "workflow_list_runs",
        "GET the runs of a workflow session (this invokes the factory)",
        server,
        "GET",
        _runs("workflow", "probe-workflow-echo"),
        query={"session_id": "wire-read-session"},
    )
    rec.http(
        "workflow_list_runs_unknown_session",
        "GET the runs of an unknown session: 404 after the factory ran",
        server,
        "GET",
        _runs("workflow", "probe-workflow-echo"),
        query={"session_id": "no-such-session"},
    )
    rec.http(
        "cancel_agent_run",
        "cancel never builds the component and answers {} even for unknown runs",
        server,
        "POST",
        f"{_runs('agent', 'probe-agent-crash')}/no-such-run/cancel",
    )


def capture_discovery(rec: Recorder, server: AgnoServer) -> None:
    for kind in ("agent", "team", "workflow"):
        rec.http(f"{kind}s_list", f"GET /{kind}s (discovery list)", server, "GET", f"/{kind}s")
        rec.http(
            f"{kind}_get",
            f"GET /{kind}s/probe-{kind}-required (one entry, with factory_input_schema)",
            server,
            "GET",
            f"/{kind}s/probe-{kind}-required",
        )
    rec.http(
        "agent_get_prototype",
        "GET /agents/proto-agent (a prototype entry)",
        server,
        "GET",
        "/agents/proto-agent",
    )


def capture_errors(rec: Recorder, jwt_server: AgnoServer, noauth_server: AgnoServer) -> None:
    echo = _runs("agent", "probe-agent-echo")
    plain = form_fields(message="m", stream=False)
    for name, factory_input, description in (
        ("error_400_invalid_json", "{bad", "factory_input that is not JSON"),
        ("error_400_not_an_object", "[1, 2]", "factory_input that is JSON but not an object"),
    ):
        rec.http(name, description, jwt_server, "POST", echo, form={**plain, "factory_input": factory_input})
    rec.http(
        "error_400_validation",
        "factory_input failing the input_schema",
        jwt_server,
        "POST",
        _runs("agent", "probe-agent-required"),
        form={**plain, "factory_input": '{"tenant": 5}'},
    )
    rec.http(
        "error_401_missing", "no Authorization header", jwt_server, "POST", echo, form=plain, claims=None
    )
    rec.http(
        "error_401_garbage",
        "a bearer value that is not a JWT",
        jwt_server,
        "POST",
        echo,
        form=plain,
        claims=None,
        raw_headers={"Authorization": "Bearer not-a-jwt"},
    )
    forged = AgnoServer(
        jwt_server.base_url, "jwt", "another-secret-that-is-at-least-32-bytes!", "HS256", jwt_server.log_path
    )
    rec.http(
        "error_401_bad_signature",
        "a JWT signed with another secret",
        jwt_server,
        "POST",
        echo,
        form=plain,
        claims=None,
        raw_headers={"Authorization": f"Bearer {forged.token(sub='wire-user')}"},
    )
    expired = jwt_server.token(sub="wire-user", expires_in_s=-3600)
    rec.http(
        "error_401_expired",
        "an expired JWT (beyond the middleware's 10 s leeway)",
        jwt_server,
        "POST",
        echo,
        form=plain,
        claims=None,
        raw_headers={"Authorization": f"Bearer {expired}"},
    )
    rec.http(
        "error_403_factory_permission",
        "FactoryPermissionError from probe-agent-scope (token without agents:run)",
        jwt_server,
        "POST",
        _runs("agent", "probe-agent-scope"),
        form=plain,
        claims={"sub": "wire-user", "scopes": ()},
    )
    rec.http(
        "error_403_no_auth",
        "FactoryPermissionError with no auth at all",
        noauth_server,
        "POST",
        _runs("team", "probe-team-scope"),
        form=plain,
    )
    for kind in ("agent", "team", "workflow"):
        rec.http(
            f"error_404_{kind}_not_found",
            f"unknown {kind} id",
            jwt_server,
            "POST",
            _runs(kind, f"probe-{kind}-nope"),
            form=plain,
        )
    rec.http(
        "error_404_run_not_found",
        "continue of an unknown run of a factory agent (after the factory ran)",
        jwt_server,
        "POST",
        f"{echo}/no-such-run/continue",
        form={"session_id": "s", "stream": "false"},
    )
    rec.http(
        "error_404_workflow_run_not_found",
        "continue of an unknown workflow run",
        jwt_server,
        "POST",
        f"{_runs('workflow', 'probe-workflow-echo')}/no-such-run/continue",
        form={"session_id": "s", "stream": "false"},
    )
    rec.http(
        "error_422_missing_message",
        "no message form field",
        jwt_server,
        "POST",
        echo,
        form={"stream": "false"},
    )
    rec.http(
        "error_422_bad_stream",
        "stream=bogus",
        jwt_server,
        "POST",
        echo,
        form={"message": "m", "stream": "bogus"},
    )
    for kind in ("agent", "team", "workflow"):
        for suffix in ("crash", "factory-error", "wrong-type"):
            rec.http(
                f"error_500_{kind}_{suffix.replace('-', '_')}",
                f"probe-{kind}-{suffix}",
                jwt_server,
                "POST",
                _runs(kind, f"probe-{kind}-{suffix}"),
                form=plain,
            )
    rec.http(
        "error_500_stream_crash",
        "a crashing factory with stream=true: JSON 500, not SSE",
        jwt_server,
        "POST",
        _runs("agent", "probe-agent-crash"),
        form=form_fields(message="m", stream=True),
    )


def capture_websocket(rec: Recorder, jwt_server: AgnoServer, noauth_server: AgnoServer) -> None:
    start = {
        "action": "start-workflow",
        "workflow_id": "probe-workflow-echo",
        "message": "over the socket",
        "session_id": "wire-ws-session",
        "user_id": "frame-user",
        "factory_input": {"a": 1},
    }
    with workflow_socket(jwt_server) as socket:
        socket.receive()
        socket.send(
            {"action": "start-workflow", "workflow_id": "probe-workflow-echo", "message": "too early"}
        )
        socket.receive()
        socket.send({"action": "authenticate", "token": "not-a-jwt"})
        socket.receive()
        socket.send(
            {"action": "authenticate", "token": jwt_server.token(sub="ws-user", scopes=("workflows:run",))}
        )
        socket.receive()
        socket.receive()
        socket.send({"action": "ping"})
        socket.receive()
        socket.run_until_done(start)
        rec.websocket(
            "ws_start_workflow_jwt",
            "JWT: greeting, auth errors, authenticate, ping, a full run",
            jwt_server,
            socket,
        )
    with workflow_socket(noauth_server) as socket:
        socket.receive()
        socket.run_until_done(start)
        socket.run_until_done({**start, "workflow_id": "probe-workflow-crash"})
        socket.run_until_done({**start, "workflow_id": "probe-workflow-nope"})
        socket.run_until_done({**start, "workflow_id": "probe-workflow-pause"})
        paused = json.loads(socket.transcript[-1]["text"].split("data: ", 1)[1])
        socket.send(
            {
                "action": "continue-workflow",
                "workflow_id": "probe-workflow-pause",
                "run_id": paused["run_id"],
                "session_id": paused["session_id"],
                "step_requirements": [{**req, "confirmed": True} for req in paused["step_requirements"]],
            }
        )
        socket.receive()
        rec.websocket(
            "ws_start_workflow_noauth",
            "no auth: greeting, a full run, factory error, unknown workflow, a pause, the broken continue",
            noauth_server,
            socket,
        )
    with workflow_socket(jwt_server) as socket:
        socket.receive()
        socket.send({"action": "authenticate", "token": jwt_server.token(sub="ws-user", scopes=())})
        socket.receive()
        socket.receive()
        socket.run_until_done(start)
        rec.websocket(
            "ws_insufficient_scope",
            "JWT without workflows:run: the socket refuses the run",
            jwt_server,
            socket,
        )


def capture_all(jwt_server: AgnoServer, noauth_server: AgnoServer, out: Path) -> list[dict[str, Any]]:
    """Run every capture against two running servers and write the fixtures into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rec = Recorder(out)
    capture_runs(rec, jwt_server)
    capture_workflow_reads(rec, jwt_server)
    capture_discovery(rec, jwt_server)
    capture_errors(rec, jwt_server, noauth_server)
    capture_websocket(rec, jwt_server, noauth_server)
    rec.finish()
    return rec.index


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.integration.capture_agno_wire", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=FIXTURES, help=f"target folder (default {FIXTURES})")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="agno-wire-") as scratch:
        staging = Path(scratch) / "captures"
        with (
            running_agno_server("jwt", Path(scratch) / "jwt") as jwt_server,
            running_agno_server("none", Path(scratch) / "none") as noauth_server,
        ):
            index = capture_all(jwt_server, noauth_server, staging)
        # Replace the old fixtures only once every capture succeeded.
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(staging, args.out)
    print(f"captured {len(index)} exchanges into {args.out} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
