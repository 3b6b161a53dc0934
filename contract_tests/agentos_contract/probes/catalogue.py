"""The probe catalogue of docs/probe-protocol.md (sections 1-3), as data.

Both the agno probes and the suite read it, so an id, scope or secret is
spelled once. Nothing here imports agno.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel

PROTOCOL_VERSION = 2
DESCRIPTION_PREFIX = f"agentos-contract probe v{PROTOCOL_VERSION}"
# The echo and ledger documents keep their format of protocol v1 (section 4): "agentos_contract_probe": 1.
DOCUMENT_VERSION = 1
TRACE_HEADER = "X-Agentos-Contract-Trace"

CRASH_SECRET = "probe-crash-secret-7f3a"
FACTORY_ERROR_SECRET = "probe-factory-error-secret-91c2"
# A raise-probe's exception text is this prefix and the name it raised (section 3, v2).
RAISE_SECRET_PREFIX = "probe-raise-secret-"
# What a raise-probe raises for each ``factory_input.raise`` (protocol v2, section 3).
RAISABLE: Mapping[str, str] = MappingProxyType(
    {
        "FactoryPermissionError": "FactoryPermissionError",
        "FactoryPermissionError-subclass": "a subclass of FactoryPermissionError (ProbePermissionDenied)",
        "FactoryError": "a bare FactoryError",
        "FactoryError-subclass": "a subclass of FactoryError (ProbeFactoryFailure)",
        "FactoryValidationError": "FactoryValidationError, raised by the factory itself",
        "ValueError": "ValueError",
        "KeyError": "KeyError",
        "TypeError": "TypeError",
        "RuntimeError": "RuntimeError",
        "AssertionError": "AssertionError",
        "unprintable": "an exception whose str() raises (ProbeUnprintable)",
    }
)


def raise_secret(name: str) -> str:
    return f"{RAISE_SECRET_PREFIX}{name}"


PRODUCED_OTHER_ID = "probe-produced-other-id"
LEDGER_PROBE_ID = "probe-ledger"
LEDGER_MAX_TRACES = 10_000

Kind = Literal["agent", "team", "workflow"]
KINDS: tuple[Kind, ...] = ("agent", "team", "workflow")

# The scope each kind's scope probes demand (section 3).
RUN_SCOPES: Mapping[Kind, str] = MappingProxyType(
    {"agent": "agents:run", "team": "teams:run", "workflow": "workflows:run"}
)


class ProbeRequiredInput(BaseModel):
    tenant: str
    depth: int = 1


class ProbeDefaultsInput(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


class Behaviour(str, enum.Enum):
    """What a probe does when it is built (the catalogue's behaviour column)."""

    ECHO = "echo"
    SCOPE = "scope"
    CRASH = "crash"
    FACTORY_ERROR = "factory-error"
    WRONG_TYPE = "wrong-type"
    ID_MISMATCH = "id-mismatch"
    PAUSE = "pause"
    PROTOTYPE = "prototype"
    LEDGER = "ledger"
    RAISE = "raise"


_SUMMARIES: Mapping[Behaviour, str] = MappingProxyType(
    {
        Behaviour.ECHO: "answers with the echo of its RequestContext",
        Behaviour.SCOPE: "raises FactoryPermissionError without the run scope, else echoes",
        Behaviour.CRASH: "raises RuntimeError",
        Behaviour.FACTORY_ERROR: "raises a bare FactoryError",
        Behaviour.WRONG_TYPE: "returns a component of another kind",
        Behaviour.ID_MISMATCH: f"returns an echo component whose own id is {PRODUCED_OTHER_ID}",
        Behaviour.PAUSE: "pauses for a human confirmation, then echoes",
        Behaviour.PROTOTYPE: "a plain prototype (not a factory) that echoes with ctx null",
        Behaviour.LEDGER: "answers with the invocation ledger of factory_input.trace",
        Behaviour.RAISE: "raises the exception factory_input.raise names, else echoes",
    }
)


@dataclass(frozen=True)
class ProbeSpec:
    id: str
    kind: Kind
    behaviour: Behaviour
    is_async: bool = False
    input_schema: type[BaseModel] | None = None

    @property
    def is_factory(self) -> bool:
        return self.behaviour is not Behaviour.PROTOTYPE

    @property
    def scope(self) -> str:
        return RUN_SCOPES[self.kind]

    @property
    def description(self) -> str:
        callable_kind = "async" if self.is_async else "sync"
        schema = self.input_schema.__name__ if self.input_schema else "no input_schema"
        return f"{DESCRIPTION_PREFIX}: {_SUMMARIES[self.behaviour]} ({callable_kind}, {schema})"


def _catalogue() -> tuple[ProbeSpec, ...]:
    specs: list[ProbeSpec] = []
    for kind in KINDS:
        prefix = f"probe-{kind}"
        specs += [
            ProbeSpec(f"{prefix}-echo", kind, Behaviour.ECHO),
            ProbeSpec(f"{prefix}-echo-async", kind, Behaviour.ECHO, is_async=True),
            ProbeSpec(f"{prefix}-required", kind, Behaviour.ECHO, input_schema=ProbeRequiredInput),
            ProbeSpec(
                f"{prefix}-defaults", kind, Behaviour.ECHO, is_async=True, input_schema=ProbeDefaultsInput
            ),
            ProbeSpec(f"{prefix}-scope", kind, Behaviour.SCOPE),
            ProbeSpec(f"{prefix}-scope-required", kind, Behaviour.SCOPE, input_schema=ProbeRequiredInput),
            ProbeSpec(f"{prefix}-crash", kind, Behaviour.CRASH),
            ProbeSpec(f"{prefix}-factory-error", kind, Behaviour.FACTORY_ERROR),
            ProbeSpec(f"{prefix}-wrong-type", kind, Behaviour.WRONG_TYPE),
            ProbeSpec(f"{prefix}-id-mismatch", kind, Behaviour.ID_MISMATCH),
            ProbeSpec(f"{prefix}-pause", kind, Behaviour.PAUSE),
            ProbeSpec(f"{prefix}-raise", kind, Behaviour.RAISE),
            ProbeSpec(f"{prefix}-raise-async", kind, Behaviour.RAISE, is_async=True),
        ]
        if kind != "workflow":
            specs.append(
                ProbeSpec(f"{prefix}-pause-defaults", kind, Behaviour.PAUSE, input_schema=ProbeDefaultsInput)
            )
        specs.append(
            ProbeSpec(f"{prefix}-pause-required", kind, Behaviour.PAUSE, input_schema=ProbeRequiredInput)
        )
    specs.append(ProbeSpec("probe-agent-prototype", "agent", Behaviour.PROTOTYPE))
    specs.append(ProbeSpec(LEDGER_PROBE_ID, "agent", Behaviour.LEDGER))
    return tuple(specs)


CATALOGUE: tuple[ProbeSpec, ...] = _catalogue()
_BY_ID: Mapping[str, ProbeSpec] = MappingProxyType({spec.id: spec for spec in CATALOGUE})


def probe_spec(probe_id: str) -> ProbeSpec:
    """The catalogue entry of ``probe_id``; KeyError names the unknown id."""
    try:
        return _BY_ID[probe_id]
    except KeyError:
        raise KeyError(f"no probe {probe_id!r} in the probe catalogue v{PROTOCOL_VERSION}") from None


def probes_of_kind(kind: Kind) -> tuple[ProbeSpec, ...]:
    return tuple(spec for spec in CATALOGUE if spec.kind == kind)
