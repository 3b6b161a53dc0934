"""Run outputs and SSE events in agno 3.1.10's shapes (wire notes section 7, real captures).

Pure functions of a :class:`StoredRun`: the non-streaming JSON body, and the event sequence a
streaming run of each kind sends. Field sets follow agno's ``to_dict()`` so application code
sees what a real deployment sends; the stub's model names itself ``agentos-stub-model``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal, TypeAlias

from ._components import STUB_MODEL, ComponentKind
from ._runs import Content, PauseArtefacts, StoredRun

__all__ = [
    "CONFIRMATION_FIELDS",
    "NO_STEPS_CONTENT",
    "PAUSE_NAME",
    "Event",
    "Phase",
    "View",
    "background_body",
    "encode_event",
    "run_events",
    "run_output",
    "run_summary",
    "stored_events",
]

#: The tool (agents, teams) or step (workflows) a pausing component waits on.
PAUSE_NAME = "confirm"
REPLY_STEP_NAME = "reply"
CONFIRMATION_MESSAGE = "Confirm to let the stub answer"
PAUSED_CONTENT: dict[ComponentKind, str] = {
    "agent": "I have tools to execute, but I need confirmation.",
    "team": f"Team run paused. The following require input:\n- team: {PAUSE_NAME} requires confirmation",
    "workflow": "",
}
#: A workflow whose only step was rejected completes with this content (agno's ``on_reject="skip"``).
NO_STEPS_CONTENT = "No steps executed"
#: The continue form field that carries the decisions, per kind (wire notes section 9).
CONFIRMATION_FIELDS: dict[ComponentKind, str] = {
    "agent": "tools",
    "team": "requirements",
    "workflow": "step_requirements",
}

Event: TypeAlias = tuple[str, dict[str, Any]]
#: ``run``: a fresh run; ``continue``: a continue's answer (agno adds ``event_index`` there).
Phase: TypeAlias = Literal["run", "continue"]
#: ``answer``: the body of a run or continue; ``read``: the same run read back from storage.
View: TypeAlias = Literal["answer", "read"]

_WORD = re.compile(r"\S+\s*|\s+")


def _metrics() -> dict[str, Any]:
    return {"time_to_first_token": 0.0, "duration": 0.0}


def _tool(pause: PauseArtefacts, *, confirmed: bool | None, done: bool) -> dict[str, Any]:
    return {
        "tool_call_id": pause.tool_call_id,
        "tool_name": PAUSE_NAME,
        "tool_args": {},
        "tool_call_error": False if done else None,
        "result": ("confirmed" if confirmed else "rejected") if done else None,
        "metrics": None,
        "child_run_id": None,
        "stop_after_tool_call": False,
        "created_at": pause.created_at,
        "requires_confirmation": not done,
        "confirmed": confirmed,
        "confirmation_note": None,
        "requires_user_input": None,
        "user_input_schema": None,
        "user_feedback_schema": None,
        "answered": None,
        "external_execution_required": None,
        "external_execution_silent": None,
        "approval_type": None,
        "approval_id": None,
        "parent_tool_call_id": None,
    }


def _requirement(pause: PauseArtefacts, tool: dict[str, Any]) -> dict[str, Any]:
    created = datetime.fromtimestamp(pause.created_at, tz=timezone.utc).isoformat()
    return {"id": pause.requirement_id, "created_at": created, "tool_execution": tool}


def _step_requirement(run: StoredRun, pause: PauseArtefacts) -> dict[str, Any]:
    return {
        "step_id": pause.step_id,
        "step_name": PAUSE_NAME,
        "step_index": 0,
        "step_type": "Step",
        "requires_confirmation": True,
        "confirmation_message": CONFIRMATION_MESSAGE,
        "confirmed": run.confirmed,
        "on_reject": "skip",
        "requires_user_input": False,
        "user_input_message": None,
        "user_input": None,
        "requires_route_selection": False,
        "available_choices": None,
        "allow_multiple_selections": False,
        "selected_choices": None,
        "requires_output_review": False,
        "output_review_message": None,
        "is_post_execution": False,
        "rejection_feedback": None,
        "retry_count": 0,
        "max_retries": 3,
        "timeout_at": None,
        "on_timeout": "cancel",
        "step_input": {
            "input": run.message,
            "previous_step_outputs": {},
            "previous_step_content": None,
            "additional_data": None,
            "images": None,
            "videos": None,
            "audio": None,
            "files": None,
        },
    }


def _step_name(run: StoredRun) -> str:
    return PAUSE_NAME if run.component.requires_confirmation else REPLY_STEP_NAME


def _step_id(run: StoredRun) -> str:
    return run.pause.step_id if run.pause is not None else str(uuid.uuid5(uuid.NAMESPACE_URL, run.run_id))


def _step_result(run: StoredRun, content: Content) -> dict[str, Any]:
    return {
        "content": content.value,
        "step_name": _step_name(run),
        "step_id": _step_id(run),
        "step_type": "Step",
        "executor_type": "function",
        "executor_name": REPLY_STEP_NAME,
        "step_run_id": None,
        "images": None,
        "videos": None,
        "audio": None,
        "files": None,
        "metrics": None,
        "success": True,
        "error": None,
        "stop": False,
        "is_paused": False,
    }


def _tools_and_requirements(run: StoredRun) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    pause = run.pause
    if pause is None:
        return [], None
    done = run.status != "PAUSED"
    tool = _tool(pause, confirmed=run.confirmed, done=done)
    return [tool], [_requirement(pause, dict(tool))]


def _messages(run: StoredRun) -> list[dict[str, Any]]:
    def message(role: str, **fields: Any) -> dict[str, Any]:
        # Stable ids: reading a run twice gives the same messages.
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run.run_id}/{len(messages)}/{role}")),
            **fields,
            "from_history": False,
            "stop_after_tool_call": False,
            "role": role,
            "created_at": run.created_at,
        }

    messages: list[dict[str, Any]] = []
    messages.append(message("user", content=run.message))
    if run.pause is not None:
        call = {
            "id": run.pause.tool_call_id,
            "type": "function",
            "function": {"name": PAUSE_NAME, "arguments": "{}"},
        }
        messages.append(message("assistant", tool_calls=[call]))
        if run.status == "PAUSED":
            return messages
        messages.append(
            message(
                "tool",
                content="confirmed" if run.confirmed else "rejected",
                tool_call_id=run.pause.tool_call_id,
                tool_name=PAUSE_NAME,
            )
        )
    if run.content is not None and isinstance(run.content.value, str):
        messages.append(message("assistant", content=run.content.value))
    return messages


def _content_fields(run: StoredRun) -> dict[str, Any]:
    if run.status == "PAUSED" and run.kind != "workflow":
        return {"content": PAUSED_CONTENT[run.kind], "content_type": "str"}
    if run.content is None:
        return {"content_type": "str"}
    return {"content": run.content.value, "content_type": run.content.content_type}


def _continued(run: StoredRun) -> bool:
    """The run paused and a continue has answered it since."""
    return run.pause is not None and run.status != "PAUSED"


def _paused_team_event(run: StoredRun, pause: PauseArtefacts) -> dict[str, Any]:
    """The ``TeamRunPaused`` event agno keeps in a paused team run's ``events``."""
    out = _Events(run, "run")
    tool = _tool(pause, confirmed=None, done=False)
    out.add(
        "TeamRunPaused",
        content=PAUSED_CONTENT["team"],
        tools=[tool],
        requirements=[_requirement(pause, tool)],
    )
    return out.events[0][1]


