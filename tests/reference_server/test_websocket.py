"""WS /workflows/{id}/ws and WS /workflows/ws: control frames, runs as SSE text frames, typed error frames."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.websockets import WebSocketDisconnect

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb

from .conftest import SECRET, echo_of, hs_token

with warnings.catch_warnings():
    # Starlette suggests httpx2 for its test client; the WebSocket test session is what we use here.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketTestSession


@pytest.fixture
def ws_client(probe_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(probe_app) as client:
        yield client


def run_frames(ws: WebSocketTestSession, request: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Send one run request and collect its SSE-formatted frames up to the run's last event."""
    ws.send_text(json.dumps(request))
    frames = []
    while True:
        text = ws.receive_text()
        if not text.startswith("event: "):
            frames.append(("control", json.loads(text)))
            return frames
        name_line, data_line = text.rstrip("\n").split("\n")
        data = json.loads(data_line[len("data: ") :])
        assert data["event"] == name_line[len("event: ") :]
        frames.append((data["event"], data))
        if data["event"] in {"WorkflowCompleted", "WorkflowPaused", "WorkflowError", "WorkflowCancelled"}:
            return frames


def error_of(ws: WebSocketTestSession, request: dict[str, Any]) -> dict[str, Any]:
    frames = run_frames(ws, request)
    assert frames[-1][0] == "control", frames
    error = frames[-1][1]
    assert error["event"] == "error"
    return error


@pytest.mark.parametrize("path", ["/workflows/ws", "/workflows/probe-workflow-required/ws"])
def test_a_run_streams_sse_formatted_frames_on_both_routes(ws_client: TestClient, path: str) -> None:
    with ws_client.websocket_connect(path) as ws:
        assert json.loads(ws.receive_text()) == {
            "event": "connected",
            "message": "Connected to AgentOS.",
            "requires_auth": False,
        }
        frames = run_frames(
            ws,
            {
                "action": "start-workflow",
                "workflow_id": "probe-workflow-required",
                "message": "over ws",
                "factory_input": {"tenant": "ws"},
                "session_id": "ws-s",
                "user_id": "ws-u",
            },
        )
    names = [name for name, _ in frames]
    assert names == ["WorkflowStarted", "StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"]
    assert [data["event_index"] for _, data in frames] == [0, 1, 2, 3, 4]
    echo = echo_of(frames[-1][1])
    assert echo["message"] == "over ws"
    assert echo["ctx"]["input"] == {"tenant": "ws", "depth": 1}
    assert (echo["ctx"]["user_id"], echo["ctx"]["session_id"]) == ("ws-u", "ws-s")
    assert echo["ctx"]["request"] == {"method": "WEBSOCKET", "path": path}


def test_the_url_workflow_id_is_used_and_a_different_one_in_the_message_is_refused(
    ws_client: TestClient,
) -> None:
    with ws_client.websocket_connect("/workflows/probe-workflow-echo/ws") as ws:
        ws.receive_text()
        frames = run_frames(ws, {"action": "start-workflow", "message": "m"})
        assert echo_of(frames[-1][1])["probe"] == "probe-workflow-echo"
        error = error_of(
            ws, {"action": "start-workflow", "workflow_id": "probe-workflow-scope", "message": "m"}
        )
        assert (error["status"], error["error_type"]) == (400, "bad_request")


@pytest.mark.parametrize(
    ("factory_input", "expected"),
    [
        ({"tenant": "d"}, {"tenant": "d", "depth": 1}),
        ('{"tenant": "s", "depth": 2}', {"tenant": "s", "depth": 2}),
    ],
)
def test_factory_input_may_be_an_object_or_a_json_string_of_one(
    ws_client: TestClient, factory_input: Any, expected: dict[str, Any]
) -> None:
    with ws_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        frames = run_frames(
            ws,
            {
                "action": "start-workflow",
                "workflow_id": "probe-workflow-required",
                "message": "m",
                "factory_input": factory_input,
            },
        )
    assert echo_of(frames[-1][1])["ctx"]["input"] == expected


