"""The probe factories of ``docs/probe-protocol.md`` (version 2), written for this server.

Probes answer with an echo of the RequestContext they received, so a black-box suite
can judge the spec's clauses. Independent of ``agentos_contract`` by design: two
implementations of one protocol, so a shared bug cannot hide.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from agentos_reference.components import (
    Agent,
    ModelRequest,
    OfflineModel,
    Step,
    StepInput,
    Team,
    Tool,
    Workflow,
)
from agentos_reference.context import RequestContext
from agentos_reference.errors import FactoryError, FactoryPermissionError, FactoryValidationError
from agentos_reference.factory import AgentFactory, TeamFactory, WorkflowFactory
from agentos_reference.storage import SqliteDb

PROTOCOL_VERSION = 2
DESCRIPTION_PREFIX = f"agentos-contract probe v{PROTOCOL_VERSION}"
# The echo and ledger documents keep the format of protocol v1: "agentos_contract_probe": 1.
DOCUMENT_VERSION = 1
TRACE_HEADER = "X-Agentos-Contract-Trace"
MAX_TRACES = 10_000
CRASH_SECRET = "probe-crash-secret-7f3a"
FACTORY_ERROR_SECRET = "probe-factory-error-secret-91c2"
OTHER_ID = "probe-produced-other-id"
CONFIRM_TOOL = "probe_confirm"

ProbeKind = Literal["agent", "team", "workflow"]
SCOPES: dict[ProbeKind, str] = {"agent": "agents:run", "team": "teams:run", "workflow": "workflows:run"}


class ProbeRequiredInput(BaseModel):
    tenant: str
    depth: int = 1


class ProbeDefaultsInput(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


# -- the ledger ---------------------------------------------------------------------------------


class Ledger:
    """Probe invocations per trace id (process-wide, oldest traces dropped past ``MAX_TRACES``)."""

    def __init__(self, max_traces: int = MAX_TRACES) -> None:
        self._traces: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_traces = max_traces

    def record(self, trace: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._traces.setdefault(trace, []).append(entry)
            self._traces.move_to_end(trace)
            while len(self._traces) > self.max_traces:
                self._traces.popitem(last=False)

    def entries(self, trace: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._traces.get(trace, [])]


LEDGER = Ledger()


# -- the echo document --------------------------------------------------------------------------


def _input_type(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "model"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "other"


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_plain))


def _plain(value: Any) -> Any:
    # Deep-frozen claims hold read-only mappings (tuples serialise as arrays already).
    return dict(value) if isinstance(value, Mapping) else str(value)


def _request_summary(request: Any) -> dict[str, str | None] | None:
    if request is None:
        return None
    url = getattr(request, "url", None)
    # A WebSocket has no method; the protocol's documented stand-in is "WEBSOCKET".
    return {"method": str(getattr(request, "method", "WEBSOCKET")), "path": str(getattr(url, "path", ""))}


def ctx_document(ctx: RequestContext) -> dict[str, Any]:
    value = ctx.input
    if isinstance(value, BaseModel):
        input_json: Any = value.model_dump(mode="json")
    else:
        input_json = _json_safe(value)
    return {
        "user_id": ctx.user_id,
        "session_id": ctx.session_id,
        "input": input_json,
        "input_type": _input_type(value),
        "input_model": type(value).__name__ if isinstance(value, BaseModel) else None,
        "claims": _json_safe(dict(ctx.trusted.claims)),
        "scopes": sorted(ctx.trusted.scopes),
        "request": _request_summary(ctx.request),
    }


def echo_text(probe: str, kind: ProbeKind, message: str | None, ctx: RequestContext | None) -> str:
    document = {
        "agentos_contract_probe": DOCUMENT_VERSION,
        "probe": probe,
        "kind": kind,
        "message": message,
        "ctx": ctx_document(ctx) if ctx is not None else None,
    }
    return json.dumps(document, ensure_ascii=False)


# -- raised exceptions (protocol v2) ----------------------------------------------------------------

RAISE_SECRET_PREFIX = "probe-raise-secret-"


class ProbePermissionDenied(FactoryPermissionError):
    """A subclass of FactoryPermissionError (still 403)."""


class ProbeFactoryFailure(FactoryError):
    """A subclass of FactoryError (still 500)."""


class ProbeUnprintable(Exception):
    """An exception whose ``str()`` raises."""

    def __str__(self) -> str:
        raise RuntimeError("str() of ProbeUnprintable raises")


RAISABLE: dict[str, type[BaseException]] = {
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


def raise_named(ctx: RequestContext) -> None:
    """Raise what ``factory_input.raise`` names (its text: the secret prefix and the name); else return."""
    name = ctx.input.get("raise") if isinstance(ctx.input, dict) else None
    if isinstance(name, str) and name in RAISABLE:
        raise RAISABLE[name](f"{RAISE_SECRET_PREFIX}{name}")


# -- components ---------------------------------------------------------------------------------


def _confirm_tool() -> Tool:
    return Tool(
        name=CONFIRM_TOOL,
        function=lambda: "confirmed",
        description="Needs a human confirmation before it runs.",
        requires_confirmation=True,
    )


def _echo_model(probe: str, kind: ProbeKind, ctx: RequestContext | None, *, pause: bool) -> OfflineModel:
    def reply(request: ModelRequest) -> str:
        return echo_text(probe, kind, request.message, ctx)

    return OfflineModel(reply=reply, call_tools=(CONFIRM_TOOL,) if pause else ())


def echo_component(
    kind: ProbeKind,
    probe: str,
    ctx: RequestContext | None,
    *,
    pause: bool = False,
    component_id: str | None = None,
) -> Agent | Team | Workflow:
    """The component a probe produces: it answers every run with the echo document."""
    if kind == "agent":
        return Agent(
            id=component_id,
            name=probe,
            model=_echo_model(probe, kind, ctx, pause=pause),
            tools=[_confirm_tool()] if pause else [],
        )
    if kind == "team":
        return Team(
            id=component_id,
            name=probe,
            members=[],
            model=_echo_model(probe, kind, ctx, pause=pause),
            tools=[_confirm_tool()] if pause else [],
        )

    def echo_step(step_input: StepInput) -> str:
        return echo_text(probe, kind, step_input.input, ctx)

    steps = [Step(name="echo", executor=echo_step)]
    if pause:
        steps.insert(
            0,
            Step(
                name="confirm",
                executor=lambda _: "confirmed",
                requires_confirmation=True,
                confirmation_message="Confirm to let the probe answer.",
            ),
        )
    return Workflow(id=component_id, name=probe, steps=steps)


# -- factories ----------------------------------------------------------------------------------


def _record_invocation(probe: str, ctx: RequestContext) -> None:
    headers = getattr(ctx.request, "headers", None)
    trace = headers.get(TRACE_HEADER) if headers is not None else None
    if trace:
        summary = _request_summary(ctx.request) or {"method": None, "path": None}
        LEDGER.record(
            trace,
            {
                "probe": probe,
                "method": summary["method"],
                "path": summary["path"],
                "input_type": _input_type(ctx.input),
            },
        )


@dataclass
class ProbeSet:
    """The probe components, ready for ``ReferenceOS(agents=[*mine, *probes.agents], ...)``."""

    agents: list[Agent | AgentFactory] = field(default_factory=list)
    teams: list[Team | TeamFactory] = field(default_factory=list)
    workflows: list[Workflow | WorkflowFactory] = field(default_factory=list)


Behaviour = Callable[[RequestContext], Agent | Team | Workflow]


def _behaviour(kind: ProbeKind, probe: str, name: str) -> Behaviour:
    def echo(ctx: RequestContext) -> Agent | Team | Workflow:
        return echo_component(kind, probe, ctx)

    def scope_checked(ctx: RequestContext) -> Agent | Team | Workflow:
        if SCOPES[kind] not in ctx.trusted.scopes:
            raise FactoryPermissionError(f"Missing '{SCOPES[kind]}' scope")
        return echo_component(kind, probe, ctx)

    def crash(ctx: RequestContext) -> Agent | Team | Workflow:
        raise RuntimeError(CRASH_SECRET)

    def factory_error(ctx: RequestContext) -> Agent | Team | Workflow:
        raise FactoryError(FACTORY_ERROR_SECRET)

    def wrong_type(ctx: RequestContext) -> Agent | Team | Workflow:
        other: ProbeKind = "team" if kind == "agent" else "agent"
        return echo_component(other, probe, ctx)

    def id_mismatch(ctx: RequestContext) -> Agent | Team | Workflow:
        return echo_component(kind, probe, ctx, component_id=OTHER_ID)

    def pause(ctx: RequestContext) -> Agent | Team | Workflow:
        return echo_component(kind, probe, ctx, pause=True)

    def raising(ctx: RequestContext) -> Agent | Team | Workflow:
        raise_named(ctx)
        return echo_component(kind, probe, ctx)

    behaviours: dict[str, Behaviour] = {
        "echo": echo,
        "scope": scope_checked,
        "crash": crash,
        "factory-error": factory_error,
        "wrong-type": wrong_type,
        "id-mismatch": id_mismatch,
        "pause": pause,
        "raise": raising,
    }
    return behaviours[name]


def _factory(
    kind: ProbeKind,
    suffix: str,
    behaviour: str,
    db: SqliteDb,
    *,
    input_schema: type[BaseModel] | None = None,
    is_async: bool = False,
) -> AgentFactory | TeamFactory | WorkflowFactory:
    probe = f"probe-{kind}-{suffix}"
    act = _behaviour(kind, probe, behaviour)

    def build(ctx: RequestContext) -> Any:
        _record_invocation(probe, ctx)  # before anything can raise
        return act(ctx)

    async def build_async(ctx: RequestContext) -> Any:
        _record_invocation(probe, ctx)
        await asyncio.sleep(0)
        return act(ctx)

    # Typed loosely on purpose: the wrong-type probes return the other kind.
    callable_: Any = build_async if is_async else build
    options: dict[str, Any] = {
        "name": probe,
        "description": f"{DESCRIPTION_PREFIX}: {behaviour}",
        "input_schema": input_schema,
    }
    if kind == "agent":
        return AgentFactory(probe, db, callable_, **options)
    if kind == "team":
        return TeamFactory(probe, db, callable_, **options)
    return WorkflowFactory(probe, db, callable_, **options)


def _ledger_factory(db: SqliteDb) -> AgentFactory:
    def build(ctx: RequestContext) -> Agent:
        trace = ctx.input.get("trace") if isinstance(ctx.input, dict) else None

        def reply(request: ModelRequest) -> str:
            entries = LEDGER.entries(trace) if isinstance(trace, str) else []
            return json.dumps(
                {
                    "agentos_contract_probe": DOCUMENT_VERSION,
                    "probe": "probe-ledger",
                    "trace": trace,
                    "invocations": entries,
                }
            )

        return Agent(name="probe-ledger", model=OfflineModel(reply=reply))

    return AgentFactory(
        id="probe-ledger",
        db=db,
        factory=build,
        name="probe-ledger",
        description=f"{DESCRIPTION_PREFIX}: ledger",
    )


def probe_components(db: SqliteDb) -> ProbeSet:
    """Every probe of the catalogue, storing in ``db``."""
    probes = ProbeSet()
    kinds: tuple[ProbeKind, ...] = ("agent", "team", "workflow")
    for kind in kinds:
        made = [
            _factory(kind, "echo", "echo", db),
            _factory(kind, "echo-async", "echo", db, is_async=True),
            _factory(kind, "required", "echo", db, input_schema=ProbeRequiredInput),
            _factory(kind, "defaults", "echo", db, input_schema=ProbeDefaultsInput, is_async=True),
            _factory(kind, "scope", "scope", db),
            _factory(kind, "scope-required", "scope", db, input_schema=ProbeRequiredInput),
            _factory(kind, "crash", "crash", db),
            _factory(kind, "factory-error", "factory-error", db),
            _factory(kind, "wrong-type", "wrong-type", db),
            _factory(kind, "id-mismatch", "id-mismatch", db),
            _factory(kind, "pause", "pause", db),
            _factory(kind, "pause-required", "pause", db, input_schema=ProbeRequiredInput),
            _factory(kind, "raise", "raise", db),
            _factory(kind, "raise-async", "raise", db, is_async=True),
        ]
        if kind != "workflow":
            made.append(_factory(kind, "pause-defaults", "pause", db, input_schema=ProbeDefaultsInput))
        for factory in made:
            if isinstance(factory, AgentFactory):
                probes.agents.append(factory)
            elif isinstance(factory, TeamFactory):
                probes.teams.append(factory)
            else:
                probes.workflows.append(factory)
    prototype = Agent(
        id="probe-agent-prototype",
        name="probe-agent-prototype",
        description=f"{DESCRIPTION_PREFIX}: prototype",
        model=_echo_model("probe-agent-prototype", "agent", None, pause=False),
        db=db,
    )
    probes.agents.append(prototype)
    probes.agents.append(_ledger_factory(db))
    return probes
