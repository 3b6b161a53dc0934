"""The workflow WebSocket: runs, factory_input validation, errors, identity and continue.

The spec serves it at ``/workflows/{id}/ws``; real AgentOS 3.1 at ``/workflows/ws`` with the
workflow id in the message. The suite tries the spec route first, records what happened,
and uses whichever route answers for the remaining checks. Frames are agno's: JSON control
frames (``connected``, ``authenticate``/``authenticated``, ``error``) and run events as
SSE-formatted text frames.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from agentos_contract.checks.base import ALL_SCOPES, Check, unique
from agentos_contract.checks.identity import (
    CELLS,
    cell_clauses,
    cell_values,
    judgeable_cells,
    refused_without_user,
)
from agentos_contract.checks.lifecycle import confirmed, pause
from agentos_contract.checks.registry import check as register
from agentos_contract.echo import Echo, parse_echo
from agentos_contract.judgements import judge_error_frame, judge_identity_field
from agentos_contract.model import Exchange
from agentos_contract.posture import REFUSALS
from agentos_contract.spec import BEHAVIOUR_ROWS, EXCEPTION_TABLE, ExceptionRow
from agentos_contract.sse import COMPLETION_EVENTS, parse_sse
from agentos_contract.target import WebSocketConversation, WebSocketRejected
from agentos_contract.tokens import CannotIssue

FRAME_TIMEOUT_S = 10.0
MAX_FRAMES = 200


@dataclass
class WsResult:
    """How one WebSocket run ended: completed (with the echo), an error frame, or silence."""

    outcome: str  # "completed", "error-frame", "paused", "no-answer", "auth-failed"
    echo: Echo | None = None
    error: str | None = None
    frame_status: int | None = None
    exchange: Exchange | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)


def _frames(text: str) -> list[dict[str, Any]]:
    if text.lstrip().startswith(("event:", "data:")):
        return [event.data for event in parse_sse(text) if isinstance(event.data, dict)]
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return [{"event": "<not JSON>", "text": text}]
    return [data] if isinstance(data, dict) else [{"event": "<not an object>", "text": text}]


def ws_path(check: Check, workflow_id: str) -> str:
    if check.suite.ws_spec_route:
        return f"/workflows/{workflow_id}/ws"
    return "/workflows/ws"


@contextlib.asynccontextmanager
async def ws_connect(
    check: Check, path: str, headers: dict[str, str], *, fallback: bool = True
) -> AsyncIterator[WebSocketConversation]:
    """A socket to ``path``, authenticated with the token in ``headers``. When the spec's route
    refuses the handshake, agno's ``/workflows/ws`` is used (and remembered), unless the caller
    is judging the spec's route itself (``fallback=False``)."""
    async with contextlib.AsyncExitStack() as stack:
        try:
            ws = await stack.enter_async_context(check.target.websocket(path))
        except WebSocketRejected:
            if not fallback or path == "/workflows/ws":
                raise
            check.suite.ws_spec_route = False
            ws = await stack.enter_async_context(check.target.websocket("/workflows/ws"))
        hello = await ws.receive_text(FRAME_TIMEOUT_S)
        frames = _frames(hello or "{}")
        # A client with a token presents it, whether or not the server insists on one.
        if frames and "Authorization" in headers:
            token = headers["Authorization"].split(" ", 1)[1]
            await ws.send_json({"action": "authenticate", "token": token})
            for _ in range(4):
                text = await ws.receive_text(FRAME_TIMEOUT_S)
                if text is None:
                    break
                event = _frames(text)[0].get("event")
                if event == "authenticated":
                    break
                if event == "auth_error":
                    break
        yield ws


async def ws_run(ws: WebSocketConversation, message: dict[str, Any]) -> WsResult:
    await ws.send_json(message)
    result = WsResult("no-answer")
    for _ in range(MAX_FRAMES):
        text = await ws.receive_text(FRAME_TIMEOUT_S)
        if text is None:
            break
        for frame in _frames(text):
            result.frames.append(frame)
            event = frame.get("event")
            if event in ("authenticated", "connected", "pong"):
                continue
            if event in ("error", "auth_error", "auth_required") or (
                isinstance(event, str) and event.endswith("Error")
            ):
                status = frame.get("status")
                result.outcome = "error-frame"
                result.error = str(frame.get("error") or frame.get("content") or frame)
                result.frame_status = status if isinstance(status, int) else None
                return result
            if event in COMPLETION_EVENTS:
                result.outcome = "completed"
                result.echo = parse_echo(frame.get("content"))
                return result
            if isinstance(event, str) and event.endswith("Paused"):
                result.outcome = "paused"
                return result
    return result


async def ws_start(check: Check, workflow_id: str, headers: dict[str, str], **fields: Any) -> WsResult:
    message = {
        "action": "start-workflow",
        "workflow_id": workflow_id,
        "message": "agentos-contract ws run",
        "session_id": unique("contract-ws-sess"),
        **fields,
    }
    # A field given as None is left out of the message (an identity cell without that form value).
    message = {key: value for key, value in message.items() if value is not None}
    async with ws_connect(check, ws_path(check, workflow_id), headers) as ws:
        result = await ws_run(ws, message)
        result.exchange = ws.exchange()
    return result