@pytest.mark.parametrize(
    ("workflow_id", "factory_input", "status", "error_type"),
    [
        ("probe-workflow-echo", [1, 2], 400, "validation"),
        ("probe-workflow-echo", '"a string"', 400, "validation"),
        ("probe-workflow-echo", "{bad", 400, "validation"),
        ("probe-workflow-echo", 5, 400, "validation"),
        ("probe-workflow-required", {"tenant": 5}, 400, "validation"),
        ("probe-workflow-required", None, 400, "validation"),
        ("probe-workflow-scope", None, 403, "permission"),
        ("probe-workflow-crash", None, 500, "factory"),
        ("probe-workflow-factory-error", None, 500, "factory"),
        ("probe-workflow-wrong-type", None, 500, "factory"),
        ("no-such-workflow", None, 404, "not_found"),
    ],
)
def test_error_frames_carry_status_and_error_type(
    ws_client: TestClient, db: SqliteDb, workflow_id: str, factory_input: Any, status: int, error_type: str
) -> None:
    request: dict[str, Any] = {"action": "start-workflow", "workflow_id": workflow_id, "message": "m"}
    if factory_input is not None:
        request["factory_input"] = factory_input
    assert ws_client.portal is not None
    before = ws_client.portal.call(db.count_rows)
    with ws_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        error = error_of(ws, request)
        assert (error["status"], error["error_type"]) == (status, error_type)
        assert "secret" not in error["error"]
        ws.send_text(json.dumps({"action": "ping"}))
        assert json.loads(ws.receive_text()) == {"event": "pong"}, "the connection survives an error"
    assert ws_client.portal.call(db.count_rows) == before, "a rejected request stores nothing"


@pytest.mark.parametrize(
    ("raw", "detail_start"),
    [
        ("not json", "Messages must be JSON objects"),
        ("[1, 2]", "Messages must be JSON objects, got list"),
        ('{"action": "dance"}', "Unknown action: dance"),
        ('{"action": "start-workflow", "message": "m"}', "workflow_id is required"),
        ('{"action": "start-workflow", "workflow_id": "probe-workflow-echo"}', "message is required"),
        ('{"action": "start-workflow", "workflow_id": 5, "message": "m"}', "workflow_id must be a string"),
        ('{"action": "continue-workflow", "workflow_id": "probe-workflow-echo"}', "run_id is required"),
    ],
)
def test_bad_messages_get_400_error_frames(ws_client: TestClient, raw: str, detail_start: str) -> None:
    with ws_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        ws.send_text(raw)
        error = json.loads(ws.receive_text())
        assert error["event"] == "error"
        assert error["error"].startswith(detail_start)
        assert (error["status"], error["error_type"]) == (400, "bad_request")
        ws.send_bytes(b"\x00\x01")
        assert json.loads(ws.receive_text())["error"] == "Messages must be JSON text frames"


