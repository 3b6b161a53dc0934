"""Fixtures of the reference server tests: a temporary SQLite file, apps built on it, tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb

SECRET = "reference-server-test-secret-" + "0123456789abcdef" * 3


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDb]:
    database = SqliteDb(tmp_path / "reference.sqlite3")
    yield database
    database.close()


@pytest.fixture
def probe_app(db: SqliteDb) -> FastAPI:
    """The probe catalogue, with HS256 tokens accepted (requests without one are anonymous)."""
    return ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET)).get_app()


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://reference"
    ) as client:
        yield client


@pytest.fixture
async def client(probe_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(probe_app) as c:
        yield c


def hs_token(secret: str = SECRET, *, lifetime: int = 86_400, **claims: Any) -> str:
    # A day: parametrized tokens are made at collection, and a slow full run reaches them minutes later.
    return jwt.encode({"exp": int(time.time()) + lifetime, **claims}, secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def trace_header() -> tuple[str, dict[str, str]]:
    trace = f"trace-{uuid.uuid4()}"
    return trace, {"X-Agentos-Contract-Trace": trace}


async def ledger(client: httpx.AsyncClient, trace: str) -> list[dict[str, Any]]:
    """Probe invocations recorded under ``trace`` (read through the probe-ledger agent)."""
    response = await client.post(
        "/agents/probe-ledger/runs",
        data={"message": "ledger", "stream": "false", "factory_input": json.dumps({"trace": trace})},
    )
    assert response.status_code == 200, response.text
    invocations: list[dict[str, Any]] = json.loads(response.json()["content"])["invocations"]
    return invocations


def echo_of(run_output: dict[str, Any]) -> dict[str, Any]:
    """The probe echo document a run answered with."""
    document: dict[str, Any] = json.loads(run_output["content"])
    assert document["agentos_contract_probe"] == 1
    return document


def sse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse an SSE body strictly: every frame is ``event: X\\ndata: <json>`` and the JSON repeats X."""
    events = []
    for frame in body.split("\n\n"):
        if not frame:
            continue
        lines = frame.split("\n")
        assert len(lines) == 2, f"frame is not exactly an event line and a data line: {frame!r}"
        assert lines[0].startswith("event: "), frame
        assert lines[1].startswith("data: "), frame
        name, data = lines[0][len("event: ") :], json.loads(lines[1][len("data: ") :])
        assert data["event"] == name
        events.append((name, data))
    assert body.endswith("\n\n")
    return events


@pytest.fixture(scope="session")
def rsa_keys() -> tuple[str, str]:
    """(private PEM, public PEM) of one RSA key for the whole session."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def forged_hs256(key: bytes, claims: dict[str, Any]) -> str:
    """An HS256 token signed by hand (PyJWT refuses to use a PEM key as an HMAC secret)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    )
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


AppFactory = Callable[..., FastAPI]
