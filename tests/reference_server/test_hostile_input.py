"""Bad input never yields a traceback or a 500, nor a silent success: each gets a clear, typed error."""

from __future__ import annotations

import asyncio
import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from agentos_reference import Limits, ReferenceOS, SqliteDb

from .conftest import client_for, echo_of, ledger, trace_header

ECHO = "/agents/probe-agent-echo/runs"


async def post_raw(client: httpx.AsyncClient, path: str, body: bytes, content_type: str) -> httpx.Response:
    return await client.post(path, content=body, headers={"content-type": content_type})


# -- malformed multipart -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b'--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi',
            "multipart/form-data; boundary=b",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n--b',
            "multipart/form-data; boundary=b",
        ),
        (b"--b\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--b--\r\n", "multipart/form-data; boundary=b"),
        (
            b'--b\r\nContent-Disposition: attachment; name="m"\r\n\r\nhi\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"garbage without any boundary", "multipart/form-data; boundary=b"),
        (b"--b\r\n\r\n\r\n--b--", "multipart/form-data; boundary=b"),
        (b"message=hi", "multipart/form-data"),
        (b"--" + b"x" * 100 + b"\r\n", "multipart/form-data; boundary=" + "x" * 100),
    ],
)
async def test_malformed_multipart_is_400(client: httpx.AsyncClient, body: bytes, content_type: str) -> None:
    response = await post_raw(client, ECHO, body, content_type)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Malformed multipart body")


async def test_a_file_where_text_belongs_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ECHO,
        files={
            "message": ("m.txt", b"hi", "text/plain"),
            "factory_input": ("f.json", b"{}", "application/json"),
        },
    )
    assert response.status_code == 422
    assert {error["loc"][1] for error in response.json()["detail"]} == {"message", "factory_input"}


async def test_too_many_form_fields_is_400(client: httpx.AsyncClient) -> None:
    fields = "&".join(f"f{index}=x" for index in range(100))
    response = await post_raw(
        client, ECHO, f"message=m&{fields}".encode(), "application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Too many form fields" in response.json()["detail"]


# -- invalid UTF-8 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"message=caf\xe9&stream=false", "application/x-www-form-urlencoded"),
        (b"message=caf%E9&stream=false", "application/x-www-form-urlencoded"),
        (b"message=m&factory_input=%7B%22a%22%3A%22%FF%22%7D", "application/x-www-form-urlencoded"),
        (
            b'--b\r\nContent-Disposition: form-data; name="message"\r\n\r\ncaf\xe9\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="m\xffessage"\r\n\r\nhi\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
    ],
)
async def test_invalid_utf8_is_400_not_mojibake(
    client: httpx.AsyncClient, body: bytes, content_type: str
) -> None:
    response = await post_raw(client, ECHO, body, content_type)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize("query", [b"factory_input=%7B%22a%22%3A%22%FF%22%7D", b"session_id=caf%E9"])
async def test_invalid_utf8_in_a_query_is_400(client: httpx.AsyncClient, query: bytes) -> None:
    request = client.build_request("GET", "/workflows/probe-workflow-echo/runs")
    request.url = request.url.copy_with(query=query)
    response = await client.send(request)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


async def test_valid_utf8_survives_both_encodings(client: httpx.AsyncClient) -> None:
    text = "café ☕ 𝄞"
    multipart = await client.post(ECHO, files={"message": (None, text), "stream": (None, "false")})
    urlencoded = await client.post(ECHO, data={"message": text, "stream": "false"})
    assert echo_of(multipart.json())["message"] == text
    assert echo_of(urlencoded.json())["message"] == text


