"""Hostile bearer tokens: every forged, broken or stale token is a 401 on every route, runs no
factory and stores nothing; a refused WebSocket token leaves the socket anonymous.

``tests/reference_server/test_jwt.py`` proves the 401 body and header for one route; this module
sweeps the routes and adds what it leaves out: tampered payloads and headers, ``alg: none`` in
every spelling, header-injected keys (``kid``, ``jwk``, ``jku``), a Hypothesis property over
single-character mutations, and validly signed tokens whose payload is hostile.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sqlite3
import string
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from agentos_reference import JWTAuth

from .conftest import (
    SECRET,
    Deployment,
    RsaKey,
    assert_json_refusal,
    b64url,
    bearer,
    claims,
    client_for,
    deployment,
    echo_ctx,
    hs_token,
    ledger,
    segments,
    trace_header,
    with_payload,
    ws_client,
)

FORM = {"message": "m", "stream": "false"}
# Every kind of route that reads the token: runs, continue, cancel, reads, discovery.
ROUTES: list[tuple[str, str, dict[str, str] | None]] = [
    ("POST", "/agents/probe-agent-echo/runs", FORM),
    ("POST", "/teams/probe-team-echo/runs", FORM),
    ("POST", "/workflows/probe-workflow-echo/runs", {**FORM, "factory_input": "{}"}),
    ("POST", "/agents/probe-agent-pause/runs/no-such-run/continue", {"stream": "false"}),
    ("POST", "/workflows/probe-workflow-echo/runs/no-such-run/continue", {"stream": "false"}),
    ("POST", "/teams/probe-team-echo/runs/no-such-run/cancel", None),
    ("GET", "/workflows/probe-workflow-echo/runs?factory_input=%7B%7D", None),
    ("GET", "/agents/probe-agent-echo/runs/no-such-run", None),
    ("GET", "/agents", None),
    ("GET", "/workflows/probe-workflow-echo", None),
]


def hand_signed(header: dict[str, Any], payload: dict[str, Any], key: bytes) -> str:
    """An HS256-style token signed by hand, so the header can say anything (PyJWT would refuse)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def unsigned(alg: str, payload: dict[str, Any]) -> str:
    return (
        f"{b64url(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())}.{b64url(json.dumps(payload).encode())}."
    )


def elevated() -> dict[str, Any]:
    """What a forger wants: an admin identity with every scope."""
    return claims(sub="admin", role="admin", scopes=["agents:run", "teams:run", "workflows:run"])


def jwk_of(key: RsaKey) -> dict[str, Any]:
    public = serialization.load_pem_public_key(key.public_pem.encode())
    assert isinstance(public, rsa.RSAPublicKey)
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    return jwk


def hs_forgeries() -> dict[str, str]:
    """Tokens an HS256 server (secret SECRET) must refuse."""
    valid = hs_token(sub="user", scopes=[])
    header, payload, signature = segments(valid)
    forged = {
        "wrong secret": hs_token("another-secret-" + "x" * 40, sub="admin"),
        "tampered payload, signature kept": with_payload(valid, elevated()),
        "tampered header (alg HS512), signature kept": (
            f"{b64url(json.dumps({'alg': 'HS512', 'typ': 'JWT'}).encode())}.{payload}.{signature}"
        ),
        "signature stripped": f"{header}.{payload}.",
        "signature of another token": f"{header}.{payload}.{segments(hs_token(sub='other'))[2]}",
        "expired": hs_token(sub="user", lifetime=-1),
        "not yet valid": jwt.encode({**claims(sub="user"), "nbf": int(time.time()) + 3600}, SECRET),
        "issued in the future": jwt.encode({**claims(sub="user"), "iat": int(time.time()) + 3600}, SECRET),
        "exp not a number": jwt.encode({"sub": "user", "exp": "tomorrow"}, SECRET),
        "kid path injection, empty key": hand_signed(
            {"alg": "HS256", "kid": "../../../../../../dev/null"}, elevated(), b""
        ),
        "unknown critical header": hand_signed(
            {"alg": "HS256", "crit": ["exp"]}, elevated(), SECRET.encode()
        ),
        "garbage": "not-a-token",
        "three garbage segments": "!!!.###.$$$",
        "two segments": f"{header}.{payload}",
        "four segments": f"{valid}.{signature}",
        "five segments (JWE shape)": "eyJhbGciOiJSU0EifQ.a.b.c.d",
        "empty segments": "..",
        "header not JSON": f"{b64url(b'not json')}.{payload}.{signature}",
        "header a JSON list": f"{b64url(b'[]')}.{payload}.{signature}",
        "latin-1 noise": "é.ü.ß",
        "64 KiB of token": "a" * 65536,
    }
    for alg in ("none", "None", "NONE", "nOnE"):
        forged[f"alg {alg!r}, no signature"] = unsigned(alg, elevated())
    forged["alg 'none' with a valid HS256 signature attached"] = (
        f"{b64url(json.dumps({'alg': 'none'}).encode())}.{payload}.{signature}"
    )
    return forged


