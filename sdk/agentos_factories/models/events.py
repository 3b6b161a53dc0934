"""Typed run events, as agno streams them (SSE, and SSE-formatted WebSocket frames).

Each data object names itself in ``"event"``; :func:`parse_event` picks the class from that
name, and anything it does not know becomes an :class:`UnknownEvent` (a newer server's events
are passed through, never dropped). A team stream also carries its members' agent events, a
workflow stream its steps' agent and team events, hence the unions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

from pydantic import JsonValue

from ._base import WireModel
from .hitl import RunRequirement, StepRequirement, ToolExecution

__all__ = [
    "AgentEvent",
    "RunCancelled",
    "RunCompleted",
    "RunContent",
    "RunContentCompleted",
    "RunContinued",
    "RunError",
    "RunEventBase",
    "RunPaused",
    "RunStarted",
    "StepCompleted",
    "StepContinued",
    "StepOutput",
    "StepPaused",
    "StepStarted",
    "TeamEvent",
    "TeamRunCancelled",
    "TeamRunCompleted",
    "TeamRunContent",
    "TeamRunContentCompleted",
    "TeamRunContinued",
    "TeamRunError",
    "TeamRunPaused",
    "TeamRunStarted",
    "TeamToolCallCompleted",
    "TeamToolCallStarted",
    "ToolCallCompleted",
    "ToolCallStarted",
    "UnknownEvent",
    "WorkflowCancelled",
    "WorkflowCompleted",
    "WorkflowError",
    "WorkflowEvent",
    "WorkflowPaused",
    "WorkflowStarted",
    "parse_event",
]


class RunEventBase(WireModel):
    """Fields every run event carries."""

    event: str
    run_id: str | None = None
    session_id: str | None = None
    created_at: int | None = None
    event_index: int | None = None


class UnknownEvent(RunEventBase):
    """An event this SDK has no class for (e.g. ``ModelRequestStarted``); all its fields are kept."""


# --- agent ---------------------------------------------------------------------------------------


class _AgentEvent(RunEventBase):
    """Fields of every agent run event."""

    agent_id: str | None = None
    agent_name: str | None = None


class RunStarted(_AgentEvent):
    """An agent run began (its model named)."""

    event: Literal["RunStarted"]
    model: str | None = None
    model_provider: str | None = None


class RunContent(_AgentEvent):
    """A piece of an agent's answer as it is produced (``text_stream`` reads its ``content``)."""

    event: Literal["RunContent"]
    content: JsonValue = None
    content_type: str | None = None
    reasoning_content: str | None = None


class RunContentCompleted(_AgentEvent):
    """The agent finished producing content."""

    event: Literal["RunContentCompleted"]


class RunCompleted(_AgentEvent):
    """The agent run completed: the whole ``content``, ``metrics`` and ``session_state``."""

    event: Literal["RunCompleted"]
    content: JsonValue = None
    content_type: str | None = None
    metrics: dict[str, JsonValue] | None = None
    session_state: dict[str, JsonValue] | None = None


class RunPaused(_AgentEvent):
    """The agent run waits for a human: continue it with the resolved ``tools``."""

    event: Literal["RunPaused"]
    tools: list[ToolExecution] | None = None
    requirements: list[RunRequirement] | None = None


class RunContinued(_AgentEvent):
    """A paused agent run was continued."""

    event: Literal["RunContinued"]


class RunError(_AgentEvent):
    """An agent run failed (raised as a typed error on an agent stream; yielded for team members)."""

    event: Literal["RunError"]
    content: JsonValue = None
    error_type: str | None = None
    error_id: str | None = None


class RunCancelled(_AgentEvent):
    """The agent run was cancelled."""

    event: Literal["RunCancelled"]
    reason: str | None = None


class ToolCallStarted(_AgentEvent):
    """The agent called a tool."""

    event: Literal["ToolCallStarted"]
    tool: ToolExecution | None = None


class ToolCallCompleted(_AgentEvent):
    """A tool call of the agent returned."""

    event: Literal["ToolCallCompleted"]
    tool: ToolExecution | None = None
    content: JsonValue = None


# --- team ----------------------------------------------------------------------------------------


class _TeamEvent(RunEventBase):
    """Fields of every team run event."""

    team_id: str | None = None
    team_name: str | None = None


class TeamRunStarted(_TeamEvent):
    """A team run began (its model named)."""

    event: Literal["TeamRunStarted"]
    model: str | None = None
    model_provider: str | None = None


class TeamRunContent(_TeamEvent):
    """A piece of the team's answer as it is produced (``text_stream`` reads its ``content``)."""

    event: Literal["TeamRunContent"]
    content: JsonValue = None
    content_type: str | None = None
    reasoning_content: str | None = None


class TeamRunContentCompleted(_TeamEvent):
    """The team finished producing content."""

    event: Literal["TeamRunContentCompleted"]


class TeamRunCompleted(_TeamEvent):
    """The team run completed: the whole ``content``, ``metrics`` and ``session_state``."""

    event: Literal["TeamRunCompleted"]
    content: JsonValue = None
    content_type: str | None = None
    metrics: dict[str, JsonValue] | None = None
    session_state: dict[str, JsonValue] | None = None


class TeamRunPaused(_TeamEvent):
    """The team run waits for a human: continue it with the resolved ``requirements``."""

    event: Literal["TeamRunPaused"]
    tools: list[ToolExecution] | None = None
    requirements: list[RunRequirement] | None = None


class TeamRunContinued(_TeamEvent):
    """A paused team run was continued."""

    event: Literal["TeamRunContinued"]


class TeamRunError(_TeamEvent):
    """A team run failed (raised as a typed error on a team stream)."""

    event: Literal["TeamRunError"]
    content: JsonValue = None
    error_type: str | None = None
    error_id: str | None = None


