"""Tools a model can call, optionally gated behind a human confirmation."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

ToolFunction = Callable[..., Any] | Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Tool:
    """A callable the model may ask for by ``name``.

    With ``requires_confirmation`` the run pauses before the call until a client
    continues it with the call confirmed (or rejected).
    """

    name: str
    function: ToolFunction
    description: str = ""
    requires_confirmation: bool = False

    def __post_init__(self) -> None:
        if not self.name or not self.name.isidentifier():
            raise ValueError(f"Tool name must be a non-empty identifier, got {self.name!r}")

    async def call(self, arguments: Mapping[str, Any]) -> str:
        """Run the tool; its result is handed to the model as text."""
        result = self.function(**arguments)
        if inspect.isawaitable(result):
            result = await result
        return result if isinstance(result, str) else str(result)


@overload
def tool(function: ToolFunction, /) -> Tool: ...


@overload
def tool(
    *, name: str | None = None, description: str | None = None, requires_confirmation: bool = False
) -> Callable[[ToolFunction], Tool]: ...


def tool(
    function: ToolFunction | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_confirmation: bool = False,
) -> Tool | Callable[[ToolFunction], Tool]:
    """Turn a function into a :class:`Tool` (``@tool`` or ``@tool(requires_confirmation=True)``)."""

    def wrap(fn: ToolFunction) -> Tool:
        return Tool(
            name=name or fn.__name__,
            function=fn,
            description=description if description is not None else inspect.getdoc(fn) or "",
            requires_confirmation=requires_confirmation,
        )

    return wrap(function) if function is not None else wrap
