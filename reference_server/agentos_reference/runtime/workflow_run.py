"""The run engine of workflows: steps in order, pausing where a step needs a confirmation.

A rejected step is skipped (AgentOS's default ``on_reject="skip"``). A factory
rebuilds the workflow on continue, so the paused step is matched by its index and
its name must not have changed.

Continue and reject answer as agno 3.1.10 does (measured): the continued step reads the content
of the step before the pause as ``previous_step_content``; a rejected step emits no event and
leaves no result, so the next step (or the run's final content) gets that same content, and a
run that executed no step at all completes with the content ``"No steps executed"``.
"""

from __future__ import annotations

import inspect
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import Any

from agentos_reference.components import Step, StepInput, StepOutput, Workflow
from agentos_reference.components.messages import StoredDataError
from agentos_reference.logs import log_failure
from agentos_reference.runtime.cancellation import CancelToken
from agentos_reference.runtime.conversation import ConversationRun
from agentos_reference.runtime.errors import ContinueConflict, ContinueError, RunFailed
from agentos_reference.runtime.events import EventLog, EventStamp, RunEvent, StepContext

logger = logging.getLogger("agentos_reference.runtime")

_NOT_RECORDED = frozenset({"RunContent", "TeamRunContent"})
# agno's content for a completed run none of whose steps executed (its only steps were rejected).
NO_STEPS_EXECUTED = "No steps executed"


