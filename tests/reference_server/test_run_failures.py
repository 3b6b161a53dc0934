"""Once a run's row exists it never stays RUNNING.

Whatever ends a run (output no client could receive, a storage error while writing its final
state, a crash outside the engine, a consumer that never started reading) leaves the row in a
final state and answers a clean failure: a generic 500 with ``stream=false``, a ``RunError``
(``TeamRunError``, ``WorkflowError``) as the stream's last event, the same as the WebSocket's last
frame. No JWT is involved: the bad data comes from the components themselves.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import urllib.parse
import uuid
import warnings
from collections.abc import AsyncGenerator, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from agentos_reference import (
    Agent,
    ModelReply,
    ModelRequest,
    OfflineModel,
    ReferenceOS,
    SqliteDb,
    Step,
    Team,
    Tool,
    Workflow,
)
from agentos_reference.components import ToolCall
from agentos_reference.http.execution import RunExecution, start_run
from agentos_reference.runtime.cancellation import ActiveRuns
from agentos_reference.runtime.conversation import ConversationRun
from agentos_reference.runtime.events import RunEvent
from agentos_reference.storage import ComponentType, RunRecord

from .conftest import client_for, sse_events

with warnings.catch_warnings():
    # Starlette suggests httpx2 for its test client; only its WebSocket session is used here.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

LONE_SURROGATE = "half a pair: \ud800"
FAILURE_EVENTS = {"agent": "RunError", "team": "TeamRunError", "workflow": "WorkflowError"}
COMPLETIONS = {"agent": "RunCompleted", "team": "TeamRunCompleted", "workflow": "WorkflowCompleted"}
FAILURE_DETAILS = {"agent": "Agent run failed", "team": "Team run failed", "workflow": "Workflow run failed"}


class NaNArgumentsModel:
    """A model that asks for a tool with an argument JSON has no number for."""

    id = "nan-arguments"
    provider = "tests"

    async def respond(self, request: ModelRequest) -> ModelReply:
        return ModelReply(tool_calls=(ToolCall(id="call_1", name="measure", arguments={"x": float("nan")}),))


def unsendable_components() -> dict[str, Agent | Team | Workflow]:
    """One component per way a component's own output can be impossible to send or store."""
    surrogate_reply = OfflineModel(reply=lambda request: LONE_SURROGATE)
    return {
        "reply": Agent(id="reply", model=surrogate_reply),
        "tool-result": Agent(
            id="tool-result",
            model=OfflineModel(call_tools=["lookup"]),
            tools=[Tool(name="lookup", function=lambda: LONE_SURROGATE)],
        ),
        "tool-arguments": Agent(
            id="tool-arguments",
            model=NaNArgumentsModel(),
            tools=[Tool(name="measure", function=lambda x: "measured")],
        ),
        "member": Team(id="member", members=[Agent(id="member-agent", model=surrogate_reply)]),
        "step": Workflow(id="step", steps=[Step(name="emit", executor=lambda step_input: LONE_SURROGATE)]),
        "agent-step": Workflow(
            id="agent-step", steps=[Step(name="ask", agent=Agent(id="step-agent", model=surrogate_reply))]
        ),
    }


UNSENDABLE: dict[str, ComponentType] = {
    "reply": "agent",
    "tool-result": "agent",
    "tool-arguments": "agent",
    "member": "team",
    "step": "workflow",
    "agent-step": "workflow",
}


def app_serving(db: SqliteDb, components: Mapping[str, Agent | Team | Workflow]) -> FastAPI:
    return ReferenceOS(
        agents=[c for c in components.values() if isinstance(c, Agent) and not isinstance(c, Team)],
        teams=[c for c in components.values() if isinstance(c, Team)],
        workflows=[c for c in components.values() if isinstance(c, Workflow)],
        db=db,
    ).get_app()


def statuses(path: Path) -> list[str]:
    """Every run's status, straight from the database file."""
    with sqlite3.connect(path) as connection:
        return [str(row[0]) for row in connection.execute("SELECT status FROM runs ORDER BY created_at")]


