"""``make demo``: the reference server with its demo factories and the probes, shown and then judged.

1. Start ``agentos-reference serve --with-probes`` on a free 127.0.0.1 port (temporary SQLite file,
   a fresh HS256 secret).
2. Walk through a factory run with ``factory_input``, a 400 and a 403 (then 200 with a scoped token).
3. Run the contract suite (``agentos-contract check``, ``spec`` profile) against it and print the
   per-clause report.
4. Stop the server, whatever happened.

This script lives outside the packages because it joins two of them that must never import each
other (ARCHITECTURE.md): the reference server and the suite meet only over HTTP here. Exit status:
the suite's (0 every judged clause holds, 1 a clause is violated, 2 the suite could not run).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from agentos_reference.demo import DemoFailed, running_server, walkthrough

SEED = os.environ.get("HYPOTHESIS_SEED", "20261122")
MAX_EXAMPLES = os.environ.get("AGENTOS_DEMO_MAX_EXAMPLES", "50")


def judge(base_url: str, secret: str, report_dir: Path) -> int:
    command = [
        sys.executable, "-m", "agentos_contract.cli", "check",
        "--url", base_url,
        "--jwt-secret", secret, "--jwt-algorithm", "HS256",
        "--profile", "spec",
        "--seed", SEED, "--max-examples", MAX_EXAMPLES,
        "--json", str(report_dir / "contract-report.json"),
    ]  # fmt: skip
    shown = ["agentos-contract", *command[3:]]
    shown[shown.index("--jwt-secret") + 1] = "<secret>"
    print("\n== The contract suite against the reference server (with probes)")
    print("$ " + " ".join(shown), flush=True)
    return subprocess.run(command, check=False).returncode


def main() -> int:
    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory(prefix="agentos-demo-") as directory:
        try:
            with running_server(Path(directory) / "demo.sqlite3", secret, with_probes=True) as base_url:
                walkthrough(base_url, secret)
                verdict = judge(base_url, secret, Path(directory))
        except (DemoFailed, httpx.HTTPError) as error:
            print(f"demo failed: {error}", file=sys.stderr)
            return 1
    outcome = {0: "every judged clause holds", 1: "a clause is violated", 2: "the suite could not run"}
    print(f"Demo complete: a factory run, a 400, a 403; contract suite: {outcome.get(verdict, verdict)}.")
    return verdict


if __name__ == "__main__":
    sys.exit(main())
