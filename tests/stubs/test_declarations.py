"""Declaring a fake deployment: mistakes get a clear ``StubConfigurationError`` at once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from agentos_stubs import StubConfigurationError, StubContext, StubDeployment

from .conftest import BASE_URL


def test_declarations_chain_and_list_components() -> None:
    deployment = (
        StubDeployment()
        .agent_factory("a", name="Agent A")
        .team_factory("a")  # the same id in another kind is another component
        .workflow_factory("w")
        .prototype_agent("p")
    )
    assert [(c.kind, c.id, c.is_factory) for c in deployment.components] == [
        ("agent", "a", True),
        ("team", "a", True),
        ("workflow", "w", True),
        ("agent", "p", False),
    ]
    assert deployment.components[0].display_name == "Agent A"


async def _async_reply(ctx: Any, message: str) -> str:
    return message


class NotAModel:
    pass


@pytest.mark.parametrize(
    ("declare", "match"),
    [
        (lambda d: d.agent_factory("x").agent_factory("x"), "already has a agent 'x'"),
        (lambda d: d.agent_factory(""), "component id"),
        (lambda d: d.team_factory("a/b"), "component id"),
        (lambda d: d.workflow_factory(" w "), "component id"),
        (lambda d: d.agent_factory("x", reply=_async_reply), "plain function"),
        (lambda d: d.agent_factory("x", reply="not callable"), "callable"),
        (lambda d: d.agent_factory("x", input_schema=NotAModel), "pydantic model class"),
        (lambda d: d.agent_factory("x", name=5), "name must be a string"),
        (lambda d: d.factory("crew", "x"), "kind must be"),
        (lambda d: d.fail_next("ghost", status=503), "no component 'ghost'"),
        (lambda d: d.agent_factory("x").fail_next("x", status=200), "status must be"),
        (lambda d: d.agent_factory("x").fail_next("x", status=503, times=0), "times must be"),
        (lambda d: d.agent_factory("x").fail_next(status=503, detail=object()), "detail must be JSON"),
        (lambda d: d.agent_factory("x").break_stream_after("x", n_events=-1), "n_events"),
        (lambda d: d.agent_factory("x").timeout("x", phase="slow"), "phase"),
        (lambda d: d.agent_factory("x").connection_error("x", phase="dns"), "phase"),
    ],
)
def test_declaration_mistakes_are_refused(declare: Any, match: str) -> None:
    with pytest.raises(StubConfigurationError, match=match):
        declare(StubDeployment())


@pytest.mark.parametrize(
    "base_url", ["agentos.test", "ftp://agentos.test", "http://agentos.test/?q=1", "http://"]
)
def test_bad_base_urls_are_refused(base_url: str) -> None:
    with pytest.raises(StubConfigurationError, match="base_url"):
        StubDeployment(base_url)


def test_bad_profile_and_identity_are_refused() -> None:
    with pytest.raises(StubConfigurationError, match="profile"):
        StubDeployment(profile="real")  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(StubConfigurationError, match="identity"):
        StubDeployment(identity={"user_id": "x"})  # type: ignore[arg-type]  # the point of the test


class Reply(BaseModel):
    text: str


@pytest.mark.parametrize(
    "bad_reply",
    [
        lambda ctx, message: 42,
        lambda ctx, message: {"not json": object()},
        lambda ctx, message: asyncio.sleep(0),
    ],
)
def test_a_reply_returning_the_wrong_thing_fails_the_test_loudly(bad_reply: Any) -> None:
    deployment = StubDeployment()
    deployment.agent_factory("x", reply=bad_reply)
    with (
        httpx.Client(transport=deployment.transport(), base_url=BASE_URL) as client,
        pytest.raises(StubConfigurationError, match="reply"),
    ):
        client.post("/agents/x/runs", data={"message": "m", "stream": "false"})
    # Through respx too: the side effect's exception reaches the test, not a 500.
    with (
        deployment.mock(),
        httpx.Client(base_url=BASE_URL) as client,
        pytest.raises(StubConfigurationError, match="reply"),
    ):
        client.post("/agents/x/runs", data={"message": "m", "stream": "false"})


def test_a_typed_reply_sees_the_model() -> None:
    class Persona(BaseModel):
        persona: str = "analyst"

    seen: list[Persona | None] = []

    def reply(ctx: StubContext[Persona | None], message: str) -> Reply:
        seen.append(ctx.input)
        return Reply(text=message)

    deployment = StubDeployment().agent_factory("typed", input_schema=Persona, reply=reply)
    with httpx.Client(transport=deployment.transport(), base_url=BASE_URL) as client:
        body = client.post("/agents/typed/runs", data={"message": "m", "stream": "false"}).json()
    assert seen == [Persona()]
    assert (body["content"], body["content_type"]) == ({"text": "m"}, "Reply")
