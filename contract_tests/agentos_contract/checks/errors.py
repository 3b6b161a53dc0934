"""The spec's exception table in every HTTP run mode, and cancel."""

from __future__ import annotations

from functools import partial
from typing import Any

from agentos_contract.checks.base import OMIT, TRACE_HEADER, Check, describe, unique
from agentos_contract.checks.registry import check as register
from agentos_contract.discovery import Component
from agentos_contract.judgements import judge_exception
from agentos_contract.spec import (
    BEHAVIOUR_ROWS,
    EXCEPTION_TABLE,
    HTTP_RUN_MODES,
    KINDS,
    RUN_SCOPES,
    ExceptionRow,
    RunMode,
)

# A server that falls over on an exception may close the connection after answering (uvicorn does
# after an unhandled one); each failing run goes on a connection of its own, so the next request
# never inherits a dead one and its answer is judged for what it asked.
CLOSE = {"Connection": "close"}


async def _judge_row(
    check: Check,
    probe: Component,
    row: ExceptionRow,
    mode: RunMode,
    headers: dict[str, str] | None = None,
    **facts: Any,
) -> None:
    if headers is None:
        headers, _ = check.suite.caller()
    raised = facts.get("raised", row.raised)
    factory_input = {"raise": raised} if facts.get("probe_behaviour") == "raise" else OMIT
    answer = await check.run(
        probe,
        factory_input=factory_input,
        stream=mode == "sse",
        headers={**headers, **CLOSE},
        extra_form=[("background", "true")] if mode == "background" else (),
    )
    check.record_all(
        judge_exception(answer, row, f"{probe.id} ({row.what}, {mode})"),
        answer.exchange,
        kind=probe.kind,
        mode=mode,
        raised=raised,
        status=answer.status,
        **facts,
    )


async def _judge_rows(
    check: Check,
    probe: Component,
    rows: tuple[ExceptionRow, ...],
    headers: dict[str, str] | None = None,
    **facts: Any,
) -> None:
    """One probe's rows in every HTTP run mode: a part of the check that runs beside the others."""
    for row in rows:
        for mode in HTTP_RUN_MODES:
            await _judge_row(check, probe, row, mode, headers=headers, **facts)


@register(
    "exception-table",
    clauses=("C38", "C39", "C40", "C41", "C47", "H02", "H04"),
    needs_probes=True,
)
async def exception_table(check: Check) -> None:
    """The spec's exception table (C38-C41, C47) in every HTTP run mode, with H02 and H04 on each:
    the v1 probes that fail by behaviour, and the v2 raise-probes (sync and async) for every row."""
    raise_probes = check.deployment.probe_version >= 2
    if not raise_probes:
        check.not_judged(("C47",), "the deployment's probes speak protocol v1: no raise-probes")
    for kind in KINDS:
        for name, row in BEHAVIOUR_ROWS:
            probe = check.deployment.probe(kind, name)
            if probe is None:
                check.not_judged((row.clause,), f"probe-{kind}-{name} is not listed")
                continue
            headers: dict[str, str] | None = None
            if name == "scope":
                # A user without scopes of its own (the run's own user may hold every scope when
                # the tokens are given, not minted).
                headers, identity = check.suite.user_of_its_own()
                if RUN_SCOPES[kind] in identity.scopes:
                    # A given token (--token, --identity) may carry the scope: the 403 cannot be seen
                    # with it; the scope-granted case below judges this token.
                    check.not_judged((row.clause,), f"the caller's token carries {RUN_SCOPES[kind]}")
                    continue
            await check.fork(
                partial(
                    _judge_rows,
                    probe=probe,
                    rows=(row,),
                    headers=headers,
                    probe_behaviour=name,
                    callable="sync",
                )
            )
        for suffix, callable_kind in (("raise", "sync"), ("raise-async", "async")):
            probe = check.deployment.probe(kind, suffix) if raise_probes else None
            if probe is None:
                if raise_probes:
                    check.not_judged(("C47",), f"probe-{kind}-{suffix} is not listed")
                continue
            await check.fork(
                partial(
                    _judge_rows,
                    probe=probe,
                    rows=EXCEPTION_TABLE,
                    probe_behaviour="raise",
                    callable=callable_kind,
                )
            )
        gate = check.deployment.probe(kind, "scope")
        granted = check.suite.user_of_its_own((RUN_SCOPES[kind],))
        if gate is not None and RUN_SCOPES[kind] in granted[1].scopes:
            answer = await check.run(gate, headers=granted[0])
            check.record(
                "C38",
                answer.status == 200,
                f"{gate.id} with scope {RUN_SCOPES[kind]} answers 200",
                describe(answer),
                answer.exchange,
                kind=kind,
                probe_behaviour="scope-granted",
            )


@register("cancel", clauses=("C29",), needs_probes=True)
async def cancel(check: Check) -> None:
    """C29: cancel never invokes the factory (judged by status, and by the ledger when it works)."""
    for kind in KINDS:
        echo = check.deployment.probe(kind, "echo")
        targets = [p for name in ("crash", "scope", "echo") if (p := check.deployment.probe(kind, name))]
        if not targets:
            continue
        run_id = unique("contract-run")
        session_id = unique("contract-sess")
        if echo is not None:
            headers, _ = check.suite.caller()
            started = await check.run(echo, session_id=session_id, headers=headers)
            body = started.json()
            if started.status == 200 and isinstance(body, dict) and isinstance(body.get("run_id"), str):
                run_id = body["run_id"]
        for probe in targets:
            headers, _ = check.suite.caller()
            trace = unique("contract-trace")
            headers[TRACE_HEADER] = trace
            run = run_id if probe is echo else unique("contract-run")
            path = f"{probe.path}/runs/{run}/cancel"
            answer = await check.target.request(
                "POST",
                path,
                form=[("session_id", session_id)],
                headers=headers,
                params={"session_id": session_id},
            )
            check.record(
                "C29",
                answer.status < 300 or answer.status == 404,
                f"cancel on {probe.id} answers 2xx (or 404 for an unknown run), never the factory's "
                "400/403/500",
                describe(answer),
                answer.exchange,
                kind=kind,
                status=answer.status,
            )
            if check.suite.ledger_ok:
                invocations = await check.read_ledger(trace)
                check.record(
                    "C29",
                    invocations == [],
                    f"cancel on {probe.id} does not invoke the factory",
                    f"ledger: {invocations!r}",
                    answer.exchange,
                    kind=kind,
                )
