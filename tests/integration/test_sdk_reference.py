"""Every SDK method against the reference server: in process (``httpx.ASGITransport``, async
client) and over loopback (a uvicorn server on 127.0.0.1, both clients, WebSocket included)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from agentos_contract.probes import KINDS, RUN_SCOPES, Kind, ProbeRequiredInput
from agentos_factories import (
    AsyncClient,
    Client,
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    NotFoundError,
    WorkflowCompleted,
)
from agentos_reference import JWTAuth, ReferenceOS, SqliteDb
from tests.integration.reference_loopback import serving
from tests.sdk.conftest import collect, invoke

SECRET = "sdk-integration-secret-" + "0123456789abcdef" * 3
COLLECTION = {"agent": "agents", "team": "teams", "workflow": "workflows"}


def token(*scopes: str, sub: str = "sdk-user") -> str:
    return jwt.encode(
        {"exp": int(time.time()) + 600, "sub": sub, "scopes": list(scopes)}, SECRET, algorithm="HS256"
    )


def echo(content: object) -> dict[str, Any]:
    assert isinstance(content, str), content
    document: dict[str, Any] = json.loads(content)
    return document


@pytest.fixture(scope="module")
def reference_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = SqliteDb(Path(tmp_path_factory.mktemp("sdk-reference")) / "reference.sqlite3")
    yield ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET)).get_app()
    db.close()


@pytest.fixture(scope="module")
def loopback_url(reference_app: FastAPI) -> Iterator[str]:
    with serving(reference_app) as url:
        yield url


@pytest.fixture(params=["asgi-async", "loopback-sync", "loopback-async"])
async def sdk(
    request: pytest.FixtureRequest, reference_app: FastAPI, loopback_url: str
) -> AsyncIterator[Client | AsyncClient]:
    bearer = token(*RUN_SCOPES.values())
    if request.param == "asgi-async":
        transport = httpx.ASGITransport(app=reference_app)
        async with AsyncClient(
            "http://reference", token=bearer, transport=transport, max_retries=0
        ) as client:
            yield client
    elif request.param == "loopback-sync":
        with Client(loopback_url, token=bearer, timeout=30, max_retries=0) as sync_client:
            yield sync_client
    else:
        async with AsyncClient(loopback_url, token=bearer, timeout=30, max_retries=0) as async_client:
            yield async_client


def group(client: Client | AsyncClient, kind: Kind) -> Any:
    return getattr(client, COLLECTION[kind])


@pytest.mark.parametrize("kind", KINDS)
async def test_discovery(sdk: Client | AsyncClient, kind: Kind) -> None:
    listed = {info.id: info for info in await invoke(group(sdk, kind).list)}
    assert listed[f"probe-{kind}-echo"].is_factory
    required = await invoke(group(sdk, kind).get, f"probe-{kind}-required")
    assert required.factory_input_schema == ProbeRequiredInput.model_json_schema()
    with pytest.raises(NotFoundError):
        await invoke(group(sdk, kind).get, f"probe-{kind}-nope")


@pytest.mark.parametrize("kind", KINDS)
async def test_run_with_a_typed_handle_and_errors(sdk: Client | AsyncClient, kind: Kind) -> None:
    handle = group(sdk, kind).factory(f"probe-{kind}-required", ProbeRequiredInput)
    output = await invoke(handle.run, "typed", factory_input=ProbeRequiredInput(tenant="acme"))
    assert output.status == "COMPLETED"
    assert echo(output.content)["ctx"]["input"] == {"tenant": "acme", "depth": 1}
    with pytest.raises(FactoryValidationError):
        await invoke(group(sdk, kind).run, f"probe-{kind}-required", "m")
    with pytest.raises(FactoryError):
        await invoke(group(sdk, kind).run, f"probe-{kind}-crash", "m")
    unscoped = sdk.with_options(token=token())
    with pytest.raises(FactoryPermissionError):
        await invoke(group(unscoped, kind).run, f"probe-{kind}-scope", "m")


@pytest.mark.parametrize("kind", KINDS)
async def test_stream(sdk: Client | AsyncClient, kind: Kind) -> None:
    stream = await invoke(group(sdk, kind).stream, f"probe-{kind}-echo", "streamed", factory_input={"s": 1})
    events = await collect(stream)
    assert stream.completion is events[-1]
    assert echo(stream.completion.content)["ctx"]["input"] == {"s": 1}


def _confirmations(kind: Kind, paused: Any) -> dict[str, Any]:
    if kind == "agent":
        return {"tools": [tool.confirm() for tool in paused.tools]}
    if kind == "team":
        return {"requirements": [requirement.confirm() for requirement in paused.requirements]}
    return {"step_requirements": [requirement.confirm() for requirement in paused.step_requirements]}


@pytest.mark.parametrize("kind", KINDS)
async def test_pause_continue_and_streamed_continue(sdk: Client | AsyncClient, kind: Kind) -> None:
    resource = group(sdk, kind)
    paused = await invoke(resource.run, f"probe-{kind}-pause", "pause me")
    assert paused.is_paused
    done = await invoke(
        resource.continue_run,
        f"probe-{kind}-pause",
        paused.run_id,
        session_id=paused.session_id,
        **_confirmations(kind, paused),
    )
    assert (done.status, done.run_id) == ("COMPLETED", paused.run_id)
    again = await invoke(resource.run, f"probe-{kind}-pause", "pause again")
    stream = await invoke(
        resource.continue_stream,
        f"probe-{kind}-pause",
        again.run_id,
        session_id=again.session_id,
        **_confirmations(kind, again),
    )
    events = await collect(stream)
    assert echo(events[-1].content)["message"] == "pause again"


@pytest.mark.parametrize("kind", KINDS)
async def test_cancel(sdk: Client | AsyncClient, kind: Kind) -> None:
    assert await invoke(group(sdk, kind).cancel, f"probe-{kind}-crash", "no-such-run") is None


async def test_workflow_reads(sdk: Client | AsyncClient) -> None:
    session = f"sdk-{uuid.uuid4()}"
    run = await invoke(sdk.workflows.run, "probe-workflow-echo", "read me", session_id=session)
    read = await invoke(sdk.workflows.get_run, "probe-workflow-echo", run.run_id, session_id=session)
    assert (read.run_id, read.status) == (run.run_id, "COMPLETED")
    listed = await invoke(
        sdk.workflows.list_runs, "probe-workflow-echo", session_id=session, factory_input={}
    )
    assert [summary.run_id for summary in listed] == [run.run_id]


async def test_workflow_run_listings_page(sdk: Client | AsyncClient) -> None:
    session = f"sdk-{uuid.uuid4()}"
    made = [
        (await invoke(sdk.workflows.run, "probe-workflow-echo", f"m{index}", session_id=session)).run_id
        for index in range(5)
    ]
    pages = [
        await invoke(
            sdk.workflows.list_runs,
            "probe-workflow-echo",
            session_id=session,
            factory_input={},
            limit=2,
            page=page,
        )
        for page in (1, 2, 3)
    ]
    assert [[summary.run_id for summary in listed] for listed in pages] == [made[:2], made[2:4], made[4:]]
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        await invoke(sdk.workflows.list_runs, "probe-workflow-echo", session_id=session, limit=0)


@pytest.mark.loopback
@pytest.mark.parametrize("route", ["auto", "spec", "agno"])
def test_websocket_over_loopback_sync(loopback_url: str, route: Any) -> None:
    client = Client(loopback_url, token=token(*RUN_SCOPES.values()), timeout=30)
    with client, client.workflows.websocket("probe-workflow-required", route=route) as ws:
        assert ws.route == ("spec" if route == "auto" else route)
        final = ws.start("ws", factory_input=ProbeRequiredInput(tenant="ws")).until_done()
        assert isinstance(final, WorkflowCompleted)
        assert echo(final.content)["ctx"]["input"] == {"tenant": "ws", "depth": 1}
        with pytest.raises(FactoryValidationError):  # the reference server adds the status
            list(ws.start("no input"))


@pytest.mark.loopback
async def test_websocket_over_loopback_async(loopback_url: str) -> None:
    client = AsyncClient(loopback_url, token=token(*RUN_SCOPES.values()), timeout=30)
    async with client, await client.workflows.websocket("probe-workflow-echo") as ws:
        run = await ws.start("async ws", factory_input={"k": "v"})
        final = await run.until_done()
        assert isinstance(final, WorkflowCompleted)
        assert echo(final.content)["ctx"]["input"] == {"k": "v"}
