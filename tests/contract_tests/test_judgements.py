"""The judgement functions, on recorded answers: agno 3.1.10's own (tests/fixtures/agno_wire, captured
by tests/integration/capture_agno_wire.py) and hand-made ones for what no recording shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentos_contract.corpus import EdgeInput, probe_corpus, schema_refusals
from agentos_contract.echo import parse_echo
from agentos_contract.judgements import (
    Judgement,
    accepted_run,
    error_shape_ok,
    judge_background_accepted,
    judge_edge,
    judge_error_frame,
    judge_exception,
    judge_identity_field,
    judge_rejected,
    judge_stored_run,
    same_as_unknown,
    stored_event_names,
)
from agentos_contract.model import Exchange
from agentos_contract.spec import BEHAVIOUR_ROWS, EXCEPTIONS_BY_NAME
from agentos_contract.target import Answer

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "agno_wire"
ROWS = dict(BEHAVIOUR_ROWS)


def answer(
    status: int,
    body: Any = None,
    *,
    text: str | None = None,
    content_type: str = "application/json",
    failure: str | None = None,
) -> Answer:
    shown = text if text is not None else json.dumps(body)
    return Answer(status, content_type, shown, Exchange("POST", "http://agentos.test/x"), failure)


def recorded(name: str) -> Answer:
    """An answer agno 3.1.10 gave, as the suite's target would have read it."""
    document = json.loads((WIRE / f"{name}.json").read_text(encoding="utf-8"))
    response = document["response"]
    if "text_file" in response:
        text = (WIRE / response["text_file"]).read_text(encoding="utf-8")
    else:
        text = json.dumps(response["json"])
    request = document["request"]
    exchange = Exchange(request["method"], f"http://agno.test{request['path']}", status=response["status"])
    return Answer(response["status"], response["content_type"], text, exchange)


def by_clause(judgements: list[Judgement]) -> dict[str, bool]:
    return {j.clause: j.passed for j in judgements}


def test_agnos_500_for_a_plain_exception_has_its_status_and_shape_but_leaks_the_text() -> None:
    verdicts = by_clause(judge_exception(recorded("error_500_agent_crash"), ROWS["crash"], "crash"))
    assert verdicts == {"C41": True, "H04": True, "H02": False}
    # streamed: the same JSON 500, not SSE
    assert by_clause(judge_exception(recorded("error_500_stream_crash"), ROWS["crash"], "crash"))["H04"]


@pytest.mark.parametrize("kind", ["agent", "team", "workflow"])
def test_agnos_factory_error_500_hides_the_text(kind: str) -> None:
    verdicts = by_clause(
        judge_exception(recorded(f"error_500_{kind}_factory_error"), ROWS["factory-error"], "fe")
    )
    assert verdicts == {"C39": True, "H04": True, "H02": True}
    wrong = by_clause(judge_exception(recorded(f"error_500_{kind}_wrong_type"), ROWS["wrong-type"], "wt"))
    assert wrong == {"C40": True, "H04": True, "H02": True}


def test_agnos_permission_403_holds_and_is_not_judged_for_leaks() -> None:
    judgements = judge_exception(recorded("error_403_factory_permission"), ROWS["scope"], "scope")
    assert by_clause(judgements) == {"C38": True, "H04": True}


def test_a_wrong_status_a_plain_text_500_and_a_dropped_answer_are_each_judged() -> None:
    row = EXCEPTIONS_BY_NAME["FactoryPermissionError-subclass"]
    assert by_clause(judge_exception(answer(500, {"detail": "Agent factory error"}), row, "x")) == {
        "C38": False,
        "H04": True,
    }
    plain = answer(500, text="Internal Server Error", content_type="text/plain; charset=utf-8")
    assert by_clause(judge_exception(plain, EXCEPTIONS_BY_NAME["unprintable"], "x")) == {
        "C41": True,
        "H04": False,
        "H02": True,
    }
    dropped = answer(0, text="", content_type="", failure="the server closed the connection")
    assert by_clause(judge_exception(dropped, EXCEPTIONS_BY_NAME["KeyError"], "x")) == {
        "C41": False,
        "H04": False,
        "H02": True,
    }
    sse = answer(200, text="event: RunError\ndata: {}\n\n", content_type="text/event-stream")
    assert by_clause(judge_exception(sse, EXCEPTIONS_BY_NAME["RuntimeError"], "x"))["C41"] is False


