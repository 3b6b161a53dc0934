"""Run listings page in the stub as in the reference server (agno's parameter names): ``limit``
(default 20, at most 100), ``page`` from 1, ``sort_order`` asc or desc; bad values get the same 422
body from both."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentos_reference import Agent, AgentFactory, ReferenceOS, RequestContext, SqliteDb
from agentos_stubs import StubDeployment

from .conftest import BASE_URL, declare_standard

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

COMPONENT = "agent-plain"
LISTING = f"/agents/{COMPONENT}/runs"


def _start_runs(client: Any, count: int, session_id: str = "sess") -> list[str]:
    ids = []
    for index in range(count):
        response = client.post(
            LISTING, data={"message": f"run {index}", "stream": "false", "session_id": session_id}
        )
        assert response.status_code == 200, response.text
        ids.append(response.json()["run_id"])
    return ids


def _listed(client: Any, **query: str) -> list[str]:
    response = client.get(LISTING, params={"session_id": "sess", **query})
    assert response.status_code == 200, response.text
    return [run["run_id"] for run in response.json()]


@pytest.fixture
def stub_http() -> Iterator[httpx.Client]:
    deployment = declare_standard(StubDeployment(BASE_URL))
    with deployment.mock(), httpx.Client(base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def reference_http(tmp_path: Path) -> Iterator[TestClient]:
    db = SqliteDb(tmp_path / "reference.sqlite3")
    factory = AgentFactory(id=COMPONENT, db=db, factory=_agent)
    with TestClient(ReferenceOS(agents=[factory], db=db).get_app()) as client:
        yield client
    db.close()


def _agent(ctx: RequestContext) -> Agent:
    return Agent(instructions="list me")


def test_the_stub_pages_oldest_first_and_desc_reverses(stub_http: httpx.Client) -> None:
    ids = _start_runs(stub_http, 5)
    assert _listed(stub_http, limit="2") == ids[:2]
    assert _listed(stub_http, limit="2", page="2") == ids[2:4]
    assert _listed(stub_http, limit="2", page="3") == ids[4:]
    assert _listed(stub_http, limit="2", page="4") == []
    assert _listed(stub_http, limit="2", sort_order="desc") == ids[::-1][:2]
    assert _listed(stub_http) == ids  # the default page holds 20


def test_the_default_page_holds_twenty_runs(stub_http: httpx.Client) -> None:
    ids = _start_runs(stub_http, 21)
    assert _listed(stub_http) == ids[:20]
    assert _listed(stub_http, page="2") == ids[20:]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "many"},
        {"page": "0"},
        {"page": "1.5"},
        {"sort_order": "sideways"},
        {"limit": "0", "page": "0"},
    ],
    ids=lambda query: "&".join(f"{k}={v}" for k, v in query.items()),
)
def test_bad_paging_values_get_the_reference_servers_422(
    query: dict[str, str], stub_http: httpx.Client, reference_http: TestClient
) -> None:
    answers = []
    for client in (stub_http, reference_http):
        _start_runs(client, 1)
        response = client.get(LISTING, params={"session_id": "sess", **query})
        answers.append((response.status_code, response.json()))
    assert answers[0][0] == 422
    assert answers[0] == answers[1]
