"""One run of the suite: discover, run every check that can run, judge every clause."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

from agentos_contract.checks import CHECKS, CheckSpec
from agentos_contract.checks.base import Check, Suite
from agentos_contract.checks.posture import find_posture
from agentos_contract.clauses import CLAUSES
from agentos_contract.config import SuiteConfig
from agentos_contract.discovery import Deployment, DiscoveryError, discover
from agentos_contract.model import Verdict
from agentos_contract.posture import RBAC_SCOPES, Finding, Posture
from agentos_contract.profiles import Profile, get_profile, load_baseline
from agentos_contract.target import BudgetExhausted, Target, TargetUnreachable
from agentos_contract.tokens import CannotIssue
from agentos_contract.verdicts import ClauseResult, judge


class SuiteAborted(Exception):
    """The suite could not run (exit code 2): unreachable target, not an AgentOS, bad setup."""


@dataclass
class RunResult:
    target: str
    profile: Profile
    config: SuiteConfig
    deployment: Deployment
    results: list[ClauseResult]
    requests: int
    elapsed_s: float
    crashed_checks: list[str] = field(default_factory=list)
    stopped_early: str | None = None
    posture: Posture = field(default_factory=Posture)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for result in self.results if result.verdict is verdict)

    @property
    def judged(self) -> int:
        return len(self.results) - self.count(Verdict.NOT_JUDGED)

    @property
    def gate_failures(self) -> list[str]:
        """Why a run that violated nothing still fails CI: it judged too little (--min-judged,
        --require-probes)."""
        reasons = []
        if self.config.require_probes and not self.deployment.probed:
            reasons.append(
                "--require-probes: the deployment has no probes (docs/probe-protocol.md), so most "
                "clauses could not be judged"
            )
        if self.judged < self.config.min_judged:
            reasons.append(
                f"--min-judged {self.config.min_judged}: only {self.judged} of {len(self.results)} "
                "clauses were judged"
            )
        return reasons

    @property
    def exit_code(self) -> int:
        if self.count(Verdict.VIOLATED):
            return 1
        if self.crashed_checks:
            return 2
        if self.gate_failures:
            return 1
        return 0


def _missing_requirement(spec: CheckSpec, suite: Suite) -> str | None:
    config = suite.config
    if spec.needs_probes and not suite.deployment.probed:
        return "the deployment has no probes (docs/probe-protocol.md): add probe_factories(db)"
    if spec.needs_probes and suite.deployment.probe_version < spec.probe_version:
        return (
            f"the deployment's probes speak protocol v{suite.deployment.probe_version}; this check needs "
            f"v{spec.probe_version} (docs/probe-protocol.md)"
        )
    if spec.needs_jwt and not config.jwt_mode:
        return "no JWT configuration (--jwt-secret/--jwt-private-key, --identity, --token-command or --token)"
    if spec.needs_minter and config.issuer is None:
        return (
            "the suite cannot choose identities (no --jwt-secret/--jwt-private-key, --identity or "
            "--token-command)"
        )
    if spec.needs_websocket and not suite.target.supports_websocket:
        return "the target's transport cannot carry WebSockets"
    if spec.name == "allowed-runs" and config.allow_runs == 0:
        return "runs of non-probe factories are not allowed (--allow-runs 0)"
    return None


async def run_suite(
    target: Target,
    config: SuiteConfig,
    progress: Callable[[str], None] = lambda message: None,
) -> RunResult:
    """Judge the target. The target must already be entered (``async with target``)."""
    profile = get_profile(config.profile)
    if config.baseline is not None:
        profile = profile.with_baseline(load_baseline(config.baseline))
    suite = Suite(
        target=target,
        config=config,
        deployment=Deployment(()),
        runs_left=config.allow_runs,
        progress=progress,
    )
    if config.issuer is not None:
        config.issuer.bind_caller(suite.caller_user)
    progress(f"discovering {target.base_url} ...")
    try:
        suite.deployment, scopes = await _discover(suite)
        suite.posture = Posture(scopes=scopes[0], caller_scopes=scopes[1])
        deployment = suite.deployment
        progress(
            f"found {len(deployment.components)} components "
            f"({len(deployment.factories())} factories); probes: {'yes' if deployment.probed else 'no'}"
        )
        suite.posture = await find_posture(Check(suite, "posture"), suite.posture)
    except (DiscoveryError, TargetUnreachable, BudgetExhausted) as exc:
        raise SuiteAborted(str(exc)) from exc
    for line in suite.posture.lines():
        progress(f"  {line}")
    crashed: list[str] = []
    stopped: list[str] = []  # why checks after a spent budget were not run
    checks: dict[str, Check] = {}
    limiter = anyio.CapacityLimiter(config.workers)

    async def run_check(spec: CheckSpec) -> None:
        clauses = spec.clauses
        check = checks[spec.name] = Check(suite, spec.name, clauses)
        if stopped:
            check.not_judged(clauses, stopped[0])
            return
        missing = _missing_requirement(spec, suite)
        if missing is not None:
            check.not_judged(clauses, missing)
            progress(f"- {spec.name}: skipped ({missing})")
            return
        async with limiter:
            progress(f"- {spec.name} ({', '.join(clauses)})")
            await _guarded(check, clauses, spec.run(check), crashed, stopped)

    def spawn(child: Check, run: Callable[[], Awaitable[None]]) -> None:
        async def guarded_part() -> None:
            async with limiter:
                await _guarded(child, tuple(sorted(child.declared)), run(), crashed, stopped)

        group.start_soon(guarded_part)

    # Setup checks run whatever --clauses selects: other checks rely on what they find.
    selected_checks = [
        spec
        for spec in CHECKS
        if not config.only_clauses or spec.setup or set(spec.clauses) & config.only_clauses
    ]
    try:
        if config.workers == 1:
            for spec in selected_checks:  # one request at a time, in the registry's order
                await run_check(spec)
        else:
            # What later checks read (the ledger's positive control, the WebSocket route) is settled
            # first; runs of real factories come last, as with one worker.
            for spec in selected_checks:
                if spec.setup:
                    await run_check(spec)
            for wave in (
                [spec for spec in selected_checks if not spec.setup and not spec.last],
                [spec for spec in selected_checks if spec.last],
            ):
                async with anyio.create_task_group() as group:
                    suite.spawn = spawn
                    for spec in wave:
                        group.start_soon(run_check, spec)
                suite.spawn = None
    except Exception as exc:
        unreachable = _first(exc, TargetUnreachable)
        if unreachable is None:
            raise
        raise SuiteAborted(f"the target stopped answering: {unreachable}") from exc
    for spec in selected_checks:
        observations, reasons = checks[spec.name].merged()
        suite.observations += observations
        suite.not_judged += reasons
    selected = [c for c in CLAUSES if not config.only_clauses or c.id in config.only_clauses]
    results = judge(suite.observations, suite.not_judged, profile, selected, suite.posture)
    return RunResult(
        target=target.base_url,
        profile=profile,
        config=config,
        deployment=suite.deployment,
        results=results,
        requests=target.budget.used,
        elapsed_s=target.budget.elapsed_s,
        crashed_checks=crashed,
        stopped_early=stopped[0] if stopped else None,
        posture=suite.posture,
    )


def _first(exc: BaseException, kind: type[TargetUnreachable]) -> TargetUnreachable | None:
    """``exc`` itself, or the first such exception inside a task group's exception group."""
    if isinstance(exc, kind):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _first(inner, kind)
        if found is not None:
            return found
    return None


