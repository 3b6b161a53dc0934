"""Trust comes from the verified token alone: claims, scopes or identity smuggled in form fields,
the query, headers, cookies or WebSocket frames never reach ``ctx.trusted`` (nor ``ctx.user_id``,
except the form's ``user_id``/``session_id`` fallback the spec grants when no token names one).

The oracle is the scope probe (``probe-K-scope`` raises 403 unless its scope is in
``ctx.trusted.scopes``) on every route that invokes a factory, with a genuine token as the positive
control; and the echo probe's ``ctx``, which must equal the token's payload exactly.
``tests/reference_server/test_identity.py`` checks one agent run; this sweeps kinds and routes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from .conftest import (
    KINDS,
    SCOPES,
    Deployment,
    bearer,
    claims,
    client_for,
    echo_ctx,
    hs_token,
    ws_client,
)

ALL_SCOPES = sorted(SCOPES.values())
ADMIN_CLAIMS = json.dumps({"role": "admin", "scopes": ALL_SCOPES, "sub": "admin"})


def smuggled(location: str) -> dict[str, Any]:
    """Request parts that try to pass off trust through ``location``."""
    forged_token = hs_token("attacker-controlled-secret-" + "z" * 40, sub="admin", scopes=ALL_SCOPES)
    if location == "form":
        return {
            "data": {
                "scopes": " ".join(ALL_SCOPES),
                "claims": ADMIN_CLAIMS,
                "trusted": ADMIN_CLAIMS,
                "role": "admin",
                "sub": "admin",
                "token": hs_token(sub="admin", scopes=ALL_SCOPES),
            }
        }
    if location == "query":
        return {
            "params": {
                "scopes": ",".join(ALL_SCOPES),
                "claims": ADMIN_CLAIMS,
                "role": "admin",
                "user_id": "query-user",
                "access_token": hs_token(sub="admin", scopes=ALL_SCOPES),
            }
        }
    if location == "headers":
        return {
            "headers": {
                "X-Scopes": " ".join(ALL_SCOPES),
                "X-Claims": ADMIN_CLAIMS,
                "X-User-Id": "header-user",
                "X-Forwarded-User": "header-user",
                "Remote-User": "header-user",
                "X-Auth-Request-User": "header-user",
                # A second credential header with a genuine token: only Authorization is read.
                "X-Authorization": f"Bearer {hs_token(sub='admin', scopes=ALL_SCOPES)}",
                "Proxy-Authorization": f"Bearer {forged_token}",
            }
        }
    if location == "cookies":
        genuine = hs_token(sub="admin", scopes=ALL_SCOPES)
        return {
            "headers": {
                "Cookie": f"access_token={genuine}; token={genuine}; scopes={ALL_SCOPES[0]};"
                " user_id=cookie-user; session_id=cookie-session"
            }
        }
    raise AssertionError(location)


LOCATIONS = ["form", "query", "headers", "cookies"]


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = {key: dict(value) for key, value in base.items()}
    for key, value in extra.items():
        merged.setdefault(key, {}).update(value)
    return merged


def factory_routes(kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route that invokes ``probe-<kind>-scope``'s factory (the run lookup comes after it)."""
    plural = f"{kind}s"
    routes: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"/{plural}/probe-{kind}-scope/runs", {"data": {"message": "m", "stream": "false"}}),
        ("POST", f"/{plural}/probe-{kind}-scope/runs/no-such-run/continue", {"data": {"stream": "false"}}),
    ]
    if kind == "workflow":
        routes += [
            ("GET", "/workflows/probe-workflow-scope/runs", {}),
            ("GET", "/workflows/probe-workflow-scope/runs/no-such-run", {}),
        ]
    return routes


@pytest.mark.parametrize("location", LOCATIONS)
@pytest.mark.parametrize("kind", KINDS)
async def test_smuggled_scopes_never_pass_a_factory_permission_check(
    hs_server: Deployment, kind: str, location: str
) -> None:
    low = bearer(hs_token(sub="viewer", scopes=["read:only"]))
    genuine = bearer(hs_token(sub="viewer", scopes=[SCOPES[kind]]))
    async with client_for(hs_server.app) as client:
        for method, path, base in factory_routes(kind):
            for token_headers in ({}, low):
                request = merge(merge(base, {"headers": token_headers}), smuggled(location))
                response = await client.request(method, path, **request)
                assert response.status_code == 403, (path, location, response.text)
                assert response.json() == {"detail": f"Missing '{SCOPES[kind]}' scope"}
            # Positive control: the same request with the scope in a verified token gets past the factory.
            control = await client.request(method, path, **merge(base, {"headers": genuine}))
            assert control.status_code in (200, 404), (path, control.text)


@pytest.mark.parametrize("location", LOCATIONS)
@pytest.mark.parametrize("kind", KINDS)
async def test_ctx_trusted_is_exactly_the_verified_payload(
    hs_server: Deployment, kind: str, location: str
) -> None:
    payload = claims(sub="viewer", scopes=["read:only"], tenant="t-1")
    token = hs_token(**{key: value for key, value in payload.items() if key != "exp"})
    request = merge(
        {"data": {"message": "m", "stream": "false"}, "headers": bearer(token)}, smuggled(location)
    )
    async with client_for(hs_server.app) as client:
        response = await client.post(f"/{kind}s/probe-{kind}-echo/runs", **request)
    assert response.status_code == 200, response.text
    ctx = echo_ctx(response.json())
    assert set(ctx["claims"]) == {"sub", "scopes", "tenant", "exp"}
    assert (ctx["claims"]["sub"], ctx["claims"]["scopes"], ctx["claims"]["tenant"]) == (
        "viewer",
        ["read:only"],
        "t-1",
    )
    assert (ctx["scopes"], ctx["user_id"]) == (["read:only"], "viewer")


