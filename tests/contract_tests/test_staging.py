"""The suite as a platform team runs it against staging: behind a gateway (a required header, a
path prefix, TLS from a private CA, client certificates), with tokens from an identity provider
instead of the signing key, secrets from files and the environment, gates for CI, and reports
that never hold a token or a secret.

The reference server (probes, JWT) serves on loopback; ``tests.proxy`` plays the gateway.
"""

from __future__ import annotations

import json
import ssl
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import trustme

from agentos_contract.cli import main
from agentos_reference import JWTAuth, ReferenceOS, SqliteDb
from tests.contract_tests.reference import SECRET
from tests.integration.reference_loopback import serving
from tests.proxy import Gateway, running_proxy

pytestmark = pytest.mark.loopback

GATEWAY_KEY = "gw-key-7d1f0c2a9b"
# A few clauses that need every kind of identity, the WebSocket and the exception table.
CLAUSES = "C15,C16,C17,C19,C27,C38,C41,H03,H04,H05,H06,H07"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = SqliteDb(str(tmp_path_factory.mktemp("staging") / "reference.sqlite3"))
    app = ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET, algorithms=("HS256",))).get_app()
    with serving(app) as url:
        yield url


def idp_token(**claims: Any) -> str:
    """A token as a team's identity provider would issue it (the suite never sees SECRET)."""
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + 900, **claims}, SECRET, algorithm="HS256")


def identities() -> list[str]:
    scopes = ["agents:run", "teams:run", "workflows:run"]
    return [
        f"alice={idp_token(sub='alice', scopes=scopes)}",
        f"bob={idp_token(sub='bob', scopes=[])}",
        f"service={idp_token(scopes=scopes)}",
        f"blank={idp_token(sub='', scopes=scopes)}",
    ]


