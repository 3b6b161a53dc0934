"""What every check gets: the target, the discovered deployment, credentials, and a
notebook for observations. Also the few request shapes all checks share."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import strategies as st

from agentos_contract.clauses import CLAUSES_BY_ID
from agentos_contract.config import SuiteConfig
from agentos_contract.discovery import Component, Deployment
from agentos_contract.echo import Echo, echo_from_run_output, echo_from_sse
from agentos_contract.judgements import Judgement
from agentos_contract.judgements import describe as describe
from agentos_contract.model import Exchange, NotJudged, Observation
from agentos_contract.posture import Posture
from agentos_contract.properties import derive_seed, run_property
from agentos_contract.spec import RUN_SCOPES, Kind, collection
from agentos_contract.spec import id_key as id_key
from agentos_contract.target import NOT_JSON, Answer, Target
from agentos_contract.tokens import CannotIssue, bearer

T = TypeVar("T")

OMIT = object()
TRACE_HEADER = "X-Agentos-Contract-Trace"
ALL_SCOPES = tuple(RUN_SCOPES.values())


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Identity:
    """The verified identity a request's token carries (None: the token has no such claim)."""

    user_id: str | None = None
    session_id: str | None = None
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Suite:
    """The shared state of one run."""

    target: Target
    config: SuiteConfig
    deployment: Deployment
    observations: list[Observation] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)
    ledger_ok: bool | None = None
    ws_spec_route: bool = True
    runs_left: int = 0
    progress: Callable[[str], None] = lambda message: None
    # The user every ordinary request of this run carries (when the suite mints tokens): a
    # deployment that refuses tokens without a user accepts these, and one that isolates tenants
    # shows this user its own runs.
    caller_user: str = field(default_factory=lambda: unique("agentos-contract"))
    posture: Posture = field(default_factory=Posture)
    # With several workers: starts a property's run beside the check that asked for it (the runner
    # sets it; None runs each property where it is asked for, in today's order).
    spawn: Callable[[Check, Callable[[], Awaitable[None]]], None] | None = None

    @property
    def can_mint(self) -> bool:
        """Whether the suite can get tokens for the identities it chooses (a key, identity tokens
        or a token command), rather than one static token or none."""
        return self.config.issuer is not None

    def credentials(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, str], Identity]:
        """Headers carrying a token for this identity, or the best the run can do: the static
        ``--token`` (whatever it carries), or no token at all. The Identity is what the token
        really carries (given identity tokens cannot carry a chosen user id): judge by it.

        Minted tokens also carry the scopes an RBAC deployment asks of every request (none
        elsewhere). Raises CannotIssue when the run has no token for this (the check is then not
        judged, with that reason)."""
        issuer = self.config.issuer
        if issuer is not None:
            scopes = tuple(dict.fromkeys((*scopes, *self.posture.caller_scopes)))
            issued = issuer.issue(user_id=user_id, session_id=session_id, scopes=scopes, extra=extra)
            names = issuer.claim_names
            claims = issued.claims
            return bearer(issued.token), Identity(
                names.user(claims), names.session(claims), names.scope_set(claims), claims
            )
        if self.config.token is not None:
            static = self.config.token
            return bearer(static.token), Identity(
                static.user_id, static.session_id, static.scopes, static.claims()
            )
        return {}, Identity()

    def distinct_users(self, count: int, prefix: str) -> list[str]:
        """User ids whose tokens name ``count`` different users (raises CannotIssue)."""
        issuer = self.config.issuer
        if issuer is None:
            raise CannotIssue("the suite cannot choose identities (no key, --identity or --token-command)")
        return issuer.distinct_users(count, prefix)

    def caller(self, scopes: Iterable[str] = ()) -> tuple[dict[str, str], Identity]:
        """Headers for an ordinary request: a token with the run's own user and ``scopes``, the
        static ``--token``, or none.

        Tokens without a user, with an empty one, or without scopes are sent only by the checks
        that exist to see how those are answered, through :meth:`credentials`."""
        return self.credentials(user_id=self.caller_user, scopes=scopes)

    def user_of_its_own(self, scopes: Iterable[str] = ()) -> tuple[dict[str, str], Identity]:
        """Headers for a fresh user holding ``scopes`` and no more, where the run can choose
        identities; the run's own caller otherwise (given tokens may hold any scope: judge by the
        Identity returned)."""
        if self.can_mint:
            return self.credentials(user_id=unique("contract-user"), scopes=scopes)
        return self.caller()


