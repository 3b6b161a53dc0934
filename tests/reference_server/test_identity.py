"""Identity precedence: verified middleware wins, the form is the fallback, else None.

Trust (claims, scopes) comes from the verified token alone.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from .conftest import bearer, echo_of, hs_token

KINDS = ["agent", "team", "workflow"]


async def echo_run(client: httpx.AsyncClient, kind: str, token: str | None, **form: str) -> dict[str, object]:
    headers = bearer(token) if token else {}
    response = await client.post(
        f"/{kind}s/probe-{kind}-echo/runs", data={"message": "m", "stream": "false", **form}, headers=headers
    )
    assert response.status_code == 200, response.text
    output: dict[str, object] = response.json()
    return output


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("claims", "form", "expected_user", "expected_session"),
    [
        ({}, {"user_id": "form-user", "session_id": "form-sess"}, "form-user", "form-sess"),
        (
            {"sub": "jwt-user", "session_id": "jwt-sess"},
            {"user_id": "form-user", "session_id": "form-sess"},
            "jwt-user",
            "jwt-sess",
        ),
        ({"sub": "jwt-user"}, {"user_id": "form-user", "session_id": "form-sess"}, "jwt-user", "form-sess"),
        (
            {"session_id": "jwt-sess"},
            {"user_id": "form-user", "session_id": "form-sess"},
            "form-user",
            "jwt-sess",
        ),
        ({"sub": "jwt-user"}, {}, "jwt-user", None),
        ({}, {}, None, None),
    ],
)
async def test_verified_values_win_and_the_form_is_the_fallback(
    client: httpx.AsyncClient,
    kind: str,
    claims: dict[str, Any],
    form: dict[str, str],
    expected_user: str | None,
    expected_session: str | None,
) -> None:
    token = hs_token(**claims) if claims else None
    output = await echo_run(client, kind, token, **form)
    ctx = echo_of(output)["ctx"]
    assert (ctx["user_id"], ctx["session_id"]) == (expected_user, expected_session)
    assert output.get("user_id") == expected_user
    if expected_session is not None:
        assert output["session_id"] == expected_session


async def test_a_disagreement_on_post_runs_logs_a_warning(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = hs_token(sub="jwt-user", session_id="jwt-sess")
    with caplog.at_level(logging.WARNING, logger="agentos_reference"):
        await echo_run(client, "agent", token, user_id="form-user", session_id="form-sess")
    messages = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any(message.startswith("User ID passed in both") for message in messages)
    assert any(message.startswith("Session ID passed in both") for message in messages)


async def test_agreement_logs_no_warning(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    token = hs_token(sub="same-user")
    with caplog.at_level(logging.WARNING, logger="agentos_reference"):
        await echo_run(client, "agent", token, user_id="same-user")
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_trusted_context_is_the_whole_verified_payload(client: httpx.AsyncClient) -> None:
    token = hs_token(sub="u", role="admin", scopes=["agents:run", "teams:run"], tenant={"id": 7})
    ctx = echo_of(await echo_run(client, "agent", token))["ctx"]
    assert ctx["claims"]["role"] == "admin"
    assert ctx["claims"]["tenant"] == {"id": 7}
    assert {"sub", "exp", "scopes"} <= set(ctx["claims"])
    assert ctx["scopes"] == ["agents:run", "teams:run"]


async def test_trusted_context_never_comes_from_form_query_headers_or_cookies(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/agents/probe-agent-scope/runs?scopes=agents:run&claims=%7B%7D",
        data={"message": "m", "stream": "false", "scopes": "agents:run", "claims": '{"role": "admin"}'},
        headers={
            "X-Scopes": "agents:run",
            "X-User-Id": "header-user",
            "Cookie": "access_token=" + hs_token(scopes=["agents:run"]),
        },
    )
    assert response.status_code == 403
    ctx = echo_of(await echo_run(client, "agent", None, claims='{"role":"admin"}'))["ctx"]
    assert (ctx["claims"], ctx["scopes"], ctx["user_id"]) == ({}, [], None)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_scope_in_the_verified_token_passes_the_permission_check(
    client: httpx.AsyncClient, kind: str
) -> None:
    scope = {"agent": "agents:run", "team": "teams:run", "workflow": "workflows:run"}[kind]
    response = await client.post(
        f"/{kind}s/probe-{kind}-scope/runs",
        data={"message": "m", "stream": "false"},
        headers=bearer(hs_token(sub="u", scopes=[scope])),
    )
    assert response.status_code == 200
    assert echo_of(response.json())["ctx"]["scopes"] == [scope]


async def test_ctx_request_is_the_raw_request(client: httpx.AsyncClient) -> None:
    ctx = echo_of(await echo_run(client, "team", None))["ctx"]
    assert ctx["request"] == {"method": "POST", "path": "/teams/probe-team-echo/runs"}