def _step_continued_event(run: StoredRun, pause: PauseArtefacts) -> dict[str, Any]:
    out = _Events(run, "continue")
    out.add("StepContinued", step_id=pause.step_id, step_name=_step_name(run), step_index=0)
    return out.events[0][1]


def _agent_or_team_output(run: StoredRun) -> dict[str, Any]:
    kind = run.kind
    body: dict[str, Any] = {
        "run_id": run.run_id,
        f"{kind}_id": run.component.id,
        f"{kind}_name": run.component.display_name,
        "session_id": run.session_id,
    }
    if run.user_id is not None:
        body["user_id"] = run.user_id
    body.update(_content_fields(run))
    body.update({"model": STUB_MODEL["model"], "model_provider": STUB_MODEL["provider"]})
    # agno's team output has session_state only once the run paused; the agent's always has it.
    if kind == "agent" or run.pause is not None:
        body["session_state"] = {}
    body.update({"created_at": run.created_at, "status": run.status, "metrics": _metrics()})
    if run.forked_from_run_id is not None:
        body["forked_from_run_id"] = run.forked_from_run_id
    if kind == "team" and run.pause is not None:
        body["events"] = [_paused_team_event(run, run.pause)]
    elif _continued(run):
        body["events"] = []
    body["messages"] = _messages(run)
    if kind == "team":
        body["member_responses"] = []
    tools, requirements = _tools_and_requirements(run)
    body["tools"] = tools
    if requirements is not None:
        body["requirements"] = requirements
    body["input"] = {"input_content": run.message}
    return body


