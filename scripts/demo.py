"""``make demo``: the reference server with its demo factories and the probes, shown and then judged.

1. Start ``agentos-reference serve --with-probes`` on a free 127.0.0.1 port (temporary SQLite file,
   a fresh HS256 secret).
2. Walk through a factory run with ``factory_input``, a 400 and a 403 (then 200 with a scoped token).
3. Run the contract suite (``agentos-contract check``, ``spec`` profile) against it and print the
   per-clause report; keep its JSON, JUnit and Markdown reports in ``.agentos-demo/``.
4. Stop the server, whatever happened, and say how to point the suite at your own deployment.

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
# Where the reports stay for the user to open (git-ignored); each run replaces them.
REPORT_DIR = Path(".agentos-demo")
REPORTS = ("contract-report.json", "contract-junit.xml", "contract-summary.md")
NEXT_STEPS = """
Next: judge your own deployment (README "Check your staging deployment"):
  1. add the probes to it: probes = probe_factories(db) (agentos_contract.probes.agno, docs/probe-protocol.md)
  2. .venv/bin/agentos-contract check --url https://your-agentos.example.com \\
         --jwt-secret-file secret.txt      # or --identity NAME=TOKEN ..., or --token-command PROG
     with -H 'Name: value' for a gateway, --ca-cert for a private CA, --profile agno-3.1 for agno 3.1
  3. in CI: add --require-probes --min-judged 45 --junit report.xml --summary "$GITHUB_STEP_SUMMARY"
"""
MAX_EXAMPLES = os.environ.get("AGENTOS_DEMO_MAX_EXAMPLES", "50")


def judge(base_url: str, secret: str, report_dir: Path) -> int:
    command = [
        sys.executable, "-m", "agentos_contract.cli", "check",
        "--url", base_url,
        "--jwt-secret", secret, "--jwt-algorithm", "HS256",
        "--profile", "spec",
        "--seed", SEED, "--max-examples", MAX_EXAMPLES,
        "--json", str(report_dir / REPORTS[0]),
        "--junit", str(report_dir / REPORTS[1]),
        "--summary", str(report_dir / REPORTS[2]),
    ]  # fmt: skip
    shown = ["agentos-contract", *command[3:]]
    shown[shown.index("--jwt-secret") + 1] = "<secret>"
    print("\n== The contract suite against the reference server (with probes)")
    print("$ " + " ".join(shown), flush=True)
    return subprocess.run(command, check=False).returncode


def main() -> int:
    secret = secrets.token_urlsafe(48)
    REPORT_DIR.mkdir(exist_ok=True)
    for name in REPORTS:  # the summary is appended to (as CI step summaries are): start afresh
        (REPORT_DIR / name).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="agentos-demo-") as directory:
        try:
            with running_server(Path(directory) / "demo.sqlite3", secret, with_probes=True) as base_url:
                walkthrough(base_url, secret)
                verdict = judge(base_url, secret, REPORT_DIR)
        except (DemoFailed, httpx.HTTPError) as error:
            print(f"demo failed: {error}", file=sys.stderr)
            return 1
    outcome = {0: "every judged clause holds", 1: "a clause is violated", 2: "the suite could not run"}
    print(f"\nDemo complete: a factory run, a 400, a 403; contract suite: {outcome.get(verdict, verdict)}.")
    kept = [str(REPORT_DIR / name) for name in REPORTS if (REPORT_DIR / name).exists()]
    print(f"Reports: {', '.join(kept)}")
    print(NEXT_STEPS)
    return verdict


if __name__ == "__main__":
    sys.exit(main())
