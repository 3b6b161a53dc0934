"""Run listings are paginated (``limit``, ``page``, ``sort_order``: agno's names for paginated
lists) and bounded whatever a session holds; a listing reads one run per storage job, so a large
listing never holds the storage for a whole session while other requests queue behind it."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from agentos_reference import Agent, AgentFactory, JWTAuth, ReferenceOS, RequestContext, SqliteDb, storage
from agentos_reference.storage import RunRecord

from .conftest import SECRET, bearer, client_for, hs_token

_T = TypeVar("_T")
LIST = "/agents/lister/runs"


@pytest.fixture
def home(tmp_path: Path) -> Iterator[SqliteDb]:
    db = SqliteDb(tmp_path / "home.sqlite3")
    yield db
    db.close()


def lister_app(home: SqliteDb, directory: Path) -> ReferenceOS:
    def build(ctx: RequestContext) -> Agent:
        # Tenants "t-*" store their runs in their own file: a listing merges several databases.
        user = ctx.user_id or ""
        if user.startswith("t-"):
            return Agent(db=SqliteDb(directory / f"{user}.sqlite3"))
        return Agent()

    return ReferenceOS(
        agents=[AgentFactory(id="lister", db=home, factory=build)], db=home, auth=JWTAuth(secret=SECRET)
    )


async def stored(
    db: SqliteDb, count: int, *, session: str = "s", user: str | None = None, size: int = 10
) -> list[str]:
    """``count`` runs written straight into storage, one millisecond apart (faster than via HTTP)."""
    run_ids = []
    start = time.time() - count
    for index in range(count):
        run_id = f"{session}-{index:05d}"
        output = {"run_id": run_id, "input": {"input_content": "x" * size}, "content": "y" * size}
        status = "PAUSED" if index % 3 == 0 else "COMPLETED"
        await db.insert_run(
            RunRecord(run_id, "agent", "lister", session, user, status, output, start + index / 1000)
        )
        run_ids.append(run_id)
    return run_ids


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return [run["run_id"] for run in response.json()]


async def test_a_listing_is_a_bounded_page_and_the_pages_cover_the_session(
    home: SqliteDb, tmp_path: Path
) -> None:
    run_ids = await stored(home, 150)
    async with client_for(lister_app(home, tmp_path).get_app()) as client:
        assert ids(await client.get(LIST, params={"session_id": "s"})) == run_ids[:20]
        assert ids(await client.get(LIST, params={"session_id": "s", "page": 2})) == run_ids[20:40]
        assert ids(await client.get(LIST, params={"session_id": "s", "limit": 100})) == run_ids[:100]
        assert (
            ids(await client.get(LIST, params={"session_id": "s", "limit": 100, "page": 2})) == run_ids[100:]
        )
        assert ids(await client.get(LIST, params={"session_id": "s", "page": 9})) == []
        newest = await client.get(LIST, params={"session_id": "s", "sort_order": "desc", "limit": 3})
        assert ids(newest) == run_ids[::-1][:3]
        paged: list[str] = []
        for page in range(1, 100):
            chunk = ids(await client.get(LIST, params={"session_id": "s", "limit": 7, "page": page}))
            paged += chunk
            if len(chunk) < 7:
                break
        assert paged == run_ids
        paused = ids(await client.get(LIST, params={"session_id": "s", "status": "PAUSED", "limit": 100}))
        assert paused == [run_id for index, run_id in enumerate(run_ids) if index % 3 == 0]
        listed = (await client.get(LIST, params={"session_id": "s", "limit": 1})).json()[0]
        assert listed["run_input"] == "x" * 10  # the listing shape is unchanged


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"page": 0}, "page"),
        ({"page": 10**12}, "page"),
        ({"sort_order": "sideways"}, "sort_order"),
    ],
)
async def test_bad_paging_is_a_422_in_fastapis_shape(
    home: SqliteDb, tmp_path: Path, params: dict[str, Any], location: str
) -> None:
    async with client_for(lister_app(home, tmp_path).get_app()) as client:
        response = await client.get(LIST, params={"session_id": "s", **params})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", location]


async def test_pages_merge_every_database_in_order_and_show_only_the_callers_runs(
    home: SqliteDb, tmp_path: Path
) -> None:
    users = ("t-a", "t-b", "home-user")
    app = lister_app(home, tmp_path).get_app()
    # The tenants' files are closed at the end, as the app's shutdown would: their writer threads
    # must not outlive the test (test_factory_databases counts threads).
    try:
        async with client_for(app) as client:
            # Callers without a token: the form's user_id picks the database (ctx.user_id), but these
            # runs are all owned by no verified user, so one listing spans the three databases.
            anonymous_runs: list[str] = []
            for index in range(30):
                response = await client.post(
                    "/agents/lister/runs",
                    data={"message": f"a{index}", "stream": "false", "user_id": users[index % 3]},
                )
                anonymous_runs.append(response.json()["run_id"])
            made: dict[str, list[str]] = {user: [] for user in users}
            for index in range(30):
                user = users[index % 3]
                response = await client.post(
                    "/agents/lister/runs",
                    data={"message": f"m{index}", "stream": "false"},
                    headers=bearer(hs_token(sub=user)),
                )
                made[user].append(response.json()["run_id"])
            anonymous: list[str] = []
            for page in (1, 2, 3, 4, 5):
                anonymous += ids(await client.get(LIST, params={"limit": 8, "page": page}))
            assert anonymous == anonymous_runs, "three databases, one order, nothing twice, no user's run"
            for user, runs in made.items():
                token = bearer(hs_token(sub=user))
                mine = await client.get(LIST, params={"limit": 4, "page": 2}, headers=token)
                assert ids(mine) == runs[4:8], "a page holds only the caller's runs, with no holes"
                every = await client.get(LIST, params={"limit": 100}, headers=token)
                assert ids(every) == runs, "a verified user lists none of the anonymous runs"
    finally:
        app.state.server.databases.close()


async def test_a_large_listing_reads_one_run_per_storage_job(
    home: SqliteDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_ids = await stored(home, 12, size=1024 * 1024)  # 12 runs of 2 MiB each
    per_job: list[int] = []
    decoded = 0
    original_record = storage._record
    original_transaction = SqliteDb._transaction

    def counting_record(row: tuple[Any, ...]) -> RunRecord:
        nonlocal decoded
        decoded += 1
        return original_record(row)

    def counting_transaction(self: SqliteDb, work: Callable[[sqlite3.Connection], _T]) -> _T:
        nonlocal decoded
        decoded = 0
        try:
            return original_transaction(self, work)
        finally:
            per_job.append(decoded)

    monkeypatch.setattr(storage, "_record", counting_record)
    monkeypatch.setattr(SqliteDb, "_transaction", counting_transaction)
    async with client_for(lister_app(home, tmp_path).get_app()) as client:
        response = await client.get(LIST, params={"session_id": "s", "limit": 100})
    assert ids(response) == run_ids
    assert len(response.content) > 24 * 1024 * 1024
    assert sum(per_job) == 12
    assert max(per_job) == 1, f"runs decoded per storage job: {per_job}"
    assert json.loads(response.content)[0]["run_input"] == "x" * 1024 * 1024