class Check:
    """A notebook bound to one check name, which may record only the clauses that check declared
    (``checks.registry``); ``clauses`` overrides the registry (for helpers such as the posture).

    Observations are kept per check (and per property or part the check starts), and merged in the
    registry's order once every check is done, so the report is the same whatever the number of
    workers and whatever order their requests finished in."""

    def __init__(self, suite: Suite, name: str, clauses: Iterable[str] | None = None) -> None:
        self.suite = suite
        self.name = name
        self.observations: list[Observation] = []
        self.not_judged_items: list[NotJudged] = []
        self.children: list[Check] = []  # one per property or part, in the order they were started
        if clauses is None:
            from agentos_contract.checks.registry import registered

            spec = next((spec for spec in registered() if spec.name == name), None)
            clauses = spec.clauses if spec is not None else ()
        self.declared: frozenset[str] = frozenset(clauses)

    def _declared(self, clause: str, facts: Mapping[str, Any]) -> None:
        from agentos_contract.checks.registry import UndeclaredClause

        if clause not in self.declared:
            raise UndeclaredClause(
                f"check {self.name!r} judged {clause}, which it does not declare "
                f"(declared: {', '.join(sorted(self.declared)) or 'none'})"
            )
        mode = facts.get("mode")
        if mode is not None:
            modes = CLAUSES_BY_ID[clause].modes
            if mode not in modes:
                raise UndeclaredClause(
                    f"check {self.name!r} judged {clause} in run mode {mode!r}, which the catalogue "
                    f"does not list for it ({', '.join(modes) or 'no run mode'})"
                )

    def _child(self) -> Check:
        child = Check(self.suite, self.name, self.declared)
        self.children.append(child)
        return child

    @property
    def target(self) -> Target:
        return self.suite.target

    @property
    def deployment(self) -> Deployment:
        return self.suite.deployment

    def observe(
        self,
        clause: str,
        passed: bool,
        expected: str,
        observed: str,
        exchange: Exchange | None = None,
        **facts: Any,
    ) -> Observation:
        self._declared(clause, facts)
        return Observation(
            clause, self.name, passed, expected, observed, {"check": self.name, **facts}, exchange
        )

    def record(
        self,
        clause: str,
        passed: bool,
        expected: str,
        observed: str,
        exchange: Exchange | None = None,
        **facts: Any,
    ) -> bool:
        self.observations.append(self.observe(clause, passed, expected, observed, exchange, **facts))
        return passed

    def record_all(
        self, judgements: Iterable[Judgement], exchange: Exchange | None = None, **facts: Any
    ) -> bool:
        """Record every judgement of one answer (``judgements``); True when all passed."""
        ok = True
        for item in judgements:
            ok = (
                self.record(
                    item.clause,
                    item.passed,
                    item.expected,
                    item.observed,
                    exchange,
                    **{**facts, **item.facts},
                )
                and ok
            )
        return ok

    def observe_all(
        self, judgements: Iterable[Judgement], exchange: Exchange | None = None, **facts: Any
    ) -> list[Observation]:
        """As :meth:`record_all`, for a property's body (which returns its observations)."""
        return [
            self.observe(
                item.clause, item.passed, item.expected, item.observed, exchange, **{**facts, **item.facts}
            )
            for item in judgements
        ]

    def not_judged(self, clauses: Iterable[str], reason: str) -> None:
        clauses = tuple(clauses)
        for clause in clauses:
            self._declared(clause, {})
        self.not_judged_items.append(NotJudged(self.name, clauses, reason))

    def not_judged_mine(self, clauses: Iterable[str], reason: str) -> None:
        """:meth:`not_judged` for the ``clauses`` this check declared (helpers shared by checks)."""
        mine = tuple(clause for clause in clauses if clause in self.declared)
        if mine:
            self.not_judged(mine, reason)

    def merged(self) -> tuple[list[Observation], list[NotJudged]]:
        """This check's observations and reasons, then its children's in the order started."""
        observations, reasons = list(self.observations), list(self.not_judged_items)
        for child in self.children:
            more, more_reasons = child.merged()
            observations += more
            reasons += more_reasons
        return observations, reasons

    async def prop(
        self,
        name: str,
        strategy: st.SearchStrategy[T],
        body: Callable[[T], Awaitable[list[Observation]]],
        max_examples: int | None = None,
        shrink: bool = True,
    ) -> None:
        """Run a Hypothesis property over ``body``. With several workers it runs beside the rest
        of the check (the check goes on at once); its observations keep their place all the same."""
        child = self._child()
        config = self.suite.config
        property_name = f"{self.name}:{name}"

        async def run() -> None:
            outcome = await run_property(
                property_name,
                strategy,
                body,
                max_examples=max_examples or config.max_examples,
                seed_value=derive_seed(config.seed, property_name),
                shrink=config.shrink and shrink,
            )
            child.observations.extend(outcome.passes.values())
            if outcome.failure is not None:
                child.observations.append(outcome.failure)
            self.suite.progress(
                f"  {property_name}: {outcome.examples} examples" + (" -> FAILED" if outcome.failure else "")
            )

        if self.suite.spawn is None:
            await run()
        else:
            self.suite.spawn(child, run)

    async def fork(self, part: Callable[[Check], Awaitable[None]]) -> None:
        """Run an independent part of this check (one component, one kind) beside the rest when
        there are several workers; what it records keeps its place in the report either way."""
        child = self._child()
        if self.suite.spawn is None:
            await part(child)
        else:
            self.suite.spawn(child, lambda: part(child))

    # -- requests --------------------------------------------------------------------------

    async def run(
        self,
        component: Component,
        *,
        factory_input: Any = OMIT,
        user_id: str | None = None,
        session_id: str | None = None,
        stream: bool | None = False,
        headers: Mapping[str, str] | None = None,
        extra_form: Iterable[tuple[str, str]] = (),
        params: Mapping[str, str] | None = None,
        message: str = "agentos-contract run",
    ) -> Answer:
        """POST /{kind}s/{id}/runs as multipart form; ``factory_input`` is sent verbatim when a str,
        JSON-encoded otherwise, and left out when OMIT."""
        form: list[tuple[str, str]] = [("message", message)]
        if stream is not None:
            form.append(("stream", "true" if stream else "false"))
        if user_id is not None:
            form.append(("user_id", user_id))
        if session_id is not None:
            form.append(("session_id", session_id))
        if factory_input is not OMIT:
            form.append(
                (
                    "factory_input",
                    factory_input if isinstance(factory_input, str) else json.dumps(factory_input),
                )
            )
        form += list(extra_form)
        return await self.target.request(
            "POST", f"{component.path}/runs", form=form, headers=headers, params=params
        )

    async def read_ledger(self, trace: str) -> list[dict[str, Any]] | None:
        """The probe invocations recorded under ``trace``; None when the ledger cannot be read."""
        ledger = self.deployment.get("agent", "probe-ledger")
        if ledger is None:
            return None
        headers, _ = self.suite.caller(ALL_SCOPES)
        answer = await self.run(ledger, factory_input={"trace": trace}, headers=headers)
        body = answer.json()
        document = echo_document(body)
        if answer.status != 200 or document is None or document.get("probe") != "probe-ledger":
            return None
        invocations = document.get("invocations")
        return (
            [entry for entry in invocations if isinstance(entry, dict)]
            if isinstance(invocations, list)
            else None
        )


def echo_document(body: Any) -> dict[str, Any] | None:
    """The probe document in a run output's content (echo or ledger)."""
    if not isinstance(body, dict):
        return None
    content = body.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except (ValueError, RecursionError):
            return None
    return content if isinstance(content, dict) and content.get("agentos_contract_probe") == 1 else None


def echo_of(answer: Answer, streamed: bool) -> Echo | None:
    if streamed:
        return echo_from_sse(answer.text)
    body = answer.json()
    return echo_from_run_output(body) if body is not NOT_JSON else None


def run_collection(kind: Kind) -> str:
    return collection(kind)
