"""POST /{agents,teams,workflows}/{id}/runs: validation, errors, output shape.

Only accepted runs are stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

from agentos_reference import SqliteDb

from .conftest import echo_of, ledger, trace_header

KINDS = ["agent", "team", "workflow"]
TITLES = {"agent": "Agent", "team": "Team", "workflow": "Workflow"}


async def run(client: httpx.AsyncClient, kind: str, probe: str, **form: str) -> httpx.Response:
    data = {"message": "hello", "stream": "false", **form}
    return await client.post(f"/{kind}s/probe-{kind}-{probe}/runs", data=data)


@pytest.mark.parametrize("kind", KINDS)
async def test_stream_false_answers_the_run_output_with_agentos_top_level_keys(
    client: httpx.AsyncClient, kind: str
) -> None:
    response = await run(client, kind, "echo", user_id="u-1", session_id="s-1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    output = response.json()
    assert {
        "run_id",
        "session_id",
        "user_id",
        f"{kind}_id",
        "content",
        "status",
        "created_at",
        "metrics",
    } <= set(output)
    assert output[f"{kind}_id"] == f"probe-{kind}-echo"
    assert (output["status"], output["user_id"], output["session_id"]) == ("COMPLETED", "u-1", "s-1")
    if kind == "workflow":
        assert {"step_results", "input", "metadata"} <= set(output)
    else:
        assert {"model", "model_provider", "messages", "tools", "input"} <= set(output)
        assert output["input"] == {"input_content": "hello"}
    assert echo_of(output)["message"] == "hello"


@pytest.mark.parametrize("kind", KINDS)
async def test_the_factory_runs_per_request_and_sees_the_validated_input(
    client: httpx.AsyncClient, kind: str
) -> None:
    first = echo_of((await run(client, kind, "required", factory_input='{"tenant": "a", "extra": 1}')).json())
    second = echo_of(
        (await run(client, kind, "required", factory_input='{"tenant": "b", "depth": "7"}')).json()
    )
    assert first["ctx"]["input"] == {"tenant": "a", "depth": 1}
    assert second["ctx"]["input"] == {"tenant": "b", "depth": 7}
    assert first["ctx"]["input_type"] == "model"
    assert first["ctx"]["input_model"] == "ProbeRequiredInput"


@pytest.mark.parametrize("kind", KINDS)
async def test_async_factories_are_awaited(client: httpx.AsyncClient, kind: str) -> None:
    response = await run(client, kind, "echo-async", factory_input='{"k": [1, 2]}')
    assert response.status_code == 200
    assert echo_of(response.json())["ctx"]["input"] == {"k": [1, 2]}


@pytest.mark.parametrize(
    ("factory_input", "expected_input", "expected_type"),
    [
        (None, None, "none"),
        ("", None, "none"),
        ("{}", {}, "dict"),
        ('{"a": {"b": [1, null, true]}}', {"a": {"b": [1, None, True]}}, "dict"),
        ('{"a": 1, "a": 2}', {"a": 2}, "dict"),
    ],
)
async def test_without_a_schema_ctx_input_is_the_parsed_object_or_none(
    client: httpx.AsyncClient, factory_input: str | None, expected_input: Any, expected_type: str
) -> None:
    form = {} if factory_input is None else {"factory_input": factory_input}
    ctx = echo_of((await run(client, "agent", "echo", **form)).json())["ctx"]
    assert (ctx["input"], ctx["input_type"]) == (expected_input, expected_type)


@pytest.mark.parametrize("kind", KINDS)
async def test_omitted_input_is_validated_as_empty_object(client: httpx.AsyncClient, kind: str) -> None:
    defaults = await run(client, kind, "defaults")
    assert defaults.status_code == 200
    assert echo_of(defaults.json())["ctx"]["input"] == {"persona": "analyst", "depth": 3}
    required = await run(client, kind, "required")
    assert required.status_code == 400
    assert required.json()["detail"].startswith("factory_input validation failed")


@pytest.mark.parametrize(
    ("factory_input", "detail_start"),
    [
        ("{bad", "factory_input must be valid JSON"),
        ("   ", "factory_input must be valid JSON"),
        ("[1, 2]", "factory_input must be a JSON object, got list"),
        ('"hello"', "factory_input must be a JSON object, got str"),
        ("5", "factory_input must be a JSON object, got int"),
        ("null", "factory_input must be a JSON object, got NoneType"),
        ("true", "factory_input must be a JSON object, got bool"),
        ('{"tenant": 5}', "factory_input validation failed"),
        ('{"depth": 2}', "factory_input validation failed"),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
async def test_bad_factory_input_is_400_before_the_factory_runs(
    client: httpx.AsyncClient, kind: str, factory_input: str, detail_start: str
) -> None:
    trace, headers = trace_header()
    response = await client.post(
        f"/{kind}s/probe-{kind}-required/runs",
        data={"message": "m", "stream": "false", "factory_input": factory_input},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail_start)
    assert await ledger(client, trace) == []


async def test_non_object_input_is_400_without_a_schema_too(client: httpx.AsyncClient) -> None:
    trace, headers = trace_header()
    response = await client.post(
        "/agents/probe-agent-echo/runs", data={"message": "m", "factory_input": "[1]"}, headers=headers
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "factory_input must be a JSON object, got list"},
    )
    assert await ledger(client, trace) == []


@pytest.mark.parametrize("kind", KINDS)
async def test_validation_comes_before_the_permission_check(client: httpx.AsyncClient, kind: str) -> None:
    assert (await run(client, kind, "scope-required", factory_input="{}")).status_code == 400
    assert (await run(client, kind, "scope-required", factory_input='{"tenant": "t"}')).status_code == 403


@pytest.mark.parametrize("kind", KINDS)
async def test_factory_permission_error_is_403_with_its_text(client: httpx.AsyncClient, kind: str) -> None:
    response = await run(client, kind, "scope")
    scope = {"agent": "agents:run", "team": "teams:run", "workflow": "workflows:run"}[kind]
    assert (response.status_code, response.json()) == (403, {"detail": f"Missing '{scope}' scope"})


@pytest.mark.parametrize("probe", ["crash", "factory-error", "wrong-type"])
@pytest.mark.parametrize("kind", KINDS)
async def test_factory_failures_are_500_without_the_exception_text(
    client: httpx.AsyncClient, kind: str, probe: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="agentos_reference"):
        response = await run(client, kind, probe)
    assert (response.status_code, response.json()) == (500, {"detail": f"{TITLES[kind]} factory error"})
    assert "secret" not in response.text
    assert any(record.levelno == logging.ERROR for record in caplog.records), (
        "the failure is logged server-side"
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", ["true", None])
async def test_errors_are_json_even_when_streaming_was_asked_for(
    client: httpx.AsyncClient, kind: str, stream: str | None
) -> None:
    cases = {"required": 400, "scope": 403, "crash": 500}
    for probe, status in cases.items():
        data = {"message": "m"} if stream is None else {"message": "m", "stream": stream}
        response = await client.post(f"/{kind}s/probe-{kind}-{probe}/runs", data=data)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("kind", KINDS)
async def test_unknown_ids_are_404_with_agentos_detail(client: httpx.AsyncClient, kind: str) -> None:
    for path in (f"/{kind}s/nope/runs", f"/{kind}s/PROBE-{kind.upper()}-ECHO/runs"):
        response = await client.post(path, data={"message": "m", "stream": "false"})
        assert (response.status_code, response.json()) == (404, {"detail": f"{TITLES[kind]} not found"})


@pytest.mark.parametrize("kind", KINDS)
async def test_the_produced_id_is_forced_to_the_factory_id(
    client: httpx.AsyncClient, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentos_reference"):
        response = await run(client, kind, "id-mismatch")
    assert response.status_code == 200
    assert response.json()[f"{kind}_id"] == f"probe-{kind}-id-mismatch"
    assert any("probe-produced-other-id" in record.getMessage() for record in caplog.records)


async def test_a_prototype_runs_beside_factories_and_ignores_factory_input(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/agents/probe-agent-prototype/runs",
        data={"message": "hi", "stream": "false", "factory_input": "{bad"},
    )
    assert response.status_code == 200
    assert echo_of(response.json()) == {
        "agentos_contract_probe": 1,
        "probe": "probe-agent-prototype",
        "kind": "agent",
        "message": "hi",
        "ctx": None,
    }


async def test_a_missing_message_or_a_bad_stream_flag_is_a_422_list(client: httpx.AsyncClient) -> None:
    missing = await client.post("/agents/probe-agent-echo/runs", data={"stream": "false"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "message"]
    bogus = await client.post("/agents/probe-agent-echo/runs", data={"message": "m", "stream": "bogus"})
    assert bogus.status_code == 422
    assert bogus.json()["detail"][0]["type"] == "bool_parsing"
    as_json = await client.post("/agents/probe-agent-echo/runs", json={"message": "m"})
    assert as_json.status_code == 422


@pytest.mark.parametrize("false_value", ["false", "False", "0", "no", "off"])
async def test_stream_accepts_the_usual_false_spellings(client: httpx.AsyncClient, false_value: str) -> None:
    response = await client.post(
        "/agents/probe-agent-echo/runs", data={"message": "m", "stream": false_value}
    )
    assert response.headers["content-type"] == "application/json"


async def test_multipart_and_urlencoded_forms_both_work(client: httpx.AsyncClient) -> None:
    fields = {"message": "hi", "stream": "false", "factory_input": '{"tenant": "m"}'}
    multipart = await client.post(
        "/agents/probe-agent-required/runs", files={name: (None, value) for name, value in fields.items()}
    )
    urlencoded = await client.post("/agents/probe-agent-required/runs", data=fields)
    assert multipart.status_code == urlencoded.status_code == 200
    assert echo_of(multipart.json())["ctx"]["input"] == echo_of(urlencoded.json())["ctx"]["input"]


async def test_unknown_form_fields_are_ignored(client: httpx.AsyncClient) -> None:
    response = await run(
        client, "agent", "echo", surprise="yes", claims='{"role": "admin"}', scopes="agents:run"
    )
    assert response.status_code == 200
    ctx = echo_of(response.json())["ctx"]
    assert ctx["claims"] == {}
    assert ctx["scopes"] == []


async def test_repeated_form_fields_use_the_last_value(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/agents/probe-agent-echo/runs",
        content=b"message=m&stream=false&user_id=first&user_id=last",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert echo_of(response.json())["ctx"]["user_id"] == "last"


@pytest.mark.parametrize(
    ("kind", "probe", "form"),
    [
        ("agent", "required", {"factory_input": "{bad"}),
        ("team", "required", {"factory_input": "[]"}),
        ("workflow", "required", {}),
        ("agent", "scope", {}),
        ("workflow", "crash", {}),
        ("team", "wrong-type", {}),
    ],
)
async def test_a_rejected_request_stores_nothing(
    client: httpx.AsyncClient, db: SqliteDb, kind: str, probe: str, form: dict[str, str]
) -> None:
    before = await db.count_rows()
    response = await run(client, kind, probe, session_id="rejected-session", **form)
    assert response.status_code in (400, 403, 500)
    assert await db.count_rows() == before
    missing_message = await client.post(f"/{kind}s/probe-{kind}-echo/runs", data={"session_id": "x"})
    assert missing_message.status_code == 422
    assert await db.count_rows() == before


async def test_an_accepted_run_is_stored_with_its_session(client: httpx.AsyncClient, db: SqliteDb) -> None:
    output = (await run(client, "agent", "echo", session_id="kept")).json()
    record = await db.get_run("agent", "probe-agent-echo", output["run_id"])
    assert record is not None
    assert (record.session_id, record.status, record.output["content"]) == (
        "kept",
        "COMPLETED",
        output["content"],
    )
    assert await db.session_exists("agent", "probe-agent-echo", "kept")


async def test_factory_runs_keep_their_events_on_the_stored_output(
    client: httpx.AsyncClient, db: SqliteDb
) -> None:
    factory_run = (await run(client, "agent", "echo")).json()
    prototype_run = (
        await client.post("/agents/probe-agent-prototype/runs", data={"message": "m", "stream": "false"})
    ).json()
    assert "events" not in factory_run, "the POST answer stays lean"
    stored = await db.get_run("agent", "probe-agent-echo", factory_run["run_id"])
    assert stored is not None
    assert stored.output["events"][0]["event"] == "RunStarted"
    assert stored.output["events"][-1]["event"] == "RunCompleted"
    stored_prototype = await db.get_run("agent", "probe-agent-prototype", prototype_run["run_id"])
    assert stored_prototype is not None
    assert "events" not in stored_prototype.output


async def test_session_id_is_generated_for_the_run_but_ctx_session_id_stays_none(
    client: httpx.AsyncClient,
) -> None:
    output = (await run(client, "agent", "echo")).json()
    assert len(output["session_id"]) == 36
    assert echo_of(output)["ctx"]["session_id"] is None


async def test_background_runs_answer_202_and_finish_on_their_own(
    client: httpx.AsyncClient, db: SqliteDb
) -> None:
    response = await run(client, "agent", "echo", background="true")
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "PENDING"
    assert set(accepted) == {"run_id", "session_id", "status"}
    for _ in range(100):
        record = await db.get_run("agent", "probe-agent-echo", accepted["run_id"])
        if record is not None and record.status == "COMPLETED":
            break
        await asyncio.sleep(0.01)
    assert record is not None
    assert record.status == "COMPLETED"
    assert json.loads(record.output["content"])["probe"] == "probe-agent-echo"
