"""The token policy: ``exp`` required and a number, audience, issuer and clock leeway, from the
library (``JWTAuth``) and from ``agentos-reference serve``'s flags.

A token that never expires, carries its times as text, was minted for another service with the
same secret, or comes from another issuer is a 401 on every route, runs no factory and stores
nothing; an issuer whose clock runs a little ahead is accepted within the configured leeway.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from agentos_reference import JWTAuth
from agentos_reference.auth.jwt import TokenError, TokenVerifier
from agentos_reference.cli import auth_from, parser

from .conftest import (
    SECRET,
    Deployment,
    assert_json_refusal,
    bearer,
    client_for,
    deployment,
    echo_ctx,
    ledger,
    trace_header,
)

FORM = {"message": "m", "stream": "false"}
ROUTES: list[tuple[str, str, dict[str, str] | None]] = [
    ("POST", "/agents/probe-agent-echo/runs", FORM),
    ("POST", "/workflows/probe-workflow-echo/runs", {**FORM, "factory_input": "{}"}),
    ("POST", "/agents/probe-agent-pause/runs/no-such-run/cancel", None),
    ("GET", "/agents/probe-agent-echo/runs", None),
    ("GET", "/agents", None),
]


def signed(**payload: Any) -> str:
    return jwt.encode(payload, SECRET, algorithm="HS256")


def later(seconds: int = 600) -> int:
    return int(time.time()) + seconds


async def assert_refused_everywhere(served: Deployment, token: str, detail: str) -> None:
    trace, headers = trace_header()
    before = await served.rows()
    async with client_for(served.app) as client:
        for method, path, form in ROUTES:
            response = await client.request(method, path, data=form, headers={**headers, **bearer(token)})
            assert_json_refusal(response, 401)
            assert detail in response.json()["detail"], (path, response.json())
        assert await served.rows() == before
        # The ledger is read with a token this server accepts (it may require one).
        client.headers.update(
            bearer(signed(sub="ledger", exp=later(), aud="agentos", iss="https://idp.example"))
        )
        assert await ledger(client, trace) == []


async def assert_accepted(served: Deployment, token: str) -> dict[str, Any]:
    async with client_for(served.app) as client:
        response = await client.post("/agents/probe-agent-echo/runs", data=FORM, headers=bearer(token))
    assert response.status_code == 200, response.text
    return echo_ctx(response.json())


# -- exp -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("required", [False, True], ids=["optional-auth", "require-auth"])
async def test_a_token_without_exp_is_401_everywhere(tmp_path: Path, required: bool) -> None:
    served = deployment(tmp_path, JWTAuth(secret=SECRET, required=required))
    try:
        await assert_refused_everywhere(served, signed(sub="forever", scopes=["agents:run"]), "'exp'")
    finally:
        served.db.close()


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", str(later())),  # PyJWT reads it with int(): a number in a string
        ("exp", f"{later()}.5"),
        ("exp", [later()]),
        ("exp", True),
        ("nbf", "0"),
        ("iat", str(int(time.time()))),
    ],
    # Ids without the time in them: the same on every collection (pytest-xdist compares them).
    ids=["exp-numeric-string", "exp-decimal-string", "exp-list", "exp-true", "nbf-string", "iat-string"],
)
async def test_time_claims_that_are_not_json_numbers_are_401(tmp_path: Path, claim: str, value: Any) -> None:
    served = deployment(tmp_path, JWTAuth(secret=SECRET))
    try:
        payload = {"sub": "u", "exp": later(), claim: value}
        token = signed(**payload)
        async with client_for(served.app) as client:
            response = await client.post("/agents/probe-agent-echo/runs", data=FORM, headers=bearer(token))
        assert_json_refusal(response, 401)
        assert await served.rows() == {"sessions": 0, "runs": 0, "cancellations": 0}
    finally:
        served.db.close()


async def test_numeric_time_claims_pass(tmp_path: Path) -> None:
    served = deployment(tmp_path, JWTAuth(secret=SECRET))
    try:
        now = time.time()
        ctx = await assert_accepted(served, signed(sub="u", exp=now + 600.25, nbf=int(now) - 5, iat=now - 1))
        assert ctx["user_id"] == "u"
    finally:
        served.db.close()


async def test_allow_no_exp_accepts_a_token_without_one_but_no_expired_one(tmp_path: Path) -> None:
    served = deployment(tmp_path, JWTAuth(secret=SECRET, require_exp=False))
    try:
        assert (await assert_accepted(served, signed(sub="forever")))["user_id"] == "forever"
        await assert_refused_everywhere(served, signed(sub="u", exp=int(time.time()) - 60), "expired")
        await assert_refused_everywhere(served, signed(sub="u", exp=str(later())), "must be a number")
    finally:
        served.db.close()


# -- audience, issuer, leeway --------------------------------------------------------------------------


async def test_a_token_for_another_audience_or_none_is_401(tmp_path: Path) -> None:
    served = deployment(tmp_path, JWTAuth(secret=SECRET, audience="agentos"))
    try:
        for token in (
            signed(sub="u", exp=later(), aud="billing-service"),
            signed(sub="u", exp=later()),  # minted for "anyone": no aud at all
            signed(sub="u", exp=later(), aud=["billing-service", "reports"]),
        ):
            await assert_refused_everywhere(served, token, "Invalid token")
        assert (await assert_accepted(served, signed(sub="u", exp=later(), aud="agentos")))["user_id"] == "u"
        accepted = await assert_accepted(served, signed(sub="v", exp=later(), aud=["reports", "agentos"]))
        assert accepted["user_id"] == "v"
    finally:
        served.db.close()


async def test_a_token_from_another_issuer_or_none_is_401(tmp_path: Path) -> None:
    served = deployment(tmp_path, JWTAuth(secret=SECRET, issuer="https://idp.example"))
    try:
        evil = signed(sub="u", exp=later(), iss="https://evil")
        await assert_refused_everywhere(served, evil, "Invalid token")
        await assert_refused_everywhere(served, signed(sub="u", exp=later()), "'iss'")
        ok = await assert_accepted(served, signed(sub="u", exp=later(), iss="https://idp.example"))
        assert ok["user_id"] == "u"
    finally:
        served.db.close()


def test_leeway_accepts_an_issuer_clock_a_little_ahead_and_no_further() -> None:
    ahead = int(time.time()) + 3  # the issuer's clock runs 3 s ahead: iat and nbf are in our future
    token = signed(sub="u", exp=ahead + 600, iat=ahead, nbf=ahead)
    with pytest.raises(TokenError):
        TokenVerifier(JWTAuth(secret=SECRET)).verify(token)
    assert TokenVerifier(JWTAuth(secret=SECRET, leeway_seconds=10)).verify(token).user_id == "u"
    far = int(time.time()) + 60
    with pytest.raises(TokenError):
        TokenVerifier(JWTAuth(secret=SECRET, leeway_seconds=10)).verify(
            signed(sub="u", exp=far + 600, iat=far, nbf=far)
        )
    # Leeway also keeps a just-expired token alive for that long, and no longer.
    just_expired = signed(sub="u", exp=int(time.time()) - 2)
    assert TokenVerifier(JWTAuth(secret=SECRET, leeway_seconds=10)).verify(just_expired).user_id == "u"
    with pytest.raises(TokenError, match="expired"):
        TokenVerifier(JWTAuth(secret=SECRET)).verify(just_expired)


@pytest.mark.parametrize(
    "bad",
    [{"leeway_seconds": -1}, {"leeway_seconds": 86400}, {"audience": ""}, {"issuer": ""}],
)
def test_the_policy_is_checked_up_front(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"leeway|non-empty"):
        JWTAuth(secret=SECRET, **bad)


# -- the CLI -------------------------------------------------------------------------------------------


def test_serve_flags_build_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTOS_REFERENCE_JWT_SECRET", SECRET)
    strict = auth_from(parser().parse_args(["serve"]))
    assert strict is not None
    assert (strict.require_exp, strict.audience, strict.issuer) == (True, None, None)
    assert strict.leeway_seconds == 0
    args = parser().parse_args(
        [
            "serve",
            "--jwt-audience",
            "agentos",
            "--jwt-issuer",
            "https://idp.example",
            "--jwt-leeway",
            "2.5",
            "--jwt-allow-no-exp",
        ]
    )
    auth = auth_from(args)
    assert auth is not None
    assert (auth.audience, auth.issuer, auth.leeway_seconds, auth.require_exp) == (
        "agentos",
        "https://idp.example",
        2.5,
        False,
    )


@pytest.mark.parametrize(
    "flags", [["--jwt-audience", "a"], ["--jwt-issuer", "i"], ["--jwt-leeway", "5"], ["--jwt-allow-no-exp"]]
)
def test_policy_flags_without_a_key_are_refused(flags: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTOS_REFERENCE_JWT_SECRET", raising=False)
    with pytest.raises(ValueError, match="need --jwt-secret or --jwt-public-key"):
        auth_from(parser().parse_args(["serve", *flags]))


def test_a_leeway_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTOS_REFERENCE_JWT_SECRET", SECRET)
    with pytest.raises(ValueError, match="leeway"):
        auth_from(parser().parse_args(["serve", "--jwt-leeway", "-3"]))
