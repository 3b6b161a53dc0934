"""What a deployment declares: every agent, team and workflow, factory or prototype, and its schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import httpx

from agentos_factories import AgentOSError, APIConnectionError, APIStatusError, Client, ComponentInfo

from ._errors import CodegenError

__all__ = ["KINDS", "Component", "ComponentKind", "discover"]

ComponentKind: TypeAlias = Literal["agent", "team", "workflow"]
#: Kinds in the order the bindings list them.
KINDS: tuple[ComponentKind, ...] = ("agent", "team", "workflow")


@dataclass(frozen=True)
class Component:
    """One registered component as the bindings see it."""

    kind: ComponentKind
    id: str
    is_factory: bool
    #: The factory's ``factory_input_schema`` (JSON Schema), None without one or for a prototype.
    input_schema: dict[str, Any] | None

    @property
    def sort_key(self) -> tuple[int, str]:
        return (KINDS.index(self.kind), self.id)


def _component(kind: ComponentKind, info: ComponentInfo) -> Component:
    # agno lists workflows with factory_input_schema only; input_schema is the same schema elsewhere.
    schema = info.factory_input_schema if info.factory_input_schema is not None else info.input_schema
    if schema is not None and not info.is_factory:
        schema = None  # a prototype never reads factory_input
    return Component(kind=kind, id=info.id, is_factory=info.is_factory, input_schema=schema)


def components_from(listings: Sequence[tuple[ComponentKind, Sequence[ComponentInfo]]]) -> list[Component]:
    """The components of the discovery lists, sorted, refusing an id listed twice in one kind."""
    seen: set[tuple[str, str]] = set()
    out: list[Component] = []
    for kind, infos in listings:
        for info in infos:
            if (kind, info.id) in seen:
                raise CodegenError(f"the deployment lists the {kind} {info.id!r} twice")
            seen.add((kind, info.id))
            out.append(_component(kind, info))
    return sorted(out, key=lambda component: component.sort_key)


def discover(url: str, *, token: str | None, timeout: float) -> list[Component]:
    """``GET /agents``, ``/teams``, ``/workflows`` of ``url``; every failure is a :class:`CodegenError`."""
    try:
        with Client(url, token=token, timeout=timeout, max_retries=2) as client:
            return components_from(
                [
                    ("agent", client.agents.list()),
                    ("team", client.teams.list()),
                    ("workflow", client.workflows.list()),
                ]
            )
    except APIStatusError as error:
        raise CodegenError(
            f"{error.method} {error.url} answered {error.status_code}: {error.detail}"
        ) from None
    except APIConnectionError as error:
        raise CodegenError(f"cannot reach {url}: {error}") from None
    except AgentOSError as error:  # a 2xx that is not a discovery answer, and the like
        raise CodegenError(f"{url} is not an AgentOS deployment that lists components: {error}") from None
    except (ValueError, httpx.InvalidURL) as error:  # a base URL httpx cannot use
        raise CodegenError(f"bad --url {url!r}: {error}") from None
