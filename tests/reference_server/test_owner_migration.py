"""A database file written before runs had owners opens, keeps everything, and is isolated from then on."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb

from .conftest import SECRET, bearer, client_for, hs_token

# The schema of main before owners (storage.py at 89b4495), written by hand so this test keeps
# describing old files whatever the current schema becomes.
OLD_SCHEMA = """
CREATE TABLE sessions (
    component_type TEXT NOT NULL, component_id TEXT NOT NULL, session_id TEXT NOT NULL, user_id TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (component_type, component_id, session_id)
);
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY, component_type TEXT NOT NULL, component_id TEXT NOT NULL,
    session_id TEXT NOT NULL, user_id TEXT, status TEXT NOT NULL, output TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX runs_by_session ON runs (component_type, component_id, session_id, created_at);
CREATE TABLE cancellations (
    run_id TEXT PRIMARY KEY, component_type TEXT NOT NULL, component_id TEXT NOT NULL,
    requested_at REAL NOT NULL
);
"""
OLD_RUNS = [
    # run_id, session_id, user_id, status, created_at
    ("alice-run", "shared", "alice", "COMPLETED", 1.0),
    ("anonymous-run", "shared", None, "COMPLETED", 2.0),
    ("bob-run", "bobs", "bob", "PAUSED", 3.0),
]
DAY = 86_400


def write_old_file(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.executescript(OLD_SCHEMA)
        for run_id, session_id, user_id, status, created_at in OLD_RUNS:
            output = {
                "run_id": run_id,
                "agent_id": "probe-agent-echo",
                "session_id": session_id,
                "user_id": user_id,
            }
            connection.execute(
                "INSERT INTO runs VALUES (?, 'agent', 'probe-agent-echo', ?, ?, ?, ?, ?, ?)",
                (run_id, session_id, user_id, status, json.dumps(output), created_at, created_at),
            )
        # As the old server wrote them: one row per session, holding its first run's user.
        connection.execute(
            "INSERT INTO sessions VALUES ('agent', 'probe-agent-echo', 'shared', 'alice', 1.0, 2.0)"
        )
        connection.execute(
            "INSERT INTO sessions VALUES ('agent', 'probe-agent-echo', 'bobs', 'bob', 3.0, 3.0)"
        )
        connection.execute("INSERT INTO cancellations VALUES ('gone', 'agent', 'probe-agent-echo', 4.0)")
    connection.close()


async def test_an_old_file_keeps_every_row_and_each_run_goes_to_its_stored_user(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    write_old_file(path)
    db = SqliteDb(path)
    try:
        assert await db.count_rows() == {"sessions": 3, "runs": 3, "cancellations": 1}
        for run_id, _, user_id, status, _ in OLD_RUNS:
            record = await db.get_run("agent", "probe-agent-echo", run_id)
            assert record is not None
            assert (record.user_id, record.owner, record.status) == (user_id, user_id, status)
        assert await db.cancel_requested("gone")
        app = ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET)).get_app()
        async with client_for(app) as client:
            await assert_isolated(client)
    finally:
        db.close()
    reopened = SqliteDb(path)  # the migration runs once; a second open changes nothing
    try:
        assert await reopened.count_rows() == {"sessions": 3, "runs": 4, "cancellations": 1}
        record = await reopened.get_run("agent", "probe-agent-echo", "bob-run")
        assert record is not None
        assert record.owner == "bob"
    finally:
        reopened.close()


async def assert_isolated(client: httpx.AsyncClient) -> None:
    alice, bob = bearer(hs_token(sub="alice", lifetime=DAY)), bearer(hs_token(sub="bob", lifetime=DAY))
    path = "/agents/probe-agent-echo/runs"

    async def session_runs(headers: dict[str, str], session_id: str) -> tuple[int, list[str]]:
        response = await client.get(path, params={"session_id": session_id}, headers=headers)
        runs = response.json() if response.status_code == 200 else []
        return response.status_code, [run["run_id"] for run in runs]

    # The old session "shared" held runs of alice and of nobody: each owner now has its own.
    assert await session_runs(alice, "shared") == (200, ["alice-run"])
    assert await session_runs({}, "shared") == (200, ["anonymous-run"])
    assert await session_runs(bob, "shared") == (404, [])
    assert await session_runs(bob, "bobs") == (200, ["bob-run"])
    assert (await client.get(f"{path}/bob-run", headers=alice)).status_code == 404
    assert (await client.get(f"{path}/alice-run", headers={})).status_code == 404
    written = await client.post(
        path, data={"message": "m", "stream": "false", "session_id": "shared"}, headers=alice
    )
    assert written.status_code == 200
    assert (await session_runs(alice, "shared"))[1] == ["alice-run", written.json()["run_id"]]


def test_a_new_file_gets_the_owner_columns_and_index(tmp_path: Path) -> None:
    db = SqliteDb(tmp_path / "new.sqlite3")
    db.journal_mode()
    db.close()
    with sqlite3.connect(tmp_path / "new.sqlite3") as connection:
        columns = {
            table: {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            for table in ("runs", "sessions")
        }
        indexes = {row[1] for row in connection.execute("PRAGMA index_list(runs)")}
    connection.close()
    assert "owner" in columns["runs"]
    assert "owner" in columns["sessions"]
    assert "runs_by_owner_session" in indexes
    assert "runs_by_session" not in indexes
