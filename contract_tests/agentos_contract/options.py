"""The suite's options, declared once for the CLI and the pytest plugin.

Pure data and the standard library only: the pytest plugin reads this on every pytest
run, so it must stay cheap to import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

PROFILE_NAMES = ("spec", "agno-3.1")

# Requests in flight at once by default: a full run's ~3,300 requests at a 50 ms round trip take
# 32 s with 8 and 22 s with 16 (bench/latency_bench.py); a fragile deployment asks for fewer.
DEFAULT_WORKERS = 16

# Environment variables the secret options also read (an option wins over its file, a file over
# the environment): secrets on a command line show in process lists and CI logs.
ENV_JWT_SECRET = "AGENTOS_CONTRACT_JWT_SECRET"
ENV_TOKEN = "AGENTOS_CONTRACT_TOKEN"
ENV_IDENTITIES = "AGENTOS_CONTRACT_IDENTITIES"
ENV_HEADERS = "AGENTOS_CONTRACT_HEADERS"

# (name without dashes, argparse keyword arguments)
SUITE_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "jwt-secret",
        {
            "help": f"HMAC secret of the deployment's JWT middleware: the suite mints tokens "
            f"(or ${ENV_JWT_SECRET}, or --jwt-secret-file)"
        },
    ),
    ("jwt-secret-file", {"type": Path, "help": "a file holding the HMAC secret"}),
    ("jwt-private-key", {"type": Path, "help": "PEM private key (RS*/ES*/PS*/EdDSA) to mint tokens with"}),
    ("jwt-algorithm", {"help": "JWT algorithm (default HS256 with a secret, RS256 with a key)"}),
    (
        "token",
        {
            "help": f"one bearer token to send (or ${ENV_TOKEN}, or --token-file); the suite judges what "
            "it can with it"
        },
    ),
    ("token-file", {"type": Path, "help": "a file holding the one bearer token"}),
    (
        "identity",
        {
            "action": "append",
            "default": None,
            "metavar": "NAME=TOKEN",
            "help": "a token your identity provider issued (repeatable; or one NAME=TOKEN per line in "
            f"--identities-file or ${ENV_IDENTITIES}): the suite reads its claims, unverified, and uses it "
            "wherever it would mint one",
        },
    ),
    ("identities-file", {"type": Path, "help": "a file of NAME=TOKEN lines"}),
    (
        "token-command",
        {
            "help": "a program that reads the wanted claims as JSON on stdin and prints a token "
            "(run without a shell)"
        },
    ),
    ("user-id-claim", {"default": "sub", "help": "claim lifted into user_id (default sub)"}),
    (
        "session-id-claim",
        {"default": "session_id", "help": "claim lifted into session_id (default session_id)"},
    ),
    ("scopes-claim", {"default": "scopes", "help": "claim holding the scopes (default scopes)"}),
    (
        "header",
        {
            "action": "append",
            "default": None,
            "metavar": "'NAME: VALUE'",
            "help": "a header for every request and the WebSocket handshake, e.g. a gateway's API key "
            f"(repeatable; or one per line in --header-file or ${ENV_HEADERS})",
        },
    ),
    ("header-file", {"type": Path, "help": "a file of 'Name: value' lines"}),
    ("ca-cert", {"type": Path, "help": "PEM bundle of the CA that signed the deployment's certificate"}),
    ("client-cert", {"type": Path, "help": "PEM client certificate (mutual TLS)"}),
    ("client-key", {"type": Path, "help": "PEM key of --client-cert, when not in the same file"}),
    (
        "insecure",
        {"action": "store_true", "help": "do not verify the deployment's certificate (warned about)"},
    ),
    ("proxy", {"help": "send every request through this proxy (environment proxies are always ignored)"}),
    ("profile", {"default": "spec", "choices": PROFILE_NAMES, "help": "spec (the documents) or agno-3.1"}),
    ("baseline", {"type": Path, "help": "JSON/TOML file of deviations you accept"}),
    ("seed", {"type": int, "default": 0, "help": "Hypothesis seed (default 0)"}),
    ("max-examples", {"type": int, "default": 50, "help": "examples per property (default 50)"}),
    (
        "max-requests",
        {"type": int, "default": 20_000, "help": "stop after this many requests (default 20000)"},
    ),
    ("time-budget", {"type": float, "default": 600.0, "help": "stop after this many seconds (default 600)"}),
    ("request-timeout", {"type": float, "default": 30.0, "help": "seconds per request (default 30)"}),
    (
        "workers",
        {
            "type": int,
            "default": DEFAULT_WORKERS,
            "help": f"checks and properties judged at once (default {DEFAULT_WORKERS}, suited to a remote "
            "deployment; "
            "1: one request at a time, in the registry's order); the same seed gives the same "
            "verdicts and report whatever the number",
        },
    ),
    (
        "rate-limit",
        {"type": float, "default": None, "help": "at most this many requests per second (default: no limit)"},
    ),
    (
        "allow-runs",
        {
            "type": int,
            "default": 0,
            "help": "successful runs of non-probe factories the suite may make (default 0: none)",
        },
    ),
    ("clauses", {"help": "comma-separated clause ids to judge, e.g. C41,H04 (default: every clause)"}),
    ("no-shrink", {"action": "store_true", "help": "report the first failing example without shrinking it"}),
    (
        "min-judged",
        {"type": int, "default": 0, "help": "exit 1 when fewer clauses than this were judged (default 0)"},
    ),
    ("require-probes", {"action": "store_true", "help": "exit 1 when the deployment has no probes"}),
    ("junit", {"type": Path, "help": "write a JUnit XML report here"}),
    ("json", {"type": Path, "help": "write a JSON report here"}),
    ("summary", {"type": Path, "help": "write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)"}),
)
# Short forms, on the command line only (the pytest plugin's options all carry its prefix).
SHORT = {"header": "-H"}


def add_options(add: Callable[..., Any], prefix: str = "") -> None:
    """Declare every suite option through an ``add_argument``-like callable."""
    for name, kwargs in SUITE_OPTIONS:
        flags = [f"--{prefix}{name}"]
        if not prefix and name in SHORT:
            flags.insert(0, SHORT[name])
        add(*flags, dest=f"{prefix}{name}".replace("-", "_"), **kwargs)
