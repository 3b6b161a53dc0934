"""The contract suite against a remote deployment: a full ``agentos-contract check --profile spec``
run through a loopback proxy that adds round-trip latency, with one worker and with eight.

Staging sits in another region: every request pays a round trip, and a suite that sends its ~3,000
requests one at a time pays it ~3,000 times. ``--workers`` judges checks, properties and their
independent parts at once; this measures what that buys, side by side in one run, against the
reference server (JWT, probes) behind ``tests/proxy.py`` (the proxy the resilience tests use):

- 0 ms added: workers 1 and the default (16; it must be no slower on a local deployment);
- 50 ms added round trip: the default (target: a full run within 25 s) and 8, and workers 1
  unless ``--quick`` (the figure the workers are measured against; about 3,300 round trips).

Every run must exit 0 with the same verdicts as the others, or the script exits 1.

    python -m bench.latency_bench [--quick] [--rtt-ms 50] [--max-examples 50] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.proxy import running_proxy

from agentos_contract.options import DEFAULT_WORKERS
from bench.report import table, verdict
from bench.servers import ROOT, running, start_reference

SEED = 20261122
TARGET_REMOTE_S = 25.0


def run_suite(url: str, secret: str, workers: int, max_examples: int, workdir: Path) -> dict[str, Any]:
    report = workdir / f"latency-{workers}-{time.monotonic_ns()}.json"
    command = [
        sys.executable, "-m", "agentos_contract.cli", "check",
        "--url", url, "--jwt-secret", secret, "--profile", "spec",
        "--seed", str(SEED), "--max-examples", str(max_examples),
        "--workers", str(workers), "--quiet", "--json", str(report),
    ]  # fmt: skip
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    verdicts: dict[str, str] = {}
    requests = None
    if report.exists():
        document = json.loads(report.read_text())
        verdicts = {clause["id"]: clause["verdict"] for clause in document.get("clauses", [])}
        requests = document.get("requests", document.get("stats", {}).get("requests"))
    return {
        "workers": workers,
        "exit_code": completed.returncode,
        "wall_s": wall,
        "requests": requests,
        "verdicts": verdicts,
        "stderr_tail": completed.stderr[-1500:] if completed.returncode else "",
    }


def measure(rtt_ms: float, max_examples: int, quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="latency-bench-") as directory:
        workdir = Path(directory)
        with running(start_reference(workdir, jwt=True)) as server:
            assert server.jwt_secret is not None
            plan = [(0.0, 1), (0.0, DEFAULT_WORKERS), (rtt_ms, 8), (rtt_ms, DEFAULT_WORKERS)]
            plan += [] if quick else [(rtt_ms, 1)]
            for added_ms, workers in plan:
                with running_proxy(server.base_url, latency_s=added_ms / 1000) as (url, _proxy):
                    row = run_suite(url, server.jwt_secret, workers, max_examples, workdir)
                row["rtt_ms"] = added_ms
                rows.append(row)
                print(
                    f"  +{added_ms:.0f} ms, workers {workers}: exit {row['exit_code']}, "
                    f"{row['wall_s']:.1f} s, {row['requests']} requests",
                    file=sys.stderr,
                    flush=True,
                )
    return rows


def markdown(rows: list[dict[str, Any]], rtt_ms: float) -> str:
    by = {(row["rtt_ms"], row["workers"]): row for row in rows}
    lines = [
        table(
            ["added round trip", "workers", "exit", "requests", "wall s"],
            [
                [
                    f"{row['rtt_ms']:.0f} ms",
                    row["workers"],
                    row["exit_code"],
                    row["requests"],
                    f"{row['wall_s']:.1f}",
                ]
                for row in rows
            ],
            numeric_from=1,
        ),
        "",
    ]
    default = DEFAULT_WORKERS
    local_1, local_n, remote_n = by[(0.0, 1)], by[(0.0, default)], by[(rtt_ms, default)]
    local_ratio = local_n["wall_s"] / local_1["wall_s"]
    lines.append(
        f"- {rtt_ms:.0f} ms round trip, {default} workers (the default): {remote_n['wall_s']:.1f} s "
        f"(target <= {TARGET_REMOTE_S:.0f} s): {verdict(remote_n['wall_s'] <= TARGET_REMOTE_S)}"
    )
    lines.append(
        f"- local, {default} workers / 1 worker: {local_ratio:.2f}x (target <= 1.00x, no slower): "
        f"{verdict(local_ratio <= 1.0)}"
    )
    remote_1 = by.get((rtt_ms, 1))
    if remote_1 is not None:
        lines.append(
            f"- {rtt_ms:.0f} ms round trip, 1 worker / {default} workers: "
            f"{remote_1['wall_s'] / remote_n['wall_s']:.1f}x faster with {default}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow serial run at the added latency")
    parser.add_argument("--rtt-ms", type=float, default=50.0, help="round trip the proxy adds (default 50)")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = measure(args.rtt_ms, args.max_examples, args.quick)
    print(markdown(rows, args.rtt_ms))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    failed = [row for row in rows if row["exit_code"] != 0]
    for row in failed:
        print(
            f"run with +{row['rtt_ms']} ms, workers {row['workers']} exited {row['exit_code']}:",
            file=sys.stderr,
        )
        print(row["stderr_tail"], file=sys.stderr)
    differing = [row for row in rows if row["verdicts"] != rows[0]["verdicts"]]
    if differing:
        print("verdicts differ between runs (they must not depend on latency or workers)", file=sys.stderr)
    return 1 if failed or differing else 0


if __name__ == "__main__":
    sys.exit(main())
