"""What every route needs, kept on ``app.state.server``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone

from starlette.requests import HTTPConnection

from agentos_reference.auth.jwt import TokenVerifier
from agentos_reference.http.databases import DatabasePool
from agentos_reference.http.identity import Verified
from agentos_reference.http.problems import NotFound
from agentos_reference.limits import Limits
from agentos_reference.registry import KIND_TITLES, Kind, Registration, Registry
from agentos_reference.runtime.cancellation import ActiveRuns
from agentos_reference.storage import RunRecord, SqliteDb

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

    def __post_init__(self) -> None:
        self.databases = DatabasePool(self.registry.databases(), max_extra=self.limits.max_factory_databases)

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
        """The stored run of this component, unless it belongs to another verified user."""
        if len(run_id) > MAX_LOOKUP_ID_CHARS:
            return None
        for db in self.databases_for(registration):
            record = await db.get_run(registration.kind, registration.id, run_id)
            if record is not None:
                return (record, db) if visible_to(record, verified) else None
        return None

    async def list_runs(
        self, registration: Registration, session_id: str | None, verified: Verified
    ) -> tuple[list[RunRecord], bool]:
        """This component's runs (of one session if given), and whether that session exists."""
        records: list[RunRecord] = []
        session_found = session_id is None
        for db in self.databases_for(registration):
            if session_id is not None and await db.session_exists(
                registration.kind, registration.id, session_id
            ):
                session_found = True
            records.extend(await db.list_runs(registration.kind, registration.id, session_id))
        records.sort(key=lambda record: record.created_at)
        return [record for record in records if visible_to(record, verified)], session_found


def visible_to(record: RunRecord, verified: Verified) -> bool:
    """A verified caller never sees (or continues, or cancels) another verified user's run."""
    return verified.user_id is None or record.user_id is None or record.user_id == verified.user_id


def server_state(connection: HTTPConnection) -> ServerState:
    state: ServerState = connection.app.state.server
    return state
