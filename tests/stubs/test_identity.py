"""Identity precedence (spec: verified middleware wins over the form field), trusted claims and
scopes, and the bearer-token mode with agno's 401 bodies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import jwt
import pytest

from agentos_stubs import StubConfigurationError, StubDeployment, VerifiedIdentity

from .conftest import BASE_URL, KINDS, ctx_of, declare_standard, run_path

# (verified user, verified session, form user, form session) -> (ctx user, ctx session), wire notes 6.
PRECEDENCE = [
    pytest.param(None, None, "form-user", "form-sess", "form-user", "form-sess", id="no-verified-identity"),
    pytest.param(
        "jwt-user", "jwt-sess", "form-user", "form-sess-X", "jwt-user", "jwt-sess", id="verified-wins"
    ),
    pytest.param(
        "jwt-user", None, "form-user", "form-sess2", "jwt-user", "form-sess2", id="verified-user-only"
    ),
    pytest.param(
        None, "jwt-sess3", "form-user", "form-sess-Y", "form-user", "jwt-sess3", id="verified-session-only"
    ),
    pytest.param("jwt-user", None, None, None, "jwt-user", None, id="verified-user-no-form"),
    pytest.param(None, None, None, None, None, None, id="nobody"),
]


def _form(user: str | None, session: str | None) -> dict[str, str]:
    form = {"message": "hi", "stream": "false"}
    if user is not None:
        form["user_id"] = user
    if session is not None:
        form["session_id"] = session
    return form


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("verified_user", "verified_session", "form_user", "form_session", "ctx_user", "ctx_session"), PRECEDENCE
)
def test_run_identity_follows_the_precedence_rule(
    kind: str,
    verified_user: str | None,
    verified_session: str | None,
    form_user: str | None,
    form_session: str | None,
    ctx_user: str | None,
    ctx_session: str | None,
    deployment: StubDeployment,
    http: httpx.Client,
) -> None:
    if verified_user or verified_session:
        deployment.identity = VerifiedIdentity(user_id=verified_user, session_id=verified_session)
    response = http.post(run_path(kind, f"{kind}-plain"), data=_form(form_user, form_session))
    ctx = ctx_of(response)
    assert (ctx["user_id"], ctx["session_id"]) == (ctx_user, ctx_session)
    body = response.json()
    # The run output carries the same user (key absent when None) ...
    assert body.get("user_id") == ctx_user
    assert ("user_id" in body) == (ctx_user is not None)
    # ... and a session: the effective one, or a fresh id the factory never saw (wire notes 2.9).
    if ctx_session is not None:
        assert body["session_id"] == ctx_session
    else:
        assert uuid.UUID(body["session_id"])


def test_disagreeing_identity_is_logged_like_agno(
    deployment: StubDeployment, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    deployment.identity = VerifiedIdentity(user_id="jwt-user")
    with caplog.at_level("WARNING", logger="agentos_stubs"):
        ctx_of(http.post(run_path("agent", "agent-plain"), data=_form("form-user", None)))
    assert "User ID parameter passed in both request state and kwargs, using request state" in caplog.text


@pytest.mark.parametrize("kind", KINDS)
def test_continue_applies_the_same_precedence(
    kind: str, deployment: StubDeployment, http: httpx.Client
) -> None:
    # The run is jwt-user's own: a verified user continues its own runs only.
    deployment.identity = VerifiedIdentity(user_id="jwt-user")
    paused = http.post(run_path(kind, f"{kind}-pause"), data=_form("form-user", "sess-1")).json()
    field = {"agent": "tools", "team": "requirements", "workflow": "step_requirements"}[kind]
    decisions = paused.get(field)
    assert isinstance(decisions, list)
    confirmed: list[dict[str, Any]] = []
    for item in decisions:
        if kind == "team":
            confirmed.append({**item, "tool_execution": {**item["tool_execution"], "confirmed": True}})
        else:
            confirmed.append({**item, "confirmed": True})
    response = http.post(
        f"{run_path(kind, f'{kind}-pause')}/{paused['run_id']}/continue",
        data={
            "session_id": "sess-1",
            "user_id": "form-user",
            "stream": "false",
            field: json.dumps(confirmed),
        },
    )
    ctx = ctx_of(response)
    assert ctx["user_id"] == "jwt-user"
    assert ctx["session_id"] == "sess-1"
    assert ctx["path"].endswith("/continue")


def test_trusted_claims_default_to_the_token_a_verified_identity_implies(
    deployment: StubDeployment, http: httpx.Client
) -> None:
    deployment.identity = VerifiedIdentity(
        user_id="u-1", session_id="s-1", scopes={"agents:run", "teams:run"}
    )
    ctx = ctx_of(http.post(run_path("agent", "agent-plain"), data=_form(None, None)))
    assert ctx["claims"] == {"sub": "u-1", "session_id": "s-1", "scopes": ["agents:run", "teams:run"]}
    assert ctx["scopes"] == ["agents:run", "teams:run"]


def test_explicit_claims_are_the_whole_payload(deployment: StubDeployment, http: httpx.Client) -> None:
    claims = {"sub": "u-2", "role": "admin", "exp": 1_900_000_000, "scopes": ["workflows:run"]}
    deployment.identity = VerifiedIdentity.from_claims(claims)
    ctx = ctx_of(http.post(run_path("agent", "agent-plain"), data=_form("form-user", None)))
    assert ctx["claims"] == claims
    assert ctx["scopes"] == ["workflows:run"]
    assert ctx["user_id"] == "u-2"


def test_no_identity_means_empty_trusted_context(http: httpx.Client) -> None:
    ctx = ctx_of(http.post(run_path("team", "team-plain"), data=_form("u", None)))
    assert ctx["claims"] == {}
    assert ctx["scopes"] == []


def test_from_claims_reads_claims_as_agno_jwt_middleware_does() -> None:
    identity = VerifiedIdentity.from_claims({"sub": "a", "session_id": "b", "scopes": "agents:run"})
    assert (identity.user_id, identity.session_id, identity.scopes) == ("a", "b", frozenset({"agents:run"}))
    odd = VerifiedIdentity.from_claims({"sub": 7, "scopes": {"not": "a list"}}, user_id_claim="sub")
    assert (odd.user_id, odd.scopes) == (None, frozenset())
    assert odd.claims == {"sub": 7, "scopes": {"not": "a list"}}


@pytest.mark.parametrize(
    "arguments",
    [
        {"user_id": ""},
        {"user_id": 5},
        {"session_id": ["x"]},
        {"scopes": "agents:run"},
        {"scopes": [1]},
        {"claims": {1: "x"}},
    ],
)
def test_verified_identity_rejects_bad_values(arguments: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        VerifiedIdentity(**arguments)


# --- bearer tokens ---------------------------------------------------------------------------------


@pytest.fixture
def token_deployment() -> StubDeployment:
    tokens = {
        "tok-alice": VerifiedIdentity(user_id="alice", scopes={"agents:run"}),
        "tok-bob": VerifiedIdentity(user_id="bob"),
    }
    return declare_standard(StubDeployment(BASE_URL, tokens=tokens))


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authorization header missing"),
        ({"Authorization": "Basic abc"}, "Authorization header missing"),
        ({"Authorization": "Bearer nope"}, "Invalid token: Signature verification failed"),
    ],
)
def test_tokens_mode_answers_401_without_a_known_token(
    token_deployment: StubDeployment, headers: dict[str, str], detail: str
) -> None:
    with token_deployment.mock(), httpx.Client(base_url=BASE_URL) as client:
        response = client.post(run_path("agent", "agent-plain"), data=_form(None, None), headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": detail}
        assert "www-authenticate" not in response.headers
        assert client.get("/agents", headers=headers).status_code == 401
        assert client.get("/health").status_code == 200
    assert token_deployment.invocations == []


def test_tokens_mode_applies_each_tokens_identity(token_deployment: StubDeployment) -> None:
    with token_deployment.mock(), httpx.Client(base_url=BASE_URL) as client:
        alice = ctx_of(
            client.post(
                run_path("agent", "agent-plain"),
                data=_form("x", None),
                headers={"Authorization": "bearer tok-alice"},
            )
        )
        bob = ctx_of(
            client.post(
                run_path("agent", "agent-plain"),
                data=_form("x", None),
                headers={"Authorization": "Bearer tok-bob"},
            )
        )
    assert (alice["user_id"], alice["scopes"]) == ("alice", ["agents:run"])
    assert (bob["user_id"], bob["scopes"]) == ("bob", [])


def test_identity_and_tokens_are_exclusive() -> None:
    with pytest.raises(StubConfigurationError):
        StubDeployment(identity=VerifiedIdentity(user_id="a"), tokens={"t": VerifiedIdentity(user_id="b")})
    with pytest.raises(StubConfigurationError):
        StubDeployment(tokens={"": VerifiedIdentity(user_id="b")})


# --- verify_token ----------------------------------------------------------------------------------

SECRET = "stub-tests-hs256-secret-0123456789abcdef"


def _decode(token: str) -> dict[str, Any]:
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert isinstance(claims, dict)
    return claims


def test_verify_token_reads_identity_from_the_verified_claims() -> None:
    deployment = declare_standard(StubDeployment(BASE_URL, verify_token=_decode))
    claims = {"sub": "jwt-user", "session_id": "jwt-sess", "scopes": ["teams:run"], "role": "admin"}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    with (
        deployment.mock(),
        httpx.Client(base_url=BASE_URL, headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        ctx = ctx_of(client.post(run_path("team", "team-plain"), data=_form("form-user", "form-sess")))
    assert (ctx["user_id"], ctx["session_id"], ctx["scopes"]) == ("jwt-user", "jwt-sess", ["teams:run"])
    assert ctx["claims"] == claims


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        ("not-a-jwt", "Invalid token: Not enough segments"),
        (
            jwt.encode({"sub": "x"}, "another-secret-of-thirty-two-bytes!!", algorithm="HS256"),
            "Invalid token: Signature verification failed",
        ),
        (
            jwt.encode({"sub": "x", "exp": 1}, SECRET, algorithm="HS256"),
            "Invalid token: Signature has expired",
        ),
    ],
)
def test_verify_token_refusals_are_401(token: str, detail: str) -> None:
    deployment = declare_standard(StubDeployment(BASE_URL, verify_token=_decode))
    with httpx.Client(transport=deployment.transport(), base_url=BASE_URL) as client:
        response = client.get("/agents", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (401, {"detail": detail})


def _identity_of(deployment: StubDeployment) -> VerifiedIdentity | None:
    return deployment.identity


def test_setting_one_verification_mode_replaces_the_others() -> None:
    deployment = StubDeployment(tokens={"t": VerifiedIdentity(user_id="a")})
    deployment.identity = VerifiedIdentity(user_id="b")
    assert (deployment.tokens, deployment.verify_token) == (None, None)
    deployment.verify_token = _decode
    assert _identity_of(deployment) is None
    with pytest.raises(StubConfigurationError, match="at most one"):
        StubDeployment(identity=VerifiedIdentity(user_id="a"), verify_token=_decode)
    with pytest.raises(StubConfigurationError, match="callable"):
        StubDeployment(verify_token="secret")  # type: ignore[arg-type]  # the point of the test


def test_a_verifier_returning_no_mapping_is_a_configuration_error() -> None:
    def not_claims(token: str) -> Any:
        return ["not", "claims"]

    deployment = StubDeployment(verify_token=not_claims)
    deployment.agent_factory("a")
    with (
        httpx.Client(transport=deployment.transport(), base_url=BASE_URL) as client,
        pytest.raises(StubConfigurationError, match="mapping"),
    ):
        client.get("/agents", headers={"Authorization": "Bearer x"})
