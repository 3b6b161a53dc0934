"""JWT verification with PyJWT: HS256/RS256 (and their longer siblings), pinned algorithms.

The token's ``alg`` header must be one this server was configured with, and picks the
key family (HS* -> the shared secret, RS* -> the public key), so ``alg: none`` and
HS/RS key confusion are refused before any signature check. ``exp`` is required (unless
``require_exp=False``) and, like ``nbf`` and ``iat``, must be a JSON number: PyJWT alone would take
``"exp": "1999999999"`` as a number. ``aud`` and ``iss`` are checked when configured, with a clock
``leeway_seconds`` for ``exp``/``nbf``/``iat``. A signature proves who issued the claims, not that they are
usable: claims holding text that is not Unicode (a lone surrogate escape such as
``"\\ud800"``, which JSON allows and UTF-8 cannot encode) are refused too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import jwt

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
MIN_SECRET_BYTES = 32
# RFC 7519 NumericDate claims; PyJWT reads them with int(), so a numeric string would pass.
TIME_CLAIMS = ("exp", "nbf", "iat")
# Claims nested deeper are refused. Without a bound of its own the answer would depend on the
# Python: json.loads raises RecursionError near 1,000 levels up to 3.12, and reads them on 3.13.
MAX_CLAIMS_DEPTH = 64


class TokenError(Exception):
    """A bearer token was refused; ``detail`` is the 401 body's text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class JWTAuth:
    """How the server verifies bearer tokens and where it finds identity inside them."""

    secret: str | None = None
    """Shared secret for HS* tokens (at least 32 bytes)."""
    public_key: str | None = None
    """PEM public key for RS* tokens."""
    algorithms: tuple[str, ...] = ()
    """Accepted ``alg`` values; by default HS256 with a secret and RS256 with a public key."""
    user_id_claim: str = "sub"
    session_id_claim: str = "session_id"
    scopes_claim: str = "scopes"
    required: bool = False
    """Refuse requests without a token (401) instead of treating them as anonymous."""
    leeway_seconds: float = 0
    """Clock skew tolerated on ``exp``, ``nbf`` and ``iat`` (PyJWT's ``leeway``)."""
    audience: str | None = None
    """When set, a token must carry it in ``aud`` (a token without ``aud`` is refused)."""
    issuer: str | None = None
    """When set, a token's ``iss`` must equal it."""
    require_exp: bool = True
    """Refuse tokens without ``exp`` (a token that never expires cannot be revoked by time)."""

    def __post_init__(self) -> None:
        if self.secret is None and self.public_key is None:
            raise ValueError("JWTAuth needs a secret (HS256) or a public key (RS256)")
        if self.secret is not None and len(self.secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ValueError(f"JWTAuth secret must be at least {MIN_SECRET_BYTES} bytes")
        if not self.algorithms:
            derived = (("HS256",) if self.secret else ()) + (("RS256",) if self.public_key else ())
            object.__setattr__(self, "algorithms", derived)
        unknown = set(self.algorithms) - HMAC_ALGORITHMS - RSA_ALGORITHMS
        if unknown:
            raise ValueError(f"Unsupported JWT algorithm(s): {', '.join(sorted(unknown))}")
        if set(self.algorithms) & HMAC_ALGORITHMS and self.secret is None:
            raise ValueError("HS* algorithms need a secret")
        if set(self.algorithms) & RSA_ALGORITHMS and self.public_key is None:
            raise ValueError("RS* algorithms need a public key")
        for claim in (self.user_id_claim, self.session_id_claim, self.scopes_claim):
            if not claim:
                raise ValueError("JWT claim names must be non-empty")
        if not isinstance(self.leeway_seconds, (int, float)) or not 0 <= self.leeway_seconds <= 3600:
            raise ValueError(f"JWTAuth leeway_seconds must be from 0 to 3600, got {self.leeway_seconds!r}")
        for name in ("audience", "issuer"):
            if getattr(self, name) == "":
                raise ValueError(f"JWTAuth {name} must be non-empty when given")


@dataclass(frozen=True)
class VerifiedToken:
    """What a verified token says about the caller."""

    user_id: str | None
    session_id: str | None
    claims: Mapping[str, Any]
    scopes: frozenset[str]


class TokenVerifier:
    """Verifies bearer tokens against a :class:`JWTAuth`."""

    def __init__(self, auth: JWTAuth) -> None:
        self.auth = auth

    def verify(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise TokenError(f"Invalid token: {error}") from error
        algorithm = header.get("alg")
        if algorithm not in self.auth.algorithms:
            raise TokenError(f"Invalid token: algorithm {algorithm!r} is not accepted")
        key = self.auth.secret if algorithm in HMAC_ALGORITHMS else self.auth.public_key
        assert key is not None, "JWTAuth.__post_init__ pairs every accepted algorithm with its key"
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.auth.audience,
                issuer=self.auth.issuer,
                leeway=self.auth.leeway_seconds,
                options={
                    "verify_aud": self.auth.audience is not None,
                    "require": ["exp"] if self.auth.require_exp else [],
                },
            )
        except jwt.MissingRequiredClaimError as error:
            raise TokenError(f"Invalid token: the {error.claim!r} claim is required") from error
        except jwt.ExpiredSignatureError as error:
            raise TokenError("Token has expired") from error
        except jwt.ImmatureSignatureError as error:
            raise TokenError("Token is not yet valid") from error
        except jwt.InvalidTokenError as error:
            raise TokenError(f"Invalid token: {error}") from error
        if not isinstance(payload, dict):
            raise TokenError("Invalid token: the payload is not a JSON object")
        for claim in TIME_CLAIMS:
            if claim in payload and not _is_number(payload[claim]):
                raise TokenError(f"Invalid token: claim {claim!r} must be a number")
        if _nesting_depth(payload) > MAX_CLAIMS_DEPTH:
            raise TokenError(f"Invalid token: claims nested deeper than {MAX_CLAIMS_DEPTH} levels")
        if not _encodes_as_utf8(payload):
            raise TokenError("Invalid token: a claim holds a lone surrogate, which is not Unicode text")
        return VerifiedToken(
            user_id=self._text_claim(payload, self.auth.user_id_claim),
            session_id=self._text_claim(payload, self.auth.session_id_claim),
            claims=MappingProxyType(payload),
            scopes=self._scopes(payload),
        )

    @staticmethod
    def _text_claim(payload: Mapping[str, Any], name: str) -> str | None:
        value = payload.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise TokenError(f"Invalid token: claim {name!r} must be a string")
        return value

    def _scopes(self, payload: Mapping[str, Any]) -> frozenset[str]:
        value = payload.get(self.auth.scopes_claim)
        if value is None:
            return frozenset()
        if isinstance(value, str):
            return frozenset(value.split())
        if isinstance(value, list) and all(isinstance(scope, str) for scope in value):
            return frozenset(value)
        raise TokenError(
            f"Invalid token: claim {self.auth.scopes_claim!r} must be a list of strings"
            " or a space-separated string"
        )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _nesting_depth(value: Any) -> int:
    """Levels of objects and arrays in ``value`` (1 for a flat object), without recursing."""
    depth = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        depth = max(depth, level)
        pending.extend((child, level + 1) for child in children)
    return depth


def _encodes_as_utf8(payload: Mapping[str, Any]) -> bool:
    """Whether every key and string of the claims can be written as UTF-8 (stored, echoed, logged)."""
    try:
        # Serialised as JSON first: keys and nested values are covered, and the claims came from
        # JSON, so anything else in them serialises (NaN included, as json.loads read it).
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
