"""The README's program that adds the probes to an agno AgentOS runs as written, and its AgentOS
lists every probe beside the user's own components (here none)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.agno

README = Path(__file__).resolve().parents[2] / "README.md"


def probes_program() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Contract suite\n", 1)[1].split("\n## ", 1)[0]
    programs = [
        b for b in re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL) if "probe_factories" in b
    ]
    assert len(programs) == 1, "the Contract suite section has one program adding the probes"
    return str(programs[0])


def test_the_readme_program_serves_the_probes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentos_contract.probes.agno import probe_factories

    monkeypatch.chdir(tmp_path)  # the program's SQLite file goes here
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    exec(compile(probes_program(), "README.md probes program", "exec"), namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

        with TestClient(namespace["app"]) as client:
            listed = {agent["id"] for agent in client.get("/agents").json()}
            workflows = {workflow["id"] for workflow in client.get("/workflows").json()}
    expected = probe_factories(namespace["db"])
    assert {agent.id for agent in expected.agents} <= listed
    assert {workflow.id for workflow in expected.workflows} <= workflows
    assert all(agent_id.startswith("probe-") for agent_id in listed)
