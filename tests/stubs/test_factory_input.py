"""``factory_input`` on POST /runs: parsed, validated against ``input_schema`` and answered 400
with agno's texts before the factory runs (spec "Invalid input returns 400 before the factory
runs"; wire notes section 4), for agents, teams and workflows alike."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentos_stubs import StubDeployment

from .conftest import KINDS, ctx_of, run_path

OMITTED: Any = object()

# (sent, schema flavour) -> expected: ("ok", input, input type) or ("400", detail prefix).
MATRIX: list[tuple[Any, str, tuple[Any, ...]]] = [
    (OMITTED, "plain", ("ok", None, "NoneType")),
    (
        OMITTED,
        "required",
        ("400", "factory_input validation failed: 1 validation error for RequiredInput\ntenant"),
    ),
    (OMITTED, "defaults", ("ok", {"persona": "analyst", "depth": 3}, "DefaultsInput")),
    ("", "plain", ("ok", None, "NoneType")),
    ("", "required", ("400", "factory_input validation failed")),
    ("", "defaults", ("ok", {"persona": "analyst", "depth": 3}, "DefaultsInput")),
    ("   ", "plain", ("400", "factory_input must be valid JSON: Expecting value")),
    ("   ", "defaults", ("400", "factory_input must be valid JSON")),
    ("{}", "plain", ("ok", {}, "dict")),
    ("{}", "required", ("400", "factory_input validation failed")),
    ("{}", "defaults", ("ok", {"persona": "analyst", "depth": 3}, "DefaultsInput")),
    ('{"a": [1, {"b": null}]}', "plain", ("ok", {"a": [1, {"b": None}]}, "dict")),
    ('{"tenant": "acme"}', "required", ("ok", {"tenant": "acme", "depth": 1}, "RequiredInput")),
    ('{"tenant": "a", "extra": true}', "required", ("ok", {"tenant": "a", "depth": 1}, "RequiredInput")),
    (
        '{"tenant": 5}',
        "required",
        ("400", "factory_input validation failed: 1 validation error for RequiredInput"),
    ),
    ('{"depth": "7"}', "defaults", ("ok", {"persona": "analyst", "depth": 7}, "DefaultsInput")),
    ('{"persona": "bogus"}', "defaults", ("400", "factory_input validation failed")),
    ("{bad", "plain", ("400", "factory_input must be valid JSON: Expecting property name")),
    ("{bad", "required", ("400", "factory_input must be valid JSON")),
    ("[1, 2]", "plain", ("400", "factory_input must be a JSON object, got list")),
    ('"hello"', "plain", ("400", "factory_input must be a JSON object, got str")),
    ("5", "defaults", ("400", "factory_input must be a JSON object, got int")),
    ("null", "plain", ("400", "factory_input must be a JSON object, got NoneType")),
    ("true", "required", ("400", "factory_input must be a JSON object, got bool")),
    ('{"a": 1, "a": 2}', "plain", ("ok", {"a": 2}, "dict")),
]


def _form(sent: Any, *, stream: bool = False) -> dict[str, str]:
    form = {"message": "hi", "stream": "true" if stream else "false"}
    if sent is not OMITTED:
        form["factory_input"] = sent
    return form


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("sent", "flavour", "expected"), MATRIX)
def test_validation_matrix(
    kind: str,
    sent: Any,
    flavour: str,
    expected: tuple[Any, ...],
    deployment: StubDeployment,
    http: httpx.Client,
) -> None:
    response = http.post(run_path(kind, f"{kind}-{flavour}"), data=_form(sent))
    if expected[0] == "ok":
        ctx = ctx_of(response)
        assert (ctx["input"], ctx["input_type"]) == (expected[1], expected[2])
        assert len(deployment.invocations) == 1
    else:
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/json"
        detail = response.json()["detail"]
        assert isinstance(detail, str)
        assert detail.startswith(expected[1])
        # 400 before the factory runs: the reply was never invoked.
        assert deployment.invocations == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_streaming_request_gets_the_same_json_400(
    kind: str, deployment: StubDeployment, http: httpx.Client
) -> None:
    response = http.post(run_path(kind, f"{kind}-required"), data=_form('{"tenant": 5}', stream=True))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"].startswith("factory_input validation failed")
    assert deployment.invocations == []


def test_nan_reaches_a_factory_without_schema(http: httpx.Client) -> None:
    ctx = json.loads(ctx_of_raw(http.post(run_path("agent", "agent-plain"), data=_form('{"a": NaN}'))))
    assert math.isnan(ctx["input"]["a"])


def ctx_of_raw(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    content = response.json()["content"]
    assert isinstance(content, str)
    return content


def test_the_last_repeated_form_field_wins(http: httpx.Client) -> None:
    body = "message=hi&stream=false&factory_input=%7B%22a%22%3A1%7D&factory_input=%7B%22a%22%3A2%7D"
    response = http.post(
        run_path("agent", "agent-plain"),
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert ctx_of(response)["input"] == {"a": 2}


def test_multipart_forms_are_read_like_urlencoded_ones(http: httpx.Client) -> None:
    response = http.post(
        run_path("workflow", "workflow-required"),
        data={"message": "hi", "stream": "false", "factory_input": '{"tenant": "multi"}'},
        files={"attachment": ("a.txt", b"ignored", "text/plain")},
    )
    assert ctx_of(response)["input"] == {"tenant": "multi", "depth": 1}


def test_a_file_part_as_factory_input_is_fastapis_422(deployment: StubDeployment, http: httpx.Client) -> None:
    response = http.post(
        run_path("agent", "agent-plain"),
        data={"message": "hi", "stream": "false"},
        files={"factory_input": ("f.json", b'{"a": 1}', "application/json")},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"]) == ("string_type", ["body", "factory_input"])
    assert deployment.invocations == []


def test_a_query_factory_input_on_post_runs_counts_as_omitted(http: httpx.Client) -> None:
    response = http.post(
        run_path("agent", "agent-required"), params={"factory_input": '{"tenant": "q"}'}, data=_form(OMITTED)
    )
    assert response.status_code == 400


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@given(value=st.dictionaries(st.text(max_size=8), json_values, max_size=4))
def test_any_json_object_reaches_a_schemaless_factory_unchanged(value: dict[str, Any]) -> None:
    deployment = StubDeployment()
    deployment.agent_factory("echo", reply=lambda ctx, message: json.dumps(ctx.input))
    with deployment.client() as client:
        output = client.agents.run("echo", "hi", factory_input=value)
    assert isinstance(output.content, str)
    assert json.loads(output.content) == value


@given(value=json_values.filter(lambda value: not isinstance(value, dict)))
def test_any_other_json_value_is_a_400_naming_its_type(value: Any) -> None:
    deployment = StubDeployment()
    deployment.workflow_factory("wf")
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        response = client.post(
            "/workflows/wf/runs", data={"message": "m", "stream": "false", "factory_input": json.dumps(value)}
        )
    assert response.status_code == 400
    assert response.json() == {"detail": f"factory_input must be a JSON object, got {type(value).__name__}"}
    assert deployment.invocations == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"n": ' + "9" * 5000 + "}", "ValueError"),
        ('{"a": ' + "[" * 10_000 + "]" * 10_000 + "}", "RecursionError"),
    ],
)
def test_json_pythons_parser_gives_up_on_is_400_or_agnos_500(text: str, error: str) -> None:
    # Python's json gives up on the nesting at the recursion limit, which another test or library
    # of the same process may have raised: pin it to the default for this test.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        _parser_gives_up(text, error)
    finally:
        sys.setrecursionlimit(limit)


def _parser_gives_up(text: str, error: str) -> None:
    deployment = StubDeployment()
    deployment.agent_factory("plain")
    with httpx.Client(transport=deployment.transport(), base_url=deployment.base_url) as client:
        form = {"message": "m", "stream": "false", "factory_input": text}
        spec = client.post(run_path("agent", "plain"), data=form)
        assert spec.status_code == 400
        assert spec.json()["detail"].startswith("factory_input must be valid JSON")
        deployment.profile = "agno"
        agno = client.post(run_path("agent", "plain"), data=form)
        assert (agno.status_code, agno.json()) == (500, {"detail": f"Internal server error ({error})"})
    assert deployment.invocations == []
