"""How the fake deployment's verified middleware identifies a request (at most one way):

* ``identity``: every request carries this verified identity (no token needed);
* ``tokens``: a bearer token must be one of these, each naming its identity;
* ``verify_token``: a bearer token must pass this callable, which returns the token's claims
  (e.g. ``jwt.decode`` with your key); the identity is read from the claims as agno's
  ``JWTMiddleware`` reads them (``sub``, ``session_id``, ``scopes``).

Without any of them the deployment verifies nothing: ``ctx.trusted`` is empty. A request that
needs a token and has none, or a bad one, gets agno's 401 bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ._errors import StubConfigurationError
from ._http import HTTPError
from ._identity import VerifiedIdentity

__all__ = ["Authenticator", "TokenVerifier"]

#: Returns the verified claims of a bearer token, or raises (any exception) to refuse it.
TokenVerifier = Callable[[str], Mapping[str, Any]]


class Authenticator:
    """The verification mode of one deployment."""

    def __init__(self) -> None:
        self.identity: VerifiedIdentity | None = None
        self.tokens: Mapping[str, VerifiedIdentity] | None = None
        self.verify_token: TokenVerifier | None = None

    def configure(
        self,
        *,
        identity: VerifiedIdentity | None,
        tokens: Mapping[str, VerifiedIdentity] | None,
        verify_token: TokenVerifier | None,
    ) -> None:
        given = [
            name
            for name, value in (("identity", identity), ("tokens", tokens), ("verify_token", verify_token))
            if value is not None
        ]
        if len(given) > 1:
            raise StubConfigurationError(
                f"give at most one of identity, tokens and verify_token, not {' and '.join(given)}"
            )
        if identity is not None and not isinstance(identity, VerifiedIdentity):
            raise StubConfigurationError(f"identity must be a VerifiedIdentity or None, not {identity!r}")
        if tokens is not None and (
            not isinstance(tokens, Mapping)
            or not all(
                isinstance(token, str) and token and isinstance(who, VerifiedIdentity)
                for token, who in tokens.items()
            )
        ):
            raise StubConfigurationError("tokens must map non-empty token strings to VerifiedIdentity")
        if verify_token is not None and not callable(verify_token):
            raise StubConfigurationError(f"verify_token must be callable, not {verify_token!r}")
        self.identity = identity
        self.tokens = dict(tokens) if tokens is not None else None
        self.verify_token = verify_token

    def __call__(self, headers: httpx.Headers) -> VerifiedIdentity | None:
        if self.tokens is None and self.verify_token is None:
            return self.identity
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HTTPError(401, "Authorization header missing")
        if self.tokens is not None:
            known = self.tokens.get(token)
            if known is None:
                raise HTTPError(401, "Invalid token: Signature verification failed")
            return known
        assert self.verify_token is not None
        try:
            claims = self.verify_token(token)
        except Exception as exc:  # the verifier's refusal, whatever it raises, is a 401
            raise HTTPError(401, f"Invalid token: {exc}") from exc
        if not isinstance(claims, Mapping):
            raise StubConfigurationError(
                f"verify_token must return the token's claims as a mapping, not {claims!r}"
            )
        return VerifiedIdentity.from_claims(claims)
