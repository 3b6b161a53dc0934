"""The sync twins are generated from the async source and cannot drift: ``scripts/unasync.py
--check`` passes on the tree, and fails on any difference, docstrings included."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_unasync() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync_script", ROOT / "scripts" / "unasync.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_sync_modules_are_what_the_async_source_gives() -> None:
    assert load_unasync().main(["--check"]) == 0


def test_every_async_source_has_a_generated_twin() -> None:
    sources = {path.name for path in (ROOT / "sdk/agentos_factories/_async").glob("*.py")}
    generated = {path.name for path in (ROOT / "sdk/agentos_factories/_sync").glob("*.py")}
    assert sources == generated
    assert {"client.py", "streaming.py", "websocket.py", "agents.py", "teams.py", "workflows.py"} <= sources


@pytest.mark.parametrize(
    ("async_line", "sync_line"),
    [
        ("class AsyncClient:", "class Client:"),
        ("    async def run(self) -> AsyncAgentRunStream:", "    def run(self) -> AgentRunStream:"),
        ("        return await self._client._request(call)", "        return self._client._request(call)"),
        ("        async for raw in response.aiter_raw():", "        for raw in response.iter_raw():"),
        ("        await response.aclose()", "        response.close()"),
        ("    async def __aenter__(self) -> Self:", "    def __enter__(self) -> Self:"),
        ("            raise StopAsyncIteration", "            raise StopIteration"),
        ("        await async_resolve_token(source)", "        resolve_token(source)"),
        ('    """An asynchronous twin."""', '    """An asynchronous twin."""'),
    ],
)
def test_substitutions(async_line: str, sync_line: str) -> None:
    assert load_unasync().unasync_line(async_line, set()) == sync_line


def test_a_hand_edit_of_a_generated_file_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unasync = load_unasync()
    source, target = tmp_path / "_async", tmp_path / "_sync"
    source.mkdir()
    (source / "client.py").write_text(
        'class AsyncClient:\n    """Docs."""\n\n    async def close(self) -> None:\n        """Close."""\n'
    )
    monkeypatch.setattr(unasync, "SOURCE", source)
    monkeypatch.setattr(unasync, "TARGET", target)
    monkeypatch.setattr(unasync, "ROOT", tmp_path)
    needed = [
        (pattern, replacement)
        for pattern, replacement in unasync.SUBS
        if pattern in ("Async([A-Z]\\w*)", "async def")
    ]
    assert len(needed) == 2
    monkeypatch.setattr(unasync, "SUBS", needed)  # only what this file needs: unused ones fail the run
    monkeypatch.setattr(unasync, "COMPILED", [(re.compile(rf"\b{p}\b"), r) for p, r in needed])
    assert unasync.main([]) == 0
    assert "    def close(self) -> None:" in (target / "client.py").read_text()
    assert unasync.main(["--check"]) == 0
    edited = (target / "client.py").read_text().replace('"""Close."""', '"""Close it."""')
    (target / "client.py").write_text(edited)
    assert unasync.main(["--check"]) == 1
    assert '-        """Close it."""' in capsys.readouterr().out
