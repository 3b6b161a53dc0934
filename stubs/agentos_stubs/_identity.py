"""What the fake deployment's verified middleware supplies: identity, claims and scopes.

In a real AgentOS, ``JWTMiddleware`` checks the token and sets ``request.state.user_id`` (from
``sub``), ``request.state.session_id``, ``.claims`` (the whole payload) and ``.scopes``. The stub
skips the cryptography and applies a :class:`VerifiedIdentity` as if a token had been checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["VerifiedIdentity"]


def _frozen_claims(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    """A deep read-only copy: JSON objects become read-only mappings and arrays tuples, so a reply
    cannot change the claims the next request of the same identity sees."""
    if not isinstance(claims, Mapping) or not all(isinstance(key, str) for key in claims):
        raise TypeError(f"claims must be a mapping with string keys, not {claims!r}")
    root: dict[str, Any] = {}
    # Iterative (claims may nest deeply): copy every container, then freeze children before parents.
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
                target[key] = value
                continue
            target[key] = child
            made.append((child, target, key))
            pending.append((value, child))
    for container, parent, key in reversed(made):
        parent[key] = MappingProxyType(container) if isinstance(container, dict) else tuple(container)
    return MappingProxyType(root)


def _frozen_scopes(scopes: Iterable[str]) -> frozenset[str]:
    if isinstance(scopes, str):
        raise TypeError(f"scopes must be an iterable of strings, not the string {scopes!r}")
    frozen = frozenset(scopes)
    if not all(isinstance(scope, str) for scope in frozen):
        raise TypeError(f"scopes must be strings, got {sorted(map(repr, frozen))}")
    return frozen


@dataclass(frozen=True, init=False)
class VerifiedIdentity:
    """The verified values a request carries, as verified middleware would set them.

    ``claims`` defaults to what a JWT carrying these values holds (``sub``, ``session_id``,
    ``scopes``); pass ``claims`` to give the whole payload yourself (``role``, ``exp``, ...).
    """

    user_id: str | None
    session_id: str | None
    claims: Mapping[str, Any]
    scopes: frozenset[str]

    def __init__(
        self,
        user_id: str | None = None,
        session_id: str | None = None,
        *,
        claims: Mapping[str, Any] | None = None,
        scopes: Iterable[str] = (),
    ) -> None:
        for name, value in (("user_id", user_id), ("session_id", session_id)):
            if value is not None and (not isinstance(value, str) or not value):
                raise TypeError(f"{name} must be a non-empty string or None, not {value!r}")
        frozen_scopes = _frozen_scopes(scopes)
        # A frozen dataclass sets its fields once, here.
        object.__setattr__(self, "user_id", user_id)
        object.__setattr__(self, "session_id", session_id)
        object.__setattr__(self, "scopes", frozen_scopes)
        default = self._default_claims(frozen_scopes)
        object.__setattr__(self, "claims", _frozen_claims(claims if claims is not None else default))

    def _default_claims(self, scopes: frozenset[str]) -> dict[str, Any]:
        claims: dict[str, Any] = {}
        if self.user_id is not None:
            claims["sub"] = self.user_id
        if self.session_id is not None:
            claims["session_id"] = self.session_id
        if scopes:
            claims["scopes"] = sorted(scopes)
        return claims

    @classmethod
    def from_claims(
        cls,
        claims: Mapping[str, Any],
        *,
        user_id_claim: str = "sub",
        session_id_claim: str = "session_id",
        scopes_claim: str = "scopes",
    ) -> VerifiedIdentity:
        """The identity agno's ``JWTMiddleware`` derives from a decoded token payload."""
        frozen = _frozen_claims(claims)
        user_id = frozen.get(user_id_claim)
        session_id = frozen.get(session_id_claim)
        raw_scopes = frozen.get(scopes_claim, [])
        # agno's JWTMiddleware reads a string claim as one scope and ignores any other non-list.
        if isinstance(raw_scopes, str):
            raw_scopes = [raw_scopes]
        elif not isinstance(raw_scopes, tuple):  # a JSON array, frozen into a tuple above
            raw_scopes = []
        return cls(
            user_id=user_id if isinstance(user_id, str) and user_id else None,
            session_id=session_id if isinstance(session_id, str) and session_id else None,
            claims=frozen,
            scopes=_frozen_scopes(scope for scope in raw_scopes if isinstance(scope, str)),
        )
