"""Cancels of runs that do not exist answer as AgentOS does (200 ``{}``) and store nothing: a
client inventing run ids cannot grow the database."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from agentos_reference import SqliteDb
from agentos_reference.storage import RunRecord

from .conftest import KINDS, Deployment, bearer, client_for, hs_token

PLURALS = {"agent": "agents", "team": "teams", "workflow": "workflows"}
PAUSING = {"agent": "probe-agent-pause", "team": "probe-team-pause", "workflow": "probe-workflow-pause"}


async def test_a_thousand_made_up_cancels_store_nothing(hs_server: Deployment) -> None:
    before = await hs_server.rows()
    async with client_for(hs_server.app) as client:
        for index in range(1000):
            kind = KINDS[index % len(KINDS)]
            run_id = str(uuid.uuid4()) if index % 2 else f"made-up-{index}-" + "x" * 200
            headers = bearer(hs_token(sub=f"user-{index % 7}")) if index % 3 else {}
            response = await client.post(
                f"/{PLURALS[kind]}/{PAUSING[kind]}/runs/{run_id}/cancel", headers=headers
            )
            assert (response.status_code, response.json()) == (200, {}), response.text
    assert await hs_server.rows() == before


async def test_the_cancel_of_a_real_paused_run_is_still_recorded(hs_server: Deployment) -> None:
    async with client_for(hs_server.app) as client:
        paused = await client.post("/agents/probe-agent-pause/runs", data={"message": "m", "stream": "false"})
        assert paused.json()["status"] == "PAUSED"
        run_id = paused.json()["run_id"]
        before = await hs_server.rows()
        assert (await client.post(f"/agents/probe-agent-pause/runs/{run_id}/cancel")).status_code == 200
        # Another component's id for the same run records nothing either.
        assert (await client.post(f"/agents/probe-agent-echo/runs/{run_id}/cancel")).status_code == 200
        read = await client.get(f"/agents/probe-agent-pause/runs/{run_id}")
    assert read.json()["status"] == "CANCELLED"
    assert await hs_server.rows() == {**before, "cancellations": before["cancellations"] + 1}


async def test_cancels_of_another_owners_run_store_nothing_and_leave_it_paused(hs_server: Deployment) -> None:
    alice = bearer(hs_token(sub="alice"))
    async with client_for(hs_server.app) as client:
        for kind in KINDS:
            path = f"/{PLURALS[kind]}/{PAUSING[kind]}/runs"
            paused = await client.post(path, data={"message": "m", "stream": "false"}, headers=alice)
            run_id = paused.json()["run_id"]
            before = await hs_server.rows()
            # Another verified user, a token without a user, no token: to each, the run does not exist.
            for headers in (bearer(hs_token(sub="mallory")), bearer(hs_token()), {}):
                response = await client.post(f"{path}/{run_id}/cancel", headers=headers)
                assert (response.status_code, response.json()) == (200, {}), response.text
            assert await hs_server.rows() == before
            read = await client.get(f"{path}/{run_id}", headers=alice)
            assert read.json()["status"] == "PAUSED"


async def test_storage_records_an_intent_only_for_a_stored_run_of_that_component(tmp_path: Path) -> None:
    db = SqliteDb(tmp_path / "cancels.sqlite3")
    try:
        output = {"run_id": "r", "status": "PAUSED"}
        await db.insert_run(RunRecord("r", "agent", "a", "s", None, "PAUSED", output, time.time()))
        assert not await db.request_cancel("agent", "a", "missing", owner=None, cancel_running=False)
        assert not await db.request_cancel("agent", "other", "r", owner=None, cancel_running=False)
        assert not await db.request_cancel("team", "a", "r", owner=None, cancel_running=False)
        assert (await db.count_rows())["cancellations"] == 0
        assert await db.request_cancel("agent", "a", "r", owner=None, cancel_running=False)
        # A repeat updates it.
        assert await db.request_cancel("agent", "a", "r", owner=None, cancel_running=False)
        assert (await db.count_rows())["cancellations"] == 1
        assert await db.cancel_requested("r")
    finally:
        db.close()


async def test_storage_records_nothing_for_another_owners_run(tmp_path: Path) -> None:
    db = SqliteDb(tmp_path / "cancels.sqlite3")
    try:
        output = {"run_id": "r", "status": "PAUSED"}
        run = RunRecord("r", "agent", "a", "s", "alice", "PAUSED", output, time.time(), owner="alice")
        await db.insert_run(run)
        before = await db.count_rows()
        # To another owner (a verified user, or no verified user) the run does not exist.
        assert not await db.request_cancel("agent", "a", "r", owner="mallory", cancel_running=True)
        assert not await db.request_cancel("agent", "a", "r", owner=None, cancel_running=True)
        assert await db.count_rows() == before
        assert not await db.cancel_requested("r")
        record = await db.get_run("agent", "a", "r")
        assert record is not None
        assert record.status == "PAUSED"
        assert await db.request_cancel("agent", "a", "r", owner="alice", cancel_running=False)
        record = await db.get_run("agent", "a", "r")
        assert record is not None
        assert record.status == "CANCELLED"
    finally:
        db.close()
