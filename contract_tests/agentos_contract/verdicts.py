"""From observations to one verdict per clause, through the profile's accepted deviations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from agentos_contract.clauses import CLAUSES, Clause, judged_by_tests
from agentos_contract.model import NotJudged, Observation, Verdict
from agentos_contract.posture import Posture
from agentos_contract.profiles import Deviation, Profile


@dataclass(frozen=True)
class AcceptedDeviation:
    deviation: Deviation
    observation: Observation


@dataclass(frozen=True)
class ClauseResult:
    clause: Clause
    verdict: Verdict
    passed: int = 0
    violations: tuple[Observation, ...] = ()
    deviations: tuple[AcceptedDeviation, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)
    # The deployment settings this clause was judged under (from the run's posture).
    conditions: tuple[str, ...] = field(default_factory=tuple)


def judge(
    observations: Sequence[Observation],
    not_judged: Iterable[NotJudged],
    profile: Profile,
    clauses: Sequence[Clause] = CLAUSES,
    posture: Posture | None = None,
) -> list[ClauseResult]:
    """A clause is violated by any failed observation no accepted deviation's signature matches,
    a deviation when every failure matches one, holds when it was seen to pass and never failed,
    and not judged otherwise (with every reason a check gave)."""
    reasons: dict[str, list[str]] = {}
    for item in not_judged:
        for clause_id in item.clauses:
            text = f"{item.check}: {item.reason}"
            if text not in reasons.setdefault(clause_id, []):
                reasons[clause_id].append(text)
    results = []
    for clause in clauses:
        mine = [obs for obs in observations if obs.clause == clause.id]
        passed = sum(1 for obs in mine if obs.passed)
        violations: list[Observation] = []
        accepted: list[AcceptedDeviation] = []
        for obs in mine:
            if obs.passed:
                continue
            deviation = profile.match(obs)
            if deviation is None:
                violations.append(obs)
            else:
                accepted.append(AcceptedDeviation(deviation, obs))
        if violations:
            verdict = Verdict.VIOLATED
        elif accepted:
            verdict = Verdict.DEVIATION
        elif passed:
            verdict = Verdict.HOLDS
        else:
            verdict = Verdict.NOT_JUDGED
        clause_reasons = reasons.get(clause.id, [])
        if verdict is Verdict.NOT_JUDGED and not clause_reasons:
            clause_reasons = [
                f"not over the wire ({clause.library_reason}): judged by " + judged_by_tests(clause)
                if not clause.wire
                else "no check observed it"
            ]
        results.append(
            ClauseResult(
                clause,
                verdict,
                passed,
                tuple(violations),
                tuple(accepted),
                tuple(clause_reasons),
                posture.conditions(clause.id) if posture is not None else (),
            )
        )
    return results