def _describe(result: WsResult) -> str:
    if result.outcome == "completed":
        return f"completed; ctx={result.echo.ctx if result.echo else None!r}"
    if result.outcome == "error-frame":
        return f"error frame status={result.frame_status!r}: {result.error!r}"
    return f"{result.outcome}; frames: {result.frames[-3:]!r}"


@register("ws-run", clauses=("C27",), needs_probes=True, needs_websocket=True, setup=True)
async def ws_run_check(check: Check) -> None:
    """C27: a start-workflow message's factory_input reaches ctx.input, on the spec's route."""
    probe = check.deployment.probe("workflow", "echo")
    if probe is None:
        check.not_judged(("C27",), "probe-workflow-echo is not listed")
        return
    headers, _ = check.suite.caller(ALL_SCOPES)
    sent = {"ws": unique("input")}
    spec_path = f"/workflows/{probe.id}/ws"
    try:
        async with ws_connect(check, spec_path, headers, fallback=False) as ws:
            result = await ws_run(
                ws,
                {
                    "action": "start-workflow",
                    "workflow_id": probe.id,
                    "message": "ws",
                    "factory_input": sent,
                    "session_id": unique("contract-ws-sess"),
                },
            )
            result.exchange = ws.exchange()
        check.suite.ws_spec_route = True
    except WebSocketRejected as rejected:
        check.record(
            "C27",
            False,
            f"the WebSocket handshake at {spec_path} is accepted",
            f"refused: {rejected.status} {rejected.text[:200]!r}",
            Exchange(
                "WEBSOCKET",
                rejected.url.replace("http", "ws", 1),
                status=rejected.status,
                response_text=rejected.text[:500],
            ),
            route="spec",
            handshake="refused",
        )
        check.suite.ws_spec_route = False  # the remaining WebSocket checks use agno's route
        result = await ws_start(check, probe.id, headers, factory_input=sent)
    check.record(
        "C27",
        result.outcome == "completed" and result.echo is not None and result.echo.field("input") == sent,
        f"start-workflow with factory_input={sent!r} completes and the factory saw it",
        _describe(result),
        result.exchange,
        route="used",
        outcome=result.outcome,
    )
    if check.suite.can_mint:
        bare, _ = check.suite.caller(())
        result = await ws_start(check, probe.id, bare, factory_input=sent)
        check.record(
            "C27",
            result.outcome == "completed",
            "a WebSocket run needs no scope the same HTTP run does not need",
            _describe(result),
            result.exchange,
            token_scopes="none",
            outcome=result.outcome,
            error=result.error or "",
        )


@register("ws-validation", clauses=("C31", "C33"), needs_probes=True, needs_websocket=True)
async def ws_validation(check: Check) -> None:
    """C31, C33 over the WebSocket: invalid factory_input is a 400 error frame, before the factory."""
    echo = check.deployment.probe("workflow", "echo")
    required = check.deployment.probe("workflow", "required")
    headers, _ = check.suite.caller(ALL_SCOPES)
    if echo is not None:
        not_objects: tuple[Any, ...] = ([1, 2], "hello", 5, True, '{"as": "string"}')
        for value in not_objects:
            result = await ws_start(check, echo.id, headers, factory_input=value)
            ok = result.outcome == "error-frame" and result.frame_status == 400
            if isinstance(value, str) and value.startswith("{"):
                # A JSON string of an object may be read as that object; it must not arrive as a str.
                ok = ok or (
                    result.outcome == "completed"
                    and result.echo is not None
                    and result.echo.field("input") == json.loads(value)
                )
            check.record(
                "C33",
                ok,
                f"factory_input={value!r} (not a JSON object) is an error frame with status 400",
                _describe(result),
                result.exchange,
                schema="none",
                outcome=result.outcome,
                frame_status=result.frame_status,
            )
    if required is not None:
        violations: tuple[dict[str, Any], ...] = ({}, {"tenant": 5}, {"depth": "deep"})
        for violation in violations:
            result = await ws_start(check, required.id, headers, factory_input=violation)
            check.record(
                "C31",
                result.outcome == "error-frame" and result.frame_status == 400,
                f"factory_input={violation!r} on {required.id} is an error frame with status 400",
                _describe(result),
                result.exchange,
                schema="required",
                outcome=result.outcome,
                frame_status=result.frame_status,
            )


