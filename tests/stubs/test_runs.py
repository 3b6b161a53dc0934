"""Paused runs and continue, cancel, background runs and the run reads, over plain httpx
(wire notes sections 2.6-2.9, 3 and 9; agno's answers where the wire notes are silent)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from agentos_stubs import ComponentKind, FactoryPermissionError, StubContext, StubDeployment

from .conftest import BASE_URL, KINDS, ctx_of, declare_standard, run_path, sse_frames

FIELDS = {"agent": "tools", "team": "requirements", "workflow": "step_requirements"}


def _pause(http: httpx.Client, kind: str, component_id: str, session_id: str = "sess") -> dict[str, Any]:
    response = http.post(
        run_path(kind, component_id), data={"message": "hold on", "stream": "false", "session_id": session_id}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "PAUSED"
    assert isinstance(body, dict)
    return body


def _decided(kind: str, paused: dict[str, Any], confirmed: bool) -> str:
    items = paused[FIELDS[kind]]
    if kind == "team":
        return json.dumps(
            [{**i, "tool_execution": {**i["tool_execution"], "confirmed": confirmed}} for i in items]
        )
    return json.dumps([{**item, "confirmed": confirmed} for item in items])


def _continue(http: httpx.Client, kind: str, component_id: str, run_id: str, **form: str) -> httpx.Response:
    return http.post(f"{run_path(kind, component_id)}/{run_id}/continue", data={"stream": "false", **form})


@pytest.mark.parametrize("kind", KINDS)
def test_a_paused_run_has_agnos_shape(kind: str, deployment: StubDeployment, http: httpx.Client) -> None:
    paused = _pause(http, kind, f"{kind}-pause")
    if kind == "workflow":
        assert (paused["paused_step_index"], paused["paused_step_name"], paused["pause_kind"]) == (
            0,
            "confirm",
            "step",
        )
        [requirement] = paused["step_requirements"]
        assert (requirement["requires_confirmation"], requirement["confirmed"]) == (True, None)
        assert "content" not in paused
    else:
        [requirement] = paused["requirements"]
        tool = requirement["tool_execution"]
        assert (tool["tool_name"], tool["requires_confirmation"], tool["confirmed"]) == (
            "confirm",
            True,
            None,
        )
        assert paused["tools"][0]["tool_call_id"] == tool["tool_call_id"]
    # The factory ran to build the paused component (a 403 would have come from here).
    assert [invocation.endpoint for invocation in deployment.invocations] == ["run"]


@pytest.mark.parametrize("kind", KINDS)
def test_continue_completes_with_the_continues_own_context(
    kind: str, deployment: StubDeployment, http: httpx.Client
) -> None:
    paused = _pause(http, kind, f"{kind}-pause")
    response = _continue(
        http,
        kind,
        f"{kind}-pause",
        paused["run_id"],
        session_id="sess",
        **{FIELDS[kind]: _decided(kind, paused, True)},
    )
    body = response.json()
    assert (body["status"], body["run_id"]) == ("COMPLETED", paused["run_id"])
    ctx = ctx_of(response)
    assert ctx["path"] == f"{run_path(kind, f'{kind}-pause')}/{paused['run_id']}/continue"
    assert ctx["message"] == "hold on"
    assert ctx["session_id"] == "sess"
    assert [invocation.endpoint for invocation in deployment.invocations] == ["run", "continue"]


@pytest.mark.parametrize("kind", ["agent", "team"])
def test_a_streamed_continue_is_agnos_event_sequence(kind: str, http: httpx.Client) -> None:
    paused = _pause(http, kind, f"{kind}-pause")
    response = http.post(
        f"{run_path(kind, f'{kind}-pause')}/{paused['run_id']}/continue",
        data={"session_id": "sess", FIELDS[kind]: _decided(kind, paused, True)},
    )
    frames = sse_frames(response.text)
    prefix = "Team" if kind == "team" else ""
    names = [name for name, _ in frames]
    assert names[:3] == [f"{prefix}RunContinued", f"{prefix}ToolCallStarted", f"{prefix}ToolCallCompleted"]
    assert names[-1] == f"{prefix}RunCompleted"
    assert [data["event_index"] for _, data in frames] == list(range(len(frames)))


def test_a_streamed_workflow_pause_and_continue(http: httpx.Client) -> None:
    run = http.post(run_path("workflow", "workflow-pause"), data={"message": "m", "session_id": "s"})
    frames = sse_frames(run.text)
    assert [name for name, _ in frames] == [
        "WorkflowStarted",
        "StepPaused",
        "WorkflowPaused",
        "WorkflowRunOutput",
    ]
    assert "event" not in frames[-1][1]  # agno's closing run output has no event name
    paused = frames[-1][1]
    continued = http.post(
        f"{run_path('workflow', 'workflow-pause')}/{paused['run_id']}/continue",
        data={"session_id": "s", "step_requirements": _decided("workflow", paused, True)},
    )
    names = [name for name, _ in sse_frames(continued.text)]
    assert names == ["StepContinued", "StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"]


def test_a_rejected_agent_tool_still_lets_the_agent_answer(http: httpx.Client) -> None:
    paused = _pause(http, "agent", "agent-pause")
    body = _continue(
        http,
        "agent",
        "agent-pause",
        paused["run_id"],
        session_id="sess",
        tools=_decided("agent", paused, False),
    ).json()
    assert body["status"] == "COMPLETED"
    assert body["tools"][0]["confirmed"] is False


def test_an_agent_continue_without_decisions_runs_the_tool(http: httpx.Client) -> None:
    paused = _pause(http, "agent", "agent-pause")
    body = _continue(http, "agent", "agent-pause", paused["run_id"], session_id="sess").json()
    assert (body["status"], body["tools"][0]["confirmed"]) == ("COMPLETED", True)


def test_a_team_continue_without_requirements_stays_paused(http: httpx.Client) -> None:
    paused = _pause(http, "team", "team-pause")
    body = _continue(http, "team", "team-pause", paused["run_id"], session_id="sess").json()
    assert (body["status"], body["run_id"]) == ("PAUSED", paused["run_id"])


def test_workflow_continue_needs_a_decision_and_a_paused_run(http: httpx.Client) -> None:
    paused = _pause(http, "workflow", "workflow-pause")
    run_id = paused["run_id"]
    undecided = _continue(http, "workflow", "workflow-pause", run_id, session_id="sess")
    assert (undecided.status_code, undecided.json()) == (
        400,
        {"detail": "Cannot continue run - unresolved step requirements: ['confirm']"},
    )
    rejected = _continue(
        http,
        "workflow",
        "workflow-pause",
        run_id,
        session_id="sess",
        step_requirements=_decided("workflow", paused, False),
    )
    assert (rejected.json()["status"], rejected.json()["content"]) == ("COMPLETED", "No steps executed")
    again = _continue(
        http,
        "workflow",
        "workflow-pause",
        run_id,
        session_id="sess",
        step_requirements=_decided("workflow", paused, True),
    )
    assert (again.status_code, again.json()) == (409, {"detail": "run is already completed"})


@pytest.mark.parametrize("kind", KINDS)
def test_continue_errors(kind: str, deployment: StubDeployment, http: httpx.Client) -> None:
    component = f"{kind}-pause"
    paused = _pause(http, kind, component)
    no_session = _continue(http, kind, component, paused["run_id"])
    assert (no_session.status_code, no_session.json()) == (
        400,
        {"detail": "session_id is required for this action"},
    )
    not_found = (
        {"detail": "Run not found"} if kind == "workflow" else {"detail": "No runs found for run ID r-404"}
    )
    unknown = _continue(http, kind, component, "r-404", session_id="sess")
    assert (unknown.status_code, unknown.json()) == (404, not_found)
    other_session = _continue(http, kind, component, paused["run_id"], session_id="other")
    assert other_session.status_code == 404
    bad_json = _continue(
        http, kind, component, paused["run_id"], session_id="sess", **{FIELDS[kind]: "[oops"}
    )
    assert (bad_json.status_code, bad_json.json()) == (
        400,
        {"detail": f"Invalid JSON in {FIELDS[kind]} field"},
    )
    not_a_list = _continue(http, kind, component, paused["run_id"], session_id="sess", **{FIELDS[kind]: "{}"})
    assert not_a_list.status_code == 400
    assert not_a_list.json()["detail"].startswith(f"Invalid structure or content for {FIELDS[kind]}")


@pytest.mark.parametrize("kind", KINDS)
def test_the_factory_runs_before_the_run_lookup(kind: ComponentKind) -> None:
    deployment = StubDeployment()

    def deny(ctx: StubContext[Any], message: str) -> str:
        raise FactoryPermissionError("nope")

    deployment.factory(kind, "denier", reply=deny)
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        response = _continue(client, kind, "denier", "no-such-run", session_id="s")
    assert (response.status_code, response.json()) == (403, {"detail": "nope"})


def test_continuing_a_completed_agent_run_forks_a_follow_up(http: httpx.Client) -> None:
    first = http.post(
        run_path("agent", "agent-plain"), data={"message": "hi", "stream": "false", "session_id": "s"}
    )
    run_id = first.json()["run_id"]
    follow_up = _continue(http, "agent", "agent-plain", run_id, session_id="s", input="and then?")
    body = follow_up.json()
    assert body["status"] == "COMPLETED"
    assert body["run_id"] != run_id
    assert body["forked_from_run_id"] == run_id
    assert ctx_of(follow_up)["message"] == "hi"


def test_agent_continue_input_follows_the_profile() -> None:
    deployment = declare_standard(StubDeployment())
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        first = client.post(
            run_path("agent", "agent-defaults"), data={"message": "hi", "stream": "false", "session_id": "s"}
        )
        run_id = first.json()["run_id"]
        # The spec: agent and team continue re-run the factory with ctx.input=None.
        assert ctx_of(_continue(client, "agent", "agent-defaults", run_id, session_id="s"))["input"] is None
        deployment.profile = "agno"
        # agno 3.1.10 validates the omitted input as {} (wire notes 2.6).
        agno_ctx = ctx_of(_continue(client, "agent", "agent-defaults", run_id, session_id="s"))
        assert agno_ctx["input"] == {"persona": "analyst", "depth": 3}
        required = client.post(
            run_path("team", "team-required"),
            data={"message": "hi", "stream": "false", "session_id": "s", "factory_input": '{"tenant": "t"}'},
        )
        stuck = _continue(client, "team", "team-required", required.json()["run_id"], session_id="s")
        assert stuck.status_code == 400
        assert stuck.json()["detail"].startswith("factory_input validation failed")


def test_workflow_continue_reads_factory_input() -> None:
    deployment = StubDeployment()
    deployment.workflow_factory(
        "wf", requires_confirmation=True, reply=lambda ctx, message: json.dumps(ctx.input)
    )
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        paused = _pause(client, "workflow", "wf")
        body = _continue(
            client,
            "workflow",
            "wf",
            paused["run_id"],
            session_id="sess",
            factory_input='{"phase": "continue"}',
            step_requirements=_decided("workflow", paused, True),
        ).json()
        assert json.loads(body["content"]) == {"phase": "continue"}
        bad = _continue(client, "workflow", "wf", paused["run_id"], session_id="sess", factory_input="[1]")
        assert bad.json() == {"detail": "factory_input must be a JSON object, got list"}


# --- cancel ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_records_intent_without_running_the_factory(
    kind: str, deployment: StubDeployment, http: httpx.Client
) -> None:
    response = http.post(f"{run_path(kind, f'{kind}-plain')}/no-such-run/cancel")
    assert (response.status_code, response.json()) == (200, {})
    assert deployment.invocations == []


def test_a_cancelled_paused_agent_run_continues_as_cancelled(http: httpx.Client) -> None:
    paused = _pause(http, "agent", "agent-pause")
    assert http.post(f"{run_path('agent', 'agent-pause')}/{paused['run_id']}/cancel").json() == {}
    continued = _continue(
        http,
        "agent",
        "agent-pause",
        paused["run_id"],
        session_id="sess",
        tools=_decided("agent", paused, True),
    )
    assert continued.json()["status"] == "CANCELLED"
    streamed = http.post(
        f"{run_path('agent', 'agent-pause')}/{paused['run_id']}/continue", data={"session_id": "sess"}
    )
    assert [name for name, _ in sse_frames(streamed.text)] == ["RunCancelled"]


def test_a_cancelled_paused_workflow_cannot_continue(http: httpx.Client) -> None:
    paused = _pause(http, "workflow", "workflow-pause")
    http.post(
        f"{run_path('workflow', 'workflow-pause')}/{paused['run_id']}/cancel", params={"session_id": "sess"}
    )
    response = _continue(
        http, "workflow", "workflow-pause", paused["run_id"], session_id="sess",
        step_requirements=_decided("workflow", paused, True),
    )  # fmt: skip
    assert (response.status_code, response.json()) == (409, {"detail": "run is already cancelled"})


# --- background runs and run reads -----------------------------------------------------------------


def test_a_background_run_answers_202_and_is_readable(http: httpx.Client) -> None:
    response = http.post(
        run_path("workflow", "workflow-plain"),
        data={"message": "later", "stream": "false", "background": "true", "session_id": "bg"},
    )
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"run_id", "session_id", "status"}
    assert (body["session_id"], body["status"]) == ("bg", "PENDING")
    read = http.get(f"/workflows/workflow-plain/runs/{body['run_id']}", params={"session_id": "bg"})
    assert read.json()["status"] == "COMPLETED"


def test_workflow_run_read_follows_the_profile() -> None:
    deployment = declare_standard(StubDeployment())
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        run = client.post(
            run_path("workflow", "workflow-required"),
            data={"message": "m", "stream": "false", "session_id": "s", "factory_input": '{"tenant": "t"}'},
        ).json()
        path = f"/workflows/workflow-required/runs/{run['run_id']}"
        # Read back from storage, as agno shows it: no media lists, an events list (the factory's
        # post-resolve sets store_events=True: the spec profile keeps them for every run).
        stored = {
            key: value for key, value in run.items() if key not in {"images", "videos", "audio", "files"}
        }
        before = len(deployment.invocations)
        # The spec's table: the run read takes factory_input as a query parameter.
        assert client.get(path, params={"session_id": "s", "factory_input": "{bad"}).status_code == 400
        read = client.get(path, params={"session_id": "s", "factory_input": '{"tenant": "t"}'}).json()
        events = read.pop("events")
        assert read == stored
        assert [event["event"] for event in events] == [
            "WorkflowStarted",
            "StepStarted",
            "StepCompleted",
            "WorkflowCompleted",
        ]
        assert len(deployment.invocations) == before + 1
        deployment.profile = "agno"
        # agno 3.1.10 ignores it and never invokes the factory to read a run (wire notes 2.1).
        assert client.get(path, params={"session_id": "s", "factory_input": "{bad"}).json() == {
            **stored,
            "events": events,
        }
        assert len(deployment.invocations) == before + 1
        missing = client.get(path)
        assert (missing.status_code, missing.json()["detail"][0]["loc"]) == (422, ["query", "session_id"])
        unknown = client.get("/workflows/workflow-required/runs/zzz", params={"session_id": "s"})
        assert (unknown.status_code, unknown.json()) == (404, {"detail": "Run not found"})


def test_listing_workflow_runs_invokes_the_factory(deployment: StubDeployment, http: httpx.Client) -> None:
    form = {"message": "m", "stream": "false", "session_id": "s", "factory_input": '{"tenant": "t"}'}
    run = http.post(run_path("workflow", "workflow-required"), data=form).json()
    invocations = len(deployment.invocations)
    needs_input = http.get("/workflows/workflow-required/runs", params={"session_id": "s"})
    assert needs_input.status_code == 400  # a required-schema factory needs valid input even to list
    listed = http.get(
        "/workflows/workflow-required/runs", params={"session_id": "s", "factory_input": '{"tenant": "t"}'}
    )
    [summary] = listed.json()
    assert (summary["run_id"], summary["run_input"], summary["status"]) == (run["run_id"], "m", "COMPLETED")
    assert len(deployment.invocations) == invocations + 1
    unknown = http.get("/workflows/workflow-plain/runs", params={"session_id": "nope"})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Session not found"})


@pytest.mark.parametrize("kind", ["agent", "team"])
def test_agent_and_team_run_reads_never_invoke_the_factory(
    kind: str, deployment: StubDeployment, http: httpx.Client
) -> None:
    run = http.post(
        run_path(kind, f"{kind}-plain"), data={"message": "m", "stream": "false", "session_id": "s"}
    ).json()
    invocations = len(deployment.invocations)
    read = http.get(f"{run_path(kind, f'{kind}-plain')}/{run['run_id']}", params={"session_id": "s"}).json()
    # A factory's run keeps its per-step events (store_events=True); the rest reads back as answered.
    names = [event["event"] for event in read.pop("events")]
    assert [names[0], names[-1]] == [
        "RunStarted" if kind == "agent" else "TeamRunStarted",
        "RunCompleted" if kind == "agent" else "TeamRunCompleted",
    ]
    assert read == run
    [summary] = http.get(run_path(kind, f"{kind}-plain"), params={"session_id": "s"}).json()
    assert (summary["run_id"], summary[f"{kind}_id"]) == (run["run_id"], f"{kind}-plain")
    assert len(deployment.invocations) == invocations


def test_a_base_path_prefix_is_part_of_the_deployment_url() -> None:
    deployment = StubDeployment("https://gateway.test/agentos/")
    deployment.agent_factory("a")
    assert deployment.base_url == "https://gateway.test/agentos"
    with deployment.mock(), httpx.Client() as client:
        response = client.post(
            "https://gateway.test/agentos/agents/a/runs", data={"message": "hi", "stream": "false"}
        )
        assert response.json()["content"] == "hi"
    assert deployment.last_request.path == "/agentos/agents/a/runs"
    assert BASE_URL not in deployment.last_request.url
