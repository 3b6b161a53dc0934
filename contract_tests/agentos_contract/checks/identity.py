"""Identity precedence and the trust split: who the factory thinks is calling."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from agentos_contract.checks.base import ALL_SCOPES, Check, Identity, describe, echo_of, unique
from agentos_contract.checks.lifecycle import confirmed
from agentos_contract.checks.modes import run_in_mode
from agentos_contract.checks.registry import check as register
from agentos_contract.discovery import Component
from agentos_contract.echo import Echo
from agentos_contract.judgements import judge_identity_field
from agentos_contract.model import Exchange
from agentos_contract.posture import NO_USER_REFUSED, REFUSALS
from agentos_contract.spec import (
    HTTP_RUN_MODES,
    KINDS,
    RUN_SCOPES,
    Kind,
    RunMode,
    continue_path,
    expected_identity,
)
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


def refused_without_user(check: Check, identity: Identity, refused: bool, what: str, **facts: Any) -> bool:
    """A token without a user refused by a deployment that refuses such tokens: H06 holds, and the
    clauses that need such a caller served are not judged. False when this case does not apply."""
    if identity.user_id or not check.suite.can_mint or not check.suite.posture.refuses_tokens_without_user:
        return False
    if not refused:
        return False
    facts = {key: value for key, value in facts.items() if key != "mode"}  # H06 is about reach, any mode
    check.record(
        "H06", True, "a token without a user is refused outright (or served as nobody)", what, **facts
    )
    check.not_judged_mine(("C19", "C20", "C21"), NO_USER_REFUSED)
    return True


class _TokenCell(Protocol):
    @property
    def token_user(self) -> bool: ...

    @property
    def token_session(self) -> bool: ...


CellT = TypeVar("CellT", bound=_TokenCell)


def judgeable_cells(check: Check, cells: tuple[CellT, ...]) -> tuple[CellT, ...] | None:
    """The cells this run can send (None: none, with the reasons recorded)."""
    if check.suite.can_mint:
        return cells
    check.not_judged_mine(
        ("C17", "C18"),
        "no JWT key given (--jwt-secret/--jwt-private-key): the suite cannot mint tokens with a "
        "verified identity",
    )
    if check.suite.config.token is not None:
        check.not_judged_mine(
            ("C19", "C20", "C21"),
            "with --token only, every request carries that token's identity: the unverified rows of "
            "the matrix cannot be sent",
        )
        return None
    return tuple(c for c in cells if not c.token_user and not c.token_session)


@register("identity-matrix", clauses=("C17", "C18", "C19", "C20", "C21", "H06"), needs_probes=True)
async def identity_matrix(check: Check) -> None:
    """C17-C21 on POST /runs for every kind in every HTTP mode (stream=false, stream=true,
    background=true, the last read back), and the prototype path for comparison."""
    cells = judgeable_cells(check, CELLS)
    if cells is None:
        return
    for cell in cells:  # one part per cell: with several workers they are sent at once
        await check.fork(partial(_judge_row_of_matrix, cell=cell))


async def _judge_row_of_matrix(check: Check, cell: Cell) -> None:
    prototype = check.deployment.get("agent", "probe-agent-prototype")
    try:
        for kind in KINDS:
            probe = check.deployment.probe(kind, "echo")
            if probe is None:
                continue
            for mode in HTTP_RUN_MODES:
                await _judge_cell(check, cell, probe, mode)
        if prototype is not None and not prototype.is_factory:
            await _compare_with_prototype(check, cell, prototype)
    except CannotIssue as exc:  # identity tokens: no token fits this row of the matrix
        check.not_judged_mine(cell_clauses(cell), f"[{cell.name}] {exc}")


def carries_cell(cell: _TokenCell, identity: Identity) -> None:
    """Raise CannotIssue when the token got is not the cell's: a given identity token carries the
    claims its provider put in it, and a row whose expectation rests on a verified session (or user)
    cannot be judged with a token that has none."""
    missing = [
        claim
        for claim, wanted, carried in (
            ("user", cell.token_user, bool(identity.user_id)),
            ("session", cell.token_session, bool(identity.session_id)),
        )
        if wanted and not carried
    ]
    if missing:
        raise CannotIssue(f"no given token carries a verified {' and '.join(missing)} claim")


def cell_clauses(cell: _TokenCell) -> tuple[str, ...]:
    verified = ("C17", "C18") if cell.token_user or cell.token_session else ()
    return (*verified, "C19", "C20", "C21")


def cell_values(check: Check, cell: Cell) -> tuple[dict[str, str], Identity, str | None, str | None]:
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


def judge_fields(
    check: Check,
    label: str,
    identity: Identity,
    form_user: str | None,
    form_session: str | None,
    echo: Echo,
    body: dict[str, Any] | None,
    exchange: Exchange | None,
    *,
    post_runs: bool,
    **facts: Any,
) -> None:
    """Record ctx's user_id and session_id (and the run output's, when ``body``) against the rule."""
    for field_name, verified, form in (
        ("user_id", identity.user_id, form_user),
        ("session_id", identity.session_id, form_session),
    ):
        # A run output may carry a generated session id when neither side gave one.
        checked = body is not None and not (field_name == "session_id" and verified is None and form is None)
        judgement = judge_identity_field(
            field_name,
            verified,
            form,
            echo.field(field_name),
            "run output",
            label=label,
            output=body.get(field_name) if body is not None else None,
            output_checked=checked,
            post_runs=post_runs,
        )
        check.record_all([judgement], exchange, **facts)


async def _judge_cell(check: Check, cell: Cell, probe: Component, mode: RunMode) -> None:
    headers, identity, form_user, form_session = cell_values(check, cell)
    ran = await run_in_mode(check, probe, mode, headers=headers, user_id=form_user, session_id=form_session)
    answer = ran.answer
    facts = {"cell": cell.name, "kind": probe.kind, "mode": mode, "route": "runs"}
    if refused_without_user(check, identity, answer.status in REFUSALS, describe(answer), **facts):
        return
    if not ran.started or ran.echo is None:
        check.record(
            "C17" if identity.user_id else "C19",
            False,
            f"[{cell.name}] {probe.id} runs ({mode}) and its echo can be read",
            describe(ran.read_back or answer),
            (ran.read_back or answer).exchange,
            **facts,
        )
        return
    exchange = (ran.read_back or answer).exchange
    body = ran.body if mode != "sse" else None
    judge_fields(
        check, cell.name, identity, form_user, form_session, ran.echo, body, exchange, post_runs=True, **facts
    )


async def _compare_with_prototype(check: Check, cell: Cell, prototype: Component) -> None:
    headers, identity, form_user, form_session = cell_values(check, cell)
    answer = await check.run(prototype, user_id=form_user, session_id=form_session, headers=headers)
    body = answer.json()
    if refused_without_user(
        check, identity, answer.status in REFUSALS, describe(answer), exchange=answer.exchange, cell=cell.name
    ):
        return
    if answer.status != 200 or not isinstance(body, dict):
        check.record("C21", False, f"[{cell.name}] the prototype runs", describe(answer), answer.exchange)
        return
    expected_user = expected_identity(identity.user_id, form_user)
    expected_session = expected_identity(identity.session_id, form_session)
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


@register("smuggling", clauses=("C14", "C22", "H06"), needs_probes=True)
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
    if gate is not None and RUN_SCOPES[kind] not in identity.scopes:
        answer = await check.run(gate, headers=headers, extra_form=extra_form, params=params)
        check.record(
            "C14",
            answer.status == 403,
            f"{gate.id} still refuses (403) when {RUN_SCOPES[kind]} is only smuggled via {channel}",
            describe(answer),
            answer.exchange,
            **facts,
        )


@register("trusted-from-token", clauses=("C15", "C16"), needs_probes=True, needs_jwt=True)
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


@dataclass(frozen=True)
class ContinueCell:
    """A cell of the continue matrix. The run is started by the same caller (a run can be continued
    only by whom it belongs to); ``form_user`` is the continue's user_id field: absent, agreeing
    with the token, disagreeing, or (without a verified user) the one the run was started with.
    ``form_session`` is the run's own session, or (with a verified session) a disagreeing one."""

    name: str
    token_user: bool
    token_session: bool
    form_user: str  # "absent", "agree", "disagree", "started"
    form_session: str  # "run", "disagree"


