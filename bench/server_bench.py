"""Reference server vs real agno 3.1.10 AgentOS vs the floor, side by side in one run.

Scenarios (both on ``probe-agent-required``, whose ``input_schema`` has a required field):

- ``run``: a non-streaming factory run (``stream=false``) with a valid ``factory_input``: 200;
- ``400``: the same form with an invalid ``factory_input``: 400 before any factory runs.

Each at 1 client (sequential) and 8 concurrent clients. All servers run at once on 127.0.0.1
free ports and are measured one at a time, in interleaved rounds (the median of each figure over
the rounds makes a cell); the load generator is a separate process
(``bench/loadgen.py``), and each server's own CPU time is read from /proc around the window.

    python -m bench.server_bench [--quick] [--auth none|jwt] [--out bench/results/server.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import jwt

from bench.measure import Cell, measure, median_cell
from bench.report import table, verdict
from bench.servers import Server, start_agno, start_floor, start_reference, start_reference_cli, stop

PATH = "/agents/probe-agent-required/runs"
VALID_INPUT = {"tenant": "acme", "depth": 2}
INVALID_INPUT = {"depth": "deep"}
TARGETS = {"run": {"reference": 4.0, "floor": 0.7}, "400": {"reference": 2.0}}


def form(factory_input: dict[str, Any]) -> dict[str, str]:
    return {"message": "Benchmark run", "stream": "false", "factory_input": json.dumps(factory_input)}


def spec_for(server: Server, scenario: str) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if server.jwt_secret is not None:
        token = jwt.encode(
            {"sub": "bench-user", "scopes": ["agents:run"], "exp": int(time.time()) + 24 * 3600},
            server.jwt_secret,
            algorithm="HS256",
        )
        headers["Authorization"] = f"Bearer {token}"
    body = urllib.parse.urlencode(form(VALID_INPUT if scenario == "run" else INVALID_INPUT))
    return {
        "method": "POST",
        "path": PATH,
        "body": body,
        "headers": headers,
        "expect": 200 if scenario == "run" else 400,
    }


def sanity_check(server: Server) -> None:
    """One request of each scenario, its answer checked, before anything is timed."""
    for scenario in ("run", "400"):
        spec = spec_for(server, scenario)
        response = httpx.post(
            server.base_url + PATH, content=spec["body"], headers=spec["headers"], timeout=30
        )
        if response.status_code != spec["expect"]:
            raise SystemExit(f"{server.name} {scenario}: {response.status_code} {response.text[:300]}")
        if scenario == "run":
            content = json.loads(response.json()["content"])
            seen = content["input"] if server.name.startswith("floor") else content["ctx"]["input"]
            if seen != VALID_INPUT:
                raise SystemExit(f"{server.name}: the factory saw {seen!r}, not {VALID_INPUT!r}")
        elif "factory_input" not in response.json()["detail"]:
            raise SystemExit(f"{server.name}: unexpected 400 detail {response.json()!r}")


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def summarise(cells: list[Cell]) -> dict[str, Any]:
    by_key = {(cell.server, cell.scenario, cell.concurrency): cell for cell in cells}
    ratios: list[dict[str, Any]] = []
    for scenario, targets in TARGETS.items():
        for concurrency in sorted({cell.concurrency for cell in cells}):
            for subject in ("reference", "reference-cli"):
                reference = by_key.get((subject, scenario, concurrency))
                if reference is None:
                    continue
                for other, target in (("agno", targets.get("reference")), ("floor", targets.get("floor"))):
                    cell = by_key.get((other, scenario, concurrency))
                    if cell is None:
                        continue
                    throughput = ratio(reference.req_per_s, cell.req_per_s)
                    ratios.append(
                        {
                            "subject": subject,
                            "scenario": scenario,
                            "concurrency": concurrency,
                            "versus": other,
                            "throughput_ratio": throughput,
                            "cpu_ratio": ratio(cell.server_cpu_ms_per_req, reference.server_cpu_ms_per_req),
                            "p50_ratio": ratio(cell.p50_ms, reference.p50_ms),
                            "target": target,
                            "met": None if target is None else throughput >= target,
                        }
                    )
    return {"ratios": ratios}


def markdown(cells: list[Cell], summary: dict[str, Any]) -> str:
    figures = table(
        [
            "server",
            "scenario",
            "clients",
            "req/s",
            "p50 ms",
            "p99 ms",
            "server CPU ms/req",
            "server CPU use",
            "answered",
        ],
        [
            [
                cell.server,
                cell.scenario,
                cell.concurrency,
                f"{cell.req_per_s:,.0f}",
                f"{cell.p50_ms:.2f}",
                f"{cell.p99_ms:.2f}",
                f"{cell.server_cpu_ms_per_req:.2f}",
                f"{cell.server_utilisation:.0%}",
                f"{cell.answered}" + ("" if cell.valid else f" (unexpected: {cell.unexpected})"),
            ]
            for cell in cells
        ],
        numeric_from=2,
    )
    ratios = table(
        [
            "server",
            "scenario",
            "clients",
            "vs",
            "throughput ratio",
            "CPU/req ratio",
            "p50 ratio",
            "target",
            "met",
        ],
        [
            [
                row["subject"],
                row["scenario"],
                row["concurrency"],
                row["versus"],
                f"{row['throughput_ratio']:.2f}x",
                f"{row['cpu_ratio']:.2f}x",
                f"{row['p50_ratio']:.2f}x",
                "-" if row["target"] is None else f">= {row['target']}x",
                verdict(row["met"]),
            ]
            for row in summary["ratios"]
        ],
        numeric_from=4,
    )
    return figures + "\n\n" + ratios


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server_bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="short windows (the whole run in about a minute)"
    )
    parser.add_argument("--auth", choices=["none", "jwt"], default="none")
    parser.add_argument(
        "--seconds", type=float, help="measured window per cell and round (default 3 quick, 5 full)"
    )
    parser.add_argument(
        "--rounds", type=int, help="interleaved rounds per cell, median taken (default 1 quick, 3 full)"
    )
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--skip-cli", action="store_true", help="leave out the reference server as launched by its own CLI"
    )
    args = parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 5.0)
    warmup = 1.0 if args.quick else 3.0
    rounds_per_cell = args.rounds or (1 if args.quick else 3)
    jwt_mode = args.auth == "jwt"
    cells: list[Cell] = []
    with tempfile.TemporaryDirectory(prefix="agentos-bench-") as tmp:
        workdir = Path(tmp)
        servers: list[Server] = []
        try:
            servers.append(start_floor(workdir))
            servers.append(start_reference(workdir, jwt=jwt_mode))
            servers.append(start_agno(workdir, jwt=jwt_mode))
            if not args.skip_cli:
                servers.append(start_reference_cli(workdir, jwt=jwt_mode))
            for server in servers:
                sanity_check(server)
            for scenario in ("run", "400"):
                for concurrency in (1, 8):
                    # Rounds interleave the servers (A B C, A B C, ...) so a slow spell of the shared
                    # machine lands on all of them; each cell is the median of its rounds.
                    rounds: dict[str, list[Cell]] = {server.name: [] for server in servers}
                    for round_index in range(rounds_per_cell):
                        for server in servers:
                            cell = measure(
                                server,
                                scenario,
                                spec_for(server, scenario),
                                concurrency,
                                seconds=seconds,
                                warmup_s=warmup if round_index == 0 else min(warmup, 1.0),
                            )
                            rounds[server.name].append(cell)
                            print(
                                f"{server.name:13} {scenario:3} c={concurrency} round {round_index + 1}: "
                                f"{cell.req_per_s:8.0f} req/s p50 {cell.p50_ms:6.2f} ms  "
                                f"cpu {cell.server_cpu_ms_per_req:5.2f} ms/req",
                                file=sys.stderr,
                            )
                    cells += [median_cell(rounds[server.name]) for server in servers]
        finally:
            for server in servers:
                stop(server)
    summary = summarise(cells)
    document = {
        "command": "python -m bench.server_bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "auth": args.auth,
        "seconds_per_cell": seconds,
        "rounds_per_cell": rounds_per_cell,
        "cells": [cell.as_dict() for cell in cells],
        **summary,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(markdown(cells, summary))
    return 0 if all(cell.valid for cell in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
