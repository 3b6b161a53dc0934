"""Profile a server under the benchmark's load with pyinstrument (a sampling profiler).

The server runs as in ``server_bench.py`` but under ``python -m pyinstrument``; the load generator
(a separate process) sends the chosen scenario for the window, then the server gets SIGINT,
uvicorn shuts down cleanly and pyinstrument writes its report.

    python -m bench.profile_server [--server reference|floor|agno] [--scenario run|400] \
        [--concurrency 8] [--seconds 10] [--out profile.txt] [--html profile.html]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.measure import run_loadgen
from bench.server_bench import spec_for
from bench.servers import Server, _environment, _spawn_with_socket

MODULES = {
    "reference": "bench.reference_app",
    "floor": "bench.floor_app",
    "agno": "tests.integration.agno_app",
}


def start_profiled(name: str, workdir: Path, report: Path, renderer: str) -> Server:
    argv = [sys.executable, "-m", "pyinstrument", "-r", renderer, "-o", str(report)]
    argv += ["--show-all"] if os.environ.get("BENCH_PROFILE_SHOW_ALL") else []
    argv += ["-m", MODULES[name]]
    if name == "reference":
        argv += ["--db", str(workdir / "profiled.sqlite3")]
    elif name == "agno":
        argv += ["--auth", "none", "--db", str(workdir / "profiled-agno.sqlite3"), "--log-level", "warning"]
    return _spawn_with_socket(name, argv, workdir, None, _environment())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile_server", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--server", choices=sorted(MODULES), default="reference")
    parser.add_argument("--scenario", choices=["run", "400"], default="run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=Path("profile.txt"))
    parser.add_argument(
        "--html", action="store_true", help="write pyinstrument's HTML report instead of text"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agentos-profile-") as tmp:
        server = start_profiled(args.server, Path(tmp), args.out.resolve(), "html" if args.html else "text")
        try:
            result = run_loadgen(
                server.base_url, spec_for(server, args.scenario), args.concurrency, args.seconds
            )
        finally:
            server.process.send_signal(signal.SIGINT)
            try:
                server.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.process.kill()
    answered = result["statuses"]
    print(f"{args.server} {args.scenario} c={args.concurrency}: {answered} in {result['wall_s']:.1f} s")
    print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
