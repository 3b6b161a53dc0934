"""What the server serves: prototypes and factories of each kind, by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from agentos_reference.components import Agent, Team, Workflow
from agentos_reference.factory import (
    AgentFactory,
    BaseFactory,
    TeamFactory,
    WorkflowFactory,
    check_component_id,
)
from agentos_reference.storage import SqliteDb

Kind = Literal["agent", "team", "workflow"]
Component = Agent | Team | Workflow
Entry = Component | BaseFactory[Agent] | BaseFactory[Team] | BaseFactory[Workflow]

KIND_TITLES: dict[Kind, str] = {"agent": "Agent", "team": "Team", "workflow": "Workflow"}
_PROTOTYPES: dict[Kind, type[Component]] = {"agent": Agent, "team": Team, "workflow": Workflow}
_FACTORIES: dict[Kind, type[BaseFactory[Agent]] | type[BaseFactory[Team]] | type[BaseFactory[Workflow]]] = {
    "agent": AgentFactory,
    "team": TeamFactory,
    "workflow": WorkflowFactory,
}


@dataclass(frozen=True)
class Registration:
    """One served id: a factory (built per request) or a prototype (shared, built once)."""

    kind: Kind
    id: str
    entry: Entry
    db: SqliteDb

    @property
    def is_factory(self) -> bool:
        return isinstance(self.entry, BaseFactory)

    @property
    def name(self) -> str | None:
        return self.entry.name

    @property
    def description(self) -> str | None:
        return self.entry.description

    @property
    def input_schema(self) -> type[BaseModel] | None:
        return self.entry.input_schema if isinstance(self.entry, BaseFactory) else None


class Registry:
    """Registrations by kind and id; ids are unique within a kind."""

    def __init__(
        self,
        *,
        agents: Sequence[Agent | BaseFactory[Agent]] = (),
        teams: Sequence[Team | BaseFactory[Team]] = (),
        workflows: Sequence[Workflow | BaseFactory[Workflow]] = (),
        db: SqliteDb | None = None,
    ) -> None:
        self._by_kind: dict[Kind, dict[str, Registration]] = {"agent": {}, "team": {}, "workflow": {}}
        for agent in agents:
            self._add("agent", agent, db)
        for team in teams:
            self._add("team", team, db)
        for workflow in workflows:
            self._add("workflow", workflow, db)

    def _add(self, kind: Kind, entry: Entry, default_db: SqliteDb | None) -> None:
        title = KIND_TITLES[kind]
        if isinstance(entry, BaseFactory):
            if not isinstance(entry, _FACTORIES[kind]):
                raise ValueError(f"{type(entry).__name__} {entry.id!r} cannot be registered as a {kind}")
            db: SqliteDb | None = entry.db
        else:
            if not isinstance(entry, _PROTOTYPES[kind]):
                raise ValueError(f"{type(entry).__name__} cannot be registered as a {kind}")
            check_component_id(entry.id, f"{title} prototype")
            db = entry.db or default_db
        assert entry.id is not None  # checked above (factories check their id on construction)
        if db is None:
            raise ValueError(f"{title} {entry.id!r} has no db, and the server was given none")
        if entry.id in self._by_kind[kind]:
            raise ValueError(f"Two {kind}s share the id {entry.id!r}")
        self._by_kind[kind][entry.id] = Registration(kind, entry.id, entry, db)

    def get(self, kind: Kind, id: str) -> Registration | None:
        return self._by_kind[kind].get(id)

    def all(self, kind: Kind) -> list[Registration]:
        return list(self._by_kind[kind].values())

    def databases(self) -> list[SqliteDb]:
        seen: dict[int, SqliteDb] = {}
        for registrations in self._by_kind.values():
            for registration in registrations.values():
                seen.setdefault(id(registration.db), registration.db)
        return list(seen.values())
