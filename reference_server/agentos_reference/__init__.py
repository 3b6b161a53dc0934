"""A minimal but real AgentOS that implements the factories spec.

Factory code written for AgentOS reads the same here::

    from agentos_reference import AgentFactory, Agent, ReferenceOS, RequestContext, SqliteDb

    db = SqliteDb("agentos.sqlite3")

    def build(ctx: RequestContext) -> Agent:
        return Agent(instructions=f"Assist tenant {ctx.user_id or 'anonymous'}.")

    app = ReferenceOS(agents=[AgentFactory(id="tenant-agent", db=db, factory=build)], db=db).get_app()

Names are imported on first use, so that the ``agentos-reference`` console script
(``agentos_reference._console``) can start, and say which ``pip install`` line to run, in an
environment installed without the ``[server]`` extra; using a name there raises that line too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentos_reference.app import ReferenceOS
    from agentos_reference.auth import JWTAuth
    from agentos_reference.components import (
        Agent,
        Model,
        ModelReply,
        ModelRequest,
        OfflineModel,
        Step,
        StepInput,
        StepOutput,
        Team,
        Tool,
        Workflow,
        tool,
    )
    from agentos_reference.context import RequestContext, TrustedContext
    from agentos_reference.errors import (
        FactoryContextRequired,
        FactoryError,
        FactoryPermissionError,
        FactoryValidationError,
    )
    from agentos_reference.factory import AgentFactory, BaseFactory, TeamFactory, WorkflowFactory
    from agentos_reference.limits import Limits
    from agentos_reference.storage import SqliteDb

_HOMES = {
    "ReferenceOS": "agentos_reference.app",
    "JWTAuth": "agentos_reference.auth",
    "Agent": "agentos_reference.components",
    "Model": "agentos_reference.components",
    "ModelReply": "agentos_reference.components",
    "ModelRequest": "agentos_reference.components",
    "OfflineModel": "agentos_reference.components",
    "Step": "agentos_reference.components",
    "StepInput": "agentos_reference.components",
    "StepOutput": "agentos_reference.components",
    "Team": "agentos_reference.components",
    "Tool": "agentos_reference.components",
    "Workflow": "agentos_reference.components",
    "tool": "agentos_reference.components",
    "RequestContext": "agentos_reference.context",
    "TrustedContext": "agentos_reference.context",
    "FactoryContextRequired": "agentos_reference.errors",
    "FactoryError": "agentos_reference.errors",
    "FactoryPermissionError": "agentos_reference.errors",
    "FactoryValidationError": "agentos_reference.errors",
    "AgentFactory": "agentos_reference.factory",
    "BaseFactory": "agentos_reference.factory",
    "TeamFactory": "agentos_reference.factory",
    "WorkflowFactory": "agentos_reference.factory",
    "Limits": "agentos_reference.limits",
    "SqliteDb": "agentos_reference.storage",
}

__all__ = [
    "Agent",
    "AgentFactory",
    "BaseFactory",
    "FactoryContextRequired",
    "FactoryError",
    "FactoryPermissionError",
    "FactoryValidationError",
    "JWTAuth",
    "Limits",
    "Model",
    "ModelReply",
    "ModelRequest",
    "OfflineModel",
    "ReferenceOS",
    "RequestContext",
    "SqliteDb",
    "Step",
    "StepInput",
    "StepOutput",
    "Team",
    "TeamFactory",
    "Tool",
    "TrustedContext",
    "Workflow",
    "WorkflowFactory",
    "tool",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(home), name)
    except ModuleNotFoundError as error:
        from agentos_reference._console import missing_extra_message

        message = missing_extra_message(f"{__name__}.{name}")
        if message is None:
            raise
        raise ModuleNotFoundError(message, name=error.name) from error
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
