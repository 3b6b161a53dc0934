"""The spec's exception table over HTTP (stream false and true), and cancel."""

from __future__ import annotations

from agentos_contract.checks.base import TRACE_HEADER, Check, describe, unique
from agentos_contract.checks.blackbox import error_shape_ok
from agentos_contract.discovery import KINDS, SCOPES

SECRETS = ("probe-crash-secret-7f3a", "probe-factory-error-secret-91c2")

# probe name -> (clause, expected status, what it does)
TABLE = (
    ("scope", "C38", 403, "raises FactoryPermissionError"),
    ("factory-error", "C39", 500, "raises FactoryError"),
    ("wrong-type", "C40", 500, "returns the wrong component type"),
    ("crash", "C41", 500, "raises RuntimeError"),
)


async def exception_table(check: Check) -> None:
    """C38-C41, H02, H04."""
    for kind in KINDS:
        for name, clause, status, what in TABLE:
            probe = check.deployment.probe(kind, name)
            if probe is None:
                check.not_judged((clause,), f"probe-{kind}-{name} is not listed")
                continue
            for stream in (False, True):
                # A user without scopes of its own (the run's own user may hold every scope when
                # the tokens are given, not minted).
                headers, identity = (
                    check.suite.credentials(user_id=unique("contract-unscoped"))
                    if check.suite.can_mint
                    else check.suite.caller()
                )
                if name == "scope" and SCOPES[kind] in identity.scopes:
                    # A given token (--token, --identity) may carry the scope: the 403 cannot be seen
                    # with it; the scope-granted case below judges this token.
                    check.not_judged((clause,), f"the caller's token carries {SCOPES[kind]}")
                    continue
                answer = await check.run(probe, stream=stream, headers=headers)
                facts = {"kind": kind, "probe_behaviour": name, "stream": stream, "status": answer.status}
                check.record(
                    clause,
                    answer.status == status,
                    f"{probe.id} ({what}, stream={str(stream).lower()}) answers {status}",
                    describe(answer),
                    answer.exchange,
                    **facts,
                )
                check.record(
                    "H04",
                    error_shape_ok(answer) if answer.status >= 400 or answer.failed else True,
                    f'{probe.id}: the error is JSON {{"detail": ...}} (stream={str(stream).lower()})',
                    describe(answer),
                    answer.exchange,
                    **facts,
                )
                if status == 500:
                    leaked = any(secret in answer.text for secret in SECRETS)
                    check.record(
                        "H02",
                        not leaked,
                        f"{probe.id}: the 500 body does not contain the exception's text",
                        describe(answer),
                        answer.exchange,
                        leaked=leaked,
                        **facts,
                    )
        gate = check.deployment.probe(kind, "scope")
        granted = (
            check.suite.credentials(user_id=unique("contract-scoped"), scopes=(SCOPES[kind],))
            if check.suite.can_mint
            else check.suite.caller()
        )
        if gate is not None and SCOPES[kind] in granted[1].scopes:
            answer = await check.run(gate, headers=granted[0])
            check.record(
                "C38",
                answer.status == 200,
                f"{gate.id} with scope {SCOPES[kind]} answers 200",
                describe(answer),
                answer.exchange,
                kind=kind,
                probe_behaviour="scope-granted",
            )


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
