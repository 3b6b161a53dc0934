"""What the deployment says it serves: GET /agents, /teams, /workflows, and which are probes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentos_contract.spec import KINDS, RUN_SCOPES, Kind, collection, component_path
from agentos_contract.target import Target

__all__ = [
    "KINDS",
    "PROBE_MARKER",
    "SCOPES",
    "Component",
    "Deployment",
    "DiscoveryError",
    "Kind",
    "collection",
]

# Probe descriptions start with "agentos-contract probe v<N>" (docs/probe-protocol.md section 1).
PROBE_MARKER = "agentos-contract probe v"
_PROBE_VERSION = re.compile(r"agentos-contract probe v(\d+)\b")
SCOPES = RUN_SCOPES


class DiscoveryError(Exception):
    """Discovery failed, so the suite cannot run (exit code 2). ``status`` is the HTTP status
    of the refusal (0 when there was no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Component:
    kind: Kind
    id: str
    is_factory: bool
    description: str | None
    factory_input_schema: dict[str, Any] | None
    entry: dict[str, Any]

    @property
    def is_probe(self) -> bool:
        return self.id.startswith("probe-") and (self.description or "").startswith(PROBE_MARKER)

    @property
    def path(self) -> str:
        return component_path(self.kind, self.id)

    @property
    def probe_version(self) -> int:
        """The probe protocol version its description states (0 when it is not a probe)."""
        match = _PROBE_VERSION.match(self.description or "")
        return int(match.group(1)) if match and self.id.startswith("probe-") else 0


@dataclass(frozen=True)
class Deployment:
    components: tuple[Component, ...]

    @property
    def probed(self) -> bool:
        echo = self.get("agent", "probe-agent-echo")
        return echo is not None and echo.is_probe

    @property
    def probe_version(self) -> int:
        """The probe protocol version the deployment serves (0 without probes)."""
        echo = self.get("agent", "probe-agent-echo")
        return echo.probe_version if echo is not None and echo.is_probe else 0

    def get(self, kind: Kind, component_id: str) -> Component | None:
        return next((c for c in self.components if c.kind == kind and c.id == component_id), None)

    def probe(self, kind: Kind, name: str) -> Component | None:
        """``probe(kind, "echo")`` is ``probe-<kind>-echo`` when the deployment is probed."""
        if not self.probed:
            return None
        component = self.get(kind, f"probe-{kind}-{name}")
        return component if component is not None and component.is_probe else None

    def factories(self) -> list[Component]:
        return [c for c in self.components if c.is_factory]


def _component(kind: Kind, entry: Mapping[str, Any]) -> Component | None:
    component_id = entry.get("id")
    if not isinstance(component_id, str) or not component_id:
        return None
    schema = entry.get("factory_input_schema")
    description = entry.get("description")
    return Component(
        kind=kind,
        id=component_id,
        is_factory=entry.get("is_factory") is True,
        description=description if isinstance(description, str) else None,
        factory_input_schema=schema if isinstance(schema, dict) else None,
        entry=dict(entry),
    )


async def discover(target: Target, headers: Mapping[str, str]) -> Deployment:
    components: list[Component] = []
    for kind in KINDS:
        answer = await target.request("GET", collection(kind), headers=headers)
        if answer.failed and not answer.status:
            raise DiscoveryError(f"GET {collection(kind)} got no answer: {answer.failure}")
        if answer.status == 404 and kind != "agent":
            continue
        if answer.status == 401:
            raise DiscoveryError(
                f"GET {collection(kind)} answered 401 {answer.text[:200]!r}: the deployment requires a "
                "token; give --jwt-secret/--jwt-private-key (and --jwt-algorithm) or --token",
                answer.status,
            )
        body = answer.json()
        if answer.status != 200 or not isinstance(body, list):
            raise DiscoveryError(
                f"GET {collection(kind)} answered {answer.status} {answer.text[:200]!r}; expected a JSON "
                "list of components: is this an AgentOS deployment?",
                answer.status,
            )
        components += [c for entry in body if isinstance(entry, dict) and (c := _component(kind, entry))]
    return Deployment(tuple(components))
