"""Tenant isolation on the workflow WebSocket, the token's expiry over a socket's life, frozen claims."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from starlette.websockets import WebSocketDisconnect

from agentos_reference import JWTAuth, ReferenceOS, RequestContext, SqliteDb, Step, Workflow, WorkflowFactory

from .conftest import SECRET, bearer, echo_of, hs_token
from .test_websocket import run_frames

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketTestSession

DAY = 86_400


@pytest.fixture
def ws_client(probe_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(probe_app) as client:
        yield client


@pytest.fixture
def strict_client(db: SqliteDb) -> Iterator[TestClient]:
    app = ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET, required=True)).get_app()
    with TestClient(app) as client:
        yield client


def authenticate(ws: WebSocketTestSession, token: str | None) -> None:
    ws.receive_json()  # connected
    if token is None:
        return
    ws.send_text(json.dumps({"action": "authenticate", "token": token}))
    assert ws.receive_json()["event"] == "authenticated"
    assert ws.receive_json()["event"] == "authenticated"


def start(**fields: Any) -> dict[str, Any]:
    return {"action": "start-workflow", "workflow_id": "probe-workflow-echo", "message": "over ws", **fields}


def paused_run(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(
        "/workflows/probe-workflow-pause/runs", data={"message": "wait", "stream": "false"}, headers=headers
    )
    assert response.status_code == 200, response.text
    output: dict[str, Any] = response.json()
    assert output["status"] == "PAUSED"
    return output


def resume_message(paused: dict[str, Any], run_id: str | None = None) -> dict[str, Any]:
    return {
        "action": "continue-workflow",
        "workflow_id": "probe-workflow-pause",
        "run_id": run_id or paused["run_id"],
        "session_id": paused["session_id"],
        "step_requirements": [{**item, "confirmed": True} for item in paused["step_requirements"]],
    }


def owner_read(client: TestClient, run_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/workflows/probe-workflow-pause/runs/{run_id}", headers=headers)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize("via", ["authenticate action", "handshake header"])
def test_a_verified_socket_drops_the_frames_user_id(ws_client: TestClient, via: str) -> None:
    token = hs_token(sub="bob", lifetime=DAY)
    headers = bearer(token) if via == "handshake header" else {}
    with ws_client.websocket_connect("/workflows/ws", headers=headers) as ws:
        authenticate(ws, token if via == "authenticate action" else None)
        frames = run_frames(ws, start(user_id="alice"))
    assert echo_of(frames[-1][1])["ctx"]["user_id"] == "bob", "the frame's user_id never replaces the token's"


@pytest.mark.parametrize("via", ["authenticate action", "handshake header"])
def test_a_userless_token_takes_the_frames_user_id_but_owns_nothing_of_it(
    ws_client: TestClient, via: str
) -> None:
    token = hs_token(session_id="token-session", lifetime=DAY)  # verified, but no user
    headers = bearer(token) if via == "handshake header" else {}
    with ws_client.websocket_connect("/workflows/ws", headers=headers) as ws:
        authenticate(ws, token if via == "authenticate action" else None)
        frames = run_frames(ws, start(user_id="alice"))
    # The spec's precedence: no verified user, so the frame's is ctx.user_id (as the form field over
    # HTTP); but the run belongs to nobody, so alice never sees it.
    assert echo_of(frames[-1][1])["ctx"]["user_id"] == "alice"
    alices = ws_client.get(
        "/workflows/probe-workflow-echo/runs", headers=bearer(hs_token(sub="alice", lifetime=DAY))
    )
    assert frames[-1][1]["run_id"] not in [run["run_id"] for run in alices.json()]


def test_an_unverified_socket_still_takes_the_frames_user_id(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/workflows/ws") as ws:
        authenticate(ws, None)
        frames = run_frames(ws, start(user_id="frame-user"))
    assert echo_of(frames[-1][1])["ctx"]["user_id"] == "frame-user"


@pytest.mark.parametrize("intruder", ["bob", "token without sub", "no token"])
def test_another_socket_continues_alices_run_as_an_unknown_id_and_changes_nothing(
    ws_client: TestClient, intruder: str
) -> None:
    alice = bearer(hs_token(sub="alice", lifetime=DAY))
    paused = paused_run(ws_client, alice)
    before = owner_read(ws_client, paused["run_id"], alice)
    token = {"bob": hs_token(sub="bob", lifetime=DAY), "token without sub": hs_token(lifetime=DAY)}.get(
        intruder
    )
    with ws_client.websocket_connect("/workflows/ws") as ws:
        authenticate(ws, token)
        tried = run_frames(ws, {**resume_message(paused), "user_id": "alice"})
        unknown = run_frames(ws, {**resume_message(paused, "no-such-run"), "user_id": "alice"})
    assert tried == unknown
    assert tried[-1][1] == {
        "event": "error",
        "error": "Run not found",
        "status": 404,
        "error_type": "not_found",
    }
    assert owner_read(ws_client, paused["run_id"], alice) == before
    with ws_client.websocket_connect("/workflows/ws") as ws:
        authenticate(ws, hs_token(sub="alice", lifetime=DAY))
        done = run_frames(ws, resume_message(paused))
    assert done[-1][0] == "WorkflowCompleted"
    assert owner_read(ws_client, paused["run_id"], alice)["user_id"] == "alice"


@pytest.mark.parametrize("intruder", ["bob", "token without sub", "no token"])
def test_a_run_started_into_alices_session_id_over_a_socket_stays_out_of_her_session(
    ws_client: TestClient, intruder: str
) -> None:
    alice = bearer(hs_token(sub="alice", lifetime=DAY))
    created = ws_client.post(
        "/workflows/probe-workflow-echo/runs",
        data={"message": "mine", "stream": "false", "session_id": "ws-shared"},
        headers=alice,
    ).json()
    token = {"bob": hs_token(sub="bob", lifetime=DAY), "token without sub": hs_token(lifetime=DAY)}.get(
        intruder
    )
    with ws_client.websocket_connect("/workflows/ws") as ws:
        authenticate(ws, token)
        frames = run_frames(ws, start(session_id="ws-shared", user_id="alice"))
    assert frames[-1][0] == "WorkflowCompleted"
    listed = ws_client.get(
        "/workflows/probe-workflow-echo/runs", params={"session_id": "ws-shared"}, headers=alice
    )
    assert [run["run_id"] for run in listed.json()] == [created["run_id"]]


def expiring_token(seconds: int = 3, **claims: Any) -> tuple[str, float]:
    # Long enough for the authentication and a first run on a loaded machine (1 s was not, in a
    # full make test), and the exp claim is the very moment returned.
    expires = int(time.time()) + seconds
    return jwt.encode({**claims, "exp": expires}, SECRET, algorithm="HS256"), float(expires)


def wait_past(moment: float) -> None:
    # PyJWT compares whole seconds: exp is refused once now > exp.
    time.sleep(max(0.0, moment - time.time()) + 1.05)


@pytest.mark.parametrize("via", ["authenticate action", "handshake header"])
def test_a_socket_whose_token_expired_is_closed_with_an_auth_error(ws_client: TestClient, via: str) -> None:
    token, expires = expiring_token(sub="alice", scopes=["workflows:run"])
    headers = bearer(token) if via == "handshake header" else {}
    with ws_client.websocket_connect("/workflows/ws", headers=headers) as ws:
        authenticate(ws, token if via == "authenticate action" else None)
        assert run_frames(ws, start())[-1][0] == "WorkflowCompleted"
        wait_past(expires)
        ws.send_text(json.dumps(start()))
        assert ws.receive_json() == {
            "event": "auth_error",
            "error": "Token has expired",
            "error_type": "expired",
        }
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1008


def test_an_expired_token_cannot_continue_either(ws_client: TestClient) -> None:
    token, expires = expiring_token(sub="alice")
    paused = paused_run(ws_client, bearer(token))
    with ws_client.websocket_connect("/workflows/ws") as ws:
        authenticate(ws, token)
        wait_past(expires)
        ws.send_text(json.dumps(resume_message(paused)))
        assert ws.receive_json()["event"] == "auth_error"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    alice = bearer(hs_token(sub="alice", lifetime=DAY))
    assert owner_read(ws_client, paused["run_id"], alice)["status"] == "PAUSED"


def test_require_auth_refuses_a_socket_token_without_a_user(strict_client: TestClient) -> None:
    userless = hs_token(session_id="s", lifetime=DAY)
    with (
        pytest.raises(WebSocketDisconnect),
        strict_client.websocket_connect("/workflows/ws", headers=bearer(userless)) as ws,
    ):
        ws.receive_text()
    with strict_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"action": "authenticate", "token": userless}))
        assert ws.receive_json() == {
            "event": "auth_error",
            "error": "Token has no user identity: claim 'sub' is missing or empty",
            "error_type": "invalid_token",
        }
        ws.send_text(json.dumps(start()))
        assert ws.receive_json()["event"] == "auth_required"


# --- rule 7: ctx.trusted.claims is deep-frozen ----------------------------------------------------


def test_a_factory_cannot_change_the_claims_the_next_message_sees(db: SqliteDb) -> None:
    seen: list[Any] = []
    refused: list[str] = []

    def build(ctx: RequestContext) -> Workflow:
        roles = ctx.trusted.claims["org"]["roles"]
        seen.append(json.loads(json.dumps(roles)))
        attempts: list[Callable[[], object]] = [
            lambda: roles.append("admin"),
            lambda: ctx.trusted.claims["org"].__setitem__("roles", ["admin"]),
            lambda: ctx.trusted.claims["org"]["limits"].update(runs=10**6),
        ]
        for attempt in attempts:
            try:
                attempt()
            except (TypeError, AttributeError) as error:
                refused.append(type(error).__name__)
        return Workflow(steps=[Step(name="echo", executor=lambda step_input: "ok")])

    app = ReferenceOS(
        workflows=[WorkflowFactory(id="claims-workflow", db=db, factory=build)],
        db=db,
        auth=JWTAuth(secret=SECRET),
    ).get_app()
    token = hs_token(sub="alice", org={"roles": ["reader"], "limits": {"runs": 5}}, lifetime=DAY)
    with TestClient(app) as client, client.websocket_connect("/workflows/ws") as ws:
        authenticate(ws, token)
        for _ in range(2):
            frames = run_frames(
                ws, {"action": "start-workflow", "workflow_id": "claims-workflow", "message": "m"}
            )
            assert frames[-1][0] == "WorkflowCompleted", frames
    assert seen == [["reader"], ["reader"]]
    assert len(refused) == 6, "every mutation of a nested claim is refused"
