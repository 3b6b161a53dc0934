"""The echo and ledger documents of docs/probe-protocol.md sections 4 and 6."""

from __future__ import annotations

import json
import math

import pytest

from agentos_contract.probes import (
    ProbeRequiredInput,
    RequestSummary,
    context_document,
    describe_input,
    echo_document,
    ledger_document,
    render,
)


@pytest.mark.parametrize(
    ("value", "expected_value", "input_type", "input_model"),
    [
        (None, None, "none", None),
        ({"a": 1}, {"a": 1}, "dict", None),
        (ProbeRequiredInput(tenant="acme"), {"tenant": "acme", "depth": 1}, "model", "ProbeRequiredInput"),
        ('{"a": 1}', '{"a": 1}', "str", None),
        ([1, 2], [1, 2], "list", None),
        (5, 5, "other", None),
        (True, True, "other", None),
    ],
)
def test_describe_input(
    value: object, expected_value: object, input_type: str, input_model: str | None
) -> None:
    described = describe_input(value)
    assert (described.value, described.input_type, described.input_model) == (
        expected_value,
        input_type,
        input_model,
    )


def test_values_json_cannot_hold_become_strings() -> None:
    assert describe_input({"when": object}).value == {"when": str(object)}


def test_nan_survives_the_round_trip_through_render() -> None:
    text = render(
        echo_document("probe-agent-echo", "agent", "m", {"input": describe_input({"a": math.nan}).value})
    )
    assert math.isnan(json.loads(text)["ctx"]["input"]["a"])


def test_context_document_fields() -> None:
    ctx = context_document(
        user_id="u",
        session_id=None,
        factory_input=ProbeRequiredInput(tenant="acme", depth=2),
        claims={"sub": "u", "exp": 1, "nested": {"x": [1]}},
        scopes=frozenset({"teams:run", "agents:run"}),
        request=RequestSummary(method="POST", path="/agents/probe-agent-echo/runs"),
    )
    assert ctx == {
        "user_id": "u",
        "session_id": None,
        "input": {"tenant": "acme", "depth": 2},
        "input_type": "model",
        "input_model": "ProbeRequiredInput",
        "claims": {"sub": "u", "exp": 1, "nested": {"x": [1]}},
        "scopes": ["agents:run", "teams:run"],
        "request": {"method": "POST", "path": "/agents/probe-agent-echo/runs"},
    }


def test_context_without_request_reports_null() -> None:
    ctx = context_document(
        user_id=None, session_id=None, factory_input=None, claims={}, scopes=(), request=None
    )
    assert ctx["request"] is None


def test_echo_document_shape_and_prototype_null_ctx() -> None:
    assert json.loads(render(echo_document("probe-agent-prototype", "agent", "hi", None))) == {
        "agentos_contract_probe": 1,
        "probe": "probe-agent-prototype",
        "kind": "agent",
        "message": "hi",
        "ctx": None,
    }


def test_render_is_byte_stable_for_equal_documents() -> None:
    first = render({"b": 1, "a": [1, {"d": 2, "c": 3}]})
    second = render({"a": [1, {"c": 3, "d": 2}], "b": 1})
    assert first == second == '{"a":[1,{"c":3,"d":2}],"b":1}'


def test_ledger_document() -> None:
    entry = {"probe": "probe-agent-crash", "method": "POST", "path": "/p", "input_type": "none"}
    assert ledger_document("t-1", [entry]) == {
        "agentos_contract_probe": 1,
        "probe": "probe-ledger",
        "trace": "t-1",
        "invocations": [entry],
    }