def _check(url: str, tmp_path: Path, *args: str, clauses: str = CLAUSES) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report.json"
    code = main(
        [
            "check",
            "--url",
            url,
            "--quiet",
            "--max-examples",
            "2",
            "--json",
            str(report),
            "--clauses",
            clauses,
            *args,
        ]
    )
    return code, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def _verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in report["clauses"]}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_tls(ca: trustme.CA, client_ca: trustme.CA | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def test_identity_tokens_behind_a_gateway_with_tls_and_a_prefix(
    upstream: str, tmp_path: Path, ca: trustme.CA, capsys: pytest.CaptureFixture[str]
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    gateway = Gateway(prefix="/agentos", required_headers=(("X-Gateway-Key", GATEWAY_KEY),))
    with running_proxy(upstream, gateway=gateway, tls=_server_tls(ca)) as (url, proxy):
        assert url.startswith("https://")
        assert url.endswith("/agentos")
        ids = [arg for entry in identities() for arg in ("--identity", entry)]
        code, report = _check(
            url, tmp_path, "-H", f"X-Gateway-Key: {GATEWAY_KEY}", "--ca-cert", str(ca_file), *ids
        )
    verdicts = _verdicts(report)
    assert code == 0, verdicts
    # Judged with the identity provider's tokens alone: two tenants, a token without a user, the socket.
    for clause in ("C15", "C16", "C17", "C27", "C38", "C41", "H05", "H06", "H07"):
        assert verdicts[clause] == "holds", (clause, report)
    assert proxy.stats.refused == 0  # every request (and the WebSocket handshake) carried the header
    assert proxy.stats.upgrades >= 1
    posture = report["posture"]
    assert posture["isolation"]["setting"] == "on"
    assert posture["no_user_tokens"]["setting"] == "accepted"


def test_without_the_ca_the_certificate_is_not_trusted(
    upstream: str, tmp_path: Path, ca: trustme.CA, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_proxy(upstream, tls=_server_tls(ca)) as (url, proxy):
        code, _ = _check(url, tmp_path, "--jwt-secret", SECRET)
    assert code == 2
    assert "CERTIFICATE_VERIFY_FAILED" in capsys.readouterr().err
    assert proxy.stats.requests == 0


def test_insecure_is_warned_about(
    upstream: str, tmp_path: Path, ca: trustme.CA, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_proxy(upstream, tls=_server_tls(ca)) as (url, _):
        code, _ = _check(url, tmp_path, "--jwt-secret", SECRET, "--insecure", clauses="H03")
    assert code == 0
    assert "--insecure: the deployment's TLS certificate is not verified" in capsys.readouterr().err


def test_client_certificates(upstream: str, tmp_path: Path, ca: trustme.CA) -> None:
    client_ca = trustme.CA()
    client = client_ca.issue_cert("agentos-contract@example.com")
    cert, key, ca_file = tmp_path / "client.pem", tmp_path / "client.key", tmp_path / "ca.pem"
    client.cert_chain_pems[0].write_to_path(str(cert))
    client.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    with running_proxy(upstream, tls=_server_tls(ca, client_ca)) as (url, _):
        refused, _ = _check(url, tmp_path, "--jwt-secret", SECRET, "--ca-cert", str(ca_file), clauses="H03")
        code, report = _check(
            url,
            tmp_path,
            "--jwt-secret",
            SECRET,
            "--ca-cert",
            str(ca_file),
            "--client-cert",
            str(cert),
            "--client-key",
            str(key),
            clauses="H03",
        )
    assert refused == 2
    assert code == 0
    assert _verdicts(report)["H03"] == "holds"


def test_a_required_header_missing_is_named(
    upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = Gateway(required_headers=(("X-Gateway-Key", GATEWAY_KEY),))
    with running_proxy(upstream, gateway=gateway) as (url, _):
        code, _ = _check(url, tmp_path, "--jwt-secret", SECRET)
    assert code == 2
    assert "answered 401" in capsys.readouterr().err


def test_an_explicit_proxy_carries_every_request(upstream: str, tmp_path: Path) -> None:
    with running_proxy(upstream) as (proxy_url, proxy):
        code, report = _check(
            upstream, tmp_path, "--jwt-secret", SECRET, "--proxy", proxy_url, clauses="C41,H03"
        )
    assert code == 0, _verdicts(report)
    assert proxy.stats.absolute_form == proxy.stats.requests > 20


def test_secrets_from_files_and_the_environment(
    upstream: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = Gateway(required_headers=(("X-Gateway-Key", GATEWAY_KEY),))
    monkeypatch.setenv("AGENTOS_CONTRACT_JWT_SECRET", SECRET)
    headers = tmp_path / "headers"
    headers.write_text(f"# the gateway's key\nX-Gateway-Key: {GATEWAY_KEY}\n", encoding="utf-8")
    with running_proxy(upstream, gateway=gateway) as (url, proxy):
        code, report = _check(url, tmp_path, "--header-file", str(headers), clauses="C15,H05")
        monkeypatch.delenv("AGENTOS_CONTRACT_JWT_SECRET")
        monkeypatch.setenv("AGENTOS_CONTRACT_IDENTITIES", "\n".join(identities()))
        monkeypatch.setenv("AGENTOS_CONTRACT_HEADERS", f"X-Gateway-Key: {GATEWAY_KEY}")
        from_env, env_report = _check(url, tmp_path, clauses="C15,H05")
    assert code == 0, _verdicts(report)
    assert _verdicts(report)["H05"] == "holds"
    assert from_env == 0, _verdicts(env_report)
    assert _verdicts(env_report)["H05"] == "holds"
    assert proxy.stats.refused == 0


TOKEN_COMMAND = """
import json, sys, time
import jwt
wanted = json.load(sys.stdin)
now = int(time.time())
print(jwt.encode({"iat": now, "exp": now + 600, **wanted}, sys.argv[1], algorithm="HS256"))
"""


def test_a_token_command_mints_through_the_provider(upstream: str, tmp_path: Path) -> None:
    script = tmp_path / "mint.py"
    script.write_text(TOKEN_COMMAND, encoding="utf-8")
    command = f"{sys.executable} {script} {SECRET}"
    code, report = _check(upstream, tmp_path, "--token-command", command, clauses="C15,C17,C19,H05,H06")
    verdicts = _verdicts(report)
    assert code == 0, verdicts
    assert {verdicts[c] for c in ("C15", "C17", "C19", "H05", "H06")} == {"holds"}


def test_one_identity_judges_what_it_can_and_says_why_not_the_rest(upstream: str, tmp_path: Path) -> None:
    code, report = _check(upstream, tmp_path, "--identity", identities()[0], clauses="C15,H05")
    assert code == 0
    h05 = next(c for c in report["clauses"] if c["id"] == "H05")
    assert h05["verdict"] == "not judged"
    assert "2 --identity tokens naming different users; 1 given" in " ".join(h05["not_judged_reasons"])
    assert _verdicts(report)["C15"] == "holds"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jwt-secret", SECRET, "--jwt-algorithm", "HS999"], "unsupported JWT algorithm"),
        (["--jwt-secret", SECRET, "--jwt-algorithm", "RS256"], "does not fit RS256"),
        (["--jwt-secret", SECRET, "--json", "/nonexistent-dir/report.json"], "cannot write --json"),
        (["--jwt-secret", SECRET, "--junit", "/proc/report.xml"], "cannot write --junit"),
        (["--jwt-secret", SECRET, "--ca-cert", "/nonexistent.pem"], "cannot load the TLS material"),
        (["--jwt-secret", SECRET, "--client-key", "/k.pem"], "--client-key needs --client-cert"),
        (["--jwt-secret", SECRET, "-H", "no colon"], "a header is 'Name: value'"),
        (["--jwt-secret", SECRET, "-H", "Authorization: Bearer x"], "sends its own bearer tokens"),
        (["--identity", "alice"], "an identity is NAME=TOKEN"),
        (["--identity", "alice=not-a-jwt"], "identity 'alice': the token is not a JWT"),
        (["--jwt-secret", SECRET, "--identity", f"a={idp_token(sub='a')}"], "give one source of tokens"),
        (["--token-command", "/nonexistent/mint"], "--token-command could not run"),
        (["--token-command", f"{sys.executable} -c 'import sys; sys.exit(3)'"], "--token-command exited 3"),
        (["--jwt-secret-file", "/nonexistent/secret"], "cannot read --jwt-secret"),
        (["--proxy", "ftp://example"], "--proxy must be"),
    ],
)
def test_bad_options_exit_2_with_one_line_before_any_request(
    upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with running_proxy(upstream) as (url, proxy):
        code = main(["check", "--url", url, "--quiet", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("agentos-contract: cannot run:")
    assert message in err[0]
    assert proxy.stats.requests == 0


def test_gates_make_a_run_that_judged_too_little_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = SqliteDb(str(tmp_path / "bare.sqlite3"))
    bare = ReferenceOS(db=db, with_probes=False).get_app()  # no probes: most clauses cannot be judged
    with serving(bare) as url:
        plain, _ = _check(url, tmp_path, clauses="C01,C33,H01,C07")
        gated, report = _check(
            url, tmp_path, "--require-probes", "--min-judged", "4", clauses="C01,C33,H01,C07"
        )
    assert plain == 0
    assert gated == 1
    err = capsys.readouterr().err
    assert "--require-probes: the deployment has no probes" in err
    assert f"--min-judged 4: only {report['judged']} of 4 clauses were judged" in err
    assert report["judged"] < 4
    assert len(report["gate_failures"]) == 2


def test_no_report_holds_a_token_or_a_secret(
    upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Violations (from a gateway that turns the crash probe's 500 into plain text) put exchanges,
    replays and observed text in every format; none may carry what the run was given or sent."""
    from tests.proxy import Fault

    gateway = Gateway(required_headers=(("X-Gateway-Key", GATEWAY_KEY),))
    faults = [Fault("plain-500", r"^/(agents|workflows)/probe-\w+-crash/runs")]
    outputs = {name: tmp_path / name for name in ("report.json", "report.xml", "summary.md")}
    with running_proxy(upstream, gateway=gateway, faults=faults) as (url, proxy):
        code = main(
            [
                "check",
                "--url",
                url,
                "--jwt-secret",
                SECRET,
                "-H",
                f"X-Gateway-Key: {GATEWAY_KEY}",
                "--max-examples",
                "2",
                "--clauses",
                "C27,C41,H04,H05,C17",
                "--json",
                str(outputs["report.json"]),
                "--junit",
                str(outputs["report.xml"]),
                "--summary",
                str(outputs["summary.md"]),
            ]
        )
    captured = capsys.readouterr()
    assert code == 1  # H04: the plain-text 500s
    texts = {"stdout": captured.out, "stderr": captured.err}
    texts |= {name: path.read_text(encoding="utf-8") for name, path in outputs.items()}
    secrets = proxy.stats.secrets_seen | {SECRET}
    assert len(proxy.stats.secrets_seen) > 20  # every minted token the run sent, and the gateway key
    for name, text in texts.items():
        leaked = [secret[:12] for secret in secrets if secret in text]
        assert not leaked, f"{name} holds {len(leaked)} secrets/tokens: {leaked[:3]}"
    # The replays still say how to send the request again, with the token from the environment.
    assert '-H "Authorization: Bearer ${AGENTOS_CONTRACT_TOKEN}"' in texts["stdout"]
    assert "# $AGENTOS_CONTRACT_TOKEN: a token the deployment accepts, with claims" in texts["stdout"]
    assert '-H "X-Gateway-Key: ${AGENTOS_CONTRACT_HEADER_X_GATEWAY_KEY}"' in json.dumps(
        json.loads(texts["report.json"]), ensure_ascii=False
    ).replace('\\"', '"')
    assert "❌ fails" in texts["summary.md"]
