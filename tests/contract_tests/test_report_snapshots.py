"""The report rendering, snapshot-tested: one fixed run result (a violation with its curl and its
Hypothesis replay, an accepted deviation, a clause not judged, a crashed check, the posture) rendered
as text, JSON and JUnit must equal the files in ``snapshots/``.

After an intended change of the rendering, rewrite them and review the diff:
``AGENTOS_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/contract_tests/test_report_snapshots.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentos_contract.clauses import CLAUSES_BY_ID
from agentos_contract.config import SuiteConfig
from agentos_contract.discovery import Component, Deployment
from agentos_contract.model import Exchange, NotJudged, Observation, Replay
from agentos_contract.posture import Finding, Posture
from agentos_contract.profiles import Deviation, Profile
from agentos_contract.report import render_text, to_json, write_junit
from agentos_contract.runner import RunResult
from agentos_contract.verdicts import judge

SNAPSHOTS = Path(__file__).with_name("snapshots")
UPDATE = os.environ.get("AGENTOS_UPDATE_SNAPSHOTS") == "1"


def _result() -> RunResult:
    deviation = Deviation(
        "agno-3.1/10", "H02", "the 500 leaks str(exc)", {"check": "exception-table", "leaked": True}
    )
    profile = Profile("agno-3.1", (deviation,))
    crash = Exchange(
        "POST",
        "http://agentos.test/agents/probe-agent-crash/runs",
        headers=(("Authorization", "Bearer header.payload.signature"),),
        form=(("message", "agentos-contract run"), ("stream", "false")),
        status=400,
        response_content_type="application/json",
        response_text='{"detail": "no"}',
    )
    frame = Exchange("WEBSOCKET", "ws://agentos.test/workflows/ws", ws_sent=('{"action": "start-workflow"}',))
    observations = [
        Observation("C01", "discovery-lookup", True, "200", "200", {"check": "discovery-lookup"}),
        Observation(
            "C41",
            "exception-table",
            False,
            "probe-agent-crash (raises RuntimeError, stream=false) answers 500",
            '400 application/json \'{"detail": "no"}\'',
            {"check": "exception-table", "mode": "json"},
            crash,
        ),
        Observation(
            "C31",
            "invalid-input",
            False,
            "factory_input='{}' (missing-required) answers a JSON 400",
            "200 application/json '{}'",
            {"check": "invalid-input"},
            crash,
            Replay(
                7, "invalid-input:probe-agent-required:schema-violation", "@reproduce_failure('6.0', b'AA==')"
            ),
        ),
        Observation(
            "H02", "exception-table", False, "no leak", "leaked", {"check": "exception-table", "leaked": True}
        ),
        Observation("C27", "ws-run", False, "completes", "error frame", {"check": "ws-run"}, frame),
    ]
    not_judged = [NotJudged("trusted-from-token", ("C15",), "no JWT configuration")]
    clauses = [CLAUSES_BY_ID[c] for c in ("C01", "C15", "C27", "C31", "C41", "H02")]
    posture = Posture(
        no_user_tokens=Finding("refused", "a run with a token without a user answered 403"),
        empty_user_tokens=Finding("refused", "a run with a token whose user is '' answered 403"),
        scopes=Finding("not enforced", "GET /agents answered 200 to a token without scopes"),
        isolation=Finding("on", "another user's GET of a run answered 404"),
    )
    echo = Component("agent", "probe-agent-echo", True, "agentos-contract probe v2: echo", None, {})
    return RunResult(
        target="http://agentos.test",
        profile=profile,
        config=SuiteConfig(profile="agno-3.1", seed=7, max_examples=10),
        deployment=Deployment((echo,)),
        results=judge(observations, not_judged, profile, clauses, posture),
        requests=123,
        elapsed_s=4.5,
        crashed_checks=["ws-identity: KeyError: 'user_id'"],
        posture=posture,
    )


def _check(name: str, rendered: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"no snapshot {path}: run with AGENTOS_UPDATE_SNAPSHOTS=1 and review it")
    assert rendered == path.read_text(encoding="utf-8"), f"{name} changed; see the module docstring"


def test_the_text_report() -> None:
    _check("report.txt", render_text(_result()) + "\n")


def test_the_json_report() -> None:
    _check("report.json", json.dumps(to_json(_result()), indent=2, default=str) + "\n")


def test_the_junit_report(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    write_junit(_result(), path)
    _check("report.xml", path.read_text(encoding="utf-8") + "\n")
