"""The suite against a real agno 3.1.10 as a platform team meets it in staging: behind TLS from a
private CA, under a path prefix, behind a gateway that requires a header, reached with tokens an
identity provider issued (no signing key), with eight workers. The ``agno-3.1`` profile holds;
the same deployment with one clause broken (the gateway answers unknown agent ids with a 500) is
caught; no report holds a token, the gateway's key, or anything else the run was given.
"""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme

from agentos_contract.cli import main
from tests.integration.agno_server import AgnoServer
from tests.proxy import Fault, Gateway, running_proxy

pytestmark = [pytest.mark.agno, pytest.mark.loopback]

GATEWAY_KEY = "staging-gateway-key-5b0c77"
RUN_SCOPES = ("agents:run", "teams:run", "workflows:run")


def _identities(server: AgnoServer) -> list[str]:
    """Tokens as the team's identity provider issues them (the suite never sees the key)."""
    return [
        f"alice={server.token(sub='alice', scopes=RUN_SCOPES)}",
        f"bob={server.token(sub='bob')}",
        f"service={server.token(sub=None, scopes=RUN_SCOPES)}",
        f"blank={server.token(sub='', scopes=RUN_SCOPES)}",
    ]


def _tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, ca_file


def _run(
    server: AgnoServer, tmp_path: Path, faults: list[Fault] | None = None
) -> tuple[int, dict[str, Any], dict[str, str], set[str]]:
    tls, ca_file = _tls(tmp_path)
    gateway = Gateway(prefix="/agentos", required_headers=(("X-Gateway-Key", GATEWAY_KEY),))
    reports = {name: tmp_path / name for name in ("report.json", "report.xml", "summary.md")}
    identity_file = tmp_path / "identities"
    identity_file.write_text("\n".join(_identities(server)) + "\n", encoding="utf-8")
    with running_proxy(server.base_url, gateway=gateway, tls=tls, faults=faults or []) as (url, proxy):
        code = main(
            [
                "check",
                "--url",
                url,
                "--profile",
                "agno-3.1",
                "--identities-file",
                str(identity_file),
                "-H",
                f"X-Gateway-Key: {GATEWAY_KEY}",
                "--ca-cert",
                str(ca_file),
                "--workers",
                "8",
                "--seed",
                "1",
                "--max-examples",
                "5",
                "--quiet",
                "--json",
                str(reports["report.json"]),
                "--junit",
                str(reports["report.xml"]),
                "--summary",
                str(reports["summary.md"]),
            ]
        )
        assert proxy.stats.refused == 0  # every request and handshake carried the gateway's header
    texts = {name: path.read_text(encoding="utf-8") for name, path in reports.items()}
    report = json.loads(texts["report.json"])
    return code, report, texts, proxy.stats.secrets_seen


def _verdicts(report: dict[str, Any], verdict: str) -> set[str]:
    return {c["id"] for c in report["clauses"] if c["verdict"] == verdict}


def test_agno_in_staging_holds_with_identity_tokens_only(
    agno_server_jwt: AgnoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, texts, secrets = _run(agno_server_jwt, tmp_path)
    assert _verdicts(report, "violated") == set(), _violations(report)
    assert report["crashed_checks"] == []
    assert code == 0
    # The identity provider's tokens judged the identity matrix, tenant isolation and the socket.
    for clause in ("C15", "C17", "C27", "H06", "H07"):
        assert clause not in _verdicts(report, "not judged"), clause
    texts["stdout"] = capsys.readouterr().out
    _assert_no_secret(texts, secrets | {agno_server_jwt.jwt_secret or ""})


def test_the_same_deployment_with_one_clause_broken_is_caught(
    agno_server_jwt: AgnoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The gateway answers unknown agent ids with an empty 500 instead of agno's 404.
    broken = [Fault("empty-500", r"^/agents/contract-missing-agent-")]
    code, report, texts, secrets = _run(agno_server_jwt, tmp_path, broken)
    assert code == 1
    assert _verdicts(report, "violated") == {"H01"}
    texts["stdout"] = capsys.readouterr().out
    assert "H01 Unknown ids get 404" in texts["stdout"]
    _assert_no_secret(texts, secrets | {agno_server_jwt.jwt_secret or ""})


def _violations(report: dict[str, Any]) -> str:
    return "\n".join(
        f"{c['id']} [{v['check']}] expected {v['expected'][:120]} | observed {v['observed'][:160]}"
        f" | {v['facts']}"
        for c in report["clauses"]
        for v in c["violations"][:3]
    )


def _assert_no_secret(texts: dict[str, str], secrets: set[str]) -> None:
    assert len(secrets) >= 5  # the gateway key and the identity tokens at least
    for name, text in texts.items():
        leaked = [secret[:10] for secret in secrets if secret and secret in text]
        assert not leaked, f"{name} holds {len(leaked)} of the run's secrets"