async def stored_status(client: httpx.AsyncClient, kind: str, component_id: str, run_id: str) -> str:
    response = await client.get(f"/{kind}s/{component_id}/runs/{run_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


@pytest.mark.parametrize("component_id", sorted(UNSENDABLE))
async def test_output_no_client_could_receive_fails_the_run_cleanly(db: SqliteDb, component_id: str) -> None:
    kind = UNSENDABLE[component_id]
    async with client_for(app_serving(db, unsendable_components())) as client:
        plain = await client.post(f"/{kind}s/{component_id}/runs", data={"message": "m", "stream": "false"})
        assert (plain.status_code, plain.json()) == (500, {"detail": FAILURE_DETAILS[kind]})

        streamed = await client.post(f"/{kind}s/{component_id}/runs", data={"message": "m", "stream": "true"})
        assert streamed.status_code == 200
        # The body decoded as UTF-8 and parsed: no frame was cut, and the bad text never went out.
        events = sse_events(streamed.text)
        names = [name for name, _ in events]
        assert names[-1] == FAILURE_EVENTS[kind], names
        assert COMPLETIONS[kind] not in names
        assert "\\ud800" not in streamed.text, "the bad text went out escaped"
        run_id = events[0][1]["run_id"]
        assert await stored_status(client, kind, component_id, run_id) == "ERROR"
    assert statuses(db.path) == ["ERROR", "ERROR"]


def test_output_no_client_could_receive_fails_a_websocket_run_cleanly(db: SqliteDb) -> None:
    with (
        TestClient(app_serving(db, unsendable_components())) as client,
        client.websocket_connect("/workflows/step/ws") as ws,
    ):
        ws.receive_text()
        ws.send_text(json.dumps({"action": "start-workflow", "message": "m"}))
        frames = [ws.receive_text() for _ in range(3)]
    names = [frame.split("\n", 1)[0] for frame in frames]
    assert names == ["event: WorkflowStarted", "event: StepStarted", "event: WorkflowError"]
    assert statuses(db.path) == ["ERROR"]


class FailingSaves(SqliteDb):
    """A database whose final writes fail (a full disk, a lost volume); ``fail_run`` too, when asked."""

    def __init__(self, path: Path, *, status_fails_too: bool = False) -> None:
        super().__init__(path)
        self.status_fails_too = status_fails_too

    async def save_run(
        self, run_id: str, status: str, output: Mapping[str, Any], *, events_json: str | None = None
    ) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    async def fail_run(self, run_id: str) -> None:
        if self.status_fails_too:
            raise sqlite3.OperationalError("disk I/O error")
        await super().fail_run(run_id)


@pytest.fixture
def failing_db(tmp_path: Path) -> Iterator[FailingSaves]:
    database = FailingSaves(tmp_path / "failing.sqlite3")
    yield database
    database.close()


def healthy_components() -> dict[str, Agent | Team | Workflow]:
    return {
        "agent": Agent(id="agent"),
        "team": Team(id="team", members=[Agent(id="member")]),
        "workflow": Workflow(id="workflow", steps=[Step(name="only", executor=lambda step_input: "done")]),
        "pause": Workflow(
            id="pause", steps=[Step(name="gate", executor=lambda step_input: "x", requires_confirmation=True)]
        ),
    }


@pytest.mark.parametrize("kind", ["agent", "team", "workflow"])
async def test_a_final_state_that_cannot_be_stored_is_an_error_not_a_completion(
    failing_db: FailingSaves, kind: ComponentType, caplog: pytest.LogCaptureFixture
) -> None:
    async with client_for(app_serving(failing_db, healthy_components())) as client:
        with caplog.at_level(logging.ERROR, logger="agentos_reference"):
            plain = await client.post(f"/{kind}s/{kind}/runs", data={"message": "m", "stream": "false"})
        assert (plain.status_code, plain.json()) == (500, {"detail": FAILURE_DETAILS[kind]})
        assert "disk I/O error" not in plain.text
        assert any("could not be stored" in record.getMessage() for record in caplog.records)

        streamed = await client.post(f"/{kind}s/{kind}/runs", data={"message": "m", "stream": "true"})
        names = [name for name, _ in sse_events(streamed.text)]
        # The completion is held until the row is written; it could not be, so the run failed instead.
        assert names[-1] == FAILURE_EVENTS[kind], names
        assert COMPLETIONS[kind] not in names
        run_id = sse_events(streamed.text)[0][1]["run_id"]
        stored = await client.get(f"/{kind}s/{kind}/runs/{run_id}")
        # The output written when the run started is kept; only the status moved.
        assert (stored.json()["status"], stored.json().get("content")) == ("ERROR", None)
    assert statuses(failing_db.path) == ["ERROR", "ERROR"]


async def test_a_pause_that_cannot_be_stored_is_an_error_not_a_pause(failing_db: FailingSaves) -> None:
    async with client_for(app_serving(failing_db, healthy_components())) as client:
        streamed = await client.post("/workflows/pause/runs", data={"message": "m"})
    names = [name for name, _ in sse_events(streamed.text)]
    assert names == ["WorkflowStarted", "WorkflowError"]
    assert statuses(failing_db.path) == ["ERROR"]


async def test_a_background_run_whose_state_cannot_be_stored_ends_as_error(failing_db: FailingSaves) -> None:
    app = app_serving(failing_db, healthy_components())
    async with client_for(app) as client:
        accepted = await client.post("/agents/agent/runs", data={"message": "m", "background": "true"})
        assert accepted.status_code == 202
        await asyncio.gather(*app.state.server.background_tasks)
        assert await stored_status(client, "agent", "agent", accepted.json()["run_id"]) == "ERROR"


def test_a_websocket_run_whose_state_cannot_be_stored_ends_with_an_error_frame(
    failing_db: FailingSaves,
) -> None:
    with (
        TestClient(app_serving(failing_db, healthy_components())) as client,
        client.websocket_connect("/workflows/workflow/ws") as ws,
    ):
        ws.receive_text()
        ws.send_text(json.dumps({"action": "start-workflow", "message": "m"}))
        names: list[str] = []
        while not names or names[-1] not in ("WorkflowCompleted", "WorkflowError"):
            names.append(ws.receive_text().split("\n", 1)[0].removeprefix("event: "))
    assert names == ["WorkflowStarted", "StepStarted", "StepOutput", "StepCompleted", "WorkflowError"]
    assert statuses(failing_db.path) == ["ERROR"]


async def test_when_not_even_the_status_can_be_written_the_client_still_gets_a_clean_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = FailingSaves(tmp_path / "lost.sqlite3", status_fails_too=True)
    try:
        async with client_for(app_serving(db, healthy_components())) as client:
            with caplog.at_level(logging.ERROR, logger="agentos_reference"):
                plain = await client.post("/agents/agent/runs", data={"message": "m", "stream": "false"})
                streamed = await client.post("/agents/agent/runs", data={"message": "m"})
        assert (plain.status_code, plain.json()) == (500, {"detail": "Agent run failed"})
        assert [name for name, _ in sse_events(streamed.text)][-1] == "RunError"
        # Nothing more can be done for the row; the log says so, loudly.
        assert [r.levelno for r in caplog.records if "could not be marked ERROR" in r.getMessage()] == [
            logging.CRITICAL,
            logging.CRITICAL,
        ]
    finally:
        db.close()


# -- the execution itself ----------------------------------------------------------------------------


async def stored_running_run(db: SqliteDb, active: ActiveRuns, agent: Agent) -> ConversationRun:
    """A RUNNING row and its engine, as start_run leaves them."""
    run_id = str(uuid.uuid4())
    cancel = active.register(run_id)
    engine = ConversationRun(agent, run_id=run_id, session_id="s", user_id=None, cancel=cancel)
    await db.insert_run(
        RunRecord(
            run_id=run_id,
            component_type="agent",
            component_id=agent.id or "",
            session_id="s",
            user_id=None,
            status="RUNNING",
            output=engine.output(),
            created_at=0.0,
        )
    )
    return engine


async def test_a_crash_that_gets_past_the_engine_still_fails_the_run(db: SqliteDb) -> None:
    active = ActiveRuns()
    engine = await stored_running_run(db, active, Agent(id="a", db=db))

    async def crashing() -> AsyncGenerator[RunEvent, None]:
        yield engine.stamp.make("RunStarted")
        raise RuntimeError("engine-secret-8817")

    execution = RunExecution(engine=engine, source=crashing(), db=db, store_events=True, active=active)
    output = await execution.drain()
    assert (execution.status, output["status"]) == ("ERROR", "ERROR")
    record = await db.get_run("agent", "a", engine.run_id)
    assert record is not None
    assert record.status == "ERROR"
    assert [event["event"] for event in record.output["events"]] == ["RunError"]
    assert not active.is_active(engine.run_id)


async def test_a_run_whose_stream_never_started_is_cancelled_on_close(db: SqliteDb) -> None:
    active = ActiveRuns()
    agent = Agent(id="a", db=db)
    execution = await start_run(
        "agent", agent, fallback_db=db, message="m", session_id="s", user_id=None, owner=None, active=active
    )
    execution.events()  # asked for, never read: the client went away before the first frame
    await execution.close()
    record = await db.get_run("agent", "a", execution.run_id)
    assert record is not None
    assert record.status == "CANCELLED"
    assert not active.is_active(execution.run_id)
    await execution.close()  # closing twice changes nothing
    assert (await db.count_rows())["runs"] == 1


async def test_a_client_gone_before_the_response_started_leaves_no_running_row(
    db: SqliteDb, caplog: pytest.LogCaptureFixture
) -> None:
    """The ASGI server cannot send the response head (the client hung up): the stream never starts."""
    app = app_serving(db, healthy_components())
    body = urllib.parse.urlencode({"message": "m", "stream": "true"}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/agents/agent/runs",
        "raw_path": b"/agents/agent/runs",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"reference"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Mapping[str, Any]) -> None:
        raise OSError("the client hung up")

    # Starlette reports the lost client as ClientDisconnect; nothing failed, so nothing is logged as one.
    with caplog.at_level(logging.INFO, logger="agentos_reference"):
        await app(scope, receive, send)
    assert [record for record in caplog.records if record.levelno >= logging.INFO] == []
    assert statuses(db.path) == ["CANCELLED"]