class WorkflowRun:
    """One run of a :class:`Workflow`."""

    def __init__(
        self,
        workflow: Workflow,
        *,
        run_id: str,
        session_id: str,
        user_id: str | None,
        cancel: CancelToken,
    ) -> None:
        self.workflow = workflow
        self.run_id = run_id
        self.session_id = session_id
        self.user_id = user_id
        self.cancel = cancel
        self.stamp = EventStamp(
            "workflow",
            component_id=workflow.id,
            component_name=workflow.name,
            run_id=run_id,
            session_id=session_id,
        )
        self.status = "RUNNING"
        self.input = ""
        self.content: str | None = None
        self.step_results: list[dict[str, Any]] = []
        self.step_executor_runs: list[dict[str, Any]] = []
        self.step_metrics: dict[str, Any] = {}
        self.step_requirements: list[dict[str, Any]] = []
        self.paused_step_index: int | None = None
        self.recorded_events = EventLog()
        self.created_at = int(time.time())
        self.duration = 0.0
        self._leg_started: float | None = None
        self._confirmed_index: int | None = None
        self._decision: bool | None = None

    # -- public -----------------------------------------------------------------------------------

    def start(self, message: str) -> AsyncGenerator[RunEvent, None]:
        self.input = message
        return self._guarded(self._start())

    def restore(self, stored: Mapping[str, Any]) -> None:
        """Load a stored paused run (StoredDataError when the row is not one of ours)."""
        paused_index = stored.get("paused_step_index")
        requirements = stored.get("step_requirements")
        if not isinstance(paused_index, int) or not isinstance(requirements, list):
            raise StoredDataError(f"stored run {self.run_id} has no paused step")
        self.paused_step_index = paused_index
        self.step_requirements = [dict(item) for item in requirements if isinstance(item, Mapping)]
        self.step_results = _objects(stored, "step_results")
        # What the next step reads as previous_step_content: the last executed step's content.
        last = self.step_results[-1].get("content") if self.step_results else None
        self.content = last if isinstance(last, str) else None
        self.step_executor_runs = _objects(stored, "step_executor_runs")
        self.recorded_events = EventLog(_objects(stored, "events"))
        steps_metrics = (stored.get("metrics") or {}).get("steps")
        self.step_metrics = dict(steps_metrics) if isinstance(steps_metrics, Mapping) else {}
        duration = (stored.get("metrics") or {}).get("duration")
        self.duration = float(duration) if isinstance(duration, (int, float)) else 0.0
        self.input = str(stored.get("input") or "")
        created_at = stored.get("created_at")
        self.created_at = created_at if isinstance(created_at, int) else self.created_at
        self.status = "PAUSED"

    def apply_decisions(self, step_requirements: list[Mapping[str, Any]]) -> None:
        """Take the client's decision on the paused step (ContinueError when there is none)."""
        index = self.paused_step_index
        if index is None:
            raise ContinueConflict(f"Run {self.run_id} is not paused at a step")
        if index >= len(self.workflow.steps) or self.workflow.steps[index].name != self._paused_step_name():
            raise ContinueConflict(
                f"Run {self.run_id} paused at step {self._paused_step_name()!r},"
                " which this workflow no longer has"
            )
        for requirement in step_requirements:
            same_step = requirement.get("step_index") == index or (
                requirement.get("step_id") is not None
                and requirement.get("step_id") == self._paused_requirement().get("step_id")
            )
            if same_step and isinstance(requirement.get("confirmed"), bool):
                self._decision = bool(requirement["confirmed"])
                break
        else:
            raise ContinueError(
                'step_requirements must confirm or reject the paused step (set "confirmed" to true or false)'
                f" at step_index {index}"
            )
        self._confirmed_index = index

    def resume(self) -> AsyncGenerator[RunEvent, None]:
        return self._guarded(self._resume())

    def output(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "input": self.input,
            "content": self.content,
            "content_type": "str",
            "workflow_id": self.workflow.id,
            "workflow_name": self.workflow.name,
            "run_id": self.run_id,
            "session_id": self.session_id,
            "user_id": self.user_id,
            "created_at": self.created_at,
            "status": self.status,
            "metadata": {},
            "step_results": self.step_results,
            "step_executor_runs": self.step_executor_runs,
            "metrics": {"steps": self.step_metrics, "duration": self.elapsed()},
            "images": [],
            "videos": [],
            "audio": [],
            "files": [],
        }
        if self.step_requirements:
            document["step_requirements"] = self.step_requirements
        if self.status == "PAUSED" and self.paused_step_index is not None:
            document.update(
                paused_step_index=self.paused_step_index,
                paused_step_name=self._paused_step_name(),
                pause_kind="step",
            )
        return {key: value for key, value in document.items() if value is not None}

    # -- engine -----------------------------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds this run has been executing, over all its legs (a continue is a new leg)."""
        leg = time.perf_counter() - self._leg_started if self._leg_started is not None else 0.0
        return self.duration + leg

    def _event(self, name: str, **fields: Any) -> RunEvent:
        return self.stamp.make(name, **fields)

    def _paused_requirement(self) -> dict[str, Any]:
        for requirement in self.step_requirements:
            if requirement.get("step_index") == self.paused_step_index:
                return requirement
        return {}

    def _paused_step_name(self) -> str | None:
        name = self._paused_requirement().get("step_name")
        return name if isinstance(name, str) else None

    def fail(self) -> RunEvent:
        """End this run as failed: status ERROR and its recorded ``WorkflowError`` (which says not why)."""
        self.status = "ERROR"
        event = self._event("WorkflowError", error="Workflow run failed", content="Workflow run failed")
        self.recorded_events.append(event)
        return event

    async def _guarded(self, body: AsyncGenerator[RunEvent, None]) -> AsyncGenerator[RunEvent, None]:
        self._leg_started = time.perf_counter()
        try:
            async with aclosing(body):
                async for event in body:
                    if event.name not in _NOT_RECORDED:
                        self.recorded_events.append(event)
                    yield event
        except Exception as error:
            log_failure(logger, error, "workflow run %s of %r failed", self.run_id, self.workflow.id)
            yield self.fail()
        finally:
            self.duration = self.elapsed()
            self._leg_started = None

    async def _start(self) -> AsyncGenerator[RunEvent, None]:
        yield self._event("WorkflowStarted")
        async for event in self._steps_from(0):
            yield event

    async def _resume(self) -> AsyncGenerator[RunEvent, None]:
        index = self._confirmed_index
        assert index is not None, "apply_decisions() comes first"
        self.status = "RUNNING"
        requirement = self._paused_requirement()
        requirement["confirmed"] = self._decision
        step = self.workflow.steps[index]
        if self._decision:
            # A rejected step is skipped without a word, as in agno: no StepContinued for it.
            yield self._event("StepContinued", step_id=step.id, step_name=step.name, step_index=index)
        async for event in self._steps_from(index if self._decision else index + 1, confirmed=index):
            yield event

    async def _steps_from(self, first: int, confirmed: int | None = None) -> AsyncGenerator[RunEvent, None]:
        for index in range(first, len(self.workflow.steps)):
            step = self.workflow.steps[index]
            if self.cancel.is_set():
                yield self._cancelled()
                return
            if step.requires_confirmation and index != confirmed:
                async for event in self._pause_at(index, step):
                    yield event
                return
            async for event in self._run_step(index, step):
                yield event
        if self.cancel.is_set():
            yield self._cancelled()
            return
        self.status = "COMPLETED"
        if not self.step_results:
            self.content = NO_STEPS_EXECUTED
        yield self._event(
            "WorkflowCompleted",
            content=self.content,
            content_type="str",
            metadata={},
            metrics={"steps": self.step_metrics, "duration": self.elapsed()},
            step_results=self.step_results,
        )

    def _cancelled(self) -> RunEvent:
        self.status = "CANCELLED"
        return self._event("WorkflowCancelled", reason="Run cancelled")

    async def _pause_at(self, index: int, step: Step) -> AsyncGenerator[RunEvent, None]:
        self.status = "PAUSED"
        self.paused_step_index = index
        self.step_requirements.append(
            {
                "step_id": step.id,
                "step_name": step.name,
                "step_index": index,
                "step_type": "Step",
                "requires_confirmation": True,
                "confirmation_message": step.confirmation_message,
                "confirmed": None,
                "on_reject": "skip",
                "requires_user_input": False,
                "user_input_message": None,
                "user_input": None,
                "is_post_execution": False,
                "step_input": {"input": self.input, "previous_step_content": self.content},
            }
        )
        yield self._event(
            "StepPaused",
            step_id=step.id,
            step_name=step.name,
            step_index=index,
            requires_confirmation=True,
            confirmation_message=step.confirmation_message,
            requires_user_input=False,
        )
        yield self._event(
            "WorkflowPaused",
            status="PAUSED",
            paused_step_index=index,
            paused_step_name=step.name,
            pause_kind="step",
            metadata={},
            step_results=self.step_results,
            step_requirements=self.step_requirements,
        )

    async def _run_step(self, index: int, step: Step) -> AsyncGenerator[RunEvent, None]:
        yield self._event("StepStarted", step_id=step.id, step_name=step.name, step_index=index)
        started = time.perf_counter()
        step_run_id: str | None = None
        member = step.agent if step.agent is not None else step.team
        if member is not None:
            nested = ConversationRun(
                member,
                run_id=str(uuid.uuid4()),
                session_id=self.session_id,
                user_id=self.user_id,
                cancel=self.cancel,
                step=StepContext(self.workflow.id, self.run_id, step.id, step.name, index),
                parent_run_id=self.run_id,
            )
            async for event in nested.start(self.content if self.content is not None else self.input):
                yield event
            if nested.status == "CANCELLED":
                return  # the shared token is set: the step loop ends the workflow as cancelled
            if nested.status != "COMPLETED":
                raise RunFailed(f"step {step.name!r} ended with status {nested.status}")
            step_run_id, content = nested.run_id, nested.content
            self.step_executor_runs.append(nested.output())
        else:
            content = await self._call_executor(step)
        metrics = {"duration": time.perf_counter() - started}
        result = {
            "content": content,
            "step_name": step.name,
            "step_id": step.id,
            "step_type": "Step",
            "executor_type": step.executor_type,
            "executor_name": step.executor_name,
            "step_run_id": step_run_id,
            "metrics": metrics,
            "success": True,
            "error": None,
            "stop": False,
            "is_paused": False,
        }
        self.step_results.append(result)
        self.step_metrics[step.name] = {
            "step_name": step.name,
            "executor_type": step.executor_type,
            "executor_name": step.executor_name,
            "metrics": metrics,
        }
        self.content = content
        if member is None:
            # AgentOS reports a function step's result in its own event before the completion.
            yield self._event("StepOutput", step_name=step.name, step_index=index, step_output=result)
        yield self._event(
            "StepCompleted",
            step_id=step.id,
            step_name=step.name,
            step_index=index,
            content=content,
            content_type="str",
            step_response=result,
        )

    async def _call_executor(self, step: Step) -> str | None:
        assert step.executor is not None
        previous = {result["step_name"]: result.get("content") for result in self.step_results}
        produced = step.executor(
            StepInput(input=self.input, previous_step_content=self.content, previous_step_outputs=previous)
        )
        if inspect.isawaitable(produced):
            produced = await produced
        if isinstance(produced, StepOutput):
            return produced.content
        if isinstance(produced, str):
            return produced
        raise RunFailed(f"step {step.name!r} returned {type(produced).__name__}, expected str or StepOutput")


def _objects(stored: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = stored.get(key) or []
    if not isinstance(value, list):
        raise StoredDataError(f"stored run field {key!r} is not a list")
    return [dict(item) for item in value if isinstance(item, Mapping)]
