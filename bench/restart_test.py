"""Restart the reference server mid-load, twice: a crash (SIGKILL) and a graceful stop (SIGTERM),
each followed by a restart on the same port and the same SQLite file (bounded, loopback).

8 SDK clients (default retries: 2) send non-streaming and streaming runs, each with a message
that is unique, for the whole window. Pass criteria, checked against the database afterwards:
- no stored run is lost or corrupted: every run answered 200 (before or after a restart) is in
  the database exactly once, COMPLETED, its output parses and its echo names its message;
- clients only ever see typed connection errors (``APIConnectionError``, ``APITimeoutError``)
  while the server is down, never another exception;
- no request is silently duplicated by SDK retries: no message is stored more than once;
- no run is left RUNNING: one caught in flight by the crash (stored, the client saw a
  connection error) is failed (ERROR) by the restarted server, as ``agentos-reference serve``
  does at start-up;
- SQLite's integrity check says "ok".

    python -m bench.restart_test [--quick] [--clients 8] [--out bench/results/restart.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentos_factories import APIConnectionError, APITimeoutError, AsyncClient, RunCompleted
from bench.db_audit import StoredRun, integrity, stored_runs
from bench.load_test import echo_message
from bench.report import table, verdict
from bench.servers import Server, kill, start_reference, stop


@dataclass
class Outcomes:
    attempted: list[str] = field(default_factory=list)
    answered: dict[str, str] = field(default_factory=dict)  # message -> run_id
    connection_errors: Counter[str] = field(default_factory=Counter)
    failed_messages: list[str] = field(default_factory=list)
    unexpected: Counter[str] = field(default_factory=Counter)
    unexpected_samples: list[str] = field(default_factory=list)
    answered_before_first_restart: set[str] = field(default_factory=set)


class Phase:
    """Which server incarnation is up; the clients note which runs were answered before a restart."""

    def __init__(self) -> None:
        self.restarts = 0


async def worker(index: int, client: AsyncClient, deadline: float, outcomes: Outcomes, phase: Phase) -> None:
    count = 0
    while time.monotonic() < deadline:
        message = f"restart-{index}-{count}"
        count += 1
        outcomes.attempted.append(message)
        try:
            run_id: str | None
            if count % 2:
                output = await client.agents.run("probe-agent-echo", message)
                run_id = output.run_id
            else:
                async with await client.agents.stream("probe-agent-echo", message) as stream:
                    final = await stream.until_done()
                assert isinstance(final, RunCompleted), final
                run_id = final.run_id
            assert run_id, f"a 200 answer for {message!r} without a run_id"
        except (APIConnectionError, APITimeoutError) as error:
            outcomes.connection_errors[type(error).__name__] += 1
            outcomes.failed_messages.append(message)
            await asyncio.sleep(0.05)
            continue
        except Exception as error:  # anything else is a finding
            outcomes.unexpected[type(error).__name__] += 1
            outcomes.failed_messages.append(message)
            if len(outcomes.unexpected_samples) < 10:
                outcomes.unexpected_samples.append(f"{type(error).__name__}: {str(error)[:300]}")
            continue
        outcomes.answered[message] = run_id
        if phase.restarts == 0:
            outcomes.answered_before_first_restart.add(message)


async def conductor(
    workdir: Path, db: Path, servers: list[Server], schedule: list[tuple[float, str]], phase: Phase
) -> list[dict[str, Any]]:
    """Crash or stop the running server at the scheduled times, then start it again."""
    events: list[dict[str, Any]] = []
    started = time.monotonic()
    for at, how in schedule:
        await asyncio.sleep(max(0.0, at - (time.monotonic() - started)))
        current = servers[-1]
        down_at = time.monotonic()
        if how == "SIGKILL":
            await asyncio.to_thread(kill, current)
        else:
            await asyncio.to_thread(stop, current)
        await asyncio.sleep(1.0)  # the clients meet a closed port for a while
        phase.restarts += 1
        fresh = await asyncio.to_thread(
            start_reference, workdir, db=db, name=f"reference-{len(servers)}", port=current.port
        )
        servers.append(fresh)
        events.append(
            {"at_s": round(down_at - started, 2), "how": how, "down_s": round(time.monotonic() - down_at, 2)}
        )
    return events


async def drive(
    workdir: Path, db: Path, clients: int, seconds: float, schedule: list[tuple[float, str]]
) -> tuple[Outcomes, list[dict[str, Any]], list[Server]]:
    outcomes = Outcomes()
    phase = Phase()
    servers = [await asyncio.to_thread(start_reference, workdir, db=db)]
    deadline = time.monotonic() + seconds
    try:
        async with AsyncClient(servers[0].base_url, timeout=10.0) as client:
            results = await asyncio.gather(
                conductor(workdir, db, servers, schedule, phase),
                *(worker(index, client, deadline, outcomes, phase) for index in range(clients)),
            )
    finally:
        for server in servers:
            stop(server)
    return outcomes, results[0], servers


def audit(db: Path, outcomes: Outcomes) -> dict[str, Any]:
    runs = stored_runs(db)
    by_message: dict[str, list[StoredRun]] = {}
    for run in runs.values():
        if run.message is not None:
            by_message.setdefault(run.message, []).append(run)
    lost, corrupted = [], []
    for message, run_id in outcomes.answered.items():
        stored = runs.get(run_id)
        if stored is None:
            lost.append(message)
        elif (
            stored.status != "COMPLETED"
            or stored.output is None
            or echo_message(stored.output.get("content")) != message
        ):
            corrupted.append(message)
    duplicated = {message: len(found) for message, found in by_message.items() if len(found) > 1}
    in_flight = [by_message[message][0] for message in outcomes.failed_messages if message in by_message]
    unknown = [run.run_id for run in runs.values() if run.message not in set(outcomes.attempted)]
    return {
        "stored_runs": len(runs),
        "answered_200": len(outcomes.answered),
        "answered_before_first_restart": len(outcomes.answered_before_first_restart),
        "lost": lost[:20],
        "lost_count": len(lost),
        "corrupted_count": len(corrupted),
        "duplicated": duplicated,
        "failed_requests": len(outcomes.failed_messages),
        "failed_but_stored": len(in_flight),
        "failed_but_stored_statuses": dict(Counter(run.status for run in in_flight)),
        "runs_nobody_sent": len(unknown),
        "left_running": sum(1 for run in runs.values() if run.status == "RUNNING"),
        "integrity": integrity(db),
    }


def passed(result: dict[str, Any]) -> bool:
    found = result["audit"]
    return (
        not result["unexpected"]
        and sum(result["connection_errors"].values()) > 0
        and not found["lost_count"]
        and not found["corrupted_count"]
        and not found["duplicated"]
        and not found["runs_nobody_sent"]
        and not found["left_running"]
        and found["integrity"] == "ok"
        and found["answered_before_first_restart"] > 0
    )


def markdown(result: dict[str, Any]) -> str:
    found = result["audit"]
    restarts = "; ".join(
        f"{event['how']} at {event['at_s']} s, back after {event['down_s']} s" for event in result["restarts"]
    )
    rows = [
        ["requests sent (unique messages)", result["attempted"], "-"],
        ["answered 200", found["answered_200"], "-"],
        [
            "... of them before the first restart",
            found["answered_before_first_restart"],
            verdict(found["answered_before_first_restart"] > 0),
        ],
        ["... lost from the database", found["lost_count"], verdict(not found["lost_count"])],
        [
            "... corrupted (status, output, echo)",
            found["corrupted_count"],
            verdict(not found["corrupted_count"]),
        ],
        [
            "messages stored more than once (retry duplicates)",
            len(found["duplicated"]),
            verdict(not found["duplicated"]),
        ],
        [
            "runs stored that no client sent",
            found["runs_nobody_sent"],
            verdict(not found["runs_nobody_sent"]),
        ],
        [
            "typed connection errors seen by clients",
            ", ".join(f"{name} {count}" for name, count in result["connection_errors"].items()) or "0",
            verdict(sum(result["connection_errors"].values()) > 0),
        ],
        ["other exceptions", sum(result["unexpected"].values()), verdict(not result["unexpected"])],
        [
            "failed requests whose run was stored anyway (in flight at the stop)",
            f"{found['failed_but_stored']} {found['failed_but_stored_statuses'] or ''}".strip(),
            "-",
        ],
        ["runs left RUNNING after the restarts", found["left_running"], verdict(not found["left_running"])],
        ["SQLite integrity_check", found["integrity"], verdict(found["integrity"] == "ok")],
    ]
    samples = "".join(f"\n- `{sample}`" for sample in result["unexpected_samples"])
    return (
        f"{result['clients']} clients for {result['seconds']:.0f} s; {restarts}.\n\n"
        + table(["check", "figure", "passed"], rows)
        + samples
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.restart_test", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 12 s window instead of 20 s")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    seconds = 12.0 if args.quick else 20.0
    schedule = [(seconds * 0.25, "SIGKILL"), (seconds * 0.6, "SIGTERM")]
    with tempfile.TemporaryDirectory(prefix="agentos-restart-") as tmp:
        workdir = Path(tmp)
        db = workdir / "restart.sqlite3"
        outcomes, events, _ = asyncio.run(drive(workdir, db, args.clients, seconds, schedule))
        result: dict[str, Any] = {
            "command": "python -m bench.restart_test " + " ".join(argv if argv is not None else sys.argv[1:]),
            "clients": args.clients,
            "seconds": seconds,
            "restarts": events,
            "attempted": len(outcomes.attempted),
            "connection_errors": dict(outcomes.connection_errors),
            "unexpected": dict(outcomes.unexpected),
            "unexpected_samples": outcomes.unexpected_samples,
            "audit": audit(db, outcomes),
        }
    result["passed"] = passed(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