async def _guarded(
    check: Check,
    clauses: tuple[str, ...],
    work: Awaitable[None],
    crashed: list[str],
    stopped: list[str],
) -> None:
    """Run one check (or one of its properties): a spent budget, a token nobody gave or the
    check's own bug become reasons on its clauses; only an unreachable target ends the run."""
    try:
        await work
    except CannotIssue as exc:
        check.not_judged(clauses, f"no token for it: {exc}")
        check.suite.progress(f"  {check.name}: not judged further: {exc}")
    except BudgetExhausted as exc:
        if not stopped:
            stopped.append(f"not run: {exc}")
        check.not_judged(clauses, f"stopped: {exc}")
        check.suite.progress(f"  {check.name}: stopped: {exc}")
    except TargetUnreachable:
        raise
    except Exception as exc:  # a check's own bug must not pass as a verdict on the server
        crashed.append(f"{check.name}: {type(exc).__name__}: {exc}")
        check.not_judged(clauses, f"the check crashed: {type(exc).__name__}: {exc}")
        check.suite.progress(f"  {check.name}: CRASHED: {type(exc).__name__}: {exc}")


async def _discover(suite: Suite) -> tuple[Deployment, tuple[Finding, tuple[str, ...]]]:
    """Discovery with the run's own user; a 403 that the read scopes of an RBAC deployment
    lift means the deployment enforces scopes (every minted token then carries them)."""
    headers, _ = suite.caller()
    try:
        deployment = await discover(suite.target, headers)
    except DiscoveryError as refused:
        if refused.status != 403 or not suite.can_mint:
            raise
        headers, _ = suite.credentials(user_id=suite.caller_user, scopes=RBAC_SCOPES)
        deployment = await discover(suite.target, headers)
        evidence = f"GET /agents answered 403 without scopes ({refused}), 200 with read and run scopes"
        return deployment, (Finding("enforced", evidence), RBAC_SCOPES)
    if not suite.can_mint:
        return deployment, (Finding("unknown", "the suite mints no tokens to ask with"), ())
    return deployment, (Finding("not enforced", "GET /agents answered 200 to a token without scopes"), ())
