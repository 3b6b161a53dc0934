"""What every route needs, kept on ``app.state.server``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone

from starlette.requests import HTTPConnection

from agentos_reference.auth.jwt import TokenVerifier
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
    _seen_dbs: dict[int, SqliteDb] = field(default_factory=dict)

    @property
    def requires_auth(self) -> bool:
        return self.verifier is not None and self.verifier.auth.required

    def registration(self, kind: Kind, component_id: str) -> Registration:
        found = self.registry.get(kind, component_id) if len(component_id) <= MAX_LOOKUP_ID_CHARS else None
        if found is None:
            raise NotFound(f"{KIND_TITLES[kind]} not found")
        return found

    def remember_db(self, db: SqliteDb) -> None:
        """A database a produced component stores its runs in (searched by later reads)."""
        self._seen_dbs.setdefault(id(db), db)

    def databases_for(self, registration: Registration) -> list[SqliteDb]:
        ordered = {id(registration.db): registration.db}
        for db in [*self.registry.databases(), *self._seen_dbs.values()]:
            ordered.setdefault(id(db), db)
        return list(ordered.values())

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

    async def list_runs(
        self, registration: Registration, session_id: str | None, verified: Verified
    ) -> tuple[list[RunRecord], bool]:
        """The caller's runs of this component (of one session if given), and whether that session
        is one of the caller's."""
        records: list[RunRecord] = []
        session_found = session_id is None
        for db in self.databases_for(registration):
            found, in_session = await db.list_runs(
                registration.kind, registration.id, session_id, owner=verified.owner
            )
            records.extend(found)
            session_found = session_found or in_session
        records.sort(key=lambda record: record.created_at)
        return records, session_found


def server_state(connection: HTTPConnection) -> ServerState:
    state: ServerState = connection.app.state.server
    return state
