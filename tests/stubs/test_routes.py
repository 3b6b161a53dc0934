"""Routes and wire shapes over plain httpx: the spec's exception table (403/500/404), request
validation (422), discovery, non-streaming run outputs and SSE frames in agno's format."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from agentos_stubs import (
    ComponentKind,
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    Profile,
    StubContext,
    StubDeployment,
)

from .conftest import BASE_URL, COLLECTION, KINDS, DefaultsInput, RequiredInput, run_path, sse_frames

RUN_FORM = {"message": "hi", "stream": "false"}


def _raising(exc: BaseException) -> Any:
    def reply(ctx: StubContext[Any], message: str) -> str:
        raise exc

    return reply


@pytest.fixture
def failing() -> StubDeployment:
    deployment = StubDeployment(BASE_URL)
    for kind in KINDS:
        scope = f"{COLLECTION[kind]}:run"
        failures: dict[str, BaseException] = {
            "denied": FactoryPermissionError(f"Missing '{scope}' scope"),
            "factory-error": FactoryError("secret-91c2"),
            "crash": RuntimeError("boom: secret-7f3a"),
            "key-error": KeyError("boom"),
            "invalid": FactoryValidationError("tenant is archived"),
        }
        for suffix, exc in failures.items():
            deployment.factory(kind, f"{kind}-{suffix}", reply=_raising(exc))

        def scope_checked(ctx: StubContext[Any], message: str, scope: str = scope) -> str:
            if scope not in ctx.trusted.scopes:
                raise FactoryPermissionError(f"Missing '{scope}' scope")
            return "allowed"

        deployment.factory(kind, f"{kind}-scope-required", reply=scope_checked, input_schema=RequiredInput)
    return deployment


@pytest.mark.parametrize("stream", ["false", "true"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("profile", ["spec", "agno"])
def test_the_exception_table(kind: str, stream: str, profile: Profile, failing: StubDeployment) -> None:
    failing.profile = profile
    title = kind.capitalize()
    # The spec profile keeps house rule H02 (a 500 never leaks str(exc)); agno 3.1.10 leaks it.
    leaked = profile == "agno"
    expected = {
        "denied": (403, f"Missing '{COLLECTION[kind]}:run' scope"),
        "factory-error": (500, f"{title} factory error"),
        "crash": (500, f"Error in {kind} factory: boom: secret-7f3a" if leaked else f"{title} factory error"),
        "key-error": (500, f"Error in {kind} factory: 'boom'" if leaked else f"{title} factory error"),
        "invalid": (400, "tenant is archived"),
    }
    with failing.mock(), httpx.Client(base_url=BASE_URL) as client:
        for suffix, (status, detail) in expected.items():
            response = client.post(
                run_path(kind, f"{kind}-{suffix}"), data={"message": "m", "stream": stream}
            )
            assert (response.status_code, response.json()) == (status, {"detail": detail}), suffix
            assert response.headers["content-type"] == "application/json"
    # Every one of them ran the factory, and the recorder kept what it raised.
    errors = [type(invocation.error) for invocation in failing.invocations]
    assert errors == [FactoryPermissionError, FactoryError, RuntimeError, KeyError, FactoryValidationError]


@pytest.mark.parametrize("kind", KINDS)
def test_validation_comes_before_the_permission_check(kind: str, failing: StubDeployment) -> None:
    with failing.mock(), httpx.Client(base_url=BASE_URL) as client:
        response = client.post(
            run_path(kind, f"{kind}-scope-required"), data={**RUN_FORM, "factory_input": "{}"}
        )
        assert response.status_code == 400
        assert failing.invocations == []
        response = client.post(
            run_path(kind, f"{kind}-scope-required"), data={**RUN_FORM, "factory_input": '{"tenant": "t"}'}
        )
        assert response.status_code == 403


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_components_are_404_on_every_route(kind: str, http: httpx.Client) -> None:
    detail = {"detail": f"{kind.capitalize()} not found"}
    base = f"/{COLLECTION[kind]}/nope"
    assert http.get(base).json() == detail
    assert http.post(f"{base}/runs", data=RUN_FORM).json() == detail
    assert http.post(f"{base}/runs/r-1/cancel").json() == detail
    continued = http.post(f"{base}/runs/r-1/continue", data={"session_id": "s", "stream": "false"})
    assert (continued.status_code, continued.json()) == (404, detail)
    # Ids are case-sensitive.
    assert http.post(run_path(kind, f"{kind.upper()}-PLAIN"), data=RUN_FORM).status_code == 404


def test_request_validation_is_fastapis_422(deployment: StubDeployment, http: httpx.Client) -> None:
    missing = http.post(run_path("agent", "agent-plain"), data={"stream": "false"})
    assert missing.status_code == 422
    assert missing.json() == {
        "detail": [{"type": "missing", "loc": ["body", "message"], "msg": "Field required", "input": None}]
    }
    # A JSON body carries no form fields at all.
    assert http.post(run_path("agent", "agent-plain"), json={"message": "hi"}).json() == missing.json()
    # An empty form value counts as omitted.
    assert http.post(run_path("agent", "agent-plain"), data={"message": ""}).status_code == 422
    bogus = http.post(run_path("team", "team-plain"), data={"message": "hi", "stream": "bogus"})
    assert bogus.status_code == 422
    [error] = bogus.json()["detail"]
    assert (error["type"], error["loc"], error["input"]) == ("bool_parsing", ["body", "stream"], "bogus")
    # 422 comes before 404, as FastAPI validates before the route body runs.
    assert http.post("/agents/nope/runs", data={}).status_code == 422
    assert deployment.invocations == []


@pytest.mark.parametrize("value", ["False", "0", "no", "off", "f", "N"])
def test_stream_accepts_pydantics_false_spellings(value: str, http: httpx.Client) -> None:
    response = http.post(run_path("agent", "agent-plain"), data={"message": "hi", "stream": value})
    assert response.headers["content-type"] == "application/json"


def test_unknown_paths_and_methods(http: httpx.Client) -> None:
    assert (http.get("/nothing/here").status_code, http.get("/nothing/here").json()) == (
        404,
        {"detail": "Not Found"},
    )
    wrong = http.get("/agents/agent-plain/runs/r-1/cancel")
    assert (wrong.status_code, wrong.json()) == (405, {"detail": "Method Not Allowed"})
    assert http.delete("/agents/agent-plain").status_code == 405


def test_a_trailing_slash_reaches_the_same_route(http: httpx.Client) -> None:
    assert http.post(run_path("agent", "agent-plain") + "/", data=RUN_FORM).status_code == 200


def test_health(http: httpx.Client) -> None:
    body = http.get("/health").json()
    assert body["status"] == "ok"
    assert body["instantiated_at"].endswith("Z")


# --- discovery -------------------------------------------------------------------------------------


def test_discovery_lists_factories_as_agno_does(deployment: StubDeployment, http: httpx.Client) -> None:
    agents = {entry["id"]: entry for entry in http.get("/agents").json()}
    assert set(agents) == {"agent-plain", "agent-required", "agent-defaults", "agent-pause", "proto"}
    assert agents["agent-plain"] == {
        "id": "agent-plain",
        "name": "agent-plain",
        "db_id": "agentos-stub-db",
        "filesystem": False,
        "is_factory": True,
        "is_component": False,
        "sandboxed": False,
    }
    schema = RequiredInput.model_json_schema()
    assert agents["agent-required"]["input_schema"] == schema
    assert agents["agent-required"]["factory_input_schema"] == schema
    assert agents["agent-defaults"]["description"] == "defaults"
    assert agents["proto"]["is_factory"] is False
    assert agents["proto"]["model"]["model"] == "agentos-stub-model"
    workflow = http.get("/workflows/workflow-defaults").json()
    assert workflow["factory_input_schema"] == DefaultsInput.model_json_schema()
    assert workflow["workflow_agent"] is False
    assert "filesystem" not in workflow
    assert [entry["id"] for entry in http.get("/teams").json()] == [
        "team-plain",
        "team-required",
        "team-defaults",
        "team-pause",
    ]
    # Discovery never invokes a factory.
    assert deployment.invocations == []


# --- run outputs -----------------------------------------------------------------------------------

# The top-level keys of agno 3.1.10's non-streaming outputs (captured from a real AgentOS).
AGNO_KEYS = {
    "agent": {
        "run_id", "agent_id", "agent_name", "session_id", "user_id", "content", "content_type", "model",
        "model_provider", "session_state", "created_at", "status", "metrics", "messages", "tools", "input",
    },
    "team": {
        "run_id", "team_id", "team_name", "session_id", "user_id", "content", "content_type", "model",
        "model_provider", "created_at", "metrics", "status", "messages", "member_responses",
        "tools", "input",
    },
    "workflow": {
        "input", "content", "content_type", "workflow_id", "workflow_name", "run_id", "session_id", "user_id",
        "created_at", "status", "metadata", "images", "videos", "audio", "files", "step_results", "metrics",
    },
}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_run_outputs_have_agnos_keys(kind: str, http: httpx.Client) -> None:
    response = http.post(
        run_path(kind, f"{kind}-plain"), data={**RUN_FORM, "user_id": "u", "session_id": "s"}
    )
    body = response.json()
    assert set(body) == AGNO_KEYS[kind]
    assert body[f"{kind}_id"] == f"{kind}-plain"
    assert (body["status"], body["content_type"], body["session_id"], body["user_id"]) == (
        "COMPLETED",
        "str",
        "s",
        "u",
    )
    if kind == "workflow":
        assert body["input"] == "hi"
        assert body["step_results"][0]["content"] == body["content"]
    else:
        assert body["input"] == {"input_content": "hi"}
        assert [message["role"] for message in body["messages"]] == ["user", "assistant"]


def test_reply_values_set_content_and_content_type() -> None:
    deployment = StubDeployment("http://other.test")
    deployment.agent_factory("model", reply=lambda ctx, message: RequiredInput(tenant=message))
    deployment.agent_factory("mapping", reply=lambda ctx, message: {"answer": message})
    deployment.agent_factory("array", reply=lambda ctx, message: [message, 1])
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        bodies = [
            client.post(run_path("agent", name), data=RUN_FORM).json()
            for name in ("model", "mapping", "array")
        ]
    assert [(body["content"], body["content_type"]) for body in bodies] == [
        ({"tenant": "hi", "depth": 1}, "RequiredInput"),
        ({"answer": "hi"}, "dict"),
        (["hi", 1], "list"),
    ]


def test_the_default_reply_is_the_message() -> None:
    deployment = StubDeployment()
    deployment.team_factory("t").prototype_agent("p")
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        assert client.post("/teams/t/runs", data=RUN_FORM).json()["content"] == "hi"
        assert client.post("/agents/p/runs", data=RUN_FORM).json()["content"] == "hi"


def test_a_prototype_ignores_factory_input_and_gets_no_context(
    deployment: StubDeployment, http: httpx.Client
) -> None:
    response = http.post(run_path("agent", "proto"), data={**RUN_FORM, "factory_input": "{bad"})
    assert response.json()["content"] == "proto says hi"
    [invocation] = deployment.invocations
    assert invocation.context is None


# --- SSE -------------------------------------------------------------------------------------------

EXPECTED_EVENTS = {
    "agent": ["RunStarted", "ModelRequestStarted", "RunContent", "RunContent", "RunContent",
              "ModelRequestCompleted", "RunContentCompleted", "RunCompleted"],
    "team": ["TeamRunStarted", "TeamModelRequestStarted", "TeamRunContent", "TeamRunContent",
             "TeamRunContent", "TeamModelRequestCompleted", "TeamRunContentCompleted", "TeamRunCompleted"],
    "workflow": ["WorkflowStarted", "StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"],
}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream_field", [{"stream": "true"}, {}])
def test_sse_frames_are_agnos(kind: ComponentKind, stream_field: dict[str, str]) -> None:
    deployment = StubDeployment()
    deployment.factory(kind, "c", reply=lambda ctx, message: "three word reply")
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        response = client.post(run_path(kind, "c"), data={"message": "hi", "user_id": "u", **stream_field})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    frames = sse_frames(response.text)
    assert [name for name, _ in frames] == EXPECTED_EVENTS[kind]
    run_ids = {data["run_id"] for _, data in frames}
    sessions = {data["session_id"] for _, data in frames}
    assert len(run_ids) == len(sessions) == 1
    for name, data in frames:
        assert data["event"] == name
        assert "user_id" not in data  # agno's events carry no user (wire notes 6)
        assert data[f"{kind}_id"] == "c"
    content_events = [data["content"] for name, data in frames if name.endswith("RunContent")]
    if kind != "workflow":
        assert "".join(content_events) == "three word reply"
    assert frames[-1][1]["content"] == "three word reply"


def test_sse_data_is_one_line_of_compact_json() -> None:
    deployment = StubDeployment()
    deployment.agent_factory("a", reply=lambda ctx, message: "line one\nline two")
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        text = client.post("/agents/a/runs", data={"message": "hi"}).text
    for block in text.strip("\n").split("\n\n"):
        data_line = block.split("\n")[1]
        assert ", " not in data_line.split('"content"')[0]
        json.loads(data_line.removeprefix("data: "))
    frames = sse_frames(text)
    assert frames[-1][1]["content"] == "line one\nline two"