async def assert_refused_everywhere(served: Deployment, token: str) -> None:
    """401 JSON on every route, no factory invoked, no row stored."""
    trace, headers = trace_header()
    before = await served.rows()
    async with client_for(served.app) as client:
        for method, path, form in ROUTES:
            # Raw bytes: a hostile token need not be ASCII.
            raw_headers = [(name.encode(), value.encode()) for name, value in headers.items()]
            raw_headers.append((b"Authorization", f"Bearer {token}".encode()))
            response = await client.request(method, path, data=form, headers=raw_headers)
            assert_json_refusal(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer"), (method, path)
        assert await served.rows() == before
        assert await ledger(client, trace) == []


def assert_ws_refused(served: Deployment, token: str, *, strict: bool) -> None:
    """The handshake with the token is refused; an ``authenticate`` with it elevates nothing."""
    with ws_client(served.app) as client:
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/workflows/ws", headers=bearer(token)) as ws,
        ):
            ws.receive_text()
        assert refused.value.code == 1008
        with client.websocket_connect("/workflows/ws") as ws:
            ws.receive_text()
            ws.send_text(json.dumps({"action": "authenticate", "token": token}))
            assert json.loads(ws.receive_text())["event"] == "auth_error"
            ws.send_text(
                json.dumps(
                    {"action": "start-workflow", "workflow_id": "probe-workflow-scope", "message": "m"}
                )
            )
            answer = json.loads(ws.receive_text())
            if strict:
                assert answer["event"] == "auth_required"
            else:
                # Still anonymous: the scope probe refuses, so no claim of the token leaked in.
                assert (answer["event"], answer["status"]) == ("error", 403)


HS_FORGERIES = hs_forgeries()


@pytest.mark.parametrize("name", sorted(HS_FORGERIES))
async def test_a_forged_or_broken_token_is_401_on_every_route(hs_server: Deployment, name: str) -> None:
    await assert_refused_everywhere(hs_server, HS_FORGERIES[name])


@pytest.mark.parametrize(
    "name", ["tampered payload, signature kept", "alg 'none', no signature", "expired", "garbage"]
)
def test_a_forged_token_opens_no_websocket_and_authenticates_nothing(
    hs_server: Deployment, strict_server: Deployment, name: str
) -> None:
    assert_ws_refused(hs_server, HS_FORGERIES[name], strict=False)
    assert_ws_refused(strict_server, HS_FORGERIES[name], strict=True)


