"""The contract suite against a real agno 3.1.10 AgentOS, over loopback, in three deployments:
no auth, JWT, and JWT with ``user_isolation=True`` (a securely configured one).

With ``--profile agno-3.1`` every judged clause holds or is an accepted deviation (several
seeds); with ``--profile spec`` the suite fails, and exactly on the documented deviations of
wire-notes section 2: every violation it reports is one the agno-3.1 profile names, under
that deviation's own clause, and every clause it violates is one of those.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentos_contract.cli import main
from agentos_contract.model import Verdict
from agentos_contract.profiles import AGNO_3_1, Profile
from tests.integration.agno_server import AgnoServer

pytestmark = [pytest.mark.agno, pytest.mark.loopback]

# The clauses each numbered deviation of wire-notes section 2 breaks, per auth mode.
_SECTION_2 = {"C25", "C27", "C28", "C31", "C33", "C38", "C39", "C40", "C41", "C44", "H02"}
# What the probe protocol v2 measured on every deployment (docs/agno-compat.md section 9).
_V2 = {"C10", "C47"}
# The WebSocket's token is checked once (section 12), wherever tokens are verified.
_JWT = {"H10"}
EXPECTED_SPEC_VIOLATIONS = {
    "none": _SECTION_2 | _V2,
    # With JWT, the WebSocket identity deviations (section 2.4) show as well, and without
    # user_isolation the tenants are not kept apart (section 12).
    "jwt": _SECTION_2 | _V2 | _JWT | {"C17", "C19", "H05", "H06", "H07"},
    # With user_isolation=True the tenants are kept apart, and a token without a user is refused,
    # so the WebSocket's dropped form user (C19, section 2.4) cannot be reached.
    "jwt-isolated": _SECTION_2 | _V2 | _JWT | {"C17"},
}
# The posture the suite must find in each deployment (setting of each question).
EXPECTED_POSTURE = {
    "none": {"no_user_tokens": "unknown", "scopes": "unknown", "isolation": "unknown"},
    "jwt": {"no_user_tokens": "accepted", "scopes": "not enforced", "isolation": "off"},
    "jwt-isolated": {"no_user_tokens": "refused", "scopes": "not enforced", "isolation": "on"},
}


@pytest.fixture(scope="module", params=["none", "jwt", "jwt-isolated"])
def deployment(request: pytest.FixtureRequest) -> AgnoServer:
    """Each test that asks for it runs once per deployment."""
    names = {
        "none": "agno_server_noauth",
        "jwt": "agno_server_jwt",
        "jwt-isolated": "agno_server_jwt_isolated",
    }
    server: AgnoServer = request.getfixturevalue(names[request.param])
    return server


def _mode(server: AgnoServer) -> str:
    return f"{server.auth}-isolated" if server.user_isolation else server.auth


def _run(server: AgnoServer, profile: str, seed: int, tmp_path: Path) -> tuple[int, dict[str, object]]:
    report = tmp_path / f"{profile}-{seed}.json"
    argv = [
        "check",
        "--url",
        server.base_url,
        "--profile",
        profile,
        "--seed",
        str(seed),
        "--max-examples",
        "10",
        "--quiet",
        "--json",
        str(report),
        "--time-budget",
        "240",
    ]
    if server.jwt_secret is not None:
        # One argument: a token_urlsafe secret may start with "-", which argparse reads as an option.
        argv += [f"--jwt-secret={server.jwt_secret}", "--jwt-algorithm", server.jwt_algorithm]
    code = main(argv)
    return code, json.loads(report.read_text(encoding="utf-8"))


def _clauses(report: dict[str, object], verdict: Verdict) -> set[str]:
    clauses = report["clauses"]
    assert isinstance(clauses, list)
    return {c["id"] for c in clauses if c["verdict"] == verdict.value}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agno_profile_holds_on_real_agno(deployment: AgnoServer, seed: int, tmp_path: Path) -> None:
    code, report = _run(deployment, "agno-3.1", seed, tmp_path)
    assert _clauses(report, Verdict.VIOLATED) == set()
    assert report["crashed_checks"] == []
    assert code == 0
    # Deviations are reported, never hidden.
    assert _clauses(report, Verdict.DEVIATION) == EXPECTED_SPEC_VIOLATIONS[_mode(deployment)]
    posture = report["posture"]
    assert isinstance(posture, dict)
    expected = EXPECTED_POSTURE[_mode(deployment)]
    assert {k: posture[k]["setting"] for k in expected} == expected


def test_spec_profile_fails_exactly_on_the_documented_deviations(
    deployment: AgnoServer, tmp_path: Path
) -> None:
    code, report = _run(deployment, "spec", 7, tmp_path)
    assert code == 1
    assert _clauses(report, Verdict.VIOLATED) == EXPECTED_SPEC_VIOLATIONS[_mode(deployment)]
    profile = Profile("agno-3.1", AGNO_3_1)
    clauses = report["clauses"]
    assert isinstance(clauses, list)
    for clause in clauses:
        for violation in clause["violations"]:
            matching = [
                d.id
                for d in profile.deviations
                if d.clause == clause["id"]
                and all(
                    k in violation["facts"] and _matches(v, violation["facts"][k])
                    for k, v in d.signature.items()
                )
            ]
            assert matching, f"{clause['id']} violation not documented: {violation['expected']}"
            assert "curl" in violation or "python" in violation.get("curl", "python")


def _matches(expected: object, observed: object) -> bool:
    if isinstance(expected, dict):
        return str(expected["contains"]) in str(observed)
    if isinstance(expected, list):
        return observed in expected
    return expected == observed


def test_pytest_plugin_judges_real_agno(agno_server_noauth: AgnoServer, tmp_path: Path) -> None:
    (tmp_path / "test_nothing.py").write_text("", encoding="utf-8")
    common = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rs",
        "--agentos-url",
        agno_server_noauth.base_url,
        "--agentos-max-examples",
        "3",
    ]
    passing = subprocess.run(
        [*common, "--agentos-profile", "agno-3.1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert passing.returncode == 0, passing.stdout[-3000:]
    assert "accepted deviations" in passing.stdout
    assert "agno-3.1/1" in passing.stdout
    failing = subprocess.run(
        [*common, "--agentos-profile", "spec"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert failing.returncode == 1
    assert "C25 GET workflow run reads factory_input from the query" in failing.stdout
    assert "curl -sS -i" in failing.stdout