# -- ids with path tricks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/agents/..%2F..%2Fetc%2Fpasswd/runs",
        "/agents/%2e%2e/runs",
        "/agents/probe-agent-echo%00/runs",
        "/agents/' OR 1=1 --/runs",
        "/agents/" + "a" * 5000 + "/runs",
        "/agents/%F0%9F%98%80/runs",
        "/agents/%ff%fe/runs",
    ],
)
async def test_ids_with_path_tricks_are_plain_404s(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, data={"message": "m", "stream": "false"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("run_id", ["..%2F..", "' OR '1'='1", "%00", "r" * 5000, "%E2%80%AE"])
async def test_run_ids_with_path_tricks_find_nothing(client: httpx.AsyncClient, run_id: str) -> None:
    continued = await client.post(
        f"/agents/probe-agent-echo/runs/{run_id}/continue", data={"stream": "false"}
    )
    read = await client.get(f"/workflows/probe-workflow-echo/runs/{run_id}")
    cancelled = await client.post(f"/teams/probe-team-echo/runs/{run_id}/cancel")
    assert continued.status_code == 404
    assert read.status_code == 404
    # A decoded "/" leaves no route to match (a plain 404); otherwise cancel records the intent as usual.
    assert cancelled.status_code == (404 if "%2F" in run_id else 200)
    for response in (continued, read, cancelled):
        assert response.headers["content-type"] == "application/json"


# -- oversized input ---------------------------------------------------------------------------------


@pytest.fixture
def small_app(tmp_path: Path) -> Iterator[FastAPI]:
    db = SqliteDb(tmp_path / "small.sqlite3")
    limits = Limits(
        max_body_bytes=4096, max_message_bytes=1024, max_factory_input_bytes=256, max_json_depth=8
    )
    yield ReferenceOS(db=db, with_probes=True, limits=limits).get_app()
    db.close()


async def test_oversized_fields_and_bodies_are_413(small_app: FastAPI) -> None:
    async with client_for(small_app) as client:
        big_input = await client.post(
            ECHO, data={"message": "m", "factory_input": json.dumps({"k": "x" * 300})}
        )
        big_message = await client.post(ECHO, data={"message": "é" * 600})
        big_body = await client.post(ECHO, data={"message": "m", "pad": "x" * 5000})
        big_query = await client.get(
            "/workflows/probe-workflow-echo/runs", params={"factory_input": json.dumps({"k": "x" * 300})}
        )
    for response in (big_input, big_message, big_body, big_query):
        assert response.status_code == 413
        assert set(response.json()) == {"detail"}


async def test_a_body_over_the_cap_is_refused_without_reading_it_all(small_app: FastAPI) -> None:
    chunks_read = 0

    async def endless() -> Any:
        nonlocal chunks_read
        while True:
            chunks_read += 1
            yield b"x" * 1024

    async with client_for(small_app) as client:
        streamed = await client.post(
            ECHO, content=endless(), headers={"content-type": "application/x-www-form-urlencoded"}
        )
        declared = await client.post(
            ECHO,
            content=b"message=m",
            headers={"content-type": "application/x-www-form-urlencoded", "content-length": "999999"},
        )
    assert streamed.status_code == 413
    assert chunks_read <= 6, "reading stopped just past the cap"
    assert declared.status_code == 413


async def test_a_bad_content_length_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ECHO,
        content=b"message=m",
        headers={"content-type": "application/x-www-form-urlencoded", "content-length": "-1"},
    )
    assert response.status_code == 400


# -- hostile JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory_input", "detail_part"),
    [
        ('{"a": NaN}', "NaN is not a JSON value"),
        ('{"a": Infinity}', "Infinity is not a JSON value"),
        ('{"a": -Infinity}', "-Infinity is not a JSON value"),
        # Python reads these as infinity: not a JSON value either.
        ('{"a": 1e400}', "the number 1e400 is too large"),
        ('{"a": [{"b": -1E+999}]}', "the number -1E+999 is too large"),
        ('{"a": 1' + "0" * 400 + ".5}", "is too large to represent"),
        ('{"a": "\\ud800"}', "lone surrogate"),
        ('{"\\udfff": 1}', "lone surrogate"),
        ('{"a": ' * 70 + "1" + "}" * 70, "deeper than 64 levels"),
        ("[" * 60000, "deeper than 64 levels"),
        ('{"a": [' + "[" * 64 + "]" * 64 + "]}", "deeper than 64 levels"),
    ],
)
async def test_non_json_values_and_deep_nesting_are_400_before_the_factory(
    client: httpx.AsyncClient, factory_input: str, detail_part: str
) -> None:
    trace, headers = trace_header()
    response = await client.post(ECHO, data={"message": "m", "factory_input": factory_input}, headers=headers)
    assert response.status_code == 400
    assert detail_part in response.json()["detail"]
    assert await ledger(client, trace) == []


async def test_finite_numbers_at_the_edges_are_accepted_as_read(client: httpx.AsyncClient) -> None:
    # The largest double, an underflow (a finite zero) and an integer no double holds (Python keeps it exact).
    literal = '{"largest": 1.7976931348623157e308, "tiny": 1e-400, "huge": 1' + "0" * 400 + "}"
    response = await client.post(ECHO, data={"message": "m", "stream": "false", "factory_input": literal})
    assert response.status_code == 200, response.text
    assert echo_of(response.json())["ctx"]["input"] == {
        "largest": 1.7976931348623157e308,
        "tiny": 0.0,
        "huge": 10**400,
    }


