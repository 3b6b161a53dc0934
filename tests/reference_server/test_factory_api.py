"""The Python API mirrors the spec: constructor, RequestContext, exceptions, resolution, post-resolve."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from agentos_reference import (
    Agent,
    AgentFactory,
    FactoryContextRequired,
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    ReferenceOS,
    RequestContext,
    SqliteDb,
    Team,
    TeamFactory,
    TrustedContext,
    Workflow,
    WorkflowFactory,
)
from agentos_reference.components import Step
from agentos_reference.errors import http_status_for

from .conftest import client_for


class Persona(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


class Tenant(BaseModel):
    tenant: str


def recording(calls: list[RequestContext]) -> Callable[[RequestContext], Agent]:
    """A factory that remembers every context it was called with."""

    def build(ctx: RequestContext) -> Agent:
        calls.append(ctx)
        return Agent()

    return build


def recording_input(seen: list[object]) -> Callable[[RequestContext], Agent]:
    """A factory that remembers the ``ctx.input`` of every call."""

    def build(ctx: RequestContext) -> Agent:
        seen.append(ctx.input)
        return Agent()

    return build


@pytest.mark.parametrize("factory_class", [AgentFactory, TeamFactory, WorkflowFactory])
def test_constructor_rejects_empty_id_and_missing_db(factory_class: type[AgentFactory], db: SqliteDb) -> None:
    with pytest.raises(ValueError, match="non-empty 'id'"):
        factory_class(id="", db=db, factory=lambda ctx: Agent())
    with pytest.raises(ValueError, match="'db'"):
        factory_class(id="x", db=None, factory=lambda ctx: Agent())  # type: ignore[arg-type]  # the None under test


def test_constructor_keeps_name_description_and_input_schema(db: SqliteDb) -> None:
    factory = AgentFactory(
        id="research", db=db, factory=lambda ctx: Agent(), name="R", description="D", input_schema=Persona
    )
    assert (factory.id, factory.db, factory.name, factory.description, factory.input_schema) == (
        "research",
        db,
        "R",
        "D",
        Persona,
    )


@pytest.mark.parametrize("bad_id", ["a/b", "..", "x?y", "a#b", "a%2Fb", " padded ", "tab\there", "x" * 129])
def test_ids_that_cannot_be_a_url_path_segment_are_refused(db: SqliteDb, bad_id: str) -> None:
    with pytest.raises(ValueError, match="id"):
        AgentFactory(id=bad_id, db=db, factory=lambda ctx: Agent())


def test_input_schema_must_be_a_pydantic_model(db: SqliteDb) -> None:
    with pytest.raises(ValueError, match="input_schema"):
        AgentFactory(id="a", db=db, factory=lambda ctx: Agent(), input_schema=dict)  # type: ignore[arg-type]  # the wrong type under test


async def test_sync_and_async_factories_are_both_resolved(db: SqliteDb) -> None:
    seen: list[str] = []

    def build_sync(ctx: RequestContext) -> Agent:
        seen.append(f"sync:{ctx.user_id}")
        return Agent()

    async def build_async(ctx: RequestContext) -> Agent:
        seen.append(f"async:{ctx.user_id}")
        return Agent()

    sync_factory = AgentFactory(id="s", db=db, factory=build_sync)
    async_factory = AgentFactory(id="a", db=db, factory=build_async)
    assert not sync_factory.is_async()
    assert async_factory.is_async()
    assert isinstance(await sync_factory.resolve_async(RequestContext(user_id="u1")), Agent)
    assert isinstance(await async_factory.resolve_async(RequestContext(user_id="u2")), Agent)
    assert seen == ["sync:u1", "async:u2"]


async def test_sync_invocation_of_an_async_factory_is_a_factory_error(db: SqliteDb) -> None:
    async def build(ctx: RequestContext) -> Agent:
        return Agent()

    with pytest.raises(FactoryError, match="async factory"):
        AgentFactory(id="a", db=db, factory=build).resolve(RequestContext())


async def test_invalid_input_fails_validation_before_the_factory_is_invoked(db: SqliteDb) -> None:
    calls: list[RequestContext] = []
    factory = AgentFactory(id="a", db=db, factory=recording(calls), input_schema=Tenant)
    with pytest.raises(FactoryValidationError, match="factory_input validation failed"):
        await factory.resolve_async(RequestContext(input={"tenant": 5}))
    with pytest.raises(FactoryValidationError, match="must be a JSON object, got list"):
        factory.validate_input([1, 2])
    with pytest.raises(FactoryValidationError, match="valid JSON"):
        factory.validate_input("{bad")
    assert calls == []


async def test_validated_input_reaches_the_factory_as_a_model_instance(db: SqliteDb) -> None:
    calls: list[RequestContext] = []
    factory = AgentFactory(id="a", db=db, factory=recording(calls), input_schema=Persona)
    await factory.resolve_async(RequestContext(input={"persona": "skeptic", "depth": "5"}))
    assert calls[0].input == Persona(persona="skeptic", depth=5)


async def test_omitted_input_is_validated_as_an_empty_object_when_a_schema_is_set(db: SqliteDb) -> None:
    seen: list[object] = []
    with_defaults = AgentFactory(id="d", db=db, factory=recording_input(seen), input_schema=Persona)
    await with_defaults.resolve_async(RequestContext(input=None))
    assert seen == [Persona()]
    required = AgentFactory(id="r", db=db, factory=lambda ctx: Agent(), input_schema=Tenant)
    with pytest.raises(FactoryValidationError, match="tenant"):
        await required.resolve_async(RequestContext(input=None))


async def test_without_a_schema_the_input_is_the_dict_or_none(db: SqliteDb) -> None:
    seen: list[object] = []
    factory = AgentFactory(id="a", db=db, factory=recording_input(seen))
    await factory.resolve_async(RequestContext(input=None))
    await factory.resolve_async(RequestContext(input={"a": [1]}))
    assert seen == [None, {"a": [1]}]


async def test_resolve_without_validation_passes_the_context_unchanged(db: SqliteDb) -> None:
    seen: list[object] = []
    factory = AgentFactory(id="a", db=db, factory=recording_input(seen), input_schema=Tenant)
    await factory.resolve_async(RequestContext(input=None), validate=False)
    assert seen == [None]


@pytest.mark.parametrize(
    ("factory_class", "wrong"),
    [
        (AgentFactory, lambda: Team(members=[])),
        (TeamFactory, lambda: Agent()),
        (WorkflowFactory, lambda: Agent()),
    ],
)
async def test_a_wrong_return_type_is_a_factory_error(
    db: SqliteDb, factory_class: type[AgentFactory], wrong: Callable[[], Any]
) -> None:
    factory = factory_class(id="w", db=db, factory=lambda ctx: wrong())
    with pytest.raises(FactoryError, match="expected") as raised:
        await factory.resolve_async(RequestContext())
    assert type(raised.value) is FactoryError


async def test_post_resolve_forces_the_component_id_and_logs_a_warning(
    db: SqliteDb, caplog: pytest.LogCaptureFixture
) -> None:
    factory = AgentFactory(id="factory-id", db=db, factory=lambda ctx: Agent(id="other-id"))
    with caplog.at_level(logging.WARNING, logger="agentos_reference"):
        agent = await factory.resolve_async(RequestContext())
    assert agent.id == "factory-id"
    assert any("other-id" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


async def test_post_resolve_without_an_id_sets_it_silently(
    db: SqliteDb, caplog: pytest.LogCaptureFixture
) -> None:
    factory = AgentFactory(id="factory-id", db=db, factory=lambda ctx: Agent())
    with caplog.at_level(logging.WARNING, logger="agentos_reference"):
        agent = await factory.resolve_async(RequestContext())
    assert agent.id == "factory-id"
    assert caplog.records == []


async def test_post_resolve_fills_db_only_when_the_component_has_none(db: SqliteDb, tmp_path: Path) -> None:
    own = SqliteDb(tmp_path / "own.sqlite3")
    without = await AgentFactory(id="a", db=db, factory=lambda ctx: Agent()).resolve_async(RequestContext())
    with_own = await AgentFactory(id="b", db=db, factory=lambda ctx: Agent(db=own)).resolve_async(
        RequestContext()
    )
    assert without.db is db
    assert with_own.db is own


@pytest.mark.parametrize(
    ("factory_class", "build"),
    [
        (AgentFactory, lambda: Agent()),
        (TeamFactory, lambda: Team(members=[])),
        (WorkflowFactory, lambda: Workflow(steps=[Step(name="s", executor=lambda step_input: "x")])),
    ],
)
async def test_post_resolve_sets_store_events(
    db: SqliteDb, factory_class: type[AgentFactory], build: Callable[[], Agent]
) -> None:
    component = await factory_class(id="c", db=db, factory=lambda ctx: build()).resolve_async(
        RequestContext()
    )
    assert component.store_events is True


def test_request_context_and_trusted_context_are_frozen() -> None:
    ctx = RequestContext(
        user_id="u", trusted=TrustedContext(claims={"role": "admin"}, scopes=frozenset({"s"}))
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.user_id = "other"  # type: ignore[misc]  # the mutation under test
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.trusted.scopes = frozenset()  # type: ignore[misc]  # the mutation under test
    assert [f.name for f in dataclasses.fields(RequestContext)] == [
        "user_id",
        "session_id",
        "input",
        "trusted",
        "request",
    ]
    assert [f.name for f in dataclasses.fields(TrustedContext)] == ["claims", "scopes"]
    empty = TrustedContext()
    assert dict(empty.claims) == {}
    assert empty.scopes == frozenset()


def test_exceptions_follow_the_spec_table() -> None:
    for subclass in (FactoryValidationError, FactoryPermissionError, FactoryContextRequired):
        assert issubclass(subclass, FactoryError)
    assert http_status_for(FactoryValidationError("x")) == 400
    assert http_status_for(FactoryPermissionError("x")) == 403
    assert http_status_for(FactoryError("x")) == 500
    assert http_status_for(FactoryContextRequired("x")) == 500
    assert http_status_for(RuntimeError("x")) == 500


async def test_looking_up_a_factory_without_a_context_raises_factory_context_required(db: SqliteDb) -> None:
    prototype = Agent(id="proto", db=db)
    os = ReferenceOS(
        agents=[prototype, AgentFactory(id="fac", db=db, factory=lambda ctx: Agent(name=ctx.user_id))]
    )
    assert await os.get_component("agent", "proto") is prototype
    assert await os.get_component("agent", "missing") is None
    with pytest.raises(FactoryContextRequired, match="requires a RequestContext"):
        await os.get_component("agent", "fac")
    built = await os.get_component("agent", "fac", RequestContext(user_id="u"))
    assert isinstance(built, Agent)
    assert (built.id, built.name) == ("fac", "u")


async def test_without_jwt_auth_an_applications_own_verified_middleware_fills_ctx_trusted(
    db: SqliteDb,
) -> None:
    seen: list[RequestContext] = []
    app = ReferenceOS(agents=[AgentFactory(id="a", db=db, factory=recording(seen))]).get_app()

    class GatewayIdentity:
        """Stands for an application's verified middleware (an API gateway's checked headers)."""

        def __init__(self, inner: ASGIApp) -> None:
            self.inner = inner

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            scope.setdefault("state", {}).update(
                user_id="gw-user", session_id=None, claims={"role": "admin"}, scopes=frozenset({"agents:run"})
            )
            await self.inner(scope, receive, send)

    app.add_middleware(GatewayIdentity)
    async with client_for(app) as client:
        response = await client.post(
            "/agents/a/runs", data={"message": "m", "stream": "false", "user_id": "form"}
        )
    assert response.status_code == 200
    assert seen[0].user_id == "gw-user"
    assert dict(seen[0].trusted.claims) == {"role": "admin"}
    assert seen[0].trusted.scopes == frozenset({"agents:run"})
