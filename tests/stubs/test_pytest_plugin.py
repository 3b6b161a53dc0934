"""The ``agentos_stub`` fixture (pytest11 plugin) and the README's example, run as a user would."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

PLUGIN_CHECKS = textwrap.dedent(
    """
    import httpx
    import pytest

    from agentos_stubs import StubDeployment, VerifiedIdentity


    def test_the_fixture_is_a_mocked_deployment(agentos_stub: StubDeployment) -> None:
        assert agentos_stub.base_url == "http://agentos.test"
        agentos_stub.team_factory("crew", reply=lambda ctx, message: message.upper())
        form = {"message": "hi", "stream": "false"}
        response = httpx.post("http://agentos.test/teams/crew/runs", data=form)
        assert response.json()["content"] == "HI"


    @pytest.mark.agentos_stub(
        base_url="https://os.example", identity=VerifiedIdentity(user_id="m"), profile="agno"
    )
    def test_the_marker_configures_it(agentos_stub: StubDeployment) -> None:
        assert (agentos_stub.base_url, agentos_stub.profile) == ("https://os.example", "agno")
        assert agentos_stub.identity == VerifiedIdentity(user_id="m")


    def test_each_test_gets_a_fresh_deployment(agentos_stub: StubDeployment) -> None:
        assert agentos_stub.components == []
        assert agentos_stub.requests == []


    def test_httpx_is_not_patched_without_the_fixture() -> None:
        with pytest.raises(httpx.ConnectError):
            httpx.get("http://127.0.0.1:9/health", timeout=2)
    """
)


def readme_example() -> str:
    """The python block of the README's "Testing with stubs" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Testing with stubs", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the Testing with stubs section has no python example"
    return match.group(1)


def test_the_readme_example_is_at_most_15_lines() -> None:
    assert len(readme_example().strip().splitlines()) <= 15


def test_the_readme_example_and_the_fixture_pass_under_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_readme_example.py").write_text(readme_example(), encoding="utf-8")
    (tmp_path / "test_plugin_checks.py").write_text(PLUGIN_CHECKS, encoding="utf-8")
    # A user's project: its own pytest settings, warnings as errors.
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, agentos_stubs.pytest_plugin\n"
        "heavy = ('respx', 'httpx', 'pydantic', 'agentos_factories', 'agentos_stubs._deployment')\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
