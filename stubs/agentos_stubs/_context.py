"""The typed ``RequestContext`` a stub reply receives, shaped like agno's.

``user_id`` and ``session_id`` follow the identity-precedence rule (verified middleware first,
then the form field), ``input`` is the parsed or validated ``factory_input``, ``trusted`` holds
only what the verified identity supplied, and ``request`` is what the application sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

__all__ = ["InputT", "StubContext", "StubRequest", "TrustedContext"]

InputT = TypeVar("InputT")


@dataclass(frozen=True)
class TrustedContext:
    """``ctx.trusted``: claims and scopes set by verified middleware, never by client input."""

    claims: Mapping[str, Any]
    scopes: frozenset[str]


@dataclass(frozen=True)
class StubRequest:
    """``ctx.request``: the HTTP request as the application sent it."""

    method: str
    path: str
    url: str
    headers: httpx.Headers
    query: Mapping[str, str]
    form: Mapping[str, str]


@dataclass(frozen=True)
class StubContext(Generic[InputT]):
    """What a stub factory's reply is computed from (agno's ``RequestContext``)."""

    user_id: str | None
    session_id: str | None
    input: InputT
    trusted: TrustedContext
    request: StubRequest