CONTINUE_CELLS = (
    ContinueCell("verified user+session, form absent", True, True, "absent", "run"),
    ContinueCell("verified user+session, form agrees", True, True, "agree", "run"),
    ContinueCell("verified user+session, form disagrees", True, True, "disagree", "disagree"),
    ContinueCell("verified user only, form disagrees", True, False, "disagree", "run"),
    ContinueCell("verified session only, form user", False, True, "started", "run"),
    ContinueCell("no verified identity, form user", False, False, "started", "run"),
    ContinueCell("no verified identity, form absent", False, False, "absent", "run"),
)


@register("identity-continue", clauses=("C17", "C19", "C20", "H06"), needs_probes=True)
async def identity_continue(check: Check) -> None:
    """C17, C19, C20 on agent, team and workflow continue: the re-invoked factory's ctx follows the
    same precedence (verified wins, the form field is the fallback, else None)."""
    cells = judgeable_cells(check, CONTINUE_CELLS)
    if cells is None:
        return
    for kind in KINDS:
        probe = check.deployment.probe(kind, "pause")
        if probe is None:
            check.not_judged(("C17",), f"probe-{kind}-pause is not listed")
            continue
        for cell in cells:
            await check.fork(partial(_continue_part, cell=cell, probe=probe))


async def _continue_part(check: Check, cell: ContinueCell, probe: Component) -> None:
    try:
        await _judge_continue_cell(check, cell, probe)
    except CannotIssue as exc:  # identity tokens: no token fits this row of the matrix
        check.not_judged_mine(cell_clauses(cell), f"[{cell.name}] {exc}")