@register(
    "ws-errors",
    clauses=("C38", "C39", "C40", "C41", "C47", "H02"),
    needs_probes=True,
    needs_websocket=True,
)
async def ws_errors(check: Check) -> None:
    """The exception table over the WebSocket: each failure is an error frame carrying its status,
    and a 500's frame does not carry the exception's text (H02); v1 probes and v2 raise-probes."""
    for name, row in BEHAVIOUR_ROWS:
        probe = check.deployment.probe("workflow", name)
        if probe is None:
            continue
        if name == "scope":
            # A user without the run scope (the run's own user may hold every scope when tokens are
            # given, not minted).
            headers, identity = check.suite.user_of_its_own()
            if "workflows:run" in identity.scopes:
                check.not_judged((row.clause,), "no token without the workflows:run scope to send")
                continue
        else:
            headers, _ = check.suite.caller(ALL_SCOPES)
        result = await ws_start(check, probe.id, headers)
        _record_frame(check, result, row, probe.id, probe_behaviour=name, callable="sync")
    if check.deployment.probe_version < 2:
        check.not_judged(("C47",), "the deployment's probes speak protocol v1: no raise-probes")
        return
    for suffix, callable_kind in (("raise", "sync"), ("raise-async", "async")):
        probe = check.deployment.probe("workflow", suffix)
        if probe is None:
            check.not_judged(("C47",), f"probe-workflow-{suffix} is not listed")
            continue
        headers, _ = check.suite.caller(ALL_SCOPES)
        for row in EXCEPTION_TABLE:
            result = await ws_start(check, probe.id, headers, factory_input={"raise": row.raised})
            _record_frame(check, result, row, probe.id, probe_behaviour="raise", callable=callable_kind)


def _record_frame(check: Check, result: WsResult, row: ExceptionRow, probe_id: str, **facts: Any) -> None:
    check.record_all(
        judge_error_frame(
            result.outcome,
            result.frame_status,
            result.error,
            row,
            f"{probe_id} ({row.what})",
            _describe(result),
        ),
        result.exchange,
        outcome=result.outcome,
        frame_status=result.frame_status,
        error=result.error or "",
        raised=row.raised,
        mode="websocket",
        **facts,
    )


def _source(seen: Any, verified: str | None, form: str | None) -> str:
    if seen is None:
        return "none"
    return "verified" if seen == verified else "form" if seen == form else "other"


@register("ws-identity", clauses=("C17", "C19", "C20", "H06"), needs_probes=True, needs_websocket=True)
async def ws_identity(check: Check) -> None:
    """The identity matrix over the WebSocket: verified token values win, the message's fields are
    the fallback, and neither gives None (every cell of the HTTP matrix)."""
    probe = check.deployment.probe("workflow", "echo")
    if probe is None:
        return
    cells = judgeable_cells(check, CELLS)
    if cells is None:
        return
    for cell in cells:
        try:
            headers, identity, form_user, form_session = cell_values(check, cell)
            if "Authorization" in headers:
                # The WebSocket runs need the run scope on agno (wire notes 2.5): not what this judges.
                headers, identity = check.suite.credentials(
                    user_id=identity.user_id, session_id=identity.session_id, scopes=ALL_SCOPES
                )
        except CannotIssue as exc:  # identity tokens: no token fits this row of the matrix
            check.not_judged_mine(cell_clauses(cell), f"[{cell.name}] {exc}")
            continue
        result = await ws_start(check, probe.id, headers, user_id=form_user, session_id=form_session)
        refused = result.outcome in ("error-frame", "auth-failed") and result.frame_status in (
            None,
            *REFUSALS,
        )
        facts = {"cell": cell.name, "mode": "websocket"}
        if refused_without_user(
            check, identity, refused, _describe(result), exchange=result.exchange, **facts
        ):
            continue
        if result.echo is None:
            check.record(
                "C17" if identity.user_id else "C19",
                False,
                f"[{cell.name}] the WebSocket run completes with the echo",
                _describe(result),
                result.exchange,
                field="run",
                observed_source="none",
                **facts,
            )
            continue
        for field_name, verified, form in (
            ("user_id", identity.user_id, form_user),
            ("session_id", identity.session_id, form_session),
        ):
            seen = result.echo.field(field_name)
            judgement = judge_identity_field(
                field_name, verified, form, seen, "run output", label=cell.name, post_runs=False
            )
            check.record_all(
                [judgement], result.exchange, observed_source=_source(seen, verified, form), **facts
            )


@register("ws-continue", clauses=("C44",), needs_probes=True, needs_websocket=True)
async def ws_continue(check: Check) -> None:
    """C44: continuing a paused factory workflow over the WebSocket never surfaces FactoryContextRequired."""
    probe = check.deployment.probe("workflow", "pause")
    if probe is None:
        check.not_judged(("C44",), "probe-workflow-pause is not listed")
        return
    headers, _ = check.suite.caller(ALL_SCOPES)
    started, paused = await pause(check, probe, {"phase": "start"}, headers)
    confirmation = confirmed(paused, "workflow") if paused else None
    if paused is None or confirmation is None:
        check.record(
            "C44",
            False,
            f"{probe.id} pauses over HTTP",
            started.text[:300],
            started.exchange,
            error="no pause",
        )
        return
    message = {
        "action": "continue-workflow",
        "workflow_id": probe.id,
        "run_id": paused["run_id"],
        "session_id": paused["session_id"],
        "step_requirements": json.loads(confirmation[1]),
    }
    async with ws_connect(check, ws_path(check, probe.id), headers) as ws:
        result = await ws_run(ws, message)
        result.exchange = ws.exchange()
    check.record(
        "C44",
        result.outcome == "completed",
        "continue-workflow over the WebSocket completes the paused run",
        _describe(result),
        result.exchange,
        error=result.error or "",
        outcome=result.outcome,
    )