def test_verified_identity_wins_over_message_fields(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        ws.send_text(
            json.dumps({"action": "authenticate", "token": hs_token(sub="jwt-u", session_id="jwt-s")})
        )
        assert json.loads(ws.receive_text())["event"] == "authenticated"
        assert json.loads(ws.receive_text()) == {
            "event": "authenticated",
            "message": "JWT authentication successful.",
            "user_id": "jwt-u",
        }
        frames = run_frames(
            ws,
            {
                "action": "start-workflow",
                "workflow_id": "probe-workflow-scope",
                "message": "m",
                "user_id": "frame-u",
                "session_id": "frame-s",
            },
        )
    assert frames[-1][0] == "control", "probe-workflow-scope needs workflows:run, which this token lacks"
    assert frames[-1][1]["status"] == 403
    with ws_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        ws.send_text(
            json.dumps({"action": "authenticate", "token": hs_token(sub="jwt-u", session_id="jwt-s")})
        )
        ws.receive_text()
        ws.receive_text()
        frames = run_frames(
            ws,
            {
                "action": "start-workflow",
                "workflow_id": "probe-workflow-echo",
                "message": "m",
                "user_id": "frame-u",
                "session_id": "frame-s",
            },
        )
    ctx = echo_of(frames[-1][1])["ctx"]
    assert (ctx["user_id"], ctx["session_id"]) == ("jwt-u", "jwt-s")
    assert ctx["claims"]["sub"] == "jwt-u"


def test_a_bad_token_is_an_auth_error_frame(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        ws.send_text(json.dumps({"action": "authenticate", "token": "nope"}))
        assert json.loads(ws.receive_text())["event"] == "auth_error"
        ws.send_text(json.dumps({"action": "authenticate", "token": hs_token(sub="u", lifetime=-60)}))
        assert json.loads(ws.receive_text()) == {
            "event": "auth_error",
            "error": "Token has expired",
            "error_type": "expired",
        }
        ws.send_text(json.dumps({"action": "authenticate", "token": hs_token(sub="\ud800")}))
        refused = json.loads(ws.receive_text())
        assert (refused["event"], refused["error_type"]) == ("auth_error", "invalid_token")
        assert "lone surrogate" in refused["error"]


@pytest.fixture
def strict_client(db: SqliteDb) -> Iterator[TestClient]:
    app = ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET, required=True)).get_app()
    with TestClient(app) as client:
        yield client


def test_a_server_that_requires_auth_wants_authenticate_first(strict_client: TestClient) -> None:
    with strict_client.websocket_connect("/workflows/ws") as ws:
        connected = json.loads(ws.receive_text())
        assert connected["requires_auth"] is True
        ws.send_text(json.dumps({"action": "ping"}))
        assert json.loads(ws.receive_text())["event"] == "auth_required"
        ws.send_text(json.dumps({"action": "authenticate", "token": hs_token(sub="u")}))
        ws.receive_text()
        ws.receive_text()
        ws.send_text(json.dumps({"action": "ping"}))
        assert json.loads(ws.receive_text()) == {"event": "pong"}


def test_a_verified_handshake_header_authenticates_the_socket(strict_client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {hs_token(sub='header-u')}"}
    with strict_client.websocket_connect("/workflows/ws", headers=headers) as ws:
        assert json.loads(ws.receive_text())["requires_auth"] is False
        frames = run_frames(
            ws, {"action": "start-workflow", "workflow_id": "probe-workflow-echo", "message": "m"}
        )
    assert echo_of(frames[-1][1])["ctx"]["user_id"] == "header-u"
    with (
        pytest.raises(WebSocketDisconnect),
        strict_client.websocket_connect("/workflows/ws", headers={"Authorization": "Bearer forged"}) as ws,
    ):
        ws.receive_text()


def test_continue_workflow_over_the_socket(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        paused = run_frames(
            ws,
            {
                "action": "start-workflow",
                "workflow_id": "probe-workflow-pause-required",
                "message": "m",
                "factory_input": {"tenant": "first"},
            },
        )
        assert paused[-1][0] == "WorkflowPaused"
        run_id, step_requirements = paused[-1][1]["run_id"], paused[-1][1]["step_requirements"]
        error = error_of(
            ws,
            {"action": "continue-workflow", "workflow_id": "probe-workflow-pause-required", "run_id": run_id},
        )
        assert error["status"] == 400, "the required schema validates the continue's input too"
        frames = run_frames(
            ws,
            {
                "action": "continue-workflow",
                "workflow_id": "probe-workflow-pause-required",
                "run_id": run_id,
                "factory_input": {"tenant": "second"},
                "step_requirements": [{**item, "confirmed": True} for item in step_requirements],
            },
        )
    assert frames[0][0] == "StepContinued"
    assert frames[-1][0] == "WorkflowCompleted"
    assert echo_of(frames[-1][1])["ctx"]["input"]["tenant"] == "second"
