"""Tenant isolation (house rules H05-H10): one tenant never reaches another's runs.

Judged with minted identities: an owner, an intruder (another verified user), a token without
a user and, where the deployment takes requests without a token, no token at all. "Cannot tell
it exists" is judged by comparison: the intruder's answer about the owner's run must be the
answer the same intruder gets about an id that exists nowhere (ids replaced by placeholders).
"Unchanged" is judged by reading the run back as its owner afterwards.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio

from agentos_contract.checks.base import ALL_SCOPES, Check, Identity, describe, echo_of, unique
from agentos_contract.checks.lifecycle import confirmed, pause
from agentos_contract.checks.registry import check as register
from agentos_contract.discovery import Component
from agentos_contract.judgements import same_as_unknown
from agentos_contract.model import Exchange
from agentos_contract.posture import REFUSALS
from agentos_contract.spec import KINDS
from agentos_contract.target import Answer
from agentos_contract.tokens import CannotIssue

CONCURRENT_REQUESTS = 32
ONE_IDENTITY = (
    "the suite cannot mint tokens (no --jwt-secret/--jwt-private-key): with one identity only, "
    "there is no other tenant to keep apart"
)
NO_VERIFIED_USERS = "the deployment verifies no tokens: there are no verified users to keep apart"


@dataclass(frozen=True)
class Caller:
    """Someone who should not reach the owner's run."""

    name: str  # "another user", "a token without a user", "no token"
    headers: dict[str, str]
    identity: Identity

    @property
    def verified(self) -> bool:
        return bool(self.identity.user_id)

    @property
    def clause(self) -> str:
        return "H05" if self.verified else "H06"


async def _callers(check: Check, intruder: str) -> list[Caller]:
    suite = check.suite
    other_headers, other = suite.credentials(user_id=intruder, scopes=ALL_SCOPES)
    callers = [Caller("another user", other_headers, other)]
    for name, user in (("a token without a user", None), ("a token with an empty user", "")):
        try:
            headers, identity = suite.credentials(user_id=user, scopes=ALL_SCOPES)
        except CannotIssue as exc:
            check.not_judged(("H06",), f"{name}: {exc}")
            continue
        callers.append(Caller(name, headers, identity))
    # No token at all, where the deployment serves requests without one.
    answer = await check.target.request("GET", "/agents")
    if answer.status == 200:
        callers.append(Caller("no token", {}, Identity()))
    return callers


@register("tenant-isolation", clauses=("H05", "H06", "H07", "H08"), needs_probes=True)
async def tenant_isolation(check: Check) -> None:
    """H05-H08: reads, lists, cancels, continues and session writes across tenants."""
    if not check.suite.config.jwt_mode:
        check.not_judged(("H05", "H06", "H07", "H08"), NO_VERIFIED_USERS)
        return
    if not check.suite.can_mint:
        check.not_judged(("H05", "H06", "H07", "H08"), ONE_IDENTITY)
        return
    owner_id, intruder_id = check.suite.distinct_users(2, "contract-tenant")
    owner = check.suite.credentials(user_id=owner_id, scopes=ALL_SCOPES)
    callers = await _callers(check, intruder_id)
    for kind in KINDS:
        echo = check.deployment.probe(kind, "echo")
        if echo is not None:
            await check.fork(partial(_reads, echo=echo, callers=callers, owner_of=owner))
            await check.fork(partial(_session_writes, echo=echo, callers=callers, owner_of=owner))
        pauser = check.deployment.probe(kind, "pause")
        if pauser is not None:
            for caller in callers:
                await check.fork(partial(_acts_on_paused, probe=pauser, caller=caller, owner_of=owner))


Owner = tuple[dict[str, str], Identity]


