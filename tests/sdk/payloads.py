"""Wire payloads in the shapes agno 3.1.10 answers (wire notes sections 3-9, agno's to_dict)."""

from __future__ import annotations

import json
from typing import Any

BASE_URL = "http://agentos.test"

AGENT_FACTORY_INFO: dict[str, Any] = {
    "id": "research-agent",
    "name": "Research",
    "db_id": "demo-db",
    "is_factory": True,
    "is_component": False,
    "sandboxed": False,
    "filesystem": False,
    "input_schema": {
        "properties": {"persona": {"default": "analyst"}},
        "title": "ResearchInput",
        "type": "object",
    },
    "factory_input_schema": {
        "properties": {"persona": {"default": "analyst"}},
        "title": "ResearchInput",
        "type": "object",
    },
}
PROTOTYPE_INFO: dict[str, Any] = {
    "id": "proto-agent",
    "name": "Proto",
    "is_factory": False,
    "model": {"name": "EchoModel"},
    "tools": None,
}


def agent_output(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "run_id": "run-1",
        "agent_id": "research-agent",
        "agent_name": "Research",
        "session_id": "sess-1",
        "user_id": "user-1",
        "content": '{"echo": true}',
        "content_type": "str",
        "created_at": 1757348314,
        "input": {"input_content": "hi"},
        "messages": [{"role": "user", "content": "hi"}],
        "metrics": {"input_tokens": 1},
        "model": "echo",
        "model_provider": "Echo",
        "session_state": {},
        "status": "COMPLETED",
        "some_future_field": {"kept": True},
    }
    body.update(overrides)
    return body


PAUSED_TOOL: dict[str, Any] = {
    "tool_call_id": "call-1",
    "tool_name": "confirm_me",
    "tool_args": {"x": 1},
    "requires_confirmation": True,
    "confirmed": None,
    "created_at": 1757348314,
    "stop_after_tool_call": False,
    "approval_type": None,
}


def paused_agent_output() -> dict[str, Any]:
    return agent_output(
        status="PAUSED",
        content=None,
        tools=[PAUSED_TOOL],
        requirements=[{"id": "req-1", "tool_execution": PAUSED_TOOL, "created_at": "2026-01-01T00:00:00"}],
    )


def team_output(**overrides: Any) -> dict[str, Any]:
    body = agent_output()
    for key in ("agent_id", "agent_name"):
        body.pop(key)
    body.update({"team_id": "research-team", "team_name": "Team", "member_responses": []})
    body.update(overrides)
    return body


STEP_REQUIREMENT: dict[str, Any] = {
    "step_id": "step-1",
    "step_name": "confirm",
    "step_index": 0,
    "requires_confirmation": True,
    "confirmed": None,
    "on_reject": "cancel",
    "future_step_field": "x",
}


def workflow_output(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "run_id": "wrun-1",
        "workflow_id": "wf",
        "workflow_name": "WF",
        "session_id": "sess-1",
        "user_id": "user-1",
        "content": "done",
        "step_results": [{"step_name": "s1", "content": "done"}],
        "metadata": {},
        "input": {"input_content": "hi"},
        "metrics": {},
        "status": "COMPLETED",
        "created_at": 1757348314,
    }
    body.update(overrides)
    return body


def paused_workflow_output() -> dict[str, Any]:
    return workflow_output(
        status="PAUSED",
        content=None,
        step_requirements=[STEP_REQUIREMENT],
        paused_step_index=0,
        paused_step_name="confirm",
        pause_kind="step",
    )


WORKFLOW_RUN_SUMMARY: dict[str, Any] = {
    "run_id": "wrun-1",
    "run_input": "hi",
    "events": [],
    "workflow_id": "wf",
    "user_id": "",
    "content": "done",
    "content_type": "",
    "status": "COMPLETED",
    "created_at": "2026-01-01T00:00:00Z",
    "step_results": [],
    "metrics": {},
}


def sse(*events: dict[str, Any]) -> bytes:
    """An SSE body in agno's framing: ``event: <Name>\\ndata: <one-line JSON>\\n\\n``."""
    return b"".join(
        f"event: {event['event']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
        for event in events
    )


AGENT_EVENTS: list[dict[str, Any]] = [
    {
        "event": "RunStarted",
        "agent_id": "a",
        "agent_name": "A",
        "run_id": "r",
        "session_id": "s",
        "model": "echo",
        "model_provider": "Echo",
        "nested_depth": 0,
        "created_at": 1,
    },
    {"event": "ModelRequestStarted", "agent_id": "a", "run_id": "r", "session_id": "s"},
    {
        "event": "RunContent",
        "agent_id": "a",
        "run_id": "r",
        "session_id": "s",
        "content": "he",
        "content_type": "str",
        "workflow_agent": False,
    },
    {
        "event": "RunContent",
        "agent_id": "a",
        "run_id": "r",
        "session_id": "s",
        "content": "llo",
        "content_type": "str",
    },
    {"event": "RunContentCompleted", "agent_id": "a", "run_id": "r", "session_id": "s"},
    {
        "event": "RunCompleted",
        "agent_id": "a",
        "run_id": "r",
        "session_id": "s",
        "content": "hello",
        "metrics": {},
        "session_state": {},
    },
]

TEAM_EVENTS: list[dict[str, Any]] = [
    {"event": "TeamRunStarted", "team_id": "t", "run_id": "r", "session_id": "s"},
    {"event": "RunStarted", "agent_id": "member", "run_id": "m", "session_id": "s"},
    {"event": "RunError", "agent_id": "member", "run_id": "m", "content": "member failed"},
    {"event": "TeamRunContent", "team_id": "t", "run_id": "r", "content": "x"},
    {"event": "TeamRunCompleted", "team_id": "t", "run_id": "r", "content": "x"},
]

WORKFLOW_EVENTS: list[dict[str, Any]] = [
    {"event": "WorkflowStarted", "workflow_id": "wf", "run_id": "w", "session_id": "s"},
    {"event": "StepStarted", "workflow_id": "wf", "run_id": "w", "step_name": "s1", "step_index": 0},
    {"event": "StepOutput", "workflow_id": "wf", "run_id": "w", "step_name": "s1", "content": "x"},
    {"event": "StepCompleted", "workflow_id": "wf", "run_id": "w", "step_name": "s1", "content": "x"},
    {
        "event": "WorkflowCompleted",
        "workflow_id": "wf",
        "run_id": "w",
        "content": "done",
        "step_results": [],
        "metadata": {},
        "metrics": {},
    },
]
