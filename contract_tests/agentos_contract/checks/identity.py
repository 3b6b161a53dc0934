"""Identity precedence and the trust split: who the factory thinks is calling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentos_contract.checks.base import ALL_SCOPES, Check, Identity, describe, echo_of, unique
from agentos_contract.discovery import KINDS, SCOPES, Component, Kind
from agentos_contract.posture import NO_USER_REFUSED, REFUSALS
from agentos_contract.target import Answer
from agentos_contract.tokens import CannotIssue


@dataclass(frozen=True)
class Cell:
    """One cell of the matrix: which verified values the token has, which form values are sent."""

    name: str
    token_user: bool
    token_session: bool
    form: str  # "absent", "agree", "disagree"


CELLS = (
    Cell("verified user+session, form absent", True, True, "absent"),
    Cell("verified user+session, form agrees", True, True, "agree"),
    Cell("verified user+session, form disagrees", True, True, "disagree"),
    Cell("verified user only, form disagrees", True, False, "disagree"),
    Cell("verified session only, form disagrees", False, True, "disagree"),
    Cell("no verified identity, form present", False, False, "disagree"),
    Cell("no verified identity, form absent", False, False, "absent"),
)


def _expected(verified: str | None, form: str | None) -> str | None:
    return verified if verified is not None else form


def refused_without_user(check: Check, identity: Identity, refused: bool, what: str, **facts: Any) -> bool:
    """A token without a user refused by a deployment that refuses such tokens: H06 holds, and the
    clauses that need such a caller served are not judged. False when this case does not apply."""
    if identity.user_id or not check.suite.can_mint or not check.suite.posture.refuses_tokens_without_user:
        return False
    if not refused:
        return False
    check.record(
        "H06", True, "a token without a user is refused outright (or served as nobody)", what, **facts
    )
    check.not_judged(("C19", "C20", "C21"), NO_USER_REFUSED)
    return True


async def identity_matrix(check: Check) -> None:
    """C17-C21 on POST /runs for every kind, and the prototype path for comparison."""
    cells = (
        CELLS if check.suite.can_mint else tuple(c for c in CELLS if not c.token_user and not c.token_session)
    )
    if not check.suite.can_mint:
        check.not_judged(
            ("C17", "C18"),
            "no JWT key given (--jwt-secret/--jwt-private-key): the suite "
            "cannot mint tokens with a verified identity",
        )
        if check.suite.config.token is not None:
            check.not_judged(
                ("C19", "C20", "C21"),
                "with --token only, every request carries that token's "
                "identity: the unverified rows of the matrix cannot be sent",
            )
            return
    prototype = check.deployment.get("agent", "probe-agent-prototype")
    for cell in cells:
        try:
            for kind in KINDS:
                probe = check.deployment.probe(kind, "echo")
                if probe is None:
                    continue
                await _judge_cell(check, cell, probe, stream=False)
            await _judge_cell(check, cell, check.deployment.probe("agent", "echo"), stream=True)
            if prototype is not None and not prototype.is_factory:
                await _compare_with_prototype(check, cell, prototype)
        except CannotIssue as exc:  # identity tokens: no token fits this row of the matrix
            check.not_judged(_cell_clauses(cell), f"[{cell.name}] {exc}")


def _cell_clauses(cell: Cell) -> tuple[str, ...]:
    verified = ("C17", "C18") if cell.token_user or cell.token_session else ()
    return (*verified, "C19", "C20", "C21")


def _cell_values(check: Check, cell: Cell) -> tuple[dict[str, str], Identity, str | None, str | None]:
    token_user = unique("jwt-user") if cell.token_user else None
    token_session = unique("jwt-sess") if cell.token_session else None
    headers, identity = check.suite.credentials(user_id=token_user, session_id=token_session)
    if cell.form == "absent":
        form_user = form_session = None
    elif cell.form == "agree":
        form_user, form_session = token_user, token_session
    else:
        form_user, form_session = unique("form-user"), unique("form-sess")
    return headers, identity, form_user, form_session


async def _judge_cell(check: Check, cell: Cell, probe: Component | None, stream: bool) -> None:
    if probe is None:
        return
    headers, identity, form_user, form_session = _cell_values(check, cell)
    answer = await check.run(
        probe, user_id=form_user, session_id=form_session, stream=stream, headers=headers
    )
    echo = echo_of(answer, stream)
    facts = {"cell": cell.name, "kind": probe.kind, "stream": stream}
    if refused_without_user(
        check, identity, answer.status in REFUSALS, describe(answer), exchange=answer.exchange, **facts
    ):
        return
    if answer.status != 200 or echo is None:
        check.record(
            "C17" if identity.user_id else "C19",
            False,
            f"[{cell.name}] 200 with the probe's echo",
            describe(answer),
            answer.exchange,
            **facts,
        )
        return
    body = answer.json() if not stream else None
    for field_name, verified, form in (
        ("user_id", identity.user_id, form_user),
        ("session_id", identity.session_id, form_session),
    ):
        expected = _expected(verified, form)
        seen = echo.field(field_name)
        if verified is not None:
            clause = "C18" if form is not None and form != verified else "C17"
        else:
            clause = "C19" if form is not None else "C20"
        where = "ctx"
        ok = seen == expected
        if ok and isinstance(body, dict):
            in_output = body.get(field_name)
            # A run output may carry a generated session id when neither side gave one.
            if not (field_name == "session_id" and expected is None):
                ok = in_output == expected
                where = "ctx and run output"
            seen = f"ctx={seen!r}, run output={in_output!r}"
        check.record(
            clause,
            ok,
            f"[{cell.name}] {where} {field_name} is {expected!r} (verified={verified!r}, form={form!r})",
            f"{seen}",
            answer.exchange,
            field=field_name,
            **facts,
        )


async def _compare_with_prototype(check: Check, cell: Cell, prototype: Component) -> None:
    headers, identity, form_user, form_session = _cell_values(check, cell)
    answer = await check.run(prototype, user_id=form_user, session_id=form_session, headers=headers)
    body = answer.json()
    if refused_without_user(
        check, identity, answer.status in REFUSALS, describe(answer), exchange=answer.exchange, cell=cell.name
    ):
        return
    if answer.status != 200 or not isinstance(body, dict):
        check.record("C21", False, f"[{cell.name}] the prototype runs", describe(answer), answer.exchange)
        return
    expected_user = _expected(identity.user_id, form_user)
    expected_session = _expected(identity.session_id, form_session)
    ok = body.get("user_id") == expected_user and (
        expected_session is None or body.get("session_id") == expected_session
    )
    check.record(
        "C21",
        ok,
        f"[{cell.name}] the prototype path resolves user_id={expected_user!r}, "
        f"session_id={expected_session!r}, as the factories do",
        describe(answer),
        answer.exchange,
        cell=cell.name,
    )


SMUGGLED_SCOPES = "agents:run teams:run workflows:run admin"
SMUGGLED_CLAIMS = '{"role": "admin", "sub": "smuggled-user", "scopes": ["agents:run"]}'


def _smuggling_channels(kind: str) -> dict[str, dict[str, Any]]:
    return {
        "form": {
            "extra_form": [
                ("scopes", SMUGGLED_SCOPES),
                ("claims", SMUGGLED_CLAIMS),
                # No "role" form field: agno 3.1 passes unknown form fields on as run kwargs and a
                # "role" one breaks its model call, which says nothing about the trust split.
                ("trusted", SMUGGLED_CLAIMS),
            ]
        },
        "query": {
            "params": {
                "scopes": SMUGGLED_SCOPES,
                "claims": SMUGGLED_CLAIMS,
                "role": "admin",
                "user_id": "smuggled-query-user",
                "session_id": "smuggled-query-sess",
            }
        },
        "headers": {
            "headers": {
                "X-Scopes": SMUGGLED_SCOPES,
                "X-Claims": SMUGGLED_CLAIMS,
                "X-Role": "admin",
                "X-User-Id": "smuggled-header-user",
                "X-Session-Id": "smuggled-header-sess",
            }
        },
        "cookies": {
            "headers": {
                "Cookie": "scopes=admin; claims=admin; role=admin; user_id=smuggled-cookie-user;"
                " session_id=smuggled-cookie-sess"
            }
        },
    }


async def smuggling(check: Check) -> None:
    """C14, C22: claims, scopes and identity sent through client channels never reach ctx, whether
    the caller has a verified user or not (the latter with a token without a user, or no token)."""
    callers = [check.suite.caller()]
    if check.suite.can_mint:
        callers.append(check.suite.credentials())
    for kind in KINDS:
        for channel, parts in _smuggling_channels(kind).items():
            for caller_headers, identity in callers:
                headers = {**caller_headers, **parts.get("headers", {})}
                facts = {"kind": kind, "channel": channel, "verified_user": identity.user_id is not None}
                await _smuggle(check, kind, channel, parts, headers, identity, facts)


async def _smuggle(
    check: Check,
    kind: Kind,
    channel: str,
    parts: dict[str, Any],
    headers: dict[str, str],
    identity: Identity,
    facts: dict[str, Any],
) -> None:
    echo = check.deployment.probe(kind, "echo")
    gate = check.deployment.probe(kind, "scope")
    extra_form, params = parts.get("extra_form", ()), parts.get("params")
    if echo is not None:
        answer = await check.run(echo, headers=headers, extra_form=extra_form, params=params)
        if refused_without_user(
            check, identity, answer.status in REFUSALS, describe(answer), exchange=answer.exchange, **facts
        ):
            return
        seen = echo_of(answer, False)
        if answer.status != 200 or seen is None:
            check.record(
                "C14",
                False,
                f"smuggling through {channel}: 200 with the echo",
                describe(answer),
                answer.exchange,
                **facts,
            )
            return
        claims, scopes = seen.field("claims"), seen.field("scopes")
        check.record(
            "C14",
            claims == dict(identity.claims) and scopes == sorted(identity.scopes),
            f"ctx.trusted is the verified token's alone (claims={dict(identity.claims)!r}, "
            f"scopes={sorted(identity.scopes)!r}) despite {channel}",
            f"claims={claims!r}, scopes={scopes!r}",
            answer.exchange,
            **facts,
        )
        check.record(
            "C22",
            seen.field("user_id") == identity.user_id and seen.field("session_id") == identity.session_id,
            f"ctx identity is the verified one ({identity.user_id!r}, {identity.session_id!r}) "
            f"despite {channel}",
            f"user_id={seen.field('user_id')!r}, session_id={seen.field('session_id')!r}",
            answer.exchange,
            **facts,
        )
    if gate is not None and SCOPES[kind] not in identity.scopes:
        answer = await check.run(gate, headers=headers, extra_form=extra_form, params=params)
        check.record(
            "C14",
            answer.status == 403,
            f"{gate.id} still refuses (403) when {SCOPES[kind]} is only smuggled via {channel}",
            describe(answer),
            answer.exchange,
            **facts,
        )


async def trusted_from_token(check: Check) -> None:
    """C15, C16: the verified token's claims and scopes are what ctx.trusted holds."""
    marker = unique("claim")
    headers, identity = check.suite.credentials(
        user_id=unique("jwt-user"),
        scopes=(*ALL_SCOPES, "contract:extra"),
        extra={"contract_claim": marker},
    )
    for kind in KINDS:
        echo = check.deployment.probe(kind, "echo")
        if echo is None:
            continue
        answer = await check.run(echo, headers=headers)
        seen = echo_of(answer, False)
        claims = seen.field("claims") if seen else None
        scopes = seen.field("scopes") if seen else None
        ok = isinstance(claims, dict) and all(claims.get(k) == v for k, v in identity.claims.items())
        check.record(
            "C15",
            answer.status == 200 and ok,
            f"ctx.trusted.claims holds every verified claim {dict(identity.claims)!r}",
            f"{_status(answer)} claims={claims!r}",
            answer.exchange,
            kind=kind,
        )
        check.record(
            "C16",
            answer.status == 200 and scopes == sorted(identity.scopes),
            f"ctx.trusted.scopes is {sorted(identity.scopes)!r}",
            f"{_status(answer)} scopes={scopes!r}",
            answer.exchange,
            kind=kind,
        )


def _status(answer: Answer) -> str:
    return f"HTTP {answer.status}"
