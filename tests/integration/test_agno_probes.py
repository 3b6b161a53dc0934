"""Every probe behaves per docs/probe-protocol.md on a real agno 3.1.10 AgentOS.

Raw httpx against the harness of agno_app.py, once per auth mode (the
``agno_server`` fixture is parametrized over JWT and no auth). The WebSocket
and the wire-notes differences have their own modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agentos_contract.probes import (
    CRASH_SECRET,
    DESCRIPTION_PREFIX,
    FACTORY_ERROR_SECRET,
    KINDS,
    RUN_SCOPES,
    Kind,
    ProbeDefaultsInput,
    ProbeRequiredInput,
    probes_of_kind,
)
from tests.integration.agno_server import AgnoServer
from tests.integration.agno_wire import (
    COLLECTIONS,
    OMITTED,
    Caller,
    confirmation_form,
    echo_of,
    new_trace,
    sse_events,
)

pytestmark = [pytest.mark.agno, pytest.mark.loopback]


@pytest.fixture
def caller(agno_server: AgnoServer) -> Iterator[Caller]:
    """A caller with a plain token (``sub`` only, no scopes) in JWT mode, nothing in no-auth mode."""
    caller = Caller(agno_server, agno_server.auth_headers(sub="probe-user"))
    yield caller
    caller.close()


def probe_id(kind: Kind, suffix: str) -> str:
    return f"probe-{kind}-{suffix}"


def runs_path(kind: Kind, component_id: str) -> str:
    return f"/{COLLECTIONS[kind]}/{component_id}/runs"


# --- discovery -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_discovery_lists_every_probe_with_protocol_description_and_schema(caller: Caller, kind: Kind) -> None:
    response = caller.get(f"/{COLLECTIONS[kind]}")
    assert response.status_code == 200
    entries = {entry["id"]: entry for entry in response.json()}
    for spec in probes_of_kind(kind):
        entry = entries[spec.id]
        assert entry["description"].startswith(DESCRIPTION_PREFIX)
        assert entry["description"] == spec.description
        assert entry["is_factory"] is spec.is_factory
        if spec.input_schema is None:
            assert "input_schema" not in entry
            assert "factory_input_schema" not in entry
        else:
            assert entry["factory_input_schema"] == spec.input_schema.model_json_schema()
            # agno also repeats it as input_schema, except in the GET /workflows list (agno-compat.md).
            assert entry.get("input_schema", entry["factory_input_schema"]) == entry["factory_input_schema"]


@pytest.mark.parametrize("kind", KINDS)
def test_discovery_of_one_probe_and_of_an_unknown_id(caller: Caller, kind: Kind) -> None:
    found = caller.get(f"/{COLLECTIONS[kind]}/{probe_id(kind, 'required')}")
    assert found.status_code == 200
    assert found.json()["factory_input_schema"] == ProbeRequiredInput.model_json_schema()
    missing = caller.get(f"/{COLLECTIONS[kind]}/{probe_id(kind, 'no-such-probe')}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"{kind.capitalize()} not found"}


def test_discovery_never_invokes_a_factory(caller: Caller) -> None:
    trace = new_trace()
    for kind in KINDS:
        assert caller.get(f"/{COLLECTIONS[kind]}", trace=trace).status_code == 200
        assert caller.get(f"/{COLLECTIONS[kind]}/{probe_id(kind, 'crash')}", trace=trace).status_code == 200
    assert caller.ledger(trace) == []


# --- the echo: identity, request, message ------------------------------------------------------


def expected_identity(server: AgnoServer) -> dict[str, Any]:
    """What ctx shows for a run sent with token (sub=jwt-user, session_id=jwt-sess) and form values."""
    if server.auth == "jwt":
        return {"user_id": "jwt-user", "session_id": "jwt-sess", "scopes": ["custom:scope"]}
    return {"user_id": "form-user", "session_id": "form-sess", "scopes": []}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["echo", "echo-async"])
def test_echo_reports_identity_claims_request_and_message(
    caller: Caller, agno_server: AgnoServer, kind: Kind, suffix: str
) -> None:
    component_id = probe_id(kind, suffix)
    identified = caller.as_(sub="jwt-user", session_id="jwt-sess", scopes=("custom:scope",))
    response = identified.run(
        kind, component_id, message="hello probe", user_id="form-user", session_id="form-sess"
    )
    assert response.status_code == 200, response.text
    run = response.json()
    echo = echo_of(run["content"])
    expected = expected_identity(agno_server)
    assert {key: echo[key] for key in ("agentos_contract_probe", "probe", "kind", "message")} == {
        "agentos_contract_probe": 1,
        "probe": component_id,
        "kind": kind,
        "message": "hello probe",
    }
    ctx = echo["ctx"]
    assert (ctx["user_id"], ctx["session_id"], ctx["scopes"]) == (
        expected["user_id"],
        expected["session_id"],
        expected["scopes"],
    )
    assert (run["user_id"], run["session_id"]) == (expected["user_id"], expected["session_id"])
    assert ctx["request"] == {"method": "POST", "path": runs_path(kind, component_id)}
    assert (ctx["input"], ctx["input_type"], ctx["input_model"]) == (None, "none", None)
    if agno_server.auth == "jwt":
        assert {key: ctx["claims"][key] for key in ("sub", "session_id", "scopes")} == {
            "sub": "jwt-user",
            "session_id": "jwt-sess",
            "scopes": ["custom:scope"],
        }
        assert isinstance(ctx["claims"]["exp"], int)
    else:
        assert ctx["claims"] == {}


def test_prototype_answers_with_null_ctx(caller: Caller) -> None:
    echo = caller.echo("agent", "probe-agent-prototype", message="plain")
    assert echo == {
        "agentos_contract_probe": 1,
        "probe": "probe-agent-prototype",
        "kind": "agent",
        "message": "plain",
        "ctx": None,
    }


def test_probe_replies_are_deterministic(caller: Caller) -> None:
    first = caller.run("agent", "probe-agent-echo", message="same", session_id="s-det").json()["content"]
    second = caller.run("agent", "probe-agent-echo", message="same", session_id="s-det").json()["content"]
    assert first == second


# --- factory_input ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("suffix", "factory_input", "expected_input", "input_type", "input_model"),
    [
        ("echo", OMITTED, None, "none", None),
        ("echo", {"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}, "dict", None),
        ("required", {"tenant": "acme"}, {"tenant": "acme", "depth": 1}, "model", "ProbeRequiredInput"),
        (
            "required",
            {"tenant": "acme", "extra": True},
            {"tenant": "acme", "depth": 1},
            "model",
            "ProbeRequiredInput",
        ),
        ("defaults", OMITTED, ProbeDefaultsInput().model_dump(), "model", "ProbeDefaultsInput"),
        ("defaults", {"depth": "7"}, {"persona": "analyst", "depth": 7}, "model", "ProbeDefaultsInput"),
    ],
)
def test_input_reaches_the_factory_typed(
    caller: Caller,
    kind: Kind,
    suffix: str,
    factory_input: object,
    expected_input: object,
    input_type: str,
    input_model: str | None,
) -> None:
    ctx = caller.echo(kind, probe_id(kind, suffix), factory_input=factory_input)["ctx"]
    assert (ctx["input"], ctx["input_type"], ctx["input_model"]) == (expected_input, input_type, input_model)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("suffix", "factory_input", "detail_prefix"),
    [
        ("required", OMITTED, "factory_input validation failed"),
        ("required", {"tenant": 5}, "factory_input validation failed"),
        ("defaults", {"persona": "bogus"}, "factory_input validation failed"),
        ("echo", "{bad", "factory_input must be valid JSON"),
        ("echo", [1, 2], "factory_input must be a JSON object, got list"),
        ("required", "null", "factory_input must be a JSON object, got NoneType"),
    ],
)
def test_invalid_input_is_400_and_the_factory_never_runs(
    caller: Caller, kind: Kind, suffix: str, factory_input: object, detail_prefix: str
) -> None:
    trace = new_trace()
    response = caller.run(kind, probe_id(kind, suffix), factory_input=factory_input, trace=trace)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail_prefix)
    assert caller.ledger(trace) == []


# --- scope gating ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_scope_probe_is_403_without_its_scope(caller: Caller, kind: Kind) -> None:
    response = caller.as_(sub="probe-user", scopes=("other:scope",)).run(kind, probe_id(kind, "scope"))
    assert response.status_code == 403
    assert response.json() == {"detail": f"Missing '{RUN_SCOPES[kind]}' scope"}


@pytest.mark.parametrize("kind", KINDS)
def test_scope_probe_echoes_with_its_scope(agno_server_jwt: AgnoServer, kind: Kind) -> None:
    caller = Caller(agno_server_jwt, agno_server_jwt.auth_headers(scopes=(RUN_SCOPES[kind],)))
    try:
        echo = caller.echo(kind, probe_id(kind, "scope-required"), factory_input={"tenant": "t"})
    finally:
        caller.close()
    assert echo["ctx"]["scopes"] == [RUN_SCOPES[kind]]
    assert echo["ctx"]["input"] == {"tenant": "t", "depth": 1}


@pytest.mark.parametrize("kind", KINDS)
def test_scope_required_validates_input_before_the_permission_check(caller: Caller, kind: Kind) -> None:
    component_id = probe_id(kind, "scope-required")
    assert caller.run(kind, component_id, factory_input={"depth": 2}).status_code == 400
    assert caller.run(kind, component_id, factory_input={"tenant": "t"}).status_code == 403


# --- failing factories -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", [False, True])
def test_failing_probes_answer_500_json_and_are_recorded(caller: Caller, kind: Kind, stream: bool) -> None:
    trace = new_trace()
    title = kind.capitalize()
    expectations = {
        "crash": f"Error in {kind} factory: {CRASH_SECRET}",
        "factory-error": f"{title} factory error",
        "wrong-type": f"{title} factory error",
    }
    for suffix, detail in expectations.items():
        response = caller.run(kind, probe_id(kind, suffix), stream=stream, trace=trace)
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == {"detail": detail}
        assert FACTORY_ERROR_SECRET not in response.text
    assert [entry["probe"] for entry in caller.ledger(trace)] == [probe_id(kind, s) for s in expectations]


@pytest.mark.parametrize("kind", KINDS)
def test_produced_id_is_forced_to_the_factory_id(caller: Caller, kind: Kind) -> None:
    component_id = probe_id(kind, "id-mismatch")
    response = caller.run(kind, component_id)
    assert response.status_code == 200
    run = response.json()
    assert run[f"{kind}_id"] == component_id
    assert echo_of(run["content"])["probe"] == component_id


# --- pause and continue ----------------------------------------------------------------------

PAUSED_KEYS: dict[Kind, set[str]] = {
    "agent": {"tools", "requirements"},
    "team": {"requirements"},
    "workflow": {"step_requirements", "paused_step_index", "paused_step_name", "pause_kind"},
}


@pytest.mark.parametrize("kind", KINDS)
def test_pause_then_continue_answers_with_the_continues_own_ctx(caller: Caller, kind: Kind) -> None:
    component_id = probe_id(kind, "pause")
    trace = new_trace()
    paused = caller.run(kind, component_id, message="pause me", trace=trace).json()
    assert paused["status"] == "PAUSED"
    assert PAUSED_KEYS[kind] <= set(paused)
    if kind == "workflow":
        assert paused["paused_step_index"] == 0
    continued = caller.continue_run(
        kind, component_id, paused["run_id"], trace=trace, **confirmation_form(kind, paused)
    )
    assert continued.status_code == 200, continued.text
    run = continued.json()
    assert (run["status"], run["run_id"]) == ("COMPLETED", paused["run_id"])
    echo = echo_of(run["content"])
    continue_path = f"{runs_path(kind, component_id)}/{paused['run_id']}/continue"
    assert echo["message"] == "pause me"
    assert echo["ctx"]["request"] == {"method": "POST", "path": continue_path}
    assert echo["ctx"]["session_id"] == paused["session_id"]
    assert [(entry["probe"], entry["path"]) for entry in caller.ledger(trace)] == [
        (component_id, runs_path(kind, component_id)),
        (component_id, continue_path),
    ]


TERMINAL_EVENTS: dict[Kind, tuple[str, str]] = {
    "agent": ("RunPaused", "RunCompleted"),
    "team": ("TeamRunPaused", "TeamRunCompleted"),
    "workflow": ("WorkflowPaused", "WorkflowCompleted"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_streamed_pause_and_streamed_continue(caller: Caller, kind: Kind) -> None:
    component_id = probe_id(kind, "pause")
    paused_events = sse_events(caller.run(kind, component_id, message="stream pause", stream=True))
    names = [event.event for event in paused_events]
    paused_name, completed_name = TERMINAL_EVENTS[kind]
    assert paused_name in names
    paused = paused_events[names.index(paused_name)].json()
    assert PAUSED_KEYS[kind] - {"paused_step_index", "paused_step_name", "pause_kind"} <= set(paused)
    continued = caller.continue_run(
        kind, component_id, paused["run_id"], stream=True, **confirmation_form(kind, paused)
    )
    assert continued.headers["content-type"].startswith("text/event-stream")
    events = sse_events(continued)
    assert events[-1].event == completed_name
    echo = echo_of(events[-1].json()["content"])
    assert (echo["probe"], echo["message"]) == (component_id, "stream pause")


@pytest.mark.parametrize("kind", ["agent", "team"])
def test_pause_defaults_probe_continues_with_the_defaults_model(caller: Caller, kind: Kind) -> None:
    component_id = probe_id(kind, "pause-defaults")
    paused = caller.run(kind, component_id, factory_input={"persona": "skeptic"}).json()
    run = caller.continue_run(kind, component_id, paused["run_id"], **confirmation_form(kind, paused)).json()
    ctx = echo_of(run["content"])["ctx"]
    assert (ctx["input"], ctx["input_model"]) == (ProbeDefaultsInput().model_dump(), "ProbeDefaultsInput")


# --- cancel ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_never_builds_the_component(caller: Caller, kind: Kind) -> None:
    trace = new_trace()
    response = caller.cancel(kind, probe_id(kind, "crash"), "no-such-run", trace=trace)
    assert (response.status_code, response.json()) == (200, {})
    assert caller.ledger(trace) == []


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_of_an_unknown_component_is_404(caller: Caller, kind: Kind) -> None:
    response = caller.cancel(kind, probe_id(kind, "no-such-probe"), "no-such-run")
    assert (response.status_code, response.json()) == (404, {"detail": f"{kind.capitalize()} not found"})


# --- the ledger ------------------------------------------------------------------------------


def test_ledger_records_method_path_and_input_type_and_never_itself(caller: Caller) -> None:
    trace = new_trace()
    caller.echo("agent", "probe-agent-echo", trace=trace, factory_input={"k": 1})
    caller.echo("team", "probe-team-required", trace=trace, factory_input={"tenant": "t"})
    caller.run("workflow", "probe-workflow-crash", trace=trace)
    expected = [
        {
            "probe": "probe-agent-echo",
            "method": "POST",
            "path": "/agents/probe-agent-echo/runs",
            "input_type": "dict",
        },
        {
            "probe": "probe-team-required",
            "method": "POST",
            "path": "/teams/probe-team-required/runs",
            "input_type": "model",
        },
        {
            "probe": "probe-workflow-crash",
            "method": "POST",
            "path": "/workflows/probe-workflow-crash/runs",
            "input_type": "none",
        },
    ]
    assert caller.ledger(trace) == expected
    # Asking twice (with the trace header on the ledger run itself) adds nothing.
    caller.run("agent", "probe-ledger", factory_input={"trace": trace}, trace=trace)
    assert caller.ledger(trace) == expected


def test_traces_are_kept_apart(caller: Caller) -> None:
    first, second = new_trace(), new_trace()
    caller.echo("agent", "probe-agent-echo", trace=first)
    assert caller.ledger(second) == []
    assert len(caller.ledger(first)) == 1


@pytest.mark.parametrize("factory_input", [OMITTED, {}, {"trace": ""}])
def test_ledger_without_a_trace_is_a_clear_400(caller: Caller, factory_input: object) -> None:
    response = caller.run("agent", "probe-ledger", factory_input=factory_input)
    assert response.status_code == 400
    assert "trace" in response.json()["detail"]
