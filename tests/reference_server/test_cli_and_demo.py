"""The CLI's argument handling, and ``make demo``'s module run end to end (a real server subprocess)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import uvicorn

from agentos_reference import SqliteDb
from agentos_reference.cli import auth_from, main, parser
from agentos_reference.storage import RunRecord

from .conftest import SECRET


def test_serve_defaults_to_loopback_and_the_demo_database() -> None:
    args = parser().parse_args(["serve"])
    assert (args.host, args.port, args.db) == ("127.0.0.1", 7777, "agentos-reference.sqlite3")
    assert auth_from(args) is None


def test_jwt_options_build_the_auth_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTOS_REFERENCE_JWT_SECRET", SECRET)
    args = parser().parse_args(
        [
            "serve",
            "--require-auth",
            "--jwt-user-id-claim",
            "uid",
            "--jwt-algorithm",
            "HS256",
            "--jwt-algorithm",
            "HS384",
        ]
    )
    auth = auth_from(args)
    assert auth is not None
    assert (auth.secret, auth.required, auth.user_id_claim, auth.algorithms) == (
        SECRET,
        True,
        "uid",
        ("HS256", "HS384"),
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--require-auth"], "need --jwt-secret or --jwt-public-key"),
        (["serve", "--jwt-secret", "short"], "at least 32 bytes"),
        (["serve", "--jwt-public-key", "/nonexistent/key.pem"], "No such file"),
    ],
)
def test_bad_configuration_exits_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGENTOS_REFERENCE_JWT_SECRET", raising=False)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_unknown_options_are_refused_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["serve", "--jwt-algorithm", "none"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.loopback
def test_the_demo_shows_a_factory_run_a_400_and_a_403_and_stops_the_server() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "agentos_reference.demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert '-F \'factory_input={"persona": "skeptic", "depth": 5}\'' in out
    assert "You are a critical skeptic" in out, "the factory built its persona from factory_input"
    assert out.count("HTTP 200") == 2
    assert "HTTP 400" in out
    assert "HTTP 403" in out
    assert "Server stopped." in out


def test_serve_fails_the_runs_a_crashed_server_left_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "crashed.sqlite3"
    crashed = SqliteDb(path)
    output = {"run_id": "r", "status": "RUNNING"}
    asyncio.run(crashed.insert_run(RunRecord("r", "agent", "a", "s", None, "RUNNING", output, 0.0)))
    crashed.close()
    served: list[socket.socket] = []

    def serve_nothing(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        for listener in sockets or []:
            served.append(listener)
            listener.close()

    monkeypatch.setattr(uvicorn.Server, "run", serve_nothing)

    assert main(["serve", "--port", "0", "--db", str(path)]) == 0

    assert served, "the server was started after the recovery"
    # asyncio sets TCP_NODELAY on accepted connections only for an IPPROTO_TCP listener (else ~40 ms each).
    assert [listener.proto for listener in served] == [socket.IPPROTO_TCP]
    assert "1 run(s) left RUNNING" in caplog.text
    restarted = SqliteDb(path)
    record = asyncio.run(restarted.get_run("agent", "a", "r"))
    restarted.close()
    assert record is not None
    assert record.status == "ERROR"


def test_a_db_file_that_is_not_sqlite_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "not-a-database.sqlite3"
    path.write_bytes(b"this is not an SQLite file" * 100)
    assert main(["serve", "--port", "0", "--db", str(path)]) == 2
    assert "agentos-reference: error:" in capsys.readouterr().err
    assert path.read_bytes() == b"this is not an SQLite file" * 100, "the file is left as it was"
