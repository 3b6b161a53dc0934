"""The suite's options, declared once for the CLI and the pytest plugin.

Pure data and the standard library only: the pytest plugin reads this on every pytest
run, so it must stay cheap to import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

PROFILE_NAMES = ("spec", "agno-3.1")

# (name without dashes, argparse keyword arguments)
SUITE_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("jwt-secret", {"help": "HMAC secret of the deployment's JWT middleware: the suite mints tokens"}),
    ("jwt-private-key", {"type": Path, "help": "PEM private key (RS*/ES*/PS*/EdDSA) to mint tokens with"}),
    ("jwt-algorithm", {"help": "JWT algorithm (default HS256 with a secret, RS256 with a key)"}),
    ("token", {"help": "one bearer token to send (the suite judges what it can with it)"}),
    ("user-id-claim", {"default": "sub", "help": "claim lifted into user_id (default sub)"}),
    (
        "session-id-claim",
        {"default": "session_id", "help": "claim lifted into session_id (default session_id)"},
    ),
    ("scopes-claim", {"default": "scopes", "help": "claim holding the scopes (default scopes)"}),
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
        "allow-runs",
        {
            "type": int,
            "default": 0,
            "help": "successful runs of non-probe factories the suite may make (default 0: none)",
        },
    ),
    ("clauses", {"help": "comma-separated clause ids to judge, e.g. C41,H04 (default: every clause)"}),
    ("no-shrink", {"action": "store_true", "help": "report the first failing example without shrinking it"}),
    ("junit", {"type": Path, "help": "write a JUnit XML report here"}),
    ("json", {"type": Path, "help": "write a JSON report here"}),
)


def add_options(add: Callable[..., Any], prefix: str = "") -> None:
    """Declare every suite option through an ``add_argument``-like callable."""
    for name, kwargs in SUITE_OPTIONS:
        add(f"--{prefix}{name}", dest=f"{prefix}{name}".replace("-", "_"), **kwargs)
