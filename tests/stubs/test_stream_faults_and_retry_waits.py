"""The faults application tests asked for: a stream ending cleanly before its completion, an error
event mid-stream, added latency; and the switch that skips the SDK's retry back-off waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import agentos_factories as sdk
from agentos_stubs import Profile, StubConfigurationError, StubDeployment, skip_retry_waits

from .conftest import BASE_URL
from .test_faults import call, drain


@pytest.fixture
def stub() -> StubDeployment:
    deployment = StubDeployment(BASE_URL)
    deployment.agent_factory("research-agent", reply=lambda ctx, message: f"answer to {message}")
    deployment.team_factory("crew", reply=lambda ctx, message: "team answer")
    deployment.workflow_factory("flow", reply=lambda ctx, message: "flow answer")
    return deployment


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, stub: StubDeployment
) -> AsyncIterator[sdk.Client | sdk.AsyncClient]:
    if request.param == "sync":
        with stub.client() as sync_client:
            yield sync_client
    else:
        async with stub.async_client() as async_client:
            yield async_client


@pytest.mark.parametrize(
    ("kind", "component"), [("agents", "research-agent"), ("teams", "crew"), ("workflows", "flow")]
)
async def test_a_stream_that_ends_cleanly_before_its_completion_event(
    stub: StubDeployment, client: sdk.Client | sdk.AsyncClient, kind: str, component: str
) -> None:
    stub.end_stream_early(component, n_events=2)
    events: list[Any] = []
    stream = await call(getattr(client, kind).stream, component, "hi")
    with pytest.raises(sdk.IncompleteStreamError, match="ended before its completion event"):
        await drain(stream, events)
    assert len(events) == 2
    assert stub.requests[-1].fault == "end_stream"
    # Used up: the next stream completes.
    final = await call((await call(getattr(client, kind).stream, component, "again")).until_done)
    assert final.event.endswith("Completed")


async def test_an_early_end_never_reaches_the_completion_event_whatever_n_events(
    stub: StubDeployment, client: sdk.Client | sdk.AsyncClient
) -> None:
    stub.end_stream_early("research-agent", n_events=10_000)
    events: list[Any] = []
    with pytest.raises(sdk.IncompleteStreamError):
        await drain(await call(client.agents.stream, "research-agent", "hi"), events)
    assert events
    assert all(event.event != "RunCompleted" for event in events)


@pytest.mark.parametrize(
    ("profile", "content"), [("spec", "Workflow run failed"), ("agno", "warehouse unreachable")]
)
async def test_an_error_event_mid_stream_says_what_each_profile_says_and_the_run_is_an_error(
    stub: StubDeployment, client: sdk.Client | sdk.AsyncClient, profile: Profile, content: str
) -> None:
    stub.profile = profile
    stub.error_event("flow", after_events=1, message="warehouse unreachable")
    events: list[Any] = []
    stream = await call(client.workflows.stream, "flow", "hi", session_id="s-1")
    with pytest.raises(sdk.InBandError) as caught:
        await drain(stream, events)
    assert len(events) == 1
    assert caught.value.detail == content
    assert caught.value.event["event"] == "WorkflowError"
    assert caught.value.event["error_type"] == "RuntimeError"
    run_id = caught.value.event["run_id"]
    stored = await call(client.workflows.get_run, "flow", run_id, session_id="s-1")
    assert stored.status == "ERROR"


@pytest.mark.parametrize(
    ("kind", "component", "name"),
    [("agents", "research-agent", "RunError"), ("teams", "crew", "TeamRunError")],
)
async def test_agent_and_team_error_events(
    stub: StubDeployment, client: sdk.Client | sdk.AsyncClient, kind: str, component: str, name: str
) -> None:
    stub.error_event(component, after_events=0)
    with pytest.raises(sdk.InBandError) as caught:
        await drain(await call(getattr(client, kind).stream, component, "hi"), [])
    assert caught.value.event["event"] == name


async def test_latency_delays_the_answer_on_both_clients(
    stub: StubDeployment, client: sdk.Client | sdk.AsyncClient
) -> None:
    stub.latency("research-agent", seconds=0.2)
    started = time.monotonic()
    output = await call(client.agents.run, "research-agent", "hi")
    assert time.monotonic() - started >= 0.2
    assert output.content == "answer to hi"
    started = time.monotonic()
    await call(client.agents.run, "research-agent", "hi")  # used up
    assert time.monotonic() - started < 0.2


async def test_latency_longer_than_the_read_timeout_is_a_timeout_and_the_run_still_happened(
    stub: StubDeployment,
) -> None:
    stub.latency("crew", seconds=30)
    with stub.client() as client:
        started = time.monotonic()
        with pytest.raises(sdk.APITimeoutError):
            client.with_options(timeout=0.1).teams.run("crew", "hi")
        assert time.monotonic() - started < 5
    assert len(stub.invocations_of("crew")) == 1


async def test_async_latency_leaves_the_event_loop_running(stub: StubDeployment) -> None:
    stub.latency("research-agent", seconds=0.3)
    async with stub.async_client() as client:
        slow = asyncio.ensure_future(client.agents.run("research-agent", "slow"))
        await asyncio.sleep(0.01)
        started = time.monotonic()
        fast = await client.teams.run("crew", "fast")
        assert time.monotonic() - started < 0.25  # not queued behind the slow answer
        assert fast.content == "team answer"
        assert (await slow).content == "answer to slow"


def test_latency_and_a_status_fault_apply_to_one_request(stub: StubDeployment) -> None:
    stub.latency("research-agent", seconds=0.05).fail_next("research-agent", status=503)
    with stub.client() as client:
        started = time.monotonic()
        with pytest.raises(sdk.ServerError):
            client.agents.run("research-agent", "hi")
        assert time.monotonic() - started >= 0.05


@pytest.mark.parametrize(
    "configure",
    [
        lambda s: s.end_stream_early("research-agent", n_events=-1),
        lambda s: s.error_event("research-agent", after_events=True),
        lambda s: s.error_event("research-agent", message=3),
        lambda s: s.latency("research-agent", seconds=-1),
        lambda s: s.latency("research-agent", seconds="1"),
        lambda s: s.latency("nobody", seconds=1),
    ],
)
def test_bad_fault_options_are_configuration_errors(stub: StubDeployment, configure: Any) -> None:
    with pytest.raises(StubConfigurationError):
        configure(stub)


async def test_skip_retry_waits_retries_at_once_and_records_the_waits(stub: StubDeployment) -> None:
    stub.fail_next("research-agent", status=503, times=2)
    with stub.client(max_retries=2) as client, skip_retry_waits() as skipped:
        started = time.monotonic()
        info = client.agents.get("research-agent")  # discovery is retried on 503
        assert time.monotonic() - started < 0.4  # the back-off alone is 0.5 s + 1 s
    assert info.id == "research-agent"
    assert len(skipped) == 2
    assert all(0 < seconds <= 1.0 for seconds in skipped)
    stub.fail_next("crew", status=503, headers={"Retry-After": "7"})
    async with stub.async_client(max_retries=1) as async_client:
        with skip_retry_waits() as skipped:
            await async_client.teams.get("crew")
    assert skipped == [7.0]


def test_the_waits_come_back_after_the_block() -> None:
    from agentos_factories import _retry

    before = (_retry.sleep, _retry.async_sleep)
    with skip_retry_waits():
        assert _retry.sleep is not before[0]
    assert (_retry.sleep, _retry.async_sleep) == before


def test_the_fixture_skips_waits(agentos_no_retry_waits: list[float]) -> None:
    deployment = StubDeployment(BASE_URL).agent_factory("a")
    deployment.fail_next(status=429)
    with deployment.client(max_retries=1) as client:
        client.agents.list()
    assert len(agentos_no_retry_waits) == 1


def test_plain_httpx_sees_the_early_end_as_a_body_without_the_completion(stub: StubDeployment) -> None:
    stub.end_stream_early("research-agent", n_events=1)
    with httpx.Client(transport=stub.transport(), base_url=BASE_URL) as http:
        response = http.post("/agents/research-agent/runs", data={"message": "hi", "stream": "true"})
    assert response.status_code == 200
    assert response.text.count("event: ") == 1
    assert "RunCompleted" not in response.text
