"""The model protocol and the deterministic offline model every component uses by default.

A real model fills the same protocol: it gets a :class:`ModelRequest` and answers
either text or tool calls. The offline model needs no network and no key, and its
reply is computed only from the request, so runs are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from agentos_reference.components.messages import Message, ToolCall
from agentos_reference.components.tools import Tool


@dataclass(frozen=True)
class MemberReply:
    """What one team member answered, handed to the team's model."""

    member_id: str
    member_name: str | None
    content: str | None


@dataclass(frozen=True)
class ModelRequest:
    """Everything a model sees for one turn."""

    messages: tuple[Message, ...]
    instructions: str | None
    tools: tuple[Tool, ...]
    component_id: str | None
    component_name: str | None
    user_id: str | None
    session_id: str
    run_id: str
    member_replies: tuple[MemberReply, ...] = ()

    @property
    def message(self) -> str | None:
        """The latest user message of the conversation."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return None

    @property
    def tool_results(self) -> tuple[Message, ...]:
        return tuple(message for message in self.messages if message.role == "tool")


@dataclass(frozen=True)
class ModelReply:
    """A model turn: text, or tool calls to run before the next turn."""

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()


@runtime_checkable
class Model(Protocol):
    """What a component needs from a model."""

    @property
    def id(self) -> str: ...

    @property
    def provider(self) -> str: ...

    async def respond(self, request: ModelRequest) -> ModelReply: ...


def describe_request(request: ModelRequest) -> str:
    """The offline model's default reply: a readable summary of what it was asked and by whom."""
    who = request.component_name or request.component_id or "component"
    lines = [f"{who} (offline model) answering {request.user_id or 'anonymous'}."]
    if request.instructions:
        lines.append(f"Instructions: {request.instructions.strip()}")
    lines.append(f"You said: {request.message or ''}")
    if request.tools:
        lines.append("Tools: " + ", ".join(sorted(t.name for t in request.tools)))
    for result in request.tool_results:
        lines.append(f"Tool {result.tool_name} returned: {result.content}")
    for member in request.member_replies:
        lines.append(f"Member {member.member_name or member.member_id} said: {member.content}")
    return "\n".join(lines)


class OfflineModel:
    """A deterministic model.

    ``call_tools`` names tools it calls (once each, with no arguments) before it
    answers; ``reply`` computes the answer from the request (default:
    :func:`describe_request`).
    """

    def __init__(
        self,
        *,
        reply: Callable[[ModelRequest], str] | None = None,
        call_tools: Sequence[str] = (),
        id: str = "offline",
        provider: str = "agentos-reference",
    ) -> None:
        self._reply = reply or describe_request
        self._call_tools = tuple(call_tools)
        self._id = id
        self._provider = provider

    @property
    def id(self) -> str:
        return self._id

    @property
    def provider(self) -> str:
        return self._provider

    async def respond(self, request: ModelRequest) -> ModelReply:
        already_called = {message.tool_name for message in request.tool_results}
        pending = [name for name in self._call_tools if name not in already_called]
        if pending:
            return ModelReply(
                tool_calls=tuple(
                    ToolCall(id=f"call_{index}_{name}", name=name) for index, name in enumerate(pending, 1)
                )
            )
        return ModelReply(content=self._reply(request))