def rs_forgeries(trusted: RsaKey, attacker: RsaKey) -> dict[str, str]:
    """Tokens an RS256 server (``trusted`` public key) must refuse."""
    public_as_secret = trusted.public_pem.encode()
    return {
        "HS256 signed with the RS256 public key (key confusion)": hand_signed(
            {"alg": "HS256", "typ": "JWT"}, elevated(), public_as_secret
        ),
        "HS256 signed with the public key's DER bytes": hand_signed(
            {"alg": "HS256"},
            elevated(),
            serialization.load_pem_public_key(public_as_secret).public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        ),
        "RS256 signed by an untrusted key": jwt.encode(elevated(), attacker.private_pem, algorithm="RS256"),
        "RS256 with the attacker's key embedded as jwk": jwt.encode(
            elevated(), attacker.private_pem, algorithm="RS256", headers={"jwk": jwk_of(attacker)}
        ),
        "RS256 with a jku pointing elsewhere": jwt.encode(
            elevated(),
            attacker.private_pem,
            algorithm="RS256",
            headers={"jku": "http://127.0.0.1:9/keys.json", "kid": "attacker"},
        ),
        "PS256 (an algorithm not configured)": jwt.encode(elevated(), trusted.private_pem, algorithm="PS256"),
        "RS256, tampered payload": with_payload(
            jwt.encode(claims(sub="user"), trusted.private_pem, algorithm="RS256"), elevated()
        ),
        "alg 'none'": unsigned("none", elevated()),
    }


async def test_rs256_forgeries_are_401_on_every_route(
    rs_server: Deployment, both_server: Deployment, rsa_key: RsaKey, other_rsa_key: RsaKey
) -> None:
    for token in rs_forgeries(rsa_key, other_rsa_key).values():
        await assert_refused_everywhere(rs_server, token)
        # With both families configured the HS secret is SECRET, never the public key.
        await assert_refused_everywhere(both_server, token)


async def test_an_hs256_token_is_401_on_an_rs256_only_server(rs_server: Deployment) -> None:
    await assert_refused_everywhere(rs_server, hs_token(sub="user"))


async def test_the_genuine_tokens_pass_so_the_refusals_above_mean_something(
    hs_server: Deployment, rs_server: Deployment, rsa_key: RsaKey
) -> None:
    rs_token = jwt.encode(
        claims(sub="rs-user", scopes=["agents:run"]), rsa_key.private_pem, algorithm="RS256"
    )
    for served, token, user in (
        (hs_server, hs_token(sub="hs-user"), "hs-user"),
        (rs_server, rs_token, "rs-user"),
    ):
        async with client_for(served.app) as client:
            response = await client.post("/agents/probe-agent-echo/runs", data=FORM, headers=bearer(token))
        assert response.status_code == 200, response.text
        assert echo_ctx(response.json())["user_id"] == user


# -- single-character mutations (Hypothesis) ---------------------------------------------------------

ORIGINAL = {"sub": "mutant", "scopes": ["agents:run"], "role": "viewer", "exp": 4102444800}


@pytest.fixture(scope="module")
def mutation_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    served = deployment(tmp_path_factory.mktemp("mutations"), JWTAuth(secret=SECRET))
    yield served
    served.db.close()


def post_with(served: Deployment, token: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with client_for(served.app) as client:
            return await client.post("/agents/probe-agent-echo/runs", data=FORM, headers=bearer(token))

    return asyncio.run(go())


TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_.=+/ "


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_token_mutated_anywhere_is_refused_or_means_exactly_what_was_signed(
    mutation_server: Deployment, data: st.DataObject
) -> None:
    token = jwt.encode(ORIGINAL, SECRET, algorithm="HS256")
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(st.sampled_from(TOKEN_ALPHABET).filter(lambda c: c != token[position]))
    mutated = token[:position] + replacement + token[position + 1 :]
    response = post_with(mutation_server, mutated)
    if response.status_code == 401:
        assert response.json()["detail"]
        return
    # base64url's spare bits: a last character may change without changing the decoded bytes.
    assert response.status_code == 200, response.text
    ctx = echo_ctx(response.json())
    assert ctx["claims"] == ORIGINAL
    assert (ctx["user_id"], ctx["scopes"]) == ("mutant", ["agents:run"])


# -- validly signed, hostile payloads ----------------------------------------------------------------


def signed_raw(payload_json: bytes) -> str:
    """An HS256 token over exactly these payload bytes (the issuer's key: the signature is valid)."""
    signing_input = f"{b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64url(payload_json)}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def unfinished_runs(db_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT run_id, status FROM runs WHERE status = 'RUNNING'").fetchall()
    return [(str(run_id), str(status)) for run_id, status in rows]


