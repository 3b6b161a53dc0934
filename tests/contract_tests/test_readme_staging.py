"""The README's "Check your staging deployment" walk-through runs as written: its shell blocks, in a
bash of their own from the repository root, against the reference server they start.

Two changes only, both said here: the port is a free one (tests never take a fixed port), and the
check is narrowed with ``--clauses`` and ``--max-examples`` (the full run is measured elsewhere;
this proves the commands, the identities and the reports)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PORT = "7791"


def staging_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n### Check your staging deployment\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_section_has_the_rehearsal_the_run_and_the_benchmark() -> None:
    blocks = staging_blocks()
    assert len(blocks) == 3
    assert "agentos-reference serve" in blocks[0]
    assert PORT in blocks[0]
    assert "agentos-contract check" in blocks[1]
    assert "kill %1" in blocks[1]
    assert "bench.latency_bench" in blocks[2]


@pytest.mark.loopback
@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through waits for the server with curl")
def test_the_rehearsal_runs_as_written(tmp_path: Path) -> None:
    rehearsal, run, _ = staging_blocks()
    port = str(_free_port())
    run = run.replace("--min-judged 45", "--min-judged 3 --clauses C15,C17,H05 --max-examples 3")
    assert "--clauses" in run, "the README's check command changed: update this test's narrowing"
    script = tmp_path / "walkthrough.sh"
    # The README's commands use .venv/bin/ from the repository root; the files they write go to tmp_path.
    script.write_text(
        f"cd {tmp_path}\nln -s {Path(sys.prefix)} .venv\n" + (rehearsal + run).replace(PORT, port),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGENTOS_", "GITHUB_"))}
    completed = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads((tmp_path / "staging-report.json").read_text(encoding="utf-8"))
    verdicts = {clause["id"]: clause["verdict"] for clause in report["clauses"]}
    assert verdicts == {"C15": "holds", "C17": "holds", "H05": "holds"}, verdicts
    assert report["posture"]["isolation"]["setting"] == "on"
    assert (tmp_path / "staging-junit.xml").exists()
    assert "AgentOS contract suite" in (tmp_path / "staging-summary.md").read_text(encoding="utf-8")
    for name in ("staging-report.json", "staging-junit.xml", "staging-summary.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "eyJ" not in text, f"{name} holds a token"  # every JWT starts with eyJ
    with pytest.raises(ConnectionRefusedError):  # kill %1 stopped the server
        socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
