"""``client.workflows``: run, stream, continue, cancel, read and list workflow runs; discover
workflows; and the workflow WebSocket session.

Unlike workflows and teams, workflow continue reads ``factory_input`` (form field), and so do the
run reads (query parameter; agno 3.1 ignores it on ``GET .../runs/{run_id}``, see the wire notes).

Every method also takes ``timeout`` (per phase, as httpx's), ``total_timeout`` (the whole call,
retries included; for streams, the whole stream), ``extra_headers`` and ``extra_query``; the
stream methods take ``max_events``. Written once in ``_async/workflows.py``; ``_sync/`` is generated.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

from pydantic import TypeAdapter

from agentos_factories import _calls
from agentos_factories._request import CallOptions
from agentos_factories._shared import (
    DEFERRED,
    cancel_answer,
    checked_model,
    checked_model_type,
    model_or_omitted,
)
from agentos_factories._types import (
    NOT_GIVEN,
    FactoryInput,
    Headers,
    ModelT,
    NotGiven,
    Query,
    TimeoutTypes,
    WebSocketRoute,
)
from agentos_factories.models.components import WorkflowInfo
from agentos_factories.models.hitl import StepRequirement
from agentos_factories.models.runs import RunStatus, WorkflowRunOutput, WorkflowRunSummary

from .streaming import AsyncWorkflowRunStream
from .websocket import AsyncWorkflowWebSocket

if TYPE_CHECKING:
    from .client import AsyncClient

__all__ = ["AsyncWorkflowFactoryHandle", "AsyncWorkflows"]

_OUTPUT = TypeAdapter(WorkflowRunOutput)
_INFO = TypeAdapter(WorkflowInfo)
_INFO_LIST = TypeAdapter(list[WorkflowInfo], config=DEFERRED)
_SUMMARIES = TypeAdapter(list[WorkflowRunSummary], config=DEFERRED)

StepRequirements = Sequence[StepRequirement | Mapping[str, Any]]


class AsyncWorkflows:
    """Workflow endpoints of the client (``client.workflows``)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> builtins.list[WorkflowInfo]:
        """``GET /workflows``: every workflow and workflow factory (factories never run for this)."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return await self._client._request(
            _calls.list_components("workflows", options), _INFO_LIST.validate_python
        )

    async def get(
        self,
        workflow_id: str,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> WorkflowInfo:
        """``GET /workflows/{workflow_id}``: ``is_factory``, ``factory_input_schema``: how to call it."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return await self._client._request(
            _calls.get_component("workflows", workflow_id, options), _INFO.validate_python
        )

    async def run(
        self,
        workflow_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> WorkflowRunOutput:
        """``POST /workflows/{workflow_id}/runs`` with ``stream=false``; ``factory_input`` is a form field."""
        call = _calls.run(
            "workflows",
            workflow_id,
            message=message,
            stream=False,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return await self._client._request(call, _OUTPUT.validate_python)

    def stream(
        self,
        workflow_id: str,
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
    ) -> AsyncWorkflowRunStream:
        """The same run with ``stream=true``: typed events up to ``WorkflowCompleted`` (``WorkflowPaused``).

        Nothing is sent until the stream is entered (``async with``) or iterated.
        """
        call = _calls.run(
            "workflows",
            workflow_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return AsyncWorkflowRunStream(self._client, call, max_events=max_events)

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
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> WorkflowRunOutput:
        """``POST /workflows/{workflow_id}/runs/{run_id}/continue``: resume a paused run.

        ``step_requirements`` are the paused run's ``step_requirements`` with the decisions;
        ``factory_input`` is a form field.
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
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return await self._client._request(call, _OUTPUT.validate_python)

    def continue_stream(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        step_requirements: StepRequirements | None = None,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AsyncWorkflowRunStream:
        """The same continue with ``stream=true`` (sent when the stream is entered or iterated)."""
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
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return AsyncWorkflowRunStream(self._client, call, max_events=max_events)

    async def cancel(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> None:
        """``POST /workflows/{workflow_id}/runs/{run_id}/cancel``: records the intent; no factory runs."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return await self._client._request(
            _calls.cancel("workflows", workflow_id, run_id, session_id=session_id, options=options),
            cancel_answer,
        )

    async def get_run(
        self,
        workflow_id: str,
        run_id: str,
        *,
        session_id: str,
        factory_input: FactoryInput = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> WorkflowRunOutput:
        """``GET /workflows/{workflow_id}/runs/{run_id}``; ``factory_input`` is a query parameter."""
        call = _calls.get_run(
            workflow_id,
            run_id,
            session_id=session_id,
            factory_input=factory_input,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return await self._client._request(call, _OUTPUT.validate_python)

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
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
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
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return await self._client._request(call, _SUMMARIES.validate_python)

    async def websocket(
        self,
        workflow_id: str,
        *,
        route: WebSocketRoute = "auto",
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AsyncWorkflowWebSocket:
        """Open an authenticated WebSocket session for ``workflow_id``; use it with ``async with``.

        ``route="auto"`` tries the spec's ``/workflows/{id}/ws`` and falls back to agno 3.1's
        ``/workflows/ws`` when that handshake is refused; ``"spec"``/``"agno"`` pin one.
        ``timeout`` also bounds each read of the session; ``total_timeout``, the opening
        (handshake and authentication); the extras go with the handshake request.
        """
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return await AsyncWorkflowWebSocket.connect(self._client, workflow_id, route, options)

    def factory(self, workflow_id: str, input_model: type[ModelT]) -> AsyncWorkflowFactoryHandle[ModelT]:
        """A handle on one workflow factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return AsyncWorkflowFactoryHandle(self, workflow_id, input_model)


class AsyncWorkflowFactoryHandle(Generic[ModelT]):
    """One workflow factory, typed by its ``input_schema`` model.

    ``factory_input`` may be left out when every field of the model has a default (it is then not
    sent, and the deployment validates ``{}``); for a model with a required field that raises
    ``FactoryInputError`` before anything is sent.
    """

    def __init__(self, workflows: AsyncWorkflows, workflow_id: str, input_model: type[ModelT]) -> None:
        self._workflows = workflows
        self.workflow_id = workflow_id
        self.input_model = input_model

    async def info(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> WorkflowInfo:
        """The factory's discovery entry (``GET /workflows/{workflow_id}``)."""
        return await self._workflows.get(
            self.workflow_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    async def run(
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
    ) -> WorkflowRunOutput:
        """Run the factory's workflow with ``factory_input`` (see ``client.workflows.run``)."""
        return await self._workflows.run(
            self.workflow_id,
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
    ) -> AsyncWorkflowRunStream:
        """Stream a run of the factory's workflow (see ``client.workflows.stream``)."""
        return self._workflows.stream(
            self.workflow_id,
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

    async def continue_run(
        self,
        run_id: str,
        *,
        session_id: str,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        step_requirements: StepRequirements | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> WorkflowRunOutput:
        """Continue a paused run of this factory (see ``client.workflows.continue_run``)."""
        return await self._workflows.continue_run(
            self.workflow_id,
            run_id,
            session_id=session_id,
            step_requirements=step_requirements,
            factory_input=model_or_omitted(factory_input, self.input_model),
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
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        step_requirements: StepRequirements | None = None,
        user_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AsyncWorkflowRunStream:
        """Continue a paused run of this factory as a stream (see ``client.workflows.continue_stream``)."""
        return self._workflows.continue_stream(
            self.workflow_id,
            run_id,
            session_id=session_id,
            step_requirements=step_requirements,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            max_events=max_events,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    async def get_run(
        self,
        run_id: str,
        *,
        session_id: str,
        factory_input: ModelT | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> WorkflowRunOutput:
        """Read a run of this factory (see ``client.workflows.get_run``; ``factory_input`` is optional)."""
        return await self._workflows.get_run(
            self.workflow_id,
            run_id,
            session_id=session_id,
            factory_input=None if factory_input is None else checked_model(factory_input, self.input_model),
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
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
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> builtins.list[WorkflowRunSummary]:
        """List this factory's runs in a session (see ``client.workflows.list_runs``)."""
        return await self._workflows.list_runs(
            self.workflow_id,
            session_id=session_id,
            status=status,
            factory_input=model_or_omitted(factory_input, self.input_model),
            limit=limit,
            page=page,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    async def cancel(
        self,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> None:
        """Record the intent to cancel a run of this factory (see ``client.workflows.cancel``)."""
        await self._workflows.cancel(
            self.workflow_id,
            run_id,
            session_id=session_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
