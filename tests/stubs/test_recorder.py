"""The recorder: what the application sent (as sent) and what each factory invocation saw."""

from __future__ import annotations

import httpx
import pytest

from agentos_stubs import FactoryPermissionError, StubContext, StubDeployment, VerifiedIdentity

from .conftest import BASE_URL, RequiredInput, run_path


def test_a_run_request_is_recorded_as_sent(deployment: StubDeployment, http: httpx.Client) -> None:
    deployment.identity = VerifiedIdentity(user_id="verified")
    http.post(
        run_path("agent", "agent-required"),
        params={"trace": "q1"},
        data={
            "message": "hello",
            "stream": "False",
            "user_id": "form-user",
            "session_id": "form-session",
            "factory_input": '{"tenant": "acme", "depth": 2}',
        },
        headers={"Authorization": "Bearer tok-1", "X-Request-Id": "req-9"},
    )
    request = deployment.last_request
    assert (request.method, request.path, request.endpoint) == ("POST", "/agents/agent-required/runs", "run")
    assert (request.kind, request.component_id, request.run_id) == ("agent", "agent-required", None)
    assert request.factory_input == {"tenant": "acme", "depth": 2}
    assert request.factory_input_text == '{"tenant": "acme", "depth": 2}'
    # What the application sent, not what verified middleware made of it.
    assert (request.user_id, request.session_id) == ("form-user", "form-session")
    assert (request.message, request.stream) == ("hello", False)
    assert request.bearer_token == "tok-1"
    assert request.headers["x-request-id"] == "req-9"
    assert request.query == {"trace": "q1"}
    assert (request.status_code, request.fault) == (200, None)
    [invocation] = deployment.invocations
    assert invocation.context is not None
    assert invocation.context.user_id == "verified"
    assert invocation.context.input == RequiredInput(tenant="acme", depth=2)
    assert invocation.error is None


def test_requests_that_were_refused_are_recorded_too(deployment: StubDeployment, http: httpx.Client) -> None:
    http.post(run_path("team", "team-plain"), data={"message": "m", "factory_input": "{bad"})
    http.post("/teams/unknown/runs", data={"message": "m"})
    http.get("/no/such/path")
    bad, unknown, nowhere = deployment.requests
    assert bad.status_code == 400
    with pytest.raises(ValueError, match="not JSON"):
        _ = bad.factory_input
    assert bad.factory_input_text == "{bad"
    assert (unknown.status_code, unknown.component_id, unknown.endpoint) == (404, "unknown", "run")
    assert (nowhere.status_code, nowhere.endpoint, nowhere.component_id) == (404, None, None)
    assert deployment.invocations == []


def test_reads_record_query_parameters(deployment: StubDeployment, http: httpx.Client) -> None:
    http.get("/workflows/workflow-plain/runs/r-1", params={"session_id": "s-1", "factory_input": '{"a": 1}'})
    request = deployment.last_request
    assert (request.endpoint, request.run_id, request.session_id) == ("get_run", "r-1", "s-1")
    assert request.factory_input == {"a": 1}
    assert request.stream is None
    assert request.message is None


def test_filters_and_reset(deployment: StubDeployment, http: httpx.Client) -> None:
    with pytest.raises(LookupError):
        _ = deployment.last_request
    http.post(run_path("agent", "agent-plain"), data={"message": "one", "stream": "false"})
    run_id = http.post(
        run_path("agent", "agent-plain"), data={"message": "two", "stream": "false", "session_id": "s"}
    )
    http.post(run_path("team", "team-plain"), data={"message": "three", "stream": "false"})
    http.post(f"{run_path('agent', 'agent-plain')}/{run_id.json()['run_id']}/cancel")
    assert [r.message for r in deployment.requests_to("agent-plain", "run")] == ["one", "two"]
    assert len(deployment.requests_to("agent-plain")) == 3
    assert [i.message for i in deployment.invocations_of("team-plain")] == ["three"]
    deployment.reset()
    assert deployment.requests == []
    assert deployment.invocations == []
    # Runs are forgotten too; declarations stay.
    continued = http.post(
        f"{run_path('agent', 'agent-plain')}/{run_id.json()['run_id']}/continue", data={"session_id": "s"}
    )
    assert continued.status_code == 404


def test_an_invocation_keeps_what_the_reply_raised() -> None:
    deployment = StubDeployment()
    denial = FactoryPermissionError("no")

    def reply(ctx: StubContext[dict[str, object] | None], message: str) -> str:
        raise denial

    deployment.agent_factory("a", reply=reply)
    with httpx.Client(transport=deployment.transport(), base_url=BASE_URL) as client:
        assert client.post("/agents/a/runs", data={"message": "m"}).status_code == 403
    [invocation] = deployment.invocations
    assert invocation.error is denial
    assert invocation.endpoint == "run"
