"""One server per database file: a second ``agentos-reference serve`` on a file another one serves
exits 2 with a message, before it reads or writes anything, so the first server's runs in
flight are left alone (they are not failed as a crashed predecessor's would be)."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from agentos_reference import SqliteDb
from agentos_reference.cli import LISTENING, main, open_database
from agentos_reference.db_lock import DatabaseInUse, DatabaseLock, lock_path
from agentos_reference.storage import RunRecord


def insert_running(path: Path, run_id: str) -> None:
    db = SqliteDb(path)
    output = {"run_id": run_id, "status": "RUNNING"}
    asyncio.run(db.insert_run(RunRecord(run_id, "agent", "a", "s", None, "RUNNING", output, time.time())))
    db.close()


def status_of(path: Path, run_id: str) -> str:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return str(row[0])


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """uvicorn replaced by a recorder: main() returns as soon as it would serve."""
    served: list[str] = []

    def serve_nothing(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        served.append("served")
        for listener in sockets or []:
            listener.close()

    monkeypatch.setattr(uvicorn.Server, "run", serve_nothing)
    return served


def test_a_second_serve_in_another_spelling_of_the_path_exits_2_and_touches_nothing(
    tmp_path: Path, no_serving: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "owned.sqlite3"
    with open_database(str(path)):
        insert_running(path, "in-flight")
        monkeypatch.chdir(tmp_path)
        link = tmp_path / "link.sqlite3"
        link.symlink_to(path)
        for spelling in (str(path), "owned.sqlite3", "./sub/../owned.sqlite3", str(link)):
            (tmp_path / "sub").mkdir(exist_ok=True)
            assert main(["serve", "--port", "0", "--db", spelling]) == 2
            error = capsys.readouterr().err
            assert "agentos-reference: error:" in error
            assert "is served by another agentos-reference process" in error
            assert f"(pid {os.getpid()})" in error
        assert no_serving == [], "the second server never served"
        assert status_of(path, "in-flight") == "RUNNING", "the first server's run in flight is left alone"
    # Once the first server is gone the file is free again, and its abandoned run is failed.
    assert main(["serve", "--port", "0", "--db", str(path)]) == 0
    assert no_serving == ["served"]
    assert status_of(path, "in-flight") == "ERROR"


def test_the_lock_is_released_by_the_block_and_is_a_no_op_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with DatabaseLock(path):
        assert lock_path(path).exists()
        with pytest.raises(DatabaseInUse):
            DatabaseLock(path).__enter__()
    with DatabaseLock(path), DatabaseLock(":memory:"), DatabaseLock(":memory:"):
        pass


@pytest.fixture
def first_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """``agentos-reference serve`` as a real process: (base url, its database, its log)."""
    path, log = tmp_path / "shared.sqlite3", tmp_path / "first.log"
    command = [sys.executable, "-m", "agentos_reference.cli", "serve", "--port", "0", "--db", str(path)]
    with log.open("w") as sink:
        process = subprocess.Popen(
            [*command, "--log-level", "warning"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + 30
        while not log.read_text().startswith(LISTENING):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the first server did not start"
            time.sleep(0.05)
        base_url = log.read_text().partition("\n")[0][len(LISTENING) :].strip()
        yield base_url, path, log
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_second_serve_process_exits_2_while_the_first_keeps_serving(
    first_server: tuple[str, Path, Path],
) -> None:
    base_url, path, _ = first_server
    insert_running(path, "first-servers-run")
    second = subprocess.Popen(
        [sys.executable, "-m", "agentos_reference.cli", "serve", "--port", "0", "--db", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = second.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        second.kill()
        out, err = second.communicate()
        pytest.fail(f"the second server kept running on the same file: {out} {err}")
    assert second.returncode == 2, (out, err)
    assert "is served by another agentos-reference process (pid" in err
    assert LISTENING not in out, "it never listened"
    assert status_of(path, "first-servers-run") == "RUNNING"
    assert httpx.get(f"{base_url}/health").status_code == 200
