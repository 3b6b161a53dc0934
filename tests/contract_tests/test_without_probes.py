"""Against a deployment without probes: black-box checks only, the rest reported as not judged, and
real (non-probe) factories are never run unless --allow-runs says so."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from agentos_contract.api import judge_sync, make_target
from agentos_contract.config import SuiteConfig
from agentos_contract.model import Verdict
from agentos_contract.report import render_text
from agentos_reference import Agent, AgentFactory, ReferenceOS, RequestContext, SqliteDb


class TenantInput(BaseModel):
    tenant: str


def _app(db_dir: Path, calls: list[str]) -> object:
    db = SqliteDb(str(db_dir / "real.sqlite3"))

    def build(ctx: RequestContext) -> Agent:
        calls.append("built")  # stands for a run of a real, paid model
        return Agent(instructions="a real agent")

    factories = [
        AgentFactory(id="tenant-agent", db=db, factory=build, input_schema=TenantInput),
        AgentFactory(id="plain-agent", db=db, factory=build),
    ]
    return ReferenceOS(agents=factories, db=db).get_app()


def test_black_box_only_and_no_real_run(tmp_path: Path) -> None:
    calls: list[str] = []
    config = SuiteConfig(max_examples=10)
    result = judge_sync(make_target(config, app=_app(tmp_path, calls)), config)
    report = render_text(result)
    assert result.exit_code == 0, report
    assert calls == [], "the suite ran a non-probe factory without --allow-runs"
    verdicts = {r.clause.id: r for r in result.results}
    for judged in ("C01", "C31", "C33", "H01", "H04"):
        assert verdicts[judged].verdict is Verdict.HOLDS, report
    for needs_probes in ("C02", "C14", "C17", "C28", "C38"):
        assert verdicts[needs_probes].verdict is Verdict.NOT_JUDGED
        assert any("no probes" in reason for reason in verdicts[needs_probes].reasons)
    assert "probes: no" in report


def test_allow_runs_bounds_the_real_runs(tmp_path: Path) -> None:
    calls: list[str] = []
    config = SuiteConfig(max_examples=5, allow_runs=1)
    result = judge_sync(make_target(config, app=_app(tmp_path, calls)), config)
    assert result.exit_code == 0, render_text(result)
    assert calls == ["built"]
    assert next(r for r in result.results if r.clause.id == "C36").verdict is Verdict.HOLDS