async def test_a_number_that_overflows_is_400_in_the_factory_input_query(client: httpx.AsyncClient) -> None:
    trace, headers = trace_header()
    for path in ("/workflows/probe-workflow-echo/runs", "/workflows/probe-workflow-echo/runs/r"):
        response = await client.get(path, params={"factory_input": '{"a": 1e400}'}, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert "too large to represent" in response.json()["detail"]
    assert await ledger(client, trace) == []


async def test_nesting_up_to_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    nested: Any = 1
    for _ in range(63):
        nested = {"a": nested}
    response = await client.post(
        ECHO, data={"message": "m", "stream": "false", "factory_input": json.dumps(nested)}
    )
    assert response.status_code == 200
    assert echo_of(response.json())["ctx"]["input"] == nested


async def test_hostile_json_in_continue_fields_is_400(client: httpx.AsyncClient) -> None:
    for field, value in (
        ("tools", "[" * 5000),
        ("requirements", '[{"a": NaN}]'),
        ("tools", '[{"tool_call_id": "c", "confirmed": true, "weight": 1e400}]'),
        ("tools", '{"not": "a list"}'),
    ):
        response = await client.post("/agents/probe-agent-pause/runs/x/continue", data={field: value})
        assert response.status_code == 400, (field, value)


# -- properties (Hypothesis) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = SqliteDb(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3")
    yield ReferenceOS(db=db, with_probes=True).get_app()
    db.close()


def post_form(app: FastAPI, data: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        async with client_for(app) as client:
            return await client.post(ECHO, data=data)

    return asyncio.run(go())


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_has_non_finite(item) for item in value)
    if isinstance(value, dict):
        return any(_has_non_finite(item) for item in value.values())
    return False


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(value=JSON_VALUES)
def test_any_json_value_as_factory_input_is_200_exactly_when_it_is_a_finite_object(
    fuzz_app: FastAPI, value: Any
) -> None:
    response = post_form(fuzz_app, {"message": "m", "stream": "false", "factory_input": json.dumps(value)})
    if isinstance(value, dict) and not _has_non_finite(value):
        assert response.status_code == 200, response.text
        assert echo_of(response.json())["ctx"]["input"] == value
    else:
        assert response.status_code == 400, response.text


@given(text=st.text(max_size=60))
def test_any_text_as_factory_input_gets_an_answer_never_a_crash(fuzz_app: FastAPI, text: str) -> None:
    response = post_form(fuzz_app, {"message": "m", "stream": "false", "factory_input": text})
    assert response.status_code in (200, 400)
    assert response.headers["content-type"] == "application/json"


@given(body=st.binary(max_size=300), boundary=st.sampled_from(["b", "----x", "a" * 70]))
def test_any_multipart_body_is_answered_with_a_json_4xx_or_a_run(
    fuzz_app: FastAPI, body: bytes, boundary: str
) -> None:
    async def go() -> httpx.Response:
        async with client_for(fuzz_app) as client:
            return await client.post(
                ECHO, content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"}
            )

    response = asyncio.run(go())
    assert response.status_code in (200, 400, 422)
    assert response.headers["content-type"] in ("application/json", "text/event-stream; charset=utf-8")


START = '{"action": "start-workflow", "workflow_id": "probe-workflow-echo", '


@pytest.mark.parametrize(
    ("frame", "status"),
    [
        (START + '"message": "m", "factory_input": {"a": NaN}}', 400),
        (START + '"message": "m", "factory_input": {"a": 1e400}}', 400),
        (START + '"message": "m", "factory_input": "{\\"a\\": -1e400}"}', 400),
        (START + '"message": "\\ud800"}', 400),
        (START + '"message": "m", "factory_input": ' + '{"a": ' * 70 + "1" + "}" * 70 + "}", 400),
        ("[" * 60000, 400),
        (START + '"message": "' + "x" * 3000 + '"}', 413),
    ],
)
def test_hostile_websocket_frames_get_error_frames(small_app: FastAPI, frame: str, status: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    with TestClient(small_app) as client, client.websocket_connect("/workflows/ws") as ws:
        ws.receive_text()
        ws.send_text(frame)
        error = json.loads(ws.receive_text())
        assert (error["event"], error["status"]) == ("error", status)
        ws.send_text('{"action": "ping"}')
        assert json.loads(ws.receive_text()) == {"event": "pong"}
