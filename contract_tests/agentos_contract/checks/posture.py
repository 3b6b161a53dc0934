"""Asking the deployment what it enforces (see :mod:`agentos_contract.posture`)."""

from __future__ import annotations

from dataclasses import replace

from agentos_contract.checks.base import Check, describe, echo_of, unique
from agentos_contract.discovery import SCOPES
from agentos_contract.posture import REFUSALS, Finding, Posture
from agentos_contract.target import Answer
from agentos_contract.tokens import CannotIssue


def _refusal(answer: Answer, what: str) -> Finding:
    if answer.status in REFUSALS:
        return Finding("refused", f"{what} answered {answer.status} {answer.text[:120]!r}")
    if answer.status == 200:
        return Finding("accepted", f"{what} answered 200")
    return Finding("unknown", f"{what} answered {describe(answer)[:160]}")


async def find_posture(check: Check, posture: Posture) -> Posture:
    """Ask the deployment (through the echo probe) how it treats tokens without a user and
    reads across users. Without probes or without a key to mint tokens, says why it cannot."""
    suite = check.suite
    echo = check.deployment.probe("agent", "echo")
    if not suite.can_mint:
        reason = (
            "no tokens: the deployment verifies none"
            if not suite.config.jwt_mode
            else "one identity only: the suite cannot mint tokens without a key"
        )
        unknown = Finding("unknown", reason)
        return replace(posture, no_user_tokens=unknown, empty_user_tokens=unknown, isolation=unknown)
    if echo is None:
        unknown = Finding("unknown", "the deployment has no probes to ask with")
        return replace(posture, no_user_tokens=unknown, empty_user_tokens=unknown, isolation=unknown)
    scopes = tuple(SCOPES.values())
    findings: dict[str, Finding] = {}
    for name, user in (("no_user_tokens", None), ("empty_user_tokens", "")):
        try:
            headers, _ = suite.credentials(user_id=user, scopes=scopes)
        except CannotIssue as exc:
            findings[name] = Finding("unknown", str(exc))
            continue
        answer = await check.run(echo, headers=headers)
        label = "a run with a token without a user" if user is None else "a run with a token whose user is ''"
        findings[name] = _refusal(answer, label)
    findings["isolation"] = await _isolation(check, scopes)
    return replace(
        posture,
        no_user_tokens=findings["no_user_tokens"],
        empty_user_tokens=findings["empty_user_tokens"],
        isolation=findings["isolation"],
    )


async def _isolation(check: Check, scopes: tuple[str, ...]) -> Finding:
    """One user's run read back by another user: 404 means isolation, 200 means none."""
    echo = check.deployment.probe("agent", "echo")
    assert echo is not None
    try:
        owner_id, other_id = check.suite.distinct_users(2, "contract-posture")
    except CannotIssue as exc:
        return Finding("unknown", str(exc))
    owner, _ = check.suite.credentials(user_id=owner_id, scopes=scopes)
    session = unique("contract-sess")
    started = await check.run(echo, session_id=session, headers=owner)
    body = started.json()
    if started.status != 200 or not isinstance(body, dict) or not isinstance(body.get("run_id"), str):
        return Finding("unknown", f"the owner's run did not start: {describe(started)[:160]}")
    other, _ = check.suite.credentials(user_id=other_id, scopes=scopes)
    path = f"{echo.path}/runs/{body['run_id']}"
    answer = await check.target.request("GET", path, params={"session_id": session}, headers=other)
    if answer.status == 404:
        return Finding("on", f"another user's GET of a run answered 404 {answer.text[:80]!r}")
    if answer.status == 200 and echo_of(answer, False) is not None:
        return Finding("off", "another user's GET of a run answered 200 with the run")
    return Finding("unknown", f"another user's GET of a run answered {describe(answer)[:160]}")