async def _reads(check: Check, echo: Component, callers: list[Caller], owner_of: Owner) -> None:
    owner_headers, owner = owner_of
    session = unique("contract-sess")
    started = await check.run(echo, session_id=session, headers=owner_headers, factory_input={"tenant": "a"})
    body = started.json()
    if started.status != 200 or not isinstance(body, dict) or not isinstance(body.get("run_id"), str):
        check.record(
            "H05", False, f"the owner's run of {echo.id} starts", describe(started), started.exchange
        )
        return
    run_id = body["run_id"]
    missing_run, missing_session = unique("contract-missing-run"), unique("contract-missing-sess")
    ids = {run_id: "{run_id}", missing_run: "{run_id}", session: "{session}", missing_session: "{session}"}
    for caller in callers:
        facts = {"kind": echo.kind, "caller": caller.name, "isolation": check.suite.posture.isolation.setting}
        routes = (
            ("read", f"{echo.path}/runs/{run_id}", f"{echo.path}/runs/{missing_run}", session, session),
            ("list", f"{echo.path}/runs", f"{echo.path}/runs", session, missing_session),
        )
        for route, path, unknown_path, sess, unknown_sess in routes:
            answer = await check.target.request(
                "GET", path, params={"session_id": sess}, headers=caller.headers
            )
            unknown = await check.target.request(
                "GET", unknown_path, params={"session_id": unknown_sess}, headers=caller.headers
            )
            refused = not caller.verified and answer.status in REFUSALS
            check.record(
                caller.clause,
                refused or (same_as_unknown(answer, unknown, ids) and run_id not in answer.text),
                f"{caller.name}'s {route} of the owner's {echo.kind} run answers exactly as for an unknown "
                f"{'run' if route == 'read' else 'session'} ({describe(unknown)[:160]})",
                describe(answer),
                answer.exchange,
                route=route,
                status=answer.status,
                **facts,
            )
    read_back = await check.target.request(
        "GET", f"{echo.path}/runs/{run_id}", params={"session_id": session}, headers=owner_headers
    )
    seen = echo_of(read_back, False)
    check.record(
        "H05",
        read_back.status == 200 and seen is not None and seen.field("user_id") == owner.user_id,
        f"the owner still reads its {echo.kind} run",
        describe(read_back),
        read_back.exchange,
        kind=echo.kind,
        route="owner-read",
    )


async def _session_writes(check: Check, echo: Component, callers: list[Caller], owner_of: Owner) -> None:
    """H08: a run posted into another user's session never appears in the owner's listing."""
    owner_headers, _ = owner_of
    session = unique("contract-sess")
    started = await check.run(echo, session_id=session, headers=owner_headers)
    if started.status != 200:
        check.record(
            "H08", False, f"the owner's run of {echo.id} starts", describe(started), started.exchange
        )
        return
    intruder_runs: list[str] = []
    for caller in callers:
        posted = await check.run(
            echo, session_id=session, headers=caller.headers, user_id=unique("form-user")
        )
        body = posted.json()
        if posted.status == 200 and isinstance(body, dict) and isinstance(body.get("run_id"), str):
            intruder_runs.append(body["run_id"])
    listing = await check.target.request(
        "GET", f"{echo.path}/runs", params={"session_id": session}, headers=owner_headers
    )
    leaked = [run for run in intruder_runs if run in listing.text]
    check.record(
        "H08",
        listing.status == 200 and not leaked,
        f"the owner's listing of its {echo.kind} session shows none of the runs other callers posted into it",
        f"{describe(listing)}; others' runs listed: {leaked}",
        listing.exchange,
        kind=echo.kind,
        posted=len(intruder_runs),
    )


async def _run_status(check: Check, probe: Component, paused: dict[str, Any], headers: dict[str, str]) -> Any:
    answer = await check.target.request(
        "GET",
        f"{probe.path}/runs/{paused['run_id']}",
        params={"session_id": str(paused["session_id"])},
        headers=headers,
    )
    body = answer.json()
    return (body.get("status"), body.get("user_id")) if isinstance(body, dict) else (answer.status, None)


