"""Workflow: an ordered list of steps, any of which may wait for a human confirmation."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentos_reference.components.agent import Agent, Team

if TYPE_CHECKING:
    from agentos_reference.storage import SqliteDb


@dataclass(frozen=True)
class StepInput:
    """What a step sees: the run's message and the content of the steps before it."""

    input: str
    previous_step_content: str | None = None
    previous_step_outputs: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class StepOutput:
    """What a function step returns (a plain ``str`` works too)."""

    content: str | None


StepExecutor = Callable[[StepInput], "str | StepOutput | Awaitable[str | StepOutput]"]


class Step:
    """One step: run an agent, a team, or a function (exactly one of them)."""

    def __init__(
        self,
        *,
        name: str,
        agent: Agent | None = None,
        team: Team | None = None,
        executor: StepExecutor | None = None,
        requires_confirmation: bool = False,
        confirmation_message: str | None = None,
        id: str | None = None,
    ) -> None:
        if sum(part is not None for part in (agent, team, executor)) != 1:
            raise ValueError(f"Step {name!r} needs exactly one of agent, team or executor")
        if not name:
            raise ValueError("Step name must be non-empty")
        self.name = name
        self.agent = agent
        self.team = team
        self.executor = executor
        self.requires_confirmation = requires_confirmation
        self.confirmation_message = confirmation_message
        # Stable per step object; a factory builds new steps per request, so continue matches by index.
        self.id = id or str(uuid.uuid4())

    @property
    def executor_type(self) -> str:
        return "agent" if self.agent is not None else "team" if self.team is not None else "function"

    @property
    def executor_name(self) -> str:
        if self.agent is not None:
            return self.agent.name or self.agent.id or "agent"
        if self.team is not None:
            return self.team.name or self.team.id or "team"
        return getattr(self.executor, "__name__", "function")


class Workflow:
    """A workflow: its steps run in order, each step's content feeding the next."""

    def __init__(
        self,
        *,
        steps: Sequence[Step],
        id: str | None = None,
        name: str | None = None,
        description: str | None = None,
        db: SqliteDb | None = None,
        store_events: bool = False,
    ) -> None:
        if not steps:
            raise ValueError("A Workflow needs at least one step")
        names = [step.name for step in steps]
        if len(set(names)) != len(names):
            raise ValueError("Workflow step names must be unique")
        self.id = id
        self.name = name
        self.description = description
        self.steps: tuple[Step, ...] = tuple(steps)
        self.db = db
        self.store_events = store_events

    def __repr__(self) -> str:
        return f"Workflow(id={self.id!r}, name={self.name!r}, steps={len(self.steps)})"
