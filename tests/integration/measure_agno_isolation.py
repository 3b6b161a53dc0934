"""Measure how a real agno 3.1.10 AgentOS isolates tenants: what one caller sees of another's runs.

Starts agno (JWT middleware, HS256) with ``user_isolation`` off and on, as the integration
harness does (``agno_server.running_agno_server``), drives it with the probes as alice (the
owner), bob (another verified user), a token without ``sub``, a token with ``sub: ""`` and no
token, over HTTP (streamed and not) and the WebSocket, and prints every answer as markdown::

    .venv/bin/python -m tests.integration.measure_agno_isolation [--only off|on] [--expiry]

``--expiry`` also waits out a short token on an open WebSocket (about 20 s more per mode).
The findings are written up in ``docs/agno-isolation-measured.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from agentos_contract.probes import Kind
from tests.integration.agno_server import AgnoServer, running_agno_server
from tests.integration.agno_wire import Caller, confirmation_form, echo_of, new_trace, workflow_socket

ALL_SCOPES = ("agents:run", "teams:run", "workflows:run")
KINDS: tuple[Kind, ...] = ("agent", "team", "workflow")
PLURAL = {"agent": "agents", "team": "teams", "workflow": "workflows"}


def _short(text: str, limit: int = 220) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."


def _answer(response: httpx.Response) -> str:
    body = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        names = [line[len("event: ") :] for line in body.splitlines() if line.startswith("event: ")]
        return f"{response.status_code} SSE {names}"
    return f"{response.status_code} {_short(body)}"


def _user_of(response: httpx.Response) -> object:
    return response.json().get("user_id") if response.status_code == 200 else None


def _users_of(listing: httpx.Response) -> object:
    if listing.status_code != 200:
        return listing.text
    return [run.get("user_id") for run in listing.json()]


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(f"\n### {title}\n")

    def row(self, what: str, observed: str) -> None:
        line = f"- {what}: `{observed}`"
        print(line, flush=True)
        self.lines.append(line)


def _invoked(caller: Caller, trace: str) -> int:
    """How many factory invocations the probe ledger holds under ``trace``."""
    return len(caller.ledger(trace))


def _owner_view(alice: Caller, kind: Kind, component_id: str, run_id: str, session_id: str) -> str:
    read = alice.get(f"/{PLURAL[kind]}/{component_id}/runs/{run_id}", params={"session_id": session_id})
    if read.status_code != 200:
        return f"owner read {read.status_code}"
    run = read.json()
    return f"owner read 200 status={run.get('status')} user_id={run.get('user_id')!r}"


def measure_http(server: AgnoServer, report: Report) -> None:
    with Caller(server) as base:
        alice = base.as_(sub="alice", scopes=ALL_SCOPES)
        callers: dict[str, Caller] = {
            "bob": base.as_(sub="bob", scopes=ALL_SCOPES),
            "no-sub": base.as_(sub=None, scopes=ALL_SCOPES),
            "empty-sub": base.as_(sub="", scopes=ALL_SCOPES),
            "no token": base.anonymous(),
        }
        for kind in KINDS:
            report.section(f"{kind} (isolation {'on' if server.user_isolation else 'off'})")
            echo_id, pause_id = f"probe-{kind}-echo", f"probe-{kind}-pause"
            session = f"alice-{kind}-{new_trace()[:8]}"
            pause_session = f"alice-{kind}-pause-{new_trace()[:8]}"
            done = alice.run(kind, echo_id, session_id=session, stream=False)
            report.row("alice run", f"{done.status_code} user_id={done.json().get('user_id')!r}")
            run_id = done.json()["run_id"]
            paused_response = alice.run(kind, pause_id, session_id=pause_session, stream=False)
            paused = paused_response.json()
            report.row("alice paused run", f"{paused_response.status_code} status={paused.get('status')}")
            report.row(
                "  alice reads it", _owner_view(alice, kind, pause_id, paused["run_id"], pause_session)
            )
            base_path = f"/{PLURAL[kind]}"
            for name, caller in callers.items():
                report.row(
                    f"{name} GET run ?session_id=alice's",
                    _answer(
                        caller.get(f"{base_path}/{echo_id}/runs/{run_id}", params={"session_id": session})
                    ),
                )
                report.row(
                    f"{name} GET unknown run ?session_id=alice's",
                    _answer(
                        caller.get(f"{base_path}/{echo_id}/runs/no-such-run", params={"session_id": session})
                    ),
                )
                report.row(
                    f"{name} GET run (no session_id)",
                    _answer(caller.get(f"{base_path}/{echo_id}/runs/{run_id}")),
                )
                report.row(
                    f"{name} list alice's session",
                    _answer(caller.get(f"{base_path}/{echo_id}/runs", params={"session_id": session})),
                )
                report.row(
                    f"{name} list a missing session",
                    _answer(
                        caller.get(f"{base_path}/{echo_id}/runs", params={"session_id": "no-such-session"})
                    ),
                )
                report.row(f"{name} list (no session_id)", _answer(caller.get(f"{base_path}/{echo_id}/runs")))
                trace = new_trace()
                form = confirmation_form(kind, paused)
                answer = caller.continue_run(
                    kind, pause_id, paused["run_id"], trace=trace, stream=False, **form
                )
                report.row(
                    f"{name} continue alice's paused run (stream=false)",
                    f"{_answer(answer)}; factory invocations {_invoked(base, trace)}",
                )
                answer = caller.continue_run(kind, pause_id, paused["run_id"], stream=True, **form)
                report.row(f"{name} continue alice's paused run (stream=true)", _answer(answer))
                report.row(
                    f"{name} continue unknown run",
                    _answer(caller.continue_run(kind, pause_id, "no-such-run", stream=False, **form)),
                )
                report.row(
                    "  then alice's paused run",
                    _owner_view(alice, kind, pause_id, paused["run_id"], pause_session),
                )
                cancel = caller.client.post(
                    f"{base_path}/{pause_id}/runs/{paused['run_id']}/cancel",
                    params={"session_id": pause_session},
                    headers=caller.headers,
                )
                report.row(f"{name} cancel alice's paused run ?session_id", _answer(cancel))
                report.row(
                    f"{name} cancel alice's paused run (no session_id)",
                    _answer(caller.cancel(kind, pause_id, paused["run_id"])),
                )
                report.row(
                    f"{name} cancel unknown run (no session_id)",
                    _answer(caller.cancel(kind, pause_id, "no-such")),
                )
                report.row(
                    "  then alice's paused run",
                    _owner_view(alice, kind, pause_id, paused["run_id"], pause_session),
                )
                for stream in (False, True):
                    trace = new_trace()
                    answer = caller.run(
                        kind, echo_id, session_id=session, user_id="alice", stream=stream, trace=trace
                    )
                    report.row(
                        f"{name} POST run into alice's session, form user_id=alice (stream={stream})",
                        f"{_answer(answer)}; factory invocations {_invoked(base, trace)}",
                    )
                background = caller.run(kind, echo_id, session_id=session, stream=False, background=True)
                report.row(f"{name} POST background run into alice's session", _answer(background))
                mine = caller.run(
                    kind, echo_id, session_id=f"{name}-own-session", user_id="alice", stream=False
                )
                report.row(
                    f"{name} own run, form user_id=alice",
                    f"{mine.status_code} user_id={_user_of(mine)!r}",
                )
                if mine.status_code == 200:
                    report.row(
                        "  alice reads it",
                        _answer(
                            alice.get(
                                f"{base_path}/{echo_id}/runs/{mine.json()['run_id']}",
                                params={"session_id": f"{name}-own-session"},
                            )
                        ),
                    )
            listed = alice.get(f"{base_path}/{echo_id}/runs", params={"session_id": session})
            report.row(
                "alice lists her session at the end",
                f"{listed.status_code} run users={_users_of(listed)}",
            )
            # The owner's own continue after everything above.
            answer = alice.continue_run(
                kind, pause_id, paused["run_id"], stream=False, **confirmation_form(kind, paused)
            )
            report.row("alice continues her paused run at the end", _short(_answer(answer), 120))
            report.row("  then", _owner_view(alice, kind, pause_id, paused["run_id"], pause_session))


def measure_extras(server: AgnoServer, report: Report) -> None:
    """Cancels by the owner, unknown ids with a session, and discovery without a user."""
    report.section(f"extras (isolation {'on' if server.user_isolation else 'off'})")
    with Caller(server) as base:
        alice = base.as_(sub="alice", scopes=ALL_SCOPES)
        bob = base.as_(sub="bob", scopes=ALL_SCOPES)
        no_sub = base.as_(sub=None, scopes=ALL_SCOPES)
        bob_session = f"bob-{new_trace()[:8]}"
        bob.run("agent", "probe-agent-echo", session_id=bob_session, stream=False)
        for kind in KINDS:
            pause_id = f"probe-{kind}-pause"
            session = f"alice-extra-{kind}-{new_trace()[:8]}"
            paused = alice.run(kind, pause_id, session_id=session, stream=False).json()
            path = f"/{PLURAL[kind]}/{pause_id}/runs"
            if kind != "workflow":  # agno answers a workflow's with a 500 and drops the connection
                form = {k: v for k, v in confirmation_form(kind, paused).items() if k != "session_id"}
                report.row(
                    f"{kind}: alice continue own paused run without session_id",
                    _answer(alice.continue_run(kind, pause_id, paused["run_id"], stream=False, **form)),
                )
            for who, caller, params in (
                ("bob", bob, {"session_id": bob_session}),
                ("bob", bob, {"session_id": "no-such-session"}),
            ):
                cancel = caller.client.post(
                    f"{path}/no-such-run/cancel", params=params, headers=caller.headers
                )
                report.row(
                    f"{kind}: {who} cancel unknown run ?session_id={params['session_id']}", _answer(cancel)
                )
            cancel = alice.client.post(
                f"{path}/{paused['run_id']}/cancel",
                params={"session_id": "no-such-session"},
                headers=alice.headers,
            )
            report.row(f"{kind}: alice cancel own run ?session_id=another session", _answer(cancel))
            report.row("  then", _owner_view(alice, kind, pause_id, paused["run_id"], session))
            report.row(
                f"{kind}: alice cancel own run (no session_id)",
                _answer(alice.cancel(kind, pause_id, paused["run_id"])),
            )
            report.row("  then", _owner_view(alice, kind, pause_id, paused["run_id"], session))
            cancel = alice.client.post(
                f"{path}/{paused['run_id']}/cancel", params={"session_id": session}, headers=alice.headers
            )
            report.row(f"{kind}: alice cancel own run ?session_id", _answer(cancel))
            report.row("  then", _owner_view(alice, kind, pause_id, paused["run_id"], session))
            answer = alice.continue_run(
                kind, pause_id, paused["run_id"], stream=False, **confirmation_form(kind, paused)
            )
            report.row(f"{kind}: alice continues after her cancel", _answer(answer))
        for path in ("/health", "/agents", "/agents/probe-agent-echo", "/workflows"):
            report.row(f"no-sub GET {path}", _short(_answer(no_sub.get(path)), 90))


def _socket_exchange(server: AgnoServer, token: str | None, messages: Sequence[dict[str, Any]]) -> list[str]:
    """Authenticate with ``token`` (if any), send each message, and collect the answers."""
    answers: list[str] = []
    with workflow_socket(server) as socket:
        socket.receive_json()
        if token is not None:
            socket.send({"action": "authenticate", "token": token})
            first = socket.receive_json()
            answers.append(f"authenticate -> {json.dumps(first)}")
            if first.get("event") == "authenticated":
                answers.append(f"  and {json.dumps(socket.receive_json())}")
        for message in messages:
            events, control = socket.run_until_done(message)
            if control is not None:
                answers.append(f"{message['action']} -> {json.dumps(control)}")
            else:
                last = events[-1]
                data = json.loads(last.data)
                content = data.get("content")
                ctx = (
                    echo_of(content)["ctx"]
                    if isinstance(content, str) and "agentos_contract_probe" in content
                    else None
                )
                answers.append(
                    f"{message['action']} -> {[e.event for e in events]}"
                    f" run_id={data.get('run_id')} session_id={data.get('session_id')}"
                    f" ctx.user_id={ctx['user_id'] if ctx else '?'!r}"
                )
    return answers


def measure_websocket(server: AgnoServer, report: Report, *, expiry: bool) -> None:
    report.section(f"WebSocket (isolation {'on' if server.user_isolation else 'off'})")
    with Caller(server) as base:
        alice = base.as_(sub="alice", scopes=ALL_SCOPES)
        session = f"alice-ws-{new_trace()[:8]}"
        pause_session = f"alice-ws-pause-{new_trace()[:8]}"
        paused = alice.run("workflow", "probe-workflow-pause", session_id=pause_session, stream=False).json()
        echo = alice.run("workflow", "probe-workflow-echo", session_id=session, stream=False).json()
    start = {
        "action": "start-workflow",
        "workflow_id": "probe-workflow-echo",
        "message": "over ws",
        "session_id": session,
        "user_id": "alice",
    }
    resume = {
        "action": "continue-workflow",
        "workflow_id": "probe-workflow-pause",
        "run_id": paused["run_id"],
        "session_id": pause_session,
        "step_requirements": [{**r, "confirmed": True} for r in paused["step_requirements"]],
    }
    tokens: dict[str, Callable[[], str]] = {
        "alice": lambda: server.token(sub="alice", scopes=ALL_SCOPES),
        "bob": lambda: server.token(sub="bob", scopes=ALL_SCOPES),
        "no-sub": lambda: server.token(sub=None, scopes=ALL_SCOPES),
        "empty-sub": lambda: server.token(sub="", scopes=ALL_SCOPES),
    }
    for name, make in tokens.items():
        for answer in _socket_exchange(server, make(), [start, resume]):
            report.row(f"{name} socket", answer)
    with Caller(server) as base:
        alice = base.as_(sub="alice", scopes=ALL_SCOPES)
        listed = alice.get("/workflows/probe-workflow-echo/runs", params={"session_id": session})
        report.row(
            "alice lists her session afterwards",
            f"{listed.status_code} users={_users_of(listed)}",
        )
        report.row(
            "alice's paused run",
            _owner_view(alice, "workflow", "probe-workflow-pause", paused["run_id"], pause_session),
        )
        report.row(
            "alice's completed run",
            _owner_view(alice, "workflow", "probe-workflow-echo", echo["run_id"], session),
        )
    if expiry:
        with workflow_socket(server) as socket:
            socket.receive_json()
            socket.send(
                {
                    "action": "authenticate",
                    "token": server.token(sub="alice", scopes=ALL_SCOPES, expires_in_s=2),
                }
            )
            socket.receive_json()
            socket.receive_json()
            events, control = socket.run_until_done({**start, "session_id": "expiry"})
            report.row(
                "short token, before exp", json.dumps(control) if control else str([e.event for e in events])
            )
            time.sleep(16)  # past exp plus agno's leeway
            try:
                events, control = socket.run_until_done({**start, "session_id": "expiry"})
                report.row(
                    "short token, 16 s after exp",
                    json.dumps(control) if control else str([e.event for e in events]),
                )
            except Exception as exc:  # the socket closing is an answer too
                report.row("short token, 16 s after exp", f"{type(exc).__name__}: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("off", "on"))
    parser.add_argument("--expiry", action="store_true")
    parser.add_argument("--skip-http", action="store_true", help="only the extras and the WebSocket")
    args = parser.parse_args(argv)
    modes = [args.only == "on"] if args.only else [False, True]
    report = Report()
    with tempfile.TemporaryDirectory() as workdir:
        for isolated in modes:
            with running_agno_server("jwt", Path(workdir), user_isolation=isolated) as server:
                print(f"## user_isolation={isolated}", flush=True)
                measure_extras(server, report)
                if not args.skip_http:
                    measure_http(server, report)
                measure_websocket(server, report, expiry=args.expiry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
