"""SDK import cost: wall time and peak memory of ``import agentos_factories`` vs ``import
agno.client`` (agno's ``AgentOSClient``) vs the floor ``import httpx, pydantic``.

Each import runs in a fresh interpreter (``python -c``), several times, after one throwaway run
per module so byte-code caches are warm (a user's second start, not their first). Figures: the
import statement's own wall time (measured inside the child with ``perf_counter``) and the
child's peak resident memory (``VmHWM`` of /proc/self/status: the high-water mark of this
process's own memory; ``ru_maxrss`` would also count the parent's memory the child was forked
from), whole process and above a bare interpreter.

    python -m bench.import_bench [--quick] [--out bench/results/import.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.report import table, verdict
from bench.servers import ROOT

CANDIDATES = {
    "bare interpreter": "pass",
    "httpx, pydantic (floor)": "import httpx, pydantic",
    "agentos_factories": "import agentos_factories",
    "agno.client": "import agno.client",
}
SUBJECT = "agentos_factories"
TARGET_WALL_S = 0.35
TARGET_PEAK_MB = 45.0

PROBE = """
import time, json
started = time.perf_counter()
{statement}
wall = time.perf_counter() - started
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"wall_s": wall, "peak_kb": peak_kb}}))
"""


def one_run(statement: str) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(completed.stdout)
    return result


def measure(repeats: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for statement in CANDIDATES.values():
        one_run(statement)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in CANDIDATES}
    for _ in range(repeats):
        # Interleaved, so a slow moment of the machine hits every candidate alike.
        for name, statement in CANDIDATES.items():
            runs[name].append(one_run(statement))
    baseline_mb = statistics.median(run["peak_kb"] for run in runs["bare interpreter"]) / 1024
    for name, samples in runs.items():
        peak_mb = statistics.median(run["peak_kb"] for run in samples) / 1024
        results[name] = {
            "wall_s_median": statistics.median(run["wall_s"] for run in samples),
            "wall_s_max": max(run["wall_s"] for run in samples),
            "peak_mb": peak_mb,
            "above_interpreter_mb": peak_mb - baseline_mb,
        }
    return results


def judgement(results: dict[str, dict[str, float]]) -> dict[str, Any]:
    subject = results[SUBJECT]
    return {
        "wall_target_s": TARGET_WALL_S,
        "wall_met": subject["wall_s_median"] <= TARGET_WALL_S,
        "peak_target_mb": TARGET_PEAK_MB,
        "peak_met": subject["peak_mb"] <= TARGET_PEAK_MB,
        "vs_agno_wall": subject["wall_s_median"] / results["agno.client"]["wall_s_median"],
        "vs_floor_wall": subject["wall_s_median"] / results["httpx, pydantic (floor)"]["wall_s_median"],
        "vs_agno_peak": subject["peak_mb"] / results["agno.client"]["peak_mb"],
        "vs_floor_peak": subject["peak_mb"] / results["httpx, pydantic (floor)"]["peak_mb"],
    }


def markdown(results: dict[str, dict[str, float]], verdicts: dict[str, Any], repeats: int) -> str:
    figures = table(
        ["import", "wall median s", "wall max s", "peak RSS MB", "above interpreter MB"],
        [
            [
                name,
                f"{values['wall_s_median']:.3f}",
                f"{values['wall_s_max']:.3f}",
                f"{values['peak_mb']:.1f}",
                f"{values['above_interpreter_mb']:.1f}",
            ]
            for name, values in results.items()
        ],
    )
    summary = table(
        ["measure", "agentos_factories", "vs agno.client", "vs floor", "target", "met"],
        [
            [
                "import wall (median)",
                f"{results[SUBJECT]['wall_s_median']:.3f} s",
                f"{verdicts['vs_agno_wall']:.2f}x",
                f"{verdicts['vs_floor_wall']:.2f}x",
                f"<= {TARGET_WALL_S} s",
                verdict(verdicts["wall_met"]),
            ],
            [
                "peak RSS (median)",
                f"{results[SUBJECT]['peak_mb']:.1f} MB",
                f"{verdicts['vs_agno_peak']:.2f}x",
                f"{verdicts['vs_floor_peak']:.2f}x",
                f"<= {TARGET_PEAK_MB:.0f} MB",
                verdict(verdicts["peak_met"]),
            ],
        ],
    )
    return f"{repeats} fresh interpreters per import.\n\n{figures}\n\n{summary}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else 15
    results = measure(repeats)
    verdicts = judgement(results)
    document = {
        "command": "python -m bench.import_bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "repeats": repeats,
        "imports": results,
        **verdicts,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(markdown(results, verdicts, repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
