"""SDK overhead per call: ``agentos_factories`` vs raw httpx sending the same request to the same
server, and vs agno's own ``AgentOSClient``, side by side in one run.

One reference server (``bench/reference_app.py``, 127.0.0.1 free port) answers every client, so
the server's share of a call is the same for all of them; the difference is the client's. Each
client makes sequential non-streaming runs of ``probe-agent-required`` with the same
``factory_input`` and reads the answer the way its users would (raw httpx: ``response.json()``;
the SDK: a typed ``AgentRunOutput``; agno: ``RunOutput``). The clients take turns in rounds so
drift hits all alike. Per call: wall time (median, p99) and this process's CPU time.

    python -m bench.sdk_bench [--quick] [--out bench/results/sdk.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.measure import percentile
from bench.report import table, verdict
from bench.servers import start_reference, stop

AGENT = "probe-agent-required"
PATH = f"/agents/{AGENT}/runs"
MESSAGE = "Benchmark run"
FACTORY_INPUT = {"tenant": "acme", "depth": 2}
FORM = {"message": MESSAGE, "stream": "false", "factory_input": json.dumps(FACTORY_INPUT)}
TARGET_VS_HTTPX = 1.10

SyncCall = Callable[[], Any]
AsyncCall = Callable[[], Awaitable[Any]]


def check_echo(content: object) -> None:
    """Every client must have got the real answer, not an error it swallowed."""
    assert isinstance(content, str), content
    assert json.loads(content)["ctx"]["input"] == FACTORY_INPUT, content


class Samples:
    def __init__(self) -> None:
        self.wall_s: list[float] = []
        self.cpu_s = 0.0
        self.calls = 0

    def figures(self) -> dict[str, float]:
        return {
            "calls": self.calls,
            "p50_us": statistics.median(self.wall_s) * 1e6,
            "p99_us": percentile(self.wall_s, 0.99) * 1e6,
            "mean_us": statistics.fmean(self.wall_s) * 1e6,
            "client_cpu_us_per_call": self.cpu_s / self.calls * 1e6,
        }


def time_sync(call: SyncCall, samples: Samples, count: int) -> None:
    cpu = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.wall_s.append(time.perf_counter() - started)
    samples.cpu_s += time.process_time() - cpu
    samples.calls += count


async def time_async(call: AsyncCall, samples: Samples, count: int) -> None:
    cpu = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.wall_s.append(time.perf_counter() - started)
    samples.cpu_s += time.process_time() - cpu
    samples.calls += count


def sync_clients(base_url: str, rounds: int, per_round: int) -> dict[str, dict[str, float]]:
    from agentos_factories import Client

    raw = httpx.Client(base_url=base_url, timeout=30.0)
    sdk = Client(base_url, timeout=30.0)

    def raw_call() -> None:
        response = raw.post(PATH, data=FORM)
        response.raise_for_status()
        check_echo(response.json()["content"])

    def sdk_call() -> None:
        check_echo(sdk.agents.run(AGENT, MESSAGE, factory_input=FACTORY_INPUT).content)

    calls: dict[str, SyncCall] = {"httpx.Client": raw_call, "agentos_factories.Client": sdk_call}
    samples = {name: Samples() for name in calls}
    try:
        for call in calls.values():
            for _ in range(20):
                call()
        for _ in range(rounds):
            for name, call in calls.items():
                time_sync(call, samples[name], per_round)
    finally:
        raw.close()
        sdk.close()
    return {name: sample.figures() for name, sample in samples.items()}


async def async_clients(base_url: str, rounds: int, per_round: int) -> dict[str, dict[str, float]]:
    from agno.client import AgentOSClient

    from agentos_factories import AsyncClient

    raw = httpx.AsyncClient(base_url=base_url, timeout=30.0)
    sdk = AsyncClient(base_url, timeout=30.0)
    agno = AgentOSClient(base_url, timeout=30.0)

    async def raw_call() -> None:
        response = await raw.post(PATH, data=FORM)
        response.raise_for_status()
        check_echo(response.json()["content"])

    async def sdk_call() -> None:
        output = await sdk.agents.run(AGENT, MESSAGE, factory_input=FACTORY_INPUT)
        check_echo(output.content)

    async def agno_call() -> None:
        output = await agno.run_agent(AGENT, MESSAGE, factory_input=FACTORY_INPUT)
        check_echo(output.content)

    calls: dict[str, AsyncCall] = {
        "httpx.AsyncClient": raw_call,
        "agentos_factories.AsyncClient": sdk_call,
        "agno AgentOSClient": agno_call,
    }
    samples = {name: Samples() for name in calls}
    try:
        for call in calls.values():
            for _ in range(20):
                await call()
        for _ in range(rounds):
            for name, call in calls.items():
                await time_async(call, samples[name], per_round)
    finally:
        await raw.aclose()
        await sdk.close()
    return {name: sample.figures() for name, sample in samples.items()}


def comparisons(
    results: dict[str, dict[str, float]], subject: str, baselines: list[str]
) -> list[dict[str, Any]]:
    rows = []
    for baseline in baselines:
        wall = results[subject]["p50_us"] / results[baseline]["p50_us"]
        target = TARGET_VS_HTTPX if baseline.startswith("httpx") else None
        rows.append(
            {
                "subject": subject,
                "baseline": baseline,
                "wall_ratio": wall,
                "extra_client_cpu_us": results[subject]["client_cpu_us_per_call"]
                - results[baseline]["client_cpu_us_per_call"],
                "target": target,
                "met": None if target is None else wall <= target,
            }
        )
    return rows


def markdown(results: dict[str, dict[str, float]], rows: list[dict[str, Any]]) -> str:
    figures = table(
        ["client", "calls", "p50 µs", "p99 µs", "client CPU µs/call"],
        [
            [
                name,
                int(values["calls"]),
                f"{values['p50_us']:,.0f}",
                f"{values['p99_us']:,.0f}",
                f"{values['client_cpu_us_per_call']:,.0f}",
            ]
            for name, values in results.items()
        ],
    )
    ratios = table(
        ["client", "vs", "p50 wall ratio", "extra client CPU µs/call", "target", "met"],
        [
            [
                row["subject"],
                row["baseline"],
                f"{row['wall_ratio']:.3f}x",
                f"{row['extra_client_cpu_us']:+,.0f}",
                "-" if row["target"] is None else f"<= {row['target']}x",
                verdict(row["met"]),
            ]
            for row in rows
        ],
        numeric_from=2,
    )
    return figures + "\n\n" + ratios


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sdk_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rounds, per_round = (5, 100) if args.quick else (10, 300)
    with tempfile.TemporaryDirectory(prefix="agentos-sdk-bench-") as tmp:
        server = start_reference(Path(tmp))
        try:
            results = sync_clients(server.base_url, rounds, per_round)
            results.update(asyncio.run(async_clients(server.base_url, rounds, per_round)))
        finally:
            stop(server)
    rows = comparisons(results, "agentos_factories.Client", ["httpx.Client"])
    rows += comparisons(results, "agentos_factories.AsyncClient", ["httpx.AsyncClient", "agno AgentOSClient"])
    document = {
        "command": "python -m bench.sdk_bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "clients": results,
        "ratios": rows,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(markdown(results, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
