"""``with_probes()``: the stub serves docs/probe-protocol.md v1 exactly as the catalogue states it.

The stub may not import the contract suite, so its probes are written out independently; these
tests hold them to the suite's own catalogue and document functions (tests may import both).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from agentos_contract.probes import (
    CATALOGUE,
    CRASH_SECRET,
    LEDGER_PROBE_ID,
    TRACE_HEADER,
    Behaviour,
    ProbeRequiredInput,
    context_document,
    echo_document,
    render,
)
from agentos_contract.probes.echo import RequestSummary
from agentos_stubs import StubDeployment, VerifiedIdentity

COLLECTIONS = {"agent": "agents", "team": "teams", "workflow": "workflows"}


@pytest.fixture
def probed() -> StubDeployment:
    return StubDeployment(profile="agno").with_probes()


@pytest.fixture
def http(probed: StubDeployment) -> httpx.Client:
    return httpx.Client(transport=probed.transport(), base_url=probed.base_url)


def test_the_stub_lists_exactly_the_catalogue(probed: StubDeployment, http: httpx.Client) -> None:
    listed: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, collection in COLLECTIONS.items():
        for entry in http.get(f"/{collection}").json():
            listed[(kind, entry["id"])] = entry
    assert set(listed) == {(spec.kind, spec.id) for spec in CATALOGUE}
    for spec in CATALOGUE:
        entry = listed[(spec.kind, spec.id)]
        assert entry["description"] == spec.description
        assert entry["is_factory"] is spec.is_factory
        schema = spec.input_schema.model_json_schema() if spec.input_schema else None
        assert entry.get("factory_input_schema") == schema
        assert [c.requires_confirmation for c in probed.components if c.id == spec.id] == [
            spec.behaviour is Behaviour.PAUSE
        ]


def test_the_echo_is_the_protocols_document_byte_for_byte(http: httpx.Client, probed: StubDeployment) -> None:
    probed.identity = VerifiedIdentity(user_id="u-1", scopes={"teams:run"})
    response = http.post(
        "/teams/probe-team-required/runs",
        data={
            "message": "probe me",
            "stream": "false",
            "session_id": "s-1",
            "factory_input": '{"tenant": "t"}',
        },
    )
    expected = echo_document(
        "probe-team-required",
        "team",
        "probe me",
        context_document(
            user_id="u-1",
            session_id="s-1",
            factory_input=ProbeRequiredInput(tenant="t"),
            claims={"sub": "u-1", "scopes": ["teams:run"]},
            scopes={"teams:run"},
            request=RequestSummary("POST", "/teams/probe-team-required/runs"),
        ),
    )
    assert response.json()["content"] == render(expected)


@pytest.mark.parametrize("kind", ["agent", "team", "workflow"])
def test_behaviours(kind: str, http: httpx.Client, probed: StubDeployment) -> None:
    base = f"/{COLLECTIONS[kind]}/probe-{kind}"
    form = {"message": "m", "stream": "false"}
    scope = f"{COLLECTIONS[kind]}:run"
    assert http.post(f"{base}-scope/runs", data=form).json() == {"detail": f"Missing '{scope}' scope"}
    probed.identity = VerifiedIdentity(scopes={scope})
    assert http.post(f"{base}-scope/runs", data=form).status_code == 200
    crash = http.post(f"{base}-crash/runs", data=form)
    assert (crash.status_code, CRASH_SECRET in crash.text) == (500, True)  # the agno profile leaks it
    for name in ("factory-error", "wrong-type"):
        answer = http.post(f"{base}-{name}/runs", data=form)
        assert (answer.status_code, answer.json()) == (500, {"detail": f"{kind.capitalize()} factory error"})
    mismatch = http.post(f"{base}-id-mismatch/runs", data=form).json()
    assert mismatch[f"{kind}_id"] == f"probe-{kind}-id-mismatch"
    assert http.post(f"{base}-pause/runs", data=form).json()["status"] == "PAUSED"


def test_the_prototype_echoes_without_a_context(http: httpx.Client) -> None:
    content = http.post("/agents/probe-agent-prototype/runs", data={"message": "hi", "stream": "false"})
    assert json.loads(content.json()["content"])["ctx"] is None


def test_the_ledger_records_each_factory_invocation_of_a_trace(http: httpx.Client) -> None:
    trace = "trace-1"
    headers = {TRACE_HEADER: trace}
    http.post("/agents/probe-agent-echo/runs", data={"message": "m"}, headers=headers)
    http.post(
        "/workflows/probe-workflow-crash/runs", data={"message": "m", "factory_input": "{}"}, headers=headers
    )
    http.post("/teams/probe-team-echo/runs/r/cancel", headers=headers)  # cancel never invokes
    http.post("/agents/probe-agent-required/runs", data={"message": "m"}, headers=headers)  # 400 first
    ledger = http.post(
        f"/agents/{LEDGER_PROBE_ID}/runs",
        data={"message": "m", "stream": "false", "factory_input": json.dumps({"trace": trace})},
        headers=headers,
    )
    document = json.loads(ledger.json()["content"])
    assert document["invocations"] == [
        {
            "probe": "probe-agent-echo",
            "method": "POST",
            "path": "/agents/probe-agent-echo/runs",
            "input_type": "none",
        },
        {
            "probe": "probe-workflow-crash",
            "method": "POST",
            "path": "/workflows/probe-workflow-crash/runs",
            "input_type": "dict",
        },
    ]
    missing = http.post(f"/agents/{LEDGER_PROBE_ID}/runs", data={"message": "m", "stream": "false"})
    assert missing.status_code == 400
    assert "trace" in missing.json()["detail"]