async def _judge_continue_cell(check: Check, cell: ContinueCell, probe: Component) -> None:
    token_user = unique("jwt-user") if cell.token_user else None
    token_session = unique("jwt-sess") if cell.token_session else None
    headers, identity = check.suite.credentials(
        user_id=token_user, session_id=token_session, scopes=ALL_SCOPES
    )
    carries_cell(cell, identity)
    started_user = unique("form-user") if cell.form_user == "started" else None
    facts = {"cell": cell.name, "kind": probe.kind, "route": "continue"}
    session = unique("contract-sess")
    started = await check.run(
        probe, user_id=started_user, session_id=session, headers=headers, factory_input={"phase": "start"}
    )
    body = started.json()
    if refused_without_user(check, identity, started.status in REFUSALS, describe(started), **facts):
        return
    paused = (
        body if started.status == 200 and isinstance(body, dict) and body.get("status") == "PAUSED" else None
    )
    confirmation = confirmed(paused, probe.kind) if paused is not None else None
    if paused is None or confirmation is None or not isinstance(paused.get("run_id"), str):
        check.record(
            "C17" if identity.user_id else "C19",
            False,
            f"[{cell.name}] {probe.id} pauses so it can be continued",
            describe(started),
            started.exchange,
            stage="pause",
            **facts,
        )
        return
    run_session = str(paused.get("session_id") or token_session or session)
    form_user = {
        "absent": None,
        "agree": token_user,
        "disagree": unique("form-user"),
        "started": started_user,
    }[cell.form_user]
    form_session = unique("form-sess") if cell.form_session == "disagree" else run_session
    form = [confirmation, ("session_id", form_session), ("stream", "false")]
    if form_user is not None:
        form.append(("user_id", form_user))
    answer = await check.target.request(
        "POST", continue_path(probe.kind, probe.id, paused["run_id"]), form=form, headers=headers
    )
    echo = echo_of(answer, False)
    if answer.status != 200 or echo is None:
        check.record(
            "C17" if identity.user_id else "C19",
            False,
            f"[{cell.name}] the continue of {probe.id} answers 200 with the echo of its factory's ctx",
            describe(answer),
            answer.exchange,
            stage="continue",
            **facts,
        )
        return
    judge_fields(
        check,
        cell.name,
        identity,
        form_user,
        form_session,
        echo,
        None,
        answer.exchange,
        post_runs=False,
        **facts,
    )