def _workflow_output(run: StoredRun, view: View) -> dict[str, Any]:
    # agno sends the workflow's input as the message text, not as {"input_content": ...}.
    body: dict[str, Any] = {"input": run.message}
    body.update(_content_fields(run))
    body.update(
        {
            "workflow_id": run.component.id,
            "workflow_name": run.component.display_name,
            "run_id": run.run_id,
            "session_id": run.session_id,
        }
    )
    if run.user_id is not None:
        body["user_id"] = run.user_id
    body.update({"created_at": run.created_at, "status": run.status, "metadata": {}})
    if run.status == "PAUSED":
        body.update({"paused_step_index": 0, "paused_step_name": PAUSE_NAME, "pause_kind": "step"})
    elif view == "answer":
        # A run read comes from storage, which keeps no media lists; a continue has no files.
        media = ("images", "videos", "audio") if _continued(run) else ("images", "videos", "audio", "files")
        body.update({name: [] for name in media})
    if run.status != "PAUSED" and run.content is not None and run.confirmed is not False:
        body["step_results"] = [_step_result(run, run.content)]
    body["metrics"] = {"steps": {}, "duration": 0.0}
    if view == "read":
        body["events"] = []
    elif _continued(run) and run.pause is not None:
        body["events"] = [_step_continued_event(run, run.pause)]
    if run.pause is not None:
        body["step_requirements"] = [_step_requirement(run, run.pause)]
    return body


def run_output(run: StoredRun, view: View = "answer") -> dict[str, Any]:
    """The body of a non-streaming run or continue (``view="answer"``), or of a run read."""
    body = _workflow_output(run, view) if run.kind == "workflow" else _agent_or_team_output(run)
    if view == "read" and run.events is not None:
        body["events"] = [dict(event) for event in run.events]
    return body


# Content deltas are not kept among a stored run's events (as agno keeps them).
_DELTA_EVENTS = frozenset({"RunContent", "TeamRunContent", "StepOutput"})


def stored_events(run: StoredRun, *, streamed: bool, agno: bool) -> list[dict[str, Any]]:
    """The per-step events a factory's run keeps (store_events=True), from its start to its end.

    agno 3.1.10 keeps them only for a streamed run; after a ``stream=false`` run its ``events`` is
    ``[]`` (measured, docs/agno-compat.md).
    """
    if agno and not streamed:
        return []
    return [dict(data) for name, data in run_events(run, "run") if name not in _DELTA_EVENTS]


