"""The workflow WebSocket of a real agno 3.1.10 AgentOS, driven with the probes.

Covers starting workflows over ``WS /workflows/ws`` and reproduces the
WebSocket differences of wire-notes section 2 (items 2, 3, 4, 5 and 7).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from agentos_contract.probes import CRASH_SECRET, FACTORY_ERROR_SECRET
from tests.integration.agno_server import AgnoServer
from tests.integration.agno_wire import Caller, WorkflowSocket, echo_of, workflow_socket

pytestmark = [pytest.mark.agno, pytest.mark.loopback]

WORKFLOWS_RUN = ("workflows:run",)


def authenticate(socket: WorkflowSocket, server: AgnoServer, **token_claims: Any) -> None:
    """Read the greeting and, in JWT mode, authenticate with a token of ``token_claims``."""
    greeting = socket.receive_json()
    assert greeting["event"] == "connected"
    assert greeting["requires_auth"] is (server.auth == "jwt")
    if server.auth == "jwt":
        socket.send({"action": "authenticate", "token": server.token(**token_claims)})
        assert socket.receive_json()["event"] == "authenticated"
        assert socket.receive_json() == {
            "event": "authenticated",
            "message": "JWT authentication successful.",
            "user_id": token_claims.get("sub", "probe-user"),
        }


@pytest.fixture
def socket(agno_server: AgnoServer) -> Iterator[WorkflowSocket]:
    """An open, authenticated socket (token: sub=ws-user, scope workflows:run)."""
    with workflow_socket(agno_server) as opened:
        authenticate(opened, agno_server, sub="ws-user", scopes=WORKFLOWS_RUN)
        yield opened


def start(workflow_id: str, **fields: Any) -> dict[str, Any]:
    return {"action": "start-workflow", "workflow_id": workflow_id, "message": "over the socket", **fields}


def test_ping_answers_pong(socket: WorkflowSocket) -> None:
    socket.send({"action": "ping"})
    assert socket.receive_json() == {"event": "pong"}


def test_start_workflow_streams_events_up_to_the_echo(
    socket: WorkflowSocket, agno_server: AgnoServer
) -> None:
    events, error = socket.run_until_done(
        start("probe-workflow-echo", session_id="ws-session", user_id="frame-user", factory_input={"a": 1})
    )
    assert error is None
    assert [event.event for event in events] == [
        "WorkflowStarted",
        "StepStarted",
        "StepOutput",
        "StepCompleted",
        "WorkflowCompleted",
    ]
    assert [event.json()["event_index"] for event in events] == list(range(len(events)))
    completed = events[-1].json()
    assert completed["session_id"] == "ws-session"
    echo = echo_of(completed["content"])
    ctx = echo["ctx"]
    assert (echo["probe"], echo["message"]) == ("probe-workflow-echo", "over the socket")
    assert (ctx["input"], ctx["input_type"], ctx["request"]) == ({"a": 1}, "dict", None)
    assert ctx["user_id"] == ("ws-user" if agno_server.auth == "jwt" else "frame-user")
    assert ctx["session_id"] == "ws-session"


def test_start_workflow_validates_against_the_schema(socket: WorkflowSocket) -> None:
    events, error = socket.run_until_done(start("probe-workflow-required", factory_input={"tenant": "ws"}))
    assert error is None
    ctx = echo_of(events[-1].json()["content"])["ctx"]
    assert (ctx["input"], ctx["input_model"]) == ({"tenant": "ws", "depth": 1}, "ProbeRequiredInput")


def test_unknown_workflow_and_missing_id_are_error_frames(socket: WorkflowSocket) -> None:
    assert socket.run_until_done(start("probe-workflow-nope"))[1] == {
        "event": "error",
        "error": "Workflow probe-workflow-nope not found",
    }
    socket.send({"action": "start-workflow", "message": "m"})
    assert socket.receive_json() == {"event": "error", "error": "workflow_id is required"}


def test_actions_before_authentication_are_refused(agno_server_jwt: AgnoServer) -> None:
    with workflow_socket(agno_server_jwt) as opened:
        assert opened.receive_json()["requires_auth"] is True
        opened.send(start("probe-workflow-echo"))
        assert opened.receive_json() == {
            "event": "auth_required",
            "error": "Authentication required. Send authenticate action with valid JWT.",
        }
        opened.send({"action": "authenticate", "token": "not-a-jwt"})
        assert opened.receive_json() == {
            "event": "auth_error",
            "error": "Not enough segments",
            "error_type": "invalid_token",
        }


# --- wire notes section 2 ---------------------------------------------------------------------


def test_2_2_the_per_workflow_socket_path_does_not_exist(agno_server: AgnoServer) -> None:
    with (
        pytest.raises(InvalidStatus) as refused,
        workflow_socket(agno_server, "/workflows/probe-workflow-echo/ws"),
    ):
        pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    ("factory_input", "expected_input", "input_type"),
    [
        ('{"a": 1}', '{"a": 1}', "str"),
        ([1, 2], [1, 2], "list"),
        (7, 7, "other"),
    ],
)
def test_2_3_socket_factory_input_reaches_a_schemaless_factory_raw(
    socket: WorkflowSocket, factory_input: object, expected_input: object, input_type: str
) -> None:
    events, error = socket.run_until_done(start("probe-workflow-echo", factory_input=factory_input))
    assert error is None
    ctx = echo_of(events[-1].json()["content"])["ctx"]
    assert (ctx["input"], ctx["input_type"]) == (expected_input, input_type)


def test_2_3_a_json_string_validates_against_a_schema(socket: WorkflowSocket) -> None:
    events, error = socket.run_until_done(start("probe-workflow-required", factory_input='{"tenant": "s"}'))
    assert error is None
    assert echo_of(events[-1].json()["content"])["ctx"]["input"] == {"tenant": "s", "depth": 1}


def test_2_3_every_factory_failure_is_the_same_error_frame(socket: WorkflowSocket) -> None:
    validation = socket.run_until_done(start("probe-workflow-required", factory_input={"tenant": 5}))[1]
    crash = socket.run_until_done(start("probe-workflow-crash"))[1]
    bare = socket.run_until_done(start("probe-workflow-factory-error"))[1]
    wrong_type = socket.run_until_done(start("probe-workflow-wrong-type"))[1]
    for frame in (validation, crash, bare, wrong_type):
        assert frame is not None
        assert set(frame) == {"event", "error"}
        assert frame["event"] == "error"
        assert frame["error"].startswith("Factory error: ")
    assert validation is not None
    assert "factory_input validation failed" in validation["error"]
    assert crash == {"event": "error", "error": f"Factory error: {CRASH_SECRET}"}
    # Unlike HTTP ("Workflow factory error"), the socket leaks a bare FactoryError's text.
    assert bare == {"event": "error", "error": f"Factory error: {FACTORY_ERROR_SECRET}"}
    assert wrong_type == {
        "event": "error",
        "error": (
            "Factory error: WorkflowFactory 'probe-workflow-wrong-type' returned Agent, expected Workflow."
        ),
    }


def test_2_3_a_permission_failure_is_an_error_frame_too(agno_server_noauth: AgnoServer) -> None:
    with workflow_socket(agno_server_noauth) as opened:
        authenticate(opened, agno_server_noauth)
        assert opened.run_until_done(start("probe-workflow-scope"))[1] == {
            "event": "error",
            "error": "Factory error: Missing 'workflows:run' scope",
        }


def test_2_4_socket_identity_ignores_the_session_claim(agno_server_jwt: AgnoServer) -> None:
    with workflow_socket(agno_server_jwt) as opened:
        authenticate(
            opened, agno_server_jwt, sub="ws-jwt-user", session_id="ws-jwt-sess", scopes=WORKFLOWS_RUN
        )
        events, _ = opened.run_until_done(
            start("probe-workflow-echo", user_id="frame-user", session_id="frame-sess-2")
        )
    ctx = echo_of(events[-1].json()["content"])["ctx"]
    assert (ctx["user_id"], ctx["session_id"]) == ("ws-jwt-user", "frame-sess-2")
    assert ctx["claims"]["session_id"] == "ws-jwt-sess"
    assert ctx["scopes"] == ["workflows:run"]


def test_2_4_a_token_without_sub_drops_the_frame_user(agno_server_jwt: AgnoServer) -> None:
    with workflow_socket(agno_server_jwt) as opened:
        opened.receive_json()
        opened.send(
            {"action": "authenticate", "token": agno_server_jwt.token(sub=None, scopes=WORKFLOWS_RUN)}
        )
        assert [opened.receive_json()["event"] for _ in range(2)] == ["authenticated", "authenticated"]
        events, _ = opened.run_until_done(start("probe-workflow-echo", user_id="frame-user"))
    assert echo_of(events[-1].json()["content"])["ctx"]["user_id"] is None


def test_2_4_no_auth_socket_uses_the_frame_identity(agno_server_noauth: AgnoServer) -> None:
    with workflow_socket(agno_server_noauth) as opened:
        authenticate(opened, agno_server_noauth)
        events, _ = opened.run_until_done(
            start("probe-workflow-echo", user_id="frame-user", session_id="frame-s")
        )
    ctx = echo_of(events[-1].json()["content"])["ctx"]
    assert (ctx["user_id"], ctx["session_id"], ctx["claims"], ctx["scopes"]) == (
        "frame-user",
        "frame-s",
        {},
        [],
    )


def test_2_5_the_socket_demands_workflows_run_although_http_does_not(agno_server_jwt: AgnoServer) -> None:
    caller = Caller(agno_server_jwt, agno_server_jwt.auth_headers(scopes=()))
    try:
        assert caller.run("workflow", "probe-workflow-echo").status_code == 200
    finally:
        caller.close()
    with workflow_socket(agno_server_jwt) as opened:
        authenticate(opened, agno_server_jwt, scopes=())
        assert opened.run_until_done(start("probe-workflow-echo"))[1] == {
            "event": "error",
            "error": "Insufficient permissions to run this workflow",
        }


def test_2_7_socket_continue_of_a_factory_workflow_is_broken(socket: WorkflowSocket) -> None:
    events, error = socket.run_until_done(start("probe-workflow-pause"))
    assert error is None
    paused = events[-1]
    assert paused.event == "WorkflowPaused"
    run = paused.json()
    socket.send(
        {
            "action": "continue-workflow",
            "workflow_id": "probe-workflow-pause",
            "run_id": run["run_id"],
            "session_id": run["session_id"],
            "step_requirements": [
                {**requirement, "confirmed": True} for requirement in run["step_requirements"]
            ],
        }
    )
    assert socket.receive_json() == {
        "event": "error",
        "error": "Workflow 'probe-workflow-pause' is a factory and requires a RequestContext.",
    }
