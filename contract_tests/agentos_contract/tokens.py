"""Bearer tokens the suite sends: minted from a key it was given, or one static token.

With a key (``--jwt-secret`` or ``--jwt-private-key``) the suite mints tokens with exactly
the identity and scopes each check needs; with ``--token`` alone it can only send that
token, and reads (without verifying) which identity and scopes it carries.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

SYMMETRIC = ("HS256", "HS384", "HS512")
ASYMMETRIC = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA")


@dataclass(frozen=True)
class ClaimNames:
    user_id: str = "sub"
    session_id: str = "session_id"
    scopes: str = "scopes"


@dataclass(frozen=True)
class TokenMinter:
    key: str
    algorithm: str
    claim_names: ClaimNames = ClaimNames()

    def __post_init__(self) -> None:
        if self.algorithm not in SYMMETRIC + ASYMMETRIC:
            raise ValueError(f"unsupported JWT algorithm {self.algorithm!r}")
        if not self.key:
            raise ValueError("an empty JWT key")

    def claims(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
        expires_in_s: int = 900,
    ) -> dict[str, Any]:
        now = int(time.time())
        payload: dict[str, Any] = {"iat": now, "exp": now + expires_in_s}
        if user_id is not None:
            payload[self.claim_names.user_id] = user_id
        if session_id is not None:
            payload[self.claim_names.session_id] = session_id
        payload[self.claim_names.scopes] = sorted(scopes)
        payload.update(extra or {})
        return payload

    def mint(self, **kwargs: Any) -> str:
        return jwt.encode(self.claims(**kwargs), self.key, algorithm=self.algorithm)

    def mint_expired(self) -> str:
        payload = self.claims(user_id="contract-expired")
        payload["iat"] = payload["exp"] = int(time.time()) - 3600
        return jwt.encode(payload, self.key, algorithm=self.algorithm)

    def mint_wrongly_signed(self) -> str:
        """A well-formed token signed with a key the deployment does not trust."""
        if self.algorithm in SYMMETRIC:
            return jwt.encode(
                self.claims(user_id="contract-forged"), secrets.token_hex(32), algorithm=self.algorithm
            )
        valid = self.mint(user_id="contract-forged")
        header, payload, signature = valid.split(".")
        flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
        return ".".join((header, payload, flipped))

    def mint_alg_none(self) -> str:
        def segment(data: Mapping[str, Any]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(self.claims(user_id='contract-none'))}."


@dataclass(frozen=True)
class StaticToken:
    token: str
    claim_names: ClaimNames = ClaimNames()

    def claims(self) -> dict[str, Any]:
        """The token's payload, read without verification (only to know what to expect)."""
        try:
            decoded = jwt.decode(self.token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise ValueError(f"--token is not a JWT: {exc}") from exc
        return dict(decoded)

    @property
    def user_id(self) -> str | None:
        value = self.claims().get(self.claim_names.user_id)
        return value if isinstance(value, str) else None

    @property
    def session_id(self) -> str | None:
        value = self.claims().get(self.claim_names.session_id)
        return value if isinstance(value, str) else None

    @property
    def scopes(self) -> frozenset[str]:
        value = self.claims().get(self.claim_names.scopes)
        return frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else frozenset()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
