"""The pytest11 plugin: inert without --agentos-url, one item per clause with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_app.py").write_text("def test_ok():\n    assert True\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_plugin_is_inert_without_a_url(tmp_path: Path) -> None:
    done = _pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "agentos-contract" not in done.stdout


def test_an_unreachable_url_fails_every_clause_with_the_reason(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--agentos-url", "http://127.0.0.1:9", "--agentos-time-budget", "5")
    assert done.returncode == 1
    assert "agentos-contract cannot run" in done.stdout
    assert "ConnectError" in done.stdout
    assert "1 passed" in done.stdout


def test_bad_options_are_reported_not_tracebacks(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--agentos-url", "http://127.0.0.1:9", "--agentos-jwt-algorithm", "HS256")
    assert done.returncode == 1
    assert "--jwt-algorithm needs --jwt-secret" in done.stdout
