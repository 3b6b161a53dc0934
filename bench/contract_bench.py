"""Contract suite wall time: a full ``agentos-contract check --profile spec`` run against the local
reference server (JWT, probes), as a user runs it from the CLI.

Against the reference server on an inherited socket (``bench/reference_app.py``); the full mode
also times it as launched by its own CLI (`agentos-reference serve`, as shipped) and
the ``agno-3.1`` profile against a real agno 3.1.10 AgentOS with the probes.
Every run must exit 0 (every judged clause holds) or the figure does not count.

    python -m bench.contract_bench [--quick] [--max-examples 50] [--out bench/results/contract.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.report import table
from bench.servers import ROOT, Server, start_agno, start_reference, start_reference_cli, stop

SEED = 20261122


def run_suite(server: Server, profile: str, max_examples: int, workdir: Path) -> dict[str, Any]:
    report = workdir / f"contract-{server.name}-{profile}.json"
    assert server.jwt_secret is not None
    command = [
        sys.executable,
        "-m",
        "agentos_contract.cli",
        "check",
        "--url",
        server.base_url,
        "--jwt-secret",
        server.jwt_secret,
        "--jwt-algorithm",
        "HS256",
        "--profile",
        profile,
        "--seed",
        str(SEED),
        "--max-examples",
        str(max_examples),
        "--quiet",
        "--json",
        str(report),
    ]
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    summary: dict[str, Any] = {}
    if report.exists():
        document = json.loads(report.read_text())
        summary = {key: value for key, value in document.items() if not isinstance(value, list | dict)}
        summary["requests"] = document.get("requests", document.get("stats", {}).get("requests"))
        verdicts: dict[str, int] = {}
        for clause in document.get("clauses", []):
            verdicts[clause.get("verdict", "?")] = verdicts.get(clause.get("verdict", "?"), 0) + 1
        summary["verdicts"] = verdicts
    return {
        "server": server.name,
        "profile": profile,
        "max_examples": max_examples,
        "exit_code": completed.returncode,
        "wall_s": wall,
        "server_cpu_s": server.cpu_seconds() - cpu_before,
        "report": summary,
        "stderr_tail": completed.stderr[-1500:] if completed.returncode else "",
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    return table(
        ["server", "profile", "examples/property", "exit", "verdicts", "requests", "wall s", "server CPU s"],
        [
            [
                row["server"],
                row["profile"],
                row["max_examples"],
                row["exit_code"],
                ", ".join(
                    f"{name} {count}" for name, count in sorted(row["report"].get("verdicts", {}).items())
                ),
                row["report"].get("requests", "?"),
                f"{row['wall_s']:.1f}",
                f"{row['server_cpu_s']:.1f}",
            ]
            for row in rows
        ],
        numeric_from=2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.contract_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="the reference server only (not its CLI launch, not agno)"
    )
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="agentos-contract-bench-") as tmp:
        workdir = Path(tmp)
        starters: list[tuple[str, Callable[..., Server]]] = [("spec", start_reference)]
        if not args.quick:
            starters += [("spec", start_reference_cli), ("agno-3.1", start_agno)]
        for profile, start in starters:
            server = start(workdir, jwt=True)
            try:
                rows.append(run_suite(server, profile, args.max_examples, workdir))
            finally:
                stop(server)
            print(
                f"{rows[-1]['server']}: exit {rows[-1]['exit_code']} in {rows[-1]['wall_s']:.1f} s",
                file=sys.stderr,
            )
    document = {
        "command": "python -m bench.contract_bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "seed": SEED,
        "runs": rows,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(markdown(rows))
    for row in rows:
        if row["stderr_tail"]:
            print(f"\n{row['server']} ({row['profile']}) stderr:\n```\n{row['stderr_tail']}\n```")
    return 0 if all(row["exit_code"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
