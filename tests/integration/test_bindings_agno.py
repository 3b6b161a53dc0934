"""Bindings against a real agno 3.1.10: generate from its discovery, run typed through them, and
catch a schema changed between two runs (agno reads ``factory.input_schema`` on every discovery
request; the harness's ``/_test/codegen-schema/v2`` changes it as a redeploy would).

One agno process of its own (~7 s to start on 2 cores), stopped by the test.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from agentos_factories import Client, FactoryValidationError
from agentos_factories.codegen import cli
from tests.integration.agno_server import AgnoServer, running_agno_server
from tests.integration.conftest import AGNO_MISSING

pytestmark = [
    pytest.mark.agno,
    pytest.mark.loopback,
    pytest.mark.skipif(AGNO_MISSING, reason="agno is not importable: install the [agno] extra"),
]


@pytest.fixture(scope="module")
def agno(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgnoServer]:
    workdir = tmp_path_factory.mktemp("agno-codegen")
    with running_agno_server("jwt", workdir, extra_args=("--codegen-factory",)) as server:
        yield server


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("agno_bindings_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generate_run_and_catch_a_changed_schema_on_agno(
    agno: AgnoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bindings = tmp_path / "agentos_bindings.py"
    token = agno.token(scopes=("agents:run", "teams:run", "workflows:run"))
    assert cli.main(["generate", "--url", agno.base_url, "--token", token, "-o", str(bindings)]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out
    module = _load(bindings)
    try:
        entries = {(e["kind"], e["id"]): e for e in module.AGENTOS_BINDINGS["components"]}
        assert entries[("agent", "proto-agent")]["is_factory"] is False
        assert entries[("agent", "codegen-agent")]["model"] == "CodegenAgentInput"
        # agno lists workflows with factory_input_schema only: their models are there too.
        assert entries[("workflow", "probe-workflow-required")]["model"] == "ProbeWorkflowRequiredInput"
        with Client(agno.base_url, token=token) as client:
            typed = module.Bindings(client)
            output = typed.agents.codegen_agent.run("hi", factory_input=module.CodegenAgentInput(topic="t"))
            assert output.status == "COMPLETED"
            flow = typed.workflows.probe_workflow_required
            done = flow.run("hi", factory_input=module.ProbeWorkflowRequiredInput(tenant="acme"))
            assert done.status == "COMPLETED"
            # What the model lets through, agno refuses where its schema does: depth's bound is kept.
            with pytest.raises(ValueError, match="less than or equal to 5"):
                module.CodegenAgentInput(topic="t", depth=6)
            with pytest.raises(FactoryValidationError):
                client.agents.run("codegen-agent", "hi", factory_input={"topic": "t", "depth": 6})
    finally:
        sys.modules.pop("agno_bindings_under_test", None)

    check = ["generate", "--check", "--token", token, "-o", str(bindings)]
    assert cli.main(check) == 0
    assert "matches" in capsys.readouterr().out
    switched = httpx.post(f"{agno.base_url}/_test/codegen-schema/v2", headers=agno.auth_headers(), timeout=10)
    assert switched.status_code == 200, switched.text
    assert cli.main(check) == 1
    out = capsys.readouterr().out
    assert "agent 'codegen-agent': field 'depth' made required" in out
    assert "agent 'codegen-agent': field 'depth' maximum changed: 5 -> 10" in out
    assert "agent 'codegen-agent': field 'audience' added (required, string)" in out
    assert "agent 'codegen-agent': field 'tags' removed" in out
    assert not re.search(r"probe-", out)
    # Without the token, agno's JWT middleware answers 401: a run that cannot run, one line.
    assert cli.main(["generate", "--check", "-o", str(bindings)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "401" in err
