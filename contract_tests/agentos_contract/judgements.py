"""Judging, apart from sending: pure functions from a recorded answer to the judgements it supports.

A check sends requests and records what these functions conclude (``Check.record_all``); the
functions themselves touch no network and no suite state, so they are unit-tested on recorded
answers (``tests/contract_tests/test_judgements.py``, including agno 3.1.10's own answers from
``tests/fixtures/agno_wire``). Each returns :class:`Judgement` values: the clause, whether it
held, what was expected and what was seen, and the facts a profile's deviation may match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agentos_contract.corpus import ANY, EdgeInput
from agentos_contract.echo import Echo
from agentos_contract.spec import (
    BACKGROUND_STATUS,
    COMPLETION_EVENTS,
    START_EVENTS,
    ExceptionRow,
    Kind,
    expected_identity,
    identity_clause,
    leaked_secret,
)
from agentos_contract.target import Answer


@dataclass(frozen=True)
class Judgement:
    clause: str
    passed: bool
    expected: str
    observed: str
    facts: Mapping[str, Any] = field(default_factory=dict)


def describe(answer: Answer) -> str:
    """An answer in one line for a report: status, content type and the start of the body."""
    if answer.failure is not None and not answer.status:
        return f"no answer: {answer.failure}"
    shown = f"{answer.status} {answer.content_type or '(no content-type)'} {answer.text[:300]!r}"
    return shown if answer.failure is None else f"{shown}, then {answer.failure}"


def error_shape_ok(answer: Answer) -> bool:
    """A complete JSON ``{"detail": ...}`` answer (a dropped or cut-short exchange never is)."""
    body = answer.json()
    return not answer.failed and answer.is_json and isinstance(body, dict) and "detail" in body


# -- errors ----------------------------------------------------------------------------------------


def judge_error_shape(answer: Answer, what: str) -> Judgement:
    """H04: a 4xx/5xx (or an answer that broke off) is a JSON ``{"detail": ...}``, never SSE."""
    erred = answer.status >= 400 or answer.failed
    return Judgement(
        "H04",
        error_shape_ok(answer) if erred else True,
        f'{what}: the error is JSON {{"detail": ...}}',
        describe(answer),
    )


def judge_no_leak(text: str, what: str, shown: str) -> Judgement:
    """H02: a 500 (or a WebSocket error frame for one) does not contain the exception's text."""
    leaked = leaked_secret(text)
    return Judgement(
        "H02", not leaked, f"{what}: the 500 does not contain the exception's text", shown, {"leaked": leaked}
    )


def judge_exception(answer: Answer, row: ExceptionRow, what: str) -> list[Judgement]:
    """One HTTP answer to a factory that fails as ``row`` says: its status (the row's clause), the
    error's JSON shape (H04) and, for a 500, no leak of the exception's text (H02)."""
    shown = describe(answer)
    judgements = [
        Judgement(row.clause, answer.status == row.status, f"{what} answers {row.status}", shown),
        judge_error_shape(answer, what),
    ]
    if row.hides_text:
        judgements.append(judge_no_leak(answer.text, what, shown))
    return judgements


def judge_error_frame(
    outcome: str, frame_status: int | None, error: str | None, row: ExceptionRow, what: str, shown: str
) -> list[Judgement]:
    """A WebSocket run of a failing factory: an error frame carrying the row's status, and for a
    500 no exception text in the frame (H02)."""
    judgements = [
        Judgement(
            row.clause,
            outcome == "error-frame" and frame_status == row.status,
            f"{what} over the WebSocket gives an error frame with status {row.status}",
            shown,
        )
    ]
    if row.hides_text:
        judgements.append(judge_no_leak(error or "", what, shown))
    return judgements


def judge_rejected(answer: Answer, clause: str, what: str) -> Judgement:
    """Input the spec rejects: exactly a JSON 400."""
    return Judgement(
        clause,
        answer.status == 400 and error_shape_ok(answer),
        f"{what} answers a JSON 400",
        describe(answer),
    )


# -- the edge-case corpus --------------------------------------------------------------------------

# What ctx.input's type must be when input is accepted, by the clause that judges the acceptance.
_INPUT_TYPES = {"C30": "model", "C32": "dict", "C35": "none"}


