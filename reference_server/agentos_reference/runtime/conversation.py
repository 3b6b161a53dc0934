"""The run engine of agents and teams: model turns, tool calls, pauses for confirmation, continues.

One :class:`ConversationRun` is one run. ``start``/``resume`` yield AgentOS-shaped
events; ``output()`` is the run output document afterwards (what ``stream=false``
answers and what storage keeps). A failing model or tool ends the run with status
ERROR and a ``RunError`` event; the failure text stays in the server log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import Any

from agentos_reference.components import Agent, MemberReply, Message, ModelRequest, Team, Tool
from agentos_reference.components.messages import StoredDataError
from agentos_reference.logs import log_failure
from agentos_reference.runtime.cancellation import CancelToken
from agentos_reference.runtime.errors import ContinueConflict, ContinueError, RunFailed
from agentos_reference.runtime.events import EventLog, EventStamp, RunEvent, StepContext
from agentos_reference.runtime.tool_execution import ToolExecution, requirement_for

logger = logging.getLogger("agentos_reference.runtime")

PAUSED_CONTENT = "I have tools to execute, but I need confirmation."
REJECTED_RESULT = "The user rejected this tool call."
MAX_MODEL_TURNS = 16
# Streaming deltas are not worth keeping once the completed event holds the whole content.
_NOT_RECORDED = frozenset({"RunContent", "TeamRunContent"})


class ConversationRun:
    """One run of an :class:`Agent` or a :class:`Team`."""

    def __init__(
        self,
        component: Agent | Team,
        *,
        run_id: str,
        session_id: str,
        user_id: str | None,
        cancel: CancelToken,
        step: StepContext | None = None,
        parent_run_id: str | None = None,
    ) -> None:
        self.component = component
        self.kind: str = "team" if isinstance(component, Team) else "agent"
        self.run_id = run_id
        self.session_id = session_id
        self.user_id = user_id
        self.cancel = cancel
        self.step = step
        self.parent_run_id = parent_run_id
        self.stamp = EventStamp(
            "team" if isinstance(component, Team) else "agent",
            component_id=component.id,
            component_name=component.name,
            run_id=run_id,
            session_id=session_id,
            step=step,
        )
        self.status = "RUNNING"
        self.content: str | None = None
        self.input_content = ""
        self.messages: list[Message] = []
        self.executions: list[ToolExecution] = []
        self.requirements: list[dict[str, Any]] = []
        self.member_responses: list[dict[str, Any]] = []
        self.member_replies: tuple[MemberReply, ...] = ()
        self.recorded_events = EventLog()
        self.created_at = int(time.time())
        self.duration = 0.0
        self._leg_started: float | None = None
        self._decisions: dict[str, bool] = {}

    # -- public -----------------------------------------------------------------------------------

    def start(self, message: str) -> AsyncGenerator[RunEvent, None]:
        """Run from the user's message until the run completes, pauses, fails or is cancelled."""
        self.input_content = message
        self.messages.append(Message(role="user", content=message))
        return self._guarded(self._start())

    def restore(self, stored: Mapping[str, Any]) -> None:
        """Load a stored paused run (raises StoredDataError when the row is not one of ours)."""
        try:
            self.messages = [Message.from_dict(item) for item in _list(stored, "messages")]
            self.executions = [ToolExecution.from_dict(item) for item in _list(stored, "tools")]
            self.requirements = [dict(item) for item in _list(stored, "requirements")]
            self.member_responses = [dict(item) for item in _list(stored, "member_responses")]
            self.recorded_events = EventLog(_list(stored, "events"))
        except (TypeError, ValueError) as error:
            raise StoredDataError(f"stored run {self.run_id} is malformed: {error}") from error
        run_input = stored.get("input")
        self.input_content = str(run_input.get("input_content", "")) if isinstance(run_input, Mapping) else ""
        created_at = stored.get("created_at")
        self.created_at = created_at if isinstance(created_at, int) else self.created_at
        duration = (stored.get("metrics") or {}).get("duration")
        self.duration = float(duration) if isinstance(duration, (int, float)) else 0.0
        self.status = "PAUSED"

    def apply_decisions(self, decisions: Mapping[str, bool]) -> None:
        """Check that every paused tool call is confirmed or rejected (ContinueError otherwise)."""
        awaiting = [execution for execution in self.executions if execution.awaiting_confirmation]
        if not awaiting:
            raise ContinueConflict(f"Run {self.run_id} has no tool call awaiting confirmation")
        missing = [
            execution.tool_call_id for execution in awaiting if execution.tool_call_id not in decisions
        ]
        if missing:
            raise ContinueError(
                'Every paused tool call must be confirmed or rejected (set "confirmed" to true or false);'
                f" missing: {', '.join(missing)}"
            )
        self._decisions = {
            execution.tool_call_id: decisions[execution.tool_call_id] for execution in awaiting
        }

    def resume(self) -> AsyncGenerator[RunEvent, None]:
        """Carry on a restored paused run with the decisions given to :meth:`apply_decisions`."""
        return self._guarded(self._resume())

    def output(self) -> dict[str, Any]:
        """The run output document (AgentOS's keys; null values left out)."""
        kind = self.kind
        document: dict[str, Any] = {
            "run_id": self.run_id,
            f"{kind}_id": self.component.id,
            f"{kind}_name": self.component.name,
            "session_id": self.session_id,
            "user_id": self.user_id,
            "parent_run_id": self.parent_run_id,
            "workflow_id": self.step.workflow_id if self.step else None,
            "workflow_step_id": self.step.step_id if self.step else None,
            "content": self.content,
            "content_type": "str",
            "model": self.component.model.id,
            "model_provider": self.component.model.provider,
            "session_state": {},
            "created_at": self.created_at,
            "status": self.status,
            "metrics": {"duration": self.elapsed()},
            "messages": [message.to_dict() for message in self.messages],
            "tools": [execution.to_dict() for execution in self.executions],
            "input": {"input_content": self.input_content},
        }
        if isinstance(self.component, Team):
            document["member_responses"] = self.member_responses
        if self.requirements:
            document["requirements"] = self.requirements
        return {key: value for key, value in document.items() if value is not None}

    # -- engine -----------------------------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds this run has been executing, over all its legs (a continue is a new leg)."""
        leg = time.perf_counter() - self._leg_started if self._leg_started is not None else 0.0
        return self.duration + leg

    def _event(self, name: str, **fields: Any) -> RunEvent:
        return self.stamp.make(name, **fields)

    def _model_fields(self) -> dict[str, str]:
        return {"model": self.component.model.id, "model_provider": self.component.model.provider}

    def fail(self) -> RunEvent:
        """End this run as failed: status ERROR and its recorded ``RunError`` event (which says not why)."""
        self.status = "ERROR"
        event = self._event("RunError", content=f"{self.kind.capitalize()} run failed")
        self._record(event)
        return event

    async def _guarded(self, body: AsyncGenerator[RunEvent, None]) -> AsyncGenerator[RunEvent, None]:
        self._leg_started = time.perf_counter()
        try:
            async with aclosing(body):
                async for event in body:
                    self._record(event)
                    yield event
        except Exception as error:
            # A model, tool or event failure ends this run, never the server; the text stays in the log.
            log_failure(logger, error, "%s run %s of %r failed", self.kind, self.run_id, self.component.id)
            yield self.fail()
        finally:
            self.duration = self.elapsed()
            self._leg_started = None

    def _record(self, event: RunEvent) -> None:
        if event.name not in _NOT_RECORDED:
            self.recorded_events.append(event)

    async def _start(self) -> AsyncGenerator[RunEvent, None]:
        yield self._event("RunStarted", **self._model_fields())
        if isinstance(self.component, Team):
            await self._run_members()
        async for event in self._turns():
            yield event

    async def _resume(self) -> AsyncGenerator[RunEvent, None]:
        self.status = "RUNNING"
        yield self._event("RunContinued")
        for execution in self.executions:
            if execution.tool_call_id not in self._decisions:
                continue
            execution.confirmed = self._decisions[execution.tool_call_id]
            if execution.confirmed:
                async for event in self._execute(execution):
                    yield event
            else:
                execution.result = REJECTED_RESULT
                self._append_tool_result(execution)
        confirmed = {execution.tool_call_id: execution for execution in self.executions}
        for requirement in self.requirements:
            call_id = (requirement.get("tool_execution") or {}).get("tool_call_id")
            if call_id in confirmed:
                requirement["tool_execution"] = confirmed[call_id].to_dict()
        async for event in self._turns():
            yield event

    async def _run_members(self) -> None:
        assert isinstance(self.component, Team)
        replies = []
        for member in self.component.members:
            member_run = ConversationRun(
                member,
                run_id=str(uuid.uuid4()),
                session_id=self.session_id,
                user_id=self.user_id,
                cancel=self.cancel,
                parent_run_id=self.run_id,
            )
            async for _ in member_run.start(self.input_content):
                pass
            if member_run.status == "ERROR":
                raise RunFailed(f"team member {member.id!r} failed")
            self.member_responses.append(member_run.output())
            replies.append(MemberReply(member.id or "", member.name, member_run.content))
        self.member_replies = tuple(replies)

    def _tool(self, name: str) -> Tool | None:
        return next((tool for tool in self.component.tools if tool.name == name), None)

    def _request(self) -> ModelRequest:
        return ModelRequest(
            messages=tuple(self.messages),
            instructions=self.component.instructions,
            tools=self.component.tools,
            component_id=self.component.id,
            component_name=self.component.name,
            user_id=self.user_id,
            session_id=self.session_id,
            run_id=self.run_id,
            member_replies=self.member_replies,
        )

    async def _turns(self) -> AsyncGenerator[RunEvent, None]:
        for _ in range(MAX_MODEL_TURNS):
            if self.cancel.is_set():
                yield self._cancelled()
                return
            yield self._event("ModelRequestStarted", **self._model_fields())
            reply = await self.component.model.respond(self._request())
            if self.cancel.is_set():
                # The cancel arrived while the model was answering: its answer is dropped.
                yield self._cancelled()
                return
            if not reply.tool_calls:
                self.content = reply.content or ""
                self.messages.append(Message(role="assistant", content=self.content))
                # AgentOS's order: the content streams inside the model request.
                yield self._event(
                    "RunContent",
                    content=self.content,
                    content_type="str",
                    workflow_agent=False if self.kind == "agent" else None,
                    reasoning_content="",
                )
                yield self._event("ModelRequestCompleted", **self._model_fields())
                yield self._event("RunContentCompleted")
                self.status = "COMPLETED"
                yield self._event(
                    "RunCompleted",
                    content=self.content,
                    content_type="str",
                    session_state={},
                    metrics={"duration": self.elapsed()},
                )
                return
            yield self._event("ModelRequestCompleted", **self._model_fields())
            self.messages.append(
                Message(role="assistant", content=reply.content, tool_calls=reply.tool_calls)
            )
            gated = []
            for call in reply.tool_calls:
                tool = self._tool(call.name)
                execution = ToolExecution(
                    tool_call_id=call.id,
                    tool_name=call.name,
                    tool_args=dict(call.arguments),
                    requires_confirmation=bool(tool and tool.requires_confirmation),
                )
                self.executions.append(execution)
                if execution.requires_confirmation:
                    gated.append(execution)
                else:
                    async for event in self._execute(execution):
                        yield event
            if gated:
                self.status = "PAUSED"
                self.content = PAUSED_CONTENT
                self.requirements = [requirement_for(execution) for execution in gated]
                yield self._event(
                    "RunPaused",
                    content=PAUSED_CONTENT,
                    tools=[execution.to_dict() for execution in gated],
                    requirements=self.requirements,
                )
                return
        raise RunFailed(f"the model asked for tools more than {MAX_MODEL_TURNS} times")

    def _cancelled(self) -> RunEvent:
        self.status = "CANCELLED"
        return self._event("RunCancelled", reason="Run cancelled")

    async def _execute(self, execution: ToolExecution) -> AsyncGenerator[RunEvent, None]:
        yield self._event("ToolCallStarted", tool=execution.to_dict())
        tool = self._tool(execution.tool_name)
        if tool is None:
            execution.result, execution.tool_call_error = f"Tool {execution.tool_name} does not exist", True
        else:
            try:
                execution.result, execution.tool_call_error = await tool.call(execution.tool_args), False
            except Exception as error:
                log_failure(logger, error, "tool %r of run %s failed", execution.tool_name, self.run_id)
                execution.result, execution.tool_call_error = f"Tool {execution.tool_name} failed", True
        self._append_tool_result(execution)
        yield self._event(
            "ToolCallCompleted", content=f"{execution.tool_name}() completed", tool=execution.to_dict()
        )

    def _append_tool_result(self, execution: ToolExecution) -> None:
        self.messages.append(
            Message(
                role="tool",
                content=execution.result,
                tool_call_id=execution.tool_call_id,
                tool_name=execution.tool_name,
                tool_call_error=execution.tool_call_error,
            )
        )


def _list(stored: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = stored.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise StoredDataError(f"stored run field {key!r} is not a list of objects")
    return value
