"""The stub (``profile="agno"``, with probes) replays the real agno 3.1.10 captures of
``tests/fixtures/agno_wire`` and answers with the same shapes: status, content type, the keys of
every JSON object (and of every listed entry), error details, and the SSE event sequence with each
event's keys. Values that only a real model or database produces (ids, times, token counts) are
not compared; where a run needs an earlier run (continue, run reads), that run is replayed first.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from agentos_stubs import StubDeployment

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "agno_wire"
SECRET = "agno-wire-replay-secret-0123456789abcdef"
CONFIRMATION = {"agents": "tools", "teams": "requirements", "workflows": "step_requirements"}
# The capture that creates the run each of these continues or reads.
PRECEDING = {
    "agent_continue": "agent_paused",
    "agent_continue_stream": "agent_paused",
    "team_continue": "team_paused",
    "team_continue_stream": "team_paused",
    "workflow_continue": "workflow_paused",
    "workflow_continue_stream": "workflow_paused",
    "workflow_get_run": "workflow_run_for_reads",
    "workflow_list_runs": "workflow_run_for_reads",
}
# Only a real model and database fill these; their absence says nothing about the wire format.
MODEL_ONLY_KEYS = {"time_to_first_token", "cache_read_tokens", "cache_write_tokens"}


def _captures() -> Iterator[str]:
    index = json.loads((WIRE / "index.json").read_text(encoding="utf-8"))
    for capture in index["captures"]:
        if capture["kind"] == "http":
            yield capture["name"]


def _load(name: str) -> dict[str, Any]:
    document = json.loads((WIRE / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _verify(token: str) -> dict[str, Any]:
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert isinstance(claims, dict)
    return claims


@pytest.fixture
def stub() -> StubDeployment:
    deployment = StubDeployment(profile="agno").with_probes()
    deployment.prototype_agent("proto-agent")
    return deployment


def _send(stub: StubDeployment, capture: dict[str, Any], path: str, form: dict[str, str]) -> httpx.Response:
    request = capture["request"]
    headers = dict(request["headers"])
    if capture["auth"] == "jwt":
        stub.verify_token = _verify
        if request["authorization"] is not None:
            headers["Authorization"] = request["authorization"]
        elif request.get("token_claims") is not None:
            claims = {**request["token_claims"], "exp": int(time.time()) + 600}
            headers["Authorization"] = f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"
    else:
        stub.identity = None
    with httpx.Client(transport=stub.transport(), base_url=stub.base_url) as client:
        response = client.request(
            request["method"], path, params=request["query"] or None, data=form, headers=headers
        )
        response.read()
        return response


def _confirmed(collection: str, paused: dict[str, Any]) -> str:
    items = paused[CONFIRMATION[collection]]
    if collection == "teams":
        return json.dumps(
            [{**i, "tool_execution": {**i["tool_execution"], "confirmed": True}} for i in items]
        )
    return json.dumps([{**item, "confirmed": True} for item in items])


def _replay(stub: StubDeployment, name: str) -> httpx.Response:
    capture = _load(name)
    request = capture["request"]
    path: str = request["path"]
    form: dict[str, str] = dict(request["form"])
    before = PRECEDING.get(name)
    if before is not None:
        earlier = _replay(stub, before).json()
        path = re.sub(r"/runs/[^/]+", f"/runs/{earlier['run_id']}", path)
        if "session_id" in form:
            form["session_id"] = earlier["session_id"]
        collection = path.split("/")[1]
        if CONFIRMATION[collection] in form:
            form[CONFIRMATION[collection]] = _confirmed(collection, earlier)
        if request["query"].get("session_id"):
            request["query"] = {**request["query"], "session_id": earlier["session_id"]}
    return _send(stub, capture, path, form)


def _keys(value: Any) -> set[str]:
    assert isinstance(value, dict), value
    return set(value) - MODEL_ONLY_KEYS


def _frames(text: str) -> list[tuple[str, dict[str, Any]]]:
    frames = []
    for block in text.strip("\n").split("\n\n"):
        event_line, data_line = block.split("\n")
        frames.append((event_line.removeprefix("event: "), json.loads(data_line.removeprefix("data: "))))
    return frames


def _collapsed(names: list[str]) -> list[str]:
    """Content deltas repeat as often as the model streams: compare runs of them as one."""
    out: list[str] = []
    for name in names:
        if not (out and out[-1] == name and name.endswith("RunContent")):
            out.append(name)
    return out


@pytest.mark.parametrize("name", list(_captures()))
def test_the_stub_answers_with_agnos_shapes(name: str, stub: StubDeployment) -> None:
    expected = _load(name)["response"]
    response = _replay(stub, name)
    assert response.status_code == expected["status"], response.text
    media = response.headers["content-type"].split(";")[0]
    assert media == expected["content_type"].split(";")[0]
    if "text_file" in expected:
        real = _frames((WIRE / expected["text_file"]).read_text(encoding="utf-8"))
        ours = _frames(response.text)
        assert _collapsed([n for n, _ in ours]) == _collapsed([n for n, _ in real])
        real_keys = {n: _keys(data) for n, data in real}
        for event, data in ours:
            assert _keys(data) == real_keys[event], event
        return
    body, real_body = response.json(), expected["json"]
    if isinstance(real_body, list):
        real_entries = {entry.get("id") or entry.get("run_id"): entry for entry in real_body}
        our_entries = {entry.get("id") or entry.get("run_id"): entry for entry in body}
        if real_body and "run_id" in real_body[0]:
            real_entries, our_entries = dict(enumerate(real_body)), dict(enumerate(body))
        assert set(our_entries) == set(real_entries)
        for key, entry in our_entries.items():
            assert _keys(entry) == _keys(real_entries[key]), key
        return
    assert _keys(body) == _keys(real_body)
    if response.status_code >= 400 and name != "error_401_expired":
        assert body == real_body
