"""The console scripts' guard (``_console.py`` of the suite and of the reference server): a missing
extra is exit 2 with the ``pip install`` line, a closed output pipe or Ctrl-C is a quiet exit.

Run in this checkout's venv (every extra installed), with the package metadata faked where an
install without an extra is needed; tests/packaging/test_wheel.py does the same for real, with the
built wheel in fresh venvs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

import agentos_contract._console as contract_console
import agentos_reference._console as reference_console
from agentos_contract import pytest_plugin

ROOT = Path(__file__).resolve().parents[2]


def test_the_two_guards_are_one_module_but_for_their_names() -> None:
    # The reference server imports nothing of ours, so it keeps a copy: the copy must not drift.
    contract = Path(contract_console.__file__).read_text(encoding="utf-8")
    reference = Path(reference_console.__file__).read_text(encoding="utf-8")
    code = [text.split('"""', 2)[2] for text in (contract, reference)]  # past the docstring
    renamed = (
        code[0]
        .replace('PROGRAM = "agentos-contract"', 'PROGRAM = "agentos-reference"')
        .replace('EXTRA = "contract"', 'EXTRA = "server"')
        .replace("from agentos_contract.cli import", "from agentos_reference.cli import")
    )
    assert renamed == code[1]


@pytest.mark.parametrize("extra", ["contract", "server", "stubs", "agno", "codegen", "dev"])
def test_nothing_is_missing_in_the_development_venv(extra: str) -> None:
    assert contract_console.missing_for_extra(extra) == []


class FakeMetadata:
    """``importlib.metadata.requires``/``version`` over a made-up set of installed distributions."""

    def __init__(self, requires: dict[str, list[str]], installed: set[str]) -> None:
        self.requires_of = requires
        self.installed = installed

    def requires(self, name: str) -> list[str] | None:
        if name not in self.installed:
            raise metadata.PackageNotFoundError(name)
        return self.requires_of.get(name, [])

    def version(self, name: str) -> str:
        if name not in self.installed:
            raise metadata.PackageNotFoundError(name)
        return "1.0"


@pytest.fixture
def fake_metadata(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def install(requires: dict[str, list[str]], installed: set[str]) -> None:
        fake = FakeMetadata(requires, installed)
        # Both guards read importlib.metadata's functions at call time.
        monkeypatch.setattr(metadata, "requires", fake.requires)
        monkeypatch.setattr(metadata, "version", fake.version)

    return install


AGENTOS_REQUIRES = [
    "httpx<0.29,>=0.28.1",
    "hypothesis<7,>=6.100; extra == 'contract'",
    'pyjwt[crypto]<3,>=2.9; extra == "contract"',
    "fastapi<1,>=0.115; extra == 'server'",
    "pyjwt[crypto]<3,>=2.9; extra == 'server'",
    "respx<0.24,>=0.22; extra == 'stubs'",
]
PYJWT_REQUIRES = ["cryptography>=3.4.0; extra == 'crypto'", "sphinx; extra == 'docs'"]


def test_missing_requirements_are_read_from_the_extras_metadata(fake_metadata: Callable[..., None]) -> None:
    fake_metadata({"agentos-factories": AGENTOS_REQUIRES}, {"agentos-factories", "httpx"})
    assert contract_console.missing_for_extra("contract") == ["hypothesis", "pyjwt"]
    assert contract_console.missing_for_extra("server") == ["fastapi", "pyjwt"]
    assert contract_console.missing_for_extra("stubs") == ["respx"]


def test_an_installed_requirement_is_followed_into_its_own_extras(fake_metadata: Callable[..., None]) -> None:
    # PyJWT without cryptography: `import jwt` works, signing with RS256 would not.
    fake_metadata(
        {"agentos-factories": AGENTOS_REQUIRES, "pyjwt": PYJWT_REQUIRES},
        {"agentos-factories", "httpx", "hypothesis", "pyjwt"},
    )
    assert contract_console.missing_for_extra("contract") == ["cryptography"]


def test_a_source_tree_without_metadata_is_not_judged(fake_metadata: Callable[..., None]) -> None:
    fake_metadata({}, set())
    assert contract_console.missing_for_extra("contract") == []


@pytest.mark.parametrize(
    ("console", "extra"), [(contract_console, "contract"), (reference_console, "server")]
)
def test_without_its_extra_a_console_script_exits_2_with_the_pip_line(
    console: ModuleType,
    extra: str,
    fake_metadata: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_metadata({"agentos-factories": AGENTOS_REQUIRES}, {"agentos-factories", "httpx"})
    monkeypatch.setattr(sys, "argv", [console.PROGRAM, "--help"])
    assert console.main() == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{console.PROGRAM} needs the [{extra}] extra of agentos-factories" in err
    assert f"    pip install 'agentos-factories[{extra}]'\n" in err


def test_the_pytest_plugin_with_a_url_but_without_the_extra_exits_2(
    fake_metadata: Callable[..., None], pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Session:
        config = pytestconfig

    fake_metadata({"agentos-factories": AGENTOS_REQUIRES}, {"agentos-factories", "httpx"})
    monkeypatch.setattr(pytestconfig.option, "agentos_url", "http://127.0.0.1:9")
    with pytest.raises(pytest.exit.Exception) as exited:
        pytest_plugin.pytest_sessionstart(Session())  # type: ignore[arg-type]  # only .config is read
    assert exited.value.returncode == 2
    assert "pip install 'agentos-factories[contract]'" in exited.value.msg
    monkeypatch.setattr(pytestconfig.option, "agentos_url", None)
    pytest_plugin.pytest_sessionstart(Session())  # type: ignore[arg-type]  # inert without a URL


def test_ctrl_c_ends_a_console_script_with_130_and_no_traceback() -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    assert contract_console.run_console_script(interrupted) == 130


def _run_into_a_closed_pipe(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code args`` with stdout a pipe whose reader has already gone, as after
    ``| head`` once head has exited: the first write fails, whatever the pipe buffer's size."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)


CONTRACT_SCRIPT = "import sys; from agentos_contract._console import main; sys.exit(main())"
REFERENCE_SCRIPT = "import sys; from agentos_reference._console import main; sys.exit(main())"


def test_agentos_contract_clauses_into_a_closed_pipe_exits_quietly() -> None:
    done = _run_into_a_closed_pipe(CONTRACT_SCRIPT, "clauses")
    assert (done.returncode, done.stderr) == (141, "")
    # Without the guard the same command ends in the traceback this test exists to prevent.
    unguarded = _run_into_a_closed_pipe("from agentos_contract.cli import main; main()", "clauses")
    assert "BrokenPipeError" in unguarded.stderr


def test_agentos_reference_serve_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    # `serve` prints the address it listens on before serving: that write finds the pipe closed.
    done = _run_into_a_closed_pipe(
        REFERENCE_SCRIPT, "serve", "--port", "0", "--db", str(tmp_path / "reference.sqlite3")
    )
    assert (done.returncode, done.stderr) == (141, "")
