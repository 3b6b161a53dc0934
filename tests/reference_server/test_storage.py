"""SQLite storage: WAL mode, runs and sessions survive a restart, the event loop is not blocked."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from agentos_reference import ReferenceOS, SqliteDb
from agentos_reference.storage import RunRecord

from .conftest import client_for, echo_of


def test_the_database_runs_in_wal_mode(db: SqliteDb) -> None:
    assert db.journal_mode() == "wal"


async def test_runs_and_sessions_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    first_db = SqliteDb(path)
    async with client_for(ReferenceOS(db=first_db, with_probes=True).get_app()) as client:
        created = await client.post(
            "/workflows/probe-workflow-echo/runs",
            data={"message": "keep me", "stream": "false", "session_id": "s"},
        )
    first_db.close()

    second_db = SqliteDb(path)
    assert second_db.id == first_db.id, "db_id is stable across restarts"
    async with client_for(ReferenceOS(db=second_db, with_probes=True).get_app()) as client:
        run_id = created.json()["run_id"]
        read = await client.get(f"/workflows/probe-workflow-echo/runs/{run_id}", params={"session_id": "s"})
        listed = await client.get("/workflows/probe-workflow-echo/runs", params={"session_id": "s"})
    second_db.close()
    assert read.status_code == 200
    assert echo_of(read.json())["message"] == "keep me"
    assert [run["run_id"] for run in listed.json()] == [run_id]


async def test_the_status_column_is_authoritative_over_the_stored_document(db: SqliteDb) -> None:
    await db.insert_run(
        RunRecord("r1", "agent", "a", "s", None, "PAUSED", {"run_id": "r1", "status": "PAUSED"}, time.time())
    )
    await db.request_cancel("agent", "a", "r1", owner=None, cancel_running=False)
    record = await db.get_run("agent", "a", "r1")
    assert record is not None
    assert record.status == "CANCELLED"
    assert record.output["status"] == "CANCELLED"
    assert await db.cancel_requested("r1")


async def test_only_one_continue_can_claim_a_paused_run(db: SqliteDb) -> None:
    await db.insert_run(RunRecord("r2", "agent", "a", "s", None, "PAUSED", {"run_id": "r2"}, time.time()))
    claims = await asyncio.gather(*(db.claim_paused_run("r2") for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]


async def test_storage_work_runs_off_the_event_loop(db: SqliteDb) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    for index in range(20):
        await db.insert_run(RunRecord(f"t{index}", "agent", "a", "s", None, "COMPLETED", {}, time.time()))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ticks >= 20, "the loop kept turning while SQLite wrote"


def test_nan_cannot_reach_storage(db: SqliteDb) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        asyncio.run(
            db.insert_run(RunRecord("n", "agent", "a", "s", None, "COMPLETED", {"x": float("nan")}, 0.0))
        )


RUN_IDS = ("running", "paused", "done")


async def test_a_restart_fails_the_runs_a_crash_left_running_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "crashed.sqlite3"
    crashed = SqliteDb(path)
    for run_id, status in zip(RUN_IDS, ("RUNNING", "PAUSED", "COMPLETED"), strict=True):
        output = {"run_id": run_id, "status": status, "content": f"{run_id} output"}
        await crashed.insert_run(RunRecord(run_id, "agent", "a", "s", None, status, output, time.time()))
    crashed.close()

    restarted = SqliteDb(path)
    assert restarted.fail_abandoned_runs() == 1
    assert restarted.fail_abandoned_runs() == 0
    records = {run_id: await restarted.get_run("agent", "a", run_id) for run_id in RUN_IDS}
    restarted.close()
    statuses = {run_id: record.status for run_id, record in records.items() if record is not None}
    assert statuses == {"running": "ERROR", "paused": "PAUSED", "done": "COMPLETED"}
    running = records["running"]
    assert running is not None
    assert running.output["content"] == "running output", "the output is kept"


async def test_events_given_as_encoded_json_are_stored_as_the_outputs_events(db: SqliteDb) -> None:
    await db.insert_run(RunRecord("r3", "agent", "a", "s", None, "RUNNING", {"run_id": "r3"}, time.time()))
    await db.save_run(
        "r3", "COMPLETED", {"run_id": "r3", "content": "é"}, events_json='[{"event":"RunStarted"}]'
    )
    record = await db.get_run("agent", "a", "r3")
    assert record is not None
    assert record.output == {
        "run_id": "r3",
        "content": "é",
        "events": [{"event": "RunStarted"}],
        "status": "COMPLETED",
    }


def test_events_cannot_be_spliced_into_an_output_that_has_events_already(db: SqliteDb) -> None:
    with pytest.raises(ValueError, match="already has events"):
        asyncio.run(db.save_run("r4", "COMPLETED", {"events": []}, events_json="[]"))
