# Generated from _async/agents.py by scripts/unasync.py: edit that file, then rerun the script.
"""``client.agents``: run, stream, continue and cancel agent runs; discover agents.

Agent continue does not read ``factory_input`` (the spec re-invokes the factory with
``ctx.input=None``), so the continue methods do not take it.

Every method also takes ``timeout`` (per phase, as httpx's), ``total_timeout`` (the whole call,
retries included; for streams, the whole stream), ``extra_headers`` and ``extra_query``; the
stream methods take ``max_events``. Written once in ``_async/agents.py``; ``_sync/`` is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

from pydantic import TypeAdapter

from agentos_factories import _calls
from agentos_factories._request import CallOptions
from agentos_factories._shared import DEFERRED, cancel_answer, checked_model_type, model_or_omitted
from agentos_factories._types import NOT_GIVEN, FactoryInput, Headers, ModelT, NotGiven, Query, TimeoutTypes
from agentos_factories.models.components import AgentInfo
from agentos_factories.models.hitl import ToolExecution
from agentos_factories.models.runs import AgentRunOutput

from .streaming import AgentRunStream

if TYPE_CHECKING:
    from .client import Client

__all__ = ["AgentFactoryHandle", "Agents"]

_OUTPUT = TypeAdapter(AgentRunOutput)
_INFO = TypeAdapter(AgentInfo)
_INFO_LIST = TypeAdapter(list[AgentInfo], config=DEFERRED)

Tools = Sequence[ToolExecution | Mapping[str, Any]]


class Agents:
    """Agent endpoints of the client (``client.agents``)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> list[AgentInfo]:
        """``GET /agents``: every agent and agent factory (factories never run for this)."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return self._client._request(
            _calls.list_components("agents", options), _INFO_LIST.validate_python
        )

    def get(
        self,
        agent_id: str,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentInfo:
        """``GET /agents/{agent_id}``: ``is_factory`` and ``factory_input_schema`` tell how to call it."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return self._client._request(
            _calls.get_component("agents", agent_id, options), _INFO.validate_python
        )

    def run(
        self,
        agent_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunOutput:
        """``POST /agents/{agent_id}/runs`` with ``stream=false``; ``factory_input`` goes in the form."""
        call = _calls.run(
            "agents",
            agent_id,
            message=message,
            stream=False,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return self._client._request(call, _OUTPUT.validate_python)

    def stream(
        self,
        agent_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunStream:
        """The same run with ``stream=true``: typed events until ``RunCompleted`` (or ``RunPaused``).

        Nothing is sent until the stream is entered (``with``) or iterated.
        """
        call = _calls.run(
            "agents",
            agent_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return AgentRunStream(self._client, call, max_events=max_events)

    def continue_run(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunOutput:
        """``POST /agents/{agent_id}/runs/{run_id}/continue``: resume a paused run.

        ``tools`` are the paused run's ``tools`` with the decisions (``tool.confirm()``).
        """
        call = _calls.continue_run(
            "agents",
            agent_id,
            run_id,
            stream=False,
            session_id=session_id,
            user_id=user_id,
            hitl_field="tools",
            hitl_items=tools,
            input=input,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return self._client._request(call, _OUTPUT.validate_python)

    def continue_stream(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunStream:
        """The same continue with ``stream=true`` (sent when the stream is entered or iterated)."""
        call = _calls.continue_run(
            "agents",
            agent_id,
            run_id,
            stream=True,
            session_id=session_id,
            user_id=user_id,
            hitl_field="tools",
            hitl_items=tools,
            input=input,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return AgentRunStream(self._client, call, max_events=max_events)

    def cancel(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> None:
        """``POST /agents/{agent_id}/runs/{run_id}/cancel``: records the intent; the factory does not run."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return self._client._request(
            _calls.cancel("agents", agent_id, run_id, session_id=session_id, options=options), cancel_answer
        )

    def factory(self, agent_id: str, input_model: type[ModelT]) -> AgentFactoryHandle[ModelT]:
        """A handle on one agent factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return AgentFactoryHandle(self, agent_id, input_model)


class AgentFactoryHandle(Generic[ModelT]):
    """One agent factory, typed by its ``input_schema`` model.

    ``factory_input`` may be left out when every field of the model has a default (it is then not
    sent, and the deployment validates ``{}``); for a model with a required field that raises
    ``FactoryInputError`` before anything is sent.
    """

    def __init__(self, agents: Agents, agent_id: str, input_model: type[ModelT]) -> None:
        self._agents = agents
        self.agent_id = agent_id
        self.input_model = input_model

    def info(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentInfo:
        """The factory's discovery entry (``GET /agents/{agent_id}``)."""
        return self._agents.get(
            self.agent_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunOutput:
        """Run the factory's agent with ``factory_input`` (see ``client.agents.run``)."""
        return self._agents.run(
            self.agent_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def stream(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunStream:
        """Stream a run of the factory's agent (see ``client.agents.stream``)."""
        return self._agents.stream(
            self.agent_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            max_events=max_events,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def continue_run(
        self,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunOutput:
        """Continue a paused run of this factory (see ``client.agents.continue_run``)."""
        return self._agents.continue_run(
            self.agent_id,
            run_id,
            session_id=session_id,
            tools=tools,
            input=input,
            user_id=user_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AgentRunStream:
        """Continue a paused run of this factory as a stream (see ``client.agents.continue_stream``)."""
        return self._agents.continue_stream(
            self.agent_id,
            run_id,
            session_id=session_id,
            tools=tools,
            input=input,
            user_id=user_id,
            max_events=max_events,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def cancel(
        self,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> None:
        """Record the intent to cancel a run of this factory (see ``client.agents.cancel``)."""
        self._agents.cancel(
            self.agent_id,
            run_id,
            session_id=session_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
