"""ASGI middleware that verifies the bearer token and records the verified identity.

When configured, it is the only writer of ``request.state.user_id``, ``session_id``,
``claims`` and ``scopes``; factories get ``ctx.trusted`` from there alone. Every
request starts anonymous (those fields cleared), so nothing upstream can smuggle
identity in. Without a verifier it steps aside, so an application may put its own
verified middleware in front instead.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from agentos_reference.auth.jwt import TokenError, TokenVerifier, VerifiedToken

# Reachable without a token even when the server requires one.
PUBLIC_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def anonymous_state() -> dict[str, Any]:
    return {"user_id": None, "session_id": None, "claims": MappingProxyType({}), "scopes": frozenset()}


def verified_state(token: VerifiedToken) -> dict[str, Any]:
    return {
        "user_id": token.user_id,
        "session_id": token.session_id,
        "claims": token.claims,
        "scopes": token.scopes,
    }


def userless_token_problem(verifier: TokenVerifier, token: VerifiedToken) -> str | None:
    """Why a verified token is refused anyway, or None: with ``required`` auth every caller is a
    user, so a token whose user-id claim is missing or empty is refused like a bad one (a server
    that does not require auth serves it as a caller without a verified user, anonymous)."""
    if verifier.auth.required and token.user_id is None:
        return f"Token has no user identity: claim {verifier.auth.user_id_claim!r} is missing or empty"
    return None


def bearer_token(authorization: str) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("Authorization header must be 'Bearer <token>'")
    return token.strip()


class JWTMiddleware:
    """Verify ``Authorization: Bearer`` on HTTP requests and WebSocket handshakes."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier | None) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self.verifier is None:
            # No verification configured: identity is left to whatever verified middleware the app adds.
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.update(anonymous_state(), ws_authenticated=False)
        authorization = Headers(scope=scope).get("authorization")
        if authorization is None:
            if scope["type"] == "http" and self.verifier.auth.required and scope["path"] not in PUBLIC_PATHS:
                await self._refuse(scope, receive, send, "Authorization header missing", invalid_token=False)
                return
            await self.app(scope, receive, send)
            return
        try:
            token = self.verifier.verify(bearer_token(authorization))
            problem = userless_token_problem(self.verifier, token)
            if problem is not None:
                raise TokenError(problem)
        except TokenError as error:
            if scope["type"] == "websocket":
                # Refusing the handshake: the client sees HTTP 403 and no socket.
                await send({"type": "websocket.close", "code": 1008, "reason": error.detail[:120]})
                return
            await self._refuse(scope, receive, send, error.detail, invalid_token=True)
            return
        state.update(verified_state(token), ws_authenticated=True)
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, detail: str, *, invalid_token: bool
    ) -> None:
        challenge = 'Bearer error="invalid_token"' if invalid_token else 'Bearer realm="agentos"'
        response = JSONResponse({"detail": detail}, status_code=401, headers={"WWW-Authenticate": challenge})
        await response(scope, receive, send)
