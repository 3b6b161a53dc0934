"""Parsing client JSON (``factory_input`` and the JSON fields of a continue request).

Strict where Python's ``json`` is lenient: ``NaN``/``Infinity`` are not JSON (RFC 8259),
and neither is a number too large for a float (``1e400``, which Python reads as infinity),
lone surrogates cannot be encoded back to UTF-8, and nesting is capped so no input
reaches a RecursionError. Every client JSON goes through :func:`loads_strict`: the form's
``factory_input`` and continue fields, the ``factory_input`` query, WebSocket messages.
"""

from __future__ import annotations

import json
import math
from typing import Any

from agentos_reference.http.problems import BadRequest, InvalidFactoryInput, PayloadTooLarge
from agentos_reference.limits import Limits


class JsonInputError(ValueError):
    """A client JSON value that this server refuses; the text says why."""


def _refuse_constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON value")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        shown = literal if len(literal) <= 40 else f"{literal[:20]}...{literal[-10:]}"
        raise JsonInputError(f"the number {shown} is too large to represent (it would be infinity)")
    return value


def _check_tree(value: Any, max_depth: int) -> None:
    # Iterative on purpose: a recursive walk would itself be the stack overflow it guards against.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                raise JsonInputError(f"nesting is deeper than {max_depth} levels")
            children = list(item.items()) if isinstance(item, dict) else [(None, child) for child in item]
            for key, child in children:
                if key is not None:
                    stack.append((key, depth))
                stack.append((child, depth + 1))
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                raise JsonInputError(
                    "it contains a lone surrogate escape, which is not Unicode text"
                ) from error


def loads_strict(text: str, max_depth: int) -> Any:
    """``json.loads`` that refuses NaN/Infinity, numbers that overflow to infinity, lone surrogates
    and excessive nesting."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as error:
        raise JsonInputError(f"nesting is deeper than {max_depth} levels") from error
    except JsonInputError:
        raise
    except ValueError as error:
        raise JsonInputError(str(error)) from error
    _check_tree(value, max_depth)
    return value


def check_tree(value: Any, max_depth: int) -> None:
    """Apply the same depth and Unicode checks to an already parsed value (a WebSocket message)."""
    _check_tree(value, max_depth)


def parse_factory_input(raw: str | None, limits: Limits) -> dict[str, Any] | None:
    """The ``factory_input`` form field or query parameter as a JSON object, or None when omitted.

    An empty value counts as omitted (a form builder sends an empty part for an unset
    field). Everything else must be a JSON object: InvalidFactoryInput (400) if not,
    PayloadTooLarge (413) over the size limit.
    """
    if raw is None or raw == "":
        return None
    if len(raw.encode("utf-8", "surrogatepass")) > limits.max_factory_input_bytes:
        raise PayloadTooLarge(f"factory_input exceeds {limits.max_factory_input_bytes} bytes")
    try:
        value = loads_strict(raw, limits.max_json_depth)
    except JsonInputError as error:
        raise InvalidFactoryInput(f"factory_input must be valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise InvalidFactoryInput(f"factory_input must be a JSON object, got {type(value).__name__}")
    return value


def parse_json_field(name: str, raw: str | None, limits: Limits) -> Any:
    """A JSON form field other than factory_input (``tools``, ``requirements``, ...): 400 when not JSON."""
    if raw is None or raw == "":
        return None
    try:
        return loads_strict(raw, limits.max_json_depth)
    except JsonInputError as error:
        raise BadRequest(f"{name} must be valid JSON: {error}") from error
