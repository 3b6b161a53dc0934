"""The suite passes the reference server with the spec profile: in process with the full 50
examples per property (within the 60 s budget), and over loopback against a real uvicorn."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentos_contract.api import judge_sync, make_target
from agentos_contract.model import Verdict
from agentos_contract.report import render_text

from .reference import SECRET, judge_reference, suite_config

# Clauses no deployment can show over the wire; everything else must be judged on the reference server.
ROOT = Path(__file__).resolve().parents[2]
LISTENING = "listening on "
LIBRARY_ONLY = {"C03", "C05", "C11", "C42", "C43"}


def test_reference_server_conforms_in_process(tmp_path: Path) -> None:
    result = judge_reference(tmp_path, suite_config(max_examples=50))
    report = render_text(result)
    assert result.exit_code == 0, report
    assert {r.clause.id for r in result.results if r.verdict is Verdict.NOT_JUDGED} == LIBRARY_ONLY, report
    assert all(r.verdict is Verdict.HOLDS for r in result.results if r.clause.id not in LIBRARY_ONLY)
    # The budget: a full spec run at 50 examples per property within 60 s (2 cores).
    assert result.elapsed_s < 60, f"the full spec run took {result.elapsed_s:.1f} s"
    print(f"full spec run: {result.requests} requests in {result.elapsed_s:.1f} s")


@pytest.fixture(scope="module")
def reference_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("reference-loopback")
    log = directory / "server.log"
    command = [sys.executable, "-m", "tests.contract_tests.serve_reference", str(directory / "db.sqlite3")]
    env = {**os.environ, "AGENTOS_CONTRACT_TEST_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        base_url = ""
        while not base_url:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the reference server did not start"
            first = log.read_text().partition("\n")[0]
            base_url = first[len(LISTENING) :].strip() if first.startswith(LISTENING) else ""
            time.sleep(0.05)
        while httpx.get(f"{base_url}/health").status_code != 200:
            time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.loopback
def test_reference_server_conforms_over_loopback(reference_url: str) -> None:
    config = suite_config(max_examples=50)
    result = judge_sync(make_target(config, url=reference_url), config)
    print(f"full spec run over loopback: {result.requests} requests in {result.elapsed_s:.1f} s")
    assert result.exit_code == 0, render_text(result)
    judged_ws = next(r for r in result.results if r.clause.id == "C27")
    assert judged_ws.verdict is Verdict.HOLDS  # the WebSocket was judged over a real socket too
