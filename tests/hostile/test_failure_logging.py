"""A failing request logs one line that names its error; the traceback once, at debug level.

Served by a real uvicorn (the second traceback came from there: Starlette re-raised what the app
had already logged), on a database that fails every write as a full disk does.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from agentos_reference import ReferenceOS, SqliteDb

from .live import live_server

_T = TypeVar("_T")
FULL = "database or disk is full"


class FullDisk(SqliteDb):
    """Every write transaction fails once ``full`` is set, as SQLite's do on a full disk."""

    full = False

    def _transaction(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        if self.full:
            raise sqlite3.OperationalError(FULL)
        return super()._transaction(work)


REQUESTS: list[tuple[str, dict[str, Any]]] = [
    (f"/{plural}/{probe}/runs", {"message": "m", "stream": stream})
    for plural, probe in (
        ("agents", "probe-agent-echo"),
        ("teams", "probe-team-echo"),
        ("workflows", "probe-workflow-echo"),
    )
    for stream in ("false", "true")
]


def test_each_failing_request_logs_one_line_and_its_traceback_once_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = FullDisk(tmp_path / "full.sqlite3")
    app = ReferenceOS(db=db, with_probes=True).get_app()
    try:
        with caplog.at_level(logging.DEBUG), live_server(app, log_level="debug") as base_url:
            db.full = True
            caplog.clear()
            with httpx.Client(base_url=base_url, timeout=30) as client:
                for _ in range(5):
                    for path, form in REQUESTS:
                        response = client.post(path, data=form)
                        assert response.status_code == 500, response.text
                        assert response.json() == {"detail": "Internal server error"}
                        assert FULL not in response.text
            records = list(caplog.records)
    finally:
        db.close()
    failures = len(REQUESTS) * 5
    loud = [record for record in records if record.levelno >= logging.WARNING]
    assert len(loud) == failures, [record.getMessage() for record in loud]
    for record in loud:
        assert FULL in record.getMessage()
        assert record.exc_info is None, "the traceback is not repeated at error level"
        assert "\n" not in record.getMessage()
    tracebacks = [record for record in records if record.exc_info is not None]
    assert len(tracebacks) == failures
    assert {record.levelno for record in tracebacks} == {logging.DEBUG}
    assert not [r for r in records if "Exception in ASGI application" in r.getMessage()]


def test_at_info_level_a_failure_is_one_line_and_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = FullDisk(tmp_path / "full.sqlite3")
    app = ReferenceOS(db=db, with_probes=True).get_app()
    try:
        with caplog.at_level(logging.INFO), live_server(app, log_level="info") as base_url:
            db.full = True
            caplog.clear()
            response = httpx.post(f"{base_url}/agents/probe-agent-echo/runs", data={"message": "m"})
            assert response.status_code == 500
            records = [r for r in caplog.records if r.name.startswith(("agentos_reference", "uvicorn.error"))]
    finally:
        db.close()
    assert [(r.levelname, FULL in r.getMessage(), r.exc_info) for r in records] == [("ERROR", True, None)]


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str() raises")


def test_an_exception_whose_str_raises_is_still_logged_on_one_line() -> None:
    """A factory may raise anything, an exception whose ``str()`` raises included: logging it must not
    raise in turn (that replaced the factory's 500 by the app's catch-all, and lost the log line)."""
    from agentos_reference.logs import describe

    assert describe(_Unprintable("secret")) == "_Unprintable: <str() of the exception raised>"
    assert describe(ValueError("  two\n lines ")) == "ValueError: two lines"