def test_a_key_errors_quoted_text_is_a_leak() -> None:
    leaked = answer(500, {"detail": "Error in workflow factory: 'probe-raise-secret-KeyError'"})
    judgements = judge_exception(leaked, EXCEPTIONS_BY_NAME["KeyError"], "x")
    h02 = next(j for j in judgements if j.clause == "H02")
    assert not h02.passed
    assert h02.facts == {"leaked": True}


def test_rejections_need_a_json_400() -> None:
    assert judge_rejected(recorded("error_400_not_an_object"), "C33", "[1, 2]").passed
    assert judge_rejected(recorded("error_400_validation"), "C31", "{}").passed
    assert not judge_rejected(answer(422, {"detail": []}), "C33", "x").passed
    assert not judge_rejected(answer(400, text="bad", content_type="text/plain"), "C33", "x").passed
    assert error_shape_ok(recorded("error_400_invalid_json"))


def test_background_acceptance_from_agnos_202() -> None:
    accepted = recorded("agent_run_background")
    assert accepted_run(accepted) is not None
    assert judge_background_accepted(accepted, "C31", "x").passed
    # a 200 run output, a 202 without ids, or a 400 are not an acceptance
    assert not judge_background_accepted(recorded("agent_run"), "C31", "x").passed
    assert accepted_run(answer(202, {"status": "PENDING"})) is None


def test_error_frames_need_the_rows_status_and_no_text() -> None:
    row = ROWS["crash"]
    agno = judge_error_frame("error-frame", None, "Factory error: probe-crash-secret-7f3a", row, "p", "shown")
    assert by_clause(agno) == {"C41": False, "H02": False}
    spec = judge_error_frame("error-frame", 500, "Workflow factory error", row, "p", "shown")
    assert by_clause(spec) == {"C41": True, "H02": True}
    completed = judge_error_frame("completed", None, None, ROWS["scope"], "p", "shown")
    assert by_clause(completed) == {"C38": False}


@pytest.mark.parametrize(
    ("verified", "form", "seen", "clause", "passed"),
    [
        ("jwt-user", None, "jwt-user", "C17", True),
        ("jwt-user", "jwt-user", "jwt-user", "C17", True),
        ("jwt-user", "form-user", "jwt-user", "C18", True),
        ("jwt-user", "form-user", "form-user", "C18", False),
        (None, "form-user", "form-user", "C19", True),
        (None, "form-user", None, "C19", False),
        (None, None, None, "C20", True),
        (None, None, "someone", "C20", False),
    ],
)
def test_identity_precedence(
    verified: str | None, form: str | None, seen: str | None, clause: str, passed: bool
) -> None:
    judgement = judge_identity_field("user_id", verified, form, seen, "run output", label="cell")
    assert (judgement.clause, judgement.passed) == (clause, passed)
    # the run output must agree when it is checked
    both = judge_identity_field(
        "user_id", verified, form, seen, "run output", label="cell", output="other", output_checked=True
    )
    assert not both.passed


def _stored(body: dict[str, Any]) -> Answer:
    return answer(200, body)


def test_a_stored_run_with_its_events_holds_c04_and_c10() -> None:
    echo_text = json.dumps(
        {"agentos_contract_probe": 1, "probe": "probe-agent-echo", "kind": "agent", "ctx": {}}
    )
    echo = parse_echo(echo_text)
    events = [{"event": "RunStarted"}, {"event": "RunContent"}, {"event": "RunCompleted"}]
    body = {"run_id": "r1", "content": echo_text, "events": events}
    assert by_clause(judge_stored_run(_stored(body), "agent", "r1", echo, "probe-agent-echo", "x")) == {
        "C04": True,
        "C10": True,
    }
    # agno 3.1.10 after a stream=false run: the events list is empty
    empty = judge_stored_run(_stored({**body, "events": []}), "agent", "r1", echo, "probe-agent-echo", "x")
    assert by_clause(empty) == {"C04": True, "C10": False}
    assert empty[1].facts == {"events": "empty"}
    missing = judge_stored_run(
        answer(404, {"detail": "Run not found"}), "agent", "r1", None, "probe-agent-echo", "x"
    )
    assert by_clause(missing) == {"C04": False}
    assert stored_event_names({"events": [{"event": "A"}, "junk"]}) == ["A"]
    assert stored_event_names({"content": "x"}) is None


def test_an_answer_about_a_real_id_must_equal_the_unknown_ones() -> None:
    ids = {"run-a": "{run_id}", "run-b": "{run_id}"}
    assert same_as_unknown(
        answer(404, {"detail": "No run run-a"}), answer(404, {"detail": "No run run-b"}), ids
    )
    assert not same_as_unknown(answer(200, {"run_id": "run-a"}), answer(404, {"detail": "No run run-b"}), ids)


