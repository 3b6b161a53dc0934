"""``agentos-contract``: judge an AgentOS deployment from the command line.

Exit codes: 0 every judged clause holds (or is an accepted deviation), 1 a clause is
violated, 2 the suite could not run (unreachable target, bad configuration, a crashed check).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from agentos_contract.clauses import CLAUSES
from agentos_contract.config import ConfigError, SuiteConfig, make_credentials
from agentos_contract.profiles import (
    AGNO_3_1_NOT_OBSERVED,
    PROFILES,
    ProfileError,
    get_profile,
    load_baseline,
)
from agentos_contract.tokens import ClaimNames

EXIT_OK, EXIT_VIOLATED, EXIT_CANNOT_RUN = 0, 1, 2


def add_suite_options(add: object) -> None:
    """Options shared by the CLI and the pytest plugin (``add`` is ``parser.add_argument``-like)."""
    from collections.abc import Callable
    from typing import cast

    adder = cast(Callable[..., object], add)
    adder("--jwt-secret", help="HMAC secret of the deployment's JWT middleware: the suite mints tokens")
    adder("--jwt-private-key", type=Path, help="PEM private key (RS*/ES*/PS*/EdDSA) to mint tokens with")
    adder("--jwt-algorithm", help="JWT algorithm (default HS256 with a secret, RS256 with a key)")
    adder("--token", help="one bearer token to send (the suite judges what it can with it)")
    adder("--user-id-claim", default="sub", help="claim the middleware lifts into user_id (default sub)")
    adder(
        "--session-id-claim", default="session_id", help="claim lifted into session_id (default session_id)"
    )
    adder("--scopes-claim", default="scopes", help="claim holding the scopes (default scopes)")
    adder("--profile", default="spec", choices=sorted(PROFILES), help="spec (the documents) or agno-3.1")
    adder("--baseline", type=Path, help="JSON/TOML file of deviations you accept")
    adder("--seed", type=int, default=0, help="Hypothesis seed (default 0); failures print how to replay")
    adder("--max-examples", type=int, default=50, help="examples per property (default 50)")
    adder("--max-requests", type=int, default=20_000, help="stop after this many requests (default 20000)")
    adder("--time-budget", type=float, default=600.0, help="stop after this many seconds (default 600)")
    adder("--request-timeout", type=float, default=30.0, help="seconds per request (default 30)")
    adder(
        "--allow-runs",
        type=int,
        default=0,
        help="successful runs of non-probe factories the suite may make (default 0: none)",
    )
    adder("--no-shrink", action="store_true", help="report the first failing example without shrinking it")
    adder("--junit", type=Path, help="write a JUnit XML report here")
    adder("--json", type=Path, help="write a JSON report here")


def config_from(options: argparse.Namespace) -> SuiteConfig:
    minter, token = make_credentials(
        jwt_secret=options.jwt_secret,
        jwt_private_key=options.jwt_private_key,
        jwt_algorithm=options.jwt_algorithm,
        token=options.token,
        claim_names=ClaimNames(options.user_id_claim, options.session_id_claim, options.scopes_claim),
    )
    if options.baseline is not None:
        load_baseline(options.baseline)  # fail before the first request, not after the run
    get_profile(options.profile)
    return SuiteConfig(
        profile=options.profile,
        seed=options.seed,
        max_examples=options.max_examples,
        max_requests=options.max_requests,
        time_budget_s=options.time_budget,
        request_timeout_s=options.request_timeout,
        allow_runs=options.allow_runs,
        minter=minter,
        token=token,
        baseline=options.baseline,
        shrink=not options.no_shrink,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentos-contract", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="judge a deployment")
    check.add_argument(
        "--url", required=True, help="base URL of the AgentOS deployment (the only host contacted)"
    )
    add_suite_options(check.add_argument)
    check.add_argument("--quiet", action="store_true", help="no progress lines")
    commands.add_parser("clauses", help="list the clause catalogue")
    commands.add_parser("profiles", help="list the profiles and their deviations")
    return parser


def _list_clauses() -> None:
    for clause in CLAUSES:
        how = ", ".join(clause.checks) if clause.wire else "unit tests: " + ", ".join(clause.test_nodes)
        print(f"{clause.id} {clause.title} [{clause.source}]" + (" (house rule)" if clause.house else ""))
        print(f'     "{clause.quote}"')
        print(f"     probes: {'yes' if clause.needs_probes else 'no'}; judged by: {how}")


def _list_profiles() -> None:
    for profile in PROFILES.values():
        print(f"{profile.name}: {len(profile.deviations)} accepted deviations")
        for deviation in profile.deviations:
            print(f"  {deviation.id} ({deviation.clause}): {deviation.reason}")
            print(f"      signature: {dict(deviation.signature)}")
        if profile.name == "agno-3.1":
            for name, why in AGNO_3_1_NOT_OBSERVED.items():
                print(f"  {name}: not flagged by any check: {why}")


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.command == "clauses":
        _list_clauses()
        return EXIT_OK
    if options.command == "profiles":
        _list_profiles()
        return EXIT_OK
    from agentos_contract.api import judge_sync, make_target
    from agentos_contract.report import render_text, write_json, write_junit
    from agentos_contract.runner import SuiteAborted

    try:
        config = config_from(options)
        target = make_target(config, url=options.url)
    except (ConfigError, ProfileError, ValueError) as exc:
        print(f"agentos-contract: cannot run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN

    def progress(message: str) -> None:
        if not options.quiet:
            print(message, file=sys.stderr, flush=True)

    try:
        result = judge_sync(target, config, progress)
    except SuiteAborted as exc:
        print(f"agentos-contract: cannot run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    print(render_text(result))
    if options.json is not None:
        write_json(result, options.json)
    if options.junit is not None:
        write_junit(result, options.junit)
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