def _created_iso(run: StoredRun) -> str:
    return datetime.fromtimestamp(run.created_at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_summary(run: StoredRun) -> dict[str, Any]:
    """One item of ``GET /{kind}/{id}/runs`` (agno's ``RunSchema``/``WorkflowRunSchema``: "" for none)."""
    content = run.content.value if run.content is not None else None
    paused = run.status == "PAUSED"
    common: dict[str, Any] = {
        "run_id": run.run_id,
        "run_input": run.message,
        f"{run.kind}_id": run.component.id,
        "user_id": run.user_id or "",
        "status": run.status,
        "cancellation_stage": None,
        "content": content,
        "reasoning_content": "",
        "reasoning_steps": [],
        "reasoning_messages": [],
        "references": [],
        "citations": None,
        "metrics": _metrics(),
        "created_at": _created_iso(run),
        "images": [],
        "videos": [],
        "audio": [],
        "files": [],
        "response_audio": None,
    }
    if run.kind == "workflow":
        return {
            **common,
            "events": [],
            "content_type": run.content.content_type if run.content is not None else "str",
            "step_results": run_output(run, "read").get("step_results", []),
            "step_executor_runs": [],
            "step_requirements": [_step_requirement(run, run.pause)] if run.pause is not None else None,
            "paused_step_index": 0 if paused else None,
            "paused_step_name": PAUSE_NAME if paused else None,
            "pause_kind": "step" if paused else None,
        }
    tools, _ = _tools_and_requirements(run)
    return {
        **common,
        "parent_run_id": "",
        "run_response_format": "text"
        if run.content is None or isinstance(run.content.value, str)
        else "json",
        "metadata": None,
        "events": None,
        "messages": _messages(run),
        "tools": tools,
        "session_state": {},
        "input_media": {"images": [], "videos": [], "audios": [], "files": []},
        "followups": None,
        "forked_from_run_id": run.forked_from_run_id,
        "forked_from_message_index": None,
        "forked_from_session_id": None,
        "regenerated_from": None,
        "last_checkpoint_at_message_index": None,
    }


def background_body(run: StoredRun) -> dict[str, Any]:
    """The 202 body of ``background=true`` (agno: ``run_id``, ``session_id``, ``PENDING``)."""
    return {"run_id": run.run_id, "session_id": run.session_id, "status": "PENDING"}


# --- streaming -------------------------------------------------------------------------------


def _content_pieces(content: Content) -> list[Any]:
    """What the ``RunContent`` events carry: text word by word (as a model streams), data whole."""
    if not isinstance(content.value, str):
        return [content.value]
    return _WORD.findall(content.value)


class _Events:
    """Builds one stream's events with the fields agno repeats in each."""

    def __init__(self, run: StoredRun, phase: Phase) -> None:
        self.run = run
        self.phase = phase
        self.events: list[Event] = []
        self.created_at = int(time.time())

    def add(self, name: str, **fields: Any) -> None:
        run = self.run
        data: dict[str, Any] = {"created_at": self.created_at, "event": name}
        if run.kind == "workflow":
            data.update(
                {
                    "workflow_id": run.component.id,
                    "workflow_name": run.component.display_name,
                    "session_id": run.session_id,
                    "run_id": run.run_id,
                }
            )
        else:
            data.update(
                {
                    f"{run.kind}_id": run.component.id,
                    f"{run.kind}_name": run.component.display_name,
                    "run_id": run.run_id,
                    "session_id": run.session_id,
                }
            )
        data["nested_depth"] = 0
        data.update(fields)
        if self.phase == "continue" and run.kind != "workflow":
            data["event_index"] = len(self.events)
        self.events.append((name, data))


def _model_events(out: _Events, prefix: str, content: Content | None) -> None:
    model = {"model": STUB_MODEL["model"], "model_provider": STUB_MODEL["provider"]}
    out.add(f"{prefix}ModelRequestStarted", **model)
    if content is not None:
        for piece in _content_pieces(content):
            fields: dict[str, Any] = {"content": piece}
            if prefix == "":
                fields["workflow_agent"] = False
            out.add(f"{prefix}RunContent", **fields, content_type=content.content_type, reasoning_content="")
    usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "reasoning_tokens": 0}
    out.add(f"{prefix}ModelRequestCompleted", **model, **usage)


def _agent_or_team_events(run: StoredRun, phase: Phase) -> list[Event]:
    prefix = "Team" if run.kind == "team" else ""
    out = _Events(run, phase)
    tools, requirements = _tools_and_requirements(run)
    if run.status == "CANCELLED":
        out.add(f"{prefix}RunCancelled", reason="Run was cancelled")
        return out.events
    if phase == "run":
        out.add(f"{prefix}RunStarted", model=STUB_MODEL["model"], model_provider=STUB_MODEL["provider"])
    else:
        out.add(f"{prefix}RunContinued")
        if run.pause is not None and run.status != "PAUSED":
            out.add(f"{prefix}ToolCallStarted", tool=_tool(run.pause, confirmed=run.confirmed, done=False))
            out.add(
                f"{prefix}ToolCallCompleted", tool=tools[0], content=f"{PAUSE_NAME}() completed in 0.0000s. "
            )
    if run.status == "PAUSED":
        _model_events(out, prefix, None)
        if prefix == "":
            out.add("RunContentCompleted")
        out.add(
            f"{prefix}RunPaused", content=PAUSED_CONTENT[run.kind], tools=tools, requirements=requirements
        )
        return out.events
    _model_events(out, prefix, run.content)
    out.add(f"{prefix}RunContentCompleted")
    content = run.content if run.content is not None else Content("", "str")
    completed: dict[str, Any] = {"content": content.value, "content_type": content.content_type}
    # agno's TeamRunCompleted carries session_state only when it ends a continue.
    if prefix == "" or phase == "continue":
        completed["session_state"] = {}
    out.add(f"{prefix}RunCompleted", **completed, metrics=_metrics())
    return out.events


