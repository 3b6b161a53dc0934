"""The README's SDK examples run, unchanged but for the server URL, against the reference server
with its probe factories on loopback (no auth, so scope-guarded probes answer 403)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentos_reference import ReferenceOS, SqliteDb
from tests.integration.reference_loopback import serving

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE_URL = "http://127.0.0.1:7777"


def sdk_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## SDK\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


EXAMPLES = sdk_examples()


@pytest.fixture(scope="module")
def reference_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = SqliteDb(tmp_path_factory.mktemp("readme") / "reference.sqlite3")
    with serving(ReferenceOS(db=db, with_probes=True).get_app()) as url:
        yield url
    db.close()


def test_the_sdk_section_has_examples() -> None:
    assert len(EXAMPLES) >= 7
    assert all(EXAMPLE_URL in example for example in EXAMPLES)


@pytest.fixture
def isolated_process_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Examples set environment variables and log levels as an application would; undo them."""
    logger, root = logging.getLogger("agentos_factories"), logging.getLogger()
    level, handlers, root_handlers = logger.level, list(logger.handlers), list(root.handlers)
    with monkeypatch.context() as patch:
        for name in ("AGENTOS_BASE_URL", "AGENTOS_TOKEN", "AGENTOS_LOG"):
            patch.delenv(name, raising=False)
        saved = dict(os.environ)
        yield
        os.environ.clear()
        os.environ.update(saved)
    logger.setLevel(level)
    logger.handlers[:] = handlers
    root.handlers[:] = root_handlers


@pytest.mark.loopback
@pytest.mark.usefixtures("isolated_process_state")
@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(reference_url: str, index: int, capsys: pytest.CaptureFixture[str]) -> None:
    code = EXAMPLES[index].replace(EXAMPLE_URL, reference_url)
    exec(compile(code, f"README.md SDK example {index + 1}", "exec"), {"__name__": "__readme__"})
    assert "Traceback" not in capsys.readouterr().err


def test_readme_examples_pass_mypy_strict(tmp_path: Path) -> None:
    from mypy import api

    files = []
    for index, example in enumerate(EXAMPLES):
        path = tmp_path / f"readme_example_{index + 1}.py"
        path.write_text(example, encoding="utf-8")
        files.append(str(path))
    root = README.parent
    stdout, stderr, status = api.run(
        ["--config-file", str(root / "pyproject.toml"), "--no-incremental", *files]
    )
    assert status == 0, stdout + stderr
