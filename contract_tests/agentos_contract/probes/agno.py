"""The probe protocol (docs/probe-protocol.md) implemented on agno 3.1.10.

A staging AgentOS adds every probe in one line::

    probes = probe_factories(db)
    AgentOS(agents=[*mine, *probes.agents], teams=[*probes.teams], workflows=[*probes.workflows])

Everything runs offline: agents and teams answer through ``ProbeEchoModel``,
workflows through a step executor, so a run's reply is the echo document of
the ``RequestContext`` its factory saw. This is the only module of the suite
that imports agno (the optional ``[agno]`` extra).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from uuid import uuid4

from agno.agent import Agent, AgentFactory, RemoteAgent
from agno.agent.protocol import AgentProtocol
from agno.db.base import AsyncBaseDb, BaseDb
from agno.factory import FactoryError, FactoryPermissionError, FactoryValidationError, RequestContext
from agno.models.base import Model
from agno.models.message import Message
from agno.models.response import ModelResponse
from agno.team import RemoteTeam, Team, TeamFactory
from agno.tools import tool
from agno.tools.function import Function
from agno.workflow import RemoteWorkflow, Step, Workflow, WorkflowFactory
from agno.workflow.types import HumanReview, StepInput, StepOutput
from starlette.requests import Request

from agentos_contract.probes.catalogue import (
    CATALOGUE,
    CRASH_SECRET,
    FACTORY_ERROR_SECRET,
    PRODUCED_OTHER_ID,
    RAISABLE,
    TRACE_HEADER,
    Behaviour,
    Kind,
    ProbeSpec,
    raise_secret,
)
from agentos_contract.probes.echo import (
    RequestSummary,
    context_document,
    describe_input,
    echo_document,
    ledger_document,
    render,
)
from agentos_contract.probes.ledger import LEDGER, InvocationLedger

# The element types AgentOS(agents=..., teams=..., workflows=...) accepts, so the
# ProbeSet lists can be passed on as they are.
AgentEntry = Agent | RemoteAgent | AgentProtocol | AgentFactory
TeamEntry = Team | RemoteTeam | TeamFactory
WorkflowEntry = Workflow | RemoteWorkflow | WorkflowFactory
Component = Agent | Team | Workflow

# Turns the run's message text (None when the component cannot see one) into the reply.
Reply = Callable[[str | None], str]

CONFIRM_TOOL = "probe_confirm"
CONFIRM_STEP = "probe-confirm"
_FACTORY_CLASSES: Mapping[Kind, type[AgentFactory | TeamFactory | WorkflowFactory]] = MappingProxyType(
    {"agent": AgentFactory, "team": TeamFactory, "workflow": WorkflowFactory}
)


@dataclass(frozen=True)
class ProbeSet:
    """The probe components, ready for ``AgentOS(agents=..., teams=..., workflows=...)``."""

    agents: list[AgentEntry]
    teams: list[TeamEntry]
    workflows: list[WorkflowEntry]


@dataclass(kw_only=True)
class ProbeEchoModel(Model):
    """An offline, deterministic model.

    It answers every request with ``reply(<text of the last user message>)``.
    With ``confirm_tool`` set it first calls that tool (which requires a human
    confirmation, so the run pauses) and answers once a tool result is present.
    """

    reply: Reply
    confirm_tool: str | None = None
    id: str = "agentos-contract-probe-echo"
    name: str | None = "ProbeEchoModel"
    provider: str | None = "agentos-contract"

    def _answer(self, kwargs: dict[str, Any]) -> ModelResponse:
        messages: Sequence[Message] = kwargs.get("messages") or ()
        if self.confirm_tool is not None and not any(message.role == "tool" for message in messages):
            call = {
                "id": f"call_{uuid4().hex}",
                "type": "function",
                "function": {"name": self.confirm_tool, "arguments": "{}"},
            }
            return ModelResponse(role=self.assistant_message_role, tool_calls=[call])
        user_messages = [message for message in messages if message.role == "user"]
        text = user_messages[-1].get_content_string() if user_messages else None
        return ModelResponse(role=self.assistant_message_role, content=self.reply(text))

    def _chunks(self, kwargs: dict[str, Any]) -> Iterator[ModelResponse]:
        # Two content deltas, like a real provider, so stream consumers must concatenate.
        answer = self._answer(kwargs)
        content = answer.content
        if not isinstance(content, str) or len(content) < 2:
            yield answer
            return
        middle = len(content) // 2
        yield ModelResponse(role=answer.role, content=content[:middle])
        yield ModelResponse(content=content[middle:])

    def invoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self._answer(kwargs)

    async def ainvoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self._answer(kwargs)

    def invoke_stream(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponse]:
        yield from self._chunks(kwargs)

    async def ainvoke_stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ModelResponse]:
        for chunk in self._chunks(kwargs):
            yield chunk

    # The provider hooks parse raw provider payloads; this model produces ModelResponses directly.
    def _parse_provider_response(self, response: Any, **kwargs: Any) -> ModelResponse:
        if not isinstance(response, ModelResponse):
            raise TypeError(f"ProbeEchoModel produces ModelResponse objects, got {type(response).__name__}")
        return response

    def _parse_provider_response_delta(self, response: Any) -> ModelResponse:
        return self._parse_provider_response(response)


def _confirm_tool() -> Function:
    @tool(name=CONFIRM_TOOL, requires_confirmation=True)
    def probe_confirm() -> str:
        """Ask a human to confirm before the probe answers."""
        return "confirmed"

    return probe_confirm


def _request_summary(ctx: RequestContext) -> RequestSummary | None:
    # ctx.request is a Starlette Request over HTTP, None over agno's WebSocket and a
    # falsy QueuedRequest (which raises on any attribute) on the durable queue.
    request = ctx.request
    if isinstance(request, Request):
        return RequestSummary(method=request.method, path=request.url.path)
    return None


def _context(ctx: RequestContext) -> dict[str, Any]:
    return context_document(
        user_id=ctx.user_id,
        session_id=ctx.session_id,
        factory_input=ctx.input,
        claims=ctx.trusted.claims,
        scopes=ctx.trusted.scopes,
        request=_request_summary(ctx),
    )


def _record_invocation(spec: ProbeSpec, ctx: RequestContext, ledger: InvocationLedger) -> None:
    request = ctx.request
    if spec.behaviour is Behaviour.LEDGER or not isinstance(request, Request):
        return
    trace = request.headers.get(TRACE_HEADER)
    if not trace:
        return
    ledger.record(
        trace,
        {
            "probe": spec.id,
            "method": request.method,
            "path": request.url.path,
            "input_type": describe_input(ctx.input).input_type,
        },
    )


def _echo_reply(spec: ProbeSpec, ctx: RequestContext | None) -> Reply:
    context = None if ctx is None else _context(ctx)

    def reply(message: str | None) -> str:
        return render(echo_document(spec.id, spec.kind, message, context))

    return reply


def _agent(
    component_id: str,
    name: str,
    reply: Reply,
    *,
    pause: bool,
    description: str | None = None,
    db: BaseDb | AsyncBaseDb | None = None,
) -> Agent:
    return Agent(
        id=component_id,
        name=name,
        description=description,
        db=db,
        model=ProbeEchoModel(reply=reply, confirm_tool=CONFIRM_TOOL if pause else None),
        tools=[_confirm_tool()] if pause else None,
        telemetry=False,
    )


def _team(component_id: str, name: str, reply: Reply, *, pause: bool) -> Team:
    return Team(
        id=component_id,
        name=name,
        members=[],
        model=ProbeEchoModel(reply=reply, confirm_tool=CONFIRM_TOOL if pause else None),
        tools=[_confirm_tool()] if pause else None,
        telemetry=False,
    )


def _workflow(component_id: str, name: str, reply: Reply, *, pause: bool) -> Workflow:
    def answer(step_input: StepInput) -> StepOutput:
        return StepOutput(content=reply(step_input.get_input_as_string()))

    step = Step(
        name=CONFIRM_STEP if pause else "probe-echo",
        executor=answer,
        human_review=HumanReview(
            requires_confirmation=pause,
            confirmation_message="agentos-contract probe: confirm to let the probe answer" if pause else None,
        ),
    )
    return Workflow(id=component_id, name=name, steps=[step], telemetry=False)


def _echo_component(spec: ProbeSpec, ctx: RequestContext, component_id: str) -> Component:
    reply = _echo_reply(spec, ctx)
    pause = spec.behaviour is Behaviour.PAUSE
    if spec.kind == "agent":
        return _agent(component_id, spec.id, reply, pause=pause)
    if spec.kind == "team":
        return _team(component_id, spec.id, reply, pause=pause)
    return _workflow(component_id, spec.id, reply, pause=pause)


def _silent(_message: str | None) -> str:
    return ""


def _wrong_kind(spec: ProbeSpec) -> Component:
    # Deliberately not what the factory promises: AgentOS must reject it.
    if spec.kind == "agent":
        return _team(spec.id, spec.id, _silent, pause=False)
    return _agent(spec.id, spec.id, _silent, pause=False)


def _ledger_agent(spec: ProbeSpec, ctx: RequestContext, ledger: InvocationLedger) -> Agent:
    factory_input = ctx.input
    trace = factory_input.get("trace") if isinstance(factory_input, dict) else None
    if not isinstance(trace, str) or not trace:
        sent = json.dumps(describe_input(factory_input).value)
        raise FactoryValidationError(
            f'{spec.id} needs factory_input {{"trace": "<non-empty string>"}}, got {sent}'
        )
    document = render(ledger_document(trace, ledger.invocations(trace)))
    return _agent(spec.id, spec.id, lambda _message: document, pause=False)


class ProbePermissionDenied(FactoryPermissionError):
    """A subclass of FactoryPermissionError: AgentOS maps it by class, so still 403."""


class ProbeFactoryFailure(FactoryError):
    """A subclass of FactoryError: still 500."""


class ProbeUnprintable(Exception):
    """An exception whose ``str()`` itself raises: a server formatting it must not fall over."""

    def __str__(self) -> str:
        raise RuntimeError("str() of ProbeUnprintable raises")


def _raising(name: str) -> BaseException:
    """The exception a raise-probe raises for ``factory_input.raise == name`` (protocol v2)."""
    secret = raise_secret(name)
    exceptions: dict[str, BaseException] = {
        "FactoryPermissionError": FactoryPermissionError(secret),
        "FactoryPermissionError-subclass": ProbePermissionDenied(secret),
        "FactoryError": FactoryError(secret),
        "FactoryError-subclass": ProbeFactoryFailure(secret),
        "FactoryValidationError": FactoryValidationError(secret),
        "ValueError": ValueError(secret),
        "KeyError": KeyError(secret),
        "TypeError": TypeError(secret),
        "RuntimeError": RuntimeError(secret),
        "AssertionError": AssertionError(secret),
        "unprintable": ProbeUnprintable(secret),
    }
    assert set(exceptions) == set(RAISABLE)
    return exceptions[name]


def _raise_named(ctx: RequestContext) -> None:
    name = ctx.input.get("raise") if isinstance(ctx.input, dict) else None
    if isinstance(name, str) and name in RAISABLE:
        raise _raising(name)


def _build(spec: ProbeSpec, ctx: RequestContext, ledger: InvocationLedger) -> Component:
    _record_invocation(spec, ctx, ledger)
    behaviour = spec.behaviour
    if behaviour is Behaviour.SCOPE and spec.scope not in ctx.trusted.scopes:
        raise FactoryPermissionError(f"Missing '{spec.scope}' scope")
    if behaviour is Behaviour.CRASH:
        raise RuntimeError(CRASH_SECRET)
    if behaviour is Behaviour.FACTORY_ERROR:
        raise FactoryError(FACTORY_ERROR_SECRET)
    if behaviour is Behaviour.WRONG_TYPE:
        return _wrong_kind(spec)
    if behaviour is Behaviour.LEDGER:
        return _ledger_agent(spec, ctx, ledger)
    if behaviour is Behaviour.RAISE:
        _raise_named(ctx)
    if behaviour is Behaviour.ID_MISMATCH:
        return _echo_component(spec, ctx, PRODUCED_OTHER_ID)
    return _echo_component(spec, ctx, spec.id)


def _factory_callable(spec: ProbeSpec, ledger: InvocationLedger) -> Callable[[RequestContext], Any]:
    def build(ctx: RequestContext) -> Component:
        return _build(spec, ctx, ledger)

    async def build_async(ctx: RequestContext) -> Component:
        return _build(spec, ctx, ledger)

    return build_async if spec.is_async else build


def probe_factories(db: BaseDb | AsyncBaseDb, *, ledger: InvocationLedger = LEDGER) -> ProbeSet:
    """Every probe of the catalogue, built on ``db`` (agno requires a db on each factory).

    ``ledger`` defaults to the process-wide ledger that ``probe-ledger`` reports from.
    """
    agents: list[AgentEntry] = []
    teams: list[TeamEntry] = []
    workflows: list[WorkflowEntry] = []
    for spec in CATALOGUE:
        if spec.behaviour is Behaviour.PROTOTYPE:
            reply = _echo_reply(spec, None)
            agents.append(_agent(spec.id, spec.id, reply, pause=False, description=spec.description, db=db))
            continue
        factory = _FACTORY_CLASSES[spec.kind](
            id=spec.id,
            db=db,
            factory=_factory_callable(spec, ledger),
            name=spec.id,
            description=spec.description,
            input_schema=spec.input_schema,
        )
        if isinstance(factory, AgentFactory):
            agents.append(factory)
        elif isinstance(factory, TeamFactory):
            teams.append(factory)
        elif isinstance(factory, WorkflowFactory):
            workflows.append(factory)
    return ProbeSet(agents=agents, teams=teams, workflows=workflows)
