"""Pause, continue and cancel, and the workflow GET routes (factory_input as a query parameter)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from agentos_reference import Agent, AgentFactory, ModelReply, ModelRequest, ReferenceOS, SqliteDb
from agentos_reference.runtime.conversation import REJECTED_RESULT
from agentos_reference.storage import ComponentType

from .conftest import bearer, client_for, echo_of, hs_token, ledger, sse_events, trace_header

KINDS = ["agent", "team", "workflow"]


async def pause(client: httpx.AsyncClient, kind: str, probe: str = "pause", **form: str) -> dict[str, Any]:
    response = await client.post(
        f"/{kind}s/probe-{kind}-{probe}/runs", data={"message": "wait", "stream": "false", **form}
    )
    assert response.status_code == 200, response.text
    output: dict[str, Any] = response.json()
    assert output["status"] == "PAUSED"
    return output


def decisions(kind: str, paused: dict[str, Any], confirmed: bool = True) -> dict[str, str]:
    """The continue form fields AgentOS clients send: the paused run's own lists, decided."""
    if kind == "workflow":
        step_requirements = [{**item, "confirmed": confirmed} for item in paused["step_requirements"]]
        return {"step_requirements": json.dumps(step_requirements)}
    if kind == "team":
        requirements = [
            {**item, "tool_execution": {**item["tool_execution"], "confirmed": confirmed}}
            for item in paused["requirements"]
        ]
        return {"requirements": json.dumps(requirements)}
    return {"tools": json.dumps([{**tool, "confirmed": confirmed} for tool in paused["tools"]])}


