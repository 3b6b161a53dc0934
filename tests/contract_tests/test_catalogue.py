"""The clause catalogue is complete and honest: every clause is enforced by a registered check
or by existing test nodes, every check judges a clause, and every quote is in the spec."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any
from unittest.mock import patch

import anyio
import pytest

from agentos_contract.checks import CHECKS, CHECKS_BY_NAME, CheckSpec, UndeclaredClause
from agentos_contract.checks import check as register
from agentos_contract.checks.base import Check, Suite
from agentos_contract.clauses import CLAUSES, CLAUSES_BY_ID, GUIDE, HOUSE, REFERENCE, clauses_judged_by
from agentos_contract.config import SuiteConfig
from agentos_contract.discovery import Deployment
from agentos_contract.target import Target

ROOT = Path(__file__).resolve().parents[2]
# The spec documents are vendored in docs/spec so this test runs on every clone (CI included);
# where the workplace's shared/spec sits beside the checkout, the copy must equal it.
VENDORED_SPEC = ROOT / "docs" / "spec"
SHARED_SPECS = [ROOT.parent / "shared" / "spec", ROOT.parent.parent / "shared" / "spec"]


def test_clause_ids_are_unique_and_numbered() -> None:
    ids = [clause.id for clause in CLAUSES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[CH]\d{2}", clause_id) for clause_id in ids)
    assert all(clause.source == HOUSE for clause in CLAUSES if clause.id.startswith("H"))


@pytest.mark.parametrize("clause", CLAUSES, ids=lambda clause: clause.id)
def test_every_clause_is_enforced_by_a_check_or_a_test_node(clause: object) -> None:
    from agentos_contract.clauses import Clause

    assert isinstance(clause, Clause)
    assert clause.checks or clause.test_nodes, f"{clause.id} has no enforcement"
    for name in clause.checks:
        assert name in CHECKS_BY_NAME, f"{clause.id} names unknown check {name!r}"
    if not clause.wire:
        assert clause.test_nodes, f"{clause.id} is not judgeable over the wire, so it needs test nodes"
    for node in clause.test_nodes:
        path, _, function = node.partition("::")
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert function in names, f"{clause.id}: test node {node} does not exist"


def test_every_registered_check_judges_at_least_one_clause() -> None:
    for spec in CHECKS:
        assert clauses_judged_by(spec.name), f"check {spec.name} judges no clause"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("’", "'")).lower()


def _spec_text(name: str) -> str:
    return _normalise((VENDORED_SPEC / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [REFERENCE, GUIDE, "wire-notes.md"])
def test_the_vendored_spec_is_the_shared_spec(name: str) -> None:
    shared = [folder / name for folder in SHARED_SPECS if (folder / name).is_file()]
    if not shared:
        pytest.skip("no shared/spec beside this checkout to compare the vendored copy with")
    assert (VENDORED_SPEC / name).read_bytes() == shared[0].read_bytes()


@pytest.mark.parametrize("clause", [c for c in CLAUSES if c.source in (REFERENCE, GUIDE)], ids=lambda c: c.id)
def test_every_quote_comes_from_its_document(clause: object) -> None:
    from agentos_contract.clauses import Clause

    assert isinstance(clause, Clause)
    documents = {name: _spec_text(name) for name in (REFERENCE, GUIDE)}
    # Quotes may join sentences with "[...]" or "[and the guide:]"; each fragment is verbatim.
    fragments = [f for f in re.split(r"\[(?:\.\.\.|and\b[^\]]*)\]", clause.quote) if len(f.strip()) > 3]
    for fragment in fragments:
        assert any(_normalise(fragment.strip(" .")) in doc for doc in documents.values()), (
            f"{clause.id}: {fragment!r} is not in the spec"
        )


def test_the_catalogue_links_are_the_registrations() -> None:
    for spec in CHECKS:
        for clause_id in spec.clauses:
            assert spec.name in CLAUSES_BY_ID[clause_id].checks
    for clause in CLAUSES:
        for name in clause.checks:
            assert clause.id in CHECKS_BY_NAME[name].clauses
        if clause.wire:
            assert clause.checks, f"{clause.id} is judged over the wire by no registered check"


def test_a_check_cannot_declare_an_unknown_clause_or_register_twice() -> None:
    async def nothing(check: Check) -> None:
        return None

    with pytest.raises(ValueError, match="C99"):
        register("imaginary", clauses=("C99",))(nothing)
    with pytest.raises(ValueError, match="declares no clause"):
        register("imaginary", clauses=())(nothing)
    with pytest.raises(ValueError, match="registered twice"):
        register("echo-run", clauses=("C07",))(nothing)


def _suite() -> Suite:
    config = SuiteConfig()
    return Suite(target=Target("http://agentos.test"), config=config, deployment=Deployment(()))


def test_recording_an_undeclared_clause_or_mode_is_an_error() -> None:
    check = Check(_suite(), "cancel")
    assert check.declared == {"C29"}
    check.record("C29", True, "e", "o")
    with pytest.raises(UndeclaredClause, match="C41"):
        check.record("C41", False, "e", "o")
    with pytest.raises(UndeclaredClause, match="C01"):
        check.not_judged(("C01",), "why")
    check.not_judged_mine(("C01", "C29"), "why")  # a shared helper's reasons: only the declared clause
    assert [item.clauses for item in check.not_judged_items] == [("C29",)]
    runs = Check(_suite(), "exception-table")
    runs.record("C41", True, "e", "o", mode="websocket")
    with pytest.raises(UndeclaredClause, match="run mode 'websocket'"):
        runs.record("H04", True, "e", "o", mode="websocket")  # H04 is about HTTP answers only


def test_a_check_that_records_an_undeclared_clause_crashes_the_run_not_a_verdict() -> None:
    from agentos_contract.runner import run_suite

    async def drifting(check: Check) -> None:
        check.record("C41", False, "drift", "drift")

    spec = CheckSpec("drifting", ("C01",), drifting)
    app_calls: list[str] = []

    async def go() -> Any:
        import httpx

        def handler(request: httpx.Request) -> httpx.Response:
            app_calls.append(request.url.path)
            return httpx.Response(200, json=[])

        target = Target.from_transport(httpx.MockTransport(handler))
        async with target:
            with patch("agentos_contract.runner.CHECKS", (spec,)):
                return await run_suite(target, SuiteConfig())

    result = anyio.run(go)
    assert result.crashed_checks
    assert "UndeclaredClause" in result.crashed_checks[0]
    assert result.exit_code == 2
    assert not any(r.violations for r in result.results)


def test_every_library_only_clause_says_why_and_the_readme_lists_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for clause in CLAUSES:
        assert bool(clause.library_reason) is (not clause.wire), clause.id
        if not clause.wire:
            assert f"`{clause.id}`" in readme, f"README does not list the library-only clause {clause.id}"
