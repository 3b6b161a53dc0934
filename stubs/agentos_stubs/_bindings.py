"""Declaring a stub deployment from a bindings module written by ``agentos-factories generate``.

The module's ``AGENTOS_BINDINGS`` lists every component the deployment had: each factory with a
schema is declared with the module's generated model as its ``input_schema`` (so a test's
``factory_input`` is validated by the same model the application is typed against, 400 when the
deployment would say 400) and publishes the deployment's own JSON Schema in discovery; factories
without one take any JSON object; prototypes are prototypes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ._components import ReplyValue, StubComponent
from ._errors import StubConfigurationError

if TYPE_CHECKING:
    from ._deployment import StubDeployment

__all__ = ["declare_from_bindings"]

MANIFEST_NAME = "AGENTOS_BINDINGS"
MANIFEST_FORMAT = 1
_KINDS = ("agent", "team", "workflow")


def _echo(ctx: object, message: str) -> str:
    return message


def _entries(module: ModuleType) -> list[Mapping[str, Any]]:
    manifest = getattr(module, MANIFEST_NAME, None)
    if not isinstance(manifest, Mapping) or manifest.get("format") != MANIFEST_FORMAT:
        raise StubConfigurationError(
            f"{getattr(module, '__name__', module)!r} is not a bindings module written by"
            f" `agentos-factories generate` (no {MANIFEST_NAME} of format {MANIFEST_FORMAT})"
        )
    components = manifest.get("components")
    if not isinstance(components, list) or not all(isinstance(entry, Mapping) for entry in components):
        raise StubConfigurationError(f"{MANIFEST_NAME}['components'] must be a list of objects")
    return components


def _model(module: ModuleType, name: object, component_id: str) -> type[BaseModel]:
    model = getattr(module, name, None) if isinstance(name, str) else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise StubConfigurationError(f"{component_id}: the bindings module has no model {name!r}")
    return model


def declare_from_bindings(
    deployment: StubDeployment,
    module: ModuleType,
    replies: Mapping[str, Callable[..., ReplyValue]] | None,
) -> None:
    """Declare every component of ``module`` on ``deployment`` (see the module docstring)."""
    entries = _entries(module)
    replies = dict(replies or {})
    known = {str(entry.get("id")) for entry in entries}
    unknown = sorted(set(replies) - known)
    if unknown:
        raise StubConfigurationError(f"replies name components the bindings do not have: {unknown}")
    for entry in entries:
        kind, component_id = entry.get("kind"), entry.get("id")
        if kind not in _KINDS or not isinstance(component_id, str):
            raise StubConfigurationError(f"a bindings component needs a kind and an id, not {dict(entry)!r}")
        is_factory = bool(entry.get("is_factory"))
        schema = entry.get("input_schema")
        reply = replies.get(component_id)
        if is_factory:
            component = StubComponent(
                kind=kind,
                id=component_id,
                reply=reply if reply is not None else _echo,
                input_schema=_model(module, entry.get("model"), component_id) if schema is not None else None,
                published_schema=schema if isinstance(schema, Mapping) else None,
            )
        else:
            component = StubComponent(
                kind=kind, id=component_id, reply=reply if reply is not None else str, is_factory=False
            )
        deployment._declare(component)
