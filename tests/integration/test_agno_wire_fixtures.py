"""The captured agno wire samples (tests/fixtures/agno_wire) are complete and still true.

Other tests (SDK, stubs) use the samples as ground truth, so this module checks
that every sample is well formed and that capturing again from the running
agno servers gives the same shapes: same statuses, content types, JSON keys and
value types, SSE event sequences and WebSocket frame sequences.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.agno_server import AgnoServer
from tests.integration.agno_wire import sse_events, sse_frame_events
from tests.integration.capture_agno_wire import AGNO_VERSION, FIXTURES, capture_all

pytestmark = [pytest.mark.agno, pytest.mark.loopback]


def load(folder: Path, file_name: str) -> Any:
    return json.loads((folder / file_name).read_text(encoding="utf-8"))


def skeleton(value: object) -> object:
    """``value`` with every leaf replaced by its JSON type: what a capture must keep."""
    if isinstance(value, dict):
        return {key: skeleton(item) for key, item in value.items()}
    if isinstance(value, list):
        return [skeleton(item) for item in value]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "str"


def decode_sse(text: str) -> list[tuple[str, object]]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, text=text)
    return [(event.event, event.json()) for event in sse_events(response)]


def decode_frame(text: str) -> object:
    if text.startswith("event:"):
        return [(event.event, event.json()) for event in sse_frame_events(text)]
    return json.loads(text)


def capture_shape(folder: Path, entry: dict[str, Any]) -> object:
    if entry["kind"] == "websocket":
        record = load(folder, entry["files"][0])
        return [(frame["direction"], skeleton(decode_frame(frame["text"]))) for frame in record["frames"]]
    record = load(folder, entry["files"][0])
    response = record["response"]
    shape: dict[str, object] = {
        "status": response["status"],
        "content_type": response["content_type"],
        "www_authenticate": response["www_authenticate"],
    }
    if "text_file" in response:
        events = decode_sse((folder / response["text_file"]).read_text(encoding="utf-8"))
        shape["events"] = [(name, skeleton(data)) for name, data in events]
    else:
        shape["json"] = skeleton(response["json"])
    return shape


def test_index_lists_every_fixture_file_exactly() -> None:
    index = load(FIXTURES, "index.json")
    assert index["agno_version"] == AGNO_VERSION
    listed = [file_name for entry in index["captures"] for file_name in entry["files"]]
    assert len(listed) == len(set(listed))
    on_disk = {path.name for path in FIXTURES.iterdir()} - {"index.json"}
    assert set(listed) == on_disk


def test_every_sample_is_well_formed() -> None:
    for entry in load(FIXTURES, "index.json")["captures"]:
        record = load(FIXTURES, entry["files"][0])
        assert (record["name"], record["agno_version"]) == (entry["name"], AGNO_VERSION)
        if entry["kind"] == "websocket":
            assert record["frames"], entry["name"]
            for frame in record["frames"]:
                assert frame["direction"] in {"sent", "received"}
                assert decode_frame(frame["text"]) is not None
            continue
        response = record["response"]
        if "text_file" in response:
            assert response["content_type"].startswith("text/event-stream")
            events = decode_sse((FIXTURES / response["text_file"]).read_text(encoding="utf-8"))
            assert events, entry["name"]
            # agno repeats each SSE event name inside its data object, except in the run output
            # it appends to a streamed workflow pause (docs/agno-compat.md).
            for name, data in events:
                assert isinstance(data, dict)
                assert data.get("event", "WorkflowRunOutput") == name, (entry["name"], name)
        else:
            assert response["content_type"].startswith("application/json")


def test_samples_cover_every_status_the_sdk_maps() -> None:
    statuses = {
        load(FIXTURES, entry["files"][0])["response"]["status"]
        for entry in load(FIXTURES, "index.json")["captures"]
        if entry["kind"] == "http"
    }
    assert {200, 202, 400, 401, 403, 404, 422, 500} <= statuses


def test_capturing_again_gives_the_same_shapes(
    agno_server_jwt: AgnoServer, agno_server_noauth: AgnoServer, tmp_path: Path
) -> None:
    fresh_index = capture_all(agno_server_jwt, agno_server_noauth, tmp_path)
    committed_index = load(FIXTURES, "index.json")["captures"]
    assert [entry["name"] for entry in fresh_index] == [entry["name"] for entry in committed_index]
    for fresh, committed in zip(fresh_index, committed_index, strict=True):
        assert capture_shape(tmp_path, fresh) == capture_shape(FIXTURES, committed), fresh["name"]
