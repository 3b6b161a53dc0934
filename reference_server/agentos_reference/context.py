"""What a factory receives: the request context and its verified part.

Both are frozen so a factory cannot change what the next factory call (or the
router, after the call) sees. ``claims`` is wrapped read-only for the same reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel


def _empty_claims() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class TrustedContext:
    """Filled only by verified middleware (the JWT middleware), never by client input.

    Use it for every authorization decision a factory makes.
    """

    claims: Mapping[str, Any] = field(default_factory=_empty_claims)
    scopes: frozenset[str] = field(default_factory=frozenset)


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