async def resume(
    client: httpx.AsyncClient,
    kind: str,
    paused: dict[str, Any],
    probe: str = "pause",
    headers: dict[str, str] | None = None,
    **form: str,
) -> httpx.Response:
    data = {"stream": "false", "session_id": paused["session_id"], **decisions(kind, paused), **form}
    return await client.post(
        f"/{kind}s/probe-{kind}-{probe}/runs/{paused['run_id']}/continue", data=data, headers=headers or {}
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_a_paused_run_carries_what_a_client_needs_to_continue(
    client: httpx.AsyncClient, kind: str
) -> None:
    paused = await pause(client, kind)
    if kind == "agent":
        assert paused["tools"][0]["requires_confirmation"] is True
        assert paused["tools"][0]["confirmed"] is None
        assert paused["requirements"][0]["tool_execution"]["tool_name"] == "probe_confirm"
    elif kind == "team":
        assert paused["requirements"][0]["tool_execution"]["requires_confirmation"] is True
    else:
        assert (paused["paused_step_index"], paused["paused_step_name"], paused["pause_kind"]) == (
            0,
            "confirm",
            "step",
        )
        assert paused["step_requirements"][0]["requires_confirmation"] is True


@pytest.mark.parametrize(
    ("kind", "paused_event"),
    [("agent", "RunPaused"), ("team", "TeamRunPaused"), ("workflow", "WorkflowPaused")],
)
async def test_a_streamed_pause_ends_with_the_pause_event(
    client: httpx.AsyncClient, kind: str, paused_event: str
) -> None:
    response = await client.post(f"/{kind}s/probe-{kind}-pause/runs", data={"message": "m"})
    events = sse_events(response.text)
    assert events[-1][0] == paused_event
    if kind == "workflow":
        assert events[-2][0] == "StepPaused"
        assert events[-1][1]["step_requirements"][0]["step_name"] == "confirm"
    else:
        assert events[-1][1]["requirements"]


@pytest.mark.parametrize("kind", KINDS)
async def test_continue_with_the_confirmation_completes_with_the_continues_own_ctx(
    client: httpx.AsyncClient, kind: str
) -> None:
    paused = await pause(client, kind, user_id="first-user")
    trace, headers = trace_header()
    response = await resume(client, kind, paused, headers=headers, user_id="second-user")
    assert response.status_code == 200, response.text
    output = response.json()
    assert (output["status"], output["run_id"]) == ("COMPLETED", paused["run_id"])
    echo = echo_of(output)
    assert echo["ctx"]["user_id"] == "second-user"
    assert echo["ctx"]["request"]["path"].endswith(f"/runs/{paused['run_id']}/continue")
    assert [entry["path"] for entry in await ledger(client, trace)] == [echo["ctx"]["request"]["path"]]


@pytest.mark.parametrize("kind", ["agent", "team"])
@pytest.mark.parametrize("probe", ["pause", "pause-defaults", "pause-required"])
async def test_agent_and_team_continue_give_the_factory_ctx_input_none_unvalidated(
    client: httpx.AsyncClient, kind: str, probe: str
) -> None:
    start_input = {
        "pause": "{}",
        "pause-defaults": '{"persona": "skeptic"}',
        "pause-required": '{"tenant": "t"}',
    }
    paused = await pause(client, kind, probe, factory_input=start_input[probe])
    response = await resume(client, kind, paused, probe=probe, factory_input="{this is not read")
    assert response.status_code == 200, response.text
    ctx = echo_of(response.json())["ctx"]
    assert (ctx["input"], ctx["input_type"]) == (None, "none")


async def test_workflow_continue_reads_and_validates_factory_input(client: httpx.AsyncClient) -> None:
    paused = await pause(client, "workflow", "pause-required", factory_input='{"tenant": "start"}')
    for bad in ("", "{bad", "[1]", '{"tenant": 5}'):
        refused = await resume(client, "workflow", paused, probe="pause-required", factory_input=bad)
        assert refused.status_code == 400, bad
    accepted = await resume(
        client, "workflow", paused, probe="pause-required", factory_input='{"tenant": "cont"}'
    )
    assert accepted.status_code == 200
    assert echo_of(accepted.json())["ctx"]["input"] == {"tenant": "cont", "depth": 1}


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        ("agent", "RunContinued", "RunCompleted"),
        ("team", "TeamRunContinued", "TeamRunCompleted"),
        ("workflow", "StepContinued", "WorkflowCompleted"),
    ],
)
async def test_a_streamed_continue_runs_the_confirmed_step(
    client: httpx.AsyncClient, kind: str, first: str, last: str
) -> None:
    paused = await pause(client, kind)
    response = await resume(client, kind, paused, stream="true")
    names = [name for name, _ in sse_events(response.text)]
    assert (names[0], names[-1]) == (first, last)
    if kind == "agent":
        assert names[1:3] == ["ToolCallStarted", "ToolCallCompleted"]
    if kind == "workflow":
        assert names[1] == "StepStarted"


async def test_agent_continue_accepts_requirements_instead_of_tools(client: httpx.AsyncClient) -> None:
    paused = await pause(client, "agent")
    response = await client.post(
        f"/agents/probe-agent-pause/runs/{paused['run_id']}/continue",
        data={"stream": "false", **decisions("team", paused)},  # the team form: a requirements list
    )
    assert response.json()["status"] == "COMPLETED"


async def test_a_rejected_tool_call_is_not_executed(client: httpx.AsyncClient) -> None:
    paused = await pause(client, "agent")
    response = await client.post(
        f"/agents/probe-agent-pause/runs/{paused['run_id']}/continue",
        data={"stream": "false", **decisions("agent", paused, confirmed=False)},
    )
    output = response.json()
    assert output["status"] == "COMPLETED"
    assert (output["tools"][0]["confirmed"], output["tools"][0]["result"]) == (False, REJECTED_RESULT)


async def test_a_rejected_workflow_step_is_skipped(client: httpx.AsyncClient) -> None:
    paused = await pause(client, "workflow")
    response = await client.post(
        f"/workflows/probe-workflow-pause/runs/{paused['run_id']}/continue",
        data={"stream": "false", **decisions("workflow", paused, confirmed=False)},
    )
    output = response.json()
    assert output["status"] == "COMPLETED"
    assert [result["step_name"] for result in output["step_results"]] == ["echo"]


