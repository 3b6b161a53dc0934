"""The probe catalogue of docs/probe-protocol.md, implemented inside the reference server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from agentos_reference import ReferenceOS, SqliteDb
from agentos_reference.factory import BaseFactory
from agentos_reference.probes import (
    DESCRIPTION_PREFIX,
    Ledger,
    ProbeDefaultsInput,
    ProbeRequiredInput,
    probe_components,
)

from .conftest import bearer, echo_of, hs_token, ledger, trace_header

# (id suffix, is async, input schema) per kind, as the protocol's catalogue table lists them.
COMMON = [
    ("echo", False, None),
    ("echo-async", True, None),
    ("required", False, ProbeRequiredInput),
    ("defaults", True, ProbeDefaultsInput),
    ("scope", False, None),
    ("scope-required", False, ProbeRequiredInput),
    ("crash", False, None),
    ("factory-error", False, None),
    ("wrong-type", False, None),
    ("id-mismatch", False, None),
    ("pause", False, None),
    ("pause-required", False, ProbeRequiredInput),
    ("raise", False, None),
    ("raise-async", True, None),
]
EXTRA = {
    "agent": [("pause-defaults", False, ProbeDefaultsInput)],
    "team": [("pause-defaults", False, ProbeDefaultsInput)],
    "workflow": [],
}


@pytest.mark.parametrize("kind", ["agent", "team", "workflow"])
def test_the_catalogue_matches_the_protocol(db: SqliteDb, kind: str) -> None:
    probes = probe_components(db)
    by_kind: dict[str, list[Any]] = {
        "agent": probes.agents,
        "team": probes.teams,
        "workflow": probes.workflows,
    }
    entries = by_kind[kind]
    factories = {entry.id: entry for entry in entries if isinstance(entry, BaseFactory)}
    for suffix, is_async, schema in COMMON + EXTRA[kind]:
        factory = factories.pop(f"probe-{kind}-{suffix}")
        assert factory.is_async() is is_async, suffix
        assert factory.input_schema is schema, suffix
        assert (factory.description or "").startswith(DESCRIPTION_PREFIX)
    leftovers = set(factories) - {"probe-ledger"}
    assert leftovers == set(), "no probe beyond the catalogue"
    prototypes = [entry for entry in entries if not isinstance(entry, BaseFactory)]
    assert [p.id for p in prototypes] == (["probe-agent-prototype"] if kind == "agent" else [])


# protocol v2: what each factory_input.raise gives, per the spec's exception table.
RAISED = {
    "FactoryPermissionError": 403,
    "FactoryPermissionError-subclass": 403,
    "FactoryError": 500,
    "FactoryError-subclass": 500,
    "FactoryValidationError": 400,
    "ValueError": 500,
    "KeyError": 500,
    "TypeError": 500,
    "RuntimeError": 500,
    "AssertionError": 500,
    "unprintable": 500,
}


@pytest.mark.parametrize("probe", ["probe-team-raise", "probe-workflow-raise-async"])
async def test_raise_probes_raise_what_factory_input_names(client: httpx.AsyncClient, probe: str) -> None:
    plural = probe.split("-")[1] + "s"
    for name, status in RAISED.items():
        for stream in ("false", "true"):
            response = await client.post(
                f"/{plural}/{probe}/runs",
                data={"message": "m", "stream": stream, "factory_input": f'{{"raise": "{name}"}}'},
            )
            assert response.status_code == status, (name, stream, response.text)
            assert response.headers["content-type"] == "application/json", name
            assert ("probe-raise-secret-" in response.text) is (status != 500), name
    echoed = await client.post(f"/{plural}/{probe}/runs", data={"message": "m", "stream": "false"})
    assert echo_of(echoed.json())["probe"] == probe  # without a name to raise, it echoes


def test_with_probes_needs_a_db() -> None:
    with pytest.raises(ValueError, match="db"):
        ReferenceOS(with_probes=True)


async def test_the_echo_document_has_exactly_the_protocol_fields(client: httpx.AsyncClient) -> None:
    token = hs_token(sub="u", scopes=["b", "a"], role="r")
    response = await client.post(
        "/teams/probe-team-defaults/runs",
        data={
            "message": "hi",
            "stream": "false",
            "session_id": "s",
            "factory_input": '{"persona": "advisor"}',
        },
        headers=bearer(token),
    )
    echo = echo_of(response.json())
    assert set(echo) == {"agentos_contract_probe", "probe", "kind", "message", "ctx"}
    assert (echo["probe"], echo["kind"], echo["message"]) == ("probe-team-defaults", "team", "hi")
    assert echo["ctx"] == {
        "user_id": "u",
        "session_id": "s",
        "input": {"persona": "advisor", "depth": 3},
        "input_type": "model",
        "input_model": "ProbeDefaultsInput",
        "claims": {"sub": "u", "scopes": ["b", "a"], "role": "r", "exp": echo["ctx"]["claims"]["exp"]},
        "scopes": ["a", "b"],
        "request": {"method": "POST", "path": "/teams/probe-team-defaults/runs"},
    }


async def test_the_ledger_records_every_probe_invocation_even_failing_ones(client: httpx.AsyncClient) -> None:
    trace, headers = trace_header()
    for path, form in [
        ("/agents/probe-agent-crash/runs", {}),
        ("/workflows/probe-workflow-echo/runs", {"factory_input": '{"x": 1}'}),
        ("/teams/probe-team-scope/runs", {}),
        ("/agents/probe-agent-required/runs", {"factory_input": "{}"}),
    ]:
        await client.post(path, data={"message": "m", "stream": "false", **form}, headers=headers)
    await client.post(
        "/agents/probe-ledger/runs",
        data={"message": "m", "stream": "false", "factory_input": f'{{"trace": "{trace}"}}'},
        headers=headers,
    )
    assert await ledger(client, trace) == [
        {
            "probe": "probe-agent-crash",
            "method": "POST",
            "path": "/agents/probe-agent-crash/runs",
            "input_type": "none",
        },
        {
            "probe": "probe-workflow-echo",
            "method": "POST",
            "path": "/workflows/probe-workflow-echo/runs",
            "input_type": "dict",
        },
        {
            "probe": "probe-team-scope",
            "method": "POST",
            "path": "/teams/probe-team-scope/runs",
            "input_type": "none",
        },
    ], "the 400 never reached its factory, and the ledger does not record itself"


async def test_without_the_trace_header_nothing_is_recorded(client: httpx.AsyncClient) -> None:
    trace, _ = trace_header()
    await client.post("/agents/probe-agent-echo/runs", data={"message": "m", "stream": "false"})
    assert await ledger(client, trace) == []


def test_the_ledger_keeps_the_newest_traces() -> None:
    small = Ledger(max_traces=2)
    for trace in ("t1", "t2", "t3"):
        small.record(trace, {"probe": trace})
    small.record("t2", {"probe": "again"})
    small.record("t4", {"probe": "t4"})
    assert small.entries("t1") == []
    assert small.entries("t3") == []
    assert [entry["probe"] for entry in small.entries("t2")] == ["t2", "again"]
    assert small.entries("t4") == [{"probe": "t4"}]
