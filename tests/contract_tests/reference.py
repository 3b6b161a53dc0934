"""Running the suite against the reference server, in process (tests may import it; the suite may not)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from agentos_contract.api import judge_sync, make_target
from agentos_contract.config import SuiteConfig
from agentos_contract.runner import RunResult
from agentos_contract.tokens import TokenMinter
from agentos_reference import JWTAuth, ReferenceOS, SqliteDb

SECRET = "contract-suite-reference-secret-0123456789"


def reference_app(db_dir: Path) -> Any:
    """The reference server with probes and optional JWT auth (HS256, default claim names)."""
    db = SqliteDb(str(db_dir / "reference.sqlite3"))
    return ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET, algorithms=("HS256",))).get_app()


def suite_config(max_examples: int, seed: int = 20261122, **kwargs: Any) -> SuiteConfig:
    return SuiteConfig(seed=seed, max_examples=max_examples, minter=TokenMinter(SECRET, "HS256"), **kwargs)


def judge_reference(db_dir: Path, config: SuiteConfig) -> RunResult:
    return judge_sync(make_target(config, app=reference_app(db_dir)), config)


def patch_everywhere(monkeypatch: pytest.MonkeyPatch, module: str, name: str, replacement: Any) -> None:
    """Replace ``module.name`` and every ``from module import name`` copy inside agentos_reference, so the
    mutant runs in the server's real code path wherever that function is called."""
    original = getattr(sys.modules[module], name)
    for loaded_name, loaded in list(sys.modules.items()):
        if loaded_name.startswith("agentos_reference") and getattr(loaded, name, None) is original:
            monkeypatch.setattr(loaded, name, replacement)
