"""Read the reference server's SQLite file directly (read-only): the ground truth after a load."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    component_type: str
    component_id: str
    status: str
    output: dict[str, Any] | None
    """The stored run output, or None when it is not valid JSON (a corrupted row)."""

    @property
    def message(self) -> str | None:
        """The run's input message as stored (agents and teams: ``input.input_content``)."""
        if self.output is None:
            return None
        given = self.output.get("input")
        if isinstance(given, dict):
            content = given.get("input_content")
            return content if isinstance(content, str) else None
        return given if isinstance(given, str) else None


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def stored_runs(path: Path) -> dict[str, StoredRun]:
    with _connect(path) as connection:
        rows = connection.execute(
            "SELECT run_id, component_type, component_id, status, output FROM runs"
        ).fetchall()
    runs = {}
    for run_id, component_type, component_id, status, output in rows:
        try:
            document = json.loads(output)
        except ValueError:
            document = None
        runs[run_id] = StoredRun(run_id, component_type, component_id, status, document)
    return runs


def integrity(path: Path) -> str:
    """SQLite's own verdict on the file ("ok" when sound)."""
    with _connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
