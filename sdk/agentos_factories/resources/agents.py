"""``client.agents``: run, stream, continue and cancel agent runs; discover agents.

Agent continue does not read ``factory_input`` (the spec re-invokes the factory with
``ctx.input=None``), so the continue methods do not take it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

from pydantic import TypeAdapter

from agentos_factories._streaming import AgentRunStream, AsyncAgentRunStream, AsyncRunStream, RunStream
from agentos_factories._types import NOT_GIVEN, FactoryInput, ModelT, NotGiven, TimeoutTypes
from agentos_factories.models.components import AgentInfo
from agentos_factories.models.hitl import ToolExecution
from agentos_factories.models.runs import AgentRunOutput

from . import _calls
from ._shared import CANCEL_ADAPTER, DEFERRED, checked_model_type, model_or_omitted

if TYPE_CHECKING:
    from agentos_factories._client import AsyncClient, Client

__all__ = ["AgentFactoryHandle", "Agents", "AsyncAgentFactoryHandle", "AsyncAgents"]

_OUTPUT = TypeAdapter(AgentRunOutput)
_INFO = TypeAdapter(AgentInfo)
_INFO_LIST = TypeAdapter(list[AgentInfo], config=DEFERRED)

Tools = Sequence[ToolExecution | Mapping[str, Any]]


class Agents:
    """Agent endpoints of a :class:`~agentos_factories.Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> list[AgentInfo]:
        """``GET /agents``: every agent and agent factory (factories never run for this)."""
        return self._client._request(_calls.list_components("agents", timeout), _INFO_LIST)

    def get(self, agent_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> AgentInfo:
        """``GET /agents/{agent_id}``: ``is_factory`` and ``factory_input_schema`` tell how to call it."""
        return self._client._request(_calls.get_component("agents", agent_id, timeout), _INFO)

    def run(
        self,
        agent_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
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
            timeout=timeout,
        )
        return self._client._request(call, _OUTPUT)

    def stream(
        self,
        agent_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunStream:
        """The same run with ``stream=true``: typed events until ``RunCompleted`` (or ``RunPaused``)."""
        call = _calls.run(
            "agents",
            agent_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return RunStream(self._client._request_stream(call), "agent")

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
            timeout=timeout,
        )
        return self._client._request(call, _OUTPUT)

    def continue_stream(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunStream:
        """The same continue with ``stream=true``."""
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
            timeout=timeout,
        )
        return RunStream(self._client._request_stream(call), "agent")

    def cancel(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> None:
        """``POST /agents/{agent_id}/runs/{run_id}/cancel``: records the intent; the factory does not run."""
        self._client._request(
            _calls.cancel("agents", agent_id, run_id, session_id=session_id, timeout=timeout), CANCEL_ADAPTER
        )

    def factory(self, agent_id: str, input_model: type[ModelT]) -> AgentFactoryHandle[ModelT]:
        """A handle on one agent factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return AgentFactoryHandle(self, agent_id, input_model)


class AgentFactoryHandle(Generic[ModelT]):
    """One agent factory, typed by its ``input_schema`` model.

    ``factory_input`` may be left out when every field of the model has a default (the
    deployment validates ``{}``); for a model with a required field that raises
    :class:`~agentos_factories.FactoryInputError` before anything is sent.
    """

    def __init__(self, agents: Agents, agent_id: str, input_model: type[ModelT]) -> None:
        self._agents = agents
        self.agent_id = agent_id
        self.input_model = input_model

    def info(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> AgentInfo:
        return self._agents.get(self.agent_id, timeout=timeout)

    def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunOutput:
        return self._agents.run(
            self.agent_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )

    def stream(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunStream:
        return self._agents.stream(
            self.agent_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
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
    ) -> AgentRunOutput:
        return self._agents.continue_run(
            self.agent_id,
            run_id,
            session_id=session_id,
            tools=tools,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunStream:
        return self._agents.continue_stream(
            self.agent_id,
            run_id,
            session_id=session_id,
            tools=tools,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    def cancel(
        self, run_id: str, *, session_id: str | None = None, timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    ) -> None:
        self._agents.cancel(self.agent_id, run_id, session_id=session_id, timeout=timeout)


class AsyncAgents:
    """Agent endpoints of an :class:`~agentos_factories.AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> list[AgentInfo]:
        """``GET /agents``."""
        return await self._client._request(_calls.list_components("agents", timeout), _INFO_LIST)

    async def get(self, agent_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> AgentInfo:
        """``GET /agents/{agent_id}``."""
        return await self._client._request(_calls.get_component("agents", agent_id, timeout), _INFO)

    async def run(
        self,
        agent_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunOutput:
        """``POST /agents/{agent_id}/runs`` with ``stream=false``."""
        call = _calls.run(
            "agents",
            agent_id,
            message=message,
            stream=False,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return await self._client._request(call, _OUTPUT)

    async def stream(
        self,
        agent_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncAgentRunStream:
        """The same run with ``stream=true``."""
        call = _calls.run(
            "agents",
            agent_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return AsyncRunStream(await self._client._request_stream(call), "agent")

    async def continue_run(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunOutput:
        """``POST /agents/{agent_id}/runs/{run_id}/continue``."""
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
            timeout=timeout,
        )
        return await self._client._request(call, _OUTPUT)

    async def continue_stream(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncAgentRunStream:
        """The same continue with ``stream=true``."""
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
            timeout=timeout,
        )
        return AsyncRunStream(await self._client._request_stream(call), "agent")

    async def cancel(
        self,
        agent_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> None:
        """``POST /agents/{agent_id}/runs/{run_id}/cancel``."""
        await self._client._request(
            _calls.cancel("agents", agent_id, run_id, session_id=session_id, timeout=timeout), CANCEL_ADAPTER
        )

    def factory(self, agent_id: str, input_model: type[ModelT]) -> AsyncAgentFactoryHandle[ModelT]:
        """A handle on one agent factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return AsyncAgentFactoryHandle(self, agent_id, input_model)


class AsyncAgentFactoryHandle(Generic[ModelT]):
    """One agent factory, typed by its ``input_schema`` model (async; see the sync handle)."""

    def __init__(self, agents: AsyncAgents, agent_id: str, input_model: type[ModelT]) -> None:
        self._agents = agents
        self.agent_id = agent_id
        self.input_model = input_model

    async def info(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> AgentInfo:
        return await self._agents.get(self.agent_id, timeout=timeout)

    async def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunOutput:
        return await self._agents.run(
            self.agent_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )

    async def stream(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncAgentRunStream:
        return await self._agents.stream(
            self.agent_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )

    async def continue_run(
        self,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AgentRunOutput:
        return await self._agents.continue_run(
            self.agent_id,
            run_id,
            session_id=session_id,
            tools=tools,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    async def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        tools: Tools | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncAgentRunStream:
        return await self._agents.continue_stream(
            self.agent_id,
            run_id,
            session_id=session_id,
            tools=tools,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    async def cancel(
        self, run_id: str, *, session_id: str | None = None, timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    ) -> None:
        await self._agents.cancel(self.agent_id, run_id, session_id=session_id, timeout=timeout)
