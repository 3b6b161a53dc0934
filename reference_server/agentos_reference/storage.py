"""SQLite storage for sessions and runs (standard library ``sqlite3``, WAL mode).

One connection per database file, guarded by a lock; every public coroutine runs
its short transaction on the database's own writer thread so the event loop never
waits on disk.
The ``status`` column is authoritative: it is laid over the stored run output on
every read, so a cancel never has to rewrite the JSON.

Every run and session has an ``owner``: the verified user that started it, or ``""`` when no
verified user did (anonymous). It is set once, when the row is written, and every read, list,
continue and cancel is scoped to the caller's owner in the same query, so another owner's row
is indistinguishable from a missing one. Sessions are namespaced by owner: the same
``session_id`` used by two owners is two sessions. ``user_id`` is what the run's caller gave
(``ctx.user_id``, which a caller without a verified user may choose), never who may see it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

ComponentType = Literal["agent", "team", "workflow"]

_T = TypeVar("_T")

# No verified user: the owner of anonymous runs and sessions (a verified user id is never empty).
ANONYMOUS_OWNER = ""

_SESSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS sessions (
    component_type TEXT NOT NULL,
    component_id   TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    user_id        TEXT,
    created_at     REAL NOT NULL,
    updated_at     REAL NOT NULL,
    owner          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (component_type, component_id, owner, session_id)
)"""

_SCHEMA = f"""
{_SESSIONS_TABLE};
CREATE TABLE IF NOT EXISTS runs (
    run_id         TEXT PRIMARY KEY,
    component_type TEXT NOT NULL,
    component_id   TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    user_id        TEXT,
    status         TEXT NOT NULL,
    output         TEXT NOT NULL,
    created_at     REAL NOT NULL,
    updated_at     REAL NOT NULL,
    owner          TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS cancellations (
    run_id         TEXT PRIMARY KEY,
    component_type TEXT NOT NULL,
    component_id   TEXT NOT NULL,
    requested_at   REAL NOT NULL
);
"""

# After the migration: the indexes name the owner column, which older files gain only then.
_INDEXES = """
DROP INDEX IF EXISTS runs_by_session;
CREATE INDEX IF NOT EXISTS runs_by_owner_session
    ON runs (component_type, component_id, owner, session_id, created_at);
"""


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in connection.execute(f"PRAGMA table_info({table})")}


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring a file written before runs had owners up to date; nothing stored is lost.

    Runs gain ``owner`` = their stored ``user_id``: the old server could not tell a verified user
    from a form value, and this keeps each run visible to no more callers than before. Sessions
    are rebuilt keyed by owner, one per (session, owner) the runs of that session show.
    """
    if "owner" not in _columns(connection, "runs"):
        connection.execute("ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT ''")
        connection.execute("UPDATE runs SET owner = COALESCE(user_id, '')")
    if "owner" not in _columns(connection, "sessions"):
        connection.execute("ALTER TABLE sessions RENAME TO sessions_before_owners")
        connection.execute(_SESSIONS_TABLE)
        connection.execute(
            "INSERT OR IGNORE INTO sessions"
            " (component_type, component_id, session_id, user_id, created_at, updated_at, owner)"
            " SELECT component_type, component_id, session_id, MIN(user_id), MIN(created_at),"
            " MAX(updated_at), owner FROM runs GROUP BY component_type, component_id, session_id, owner"
        )
        connection.execute(
            "INSERT OR IGNORE INTO sessions"
            " (component_type, component_id, session_id, user_id, created_at, updated_at, owner)"
            " SELECT component_type, component_id, session_id, user_id, created_at, updated_at,"
            " COALESCE(user_id, '') FROM sessions_before_owners"
        )
        connection.execute("DROP TABLE sessions_before_owners")


def owner_key(owner: str | None) -> str:
    """The stored form of an owner: the verified user id, or ``""`` for no verified user."""
    return owner or ANONYMOUS_OWNER


@dataclass(frozen=True, order=True)
class RunKey:
    """A run's place in a listing: runs are listed by creation time, then run id."""

    created_at: float
    run_id: str