class TeamRunCancelled(_TeamEvent):
    """The team run was cancelled."""

    event: Literal["TeamRunCancelled"]
    reason: str | None = None


class TeamToolCallStarted(_TeamEvent):
    """The team's leader called a tool."""

    event: Literal["TeamToolCallStarted"]
    tool: ToolExecution | None = None


class TeamToolCallCompleted(_TeamEvent):
    """A tool call of the team's leader returned."""

    event: Literal["TeamToolCallCompleted"]
    tool: ToolExecution | None = None
    content: JsonValue = None


# --- workflow ------------------------------------------------------------------------------------


class _WorkflowEvent(RunEventBase):
    """Fields of every workflow run event."""

    workflow_id: str | None = None
    workflow_name: str | None = None
    step_id: str | None = None


class WorkflowStarted(_WorkflowEvent):
    """A workflow run began."""

    event: Literal["WorkflowStarted"]


class WorkflowCompleted(_WorkflowEvent):
    """The workflow run completed: its ``content``, ``step_results`` and ``metrics``."""

    event: Literal["WorkflowCompleted"]
    content: JsonValue = None
    content_type: str | None = None
    step_results: list[JsonValue] | None = None
    metadata: dict[str, JsonValue] | None = None
    metrics: dict[str, JsonValue] | None = None


class WorkflowPaused(_WorkflowEvent):
    """The workflow run waits for a human: continue it with the resolved ``step_requirements``."""

    event: Literal["WorkflowPaused"]
    status: str | None = None
    paused_step_index: int | None = None
    paused_step_name: str | None = None
    pause_kind: str | None = None
    step_requirements: list[StepRequirement] | None = None
    content: JsonValue = None


class WorkflowCancelled(_WorkflowEvent):
    """The workflow run was cancelled."""

    event: Literal["WorkflowCancelled"]
    reason: str | None = None
    content: JsonValue = None


class WorkflowError(_WorkflowEvent):
    """A workflow run failed (raised as a typed error on a workflow stream)."""

    event: Literal["WorkflowError"]
    error: str | None = None
    error_type: str | None = None
    error_id: str | None = None


class StepStarted(_WorkflowEvent):
    """A step of the workflow began."""

    event: Literal["StepStarted"]
    step_name: str | None = None
    step_index: JsonValue = None


class StepOutput(_WorkflowEvent):
    """A function step's output."""

    event: Literal["StepOutput"]
    step_name: str | None = None
    step_index: JsonValue = None
    content: JsonValue = None


class StepCompleted(_WorkflowEvent):
    """A step of the workflow completed, with its ``content``."""

    event: Literal["StepCompleted"]
    step_name: str | None = None
    step_index: JsonValue = None
    content: JsonValue = None


class StepPaused(_WorkflowEvent):
    """A step of the workflow paused for a human."""

    event: Literal["StepPaused"]
    step_name: str | None = None
    step_index: JsonValue = None


class StepContinued(_WorkflowEvent):
    """A paused step was continued."""

    event: Literal["StepContinued"]
    step_name: str | None = None
    step_index: JsonValue = None


AgentEvent: TypeAlias = (
    RunStarted
    | RunContent
    | RunContentCompleted
    | RunCompleted
    | RunPaused
    | RunContinued
    | RunError
    | RunCancelled
    | ToolCallStarted
    | ToolCallCompleted
    | UnknownEvent
)
"""What an agent run stream yields."""

TeamEvent: TypeAlias = (
    TeamRunStarted
    | TeamRunContent
    | TeamRunContentCompleted
    | TeamRunCompleted
    | TeamRunPaused
    | TeamRunContinued
    | TeamRunError
    | TeamRunCancelled
    | TeamToolCallStarted
    | TeamToolCallCompleted
    | AgentEvent
)
"""What a team run stream yields (its members' agent events included)."""

WorkflowEvent: TypeAlias = (
    WorkflowStarted
    | WorkflowCompleted
    | WorkflowPaused
    | WorkflowCancelled
    | WorkflowError
    | StepStarted
    | StepOutput
    | StepCompleted
    | StepPaused
    | StepContinued
    | TeamEvent
)
"""What a workflow run stream (SSE or WebSocket) yields (its steps' events included)."""

_EVENT_CLASSES: Mapping[str, type[RunEventBase]] = {
    cls.model_fields["event"].annotation.__args__[0]: cls  # type: ignore[union-attr]  # Literal["Name"]
    for cls in (
        RunStarted,
        RunContent,
        RunContentCompleted,
        RunCompleted,
        RunPaused,
        RunContinued,
        RunError,
        RunCancelled,
        ToolCallStarted,
        ToolCallCompleted,
        TeamRunStarted,
        TeamRunContent,
        TeamRunContentCompleted,
        TeamRunCompleted,
        TeamRunPaused,
        TeamRunContinued,
        TeamRunError,
        TeamRunCancelled,
        TeamToolCallStarted,
        TeamToolCallCompleted,
        WorkflowStarted,
        WorkflowCompleted,
        WorkflowPaused,
        WorkflowCancelled,
        WorkflowError,
        StepStarted,
        StepOutput,
        StepCompleted,
        StepPaused,
        StepContinued,
    )
}


def parse_event(data: Mapping[str, Any]) -> RunEventBase:
    """The typed event for one decoded data object.

    Raises ``pydantic.ValidationError`` when a known event's named fields have the wrong types,
    and ``ValueError`` when ``"event"`` is missing or not a string.
    """
    name = data.get("event")
    if not isinstance(name, str):
        raise ValueError(f"event data has no 'event' name: {dict(data)!r:.200}")
    cls = _EVENT_CLASSES.get(name, UnknownEvent)
    return cls.model_validate(data)
