"""The SDK reads every HTTP answer a real agno 3.1.10 gave (tests/fixtures/agno_wire, captured by
tests/integration/capture_agno_wire.py): success bodies parse into the typed models, streams run
to their completion event, and each error status raises its class of the status table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from agentos_factories import AgentOSError, AsyncClient, Client, error_class_for_status
from agentos_factories.models.runs import _RunOutput

from .conftest import collect, invoke

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "agno_wire"
CAPTURES: dict[str, dict[str, Any]] = {
    path.stem: json.loads(path.read_text())
    for path in sorted(WIRE.glob("*.json"))
    if path.name != "index.json" and not path.name.endswith(".ws.json") and "background" not in path.name
}
BODIES: dict[str, bytes] = {
    capture["response"]["text_file"]: (WIRE / capture["response"]["text_file"]).read_bytes()
    for capture in CAPTURES.values()
    if "text_file" in capture["response"]
}


def _call(
    client: Client | AsyncClient, request: dict[str, Any]
) -> tuple[Any, tuple[Any, ...], dict[str, Any], bool]:
    """The SDK method, arguments and stream flag for a captured request."""
    method, path = request["method"], request["path"]
    form: dict[str, str] = request.get("form") or {}
    query: dict[str, str] = request.get("query") or {}
    parts = path.strip("/").split("/")
    resource = getattr(client, parts[0])
    stream = form.get("stream", "true") != "false"
    if method == "GET" and len(parts) == 1:
        return resource.list, (), {}, False
    if method == "GET" and len(parts) == 2:
        return resource.get, (parts[1],), {}, False
    if method == "GET" and len(parts) == 4:
        return resource.get_run, (parts[1], parts[3]), {"session_id": query["session_id"]}, False
    if method == "GET" and len(parts) == 3:
        return resource.list_runs, (parts[1],), {"session_id": query["session_id"]}, False
    if parts[-1] == "runs":
        kwargs: dict[str, Any] = {key: form[key] for key in ("user_id", "session_id") if key in form}
        function = resource.stream if stream else resource.run
        return function, (parts[1], form.get("message", "")), kwargs, stream
    if parts[-1] == "continue":
        kwargs = {"session_id": form.get("session_id", "s")}
        function = resource.continue_stream if stream else resource.continue_run
        return function, (parts[1], parts[3]), kwargs, stream
    if parts[-1] == "cancel":
        return resource.cancel, (parts[1], parts[3]), {}, False
    raise AssertionError(f"no SDK method for {method} {path}")


def _response(capture: dict[str, Any]) -> httpx.Response:
    answer = capture["response"]
    headers = {"content-type": answer["content_type"]}
    if "text_file" in answer:
        return httpx.Response(
            answer["status"], headers=headers, content=(WIRE / answer["text_file"]).read_bytes()
        )
    return httpx.Response(answer["status"], headers=headers, content=json.dumps(answer["json"]).encode())


@pytest.mark.parametrize("name", sorted(CAPTURES))
async def test_every_captured_agno_answer_is_read_as_the_spec_types_it(
    client: Client | AsyncClient, mock: respx.MockRouter, name: str
) -> None:
    capture = CAPTURES[name]
    request = capture["request"]
    route = mock.route(method=request["method"], path=request["path"]).mock(return_value=_response(capture))
    function, args, kwargs, stream = _call(client, request)
    status = capture["response"]["status"]
    if status >= 400:
        with pytest.raises(AgentOSError) as caught:
            await invoke(function, *args, **kwargs)
        assert type(caught.value) is error_class_for_status(status)
        assert caught.value.detail == capture["response"]["json"]["detail"]
        return
    result = await invoke(function, *args, **kwargs)
    assert route.called
    if stream:
        events = await collect(result)
        assert events
        assert result.completion is not None
        assert result.completion.event in {
            "RunCompleted",
            "RunPaused",
            "TeamRunCompleted",
            "TeamRunPaused",
            "WorkflowCompleted",
            "WorkflowPaused",
        }
    elif isinstance(result, _RunOutput):
        body = capture["response"]["json"]
        assert result.run_id == body["run_id"]
        assert result.status == body["status"]
        if result.status == "PAUSED":
            assert result.is_paused
            hitl = getattr(result, "step_requirements", None) or getattr(result, "requirements", None)
            assert hitl, "a paused run carries what continue needs"
