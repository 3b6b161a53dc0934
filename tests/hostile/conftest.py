"""Hostile-input fixtures: reference servers (probes, JWT) on a fresh SQLite file, tokens, oracles.

Every test here asks three things of a refused request: the status is the expected 4xx with a
JSON ``{"detail": ...}`` body, no factory ran (the probe ledger of ``docs/probe-protocol.md``
section 6 is empty), and nothing was stored (the database's row counts did not move).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb

with warnings.catch_warnings():
    # Starlette suggests httpx2 for its test client; only its WebSocket session is used here.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SECRET = "hostile-input-test-secret-" + "0123456789abcdef" * 3
KINDS = ("agent", "team", "workflow")
SCOPES = {"agent": "agents:run", "team": "teams:run", "workflow": "workflows:run"}
TRACE_HEADER = "X-Agentos-Contract-Trace"


@dataclass(frozen=True)
class RsaKey:
    private_pem: str
    public_pem: str


def _rsa_key() -> RsaKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return RsaKey(private, public)


@pytest.fixture(scope="session")
def rsa_key() -> RsaKey:
    """The RSA key pair the RS256 servers trust."""
    return _rsa_key()


@pytest.fixture(scope="session")
def other_rsa_key() -> RsaKey:
    """A second RSA key pair nobody trusts."""
    return _rsa_key()


@dataclass
class Deployment:
    """One reference server app and the database its probes store runs in."""

    app: FastAPI
    db: SqliteDb

    async def rows(self) -> dict[str, int]:
        return await self.db.count_rows()


def deployment(tmp_path: Path, auth: JWTAuth | None) -> Deployment:
    db = SqliteDb(tmp_path / f"hostile-{uuid.uuid4().hex}.sqlite3")
    return Deployment(ReferenceOS(db=db, with_probes=True, auth=auth).get_app(), db)


@pytest.fixture
def hs_server(tmp_path: Path) -> Iterator[Deployment]:
    """HS256 tokens verified; requests without a token are anonymous."""
    served = deployment(tmp_path, JWTAuth(secret=SECRET))
    yield served
    served.db.close()


@pytest.fixture
def rs_server(tmp_path: Path, rsa_key: RsaKey) -> Iterator[Deployment]:
    """RS256 tokens verified against ``rsa_key``'s public key only."""
    served = deployment(tmp_path, JWTAuth(public_key=rsa_key.public_pem))
    yield served
    served.db.close()


@pytest.fixture
def both_server(tmp_path: Path, rsa_key: RsaKey) -> Iterator[Deployment]:
    """HS256 with SECRET and RS256 with ``rsa_key``: the set-up where key confusion would bite."""
    served = deployment(tmp_path, JWTAuth(secret=SECRET, public_key=rsa_key.public_pem))
    yield served
    served.db.close()


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[Deployment]:
    """HS256 and a token required on every route but /health and the docs."""
    served = deployment(tmp_path, JWTAuth(secret=SECRET, required=True))
    yield served
    served.db.close()


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # A server error must reach the test as a 500 response, not as the app's re-raised exception.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference") as client:
        yield client


def ws_client(app: FastAPI) -> TestClient:
    """A Starlette test client for the app's WebSocket routes (use it as a context manager)."""
    return TestClient(app)


# -- tokens ------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(lifetime: int = 600, **extra: Any) -> dict[str, Any]:
    return {"exp": int(time.time()) + lifetime, **extra}


def hs_token(secret: str = SECRET, *, lifetime: int = 600, **extra: Any) -> str:
    return jwt.encode(claims(lifetime, **extra), secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def segments(token: str) -> tuple[str, str, str]:
    header, payload, signature = token.split(".")
    return header, payload, signature


def with_payload(token: str, payload: Mapping[str, Any]) -> str:
    """``token`` with its payload swapped for ``payload`` and its signature kept (a tampered token)."""
    header, _, signature = segments(token)
    return f"{header}.{b64url(json.dumps(dict(payload)).encode())}.{signature}"


# -- oracles -----------------------------------------------------------------------------------------


def trace_header() -> tuple[str, dict[str, str]]:
    trace = f"hostile-{uuid.uuid4()}"
    return trace, {TRACE_HEADER: trace}


async def ledger(client: httpx.AsyncClient, trace: str) -> list[dict[str, Any]]:
    """Probe invocations recorded under ``trace``: empty when no factory ran."""
    response = await client.post(
        "/agents/probe-ledger/runs",
        data={"message": "ledger", "stream": "false", "factory_input": json.dumps({"trace": trace})},
    )
    assert response.status_code == 200, response.text
    invocations: list[dict[str, Any]] = json.loads(response.json()["content"])["invocations"]
    return invocations


def echo_ctx(run_output: Mapping[str, Any]) -> dict[str, Any]:
    """The RequestContext a probe saw, from its echo document."""
    document: dict[str, Any] = json.loads(run_output["content"])
    assert document["agentos_contract_probe"] == 1
    ctx: dict[str, Any] = document["ctx"]
    return ctx


def assert_json_refusal(response: httpx.Response, status: int) -> None:
    """A clean refusal: the expected status, JSON, and a ``detail`` (never a traceback)."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body, dict), body
    assert "detail" in body, body
    assert "Traceback" not in response.text
