"""Running a component against storage: a new run, or the continue of a paused one.

The run row is written before the first event (status RUNNING) and rewritten when
the run ends, pauses, fails or is cancelled, so a GET in between sees it. A client
that disconnects mid-stream cancels its run.

Once its row exists, a run never stays RUNNING: whatever ends it (its last event, a
consumer that stops listening or never started, a crash, a storage error) writes its
final state, and when that state cannot be written the row's status alone becomes
ERROR. The run's last events wait until that write is done, so a client that sees
``RunCompleted`` can read the run back, and a run whose output could not be kept ends
with a failure event instead of a completion the server does not have.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from typing import Any

import anyio

from agentos_reference.components import Agent, Team, Workflow
from agentos_reference.components.messages import StoredDataError
from agentos_reference.http.problems import BadRequest, Conflict
from agentos_reference.logs import describe, log_failure
from agentos_reference.registry import Component, Kind
from agentos_reference.runtime.cancellation import ActiveRuns
from agentos_reference.runtime.conversation import ConversationRun
from agentos_reference.runtime.errors import ContinueConflict, ContinueError
from agentos_reference.runtime.events import RunEvent
from agentos_reference.runtime.workflow_run import WorkflowRun
from agentos_reference.storage import RunRecord, SqliteDb

logger = logging.getLogger("agentos_reference.execution")

Engine = ConversationRun | WorkflowRun


class RunExecution:
    """One engine run bound to its storage row and its cancel token.

    Consume it once, through :meth:`events` (streaming) or :meth:`drain`, and always
    :meth:`close` it afterwards: ``close`` is what finishes a run whose stream was abandoned
    or never started.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        source: AsyncGenerator[RunEvent, None],
        db: SqliteDb,
        store_events: bool,
        active: ActiveRuns,
    ) -> None:
        self.engine = engine
        self._source = source
        self.db = db
        self.store_events = store_events
        self.active = active
        self._stream: AsyncGenerator[RunEvent, None] | None = None
        self._finished = False
        self._stored = False
        self._on_close: list[Callable[[], None]] = []

    @property
    def run_id(self) -> str:
        return self.engine.run_id

    @property
    def status(self) -> str:
        return self.engine.status

    def output(self) -> dict[str, Any]:
        """The run output as clients receive it."""
        return self.engine.output()

    def stored_events(self) -> str | None:
        """The run's events as a JSON array, for storage, when the component stores them."""
        return self.engine.recorded_events.json() if self.store_events else None

    def events(self) -> AsyncGenerator[RunEvent, None]:
        """The run's events as they happen (the same stream on every call: a run runs once)."""
        if self._stream is None:
            self._stream = self._events()
        return self._stream

    async def drain(self) -> dict[str, Any]:
        """Run to the end without streaming; the run output."""
        try:
            async for _ in self.events():
                pass
        finally:
            await self.close()
        return self.output()

    def when_closed(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the run is closed (whatever ended it)."""
        self._on_close.append(callback)

    async def close(self) -> None:
        """Finish the run whatever became of its stream: an unfinished run is cancelled and stored."""
        try:
            with anyio.CancelScope(shield=True):
                if self._stream is not None:
                    # A stream left at one of its events runs its own clean-up; an unstarted one has none.
                    await self._stream.aclose()
                await self._finish(stopped=True)
        finally:
            callbacks, self._on_close = self._on_close, []
            for callback in callbacks:
                callback()

    async def _events(self) -> AsyncGenerator[RunEvent, None]:
        # The events after the engine left RUNNING (its completion, pause, cancel or failure).
        last: list[RunEvent] = []
        try:
            async with aclosing(self._source) as source:
                async for event in source:
                    if self.engine.status == "RUNNING":
                        yield event
                    else:
                        last.append(event)
        except Exception as error:
            # The engines turn their own failures into a failure event; this is anything that got past.
            log_failure(logger, error, "run %s failed outside its engine", self.run_id)
            last = [self.engine.fail()]
        except BaseException:
            # The consumer stopped listening (a client disconnect) or the task was cancelled.
            await self._finish(stopped=True)
            raise
        failed_already = self.engine.status == "ERROR"
        if not await self._finish() and not failed_already:
            # The row says ERROR now; the stream must not end with a completion or a pause it lacks.
            last = [self.engine.fail()]
        for event in last:
            yield event

    async def _finish(self, *, stopped: bool = False) -> bool:
        """Write the run's final state, once; False when it could not be written (the row is then ERROR)."""
        if self._finished:
            return self._stored
        self._finished = True
        if stopped and self.engine.status == "RUNNING":
            # Nobody listens any more, as in AgentOS: the run is cancelled.
            self.engine.status = "CANCELLED"
        with anyio.CancelScope(shield=True):
            try:
                await self.db.save_run(
                    self.run_id, self.engine.status, self.engine.output(), events_json=self.stored_events()
                )
                self._stored = True
            except Exception as error:
                final = self.status
                self.engine.status = "ERROR"
                marked = await self._mark_failed()
                if marked is None:
                    log_failure(
                        logger, error, "run %s: its final state (%s) could not be stored", self.run_id, final
                    )
                else:
                    # One line for both failures: the storage is failing, every request would repeat it.
                    log_failure(
                        logger,
                        marked,
                        "run %s: its final state (%s) could not be stored (%s), and it could not be marked"
                        " ERROR either: its row keeps its last stored status",
                        self.run_id,
                        final,
                        describe(error),
                        level=logging.CRITICAL,
                    )
            finally:
                self.active.unregister(self.run_id)
        return self._stored

    async def _mark_failed(self) -> Exception | None:
        """Set the row's status alone to ERROR (the output it holds was written once, so it can be
        kept); the error when even that fails."""
        try:
            await self.db.fail_run(self.run_id)
        except Exception as error:
            return error
        return None


def _engine(
    component: Component, *, run_id: str, session_id: str, user_id: str | None, active: ActiveRuns
) -> Engine:
    token = active.register(run_id)
    if isinstance(component, Workflow):
        return WorkflowRun(component, run_id=run_id, session_id=session_id, user_id=user_id, cancel=token)
    return ConversationRun(component, run_id=run_id, session_id=session_id, user_id=user_id, cancel=token)


async def start_run(
    kind: Kind,
    component: Component,
    *,
    fallback_db: SqliteDb,
    message: str,
    session_id: str | None,
    user_id: str | None,
    owner: str | None,
    active: ActiveRuns,
) -> RunExecution:
    """Store a new RUNNING run and return its (not yet started) execution.

    ``owner`` is the verified user the run (and its session) will belong to, None for none;
    ``user_id`` is the caller's ``ctx.user_id``, stored and shown but granting nothing.
    """
    db = component.db or fallback_db
    run_id = str(uuid.uuid4())
    # ctx.session_id stays None when the client sent none; the run itself still needs a session.
    engine = _engine(
        component, run_id=run_id, session_id=session_id or str(uuid.uuid4()), user_id=user_id, active=active
    )
    source = engine.start(message)
    try:
        await db.insert_run(
            RunRecord(
                run_id=run_id,
                component_type=kind,
                component_id=component.id or "",
                session_id=engine.session_id,
                user_id=user_id,
                status="RUNNING",
                output=engine.output(),
                created_at=time.time(),
                owner=owner,
            )
        )
    except BaseException:
        active.unregister(run_id)
        raise
    return RunExecution(
        engine=engine, source=source, db=db, store_events=component.store_events, active=active
    )


def decisions_from_tools(tools: Any, field: str) -> dict[str, bool]:
    """Confirmations from a continue's ``tools`` (ToolExecution list) or ``requirements`` list."""
    if tools is None:
        return {}
    if not isinstance(tools, list) or not all(isinstance(item, Mapping) for item in tools):
        raise BadRequest(f"{field} must be a JSON list of objects")
    decisions: dict[str, bool] = {}
    for item in tools:
        execution = item.get("tool_execution", item) if field == "requirements" else item
        if not isinstance(execution, Mapping):
            raise BadRequest(f"{field}: every requirement needs a tool_execution object")
        call_id, confirmed = execution.get("tool_call_id"), execution.get("confirmed")
        if isinstance(call_id, str) and isinstance(confirmed, bool):
            decisions[call_id] = confirmed
    return decisions


async def continue_run(
    component: Component,
    record: RunRecord,
    *,
    tool_decisions: Mapping[str, bool],
    step_requirements: list[Mapping[str, Any]],
    db: SqliteDb,
    active: ActiveRuns,
) -> RunExecution:
    """Resume a PAUSED run with the client's decisions (400 when they do not fit, 409 when not paused).

    The run keeps the identity it was started with (its stored ``user_id`` and its owner); the
    continue's own caller is what the re-invoked factory saw, nothing more.
    """
    if record.status != "PAUSED":
        raise Conflict(f"Run {record.run_id} is not paused (status: {record.status})")
    run_user = record.user_id
    engine: Engine
    try:
        if isinstance(component, Workflow):
            engine = WorkflowRun(
                component,
                run_id=record.run_id,
                session_id=record.session_id,
                user_id=run_user,
                cancel=active.register(record.run_id),
            )
            engine.restore(record.output)
            engine.apply_decisions(step_requirements)
        else:
            assert isinstance(component, (Agent, Team))
            engine = ConversationRun(
                component,
                run_id=record.run_id,
                session_id=record.session_id,
                user_id=run_user,
                cancel=active.register(record.run_id),
            )
            engine.restore(record.output)
            engine.apply_decisions(tool_decisions)
        if not await db.claim_paused_run(record.run_id):
            raise Conflict(f"Run {record.run_id} is not paused any more")
    except ContinueError as error:
        active.unregister(record.run_id)
        raise BadRequest(str(error)) from error
    except ContinueConflict as error:
        active.unregister(record.run_id)
        raise Conflict(str(error)) from error
    except StoredDataError as error:
        active.unregister(record.run_id)
        logger.error("run %s cannot be continued: %s", record.run_id, error)
        raise Conflict(f"Run {record.run_id} cannot be continued: its stored state is unreadable") from error
    except BaseException:
        active.unregister(record.run_id)
        raise
    return RunExecution(
        engine=engine, source=engine.resume(), db=db, store_events=component.store_events, active=active
    )