@pytest.mark.parametrize("location", ["query", "headers", "cookies"])
@pytest.mark.parametrize("kind", KINDS)
async def test_anonymous_identity_comes_from_the_form_alone(
    hs_server: Deployment, kind: str, location: str
) -> None:
    request = merge({"data": {"message": "m", "stream": "false"}}, smuggled(location))
    async with client_for(hs_server.app) as client:
        anonymous = await client.post(f"/{kind}s/probe-{kind}-echo/runs", **request)
        with_form = await client.post(
            f"/{kind}s/probe-{kind}-echo/runs",
            **merge(request, {"data": {"user_id": "form-user", "session_id": "form-session"}}),
        )
    ctx = echo_ctx(anonymous.json())
    assert (ctx["user_id"], ctx["session_id"], ctx["claims"], ctx["scopes"]) == (None, None, {}, [])
    ctx = echo_ctx(with_form.json())
    assert (ctx["user_id"], ctx["session_id"], ctx["claims"], ctx["scopes"]) == (
        "form-user",
        "form-session",
        {},
        [],
    )


async def test_a_continue_re_invokes_the_factory_with_the_verified_payload_only(
    hs_server: Deployment,
) -> None:
    token = hs_token(sub="viewer", scopes=["read:only"])
    async with client_for(hs_server.app) as client:
        paused = await client.post(
            "/agents/probe-agent-pause/runs", data={"message": "m", "stream": "false"}, headers=bearer(token)
        )
        assert paused.json()["status"] == "PAUSED", paused.text
        tools = [{**tool, "confirmed": True} for tool in paused.json()["tools"]]
        request = merge(
            {
                "data": {
                    "stream": "false",
                    "session_id": paused.json()["session_id"],
                    "tools": json.dumps(tools),
                },
                "headers": bearer(token),
            },
            smuggled("form"),
        )
        request = merge(merge(request, smuggled("headers")), {"params": smuggled("query")["params"]})
        done = await client.post(
            f"/agents/probe-agent-pause/runs/{paused.json()['run_id']}/continue", **request
        )
    assert done.status_code == 200, done.text
    ctx = echo_ctx(done.json())
    assert (ctx["user_id"], ctx["scopes"], ctx["claims"]["scopes"]) == (
        "viewer",
        ["read:only"],
        ["read:only"],
    )
    assert "role" not in ctx["claims"]


START = {"action": "start-workflow", "message": "m"}
FRAME_SMUGGLING = {
    "claims": {"role": "admin", "scopes": ALL_SCOPES},
    "scopes": ALL_SCOPES,
    "trusted": {"claims": {"role": "admin"}, "scopes": ALL_SCOPES},
    "token": hs_token(sub="admin", scopes=ALL_SCOPES),
    "authorization": f"Bearer {hs_token(sub='admin', scopes=ALL_SCOPES)}",
}


@pytest.mark.parametrize("path", ["/workflows/ws", "/workflows/probe-workflow-scope/ws"])
def test_websocket_frames_and_handshake_extras_never_carry_trust(hs_server: Deployment, path: str) -> None:
    genuine = hs_token(sub="admin", scopes=ALL_SCOPES)
    handshake = {
        "X-Scopes": " ".join(ALL_SCOPES),
        "Cookie": f"access_token={genuine}",
        "Sec-WebSocket-Protocol": f"bearer, {genuine}",
    }
    query = "?" + str(httpx.QueryParams({"token": genuine, "scopes": ALL_SCOPES[2]}))
    with ws_client(hs_server.app) as client, client.websocket_connect(path + query, headers=handshake) as ws:
        ws.receive_text()
        ws.send_text(json.dumps({**START, "workflow_id": "probe-workflow-scope", **FRAME_SMUGGLING}))
        refused = json.loads(ws.receive_text())
        assert (refused["event"], refused["status"]) == ("error", 403)
        # A genuine authenticate action is the control: now the same start passes the factory.
        ws.send_text(json.dumps({"action": "authenticate", "token": genuine}))
        assert json.loads(ws.receive_text())["event"] == "authenticated"
        ws.receive_text()
        ws.send_text(json.dumps({**START, "workflow_id": "probe-workflow-scope"}))
        assert ws.receive_text().startswith("event: WorkflowStarted")


def test_websocket_echo_ctx_holds_only_the_verified_payload(hs_server: Deployment) -> None:
    token = hs_token(sub="viewer", scopes=["read:only"])
    with (
        ws_client(hs_server.app) as client,
        client.websocket_connect("/workflows/ws", headers=bearer(token)) as ws,
    ):
        ws.receive_text()
        ws.send_text(
            json.dumps(
                {**START, "workflow_id": "probe-workflow-echo", "user_id": "frame-user", **FRAME_SMUGGLING}
            )
        )
        while True:
            frame = ws.receive_text()
            assert frame.startswith("event: "), frame
            if frame.startswith("event: WorkflowCompleted"):
                break
    data = json.loads(frame.split("\ndata: ", 1)[1])
    ctx = echo_ctx(data)
    assert (ctx["user_id"], ctx["scopes"], ctx["claims"]["scopes"]) == (
        "viewer",
        ["read:only"],
        ["read:only"],
    )
    assert set(ctx["claims"]) == {"sub", "scopes", "exp"}
