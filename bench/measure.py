"""One measured cell: warm a server up, run the load generator against it in a child process,
and read the server's own CPU time around the window."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

from bench.servers import ROOT, Server


@dataclass(frozen=True)
class Cell:
    """The figures of one (server, scenario, concurrency) window."""

    server: str
    scenario: str
    concurrency: int
    answered: int
    unexpected: dict[str, int]
    wall_s: float
    req_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_req: float
    server_utilisation: float

    @property
    def valid(self) -> bool:
        return not self.unexpected and self.answered > 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def run_loadgen(
    url: str, spec: dict[str, Any], concurrency: int, seconds: float, requests: int = -1
) -> dict[str, Any]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.loadgen",
            "--url",
            url,
            "--spec",
            json.dumps(spec),
            "--concurrency",
            str(concurrency),
            "--seconds",
            str(seconds),
            "--requests",
            str(requests),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def measure(
    server: Server,
    scenario: str,
    spec: dict[str, Any],
    concurrency: int,
    *,
    seconds: float,
    warmup_s: float,
) -> Cell:
    if warmup_s > 0:
        run_loadgen(server.base_url, spec, concurrency, warmup_s)
    cpu_before = server.cpu_seconds()
    result = run_loadgen(server.base_url, spec, concurrency, seconds)
    cpu_used = server.cpu_seconds() - cpu_before
    expected = str(result["expect"])
    answered = int(result["statuses"].get(expected, 0))
    unexpected = {status: count for status, count in result["statuses"].items() if status != expected}
    unexpected.update({f"error:{name}": count for name, count in result["errors"].items()})
    latencies = result["latencies_s"] or [float("nan")]
    wall = float(result["wall_s"])
    return Cell(
        server=server.name,
        scenario=scenario,
        concurrency=concurrency,
        answered=answered,
        unexpected=unexpected,
        wall_s=wall,
        req_per_s=answered / wall,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        server_cpu_ms_per_req=cpu_used / max(answered, 1) * 1000,
        server_utilisation=cpu_used / wall,
    )


def median_cell(rounds: list[Cell]) -> Cell:
    """One cell from interleaved rounds of the same (server, scenario, concurrency): the median of
    each figure, so a noisy neighbour during one window moves no ratio on its own."""
    first = rounds[0]
    unexpected: dict[str, int] = {}
    for cell in rounds:
        for status, count in cell.unexpected.items():
            unexpected[status] = unexpected.get(status, 0) + count
    return Cell(
        server=first.server,
        scenario=first.scenario,
        concurrency=first.concurrency,
        answered=sum(cell.answered for cell in rounds),
        unexpected=unexpected,
        wall_s=sum(cell.wall_s for cell in rounds),
        req_per_s=statistics.median(cell.req_per_s for cell in rounds),
        p50_ms=statistics.median(cell.p50_ms for cell in rounds),
        p99_ms=statistics.median(cell.p99_ms for cell in rounds),
        server_cpu_ms_per_req=statistics.median(cell.server_cpu_ms_per_req for cell in rounds),
        server_utilisation=statistics.median(cell.server_utilisation for cell in rounds),
    )