async def _acts_on_paused(check: Check, probe: Component, caller: Caller, owner_of: Owner) -> None:
    """H05/H06 for cancel and continue, H07: nothing the intruder does changes the owner's run."""
    owner_headers, owner = owner_of
    started, paused = await pause(check, probe, {"phase": "start"}, owner_headers)
    confirmation = confirmed(paused, probe.kind) if paused else None
    if paused is None or confirmation is None:
        check.record("H07", False, f"{probe.id} pauses for its owner", describe(started), started.exchange)
        return
    run_id, session = str(paused["run_id"]), str(paused["session_id"])
    missing = unique("contract-missing-run")
    ids = {run_id: "{run_id}", missing: "{run_id}"}
    facts = {"kind": probe.kind, "caller": caller.name, "isolation": check.suite.posture.isolation.setting}
    for action in ("cancel", "continue"):
        form = [("session_id", session)]
        if action == "continue":
            form += [confirmation, ("stream", "false"), ("user_id", unique("form-user"))]
        answers = []
        for target_run in (run_id, missing):
            answers.append(
                await check.target.request(
                    "POST",
                    f"{probe.path}/runs/{target_run}/{action}",
                    form=form,
                    params={"session_id": session},
                    headers=caller.headers,
                )
            )
        answer, unknown = answers
        refused = not caller.verified and answer.status in REFUSALS
        check.record(
            caller.clause,
            refused or same_as_unknown(answer, unknown, ids),
            f"{caller.name}'s {action} of the owner's paused {probe.kind} run answers exactly as for an "
            f"unknown run ({describe(unknown)[:160]})",
            describe(answer),
            answer.exchange,
            route=action,
            status=answer.status,
            **facts,
        )
        status, user = await _run_status(check, probe, paused, owner_headers)
        check.record(
            "H07",
            status == "PAUSED" and user == owner.user_id,
            f"after {caller.name}'s {action}, the owner's run still reads PAUSED and belongs to "
            f"{owner.user_id!r}",
            f"status={status!r}, user_id={user!r}",
            answer.exchange,
            route=action,
            **facts,
        )
    # The owner's own continue still completes the run, as its owner.
    done = await check.target.request(
        "POST",
        f"{probe.path}/runs/{run_id}/continue",
        form=[confirmation, ("session_id", session), ("stream", "false")],
        headers=owner_headers,
    )
    body = done.json()
    check.record(
        "H07",
        done.status == 200 and isinstance(body, dict) and body.get("status") == "COMPLETED",
        f"after {caller.name} tried, the owner's continue completes its {probe.kind} run",
        describe(done),
        done.exchange,
        route="owner-continue",
        **facts,
    )
    status, user = await _run_status(check, probe, paused, owner_headers)
    check.record(
        "H07",
        user == owner.user_id,
        f"the completed {probe.kind} run still belongs to {owner.user_id!r}",
        f"status={status!r}, user_id={user!r}",
        done.exchange,
        route="owner-read",
        **facts,
    )


@register("concurrent-contexts", clauses=("H09",), needs_probes=True)
async def concurrent_contexts(check: Check) -> None:
    """H09: interleaved requests with different identities and inputs each see only their own."""
    echoes = [p for kind in KINDS if (p := check.deployment.probe(kind, "echo")) is not None]
    if not echoes:
        check.not_judged(("H09",), "no echo probes are listed")
        return
    mismatches: list[str] = []
    exchanges: list[Answer] = []

    async def one(index: int) -> None:
        probe = echoes[index % len(echoes)]
        stream = index % 2 == 1
        user = unique(f"contract-concurrent-{index}")
        sent = {"request": index, "marker": unique("input")}
        if check.suite.can_mint:
            headers, identity = check.suite.credentials(user_id=user, scopes=ALL_SCOPES)
            expected_user = identity.user_id
        else:
            headers, identity = check.suite.caller(ALL_SCOPES)
            expected_user = identity.user_id or user
        answer = await check.run(probe, factory_input=sent, user_id=user, stream=stream, headers=headers)
        exchanges.append(answer)
        echo = echo_of(answer, stream)
        seen_user = echo.field("user_id") if echo else None
        seen_input = echo.field("input") if echo else None
        if answer.status != 200 or seen_user != expected_user or seen_input != sent:
            mismatches.append(
                f"request {index} ({probe.id}, stream={stream}) sent user={expected_user!r} "
                f"input={json.dumps(sent)}; saw {describe(answer)[:80] if echo is None else ''}"
                f"user={seen_user!r} input={seen_input!r}"
            )

    async with anyio.create_task_group() as group:
        for index in range(CONCURRENT_REQUESTS):
            group.start_soon(one, index)
    check.record(
        "H09",
        not mismatches,
        f"{CONCURRENT_REQUESTS} interleaved runs ({len(echoes)} kinds, streamed and not), each with its own "
        "identity and factory_input, each echo their own",
        "; ".join(mismatches[:5]) or "every echo was its own request's",
        exchanges[0].exchange if exchanges else None,
        mismatches=len(mismatches),
    )


EXPIRY_WAIT_S = 20.0