def _echo_body(value: Any, input_type: str) -> dict[str, Any]:
    document = {
        "agentos_contract_probe": 1,
        "probe": "p",
        "kind": "agent",
        "ctx": {"input": value, "input_type": input_type},
    }
    return {"content": json.dumps(document)}


def _edge(schema: str, name: str) -> EdgeInput:
    return next(edge for edge in probe_corpus(schema) if edge.name == name)  # type: ignore[arg-type]  # a literal


def test_the_corpus_refusals_and_acceptances() -> None:
    refused = answer(400, {"detail": "factory_input must be valid JSON"})
    assert by_clause(judge_edge(refused, _edge("none", "not JSON '{bad'"), None, "x")) == {
        "C33": True,
        "H04": True,
    }
    # a 500 for a refusal: the status clause and H04 hold or fail on their own
    crashed = answer(500, {"detail": "Internal server error (ValueError)"})
    assert by_clause(judge_edge(crashed, _edge("none", "not an object null"), None, "x")) == {
        "C33": False,
        "H04": True,
    }
    lax = _edge("required", "lax: integer as a string")
    ok = answer(200, _echo_body({"tenant": "a", "depth": 7}, "model"))
    assert by_clause(judge_edge(ok, lax, parse_echo(ok.json()["content"]), "x")) == {"C30": True, "C36": True}
    strict = answer(400, {"detail": "depth: Input should be a valid integer"})
    assert by_clause(judge_edge(strict, lax, None, "x")) == {"C30": False, "C36": False, "H04": True}


def test_the_corpus_open_cases_take_either_answer_but_never_a_5xx() -> None:
    duplicate = _edge("none", "duplicate keys")
    for value in ({"a": 1}, {"a": 2}):
        taken = answer(200, _echo_body(value, "dict"))
        assert judge_edge(taken, duplicate, parse_echo(taken.json()["content"]), "x")[0].passed
    assert judge_edge(answer(400, {"detail": "duplicate key"}), duplicate, None, "x")[0].passed
    deep = _edge("none", "deep nesting")
    assert judge_edge(answer(400, {"detail": "too deep"}), deep, None, "x")[0].passed
    assert judge_edge(answer(413, {"detail": "too large"}), deep, None, "x")[0].passed
    assert judge_edge(answer(200, text="{}"), deep, None, "x")[0].passed  # accepted: cannot be read back
    assert not judge_edge(answer(500, {"detail": "RecursionError"}), deep, None, "x")[0].passed
    dropped = answer(0, text="", content_type="", failure="reset")
    assert by_clause(judge_edge(dropped, deep, None, "x")) == {"C33": False, "H04": False}


def test_the_corpus_says_what_it_sends() -> None:
    for schema in ("none", "required", "defaults"):
        entries = probe_corpus(schema)
        assert len({edge.name for edge in entries}) == len(entries)
        for edge in entries:
            if edge.outcome == "accept" and edge.clause == "C32" and edge.text is not None:
                assert json.loads(edge.text) == edge.accepted, edge.name
    names = {edge.name for edge in probe_corpus("none")}
    for wanted in (
        "empty",
        "omitted",
        "not JSON '   '",
        "not an object null",
        "BOM before an object",
        "duplicate keys",
        "huge integer",
        "overflowing integer",
        "deep nesting",
    ):
        assert wanted in names
    derived = schema_refusals(
        {
            "properties": {"a": {"type": "string"}, "b": {"enum": ["x"]}, "c": {"type": "integer"}},
            "required": ["a"],
        }
    )
    assert {json.dumps(json.loads(edge.text or "")) for edge in derived} == {
        json.dumps(v)
        for v in (
            {},
            {"a": [1]},
            {"a": "agentos-contract", "b": "agentos-contract-not-in-enum"},
            {"a": "agentos-contract", "c": "agentos-contract"},
        )
    }


def test_every_property_draws_from_its_own_seed() -> None:
    from agentos_contract.properties import derive_seed

    assert derive_seed(1, "valid-input:probe-agent-echo") == derive_seed(1, "valid-input:probe-agent-echo")
    seeds = {derive_seed(1, f"valid-input:probe-{kind}-echo") for kind in ("agent", "team", "workflow")}
    assert len(seeds) == 3
    assert derive_seed(1, "p") != derive_seed(2, "p")
