"""A tool call's execution record, in AgentOS's ``tools`` / ``requirements`` shape."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from agentos_reference.components.messages import StoredDataError


def _now() -> int:
    return int(time.time())


@dataclass
class ToolExecution:
    """One tool call of a run: what was asked, whether it needs (and got) a confirmation, what it returned."""

    tool_call_id: str
    tool_name: str
    tool_args: dict[str, Any]
    requires_confirmation: bool = False
    confirmed: bool | None = None
    confirmation_note: str | None = None
    result: str | None = None
    tool_call_error: bool | None = None
    created_at: int = field(default_factory=_now)

    @property
    def awaiting_confirmation(self) -> bool:
        return self.requires_confirmation and self.confirmed is None

    def to_dict(self) -> dict[str, Any]:
        # Every key AgentOS sends, so one client model reads both servers.
        return {
            "tool_call_id": self.tool_call_id,
            "tool_name": self.tool_name,
            "tool_args": self.tool_args,
            "tool_call_error": self.tool_call_error,
            "result": self.result,
            "metrics": None,
            "child_run_id": None,
            "stop_after_tool_call": False,
            "created_at": self.created_at,
            "requires_confirmation": self.requires_confirmation,
            "confirmed": self.confirmed,
            "confirmation_note": self.confirmation_note,
            "requires_user_input": None,
            "user_input_schema": None,
            "user_feedback_schema": None,
            "answered": None,
            "external_execution_required": None,
            "external_execution_silent": None,
            "approval_type": None,
            "approval_id": None,
            "parent_tool_call_id": None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolExecution:
        call_id, name, args = data.get("tool_call_id"), data.get("tool_name"), data.get("tool_args") or {}
        if not isinstance(call_id, str) or not isinstance(name, str) or not isinstance(args, dict):
            raise StoredDataError("stored tool execution without id, name or arguments")
        confirmed = data.get("confirmed")
        return cls(
            tool_call_id=call_id,
            tool_name=name,
            tool_args=args,
            requires_confirmation=bool(data.get("requires_confirmation")),
            confirmed=confirmed if isinstance(confirmed, bool) else None,
            confirmation_note=data.get("confirmation_note")
            if isinstance(data.get("confirmation_note"), str)
            else None,
            result=data.get("result") if isinstance(data.get("result"), str) else None,
            tool_call_error=data.get("tool_call_error")
            if isinstance(data.get("tool_call_error"), bool)
            else None,
            created_at=data["created_at"] if isinstance(data.get("created_at"), int) else _now(),
        )


def requirement_for(execution: ToolExecution) -> dict[str, Any]:
    """A paused run's requirement: the tool execution awaiting a human decision."""
    return {
        "id": str(uuid.uuid4()),
        "created_at": datetime.now(timezone.utc).isoformat(),
        "tool_execution": execution.to_dict(),
    }
