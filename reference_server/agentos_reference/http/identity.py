"""Who is calling: verified values from middleware win, request fields are the fallback, else None."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel
from starlette.requests import HTTPConnection

from agentos_reference.context import RequestContext, TrustedContext

logger = logging.getLogger("agentos_reference.identity")


@dataclass(frozen=True)
class Verified:
    """What verified middleware put on the connection's state (all empty for an anonymous caller)."""

    user_id: str | None = None
    session_id: str | None = None
    claims: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    scopes: frozenset[str] = frozenset()

    @property
    def owner(self) -> str | None:
        """Who the caller's runs and sessions belong to: the verified user, or None (anonymous).

        Never a form or frame value: those reach ``ctx.user_id`` only (clause C19), not ownership.
        """
        return self.user_id

    @property
    def trusted(self) -> TrustedContext:
        return TrustedContext(claims=self.claims, scopes=self.scopes)


def verified_from(connection: HTTPConnection) -> Verified:
    """Read ``state.user_id/session_id/claims/scopes``, as set by verified middleware (JWTMiddleware)."""
    state = connection.state
    user_id = getattr(state, "user_id", None)
    session_id = getattr(state, "session_id", None)
    claims = getattr(state, "claims", None)
    scopes = getattr(state, "scopes", None)
    return Verified(
        user_id=user_id if isinstance(user_id, str) and user_id else None,
        session_id=session_id if isinstance(session_id, str) and session_id else None,
        claims=claims if isinstance(claims, Mapping) else MappingProxyType({}),
        scopes=frozenset(s for s in scopes if isinstance(s, str))
        if isinstance(scopes, (set, frozenset, list, tuple))
        else frozenset(),
    )


def pick(verified: str | None, given: str | None, label: str, *, warn: bool) -> str | None:
    """The verified value if there is one (logging a warning when ``warn`` and the request disagrees)."""
    if verified is not None:
        if warn and given and given != verified:
            logger.warning(
                "%s passed in both the verified request state and the request; using the verified one", label
            )
        return verified
    return given or None


def request_context(
    connection: HTTPConnection | None,
    verified: Verified,
    *,
    user_id: str | None,
    session_id: str | None,
    input: BaseModel | dict[str, Any] | None,
) -> RequestContext:
    """The RequestContext for a factory call; ``trusted`` comes from the verified state alone."""
    return RequestContext(
        user_id=user_id, session_id=session_id, input=input, trusted=verified.trusted, request=connection
    )