@dataclass(frozen=True)
class RunRecord:
    """One stored run: its keys and the run output document clients receive."""

    run_id: str
    component_type: ComponentType
    component_id: str
    session_id: str
    user_id: str | None
    status: str
    output: Mapping[str, Any]
    created_at: float
    owner: str | None = None
    """The verified user the run belongs to; None when no verified user started it."""


class SqliteDb:
    """Session and run storage in one SQLite file (created on first use)."""

    def __init__(
        self, path: str | os.PathLike[str] = "agentos-reference.sqlite3", *, id: str | None = None
    ) -> None:
        self.path = Path(path)
        # Stable across restarts, so clients that remember a db_id keep matching.
        self.id = id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"agentos-reference:{self.path.resolve()}"))
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SqliteDb({str(self.path)!r})"

    # -- connection -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=5000")
            connection.executescript(_SCHEMA)
            connection.execute("BEGIN IMMEDIATE")
            try:
                _migrate(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                connection.close()
                raise
            connection.execute("COMMIT")
            connection.executescript(_INDEXES)
            self._connection = connection
        return self._connection

    def _transaction(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._lock:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        # One long-lived writer thread rather than asyncio.to_thread's shared pool: fewer thread
        # hand-offs under concurrent runs (bench/RESULTS.md, finding 2).
        return await asyncio.get_running_loop().run_in_executor(self._writer(), self._transaction, work)

    def _writer(self) -> ThreadPoolExecutor:
        # Not self._lock: that one is held for whole transactions, and the event loop must not wait on it.
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentos-sqlite")
            return self._executor

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)

    def journal_mode(self) -> str:
        with self._lock:
            row = self._connect().execute("PRAGMA journal_mode").fetchone()
        return str(row[0])

    # -- runs -------------------------------------------------------------------------------------

    async def insert_run(self, record: RunRecord) -> None:
        """Store a new run (and its session, on first use)."""
        document = _dump(record.output)

        def work(connection: sqlite3.Connection) -> None:
            now = time.time()
            connection.execute(
                "INSERT INTO sessions"
                " (component_type, component_id, session_id, user_id, created_at, updated_at, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (component_type, component_id, owner, session_id)"
                " DO UPDATE SET updated_at = excluded.updated_at",
                (
                    record.component_type,
                    record.component_id,
                    record.session_id,
                    record.user_id,
                    now,
                    now,
                    owner_key(record.owner),
                ),
            )
            connection.execute(
                "INSERT INTO runs (run_id, component_type, component_id, session_id, user_id, status, output,"
                " created_at, updated_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.run_id,
                    record.component_type,
                    record.component_id,
                    record.session_id,
                    record.user_id,
                    record.status,
                    document,
                    record.created_at,
                    now,
                    owner_key(record.owner),
                ),
            )

        await self._run(work)

    async def save_run(
        self, run_id: str, status: str, output: Mapping[str, Any], *, events_json: str | None = None
    ) -> None:
        """Replace a run's output and status (the end of a run, a pause, a continue).

        ``events_json``, a JSON array already encoded, is stored as the output's ``events``.
        """
        document = _dump(output) if events_json is None else _with_events(output, events_json)

        def work(connection: sqlite3.Connection) -> None:
            connection.execute(
                "UPDATE runs SET status = ?, output = ?, updated_at = ? WHERE run_id = ?",
                (status, document, time.time(), run_id),
            )

        await self._run(work)

    async def fail_run(self, run_id: str) -> None:
        """Set a run's status to ERROR and leave its stored output as it is (for when the run's
        final output is the thing that cannot be written)."""

        def work(connection: sqlite3.Connection) -> None:
            connection.execute(
                "UPDATE runs SET status = 'ERROR', updated_at = ? WHERE run_id = ?", (time.time(), run_id)
            )

        await self._run(work)

    def fail_abandoned_runs(self) -> int:
        """Set every run still RUNNING to ERROR (output kept); how many there were.

        Only for a server starting on a file no live server uses: a run is RUNNING only while
        a process executes it, so such rows were in flight when the last server died, and
        nothing would ever finish them. Synchronous: it runs before the server serves.
        """

        def work(connection: sqlite3.Connection) -> int:
            cursor = connection.execute(
                "UPDATE runs SET status = 'ERROR', updated_at = ? WHERE status = 'RUNNING'", (time.time(),)
            )
            return cursor.rowcount

        return self._transaction(work)

    async def claim_paused_run(self, run_id: str) -> bool:
        """Move a PAUSED run to RUNNING; False when it is not paused (any more).

        Atomic, so two concurrent continues (or a continue racing a cancel) cannot
        both resume the same pause.
        """

        def work(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE runs SET status = 'RUNNING', updated_at = ? WHERE run_id = ? AND status = 'PAUSED'",
                (time.time(), run_id),
            )
            return cursor.rowcount == 1

        return await self._run(work)

    async def get_run(
        self, component_type: ComponentType, component_id: str, run_id: str
    ) -> RunRecord | None:
        """The run, whoever owns it: for operators and tests, and for a listing reading the runs
        whose keys :meth:`list_runs` gave it. Routes look runs up with :meth:`get_owned_run`."""

        def work(connection: sqlite3.Connection) -> RunRecord | None:
            row = connection.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs"
                " WHERE run_id = ? AND component_type = ? AND component_id = ?",
                (run_id, component_type, component_id),
            ).fetchone()
            return _record(row) if row else None

        return await self._run(work)

    async def get_owned_run(
        self, component_type: ComponentType, component_id: str, run_id: str, *, owner: str | None
    ) -> RunRecord | None:
        """The run, if it is this component's and ``owner``'s (None: no verified user's)."""

        def work(connection: sqlite3.Connection) -> RunRecord | None:
            row = connection.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs"
                " WHERE run_id = ? AND component_type = ? AND component_id = ? AND owner = ?",
                (run_id, component_type, component_id, owner_key(owner)),
            ).fetchone()
            return _record(row) if row else None

        return await self._run(work)

    async def list_runs(
        self,
        component_type: ComponentType,
        component_id: str,
        session_id: str | None,
        *,
        owner: str | None,
        status: str | None = None,
        after: RunKey | None = None,
        newest_first: bool = False,
        limit: int,
    ) -> tuple[list[RunKey], bool]:
        """The next ``limit`` of ``owner``'s runs of this component after ``after`` (of one session
        if given, with one status if given), as keys however large the runs are, and whether that
        session is one of ``owner``'s; one transaction."""
        key = owner_key(owner)
        query = (
            "SELECT created_at, run_id FROM runs WHERE component_type = ? AND component_id = ? AND owner = ?"
        )
        parameters: list[Any] = [component_type, component_id, key]
        if session_id is not None:
            query += " AND session_id = ?"
            parameters.append(session_id)
        if status is not None:
            query += " AND status = ?"
            parameters.append(status)
        if after is not None:
            query += f" AND (created_at, run_id) {'<' if newest_first else '>'} (?, ?)"
            parameters += [after.created_at, after.run_id]
        direction = "DESC" if newest_first else "ASC"
        query += f" ORDER BY created_at {direction}, run_id {direction} LIMIT ?"
        parameters.append(limit)

        def work(connection: sqlite3.Connection) -> tuple[list[RunKey], bool]:
            session_found = session_id is None or (
                connection.execute(
                    "SELECT 1 FROM sessions"
                    " WHERE component_type = ? AND component_id = ? AND owner = ? AND session_id = ?",
                    (component_type, component_id, key, session_id),
                ).fetchone()
                is not None
            )
            keys = [RunKey(float(row[0]), str(row[1])) for row in connection.execute(query, parameters)]
            return keys, session_found

        return await self._run(work)

    async def session_exists(self, component_type: ComponentType, component_id: str, session_id: str) -> bool:
        """Whether any owner has this session: for operators and tests (routes use :meth:`list_runs`)."""

        def work(connection: sqlite3.Connection) -> bool:
            row = connection.execute(
                "SELECT 1 FROM sessions WHERE component_type = ? AND component_id = ? AND session_id = ?",
                (component_type, component_id, session_id),
            ).fetchone()
            return row is not None

        return await self._run(work)

    async def request_cancel(
        self,
        component_type: ComponentType,
        component_id: str,
        run_id: str,
        *,
        owner: str | None,
        cancel_running: bool,
    ) -> bool:
        """Record the intent to cancel ``owner``'s stored run of this component; a paused run (or,
        with ``cancel_running``, an orphaned running one whose process is gone) becomes CANCELLED
        at once.

        False, and nothing written, when this component has no such run of ``owner``'s: intents
        for made-up ids would pile up unread, and another owner's run is left exactly as it is,
        its intent included (to this caller that run does not exist).
        """
        statuses = ("PAUSED", "RUNNING") if cancel_running else ("PAUSED",)
        key = owner_key(owner)

        def work(connection: sqlite3.Connection) -> bool:
            now = time.time()
            recorded = connection.execute(
                "INSERT INTO cancellations (run_id, component_type, component_id, requested_at)"
                " SELECT run_id, component_type, component_id, ? FROM runs"
                " WHERE run_id = ? AND component_type = ? AND component_id = ? AND owner = ?"
                " ON CONFLICT (run_id) DO UPDATE SET requested_at = excluded.requested_at",
                (now, run_id, component_type, component_id, key),
            )
            if recorded.rowcount != 1:
                return False
            connection.execute(
                "UPDATE runs SET status = 'CANCELLED', updated_at = ?"
                " WHERE run_id = ? AND component_type = ? AND component_id = ? AND owner = ?"
                f" AND status IN ({', '.join('?' for _ in statuses)})",
                (now, run_id, component_type, component_id, key, *statuses),
            )
            return True

        return await self._run(work)

    async def cancel_requested(self, run_id: str) -> bool:
        def work(connection: sqlite3.Connection) -> bool:
            return (
                connection.execute("SELECT 1 FROM cancellations WHERE run_id = ?", (run_id,)).fetchone()
                is not None
            )

        return await self._run(work)

    async def count_rows(self) -> dict[str, int]:
        """Row counts per table (what a rejected request must leave unchanged)."""

        def work(connection: sqlite3.Connection) -> dict[str, int]:
            return {
                table: int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in ("sessions", "runs", "cancellations")
            }

        return await self._run(work)


def _dump(output: Mapping[str, Any]) -> str:
    return json.dumps(output, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _with_events(output: Mapping[str, Any], events_json: str) -> str:
    # The events are most of a stored run and were encoded when made: splice, don't encode again.
    if "events" in output:
        raise ValueError("the run output already has events")
    head = _dump(output)
    return f'{head[:-1]}{"," if len(output) else ""}"events":{events_json}}}'


_RUN_COLUMNS = "run_id, component_type, component_id, session_id, user_id, status, output, created_at, owner"


def _record(row: tuple[Any, ...]) -> RunRecord:
    run_id, component_type, component_id, session_id, user_id, status, output, created_at, owner = row
    document = json.loads(output)
    document["status"] = status
    return RunRecord(
        run_id=run_id,
        component_type=component_type,
        component_id=component_id,
        session_id=session_id,
        user_id=user_id,
        status=status,
        output=document,
        created_at=created_at,
        owner=owner or None,
    )
