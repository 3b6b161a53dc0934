"""pytest plugin entry point (``pytest11``) of the contract suite.

Loaded by every pytest run in an environment where agentos-factories is installed, so it
stays import-cheap and inert unless ``--agentos-url`` is given; the suite is imported
lazily. With ``--agentos-url`` the suite runs once per session and every clause becomes one
test item (``agentos-contract::C01 ...``): a violated clause fails with its report, a clause
that could not be judged is skipped with the reason, an accepted deviation passes and is
printed in the terminal summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from agentos_contract.options import add_options

if TYPE_CHECKING:
    from agentos_contract.runner import RunResult

PREFIX = "agentos-"
MARKER = "agentos_contract"
_RESULT_KEY = pytest.StashKey["RunResult | str"]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: an item of the AgentOS contract suite (select them with -m {MARKER})"
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentos-contract", "AgentOS factories contract suite")
    group.addoption(
        "--agentos-url",
        action="store",
        default=None,
        help="Base URL of an AgentOS deployment to judge against the factories contract.",
    )
    add_options(group.addoption, prefix=PREFIX)


def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config.getoption("agentos_url") is None:
        return
    from agentos_contract._console import EXIT_CANNOT_RUN, missing_extra_message

    message = missing_extra_message("the agentos-contract pytest plugin (--agentos-url)")
    if message is not None:  # exit 2 with the pip line, as the console script does
        pytest.exit(message, returncode=EXIT_CANNOT_RUN)


class ContractViolation(Exception):
    pass


def _run_suite(config: pytest.Config) -> RunResult | str:
    """Run the suite once; a string is why it could not run."""
    if _RESULT_KEY in config.stash:
        return config.stash[_RESULT_KEY]
    from agentos_contract.api import judge_sync, make_target
    from agentos_contract.cli import config_from
    from agentos_contract.config import ConfigError
    from agentos_contract.profiles import ProfileError
    from agentos_contract.report import write_json, write_junit, write_summary
    from agentos_contract.runner import SuiteAborted

    outcome: RunResult | str
    try:
        suite_config = config_from(config.option, prefix=PREFIX.replace("-", "_"))
        target = make_target(suite_config, url=config.getoption("agentos_url"))
        outcome = judge_sync(target, suite_config)
    except (ConfigError, ProfileError, ValueError, SuiteAborted) as exc:
        outcome = f"agentos-contract cannot run: {exc}"
    else:
        if config.option.agentos_json is not None:
            write_json(outcome, config.option.agentos_json)
        if config.option.agentos_junit is not None:
            write_junit(outcome, config.option.agentos_junit)
        if config.option.agentos_summary is not None:
            write_summary(outcome, config.option.agentos_summary)
    config.stash[_RESULT_KEY] = outcome
    return outcome


class ContractCollector(pytest.Collector):
    def collect(self) -> list[pytest.Item]:
        from agentos_contract.clauses import CLAUSES

        items: list[pytest.Item] = [
            ClauseItem.from_parent(self, name=f"{c.id} {c.title}", clause_id=c.id) for c in CLAUSES
        ]
        items.append(
            GateItem.from_parent(self, name="judged enough (--agentos-min-judged, --agentos-require-probes)")
        )
        for item in items:
            item.add_marker(MARKER)
        return items


class GateItem(pytest.Item):
    """Fails when the run violated nothing but judged too little for the gates it was given."""

    def runtest(self) -> None:
        outcome = _run_suite(self.config)
        if isinstance(outcome, str):
            raise ContractViolation(outcome)
        if outcome.gate_failures:
            raise ContractViolation("\n".join(outcome.gate_failures))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ContractViolation):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "agentos-contract", None, self.name


class ClauseItem(pytest.Item):
    def __init__(self, *, clause_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clause_id = clause_id

    def runtest(self) -> None:
        from agentos_contract.model import Verdict
        from agentos_contract.report import describe_observation

        outcome = _run_suite(self.config)
        if isinstance(outcome, str):
            raise ContractViolation(outcome)
        result = next(r for r in outcome.results if r.clause.id == self.clause_id)
        if result.verdict is Verdict.VIOLATED:
            lines = [
                f"{result.clause.id} {result.clause.title} [{result.clause.source}]",
                f'  spec: "{result.clause.quote}"',
            ]
            for observation in result.violations[:3]:
                lines += describe_observation(observation, outcome)
            raise ContractViolation("\n".join(lines))
        if result.verdict is Verdict.NOT_JUDGED:
            pytest.skip("not judged: " + "; ".join(result.reasons))
        if result.conditions:
            self.user_properties.append(("judged_under", ", ".join(result.conditions)))
        for accepted in result.deviations:
            self.user_properties.append(("accepted_deviation", accepted.deviation.id))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ContractViolation):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "agentos-contract", None, self.name


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption("agentos_url") is None:
        return
    collector = ContractCollector.from_parent(session, name="agentos-contract")
    items.extend(collector.collect())


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    outcome = config.stash.get(_RESULT_KEY, None)
    if outcome is None or isinstance(outcome, str):
        return
    terminalreporter.section("agentos-contract: what the deployment enforces")
    for line in outcome.posture.lines():
        terminalreporter.write_line(line)
    shown = {(r.clause.id, d.deviation.id): d.deviation.reason for r in outcome.results for d in r.deviations}
    if shown:
        terminalreporter.section("agentos-contract: accepted deviations")
        for (clause_id, deviation_id), reason in shown.items():
            terminalreporter.write_line(f"{clause_id} {deviation_id}: {reason}")
