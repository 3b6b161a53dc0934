"""``client.workflows``: run, stream, continue, cancel, read and list workflow runs; discover
workflows; and the workflow WebSocket session.

Unlike agents and teams, workflow continue reads ``factory_input`` (form field), and so do the
run reads (query parameter; agno 3.1 ignores it on ``GET .../runs/{run_id}``, see the wire notes).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

from pydantic import TypeAdapter

from agentos_factories._streaming import AsyncRunStream, AsyncWorkflowRunStream, RunStream, WorkflowRunStream
from agentos_factories._types import NOT_GIVEN, FactoryInput, ModelT, NotGiven, TimeoutTypes, WebSocketRoute
from agentos_factories._websocket import AsyncWorkflowWebSocket, WorkflowWebSocket
from agentos_factories.models.components import WorkflowInfo
from agentos_factories.models.hitl import StepRequirement
from agentos_factories.models.runs import RunStatus, WorkflowRunOutput, WorkflowRunSummary

from . import _calls
from ._shared import CANCEL_ADAPTER, DEFERRED, checked_model, checked_model_type, model_or_omitted

if TYPE_CHECKING:
    from agentos_factories._client import AsyncClient, Client

__all__ = ["AsyncWorkflowFactoryHandle", "AsyncWorkflows", "WorkflowFactoryHandle", "Workflows"]

_OUTPUT = TypeAdapter(WorkflowRunOutput)
_INFO = TypeAdapter(WorkflowInfo)
_INFO_LIST = TypeAdapter(list[WorkflowInfo], config=DEFERRED)
_SUMMARIES = TypeAdapter(list[WorkflowRunSummary], config=DEFERRED)

StepRequirements = Sequence[StepRequirement | Mapping[str, Any]]


class Workflows:
    """Workflow endpoints of a :class:`~agentos_factories.Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> list[WorkflowInfo]:
        """``GET /workflows``: every workflow and workflow factory."""
        return self._client._request(_calls.list_components("workflows", timeout), _INFO_LIST)

    def get(self, workflow_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> WorkflowInfo:
        """``GET /workflows/{workflow_id}``."""
        return self._client._request(_calls.get_component("workflows", workflow_id, timeout), _INFO)

    def run(
        self,
        workflow_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        """``POST /workflows/{workflow_id}/runs`` with ``stream=false``."""
        call = _calls.run(
            "workflows",
            workflow_id,
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
        workflow_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunStream:
        """The same run with ``stream=true``: typed events until ``WorkflowCompleted``."""
        call = _calls.run(
            "workflows",
            workflow_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return RunStream(self._client._request_stream(call), "workflow")

    def continue_run(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        step_requirements: StepRequirements | None = None,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        """``POST /workflows/{workflow_id}/runs/{run_id}/continue``; ``factory_input`` is a form field.

        ``step_requirements`` are the paused run's ``step_requirements`` with the decisions.
        """
        call = _calls.continue_run(
            "workflows",
            workflow_id,
            run_id,
            stream=False,
            session_id=session_id,
            user_id=user_id,
            hitl_field="step_requirements",
            hitl_items=step_requirements,
            factory_input=factory_input,
            timeout=timeout,
        )
        return self._client._request(call, _OUTPUT)

    def continue_stream(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        step_requirements: StepRequirements | None = None,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunStream:
        """The same continue with ``stream=true``."""
        call = _calls.continue_run(
            "workflows",
            workflow_id,
            run_id,
            stream=True,
            session_id=session_id,
            user_id=user_id,
            hitl_field="step_requirements",
            hitl_items=step_requirements,
            factory_input=factory_input,
            timeout=timeout,
        )
        return RunStream(self._client._request_stream(call), "workflow")

    def get_run(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        factory_input: FactoryInput = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        """``GET /workflows/{workflow_id}/runs/{run_id}``; ``factory_input`` is a query parameter."""
        call = _calls.get_run(
            workflow_id, run_id, session_id=session_id, factory_input=factory_input, timeout=timeout
        )
        return self._client._request(call, _OUTPUT)

    def list_runs(
        self,
        workflow_id: str,
        *,
        session_id: str,
        status: RunStatus | None = None,
        factory_input: FactoryInput = None,
        limit: int | None = None,
        page: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> builtins.list[WorkflowRunSummary]:
        """``GET /workflows/{workflow_id}/runs``; ``factory_input`` is a query parameter. ``limit``
        and ``page`` (from 1) pick a page where the server paginates (its default page otherwise)."""
        call = _calls.list_runs(
            workflow_id,
            session_id=session_id,
            status=status,
            factory_input=factory_input,
            limit=limit,
            page=page,
            timeout=timeout,
        )
        return self._client._request(call, _SUMMARIES)

    def cancel(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> None:
        """``POST /workflows/{workflow_id}/runs/{run_id}/cancel``."""
        self._client._request(
            _calls.cancel("workflows", workflow_id, run_id, session_id=session_id, timeout=timeout),
            CANCEL_ADAPTER,
        )

    def websocket(
        self,
        workflow_id: str,
        *,
        route: WebSocketRoute = "auto",
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowWebSocket:
        """Open an authenticated WebSocket session for ``workflow_id``; use it with ``with``.

        ``route="auto"`` tries the spec's ``/workflows/{id}/ws`` and falls back to agno 3.1's
        ``/workflows/ws`` when that handshake is refused; ``"spec"``/``"agno"`` pin one.
        """
        effective = self._client.timeout if isinstance(timeout, NotGiven) else timeout
        return WorkflowWebSocket.connect(self._client, workflow_id, route, effective)

    def factory(self, workflow_id: str, input_model: type[ModelT]) -> WorkflowFactoryHandle[ModelT]:
        """A handle on one workflow factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return WorkflowFactoryHandle(self, workflow_id, input_model)


def _optional_model(value: ModelT | None, model: type[ModelT]) -> ModelT | None:
    return None if value is None else checked_model(value, model)


class WorkflowFactoryHandle(Generic[ModelT]):
    """One workflow factory, typed by its ``input_schema`` model.

    ``factory_input`` may be left out when every field of the model has a default (the
    deployment validates ``{}``); for a model with a required field that raises
    :class:`~agentos_factories.FactoryInputError` before anything is sent.
    """

    def __init__(self, workflows: Workflows, workflow_id: str, input_model: type[ModelT]) -> None:
        self._workflows = workflows
        self.workflow_id = workflow_id
        self.input_model = input_model

    def info(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> WorkflowInfo:
        return self._workflows.get(self.workflow_id, timeout=timeout)

    def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        return self._workflows.run(
            self.workflow_id,
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
    ) -> WorkflowRunStream:
        return self._workflows.stream(
            self.workflow_id,
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
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        step_requirements: StepRequirements | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        return self._workflows.continue_run(
            self.workflow_id,
            run_id,
            session_id=session_id,
            step_requirements=step_requirements,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            timeout=timeout,
        )

    def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        step_requirements: StepRequirements | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunStream:
        return self._workflows.continue_stream(
            self.workflow_id,
            run_id,
            session_id=session_id,
            step_requirements=step_requirements,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            timeout=timeout,
        )

    def get_run(
        self,
        run_id: str,
        *,
        session_id: str,
        factory_input: ModelT | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        return self._workflows.get_run(
            self.workflow_id,
            run_id,
            session_id=session_id,
            factory_input=_optional_model(factory_input, self.input_model),
            timeout=timeout,
        )

    def list_runs(
        self,
        *,
        session_id: str,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        status: RunStatus | None = None,
        limit: int | None = None,
        page: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> builtins.list[WorkflowRunSummary]:
        return self._workflows.list_runs(
            self.workflow_id,
            session_id=session_id,
            status=status,
            factory_input=model_or_omitted(factory_input, self.input_model),
            limit=limit,
            page=page,
            timeout=timeout,
        )

    def cancel(
        self, run_id: str, *, session_id: str | None = None, timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    ) -> None:
        self._workflows.cancel(self.workflow_id, run_id, session_id=session_id, timeout=timeout)


class AsyncWorkflows:
    """Workflow endpoints of an :class:`~agentos_factories.AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> list[WorkflowInfo]:
        """``GET /workflows``."""
        return await self._client._request(_calls.list_components("workflows", timeout), _INFO_LIST)

    async def get(self, workflow_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> WorkflowInfo:
        """``GET /workflows/{workflow_id}``."""
        return await self._client._request(_calls.get_component("workflows", workflow_id, timeout), _INFO)

    async def run(
        self,
        workflow_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        """``POST /workflows/{workflow_id}/runs`` with ``stream=false``."""
        call = _calls.run(
            "workflows",
            workflow_id,
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
        workflow_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncWorkflowRunStream:
        """The same run with ``stream=true``."""
        call = _calls.run(
            "workflows",
            workflow_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return AsyncRunStream(await self._client._request_stream(call), "workflow")

    async def continue_run(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        step_requirements: StepRequirements | None = None,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        """``POST /workflows/{workflow_id}/runs/{run_id}/continue``."""
        call = _calls.continue_run(
            "workflows",
            workflow_id,
            run_id,
            stream=False,
            session_id=session_id,
            user_id=user_id,
            hitl_field="step_requirements",
            hitl_items=step_requirements,
            factory_input=factory_input,
            timeout=timeout,
        )
        return await self._client._request(call, _OUTPUT)

    async def continue_stream(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        step_requirements: StepRequirements | None = None,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncWorkflowRunStream:
        """The same continue with ``stream=true``."""
        call = _calls.continue_run(
            "workflows",
            workflow_id,
            run_id,
            stream=True,
            session_id=session_id,
            user_id=user_id,
            hitl_field="step_requirements",
            hitl_items=step_requirements,
            factory_input=factory_input,
            timeout=timeout,
        )
        return AsyncRunStream(await self._client._request_stream(call), "workflow")

    async def get_run(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        factory_input: FactoryInput = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        """``GET /workflows/{workflow_id}/runs/{run_id}``."""
        call = _calls.get_run(
            workflow_id, run_id, session_id=session_id, factory_input=factory_input, timeout=timeout
        )
        return await self._client._request(call, _OUTPUT)

    async def list_runs(
        self,
        workflow_id: str,
        *,
        session_id: str,
        status: RunStatus | None = None,
        factory_input: FactoryInput = None,
        limit: int | None = None,
        page: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> builtins.list[WorkflowRunSummary]:
        """``GET /workflows/{workflow_id}/runs``."""
        call = _calls.list_runs(
            workflow_id,
            session_id=session_id,
            status=status,
            factory_input=factory_input,
            limit=limit,
            page=page,
            timeout=timeout,
        )
        return await self._client._request(call, _SUMMARIES)

    async def cancel(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> None:
        """``POST /workflows/{workflow_id}/runs/{run_id}/cancel``."""
        await self._client._request(
            _calls.cancel("workflows", workflow_id, run_id, session_id=session_id, timeout=timeout),
            CANCEL_ADAPTER,
        )

    async def websocket(
        self,
        workflow_id: str,
        *,
        route: WebSocketRoute = "auto",
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncWorkflowWebSocket:
        """Open an authenticated WebSocket session (``async with await client.workflows.websocket(...)``)."""
        effective = self._client.timeout if isinstance(timeout, NotGiven) else timeout
        return await AsyncWorkflowWebSocket.connect(self._client, workflow_id, route, effective)

    def factory(self, workflow_id: str, input_model: type[ModelT]) -> AsyncWorkflowFactoryHandle[ModelT]:
        """A handle on one workflow factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return AsyncWorkflowFactoryHandle(self, workflow_id, input_model)


class AsyncWorkflowFactoryHandle(Generic[ModelT]):
    """One workflow factory, typed by its ``input_schema`` model (async; see the sync handle)."""

    def __init__(self, workflows: AsyncWorkflows, workflow_id: str, input_model: type[ModelT]) -> None:
        self._workflows = workflows
        self.workflow_id = workflow_id
        self.input_model = input_model

    async def info(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> WorkflowInfo:
        return await self._workflows.get(self.workflow_id, timeout=timeout)

    async def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        return await self._workflows.run(
            self.workflow_id,
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
    ) -> AsyncWorkflowRunStream:
        return await self._workflows.stream(
            self.workflow_id,
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
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        step_requirements: StepRequirements | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        return await self._workflows.continue_run(
            self.workflow_id,
            run_id,
            session_id=session_id,
            step_requirements=step_requirements,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            timeout=timeout,
        )

    async def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        step_requirements: StepRequirements | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncWorkflowRunStream:
        return await self._workflows.continue_stream(
            self.workflow_id,
            run_id,
            session_id=session_id,
            step_requirements=step_requirements,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            timeout=timeout,
        )

    async def get_run(
        self,
        run_id: str,
        *,
        session_id: str,
        factory_input: ModelT | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> WorkflowRunOutput:
        return await self._workflows.get_run(
            self.workflow_id,
            run_id,
            session_id=session_id,
            factory_input=_optional_model(factory_input, self.input_model),
            timeout=timeout,
        )

    async def list_runs(
        self,
        *,
        session_id: str,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        status: RunStatus | None = None,
        limit: int | None = None,
        page: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> builtins.list[WorkflowRunSummary]:
        return await self._workflows.list_runs(
            self.workflow_id,
            session_id=session_id,
            status=status,
            factory_input=model_or_omitted(factory_input, self.input_model),
            limit=limit,
            page=page,
            timeout=timeout,
        )

    async def cancel(
        self, run_id: str, *, session_id: str | None = None, timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    ) -> None:
        await self._workflows.cancel(self.workflow_id, run_id, session_id=session_id, timeout=timeout)
