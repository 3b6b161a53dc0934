"""The load generator: N concurrent keep-alive clients replaying requests, in its own process.

``server_bench.py`` runs it as a child process so the client's CPU is never the server's: the
server's CPU time is read from /proc around the measured window, and this process reports the
wall time and every request's latency.

Clients are threads over the standard library's ``http.client`` (one keep-alive connection each,
headers and body sent in one write). httpx was measured for this job and rejected: on this
machine it spent about 1 ms of client CPU per request and sent headers and body in two writes,
which doubled the server's read work, so it measured the client more than the server.

    python -m bench.loadgen --url http://127.0.0.1:PORT --spec '{"method": "POST", "path": ...}' \
        --concurrency 8 --seconds 5
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestSpec:
    """One request to replay; ``expect`` is the only status that counts as an answer."""

    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RequestSpec:
        return cls(
            method=data["method"],
            path=data["path"],
            body=data.get("body", "").encode(),
            headers=dict(data.get("headers", {})),
            expect=int(data.get("expect", 200)),
        )


@dataclass
class Tally:
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(host: str, port: int, spec: RequestSpec, stop_at: float, quota: list[int], tally: Tally) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    headers = {**spec.headers, "Content-Length": str(len(spec.body))} if spec.body else dict(spec.headers)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    try:
        while time.perf_counter() < stop_at:
            with tally.lock:
                if quota[0] == 0:
                    break
                quota[0] -= 1
            started = time.perf_counter()
            try:
                connection.request(spec.method, spec.path, body=spec.body or None, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                errors[type(error).__name__] += 1
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
                continue
            latencies.append(time.perf_counter() - started)
            statuses[str(response.status)] += 1
    finally:
        connection.close()
        with tally.lock:
            tally.latencies_s.extend(latencies)
            tally.statuses.update(statuses)
            tally.errors.update(errors)


def generate(url: str, spec: RequestSpec, concurrency: int, seconds: float, requests: int) -> dict[str, Any]:
    """Run ``concurrency`` clients until ``seconds`` pass or ``requests`` are sent (-1: no cap)."""
    parsed = urllib.parse.urlsplit(url)
    assert parsed.hostname in ("127.0.0.1", "localhost", "::1"), "load goes to loopback only"
    tally = Tally()
    quota = [requests]
    started = time.perf_counter()
    stop_at = started + seconds
    threads = [
        threading.Thread(target=_client, args=(parsed.hostname, parsed.port, spec, stop_at, quota, tally))
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "latencies_s": tally.latencies_s,
        "statuses": dict(tally.statuses),
        "errors": dict(tally.errors),
        "expect": spec.expect,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--spec", required=True, help="JSON: method, path, body, headers, expect")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=-1, help="stop after this many (default: no cap)")
    args = parser.parse_args(argv)
    spec = RequestSpec.from_json(json.loads(args.spec))
    json.dump(generate(args.url, spec, args.concurrency, args.seconds, args.requests), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
