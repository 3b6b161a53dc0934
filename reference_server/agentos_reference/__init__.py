"""A minimal but real AgentOS that implements the factories spec.

Factory code written for AgentOS reads the same here::

    from agentos_reference import AgentFactory, Agent, ReferenceOS, RequestContext, SqliteDb

    db = SqliteDb("agentos.sqlite3")

    def build(ctx: RequestContext) -> Agent:
        return Agent(instructions=f"Assist tenant {ctx.user_id or 'anonymous'}.")

    app = ReferenceOS(agents=[AgentFactory(id="tenant-agent", db=db, factory=build)], db=db).get_app()
"""

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
