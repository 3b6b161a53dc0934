"""Discovery: what ``GET /agents``, ``/teams``, ``/workflows`` and ``GET /{kind}/{id}`` return."""

from __future__ import annotations

from pydantic import JsonValue

from ._base import WireModel

__all__ = ["AgentInfo", "ComponentInfo", "TeamInfo", "WorkflowInfo"]


class ComponentInfo(WireModel):
    """A registered component (prototype or factory).

    ``factory_input_schema`` is the factory's ``input_schema`` as JSON Schema
    (``Model.model_json_schema()``), absent when the factory has none or the entry is a prototype.
    """

    id: str
    name: str | None = None
    description: str | None = None
    db_id: str | None = None
    is_factory: bool = False
    is_component: bool | None = None
    factory_input_schema: dict[str, JsonValue] | None = None
    input_schema: dict[str, JsonValue] | None = None


class AgentInfo(ComponentInfo):
    """An agent or agent factory."""


class TeamInfo(ComponentInfo):
    """A team or team factory."""


class WorkflowInfo(ComponentInfo):
    """A workflow or workflow factory."""
