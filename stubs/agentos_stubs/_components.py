"""The declared components of a fake deployment, and how discovery lists them."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel

from ._errors import StubConfigurationError

__all__ = [
    "COLLECTIONS",
    "KINDS_BY_COLLECTION",
    "RUN_SCOPES",
    "ComponentKind",
    "ReplyValue",
    "StubComponent",
    "kind_title",
]

ComponentKind: TypeAlias = Literal["agent", "team", "workflow"]

#: What a reply returns: text (``content_type`` "str"), a pydantic model (content is its JSON,
#: ``content_type`` its class name, as agno's ``output_schema``), or a JSON object or array.
ReplyValue: TypeAlias = str | BaseModel | Mapping[str, Any] | list[Any]

COLLECTIONS: Mapping[ComponentKind, str] = MappingProxyType(
    {"agent": "agents", "team": "teams", "workflow": "workflows"}
)
KINDS_BY_COLLECTION: Mapping[str, ComponentKind] = MappingProxyType(
    {collection: kind for kind, collection in COLLECTIONS.items()}
)
#: The scope a caller needs to run a component of each kind (what a denied factory reports).
RUN_SCOPES: Mapping[ComponentKind, str] = MappingProxyType(
    {"agent": "agents:run", "team": "teams:run", "workflow": "workflows:run"}
)
#: agno's ``db_id`` of every stub component: one fake database.
STUB_DB_ID = "agentos-stub-db"
STUB_MODEL = {"name": "StubModel", "model": "agentos-stub-model", "provider": "agentos-stubs"}


def kind_title(kind: ComponentKind) -> str:
    return kind.capitalize()


@dataclass(frozen=True)
class StubComponent:
    """One agent, team or workflow of the fake deployment: a factory or a prototype."""

    kind: ComponentKind
    id: str
    reply: Callable[..., object]
    is_factory: bool = True
    name: str | None = None
    description: str | None = None
    input_schema: type[BaseModel] | None = None
    requires_confirmation: bool = False
    #: The JSON Schema discovery publishes; None: ``input_schema.model_json_schema()``. Stubs built
    #: from bindings publish the deployment's own schema, which the generated model came from.
    published_schema: Mapping[str, Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or self.id != self.id.strip() or "/" in self.id:
            raise StubConfigurationError(
                f"a component id must be a non-empty string without '/' or surrounding spaces,"
                f" not {self.id!r}"
            )
        if not callable(self.reply):
            raise StubConfigurationError(f"{self.id}: reply must be callable, not {self.reply!r}")
        if inspect.iscoroutinefunction(self.reply):
            raise StubConfigurationError(
                f"{self.id}: reply must be a plain function; the stub answers sync and async clients alike"
            )
        schema = self.input_schema
        if schema is not None and not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise StubConfigurationError(
                f"{self.id}: input_schema must be a pydantic model class, not {schema!r}"
            )
        if schema is not None and not self.is_factory:
            raise StubConfigurationError(f"{self.id}: a prototype has no input_schema")
        for field_name in ("name", "description"):
            value = getattr(self, field_name)
            if value is not None and not isinstance(value, str):
                raise StubConfigurationError(f"{self.id}: {field_name} must be a string, not {value!r}")

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def run_scope(self) -> str:
        return RUN_SCOPES[self.kind]

    def info(self, *, detailed: bool) -> dict[str, Any]:
        """The discovery entry (``GET /{kind}`` when not ``detailed``, ``GET /{kind}/{id}`` when it is)."""
        entry: dict[str, Any] = {"id": self.id, "name": self.display_name, "db_id": STUB_DB_ID}
        if self.kind == "agent":
            entry["filesystem"] = False
        if self.description is not None:
            entry["description"] = self.description
        entry["is_factory"] = self.is_factory
        if self.input_schema is not None:
            schema = (
                dict(self.published_schema)
                if self.published_schema is not None
                else self.input_schema.model_json_schema()
            )
            # agno publishes the schema under both names (wire notes section 8), except in the
            # workflow list, which carries factory_input_schema only.
            if self.kind != "workflow" or detailed:
                entry["input_schema"] = schema
            entry["factory_input_schema"] = schema
        if not self.is_factory:
            entry["model"] = dict(STUB_MODEL)
            entry["sessions"] = {"session_table": "agno_sessions"}
            entry["reasoning"] = {"reasoning": False}
            if self.description is not None:
                entry["system_message"] = {"description": self.description}
        if self.kind == "workflow" and detailed:
            entry["workflow_agent"] = False
        entry["is_component"] = False
        entry["sandboxed"] = False
        return entry
