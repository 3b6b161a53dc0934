"""--workers judges checks and properties at once without changing a verdict or a line of the
report; --rate-limit spaces request starts whatever the workers."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from agentos_contract.api import judge_sync, make_target
from agentos_contract.cli import main
from agentos_contract.report import render_text, to_json
from tests.contract_tests.reference import SECRET, reference_app, suite_config
from tests.proxy import running_proxy

# Ids the suite makes fresh on every run (uuid hex, run ids, timestamps) differ between runs.
_FRESH = re.compile(r"[0-9a-f]{12}|[0-9a-f]{8}-[0-9a-f-]{27}|\d{9,}")


def _normalized(document: dict[str, Any]) -> str:
    kept = {k: v for k, v in document.items() if k not in ("elapsed_s", "requests")}
    return _FRESH.sub("<id>", json.dumps(kept, sort_keys=True))


def test_the_same_seed_gives_the_same_report_whatever_the_workers(tmp_path: Path) -> None:
    reports = {}
    for workers in (1, 8):
        config = dataclasses.replace(suite_config(max_examples=5, seed=3), workers=workers)
        result = judge_sync(make_target(config, app=reference_app(tmp_path / str(workers))), config)
        assert result.exit_code == 0, render_text(result)
        reports[workers] = to_json(result)
    assert _normalized(reports[1]) == _normalized(reports[8])


def test_a_failure_is_reported_the_same_way_whatever_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken server (every 500 leaks its text): the same violations, in the same order."""
    from tests.contract_tests.test_mutations import _leaks_exception_text

    _leaks_exception_text(monkeypatch)
    texts = {}
    for workers in (1, 4):
        config = dataclasses.replace(suite_config(max_examples=3, seed=5), workers=workers)
        result = judge_sync(make_target(config, app=reference_app(tmp_path / str(workers))), config)
        assert result.exit_code == 1
        texts[workers] = _FRESH.sub("<id>", render_text(result).rsplit("\n", 1)[0])
    assert "H02" in texts[1]
    assert texts[1] == texts[4]


@pytest.mark.loopback
def test_rate_limit_spaces_request_starts(tmp_path: Path) -> None:
    from agentos_reference import JWTAuth, ReferenceOS, SqliteDb
    from tests.integration.reference_loopback import serving

    app = ReferenceOS(
        db=SqliteDb(str(tmp_path / "db.sqlite3")),
        with_probes=True,
        auth=JWTAuth(secret=SECRET, algorithms=("HS256",)),
    ).get_app()
    with serving(app) as upstream, running_proxy(upstream) as (url, proxy):
        code = main(
            [
                "check",
                "--url",
                url,
                "--jwt-secret",
                SECRET,
                "--quiet",
                "--clauses",
                "C38,C41",
                "--workers",
                "8",
                "--rate-limit",
                "40",
            ]
        )
    assert code == 0
    arrivals = proxy.stats.arrivals
    assert len(arrivals) > 30
    # 40 per second: starts 25 ms apart. Arrivals jitter by a few ms either way, so every run of
    # ten consecutive requests is judged: ten starts span at least nine intervals (20% slack).
    spans = [arrivals[i + 9] - arrivals[i] for i in range(len(arrivals) - 9)]
    assert min(spans) >= 9 * 0.025 * 0.8, sorted(spans)[:3]
    # Eight workers without the limit would have sent them far faster.
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) * 0.025 * 0.9
