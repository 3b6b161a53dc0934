"""Agent and Team: minimal components with a model, instructions and tools.

They hold configuration only; a run's state lives in the runtime, so one
prototype instance can serve concurrent requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentos_reference.components.model import Model, OfflineModel
from agentos_reference.components.tools import Tool

if TYPE_CHECKING:
    from agentos_reference.storage import SqliteDb


def _unique_tools(tools: Sequence[Tool]) -> tuple[Tool, ...]:
    names = [t.name for t in tools]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"Tool names must be unique, repeated: {', '.join(duplicates)}")
    return tuple(tools)


class Agent:
    """An agent: a model answering messages, optionally calling tools."""

    def __init__(
        self,
        *,
        id: str | None = None,
        name: str | None = None,
        description: str | None = None,
        model: Model | None = None,
        instructions: str | None = None,
        tools: Sequence[Tool] = (),
        db: SqliteDb | None = None,
        store_events: bool = False,
    ) -> None:
        self.id = id
        self.name = name
        self.description = description
        self.model: Model = model or OfflineModel()
        self.instructions = instructions
        self.tools = _unique_tools(tools)
        self.db = db
        # Factories set this: run events are then kept on the stored run output.
        self.store_events = store_events

    def __repr__(self) -> str:
        return f"Agent(id={self.id!r}, name={self.name!r})"


class Team:
    """A team: every member answers the message, then the team's own model answers with their replies."""

    def __init__(
        self,
        *,
        members: Sequence[Agent | Team],
        id: str | None = None,
        name: str | None = None,
        description: str | None = None,
        model: Model | None = None,
        instructions: str | None = None,
        tools: Sequence[Tool] = (),
        db: SqliteDb | None = None,
        store_events: bool = False,
    ) -> None:
        self.id = id
        self.name = name
        self.description = description
        self.members: tuple[Agent | Team, ...] = tuple(members)
        self.model: Model = model or OfflineModel()
        self.instructions = instructions
        self.tools = _unique_tools(tools)
        self.db = db
        self.store_events = store_events

    def __repr__(self) -> str:
        return f"Team(id={self.id!r}, name={self.name!r}, members={len(self.members)})"