def judge_edge(answer: Answer, edge: EdgeInput, echo: Echo | None, what: str) -> list[Judgement]:
    """One corpus entry's answer against what the spec lets a server answer for it."""
    shown = describe(answer)
    erred = answer.status >= 400 or answer.failed
    refused = answer.status in (400, 413) and error_shape_ok(answer)
    seen = echo.field("input") if echo is not None else None
    input_type = echo.field("input_type") if echo is not None else None

    def took_it() -> bool:
        if answer.status != 200:
            return False
        if edge.accepted is ANY:
            return True
        wanted = _INPUT_TYPES.get(edge.clause)
        return (
            echo is not None
            and any(seen == value for value in (edge.accepted, *edge.also))
            and (wanted is None or input_type == wanted)
        )

    judgements: list[Judgement] = []
    if edge.outcome == "reject":
        judgements.append(judge_rejected(answer, edge.clause, what))
    elif edge.outcome == "accept":
        expected = "ctx.input " + ("is None" if edge.accepted is None else f"== {edge.accepted!r}")
        judgements.append(
            Judgement(edge.clause, took_it(), f"{what}: 200 and {expected}", f"{shown}; ctx.input={seen!r}")
        )
        if edge.clause in ("C30", "C32"):
            judgements.append(
                Judgement("C36", answer.status != 400, f"{what} is not rejected with 400", shown)
            )
    else:
        judgements.append(
            Judgement(
                edge.clause,
                refused or took_it(),
                f"{what}: a JSON 400 (or 413), or 200 with ctx.input == {edge.accepted!r}; never a 5xx",
                f"{shown}; ctx.input={seen!r}",
            )
        )
    if erred:
        judgements.append(judge_error_shape(answer, what))
    return judgements


# -- background runs -------------------------------------------------------------------------------


def accepted_run(answer: Answer) -> tuple[str, str] | None:
    """(run_id, session_id) of a 202 background acceptance, or None when it is not one."""
    body = answer.json()
    if answer.status != BACKGROUND_STATUS or not isinstance(body, dict):
        return None
    run_id, session_id = body.get("run_id"), body.get("session_id")
    if isinstance(run_id, str) and run_id and isinstance(session_id, str) and session_id:
        return run_id, session_id
    return None


def judge_background_accepted(answer: Answer, clause: str, what: str) -> Judgement:
    """A valid background run is accepted: 202 with its run_id and session_id."""
    return Judgement(
        clause,
        accepted_run(answer) is not None,
        f"{what} answers {BACKGROUND_STATUS} with the run_id and session_id to read it back",
        describe(answer),
    )


# -- identity --------------------------------------------------------------------------------------


def judge_identity_field(
    field_name: str,
    verified: str | None,
    form: str | None,
    seen: Any,
    where: str,
    *,
    label: str,
    output: Any = None,
    output_checked: bool = False,
    post_runs: bool = True,
) -> Judgement:
    """One identity field against the precedence rule: ctx (and the run output when
    ``output_checked``) show the verified value, else the form value, else None.

    C18 (a disagreeing form value is overridden) is the spec's sentence about POST /runs; on other
    routes (``post_runs=False``: continue, the WebSocket) the verified value winning is C17."""
    expected = expected_identity(verified, form)
    clause = identity_clause(verified, form)
    if clause == "C18" and not post_runs:
        clause = "C17"
    ok = seen == expected
    observed = f"ctx={seen!r}"
    if output_checked:
        ok = ok and output == expected
        observed += f", {where}={output!r}"
    return Judgement(
        clause,
        ok,
        f"[{label}] {field_name} is {expected!r} (verified={verified!r}, form={form!r})",
        observed,
        {"field": field_name},
    )


# -- stored runs -----------------------------------------------------------------------------------


def stored_event_names(body: Any) -> list[str] | None:
    """The names of a stored run's ``events`` (None when the run output has no events list)."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return None
    return [str(event.get("event")) for event in body["events"] if isinstance(event, dict)]


def judge_stored_run(
    read_back: Answer, kind: Kind, run_id: str, echo: Echo | None, probe_id: str, what: str
) -> list[Judgement]:
    """GET of a finished run of a probe whose component was built without a db: C04, the run was
    stored through the factory's db and reads back (200, this run, its echo); C10, its per-step
    events persisted on the run output (store_events=True), from the run's start to its end."""
    body = read_back.json()
    shown = describe(read_back)
    readable = (
        read_back.status == 200
        and isinstance(body, dict)
        and body.get("run_id") == run_id
        and echo is not None
        and echo.probe == probe_id
    )
    judgements = [
        Judgement("C04", readable, f"{what}: GET of the run answers 200 with the run and its echo", shown)
    ]
    if not readable:
        return judgements
    names = stored_event_names(body)
    start, end = START_EVENTS[kind], COMPLETION_EVENTS[kind]
    judgements.append(
        Judgement(
            "C10",
            names is not None and start in names and end in names,
            f"{what}: the stored run carries its per-step events, {start} to {end}",
            f"events: {names!r}",
            {"events": "none" if names is None else "empty" if not names else "some"},
        )
    )
    return judgements


# -- isolation -------------------------------------------------------------------------------------


def normalized(answer: Answer, ids: Mapping[str, str]) -> tuple[int, str]:
    text = answer.text
    for value, placeholder in ids.items():
        text = text.replace(value, placeholder)
    return answer.status, text


def same_as_unknown(answer: Answer, unknown: Answer, ids: Mapping[str, str]) -> bool:
    """The answer about a real id is exactly the answer about an unknown one (ids as placeholders)."""
    return normalized(answer, ids) == normalized(unknown, ids)