@pytest.mark.parametrize("kind", KINDS)
async def test_continue_without_a_decision_is_400_and_the_run_stays_paused(
    client: httpx.AsyncClient, db: SqliteDb, kind: ComponentType
) -> None:
    paused = await pause(client, kind)
    for form in ({}, {"tools": "[]", "requirements": "[]", "step_requirements": "[]"}):
        response = await client.post(
            f"/{kind}s/probe-{kind}-pause/runs/{paused['run_id']}/continue", data={"stream": "false", **form}
        )
        assert response.status_code == 400, response.text
    record = await db.get_run(kind, f"probe-{kind}-pause", paused["run_id"])
    assert record is not None
    assert record.status == "PAUSED"
    assert (await resume(client, kind, paused)).status_code == 200, "the pause was not lost"


@pytest.mark.parametrize("field", ["tools", "requirements"])
async def test_continue_fields_that_are_not_json_are_400(client: httpx.AsyncClient, field: str) -> None:
    paused = await pause(client, "agent")
    response = await client.post(
        f"/agents/probe-agent-pause/runs/{paused['run_id']}/continue",
        data={field: "[{oops", "stream": "false"},
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{field} must be valid JSON")


@pytest.mark.parametrize("kind", KINDS)
async def test_continuing_a_run_that_is_not_paused_is_409(client: httpx.AsyncClient, kind: str) -> None:
    paused = await pause(client, kind)
    assert (await resume(client, kind, paused)).status_code == 200
    again = await resume(client, kind, paused)
    assert again.status_code == 409
    assert "not paused" in again.json()["detail"]


@pytest.mark.parametrize(
    ("kind", "detail"), [("agent", "No runs found for run ID nope"), ("workflow", "Run not found")]
)
async def test_an_unknown_run_is_404_after_the_factory_ran(
    client: httpx.AsyncClient, kind: str, detail: str
) -> None:
    trace, headers = trace_header()
    response = await client.post(
        f"/{kind}s/probe-{kind}-echo/runs/nope/continue", data={"stream": "false"}, headers=headers
    )
    assert (response.status_code, response.json()) == (404, {"detail": detail})
    assert len(await ledger(client, trace)) == 1, "the factory is resolved before the run lookup"
    assert (await client.post(f"/{kind}s/probe-{kind}-crash/runs/nope/continue", data={})).status_code == 500
    assert (await client.post(f"/{kind}s/probe-{kind}-scope/runs/nope/continue", data={})).status_code == 403


async def test_continue_in_another_session_or_by_another_user_is_404(client: httpx.AsyncClient) -> None:
    paused = await pause(client, "agent", user_id="")
    assert (await resume(client, "agent", paused, session_id="other-session")).status_code == 404
    owned = (
        await client.post(
            "/agents/probe-agent-pause/runs",
            data={"message": "m", "stream": "false"},
            headers=bearer(hs_token(sub="owner")),
        )
    ).json()
    stranger = await resume(client, "agent", owned, headers=bearer(hs_token(sub="stranger")))
    assert stranger.status_code == 404
    owner = await resume(client, "agent", owned, headers=bearer(hs_token(sub="owner")))
    assert owner.status_code == 200


@pytest.mark.parametrize("kind", KINDS)
async def test_cancel_never_invokes_the_factory(client: httpx.AsyncClient, kind: str) -> None:
    trace, headers = trace_header()
    for probe in ("crash", "scope", "echo"):
        response = await client.post(
            f"/{kind}s/probe-{kind}-{probe}/runs/no-such-run/cancel", headers=headers
        )
        assert (response.status_code, response.json()) == (200, {})
    assert await ledger(client, trace) == []
    missing = await client.post(f"/{kind}s/no-such-{kind}/runs/r/cancel")
    assert missing.status_code == 404


@pytest.mark.parametrize("kind", KINDS)
async def test_a_cancelled_pause_cannot_be_continued(
    client: httpx.AsyncClient, db: SqliteDb, kind: ComponentType
) -> None:
    paused = await pause(client, kind)
    assert (await client.post(f"/{kind}s/probe-{kind}-pause/runs/{paused['run_id']}/cancel")).json() == {}
    record = await db.get_run(kind, f"probe-{kind}-pause", paused["run_id"])
    assert record is not None
    assert record.status == "CANCELLED"
    assert (await resume(client, kind, paused)).status_code == 409


class GatedModel:
    """Answers only once the test opens the gate, so a cancel can land while it 'thinks'."""

    id = "gated"
    provider = "tests"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def respond(self, request: ModelRequest) -> ModelReply:
        self.entered.set()
        await self.gate.wait()
        return ModelReply(content="too late")


async def test_cancel_stops_a_run_in_flight(db: SqliteDb) -> None:
    model = GatedModel()
    app = ReferenceOS(
        agents=[AgentFactory(id="slow", db=db, factory=lambda ctx: Agent(model=model))]
    ).get_app()
    async with client_for(app) as client:
        running = asyncio.create_task(client.post("/agents/slow/runs", data={"message": "m"}))
        await model.entered.wait()
        (run_id,) = app.state.server.active.run_ids()
        assert (await client.post(f"/agents/slow/runs/{run_id}/cancel")).json() == {}
        model.gate.set()
        response = await running
    names = [name for name, _ in sse_events(response.text)]
    assert names[-1] == "RunCancelled"
    assert "too late" not in response.text
    record = await db.get_run("agent", "slow", run_id)
    assert record is not None
    assert record.status == "CANCELLED"


async def test_a_pause_survives_a_restart_and_continues(tmp_path: Path) -> None:
    path = tmp_path / "pause.sqlite3"
    first = SqliteDb(path)
    async with client_for(ReferenceOS(db=first, with_probes=True).get_app()) as client:
        paused = await pause(client, "agent")
    first.close()
    second = SqliteDb(path)
    async with client_for(ReferenceOS(db=second, with_probes=True).get_app()) as client:
        response = await resume(client, "agent", paused)
    second.close()
    assert response.json()["status"] == "COMPLETED"


# -- workflow GET routes ---------------------------------------------------------------------------


async def workflow_run(client: httpx.AsyncClient, probe: str, session_id: str, **form: str) -> dict[str, Any]:
    response = await client.post(
        f"/workflows/probe-workflow-{probe}/runs",
        data={"message": "m", "stream": "false", "session_id": session_id, **form},
        headers=bearer(hs_token(scopes=["workflows:run"])),
    )
    assert response.status_code == 200, response.text
    output: dict[str, Any] = response.json()
    return output


async def test_get_workflow_run_reads_the_stored_output(client: httpx.AsyncClient) -> None:
    created = await workflow_run(client, "echo", "g1")
    response = await client.get(
        f"/workflows/probe-workflow-echo/runs/{created['run_id']}", params={"session_id": "g1"}
    )
    assert response.status_code == 200
    stored = response.json()
    assert (stored["run_id"], stored["content"], stored["status"]) == (
        created["run_id"],
        created["content"],
        "COMPLETED",
    )
    assert stored["events"][-1]["event"] == "WorkflowCompleted", "factory runs keep their events"
    other_session = await client.get(
        f"/workflows/probe-workflow-echo/runs/{created['run_id']}", params={"session_id": "other"}
    )
    assert (other_session.status_code, other_session.json()) == (404, {"detail": "Run not found"})
    assert (await client.get("/workflows/probe-workflow-echo/runs/unknown")).status_code == 404


@pytest.mark.parametrize("route", ["one", "list"])
async def test_workflow_reads_validate_factory_input_and_invoke_the_factory(
    client: httpx.AsyncClient, route: str
) -> None:
    created = await workflow_run(client, "required", "g2", factory_input='{"tenant": "t"}')
    path = "/workflows/probe-workflow-required/runs" + (f"/{created['run_id']}" if route == "one" else "")
    trace, headers = trace_header()
    for bad in (None, "{bad", "[1]", '{"tenant": 1}'):
        params = {"session_id": "g2"} | ({} if bad is None else {"factory_input": bad})
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == 400, bad
    assert await ledger(client, trace) == []
    ok = await client.get(
        path, params={"session_id": "g2", "factory_input": '{"tenant": "t"}'}, headers=headers
    )
    assert ok.status_code == 200
    assert [entry["probe"] for entry in await ledger(client, trace)] == ["probe-workflow-required"]


async def test_workflow_reads_apply_the_factorys_permission_check(client: httpx.AsyncClient) -> None:
    created = await workflow_run(client, "scope", "g3")
    path = f"/workflows/probe-workflow-scope/runs/{created['run_id']}"
    assert (await client.get(path)).status_code == 403
    allowed = await client.get(path, headers=bearer(hs_token(scopes=["workflows:run"])))
    assert allowed.status_code == 200


async def test_list_workflow_runs_by_session_and_status(client: httpx.AsyncClient) -> None:
    first = await workflow_run(client, "pause", "g4")
    second = await workflow_run(client, "pause", "g4")
    await workflow_run(client, "pause", "g5")
    listed = await client.get("/workflows/probe-workflow-pause/runs", params={"session_id": "g4"})
    assert [run["run_id"] for run in listed.json()] == [first["run_id"], second["run_id"]]
    assert listed.json()[0]["run_input"] == "m"
    await resume(client, "workflow", first)
    paused_only = await client.get(
        "/workflows/probe-workflow-pause/runs", params={"session_id": "g4", "status": "PAUSED"}
    )
    assert [run["run_id"] for run in paused_only.json()] == [second["run_id"]]
    unknown = await client.get("/workflows/probe-workflow-pause/runs", params={"session_id": "nope"})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Session not found"})


async def test_agent_run_reads_never_invoke_the_factory(client: httpx.AsyncClient) -> None:
    created = (
        await client.post(
            "/agents/probe-agent-scope/runs",
            data={"message": "m", "stream": "false", "session_id": "a1"},
            headers=bearer(hs_token(scopes=["agents:run"])),
        )
    ).json()
    trace, headers = trace_header()
    one = await client.get(f"/agents/probe-agent-scope/runs/{created['run_id']}", headers=headers)
    listed = await client.get("/agents/probe-agent-scope/runs", params={"session_id": "a1"}, headers=headers)
    assert one.status_code == 200
    assert [run["run_id"] for run in listed.json()] == [created["run_id"]]
    assert await ledger(client, trace) == []


@pytest.mark.parametrize("kind", KINDS)
async def test_a_continued_run_stores_the_events_of_both_legs_in_order(
    client: httpx.AsyncClient, db: SqliteDb, kind: str
) -> None:
    component_type = cast(ComponentType, kind)
    paused = await pause(client, kind)
    first_leg = await db.get_run(component_type, f"probe-{kind}-pause", paused["run_id"])
    assert first_leg is not None
    paused_events = [event["event"] for event in first_leg.output["events"]]
    response = await resume(client, kind, paused)
    assert response.status_code == 200, response.text
    record = await db.get_run(component_type, f"probe-{kind}-pause", paused["run_id"])
    assert record is not None
    names = [event["event"] for event in record.output["events"]]
    assert names[: len(paused_events)] == paused_events, "the first leg's events are kept, unchanged"
    assert len(names) > len(paused_events)
    assert any(name.endswith("Paused") for name in paused_events)
    assert names[-1] in {"RunCompleted", "TeamRunCompleted", "WorkflowCompleted"}
