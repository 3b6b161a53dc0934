"""``factory_input`` as AgentOS reads it: JSON text -> object -> ``input_schema`` model.

The 400 texts are agno's (wire notes section 4), and validation happens before the factory runs.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["InputRejected", "InputUnparseable", "parse_factory_input", "resolve_input"]


class InputRejected(Exception):
    """``factory_input`` is not acceptable: the 400 ``detail`` is the message."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InputUnparseable(InputRejected):
    """JSON text Python's parser gives up on without a JSONDecodeError: a number past the int
    digit limit (ValueError) or nesting past the recursion limit (RecursionError). The spec profile
    answers 400; agno 3.1.10 catches only JSONDecodeError and answers 500 (docs/agno-compat.md)."""

    def __init__(self, detail: str, error: BaseException) -> None:
        super().__init__(detail)
        self.error_name = type(error).__name__


def parse_factory_input(text: str | None) -> dict[str, Any] | None:
    """The JSON object sent as ``factory_input``; ``None`` when omitted (an empty form value counts)."""
    if text is None or text == "":
        return None
    try:
        # Python's json reads NaN and Infinity, as agno's does (wire notes section 4).
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputRejected(f"factory_input must be valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise InputUnparseable(f"factory_input must be valid JSON: {exc}", exc) from None
    if not isinstance(value, dict):
        raise InputRejected(f"factory_input must be a JSON object, got {type(value).__name__}")
    return value


def resolve_input(
    value: dict[str, Any] | None, schema: type[BaseModel] | None
) -> BaseModel | dict[str, Any] | None:
    """``ctx.input``: the parsed object, or with a schema the validated model (omitted validates ``{}``)."""
    if schema is None:
        return value
    try:
        return schema.model_validate(value if value is not None else {})
    except ValidationError as exc:
        raise InputRejected(f"factory_input validation failed: {exc}") from None
