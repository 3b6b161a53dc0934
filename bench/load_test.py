"""Load test: 8 concurrent SDK clients for 30 s of mixed runs, streams, validation failures,
pauses with continue or cancel, against one reference server on 127.0.0.1 (bounded, loopback).

Pass criteria, checked afterwards against the server's SQLite file (read-only):
- zero unexpected errors (a 400 is expected only where the request was built to fail);
- every run answered 200 is in the database with the status its last answer implied
  (COMPLETED, or CANCELLED after a cancel) and an output whose echo names its message;
- no run is left RUNNING, and SQLite's integrity check says "ok";
- server memory is flat: after a warm-up fifth, the median RSS of the last third is within
  max(5 MB, 5%) of the first third's.

With ``--slow-readers N`` and ``--slowloris N`` hostile clients run beside the well-behaved ones
(``bench/hostile_clients.py``): streams started with a large message and never read, request
heads trickled a byte a second, from a process of their own. The well-behaved load runs first
alone (half the window: "calm") and then beside them (the whole window); ``/health`` is asked
every 100 ms in both. Then the memory criterion is a bound instead of flatness (peak RSS at most
``--max-rss-mb``, and back within 100 MB of where it started once they are gone), and ``/health``'s
p99 and the well-behaved operations' p50 must stay within 5x of their calm figures.

    python -m bench.load_test [--quick] [--seconds 30] [--clients 8] [--out bench/results/load.json]
        [--slow-readers 200 --slowloris 50 --slow-message-kib 1024 --stall-timeout 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentos_factories import AsyncClient, FactoryValidationError, RunCompleted, WorkflowCompleted
from bench.db_audit import StoredRun, integrity, stored_runs
from bench.hostile_clients import HostileLedger, health_probe
from bench.measure import percentile
from bench.report import table, verdict
from bench.servers import ROOT, Server, start_reference, stop

# Hostile mode: /health's p99 and the well-behaved operations' p50 may grow this much at most.
LATENCY_FACTOR = 5.0
OPERATIONS = ("run", "stream", "invalid", "pause+continue", "pause+cancel", "team run", "workflow stream")


@dataclass
class Ledger:
    """What the clients saw: runs answered 200 (with the state they must be stored in), errors."""

    expected: dict[str, tuple[str, str]] = field(default_factory=dict)  # run_id -> (status, message)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    expected_refusals: int = 0
    unexpected: Counter[str] = field(default_factory=Counter)
    unexpected_samples: list[str] = field(default_factory=list)

    def answered(self, run_id: str | None, status: str, message: str) -> None:
        assert run_id, f"a 200 answer for {message!r} without a run_id"
        self.expected[run_id] = (status, message)

    def fail(self, what: str, detail: str) -> None:
        self.unexpected[what] += 1
        if len(self.unexpected_samples) < 10:
            self.unexpected_samples.append(f"{what}: {detail[:300]}")


def echo_message(content: object) -> str | None:
    if not isinstance(content, str):
        return None
    try:
        document = json.loads(content)
    except ValueError:
        return None
    message = document.get("message") if isinstance(document, dict) else None
    return message if isinstance(message, str) else None


async def one_operation(
    client: AsyncClient, operation: str, message: str, session: str, ledger: Ledger
) -> None:
    if operation == "run":
        output = await client.agents.run("probe-agent-echo", message, session_id=session)
        ledger.answered(output.run_id, "COMPLETED", message)
    elif operation == "team run":
        team_output = await client.teams.run("probe-team-echo-async", message, session_id=session)
        ledger.answered(team_output.run_id, "COMPLETED", message)
    elif operation == "stream":
        async with await client.agents.stream("probe-agent-echo", message, session_id=session) as stream:
            final = await stream.until_done()
        assert isinstance(final, RunCompleted), final
        ledger.answered(final.run_id, "COMPLETED", message)
    elif operation == "workflow stream":
        async with await client.workflows.stream("probe-workflow-echo", message, session_id=session) as flow:
            completed = await flow.until_done()
        assert isinstance(completed, WorkflowCompleted), completed
        ledger.answered(completed.run_id, "COMPLETED", message)
    elif operation == "invalid":
        try:
            await client.agents.run("probe-agent-required", message, factory_input={"depth": "deep"})
        except FactoryValidationError:
            ledger.expected_refusals += 1
        else:
            ledger.fail("invalid input accepted", message)
    elif operation in ("pause+continue", "pause+cancel"):
        paused = await client.agents.run("probe-agent-pause", message, session_id=session)
        assert paused.status == "PAUSED", paused.status
        assert paused.tools, "a paused run carries its tools"
        if operation == "pause+cancel":
            await client.agents.cancel("probe-agent-pause", paused.run_id)
            ledger.answered(paused.run_id, "CANCELLED", message)
        else:
            done = await client.agents.continue_run(
                "probe-agent-pause",
                paused.run_id,
                session_id=paused.session_id or session,
                tools=[tool.confirm() for tool in paused.tools],
            )
            ledger.answered(done.run_id, "COMPLETED", message)


async def worker(index: int, client: AsyncClient, deadline: float, ledger: Ledger) -> None:
    count = 0
    while time.monotonic() < deadline:
        operation = OPERATIONS[(index + count) % len(OPERATIONS)]
        message = f"load-{index}-{count}"
        count += 1
        started = time.perf_counter()
        try:
            await one_operation(client, operation, message, f"load-session-{index}", ledger)
        except Exception as error:  # every failure is a finding: count it, keep the load going
            ledger.fail(f"{operation}: {type(error).__name__}", str(error))
            continue
        ledger.latencies[operation].append(time.perf_counter() - started)


async def sample_memory(server: Server, deadline: float, samples: list[tuple[float, int]]) -> None:
    started = time.monotonic()
    while time.monotonic() < deadline:
        samples.append((time.monotonic() - started, server.rss_bytes()))
        await asyncio.sleep(0.5)


@dataclass(frozen=True)
class Hostility:
    slow_readers: int = 0
    slowloris: int = 0
    message_bytes: int = 1024 * 1024

    @property
    def any(self) -> bool:
        return bool(self.slow_readers or self.slowloris)


async def drive(
    server: Server, clients: int, seconds: float, ledger: Ledger, hostile: HostileLedger | None = None
) -> list[tuple[float, int]]:
    memory: list[tuple[float, int]] = []
    deadline = time.monotonic() + seconds
    probes = [health_probe(server.base_url, deadline, hostile)] if hostile is not None else []
    async with AsyncClient(server.base_url, timeout=60.0) as client:
        await asyncio.gather(
            sample_memory(server, deadline, memory),
            *(worker(index, client, deadline, ledger) for index in range(clients)),
            *probes,
        )
    return memory


def settle(server: Server, timeout_s: float = 60.0) -> None:
    """Wait until the server is idle (under 2% of a core over a second), at most ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        time.sleep(1.0)
        if server.cpu_seconds() - before < 0.02:
            return


