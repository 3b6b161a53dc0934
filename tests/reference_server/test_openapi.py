"""The OpenAPI document declares every answer the server gives.

Each scenario below makes the server answer one status on one operation; that status, with the
answer's media type, must be documented for the operation, and every refusal but 422 must match
the documented ``{"detail": "<why>"}`` body. A deterministic complement to the bounded
schemathesis run of ``tests/hostile``, which may not reach a 409, a 413 or a designed 500.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from agentos_reference import JWTAuth, Limits, ReferenceOS, SqliteDb

from .conftest import SECRET, bearer, client_for, hs_token

Scenario = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]

RUNS = "/{kind}s/{component_id}/runs"
RUN = "/{kind}s/{component_id}/runs/{run_id}"
CONTINUE = "/{kind}s/{component_id}/runs/{run_id}/continue"
CANCEL = "/{kind}s/{component_id}/runs/{run_id}/cancel"
NOT_STREAMED = {"message": "m", "stream": "false"}


async def paused(client: httpx.AsyncClient, kind: str) -> dict[str, Any]:
    response = await client.post(f"/{kind}s/probe-{kind}-pause/runs", data=NOT_STREAMED)
    assert response.json()["status"] == "PAUSED", response.text
    output: dict[str, Any] = response.json()
    return output


async def continued_twice(client: httpx.AsyncClient) -> httpx.Response:
    run = await paused(client, "workflow")
    form = {
        "stream": "false",
        "session_id": run["session_id"],
        "step_requirements": json.dumps([{"step_index": run["paused_step_index"], "confirmed": True}]),
    }
    path = f"/workflows/probe-workflow-pause/runs/{run['run_id']}/continue"
    first = await client.post(path, data=form)
    assert first.status_code == 200, first.text
    return await client.post(path, data=form)


async def continued_without_decisions(client: httpx.AsyncClient) -> httpx.Response:
    run = await paused(client, "agent")
    return await client.post(
        f"/agents/probe-agent-pause/runs/{run['run_id']}/continue",
        data={"stream": "false", "session_id": run["session_id"]},
    )


async def continued_streamed(client: httpx.AsyncClient) -> httpx.Response:
    run = await paused(client, "agent")
    decisions = [{"tool_call_id": tool["tool_call_id"], "confirmed": True} for tool in run["tools"]]
    return await client.post(
        f"/agents/probe-agent-pause/runs/{run['run_id']}/continue",
        data={"session_id": run["session_id"], "tools": json.dumps(decisions)},
    )


def post(path: str, data: dict[str, str] | None = None, token: str | None = None) -> Scenario:
    headers = bearer(token) if token is not None else None
    return lambda client: client.post(path, data=data, headers=headers)


def get(path: str, **params: str) -> Scenario:
    return lambda client: client.get(path, params=params)


ECHO = "/agents/probe-agent-echo/runs"
# name -> (operation path template, method, the status answered, how to make the server answer it)
SCENARIOS: dict[str, tuple[str, str, int, Scenario]] = {
    "run, stream=false": (RUNS, "post", 200, post(ECHO, NOT_STREAMED)),
    "run, streamed": (RUNS, "post", 200, post("/teams/probe-team-echo/runs", {"message": "m"})),
    "run in the background": (RUNS, "post", 202, post(ECHO, {"message": "m", "background": "true"})),
    "factory_input not JSON": (
        RUNS,
        "post",
        400,
        post("/workflows/probe-workflow-echo/runs", {"message": "m", "factory_input": "["}),
    ),
    "token refused": (RUNS, "post", 401, post(ECHO, NOT_STREAMED, token="not-a-token")),
    "factory refuses the caller": (RUNS, "post", 403, post("/agents/probe-agent-scope/runs", NOT_STREAMED)),
    "no such component": (RUNS, "post", 404, post("/agents/nope/runs", NOT_STREAMED)),
    "message over its cap": (RUNS, "post", 413, post(ECHO, {"message": "x" * 2048})),
    "message missing": (RUNS, "post", 422, post(ECHO, {"stream": "false"})),
    "factory crashes": (RUNS, "post", 500, post("/teams/probe-team-crash/runs", NOT_STREAMED)),
    "continue, streamed": (CONTINUE, "post", 200, continued_streamed),
    "continue without decisions": (CONTINUE, "post", 400, continued_without_decisions),
    "continue an unknown run": (
        CONTINUE,
        "post",
        404,
        post("/agents/probe-agent-pause/runs/no-such-run/continue", {"stream": "false"}),
    ),
    "continue a run no longer paused": (CONTINUE, "post", 409, continued_twice),
    "cancel": (CANCEL, "post", 200, post("/agents/probe-agent-echo/runs/any/cancel")),
    "cancel on no such component": (CANCEL, "post", 404, post("/agents/nope/runs/any/cancel")),
    "list runs": (RUNS, "get", 200, get(ECHO)),
    "list runs, query not UTF-8": (RUNS, "get", 400, lambda c: c.get(f"{ECHO}?session_id=%C3%28")),
    "workflow read refused by the factory": (RUNS, "get", 403, get("/workflows/probe-workflow-scope/runs")),
    "workflow read, factory_input over its cap": (
        RUN,
        "get",
        413,
        get("/workflows/probe-workflow-echo/runs/r", factory_input=json.dumps({"k": "x" * 512})),
    ),
    "read an unknown run": (RUN, "get", 404, get(f"{ECHO}/no-such-run")),
    "session_id query too long": (RUN, "get", 422, get(f"{ECHO}/r", session_id="s" * 1025)),
    "discovery": ("/{kind}s", "get", 200, get("/workflows")),
    "discovery of no such component": ("/{kind}s/{component_id}", "get", 404, get("/teams/nope")),
    "health": ("/health", "get", 200, get("/health")),
}


@pytest.fixture
def app(db: SqliteDb) -> FastAPI:
    limits = Limits(max_message_bytes=1024, max_factory_input_bytes=256)
    return ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET), limits=limits).get_app()


def operation(spec: dict[str, Any], template: str, method: str, request: httpx.Request) -> dict[str, Any]:
    kind = request.url.path.split("/")[1].rstrip("s")
    path = template.replace("{kind}", kind) if template.startswith("/{kind}") else template
    op: dict[str, Any] = spec["paths"][path][method]
    return op


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_every_answer_is_documented_for_its_operation(app: FastAPI, name: str) -> None:
    template, method, status, scenario = SCENARIOS[name]
    spec = app.openapi()
    async with client_for(app) as client:
        response = await scenario(client)
    assert response.status_code == status, response.text[:300]
    documented = operation(spec, template, method, response.request)["responses"]
    assert str(status) in documented, sorted(documented)
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in documented[str(status)]["content"], (media_type, documented[str(status)])
    if status >= 400 and status != 422:
        assert documented[str(status)]["content"][media_type]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"
        }
        body = response.json()
        assert set(body) == {"detail"}
        assert isinstance(body["detail"], str)


def test_the_error_body_and_the_stream_are_described(app: FastAPI) -> None:
    spec = app.openapi()
    assert spec["components"]["schemas"]["ErrorResponse"]["required"] == ["detail"]
    streamed = spec["paths"]["/agents/{component_id}/runs"]["post"]["responses"]["200"]["content"]
    event = streamed["text/event-stream"]["schema"]
    assert event["required"] == ["event", "data"]
    assert event["properties"]["data"]["contentMediaType"] == "application/json"
    accepted = spec["components"]["schemas"]["BackgroundRunAccepted"]
    assert set(accepted["required"]) == {"run_id", "session_id", "status"}


def test_401_is_documented_only_where_tokens_are_verified(db: SqliteDb, app: FastAPI) -> None:
    without_auth = ReferenceOS(db=db, with_probes=True).get_app().openapi()
    with_auth = app.openapi()
    for path, operations in with_auth["paths"].items():
        for method, op in operations.items():
            assert "401" in op["responses"], (method, path)
            assert "401" not in without_auth["paths"][path][method]["responses"], (method, path)


async def test_a_refused_token_on_the_health_route_is_the_documented_401(app: FastAPI) -> None:
    async with client_for(app) as client:
        response = await client.get("/health", headers=bearer(hs_token(lifetime=-60)))
    assert response.status_code == 401
    assert "401" in app.openapi()["paths"]["/health"]["get"]["responses"]
