"""``agentos-contract``: judge an AgentOS deployment from the command line.

Exit codes: 0 every judged clause holds (or is an accepted deviation), 1 a clause is
violated, 2 the suite could not run (unreachable target, bad configuration, a crashed check).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from agentos_contract import inputs
from agentos_contract.clauses import CLAUSES, judged_by_tests
from agentos_contract.config import (
    ConfigError,
    Connection,
    SuiteConfig,
    make_credentials,
    make_identities,
    make_token_command,
)
from agentos_contract.options import ENV_HEADERS, ENV_IDENTITIES, ENV_JWT_SECRET, ENV_TOKEN, add_options
from agentos_contract.profiles import (
    AGNO_3_1_NOT_OBSERVED,
    PROFILES,
    ProfileError,
    get_profile,
    load_baseline,
)
from agentos_contract.tokens import ClaimNames

EXIT_OK, EXIT_VIOLATED, EXIT_CANNOT_RUN = 0, 1, 2


def config_from(options: argparse.Namespace, prefix: str = "") -> SuiteConfig:
    """The run's configuration from parsed options (``prefix`` as given to ``add_options``)."""
    if prefix:
        options = argparse.Namespace(
            **{key[len(prefix) :]: value for key, value in vars(options).items() if key.startswith(prefix)}
        )
    claim_names = ClaimNames(options.user_id_claim, options.session_id_claim, options.scopes_claim)
    minter, token = make_credentials(
        jwt_secret=inputs.secret(options.jwt_secret, options.jwt_secret_file, ENV_JWT_SECRET, "--jwt-secret"),
        jwt_private_key=options.jwt_private_key,
        jwt_algorithm=options.jwt_algorithm,
        token=inputs.secret(options.token, options.token_file, ENV_TOKEN, "--token"),
        claim_names=claim_names,
    )
    identities = make_identities(
        inputs.listed(options.identity, options.identities_file, ENV_IDENTITIES, "--identities-file"),
        claim_names,
    )
    connection = Connection(
        headers=inputs.headers(
            inputs.listed(options.header, options.header_file, ENV_HEADERS, "--header-file")
        ),
        ca_cert=options.ca_cert,
        client_cert=options.client_cert,
        client_key=options.client_key,
        insecure=options.insecure,
        proxy=options.proxy,
    )
    connection.ssl_context()  # bad TLS material stops the run here
    for path, what in ((options.junit, "--junit"), (options.json, "--json"), (options.summary, "--summary")):
        inputs.writable(path, what)
    if options.baseline is not None:
        load_baseline(options.baseline)  # fail before the first request, not after the run
    only = frozenset(c.strip().upper() for c in (options.clauses or "").split(",") if c.strip())
    unknown = sorted(only - {clause.id for clause in CLAUSES})
    if unknown:
        raise ConfigError(f"--clauses names unknown clauses: {', '.join(unknown)}")
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
        identities=identities,
        token_command=make_token_command(
            options.token_command, claim_names, others=(minter, token, identities)
        ),
        baseline=options.baseline,
        shrink=not options.no_shrink,
        only_clauses=only,
        connection=connection,
        min_judged=options.min_judged,
        require_probes=options.require_probes,
        workers=options.workers,
        rate_limit=options.rate_limit,
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
    add_options(check.add_argument)
    check.add_argument("--quiet", action="store_true", help="no progress lines")
    commands.add_parser("clauses", help="list the clause catalogue")
    commands.add_parser("profiles", help="list the profiles and their deviations")
    return parser


def _list_clauses() -> None:
    for clause in CLAUSES:
        how = ", ".join(clause.checks) if clause.wire else judged_by_tests(clause)
        print(f"{clause.id} {clause.title} [{clause.source}]" + (" (house rule)" if clause.house else ""))
        print(f'     "{clause.quote}"')
        if clause.reason:
            print(f"     why: {clause.reason}")
        print(f"     probes: {'yes' if clause.needs_probes else 'no'}; judged by: {how}")
        if clause.modes:
            print(f"     run modes: {', '.join(clause.modes)}")
        if clause.library_reason:
            print(f"     not over the wire: {clause.library_reason}")


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
    from agentos_contract.redaction import Redactor
    from agentos_contract.report import (
        render_text,
        write_aborted_summary,
        write_json,
        write_junit,
        write_summary,
    )
    from agentos_contract.runner import SuiteAborted

    try:
        config = config_from(options)
        target = make_target(config, url=options.url)
    except (ConfigError, ProfileError, ValueError) as exc:
        print(f"agentos-contract: cannot run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN

    redact = Redactor.for_config(config)
    if config.connection.insecure:
        print(
            "agentos-contract: warning: --insecure: the deployment's TLS certificate is not verified",
            file=sys.stderr,
        )

    def progress(message: str) -> None:
        if not options.quiet:
            print(redact.text(message), file=sys.stderr, flush=True)

    try:
        result = judge_sync(target, config, progress)
    except SuiteAborted as exc:
        reason = redact.text(str(exc))
        print(f"agentos-contract: cannot run: {reason}", file=sys.stderr)
        if options.summary is not None:
            write_aborted_summary(options.summary, options.url, reason)
        return EXIT_CANNOT_RUN
    print(render_text(result))
    if options.json is not None:
        write_json(result, options.json)
    if options.junit is not None:
        write_junit(result, options.junit)
    if options.summary is not None:
        write_summary(result, options.summary)
    for reason in result.gate_failures:
        print(f"agentos-contract: {reason}", file=sys.stderr)
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