def _workflow_events(run: StoredRun, phase: Phase) -> list[Event]:
    out = _Events(run, phase)
    step = {"step_name": _step_name(run), "step_index": 0}
    if phase == "run":
        out.add("WorkflowStarted")
    if run.status == "PAUSED":
        assert run.pause is not None
        out.add(
            "StepPaused",
            step_id=run.pause.step_id,
            **step,
            requires_confirmation=True,
            confirmation_message=CONFIRMATION_MESSAGE,
            requires_user_input=False,
        )
        requirement = _step_requirement(run, run.pause)
        out.add(
            "WorkflowPaused",
            status="PAUSED",
            paused_step_index=0,
            paused_step_name=PAUSE_NAME,
            pause_kind="step",
            metadata={},
            step_results=[],
            step_executor_runs=[],
            step_requirements=[requirement],
        )
        # agno ends a paused workflow stream with the run output itself (its events so far
        # included), without an "event" key.
        output = run_output(run)
        output["events"] = [data for _, data in out.events[:-1]]
        out.events.append(("WorkflowRunOutput", output))
        return out.events
    if phase == "continue" and run.pause is not None:
        out.add("StepContinued", step_id=run.pause.step_id, **step)
    content = run.content if run.content is not None else Content("", "str")
    results: list[dict[str, Any]] = []
    if run.confirmed is not False:
        result = _step_result(run, content)
        results.append(result)
        out.add("StepStarted", step_id=_step_id(run), **step)
        out.add("StepOutput", **step, step_output=result)
        out.add(
            "StepCompleted",
            step_id=_step_id(run),
            **step,
            content=content.value,
            content_type=content.content_type,
            step_response=result,
        )
    completed: dict[str, Any] = {
        "content": content.value,
        "content_type": content.content_type,
        "metadata": {},
        "metrics": {"steps": {}, "duration": 0.0},
        "step_results": results,
    }
    if phase == "continue":
        completed["step_executor_runs"] = []
    out.add("WorkflowCompleted", **completed)
    return out.events


def run_events(run: StoredRun, phase: Phase) -> list[Event]:
    """The events of a streaming run (``phase="run"``) or continue (``phase="continue"``)."""
    return _workflow_events(run, phase) if run.kind == "workflow" else _agent_or_team_events(run, phase)


#: The events that end a run's stream without an error, per kind (what an early end stops before).
COMPLETION_EVENTS: Mapping[str, frozenset[str]] = {
    "agent": frozenset({"RunCompleted", "RunPaused", "RunCancelled"}),
    "team": frozenset({"TeamRunCompleted", "TeamRunPaused", "TeamRunCancelled"}),
    "workflow": frozenset({"WorkflowCompleted", "WorkflowPaused", "WorkflowCancelled"}),
}
_ERROR_EVENT_NAMES = {"agent": "RunError", "team": "TeamRunError", "workflow": "WorkflowError"}


def error_event(run: StoredRun, phase: Phase, content: str, error_type: str) -> Event:
    """The in-band error event that ends a failed run's stream (``RunError`` and its twins)."""
    out = _Events(run, phase)
    out.add(_ERROR_EVENT_NAMES[run.kind], content=content, error_type=error_type)
    return out.events[0]


def encode_event(event: Event) -> bytes:
    """One SSE frame as agno writes it: ``event: <Name>\\ndata: <one-line JSON>\\n\\n``."""
    name, data = event
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