SIGNED_REFUSED = {
    "sub is a list": b'{"sub": ["a", "b"]}',
    "session_id is an object": b'{"sub": "u", "session_id": {"a": 1}}',
    "scopes is an object": b'{"sub": "u", "scopes": {"agents:run": true}}',
    "exp beyond any integer": b'{"sub": "u", "exp": 1e400}',
    "payload is a list": b"[1, 2]",
    "payload is not UTF-8": b'{"sub": "\xff"}',
    "payload nested 5000 deep": b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    # One past MAX_CLAIMS_DEPTH, the same answer on every Python (3.13's json reads 5000 levels).
    "payload nested 65 deep": b'{"x": ' + b"[" * 64 + b"]" * 64 + b"}",
}


@pytest.mark.parametrize("name", sorted(SIGNED_REFUSED))
async def test_a_signed_token_with_an_unusable_payload_is_401(hs_server: Deployment, name: str) -> None:
    await assert_refused_everywhere(hs_server, signed_raw(SIGNED_REFUSED[name]))


@pytest.mark.parametrize(
    "payload",
    [b'{"sub": "\\ud800"}', b'{"sub": "u", "session_id": "\\udfff"}', b'{"sub": "u", "name": "\\ud800"}'],
)
@pytest.mark.parametrize("stream", ["false", "true"])
async def test_a_signed_token_with_a_lone_surrogate_is_refused_and_leaves_nothing_running(
    hs_server: Deployment, payload: bytes, stream: str
) -> None:
    before = await hs_server.rows()
    async with client_for(hs_server.app) as client:
        response = await client.post(
            "/agents/probe-agent-echo/runs",
            data={"message": "m", "stream": stream},
            headers=bearer(signed_raw(payload)),
        )
    assert response.status_code == 401, response.text[:300]
    assert await hs_server.rows() == before
    assert unfinished_runs(hs_server.db.path) == []


ACCEPTED_ODDITIES: dict[str, tuple[bytes, Callable[[dict[str, Any]], Any]]] = {
    # Python's json reads these; they are signed by the issuer, so the server takes them as given.
    "duplicate sub (the last one wins, as json.loads reads it)": (
        b'{"sub": "first", "sub": "last"}',
        lambda ctx: ctx["user_id"] == "last",
    ),
    "a NaN claim": (b'{"sub": "u", "weight": NaN}', lambda ctx: ctx["user_id"] == "u"),
    "claims nested 64 deep (the bound)": (
        b'{"sub": "u", "x": ' + b"[" * 63 + b"]" * 63 + b"}",
        lambda ctx: ctx["user_id"] == "u",
    ),
    "scopes as a space-separated string": (
        b'{"sub": "u", "scopes": "agents:run teams:run"}',
        lambda ctx: ctx["scopes"] == ["agents:run", "teams:run"],
    ),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED_ODDITIES))
async def test_signed_oddities_are_read_consistently_and_finish_their_runs(
    hs_server: Deployment, name: str
) -> None:
    payload, expectation = ACCEPTED_ODDITIES[name]
    # Every oddity carries an exp: a token without one is refused on its own (test_jwt_policy.py).
    payload = b'{"exp": 4102444800, ' + payload.removeprefix(b"{")
    async with client_for(hs_server.app) as client:
        response = await client.post(
            "/agents/probe-agent-echo/runs", data=FORM, headers=bearer(signed_raw(payload))
        )
    assert response.status_code == 200, response.text
    assert expectation(echo_ctx(response.json()))
    assert unfinished_runs(hs_server.db.path) == []
