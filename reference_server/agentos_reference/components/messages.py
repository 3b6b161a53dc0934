"""Conversation messages and tool calls, in the JSON shape AgentOS run outputs carry."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

Role = Literal["system", "user", "assistant", "tool"]
_ROLES: frozenset[str] = frozenset({"system", "user", "assistant", "tool"})


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> int:
    return int(time.time())


class StoredDataError(ValueError):
    """A stored run does not have the shape this server writes (corrupt or foreign row)."""


@dataclass(frozen=True)
class ToolCall:
    """A model's request to call one tool."""

    id: str
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(dict(self.arguments))},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolCall:
        function = data.get("function")
        if not isinstance(function, Mapping) or not isinstance(data.get("id"), str):
            raise StoredDataError("tool call without id/function")
        name = function.get("name")
        raw_arguments = function.get("arguments") or "{}"
        if not isinstance(name, str) or not isinstance(raw_arguments, str):
            raise StoredDataError("tool call with a non-text name or arguments")
        arguments = json.loads(raw_arguments)
        if not isinstance(arguments, dict):
            raise StoredDataError("tool call arguments are not an object")
        return cls(id=cast(str, data["id"]), name=name, arguments=arguments)


@dataclass(frozen=True)
class Message:
    """One message of a run's conversation."""

    role: Role
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    tool_name: str | None = None
    tool_call_error: bool | None = None
    id: str = field(default_factory=_new_id)
    created_at: int = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "role": self.role, "created_at": self.created_at}
        if self.content is not None:
            data["content"] = self.content
        if self.tool_calls:
            data["tool_calls"] = [call.to_dict() for call in self.tool_calls]
        if self.tool_call_id is not None:
            data["tool_call_id"] = self.tool_call_id
        if self.tool_name is not None:
            data["tool_name"] = self.tool_name
        if self.tool_call_error is not None:
            data["tool_call_error"] = self.tool_call_error
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        role = data.get("role")
        content = data.get("content")
        if role not in _ROLES or not (content is None or isinstance(content, str)):
            raise StoredDataError("message without a known role or with non-text content")
        calls = data.get("tool_calls") or []
        if not isinstance(calls, list):
            raise StoredDataError("message tool_calls is not a list")
        return cls(
            role=cast(Role, role),
            content=content,
            tool_calls=tuple(ToolCall.from_dict(call) for call in calls),
            tool_call_id=_optional_text(data, "tool_call_id"),
            tool_name=_optional_text(data, "tool_name"),
            tool_call_error=data.get("tool_call_error")
            if isinstance(data.get("tool_call_error"), bool)
            else None,
            id=_optional_text(data, "id") or _new_id(),
            created_at=data["created_at"] if isinstance(data.get("created_at"), int) else _now(),
        )


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise StoredDataError(f"message field {key!r} is not text")
