"""Verified identity: JWT verification (PyJWT) and the middleware that puts it on request state."""

from agentos_reference.auth.jwt import JWTAuth, TokenError, TokenVerifier, VerifiedToken
from agentos_reference.auth.middleware import JWTMiddleware

__all__ = ["JWTAuth", "JWTMiddleware", "TokenError", "TokenVerifier", "VerifiedToken"]
