"""``ReferenceOS``: the app builder, mirroring ``AgentOS(agents=..., teams=..., workflows=...).get_app()``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from agentos_reference.auth.jwt import JWTAuth, TokenVerifier
from agentos_reference.auth.middleware import JWTMiddleware
from agentos_reference.components import Agent, Team, Workflow
from agentos_reference.context import RequestContext
from agentos_reference.errors import FactoryContextRequired
from agentos_reference.factory import BaseFactory
from agentos_reference.http.internal_errors import InternalErrorMiddleware
from agentos_reference.http.openapi import documented
from agentos_reference.http.paths import TrailingSlashMiddleware
from agentos_reference.http.routes.discovery import discovery_router, health_router
from agentos_reference.http.routes.lifecycle import lifecycle_router
from agentos_reference.http.routes.reads import reads_router
from agentos_reference.http.routes.runs import run_router
from agentos_reference.http.state import ServerState
from agentos_reference.http.websocket import websocket_router
from agentos_reference.limits import Limits
from agentos_reference.registry import KIND_TITLES, Kind, Registry
from agentos_reference.storage import SqliteDb

KINDS: tuple[Kind, ...] = ("agent", "team", "workflow")


class ReferenceOS:
    """A minimal AgentOS serving prototypes and factories side by side.

    ``db`` is the storage of prototypes that have none (factories bring their own);
    ``auth`` turns on bearer-token verification; ``with_probes`` adds the probe
    factories of ``docs/probe-protocol.md``.
    """

    def __init__(
        self,
        *,
        agents: Sequence[Agent | BaseFactory[Agent]] = (),
        teams: Sequence[Team | BaseFactory[Team]] = (),
        workflows: Sequence[Workflow | BaseFactory[Workflow]] = (),
        db: SqliteDb | None = None,
        auth: JWTAuth | None = None,
        limits: Limits | None = None,
        with_probes: bool = False,
        title: str = "AgentOS reference server",
    ) -> None:
        agents, teams, workflows = list(agents), list(teams), list(workflows)
        if with_probes:
            from agentos_reference.probes import probe_components

            if db is None:
                raise ValueError("with_probes=True needs a db for the probe factories")
            probes = probe_components(db)
            agents += probes.agents
            teams += probes.teams
            workflows += probes.workflows
        self.registry = Registry(agents=agents, teams=teams, workflows=workflows, db=db)
        self.db = db
        self.auth = auth
        self.limits = limits or Limits()
        self.title = title

    async def get_component(
        self, kind: Kind, component_id: str, ctx: RequestContext | None = None
    ) -> Agent | Team | Workflow | None:
        """The component served under ``component_id``: a prototype as registered, or a factory's
        product for ``ctx``. A factory without a context raises FactoryContextRequired."""
        registration = self.registry.get(kind, component_id)
        if registration is None:
            return None
        entry = registration.entry
        if not isinstance(entry, BaseFactory):
            return entry
        if ctx is None:
            raise FactoryContextRequired(
                f"{KIND_TITLES[kind]} '{component_id}' is a factory and requires a RequestContext."
            )
        component: Agent | Team | Workflow = await entry.resolve_async(ctx)
        return component

    def get_app(self) -> FastAPI:
        state = ServerState(
            registry=self.registry,
            limits=self.limits,
            verifier=TokenVerifier(self.auth) if self.auth is not None else None,
        )

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            yield
            for task in list(state.background_tasks):
                task.cancel()
            if state.background_tasks:
                await asyncio.gather(*state.background_tasks, return_exceptions=True)
            state.databases.close()

        app = FastAPI(title=self.title, lifespan=lifespan)
        app.state.server = state
        # With a verifier, any route answers 401 to a refused token (and to none, when one is required).
        auth = documented(401) if state.verifier is not None else {}
        app.include_router(health_router(), responses=auth)
        for kind in KINDS:
            app.include_router(discovery_router(kind), responses=auth)
            app.include_router(run_router(kind), responses=auth)
            app.include_router(lifecycle_router(kind), responses=auth)
            app.include_router(reads_router(kind), responses=auth)
        app.include_router(websocket_router())
        # Innermost: an unhandled error is answered (JSON 500) and logged once, on one line.
        app.add_middleware(InternalErrorMiddleware)
        app.add_middleware(JWTMiddleware, verifier=state.verifier)
        app.add_middleware(TrailingSlashMiddleware)
        return app
