"""Human-in-the-loop pieces of a paused run, in the shapes continue takes back.

A paused agent run carries ``tools`` and ``requirements``, a paused team run ``requirements``,
a paused workflow run ``step_requirements``. Each item has ``confirm()``/``reject()``, which
return a resolved copy (the original is untouched) that keeps every field the server sent, so
``continue_run(..., tools=[t.confirm() for t in paused.tools])`` sends back exactly what the
server paused with, plus the decision.
"""

from __future__ import annotations

from typing import Any

from pydantic import JsonValue

from ._base import WireModel

__all__ = ["RunRequirement", "StepRequirement", "ToolExecution"]


class ToolExecution(WireModel):
    """A tool call of an agent or team run (``tools[]`` of a run or event)."""

    tool_call_id: str | None = None
    tool_name: str | None = None
    tool_args: dict[str, JsonValue] | None = None
    tool_call_error: bool | None = None
    result: JsonValue = None
    created_at: int | None = None
    requires_confirmation: bool | None = None
    confirmed: bool | None = None
    confirmation_note: str | None = None
    requires_user_input: bool | None = None
    external_execution_required: bool | None = None

    def confirm(self, note: str | None = None) -> ToolExecution:
        """A copy marked ``confirmed: true`` (and the note, if given)."""
        update: dict[str, Any] = {"confirmed": True}
        if note is not None:
            update["confirmation_note"] = note
        return self.model_copy(update=update, deep=True)

    def reject(self, note: str | None = None) -> ToolExecution:
        """A copy marked ``confirmed: false`` (and the note, if given)."""
        update: dict[str, Any] = {"confirmed": False}
        if note is not None:
            update["confirmation_note"] = note
        return self.model_copy(update=update, deep=True)


class RunRequirement(WireModel):
    """Something a paused agent or team run waits for (``requirements[]``)."""

    id: str | None = None
    tool_execution: ToolExecution | None = None
    confirmation: bool | None = None
    confirmation_note: str | None = None
    external_execution_result: str | None = None
    member_agent_id: str | None = None
    member_agent_name: str | None = None
    member_run_id: str | None = None

    def confirm(self, note: str | None = None) -> RunRequirement:
        """A copy with ``confirmation`` and ``tool_execution.confirmed`` set to true."""
        return self._decide(True, note)

    def reject(self, note: str | None = None) -> RunRequirement:
        """A copy with ``confirmation`` and ``tool_execution.confirmed`` set to false."""
        return self._decide(False, note)

    def _decide(self, decision: bool, note: str | None) -> RunRequirement:
        update: dict[str, Any] = {"confirmation": decision}
        if note is not None:
            update["confirmation_note"] = note
        if self.tool_execution is not None:
            tool = self.tool_execution
            update["tool_execution"] = tool.confirm(note) if decision else tool.reject(note)
        return self.model_copy(update=update, deep=True)


class StepRequirement(WireModel):
    """Something a paused workflow run waits for (``step_requirements[]``)."""

    step_id: str | None = None
    step_name: str | None = None
    step_index: int | None = None
    step_type: str | None = None
    requires_confirmation: bool | None = None
    confirmation_message: str | None = None
    confirmed: bool | None = None
    on_reject: str | None = None
    requires_user_input: bool | None = None

    def confirm(self) -> StepRequirement:
        """A copy marked ``confirmed: true``."""
        return self.model_copy(update={"confirmed": True}, deep=True)

    def reject(self) -> StepRequirement:
        """A copy marked ``confirmed: false``."""
        return self.model_copy(update={"confirmed": False}, deep=True)
