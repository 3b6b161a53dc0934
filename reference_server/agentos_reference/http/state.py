"""What every route needs, kept on ``app.state.server``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone

from starlette.requests import HTTPConnection

from agentos_reference.auth.jwt import TokenVerifier
from agentos_reference.http.admission import LargeRunGate
from agentos_reference.http.databases import DatabasePool
from agentos_reference.http.identity import Verified
from agentos_reference.http.problems import NotFound
from agentos_reference.limits import Limits
from agentos_reference.registry import KIND_TITLES, Kind, Registration, Registry
from agentos_reference.runtime.cancellation import ActiveRuns
from agentos_reference.storage import RunKey, RunRecord, SqliteDb

# No registered id or stored run id is longer; a longer one cannot exist and is not looked up.
MAX_LOOKUP_ID_CHARS = 256


@dataclass
class ServerState:
    registry: Registry
    limits: Limits
    verifier: TokenVerifier | None
    active: ActiveRuns = field(default_factory=ActiveRuns)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    background_tasks: set[asyncio.Task[None]] = field(default_factory=set)
    databases: DatabasePool = field(init=False)
    large_runs: LargeRunGate = field(init=False)

    def __post_init__(self) -> None:
        self.databases = DatabasePool(self.registry.databases(), max_extra=self.limits.max_factory_databases)
        self.large_runs = LargeRunGate(self.limits)

    @property
    def requires_auth(self) -> bool:
        return self.verifier is not None and self.verifier.auth.required

    def registration(self, kind: Kind, component_id: str) -> Registration:
        found = self.registry.get(kind, component_id) if len(component_id) <= MAX_LOOKUP_ID_CHARS else None
        if found is None:
            raise NotFound(f"{KIND_TITLES[kind]} not found")
        return found

    def remember_db(self, db: SqliteDb) -> SqliteDb:
        """The database a produced component stores its runs in: the one already open for that
        file, if any (searched by later reads; see ``DatabasePool``)."""
        return self.databases.adopt(db)

    def databases_for(self, registration: Registration) -> list[SqliteDb]:
        return self.databases.searched(registration.db)

    async def find_run(
        self, registration: Registration, run_id: str, verified: Verified
    ) -> tuple[RunRecord, SqliteDb] | None:
        """The stored run of this component, if it is the caller's (see ``Verified.owner``).

        Another owner's run is not found, exactly like an id that was never issued.
        """
        if len(run_id) > MAX_LOOKUP_ID_CHARS:
            return None
        for db in self.databases_for(registration):
            record = await db.get_owned_run(registration.kind, registration.id, run_id, owner=verified.owner)
            if record is not None:
                return record, db
        return None

    async def cancel_run(self, registration: Registration, run_id: str, verified: Verified) -> bool:
        """Cancel the caller's run of this component: stop it if it runs here, and record the intent
        (a paused run, or an orphaned running one, becomes CANCELLED at once). False when the caller
        has no such run: nothing is recorded for an id that does not exist (made-up ids would grow
        the table, unread), nor for another owner's run, which is left untouched."""
        found = await self.find_run(registration, run_id, verified)
        if found is None:
            return False
        record, db = found
        running_here = self.active.cancel(record.run_id)
        return await db.request_cancel(
            registration.kind,
            registration.id,
            record.run_id,
            owner=verified.owner,
            cancel_running=not running_here,
        )

    async def page_of_runs(
        self, registration: Registration, session_id: str | None, verified: Verified, page: RunPage
    ) -> tuple[list[tuple[SqliteDb, RunKey]], bool]:
        """One page of the caller's runs of this component (of one session if given) as keys, each
        with the database holding it, and whether that session is one of the caller's. Keys only:
        the runs themselves are read one at a time while the answer is written, so no read holds a
        whole session."""
        cursors = [
            _KeyCursor(db, registration, session_id, verified.owner, page)
            for db in self.databases_for(registration)
        ]
        # A merge of the databases' listings, in order, skipping the pages before this one.
        found: list[tuple[SqliteDb, RunKey]] = []
        skipped = 0
        heads = [await cursor.next() for cursor in cursors]
        session_found = session_id is None or any(cursor.session_found for cursor in cursors)
        if not session_found:
            return [], False
        while len(found) < page.limit:
            candidates = [(key, index) for index, key in enumerate(heads) if key is not None]
            if not candidates:
                break
            key, index = max(candidates) if page.newest_first else min(candidates)
            if skipped < page.offset:
                skipped += 1
            else:
                found.append((cursors[index].db, key))
            heads[index] = await cursors[index].next()
        return found, session_found


@dataclass(frozen=True)
class RunPage:
    """Which runs a listing answers: ``limit`` of them after the first ``offset``, oldest first
    unless ``newest_first``."""

    limit: int
    offset: int = 0
    newest_first: bool = False
    status: str | None = None


class _KeyCursor:
    """One database's listing of ``owner``'s runs of a component, read in chunks of keys."""

    CHUNK = 256

    def __init__(
        self,
        db: SqliteDb,
        registration: Registration,
        session_id: str | None,
        owner: str | None,
        page: RunPage,
    ) -> None:
        self.db = db
        self._registration = registration
        self._session_id = session_id
        self._owner = owner
        self._page = page
        self._buffer: list[RunKey] = []
        self._last: RunKey | None = None
        self._exhausted = False
        self.session_found = False
        """Whether the session is ``owner``'s in this database (known after the first ``next``)."""

    async def next(self) -> RunKey | None:
        if not self._buffer and not self._exhausted:
            # Scoped to the owner in the query itself, before counting, so pages have no holes.
            self._buffer, in_session = await self.db.list_runs(
                self._registration.kind,
                self._registration.id,
                self._session_id,
                owner=self._owner,
                status=self._page.status,
                after=self._last,
                newest_first=self._page.newest_first,
                limit=self.CHUNK,
            )
            self.session_found = self.session_found or in_session
            self._buffer.reverse()
            self._exhausted = len(self._buffer) < self.CHUNK
        if not self._buffer:
            return None
        self._last = self._buffer.pop()
        return self._last


def server_state(connection: HTTPConnection) -> ServerState:
    state: ServerState = connection.app.state.server
    return state
