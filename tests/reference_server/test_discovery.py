"""Discovery and health: is_factory, factory_input_schema, 404s, and no factory invocation."""

from __future__ import annotations

import httpx
import pytest

from agentos_reference.probes import ProbeDefaultsInput, ProbeRequiredInput

from .conftest import ledger, trace_header

KINDS = ["agent", "team", "workflow"]


@pytest.mark.parametrize("kind", KINDS)
async def test_listing_exposes_is_factory_and_the_input_schema(client: httpx.AsyncClient, kind: str) -> None:
    trace, headers = trace_header()
    response = await client.get(f"/{kind}s", headers=headers)
    assert response.status_code == 200
    entries = {entry["id"]: entry for entry in response.json()}
    required = entries[f"probe-{kind}-required"]
    assert required["is_factory"] is True
    assert required["factory_input_schema"] == ProbeRequiredInput.model_json_schema()
    assert entries[f"probe-{kind}-defaults"]["factory_input_schema"] == ProbeDefaultsInput.model_json_schema()
    echo = entries[f"probe-{kind}-echo"]
    assert "factory_input_schema" not in echo
    assert "input_schema" not in echo
    assert echo["description"].startswith("agentos-contract probe v2")
    assert echo["db_id"]
    assert await ledger(client, trace) == [], "discovery never invokes a factory"


async def test_a_prototype_is_listed_as_not_a_factory(client: httpx.AsyncClient) -> None:
    entry = (await client.get("/agents/probe-agent-prototype")).json()
    assert entry["is_factory"] is False
    assert entry["model"]["model"] == "offline"


@pytest.mark.parametrize("kind", KINDS)
async def test_one_entry_and_its_404(client: httpx.AsyncClient, kind: str) -> None:
    trace, headers = trace_header()
    entry = await client.get(f"/{kind}s/probe-{kind}-scope", headers=headers)
    assert entry.status_code == 200
    assert entry.json()["id"] == f"probe-{kind}-scope"
    missing = await client.get(f"/{kind}s/does-not-exist")
    title = {"agent": "Agent", "team": "Team", "workflow": "Workflow"}[kind]
    assert (missing.status_code, missing.json()) == (404, {"detail": f"{title} not found"})
    assert await ledger(client, trace) == []


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["instantiated_at"].endswith("Z")


async def test_a_trailing_slash_is_served_like_none(client: httpx.AsyncClient) -> None:
    assert (await client.get("/agents/")).json() == (await client.get("/agents")).json()
    response = await client.post("/agents/probe-agent-echo/runs/", data={"message": "m", "stream": "false"})
    assert response.status_code == 200


async def test_the_openapi_document_describes_the_run_forms(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    body = paths["/agents/{component_id}/runs"]["post"]["requestBody"]["content"]
    schema = body["multipart/form-data"]["schema"]
    assert schema["required"] == ["message"]
    assert {"message", "stream", "session_id", "user_id", "factory_input"} <= set(schema["properties"])
    continue_form = paths["/workflows/{component_id}/runs/{run_id}/continue"]["post"]["requestBody"][
        "content"
    ]
    assert "step_requirements" in continue_form["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert "factory_input" in {
        p["name"] for p in paths["/workflows/{component_id}/runs/{run_id}"]["get"]["parameters"]
    }
