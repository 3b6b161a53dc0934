"""The probe factories of docs/probe-protocol.md (v2), served by the stub.

A third, independent implementation of the protocol (after the agno probes and the reference
server): it may not import the contract suite, so the catalogue is written out here. A probe's
reply runs where AgentOS invokes the factory, which is exactly where the protocol's probes act:
record the invocation in the ledger, then raise or answer with the echo document.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from ._components import RUN_SCOPES, ComponentKind
from ._context import StubContext
from ._errors import FactoryError, FactoryPermissionError, FactoryValidationError

if TYPE_CHECKING:
    from ._deployment import StubDeployment

__all__ = ["ProbeDefaultsInput", "ProbeLedger", "ProbeRequiredInput", "declare_probes"]

PROTOCOL_VERSION = 2
DESCRIPTION_PREFIX = f"agentos-contract probe v{PROTOCOL_VERSION}"
# The echo and ledger documents keep the format of protocol v1: "agentos_contract_probe": 1.
DOCUMENT_VERSION = 1
RAISE_SECRET_PREFIX = "probe-raise-secret-"
TRACE_HEADER = "X-Agentos-Contract-Trace"
CRASH_SECRET = "probe-crash-secret-7f3a"
FACTORY_ERROR_SECRET = "probe-factory-error-secret-91c2"
LEDGER_PROBE_ID = "probe-ledger"
LEDGER_MAX_TRACES = 10_000
KINDS: tuple[ComponentKind, ...] = ("agent", "team", "workflow")


class ProbeRequiredInput(BaseModel):
    tenant: str
    depth: int = 1


class ProbeDefaultsInput(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


Behaviour = Literal["echo", "scope", "crash", "factory-error", "wrong-type", "id-mismatch", "pause", "raise"]

_SUMMARIES: Mapping[str, str] = {
    "echo": "answers with the echo of its RequestContext",
    "scope": "raises FactoryPermissionError without the run scope, else echoes",
    "crash": "raises RuntimeError",
    "factory-error": "raises a bare FactoryError",
    "wrong-type": "returns a component of another kind",
    "id-mismatch": "returns an echo component whose own id is probe-produced-other-id",
    "pause": "pauses for a human confirmation, then echoes",
    "prototype": "a plain prototype (not a factory) that echoes with ctx null",
    "ledger": "answers with the invocation ledger of factory_input.trace",
    "raise": "raises the exception factory_input.raise names, else echoes",
}


class ProbePermissionDenied(FactoryPermissionError):
    """A subclass of FactoryPermissionError (still 403)."""


class ProbeFactoryFailure(FactoryError):
    """A subclass of FactoryError (still 500)."""


class ProbeUnprintable(Exception):
    """An exception whose ``str()`` raises."""

    def __str__(self) -> str:
        raise RuntimeError("str() of ProbeUnprintable raises")


# What a raise-probe raises for each ``factory_input.raise`` (protocol v2, section 3).
_RAISABLE: Mapping[str, type[Exception]] = {
    "FactoryPermissionError": FactoryPermissionError,
    "FactoryPermissionError-subclass": ProbePermissionDenied,
    "FactoryError": FactoryError,
    "FactoryError-subclass": ProbeFactoryFailure,
    "FactoryValidationError": FactoryValidationError,
    "ValueError": ValueError,
    "KeyError": KeyError,
    "TypeError": TypeError,
    "RuntimeError": RuntimeError,
    "AssertionError": AssertionError,
    "unprintable": ProbeUnprintable,
}


def _description(behaviour: str, is_async: bool, schema: type[BaseModel] | None) -> str:
    callable_kind = "async" if is_async else "sync"
    schema_name = schema.__name__ if schema is not None else "no input_schema"
    return f"{DESCRIPTION_PREFIX}: {_SUMMARIES[behaviour]} ({callable_kind}, {schema_name})"


class ProbeLedger:
    """Probe invocations by trace (protocol section 6); the oldest trace goes at the bound."""

    def __init__(self, max_traces: int = LEDGER_MAX_TRACES) -> None:
        self._max = max_traces
        self._traces: OrderedDict[str, list[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, trace: str, entry: dict[str, str]) -> None:
        with self._lock:
            entries = self._traces.get(trace)
            if entries is None:
                if len(self._traces) >= self._max:
                    self._traces.popitem(last=False)
                entries = self._traces[trace] = []
            entries.append(entry)

    def invocations(self, trace: str) -> list[dict[str, str]]:
        with self._lock:
            return [dict(entry) for entry in self._traces.get(trace, ())]


def _json_safe(value: object) -> Any:
    return json.loads(json.dumps(value, default=_plain))


def _plain(value: object) -> object:
    # Deep-frozen claims hold read-only mappings (tuples serialise as arrays already).
    return dict(value) if isinstance(value, Mapping) else str(value)


def _input_description(value: object) -> tuple[Any, str, str | None]:
    if value is None:
        return None, "none", None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json"), "model", type(value).__name__
    if isinstance(value, dict):
        return _json_safe(value), "dict", None
    if isinstance(value, str):
        return value, "str", None
    if isinstance(value, list):
        return _json_safe(value), "list", None
    return _json_safe(value), "other", None


def _context_document(ctx: StubContext[Any]) -> dict[str, Any]:
    value, input_type, input_model = _input_description(ctx.input)
    return {
        "user_id": ctx.user_id,
        "session_id": ctx.session_id,
        "input": value,
        "input_type": input_type,
        "input_model": input_model,
        "claims": _json_safe(dict(ctx.trusted.claims)),
        "scopes": sorted(ctx.trusted.scopes),
        "request": {"method": ctx.request.method, "path": ctx.request.path},
    }


def _render(document: Mapping[str, Any]) -> str:
    # Non-finite floats are written as NaN/Infinity (Python's json reads them back), so a NaN that
    # reached the factory stays visible in the echo.
    return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _echo(probe_id: str, kind: ComponentKind, message: str | None, ctx: StubContext[Any] | None) -> str:
    return _render(
        {
            "agentos_contract_probe": DOCUMENT_VERSION,
            "probe": probe_id,
            "kind": kind,
            "message": message,
            "ctx": None if ctx is None else _context_document(ctx),
        }
    )


def _probe_reply(
    probe_id: str, kind: ComponentKind, behaviour: Behaviour, ledger: ProbeLedger
) -> Callable[[StubContext[Any], str], str]:
    scope = RUN_SCOPES[kind]

    def reply(ctx: StubContext[Any], message: str) -> str:
        trace = ctx.request.headers.get(TRACE_HEADER)
        if trace:
            ledger.record(
                trace,
                {
                    "probe": probe_id,
                    "method": ctx.request.method,
                    "path": ctx.request.path,
                    "input_type": _input_description(ctx.input)[1],
                },
            )
        if behaviour == "scope" and scope not in ctx.trusted.scopes:
            raise FactoryPermissionError(f"Missing '{scope}' scope")
        if behaviour == "crash":
            raise RuntimeError(CRASH_SECRET)
        if behaviour == "factory-error":
            raise FactoryError(FACTORY_ERROR_SECRET)
        if behaviour == "raise":
            name = ctx.input.get("raise") if isinstance(ctx.input, dict) else None
            if isinstance(name, str) and name in _RAISABLE:
                raise _RAISABLE[name](f"{RAISE_SECRET_PREFIX}{name}")
        if behaviour == "wrong-type":
            # AgentOS answers a component of the wrong kind like a bare FactoryError.
            raise FactoryError(f"{probe_id} returned a component of another kind")
        # A workflow run read invokes the factory without a run message.
        return _echo(probe_id, kind, message if message else None, ctx)

    return reply


def _ledger_reply(ledger: ProbeLedger) -> Callable[[StubContext[Any], str], str]:
    def reply(ctx: StubContext[Any], message: str) -> str:
        trace = ctx.input.get("trace") if isinstance(ctx.input, dict) else None
        if not isinstance(trace, str) or not trace:
            # As the agno probes answer (protocol section 7): a 400 whose detail names trace.
            raise FactoryValidationError('probe-ledger needs factory_input {"trace": "<trace>"}')
        return _render(
            {
                "agentos_contract_probe": DOCUMENT_VERSION,
                "probe": LEDGER_PROBE_ID,
                "trace": trace,
                "invocations": ledger.invocations(trace),
            }
        )

    return reply


def declare_probes(deployment: StubDeployment) -> None:
    """Declare every probe of the catalogue (protocol section 3) on ``deployment``."""
    ledger = ProbeLedger()
    for kind in KINDS:
        prefix = f"probe-{kind}"
        rows: list[tuple[str, Behaviour, bool, type[BaseModel] | None]] = [
            ("echo", "echo", False, None),
            ("echo-async", "echo", True, None),
            ("required", "echo", False, ProbeRequiredInput),
            ("defaults", "echo", True, ProbeDefaultsInput),
            ("scope", "scope", False, None),
            ("scope-required", "scope", False, ProbeRequiredInput),
            ("crash", "crash", False, None),
            ("factory-error", "factory-error", False, None),
            ("wrong-type", "wrong-type", False, None),
            ("id-mismatch", "id-mismatch", False, None),
            ("pause", "pause", False, None),
            ("raise", "raise", False, None),
            ("raise-async", "raise", True, None),
        ]
        if kind != "workflow":
            rows.append(("pause-defaults", "pause", False, ProbeDefaultsInput))
        rows.append(("pause-required", "pause", False, ProbeRequiredInput))
        for suffix, behaviour, is_async, schema in rows:
            probe_id = f"{prefix}-{suffix}"
            deployment.factory(
                kind,
                probe_id,
                reply=_probe_reply(probe_id, kind, behaviour, ledger),
                input_schema=schema,
                description=_description(behaviour, is_async, schema),
                requires_confirmation=behaviour == "pause",
            )
    deployment.prototype_agent(
        "probe-agent-prototype",
        reply=lambda message: _echo("probe-agent-prototype", "agent", message, None),
        description=_description("prototype", False, None),
    )
    deployment.agent_factory(
        LEDGER_PROBE_ID, reply=_ledger_reply(ledger), description=_description("ledger", False, None)
    )
