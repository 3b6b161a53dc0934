"""The judge survives what it judges: a deployment that drops, resets, hangs, cuts answers short
or answers a plain-text or empty 500 is judged for it (the clause at hand is violated, with the
evidence), and the suite reconnects and goes on. Only a deployment that stops answering
altogether is exit code 2.

The reference server (with probes, JWT) serves on loopback behind ``tests.proxy``, which
misbehaves on the runs of ``probe-agent-crash`` (a factory that raises, so the answer the
spec asks for is a JSON 500) or on every request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentos_contract.cli import main
from agentos_reference import JWTAuth, ReferenceOS, SqliteDb
from tests.contract_tests.reference import SECRET
from tests.integration.reference_loopback import serving
from tests.proxy import Fault, FaultKind, running_proxy

pytestmark = pytest.mark.loopback

CRASH_RUNS = r"^/agents/probe-agent-crash/runs"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = SqliteDb(str(tmp_path_factory.mktemp("resilience") / "reference.sqlite3"))
    app = ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET, algorithms=("HS256",))).get_app()
    with serving(app) as url:
        yield url


def _judge(url: str, tmp_path: Path, *extra: str, clauses: str = "C41,H04") -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report.json"
    code = main(
        [
            "check",
            "--url",
            url,
            "--jwt-secret",
            SECRET,
            "--clauses",
            clauses,
            "--max-examples",
            "2",
            "--quiet",
            "--json",
            str(report),
            *extra,
        ]
    )
    return code, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def _clause(report: dict[str, Any], clause_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["clauses"] if c["id"] == clause_id)
    return found


@pytest.mark.parametrize(
    ("kind", "evidence", "status_kept"),
    [
        ("drop", "closed the connection before a complete answer", False),
        ("reset", "connection", False),
        ("hang", "no answer within 1 s", False),
        ("truncate", "closed the connection before a complete answer", True),
        ("plain-500", "text/plain", True),
        ("empty-500", "500 (no content-type) ''", True),
    ],
)
def test_a_misbehaving_answer_is_judged_and_the_run_goes_on(
    upstream: str, tmp_path: Path, kind: FaultKind, evidence: str, status_kept: bool
) -> None:
    with running_proxy(upstream, faults=[Fault(kind, CRASH_RUNS, method="POST")]) as (url, proxy):
        code, report = _judge(url, tmp_path, "--request-timeout", "1")
    assert code == 1, report
    # The exception table's run of probe-agent-crash with stream=false, stream=true and
    # background=true: each request went out once (runs are never re-sent), and each was judged.
    assert proxy.stats.faults == 3
    h04 = _clause(report, "H04")
    assert h04["verdict"] == "violated"
    assert all("/agents/probe-agent-crash/runs" in v["curl"] for v in h04["violations"])
    assert any(evidence in v["observed"] for v in h04["violations"]), h04["violations"]
    c41 = _clause(report, "C41")
    # A 500 that is not JSON, or cut short, still is a 500; no answer at all is not.
    assert c41["verdict"] == ("holds" if status_kept else "violated")
    assert all(v["status"] is None for v in c41["violations"])
    # The suite went on after the fault: the team and workflow probes were judged, and held.
    assert c41["passed"] >= 4
    assert report["crashed_checks"] == []


def test_a_deployment_that_stops_answering_is_exit_2(
    upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Discovery answers, then every request (liveness checks included) is dropped.
    faults = [Fault("drop", r"^/agents/probe-agent-crash/runs"), Fault("drop", r"^/health")]
    with running_proxy(upstream, faults=faults) as (url, proxy):
        code, report = _judge(url, tmp_path)
    assert code == 2
    assert report == {}
    err = capsys.readouterr().err
    assert "cannot run" in err
    assert "5 consecutive requests got no answer" in err
    assert proxy.stats.faults == 5  # the dropped run, then four liveness checks over ~3.5 s


def test_an_unreachable_url_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_proxy("http://127.0.0.1:9") as (url, _):
        pass  # the proxy is gone: nothing listens on its port any more
    code, _ = _judge(url, tmp_path)
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("agentos-contract: cannot run:")


def test_the_proxy_passes_answers_through_unchanged(upstream: str, tmp_path: Path) -> None:
    """The positive control: through a proxy with no fault, the same clauses hold."""
    with running_proxy(upstream) as (url, proxy):
        code, report = _judge(url, tmp_path, clauses="C41,H04,C27")
    assert code == 0, report
    assert _clause(report, "C27")["verdict"] == "holds"  # the WebSocket went through the proxy
    assert proxy.stats.upgrades >= 1
