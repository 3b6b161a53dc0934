"""The HTTP differences of wire-notes section 2, reproduced on a real agno 3.1.10 with the probes.

Each test is named after its numbered item (the WebSocket items 2, 3, 4, 5 and 7
live in test_agno_websocket.py), so the suite's ``agno-3.1`` profile rests on
facts observed here, not on prose. Findings beyond the wire notes are marked
``compat`` and recorded in docs/agno-compat.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from agentos_contract.probes import CRASH_SECRET, KINDS, RUN_SCOPES, Kind, ProbeDefaultsInput
from tests.integration.agno_server import AgnoServer
from tests.integration.agno_wire import Caller, confirmation_form, echo_of, new_trace, sse_events

pytestmark = [pytest.mark.agno, pytest.mark.loopback]


@pytest.fixture
def caller(agno_server: AgnoServer) -> Iterator[Caller]:
    caller = Caller(agno_server, agno_server.auth_headers(sub="probe-user"))
    yield caller
    caller.close()


def test_2_1_reading_a_workflow_run_ignores_factory_input(caller: Caller) -> None:
    run = caller.run("workflow", "probe-workflow-echo", session_id="s-2-1").json()
    trace = new_trace()
    response = caller.get(
        f"/workflows/probe-workflow-echo/runs/{run['run_id']}",
        params={"session_id": "s-2-1", "factory_input": "{bad"},
        trace=trace,
    )
    assert response.status_code == 200
    assert (response.json()["run_id"], response.json()["content"]) == (run["run_id"], run["content"])
    assert caller.ledger(trace) == []
    assert caller.get(f"/workflows/probe-workflow-echo/runs/{run['run_id']}").status_code == 422


@pytest.mark.parametrize("kind", ["agent", "team"])
def test_2_6_continue_validates_omitted_input_so_defaults_appear(caller: Caller, kind: Kind) -> None:
    component_id = f"probe-{kind}-pause-defaults"
    paused = caller.run(kind, component_id, factory_input={"persona": "advisor", "depth": 9}).json()
    assert (
        echo_of_input_after_continue(caller, kind, component_id, paused) == ProbeDefaultsInput().model_dump()
    )


def echo_of_input_after_continue(
    caller: Caller, kind: Kind, component_id: str, paused: dict[str, object]
) -> object:
    response = caller.continue_run(
        kind, component_id, str(paused["run_id"]), **confirmation_form(kind, paused)
    )
    assert response.status_code == 200, response.text
    return echo_of(response.json()["content"])["ctx"]["input"]


@pytest.mark.parametrize("kind", ["agent", "team"])
def test_2_6_a_required_schema_factory_can_never_be_continued(caller: Caller, kind: Kind) -> None:
    component_id = f"probe-{kind}-pause-required"
    paused = caller.run(kind, component_id, factory_input={"tenant": "t"}).json()
    assert paused["status"] == "PAUSED"
    form = confirmation_form(kind, paused)
    # The factory_input form field is not read on agent/team continue, so sending it does not help.
    response = caller.continue_run(
        kind, component_id, paused["run_id"], factory_input={"tenant": "t"}, **form
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("factory_input validation failed")


@pytest.mark.parametrize("kind", ["agent", "team"])
def test_2_6_no_schema_continue_ignores_even_invalid_factory_input(caller: Caller, kind: Kind) -> None:
    component_id = f"probe-{kind}-pause"
    paused = caller.run(kind, component_id).json()
    form = confirmation_form(kind, paused)
    response = caller.continue_run(kind, component_id, paused["run_id"], factory_input="{bad", **form)
    assert response.status_code == 200
    assert echo_of(response.json()["content"])["ctx"]["input_type"] == "none"


def test_2_6_workflow_continue_does_read_factory_input(caller: Caller) -> None:
    component_id = "probe-workflow-pause-required"
    paused = caller.run("workflow", component_id, factory_input={"tenant": "first"}).json()
    form = confirmation_form("workflow", paused)
    rejected = caller.continue_run("workflow", component_id, paused["run_id"], factory_input=[1], **form)
    assert (rejected.status_code, rejected.json()) == (
        400,
        {"detail": "factory_input must be a JSON object, got list"},
    )
    done = caller.continue_run(
        "workflow", component_id, paused["run_id"], factory_input={"tenant": "then"}, **form
    )
    assert done.status_code == 200, done.text
    assert echo_of(done.json()["content"])["ctx"]["input"] == {"tenant": "then", "depth": 1}


NOT_FOUND_RUN = {
    "agent": "No runs found for run ID {run_id}",
    "team": "No runs found for run ID {run_id}",
    "workflow": "Run not found",
}


@pytest.mark.parametrize("kind", KINDS)
def test_2_8_continue_builds_the_component_before_looking_up_the_run(caller: Caller, kind: Kind) -> None:
    run_id = f"no-such-run-{uuid.uuid4().hex}"
    trace = new_trace()
    crash = caller.continue_run(kind, f"probe-{kind}-crash", run_id, session_id="s", trace=trace)
    assert (crash.status_code, crash.json()) == (500, {"detail": f"Error in {kind} factory: {CRASH_SECRET}"})
    denied = caller.as_(scopes=()).continue_run(kind, f"probe-{kind}-scope", run_id, session_id="s")
    assert (denied.status_code, denied.json()) == (403, {"detail": f"Missing '{RUN_SCOPES[kind]}' scope"})
    missing = caller.continue_run(kind, f"probe-{kind}-echo", run_id, session_id="s", trace=trace)
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": NOT_FOUND_RUN[kind].format(run_id=run_id)},
    )
    assert [entry["probe"] for entry in caller.ledger(trace)] == [f"probe-{kind}-crash", f"probe-{kind}-echo"]


def test_2_8_listing_workflow_runs_builds_the_component(caller: Caller) -> None:
    trace = new_trace()
    path = "/workflows/{}/runs"
    required = caller.get(path.format("probe-workflow-required"), params={"session_id": "nope"}, trace=trace)
    assert required.status_code == 400
    assert required.json()["detail"].startswith("factory_input validation failed")
    valid = caller.get(
        path.format("probe-workflow-required"),
        params={"session_id": "nope", "factory_input": '{"tenant": "t"}'},
        trace=trace,
    )
    assert (valid.status_code, valid.json()) == (404, {"detail": "Session not found"})
    denied = caller.as_(scopes=()).get(path.format("probe-workflow-scope"), params={"session_id": "nope"})
    assert (denied.status_code, denied.json()) == (403, {"detail": "Missing 'workflows:run' scope"})
    assert caller.ledger(trace) == [
        {
            "probe": "probe-workflow-required",
            "method": "GET",
            "path": "/workflows/probe-workflow-required/runs",
            "input_type": "model",
        }
    ]


def test_2_8_listing_runs_of_a_known_session(caller: Caller) -> None:
    run = caller.run("workflow", "probe-workflow-echo", session_id="s-2-8-list").json()
    listed = caller.get("/workflows/probe-workflow-echo/runs", params={"session_id": "s-2-8-list"})
    assert listed.status_code == 200
    assert [entry["run_id"] for entry in listed.json()] == [run["run_id"]]


@pytest.mark.parametrize("kind", KINDS)
def test_2_9_the_factory_never_sees_a_generated_session_id(caller: Caller, kind: Kind) -> None:
    run = caller.run(kind, f"probe-{kind}-echo").json()
    assert echo_of(run["content"])["ctx"]["session_id"] is None
    assert uuid.UUID(run["session_id"])


@pytest.mark.parametrize("kind", KINDS)
def test_2_10_500_details_differ_by_cause(caller: Caller, kind: Kind) -> None:
    plain = caller.run(kind, f"probe-{kind}-crash").json()
    bare = caller.run(kind, f"probe-{kind}-factory-error").json()
    wrong = caller.run(kind, f"probe-{kind}-wrong-type").json()
    assert plain == {"detail": f"Error in {kind} factory: {CRASH_SECRET}"}
    assert bare == wrong == {"detail": f"{kind.capitalize()} factory error"}


@pytest.mark.parametrize("kind", KINDS)
def test_2_11_async_factories_are_awaited_on_every_route(caller: Caller, kind: Kind) -> None:
    assert caller.run(kind, f"probe-{kind}-echo-async").status_code == 200
    assert caller.run(kind, f"probe-{kind}-defaults", stream=True).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_2_12_validation_comes_before_the_permission_check(caller: Caller, kind: Kind) -> None:
    response = caller.as_(scopes=()).run(kind, f"probe-{kind}-scope-required", factory_input={"tenant": 1})
    assert response.status_code == 400


# --- compat: found on agno 3.1.10 beyond the wire notes (docs/agno-compat.md) ----------------------


def test_compat_workflow_list_entries_omit_input_schema(caller: Caller) -> None:
    listed = {entry["id"]: entry for entry in caller.get("/workflows").json()}["probe-workflow-required"]
    single = caller.get("/workflows/probe-workflow-required").json()
    assert "input_schema" not in listed
    assert "factory_input_schema" in listed
    assert single["input_schema"] == single["factory_input_schema"] == listed["factory_input_schema"]


def test_compat_workflow_continue_without_session_id_is_a_500(agno_server: AgnoServer) -> None:
    # agent/team continue answer 400 "session_id is required for this action"; the workflow
    # route raises instead, and uvicorn drops the keep-alive connection after the 500.
    caller = Caller(agno_server, agno_server.auth_headers(sub="probe-user"))
    try:
        paused = caller.run("workflow", "probe-workflow-pause").json()
        response = caller.client.post(
            f"/workflows/probe-workflow-pause/runs/{paused['run_id']}/continue",
            data={"stream": "false"},
            headers={**caller.headers, "Connection": "close"},
        )
    finally:
        caller.close()
    assert (response.status_code, response.json()) == (500, {"detail": "Internal server error (Exception)"})
    for kind in ("agent", "team"):
        with Caller(agno_server, agno_server.auth_headers(sub="probe-user")) as fresh:
            refused = fresh.continue_run(kind, f"probe-{kind}-echo", "any-run")
        assert (refused.status_code, refused.json()) == (
            400,
            {"detail": "session_id is required for this action"},
        )


def test_compat_team_paused_run_carries_tools_too(caller: Caller) -> None:
    paused = caller.run("team", "probe-team-pause").json()
    assert [tool["tool_name"] for tool in paused["tools"]] == ["probe_confirm"]
    assert [req["tool_execution"]["tool_name"] for req in paused["requirements"]] == ["probe_confirm"]


def test_compat_streamed_workflow_pause_ends_with_a_run_output_event(caller: Caller) -> None:
    events = sse_events(caller.run("workflow", "probe-workflow-pause", stream=True))
    assert [event.event for event in events][-2:] == ["WorkflowPaused", "WorkflowRunOutput"]
    run_output = events[-1].json()
    # The whole paused run output, without the "event" key every other SSE data object repeats.
    assert run_output["status"] == "PAUSED"
    assert "event" not in run_output
    assert run_output["step_requirements"] == events[-2].json()["step_requirements"]


def test_compat_agent_run_list_uses_empty_strings_for_missing_ids(agno_server_noauth: AgnoServer) -> None:
    with Caller(agno_server_noauth) as caller:
        run = caller.run("agent", "probe-agent-echo", session_id="s-compat-list").json()
        listed = caller.get("/agents/probe-agent-echo/runs", params={"session_id": "s-compat-list"}).json()
    entry = next(item for item in listed if item["run_id"] == run["run_id"])
    assert (entry["user_id"], entry["parent_run_id"]) == ("", "")