@register("ws-isolation", clauses=("H10",), needs_probes=True, needs_websocket=True)
async def ws_isolation(check: Check) -> None:
    """H10: the WebSocket keeps tenants apart too, and a token's expiry holds for the socket's life."""
    from agentos_contract.checks.websocket import ws_connect, ws_path, ws_run

    if not check.suite.can_mint:
        check.not_judged(("H10",), ONE_IDENTITY)
        return
    echo = check.deployment.probe("workflow", "echo")
    pauser = check.deployment.probe("workflow", "pause")
    if echo is None:
        check.not_judged(("H10",), "probe-workflow-echo is not listed")
        return
    # 1. A socket authenticated with a token that then expires: its next run must be refused.
    now = int(time.time())
    headers, identity = check.suite.credentials(
        user_id=unique("contract-ws-expiry"), scopes=ALL_SCOPES, extra={"iat": now, "exp": now + 4}
    )
    expires = identity.claims.get("exp")
    if not isinstance(expires, int) or expires > now + 30:
        check.not_judged(("H10",), "no short-lived token: the token source sets its own expiry")
    else:
        start = {"action": "start-workflow", "workflow_id": echo.id, "message": "before expiry"}
        async with ws_connect(check, ws_path(check, echo.id), headers) as ws:
            first = await ws_run(ws, {**start, "session_id": unique("contract-ws-sess")})
            rejected_over_http = await _wait_until_refused(check, headers)
            if first.outcome != "completed":
                check.not_judged(("H10",), f"the socket's first run did not complete: {first.outcome}")
            elif rejected_over_http is None:
                check.not_judged(
                    ("H10",),
                    f"the deployment still accepted the expired token over HTTP after {EXPIRY_WAIT_S:g} s",
                )
            else:
                second = await ws_run(
                    ws, {**start, "message": "after expiry", "session_id": unique("contract-ws-sess")}
                )
                check.record(
                    "H10",
                    second.outcome != "completed",
                    "once the token has expired (HTTP answers "
                    f"{rejected_over_http}), the socket it authenticated runs nothing more",
                    f"{second.outcome}: {second.error or ''}",
                    ws.exchange(),
                    route="expiry",
                    outcome=second.outcome,
                )
    # 2. Another user's socket cannot continue a user's paused workflow run.
    if pauser is None:
        return
    owner_id, intruder_id = check.suite.distinct_users(2, "contract-ws-tenant")
    owner_headers, _ = check.suite.credentials(user_id=owner_id, scopes=ALL_SCOPES)
    intruder_headers, _ = check.suite.credentials(user_id=intruder_id, scopes=ALL_SCOPES)
    started, paused = await pause(check, pauser, {"phase": "start"}, owner_headers)
    confirmation = confirmed(paused, "workflow") if paused else None
    if paused is None or confirmation is None:
        check.record("H10", False, f"{pauser.id} pauses for its owner", describe(started), started.exchange)
        return
    missing = unique("contract-missing-run")
    ids = {str(paused["run_id"]): "{run_id}", missing: "{run_id}"}
    frames: list[str] = []
    exchange: Exchange | None = None
    for run_id in (str(paused["run_id"]), missing):
        message = {
            "action": "continue-workflow",
            "workflow_id": pauser.id,
            "run_id": run_id,
            "session_id": paused["session_id"],
            "step_requirements": json.loads(confirmation[1]),
        }
        async with ws_connect(check, ws_path(check, pauser.id), intruder_headers) as ws:
            result = await ws_run(ws, message)
            exchange = ws.exchange()
        text = json.dumps(result.frames[-1:], sort_keys=True) if result.frames else result.outcome
        for value, placeholder in ids.items():
            text = text.replace(value, placeholder)
        frames.append(f"{result.outcome}: {text}")
    status, _ = await _run_status(check, pauser, paused, owner_headers)
    check.record(
        "H10",
        frames[0] == frames[1] and status == "PAUSED",
        "another user's continue-workflow of a paused run answers as for an unknown run "
        f"({frames[1][:160]}), and the run stays PAUSED",
        f"{frames[0][:200]}; the owner reads status={status!r}",
        exchange,
        route="ws-continue",
    )


async def _wait_until_refused(check: Check, headers: dict[str, str]) -> int | None:
    """The status once the deployment refuses the token over HTTP (401/403), None if it never does."""
    deadline = time.monotonic() + EXPIRY_WAIT_S
    while time.monotonic() < deadline:
        answer = await check.target.request("GET", "/agents", headers=headers)
        if answer.status in REFUSALS:
            return answer.status
        await anyio.sleep(1.0)
    return None
