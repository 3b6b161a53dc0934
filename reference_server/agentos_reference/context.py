"""What a factory receives: the request context and its verified part.

Both are frozen so a factory cannot change what the next factory call (or the
router, after the call) sees. ``claims`` is deep-frozen for the same reason: every JSON
object in it is a read-only mapping and every array a tuple, so nothing a factory does to
them outlives its call (one WebSocket serves many calls with the same verified claims).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel


def _empty_claims() -> Mapping[str, Any]:
    return MappingProxyType({})


def freeze_claims(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    """A deep read-only copy of ``claims``: objects become read-only mappings, arrays tuples.

    Iterative, not recursive: claims come from a token, and a signed token may nest deeply.
    """
    root: dict[str, Any] = {}
    # Each copied container with where its frozen form goes; children come after their parents.
    made: list[tuple[dict[Any, Any] | list[Any], dict[Any, Any] | list[Any], Any]] = []
    pending: list[tuple[Any, dict[Any, Any] | list[Any]]] = [(claims, root)]
    while pending:
        source, target = pending.pop()
        items = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, value in items:
            child: dict[Any, Any] | list[Any]
            if isinstance(value, Mapping):
                child = {}
            elif isinstance(value, (list, tuple)):
                child = [None] * len(value)
            else:
                target[key] = value  # JSON scalars are immutable already
                continue
            target[key] = child
            made.append((child, target, key))
            pending.append((value, child))
    for container, parent, key in reversed(made):
        parent[key] = MappingProxyType(container) if isinstance(container, dict) else tuple(container)
    return MappingProxyType(root)


@dataclass(frozen=True)
class TrustedContext:
    """Filled only by verified middleware (the JWT middleware), never by client input.

    Use it for every authorization decision a factory makes.
    """

    claims: Mapping[str, Any] = field(default_factory=_empty_claims)
    scopes: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "claims", freeze_claims(self.claims))
        object.__setattr__(self, "scopes", frozenset(self.scopes))


@dataclass(frozen=True)
class RequestContext:
    """The single argument of every factory call.

    ``user_id``/``session_id``: verified middleware values win, the request's form
    field (or WebSocket message field) is the fallback, else None.
    ``input``: the validated ``factory_input`` (a model instance when the factory has
    an ``input_schema``, else the parsed JSON object or None).
    ``request``: the raw Starlette request (or WebSocket), an escape hatch.
    """

    user_id: str | None = None
    session_id: str | None = None
    input: BaseModel | dict[str, Any] | None = None
    trusted: TrustedContext = field(default_factory=TrustedContext)
    request: Any = None