def start_attack(server: Server, seconds: float, hostility: Hostility) -> subprocess.Popen[str]:
    """The hostile clients, in a process of their own, for ``seconds``."""
    command = [sys.executable, "-m", "bench.hostile_clients", "--port", str(server.port)]
    command += ["--seconds", str(seconds), "--slow-readers", str(hostility.slow_readers)]
    command += [
        "--slowloris",
        str(hostility.slowloris),
        "--message-kib",
        str(hostility.message_bytes // 1024),
    ]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def attack_report(process: subprocess.Popen[str], hostile: HostileLedger) -> None:
    out, _ = process.communicate(timeout=120)
    report = json.loads(out.strip().splitlines()[-1])
    hostile.started.update(report["started"])
    hostile.dropped.update(report["dropped"])


def hostile_verdict(
    hostile: HostileLedger,
    calm: HostileLedger,
    calm_latencies: dict[str, list[float]],
    latencies: dict[str, list[float]],
    memory: list[tuple[float, int]],
    rss_before: int,
    rss_after: int,
    max_rss_mb: float,
) -> dict[str, Any]:
    """The hostile phase against the calm one: the same well-behaved load, measured side by side."""
    health = hostile.health_ms or [float("inf")]
    calm_health = calm.health_ms or [float("inf")]
    peak = max(rss for _, rss in memory) / 2**20
    calm_all = [value for values in calm_latencies.values() for value in values]
    hostile_all = [value for values in latencies.values() for value in values]
    health_ratio = percentile(health, 0.99) / percentile(calm_health, 0.99)
    p50_ratio = statistics.median(hostile_all) / statistics.median(calm_all)
    p99_ratio = percentile(hostile_all, 0.99) / percentile(calm_all, 0.99)
    return {
        "started": dict(hostile.started),
        "dropped": dict(hostile.dropped),
        "health_calm_ms": [statistics.median(calm_health), percentile(calm_health, 0.99)],
        "health_ms": [statistics.median(health), percentile(health, 0.99), max(health)],
        "health_p99_ratio": health_ratio,
        "health_failures": hostile.health_failures + calm.health_failures,
        "operations_calm_ms": [statistics.median(calm_all) * 1000, percentile(calm_all, 0.99) * 1000],
        "operations_ms": [statistics.median(hostile_all) * 1000, percentile(hostile_all, 0.99) * 1000],
        "operations_p50_ratio": p50_ratio,
        "operations_p99_ratio": p99_ratio,
        "latency_within_bound": (
            health_ratio <= LATENCY_FACTOR
            and p50_ratio <= LATENCY_FACTOR
            and not hostile.health_failures
            and not calm.health_failures
        ),
        "rss_before_mb": rss_before / 2**20,
        "rss_peak_mb": peak,
        "rss_after_mb": rss_after / 2**20,
        "max_rss_mb": max_rss_mb,
        "memory_bounded": peak <= max_rss_mb and rss_after <= rss_before + 100 * 2**20,
    }


def memory_verdict(samples: list[tuple[float, int]]) -> dict[str, Any]:
    steady = samples[len(samples) // 5 :]
    third = max(1, len(steady) // 3)
    first = statistics.median(rss for _, rss in steady[:third]) / 2**20
    last = statistics.median(rss for _, rss in steady[-third:]) / 2**20
    growth = last - first
    return {
        "first_third_mb": first,
        "last_third_mb": last,
        "growth_mb": growth,
        "peak_mb": max(rss for _, rss in samples) / 2**20,
        "flat": growth <= max(5.0, 0.05 * first),
    }


def intact(run: StoredRun, status: str, message: str) -> bool:
    """The stored output parses, holds the run's message, and a completed run's echo names it too."""
    if run.output is None or run.message != message:
        return False
    return status != "COMPLETED" or echo_message(run.output.get("content")) == message


def audit(db: Path, ledger: Ledger) -> dict[str, Any]:
    runs = stored_runs(db)
    missing = [run_id for run_id in ledger.expected if run_id not in runs]
    wrong_status = [
        (run_id, runs[run_id].status, status)
        for run_id, (status, _) in ledger.expected.items()
        if run_id in runs and runs[run_id].status != status
    ]
    corrupted = [
        run_id
        for run_id, (status, message) in ledger.expected.items()
        if run_id in runs and not intact(runs[run_id], status, message)
    ]
    still_running = [run.run_id for run in runs.values() if run.status == "RUNNING"]
    return {
        "answered_200": len(ledger.expected),
        "stored_runs": len(runs),
        "missing": missing[:20],
        "missing_count": len(missing),
        "wrong_status": wrong_status[:20],
        "wrong_status_count": len(wrong_status),
        "corrupted_count": len(corrupted),
        "left_running_count": len(still_running),
        "integrity": integrity(db),
    }


def markdown(result: dict[str, Any]) -> str:
    operations = table(
        ["operation", "done", "p50 ms", "p99 ms"],
        [
            [
                op,
                len(values),
                f"{statistics.median(values) * 1000:.1f}",
                f"{percentile(values, 0.99) * 1000:.1f}",
            ]
            for op, values in result["latencies"].items()
            if values
        ],
    )
    checks = table(
        ["check", "figure", "passed"],
        [
            ["unexpected errors", sum(result["unexpected"].values()), verdict(not result["unexpected"])],
            ["expected 400 refusals", result["expected_refusals"], verdict(result["expected_refusals"] > 0)],
            ["runs answered 200", result["audit"]["answered_200"], "-"],
            [
                "... missing from the database",
                result["audit"]["missing_count"],
                verdict(not result["audit"]["missing_count"]),
            ],
            [
                "... stored with another status",
                result["audit"]["wrong_status_count"],
                verdict(not result["audit"]["wrong_status_count"]),
            ],
            [
                "... output not the run's (message, echo)",
                result["audit"]["corrupted_count"],
                verdict(not result["audit"]["corrupted_count"]),
            ],
            [
                "runs left RUNNING",
                result["audit"]["left_running_count"],
                verdict(not result["audit"]["left_running_count"]),
            ],
            [
                "SQLite integrity_check",
                result["audit"]["integrity"],
                verdict(result["audit"]["integrity"] == "ok"),
            ],
            [
                "server RSS first/last third (MB)",
                f"{result['memory']['first_third_mb']:.1f} / {result['memory']['last_third_mb']:.1f} "
                f"(growth {result['memory']['growth_mb']:+.1f}, peak {result['memory']['peak_mb']:.1f})",
                verdict(result["memory"]["flat"]),
            ],
        ],
    )
    header = (
        f"{result['clients']} clients for {result['seconds']:.0f} s: {result['operations_done']} operations "
        f"({result['operations_done'] / result['seconds']:.0f}/s)."
    )
    samples = "".join(f"\n- `{sample}`" for sample in result["unexpected_samples"])
    return f"{header}\n\n{operations}\n\n{checks}{samples}{hostile_markdown(result)}"


def hostile_markdown(result: dict[str, Any]) -> str:
    found = result.get("hostile")
    if not found:
        return ""
    started = ", ".join(
        f"{name} {count} ({found['dropped'].get(name, 0)})" for name, count in found["started"].items()
    )
    rows = [
        ["hostile clients started (dropped by the server)", started or "none", "-"],
        [
            "/health p50 / p99 ms: calm -> hostile (p99 ratio)",
            f"{found['health_calm_ms'][0]:.1f} / {found['health_calm_ms'][1]:.1f} -> "
            f"{found['health_ms'][0]:.1f} / {found['health_ms'][1]:.1f} ({found['health_p99_ratio']:.2f}x);"
            f" {found['health_failures']} failed",
            "-",
        ],
        [
            "well-behaved operations p50 / p99 ms: calm -> hostile (ratios)",
            f"{found['operations_calm_ms'][0]:.1f} / {found['operations_calm_ms'][1]:.1f} -> "
            f"{found['operations_ms'][0]:.1f} / {found['operations_ms'][1]:.1f}"
            f" ({found['operations_p50_ratio']:.2f}x / {found['operations_p99_ratio']:.2f}x)",
            "-",
        ],
        [
            f"/health p99 and operations p50 within {LATENCY_FACTOR:g}x of calm",
            "",
            verdict(found["latency_within_bound"]),
        ],
        [
            "server RSS before / peak / after they left (MB)",
            f"{found['rss_before_mb']:.1f} / {found['rss_peak_mb']:.1f} / {found['rss_after_mb']:.1f}"
            f" (bound {found['max_rss_mb']:.0f}; after within 100 of before)",
            verdict(found["memory_bounded"]),
        ],
    ]
    return "\n\n" + table(["hostile load", "figure", "passed"], rows)


def passed(result: dict[str, Any]) -> bool:
    found = result["audit"]
    return (
        not result["unexpected"]
        and result["expected_refusals"] > 0
        and not (found["missing_count"] or found["wrong_status_count"] or found["corrupted_count"])
        and not found["left_running_count"]
        and found["integrity"] == "ok"
        and (
            result["memory"]["flat"]
            if "hostile" not in result
            else result["hostile"]["memory_bounded"] and result["hostile"]["latency_within_bound"]
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s instead of 30 s")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--slow-readers", type=int, default=0, help="clients that never read their stream")
    parser.add_argument("--slowloris", type=int, default=0, help="clients trickling request heads")
    parser.add_argument("--slow-message-kib", type=int, default=1024, help="a slow reader's message size")
    parser.add_argument("--stall-timeout", type=float, help="the server's --stall-timeout (default: its own)")
    parser.add_argument(
        "--max-rss-mb", type=float, default=1024.0, help="peak server RSS allowed with hostiles"
    )
    args = parser.parse_args(argv)
    seconds = args.seconds or (10.0 if args.quick else 30.0)
    ledger = Ledger()
    hostility = Hostility(args.slow_readers, args.slowloris, args.slow_message_kib * 1024)
    hostile = HostileLedger()
    options = ["--stall-timeout", str(args.stall_timeout)] if args.stall_timeout else []
    with tempfile.TemporaryDirectory(prefix="agentos-load-") as tmp:
        db = Path(tmp) / "load.sqlite3"
        server = start_reference(Path(tmp), db=db, options=options)
        try:
            rss_before = server.rss_bytes()
            calm, hostile = HostileLedger(), HostileLedger()
            calm_latencies: dict[str, list[float]] = {}
            if hostility.any:
                # The same well-behaved load first without, then with the hostile clients.
                asyncio.run(drive(server, args.clients, seconds / 2, ledger, calm))
                calm_latencies = ledger.latencies
                ledger.latencies = {op: [] for op in OPERATIONS}
                attackers = start_attack(server, seconds, hostility)
                memory = asyncio.run(drive(server, args.clients, seconds, ledger, hostile))
                attack_report(attackers, hostile)
                settle(server)  # the hostile clients are gone; the server finishes what they left
            else:
                memory = asyncio.run(drive(server, args.clients, seconds, ledger))
            rss_after = server.rss_bytes()
        finally:
            stop(server)
        result: dict[str, Any] = {
            "command": "python -m bench.load_test " + " ".join(argv if argv is not None else sys.argv[1:]),
            "clients": args.clients,
            "seconds": seconds,
            "operations_done": sum(len(values) for values in ledger.latencies.values()),
            "latencies": ledger.latencies,
            "expected_refusals": ledger.expected_refusals,
            "unexpected": dict(ledger.unexpected),
            "unexpected_samples": ledger.unexpected_samples,
            "memory": memory_verdict(memory),
            "audit": audit(db, ledger),
        }
        if hostility.any:
            result["hostile"] = hostile_verdict(
                hostile,
                calm,
                calm_latencies,
                ledger.latencies,
                memory,
                rss_before,
                rss_after,
                args.max_rss_mb,
            )
    result["passed"] = passed(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        saved = {**result, "latencies": {op: len(values) for op, values in ledger.latencies.items()}}
        args.out.write_text(json.dumps(saved, indent=2) + "\n")
    print(markdown(result))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
