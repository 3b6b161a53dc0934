"""Shared pieces of the stub tests: a declared deployment, and plain-httpx helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel

from agentos_stubs import ComponentKind, StubContext, StubDeployment

BASE_URL = "http://agentos.test"


class RequiredInput(BaseModel):
    tenant: str
    depth: int = 1


class DefaultsInput(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


def seen(ctx: StubContext[Any], message: str) -> str:
    """A reply that reports what the factory saw, so tests can read ``ctx`` from the run output."""
    value = ctx.input.model_dump(mode="json") if isinstance(ctx.input, BaseModel) else ctx.input
    return json.dumps(
        {
            "user_id": ctx.user_id,
            "session_id": ctx.session_id,
            "input": value,
            "input_type": type(ctx.input).__name__,
            "claims": dict(ctx.trusted.claims),
            "scopes": sorted(ctx.trusted.scopes),
            "message": message,
            "path": ctx.request.path,
        },
        sort_keys=True,
    )


def declare_standard(deployment: StubDeployment) -> StubDeployment:
    """One factory per kind and schema flavour, plus pausing ones and a prototype."""
    deployment.agent_factory("agent-plain", reply=seen)
    deployment.agent_factory("agent-required", reply=seen, input_schema=RequiredInput)
    deployment.agent_factory("agent-defaults", reply=seen, input_schema=DefaultsInput, description="defaults")
    deployment.agent_factory("agent-pause", reply=seen, requires_confirmation=True)
    deployment.team_factory("team-plain", reply=seen)
    deployment.team_factory("team-required", reply=seen, input_schema=RequiredInput)
    deployment.team_factory("team-defaults", reply=seen, input_schema=DefaultsInput, description="defaults")
    deployment.team_factory("team-pause", reply=seen, requires_confirmation=True)
    deployment.workflow_factory("workflow-plain", reply=seen)
    deployment.workflow_factory("workflow-required", reply=seen, input_schema=RequiredInput)
    deployment.workflow_factory(
        "workflow-defaults", reply=seen, input_schema=DefaultsInput, description="defaults"
    )
    deployment.workflow_factory("workflow-pause", reply=seen, requires_confirmation=True)
    deployment.prototype_agent("proto", reply=lambda message: f"proto says {message}")
    return deployment


@pytest.fixture
def deployment() -> StubDeployment:
    return declare_standard(StubDeployment(BASE_URL))


@pytest.fixture
def http(deployment: StubDeployment) -> Iterator[httpx.Client]:
    """A plain httpx client whose requests respx routes to ``deployment``."""
    with deployment.mock(), httpx.Client(base_url=BASE_URL) as client:
        yield client


def ctx_of(response: httpx.Response) -> dict[str, Any]:
    """What the ``seen`` reply reported, from a non-streaming run output."""
    assert response.status_code == 200, response.text
    document = json.loads(response.json()["content"])
    assert isinstance(document, dict)
    return document


COLLECTION = {"agent": "agents", "team": "teams", "workflow": "workflows"}
KINDS: tuple[ComponentKind, ...] = ("agent", "team", "workflow")


def run_path(kind: str, component_id: str) -> str:
    return f"/{COLLECTION[kind]}/{component_id}/runs"


def sse_frames(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Split an SSE body into (event name, data) pairs, checking agno's frame format strictly."""
    assert text.endswith("\n\n"), "every frame ends with a blank line"
    frames: list[tuple[str, dict[str, Any]]] = []
    for block in text[:-2].split("\n\n"):
        event_line, data_line = block.split("\n")
        assert event_line.startswith("event: ")
        assert data_line.startswith("data: ")
        frames.append((event_line[len("event: ") :], json.loads(data_line[len("data: ") :])))
    return frames
