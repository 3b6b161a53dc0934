"""Run outputs: what a non-streaming run, a continue, and a workflow run read answer.

Field names and types follow agno's ``RunOutput.to_dict()`` / ``TeamRunOutput`` /
``WorkflowRunOutput`` (wire notes section 7). agno drops keys whose value is null, so every
field but the identifiers has a default.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, JsonValue, field_validator

from ._base import WireModel
from .hitl import RunRequirement, StepRequirement, ToolExecution

__all__ = [
    "AgentRunOutput",
    "RunStatus",
    "TeamRunOutput",
    "WorkflowRunOutput",
    "WorkflowRunSummary",
]

#: agno's ``RunStatus`` values.
RunStatus = Literal["PENDING", "RUNNING", "COMPLETED", "PAUSED", "CANCELLED", "ERROR", "REGENERATED"]


class _RunOutput(WireModel):
    run_id: str
    session_id: str | None = None
    user_id: str | None = None
    status: RunStatus
    content: JsonValue = None
    content_type: str | None = None
    created_at: int | None = None
    metrics: dict[str, JsonValue] | None = None
    metadata: dict[str, JsonValue] | None = None
    input: JsonValue = None  # agent/team: {"input_content": ...}; workflow: the message text

    @property
    def is_paused(self) -> bool:
        """True when the run waits for a human (continue it with the resolved requirements)."""
        return self.status == "PAUSED"


class AgentRunOutput(_RunOutput):
    """The output of an agent run (``POST /agents/{id}/runs`` with ``stream=false``, or continue)."""

    agent_id: str
    agent_name: str | None = None
    model: str | None = None
    model_provider: str | None = None
    messages: list[dict[str, JsonValue]] | None = None
    session_state: dict[str, JsonValue] | None = None
    tools: list[ToolExecution] | None = None
    requirements: list[RunRequirement] | None = None


class TeamRunOutput(_RunOutput):
    """The output of a team run."""

    team_id: str
    team_name: str | None = None
    model: str | None = None
    model_provider: str | None = None
    messages: list[dict[str, JsonValue]] | None = None
    session_state: dict[str, JsonValue] | None = None
    member_responses: list[dict[str, JsonValue]] | None = None
    tools: list[ToolExecution] | None = None
    requirements: list[RunRequirement] | None = None


class WorkflowRunOutput(_RunOutput):
    """The output of a workflow run (run, continue, and ``GET /workflows/{id}/runs/{run_id}``)."""

    workflow_id: str
    workflow_name: str | None = None
    step_results: list[JsonValue] | None = None
    step_requirements: list[StepRequirement] | None = None
    paused_step_index: int | None = None
    paused_step_name: str | None = None
    pause_kind: str | None = None


class WorkflowRunSummary(WireModel):
    """One item of ``GET /workflows/{id}/runs`` (agno's ``WorkflowRunSchema``).

    agno fills absent values with ``""``; those read as ``None`` here.
    """

    run_id: str
    workflow_id: str | None = None
    user_id: str | None = None
    status: RunStatus | None = None
    content: JsonValue = None
    content_type: str | None = None
    run_input: str | None = None
    created_at: datetime | None = None
    step_results: list[JsonValue] | None = None
    step_requirements: list[StepRequirement] | None = None
    paused_step_index: int | None = None
    paused_step_name: str | None = None
    pause_kind: str | None = None
    metrics: dict[str, JsonValue] | None = Field(default=None)

    @field_validator(
        "workflow_id", "user_id", "status", "content_type", "run_input", "pause_kind", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value
