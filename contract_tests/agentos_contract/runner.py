"""One run of the suite: discover, run every check that can run, judge every clause."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agentos_contract.checks import CHECKS, CheckSpec
from agentos_contract.checks.base import Check, Suite
from agentos_contract.clauses import CLAUSES, clauses_judged_by
from agentos_contract.config import SuiteConfig
from agentos_contract.discovery import Deployment, DiscoveryError, discover
from agentos_contract.model import NotJudged, Verdict
from agentos_contract.profiles import Profile, get_profile, load_baseline
from agentos_contract.target import BudgetExhausted, Target, TargetUnreachable
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

    def count(self, verdict: Verdict) -> int:
        return sum(1 for result in self.results if result.verdict is verdict)

    @property
    def exit_code(self) -> int:
        if self.count(Verdict.VIOLATED):
            return 1
        if self.crashed_checks:
            return 2
        return 0


def _missing_requirement(spec: CheckSpec, suite: Suite) -> str | None:
    config = suite.config
    if spec.needs_probes and not suite.deployment.probed:
        return "the deployment has no probes (docs/probe-protocol.md): add probe_factories(db)"
    if spec.needs_jwt and not config.jwt_mode:
        return "no JWT configuration (--jwt-secret/--jwt-private-key or --token)"
    if spec.needs_minter and config.minter is None:
        return "the suite cannot mint tokens (no --jwt-secret/--jwt-private-key)"
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
    probe_headers: dict[str, str] = {}
    if config.minter is not None:
        probe_headers = {"Authorization": f"Bearer {config.minter.mint()}"}
    elif config.token is not None:
        probe_headers = {"Authorization": f"Bearer {config.token.token}"}
    progress(f"discovering {target.base_url} ...")
    try:
        deployment = await discover(target, probe_headers)
    except (DiscoveryError, TargetUnreachable, BudgetExhausted) as exc:
        raise SuiteAborted(str(exc)) from exc
    progress(
        f"found {len(deployment.components)} components "
        f"({len(deployment.factories())} factories); probes: {'yes' if deployment.probed else 'no'}"
    )
    suite = Suite(
        target=target, config=config, deployment=deployment, runs_left=config.allow_runs, progress=progress
    )
    crashed: list[str] = []
    stopped: str | None = None
    for spec in CHECKS:
        clauses = clauses_judged_by(spec.name)
        if config.only_clauses and not set(clauses) & config.only_clauses:
            continue
        if stopped is not None:
            suite.not_judged.append(NotJudged(spec.name, clauses, stopped))
            continue
        missing = _missing_requirement(spec, suite)
        if missing is not None:
            suite.not_judged.append(NotJudged(spec.name, clauses, missing))
            progress(f"- {spec.name}: skipped ({missing})")
            continue
        progress(f"- {spec.name} ({', '.join(clauses)})")
        try:
            await spec.run(Check(suite, spec.name))
        except BudgetExhausted as exc:
            stopped = f"not run: {exc}"
            suite.not_judged.append(NotJudged(spec.name, clauses, f"stopped: {exc}"))
            progress(f"  stopped: {exc}")
        except TargetUnreachable as exc:
            raise SuiteAborted(f"the target stopped answering during {spec.name}: {exc}") from exc
        except Exception as exc:  # a check's own bug must not pass as a verdict on the server
            crashed.append(f"{spec.name}: {type(exc).__name__}: {exc}")
            suite.not_judged.append(
                NotJudged(spec.name, clauses, f"the check crashed: {type(exc).__name__}: {exc}")
            )
            progress(f"  CRASHED: {type(exc).__name__}: {exc}")
    selected = [c for c in CLAUSES if not config.only_clauses or c.id in config.only_clauses]
    results = judge(suite.observations, suite.not_judged, profile, selected)
    return RunResult(
        target=target.base_url,
        profile=profile,
        config=config,
        deployment=deployment,
        results=results,
        requests=target.budget.used,
        elapsed_s=target.budget.elapsed_s,
        crashed_checks=crashed,
        stopped_early=stopped,
    )
