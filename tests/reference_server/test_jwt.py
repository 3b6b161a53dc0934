"""JWT middleware on PyJWT: HS256 and RS256, pinned algorithms, exp/nbf, claim names.

Every refusal is a 401 with ``WWW-Authenticate``.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb
from agentos_reference.auth import TokenError, TokenVerifier

from .conftest import SECRET, bearer, client_for, echo_of, forged_hs256, hs_token


def app_with(db: SqliteDb, auth: JWTAuth) -> FastAPI:
    return ReferenceOS(db=db, with_probes=True, auth=auth).get_app()


async def echo_ctx(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post(
        "/agents/probe-agent-echo/runs", data={"message": "m", "stream": "false"}, headers=headers
    )


def assert_401(response: httpx.Response, detail_start: str) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"].startswith(detail_start), response.json()
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_hs256_token_identity_reaches_the_factory(client: httpx.AsyncClient) -> None:
    response = await echo_ctx(client, bearer(hs_token(sub="alice", session_id="s-9", scopes=["a"])))
    ctx = echo_of(response.json())["ctx"]
    assert (ctx["user_id"], ctx["session_id"], ctx["scopes"]) == ("alice", "s-9", ["a"])


async def test_rs256_token_identity_reaches_the_factory(db: SqliteDb, rsa_keys: tuple[str, str]) -> None:
    private, public = rsa_keys
    token = jwt.encode({"sub": "bob", "exp": int(time.time()) + 60}, private, algorithm="RS256")
    async with client_for(app_with(db, JWTAuth(public_key=public))) as client:
        response = await echo_ctx(client, bearer(token))
    assert echo_of(response.json())["ctx"]["user_id"] == "bob"


@pytest.mark.parametrize(
    ("token", "detail_start"),
    [
        (
            hs_token("another-secret-another-secret-another-secret", sub="x"),
            "Invalid token: Signature verification",
        ),
        (hs_token(sub="x", lifetime=-60), "Token has expired"),
        (jwt.encode({"sub": "x"}, "", algorithm="none"), "Invalid token: algorithm 'none'"),
        ("not-a-token", "Invalid token"),
        ("a.b.c", "Invalid token"),
        (hs_token(sub="x")[:-4], "Invalid token"),
        (
            hs_token(sub="x", nbf=int(time.time()) + 3600),
            "Token is not yet valid",
        ),
        (jwt.encode({"sub": 5}, SECRET, algorithm="HS256"), "Invalid token"),
        (hs_token(sub="x", scopes=7), "Invalid token: claim 'scopes'"),
        (jwt.encode({"sub": "x"}, SECRET, algorithm="HS512"), "Invalid token: algorithm 'HS512'"),
    ],
)
async def test_bad_tokens_are_401_with_www_authenticate(
    client: httpx.AsyncClient, token: str, detail_start: str
) -> None:
    response = await echo_ctx(client, bearer(token))
    assert_401(response, detail_start)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_hs_rs_key_confusion_is_refused(db: SqliteDb, rsa_keys: tuple[str, str]) -> None:
    _, public = rsa_keys
    forged = forged_hs256(public.encode(), {"sub": "mallory", "exp": int(time.time()) + 60})
    async with client_for(app_with(db, JWTAuth(public_key=public))) as client:
        assert_401(await echo_ctx(client, bearer(forged)), "Invalid token: algorithm 'HS256'")
    both = JWTAuth(secret=SECRET, public_key=public)
    async with client_for(app_with(db, both)) as client:
        assert_401(await echo_ctx(client, bearer(forged)), "Invalid token: Signature verification")


async def test_no_token_is_anonymous_unless_auth_is_required(db: SqliteDb, client: httpx.AsyncClient) -> None:
    anonymous = await echo_ctx(client, {})
    assert anonymous.status_code == 200
    assert echo_of(anonymous.json())["ctx"]["user_id"] is None
    async with client_for(app_with(db, JWTAuth(secret=SECRET, required=True))) as strict:
        assert_401(await echo_ctx(strict, {}), "Authorization header missing")
        assert (await strict.get("/agents")).status_code == 401
        assert (await strict.get("/health")).status_code == 200
        assert (await echo_ctx(strict, bearer(hs_token(sub="x")))).status_code == 200


@pytest.mark.parametrize("header", ["bearer {t}", "BEARER {t}", "Bearer  {t} "])
async def test_the_bearer_scheme_is_case_insensitive(client: httpx.AsyncClient, header: str) -> None:
    response = await echo_ctx(client, {"Authorization": header.format(t=hs_token(sub="casey"))})
    assert echo_of(response.json())["ctx"]["user_id"] == "casey"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Token abc"])
async def test_other_authorization_schemes_are_401(client: httpx.AsyncClient, header: str) -> None:
    assert_401(await echo_ctx(client, {"Authorization": header}), "Authorization header must be")


async def test_claim_names_are_configurable(db: SqliteDb) -> None:
    auth = JWTAuth(secret=SECRET, user_id_claim="uid", session_id_claim="sid", scopes_claim="scope")
    token = hs_token(sub="ignored", uid="u-7", sid="s-7", scope="agents:run teams:run")
    async with client_for(app_with(db, auth)) as client:
        ctx = echo_of((await echo_ctx(client, bearer(token))).json())["ctx"]
    assert (ctx["user_id"], ctx["session_id"], ctx["scopes"]) == ("u-7", "s-7", ["agents:run", "teams:run"])


def test_the_configuration_is_checked_up_front(rsa_keys: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="secret"):
        JWTAuth()
    with pytest.raises(ValueError, match="at least 32 bytes"):
        JWTAuth(secret="short")
    with pytest.raises(ValueError, match="RS\\* algorithms need a public key"):
        JWTAuth(secret=SECRET, algorithms=("RS256",))
    with pytest.raises(ValueError, match="Unsupported"):
        JWTAuth(secret=SECRET, algorithms=("none",))
    assert JWTAuth(secret=SECRET, public_key=rsa_keys[1]).algorithms == ("HS256", "RS256")


def test_the_verifier_keeps_claims_read_only() -> None:
    verified = TokenVerifier(JWTAuth(secret=SECRET)).verify(hs_token(sub="u", role="r"))
    with pytest.raises(TypeError):
        verified.claims["role"] = "admin"  # type: ignore[index]  # the mutation under test
    with pytest.raises(TokenError):
        TokenVerifier(JWTAuth(secret=SECRET)).verify("")


def test_audience_and_issuer_are_checked_when_configured() -> None:
    verifier = TokenVerifier(JWTAuth(secret=SECRET, audience="agentos", issuer="https://idp"))
    assert verifier.verify(hs_token(sub="u", aud="agentos", iss="https://idp")).user_id == "u"
    with pytest.raises(TokenError, match="Invalid token"):
        verifier.verify(hs_token(sub="u", aud="other", iss="https://idp"))
    with pytest.raises(TokenError, match="Invalid token"):
        verifier.verify(hs_token(sub="u", aud="agentos", iss="https://evil"))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "\ud800"},
        {"sub": "u", "session_id": "\udfff"},
        {"sub": "u", "profile": {"names": ["ok", "\udc00"]}},
        {"sub": "u", "\ud83d": "a lone high surrogate as a claim name"},
    ],
)
def test_claims_that_are_not_unicode_text_are_refused(claims: dict[str, Any]) -> None:
    # PyJWT writes the lone surrogate as a JSON escape: the token is validly signed.
    token = hs_token(**claims)
    with pytest.raises(TokenError, match="lone surrogate"):
        TokenVerifier(JWTAuth(secret=SECRET)).verify(token)


def test_a_surrogate_pair_is_ordinary_text_and_passes() -> None:
    # "\ud83d\ude00" escaped in JSON is one character (U+1F600), which UTF-8 encodes.
    verified = TokenVerifier(JWTAuth(secret=SECRET)).verify(hs_token(sub="u", mood="\ud83d\ude00"))
    assert verified.claims["mood"] == "\U0001f600"


async def test_a_lone_surrogate_claim_is_a_401_that_stores_nothing(
    client: httpx.AsyncClient, db: SqliteDb
) -> None:
    before = await db.count_rows()
    for stream in ("false", "true"):
        response = await client.post(
            "/agents/probe-agent-echo/runs",
            data={"message": "m", "stream": stream},
            headers=bearer(hs_token(sub="u", name="\ud800")),
        )
        assert_401(response, "Invalid token: a claim holds a lone surrogate")
    assert await db.count_rows() == before
