"""Clauses no deployment can show over the wire, judged on agno 3.1.10's factory classes.

The clause catalogue (``agentos_contract.clauses``) names these tests as the judges of
C03, C04, C05, C10, C11, C42, C43 and C44 (its library half).
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

pytest.importorskip("agno", reason="the [agno] extra is not installed")

from agno.agent import Agent, AgentFactory
from agno.db.in_memory import InMemoryDb
from agno.factory import (
    BaseFactory,
    FactoryContextRequired,
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    RequestContext,
)
from agno.os.utils import get_agent_by_id
from agno.team import Team, TeamFactory
from agno.workflow import Workflow, WorkflowFactory

import agentos_reference as REFERENCE
from agentos_contract.probes.agno import ProbeEchoModel

FACTORIES = (AgentFactory, TeamFactory, WorkflowFactory)


def _db() -> InMemoryDb:
    return InMemoryDb()  # type: ignore[no-untyped-call]  # agno's constructor is unannotated


def _agent(component_id: str, **kwargs: Any) -> Agent:
    """An offline agent (resolving runs initialize_agent, which needs a model)."""
    return Agent(id=component_id, model=ProbeEchoModel(reply=lambda message: "ok"), **kwargs)


def _ctx() -> RequestContext:
    return RequestContext(user_id=None, session_id=None, input=None)


@pytest.mark.parametrize("factory_class", FACTORIES)
def test_c03_empty_id_raises_value_error(factory_class: Any) -> None:
    with pytest.raises(ValueError, match="id"):
        factory_class(id="", db=_db(), factory=lambda ctx: None)


@pytest.mark.parametrize("factory_class", FACTORIES)
def test_c05_db_none_raises_value_error(factory_class: Any) -> None:
    with pytest.raises(ValueError, match="db"):
        factory_class(id="x", db=None, factory=lambda ctx: None)


def test_c04_factory_db_fills_a_falsy_component_db() -> None:
    db = _db()
    own = _db()
    factory = AgentFactory(id="a", db=db, factory=lambda ctx: _agent("a"))
    assert factory.resolve(_ctx(), Agent).db is db
    keeps = AgentFactory(id="a", db=db, factory=lambda ctx: _agent("a", db=own))
    assert keeps.resolve(_ctx(), Agent).db is own


def test_c10_post_resolve_sets_id_db_and_store_events() -> None:
    db = _db()
    factory = AgentFactory(id="the-factory", db=db, factory=lambda ctx: _agent("other", store_events=False))
    agent = factory.resolve(_ctx(), Agent)
    assert (agent.id, agent.db, agent.store_events) == ("the-factory", db, True)


def test_c11_factories_share_the_base_constructor() -> None:
    base = inspect.signature(BaseFactory.__init__)
    for factory_class in FACTORIES:
        assert issubclass(factory_class, BaseFactory)
        assert inspect.signature(factory_class.__init__) == base
    produced = {AgentFactory: Agent, TeamFactory: Team, WorkflowFactory: Workflow}
    assert len(set(produced.values())) == 3


def test_c42_sync_invocation_of_an_async_factory_is_a_factory_error() -> None:
    async def build(ctx: RequestContext) -> Agent:
        return _agent("a")

    factory = AgentFactory(id="a", db=_db(), factory=build)
    with pytest.raises(FactoryError):
        factory.resolve(_ctx(), Agent)


def test_c43_factory_exceptions_inherit_from_factory_error() -> None:
    for exception in (FactoryValidationError, FactoryPermissionError, FactoryContextRequired):
        assert issubclass(exception, FactoryError)


def test_c44_lookup_without_context_raises_factory_context_required() -> None:
    factory = AgentFactory(id="a", db=_db(), factory=lambda ctx: _agent("a"))
    with pytest.raises(FactoryContextRequired):
        get_agent_by_id("a", agents=[factory])
    assert isinstance(get_agent_by_id("a", agents=[factory], ctx=_ctx()), Agent)


# -- the same clauses on the reference server's factory API ---------------------------------------------


def _reference_db(tmp_path: Any) -> Any:
    return REFERENCE.SqliteDb(str(tmp_path / "library.sqlite3"))


@pytest.mark.parametrize("name", ["AgentFactory", "TeamFactory", "WorkflowFactory"])
def test_c03_c05_reference_constructor_errors(name: str, tmp_path: Any) -> None:
    factory_class = getattr(REFERENCE, name)
    with pytest.raises(ValueError, match="id"):
        factory_class(id="", db=_reference_db(tmp_path), factory=lambda ctx: None)
    with pytest.raises(ValueError, match="db"):
        factory_class(id="x", db=None, factory=lambda ctx: None)


def test_c04_c10_reference_post_resolve(tmp_path: Any) -> None:
    db, own = _reference_db(tmp_path), REFERENCE.SqliteDb(str(tmp_path / "own.sqlite3"))
    factory = REFERENCE.AgentFactory(id="the-factory", db=db, factory=lambda ctx: REFERENCE.Agent(id="other"))
    agent = factory.resolve(REFERENCE.RequestContext())
    assert (agent.id, agent.db, agent.store_events) == ("the-factory", db, True)
    keeps = REFERENCE.AgentFactory(id="a", db=db, factory=lambda ctx: REFERENCE.Agent(id="a", db=own))
    assert keeps.resolve(REFERENCE.RequestContext()).db is own


def test_c11_c42_c43_reference_classes_and_sync_invocation(tmp_path: Any) -> None:
    base = inspect.signature(REFERENCE.BaseFactory.__init__)
    for name in ("AgentFactory", "TeamFactory", "WorkflowFactory"):
        assert issubclass(getattr(REFERENCE, name), REFERENCE.BaseFactory)
        assert inspect.signature(getattr(REFERENCE, name).__init__) == base
    for name in ("FactoryValidationError", "FactoryPermissionError", "FactoryContextRequired"):
        assert issubclass(getattr(REFERENCE, name), REFERENCE.FactoryError)

    async def build(ctx: Any) -> Any:
        return REFERENCE.Agent(id="a")

    factory = REFERENCE.AgentFactory(id="a", db=_reference_db(tmp_path), factory=build)
    with pytest.raises(REFERENCE.FactoryError):
        factory.resolve(REFERENCE.RequestContext())
