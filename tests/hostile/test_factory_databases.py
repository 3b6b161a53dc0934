"""Databases that factories hand out per request are shared by file and bounded: threads and file
descriptors stay flat over 10,000 per-tenant requests, and many tenant files hold at most
``Limits.max_factory_databases`` open at once; runs stay readable through the routes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentos_reference import Agent, AgentFactory, Limits, ReferenceOS, RequestContext, SqliteDb
from agentos_reference.http.databases import DatabasePool, file_key

from .conftest import client_for

FORM = {"message": "m", "stream": "false"}


def descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def resources() -> tuple[int, int]:
    return threading.active_count(), descriptors()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[SqliteDb]:
    db = SqliteDb(tmp_path / "home.sqlite3")
    yield db
    db.close()


def tenant_app(home: SqliteDb, directory: Path, *, limits: Limits | None = None) -> ReferenceOS:
    def build(ctx: RequestContext) -> Agent:
        # A new SqliteDb on every request, one file per tenant: the pattern that leaked.
        tenant = ctx.user_id or "anonymous"
        if tenant == "home":  # the registered file, spelled another way
            return Agent(db=SqliteDb(directory / "." / "home.sqlite3"))
        return Agent(db=SqliteDb(directory / f"tenant-{tenant}.sqlite3"))

    return ReferenceOS(
        agents=[AgentFactory(id="tenant-agent", db=home, factory=build)], db=home, limits=limits
    )


async def run_as(client: httpx.AsyncClient, user: str) -> str:
    response = await client.post("/agents/tenant-agent/runs", data={**FORM, "user_id": user})
    assert response.status_code == 200, response.text
    run_id: str = response.json()["run_id"]
    return run_id


async def test_threads_and_descriptors_stay_flat_over_10000_per_tenant_requests(
    home: SqliteDb, tmp_path: Path
) -> None:
    tenants = ["acme", "globex", "initech", "umbrella", "home"]
    async with client_for(tenant_app(home, tmp_path).get_app()) as client:
        for index in range(100):  # every tenant's file opened once before measuring
            await run_as(client, tenants[index % len(tenants)])
        baseline = resources()
        for index in range(10_000):
            await run_as(client, tenants[index % len(tenants)])
            if index % 500 == 499:
                threads, fds = resources()
                # Fail fast: a leak of one thread per request is obvious after 500 of them.
                assert threads <= baseline[0], (index, baseline, threads)
                assert fds <= baseline[1] + 2, (index, baseline, fds)
        assert resources()[0] == baseline[0]
        # Every run is stored once, in its tenant's file, and readable through the routes.
        run_id = await run_as(client, "acme")
        read = await client.get(f"/agents/tenant-agent/runs/{run_id}")
        assert read.status_code == 200, read.text
    assert (await home.count_rows())["runs"] == 10_100 // len(tenants)  # the "home" tenant's share
    acme = SqliteDb(tmp_path / "tenant-acme.sqlite3")
    try:
        assert (await acme.count_rows())["runs"] == 10_100 // len(tenants) + 1
    finally:
        acme.close()


async def test_many_tenant_files_keep_at_most_the_limit_open(home: SqliteDb, tmp_path: Path) -> None:
    limit = 8
    app = tenant_app(home, tmp_path, limits=Limits(max_factory_databases=limit)).get_app()
    async with client_for(app) as client:
        await run_as(client, "warm-up")
        baseline = resources()
        runs = {}
        for index in range(200):
            runs[f"t{index}"] = await run_as(client, f"t{index}")
        threads, fds = resources()
        # At most `limit` tenant files open: a writer thread and up to 3 descriptors (db, -wal, -shm) each.
        assert threads <= baseline[0] + limit
        assert fds <= baseline[1] + 3 * limit
        # The most recent tenants' runs are read back without asking the factory.
        for user in ("t199", "t195"):
            read = await client.get(f"/agents/tenant-agent/runs/{runs[user]}")
            assert (read.status_code, read.json()["user_id"]) == (200, user)
        # An older tenant's file was closed; its next request opens it again, and its runs read back.
        await run_as(client, "t3")
        read = await client.get(f"/agents/tenant-agent/runs/{runs['t3']}")
        assert read.status_code == 200, read.text


def test_the_pool_keeps_one_database_per_file(tmp_path: Path) -> None:
    registered = SqliteDb(tmp_path / "registered.sqlite3")
    pool = DatabasePool([registered], max_extra=2)
    try:
        assert pool.adopt(SqliteDb(tmp_path / "sub" / ".." / "registered.sqlite3")) is registered
        first = SqliteDb(tmp_path / "a.sqlite3")
        assert pool.adopt(first) is first
        assert pool.adopt(SqliteDb(tmp_path / "a.sqlite3")) is first
        (tmp_path / "link.sqlite3").symlink_to(tmp_path / "a.sqlite3")
        assert pool.adopt(SqliteDb(tmp_path / "link.sqlite3")) is first
        memory_a, memory_b = SqliteDb(":memory:"), SqliteDb(":memory:")
        assert file_key(memory_a) != file_key(memory_b)
        for index in range(10_000):  # bounded whatever is thrown at it
            pool.adopt(SqliteDb(tmp_path / f"many-{index % 50}.sqlite3"))
        assert len(pool.searched(registered)) == 1 + 2
    finally:
        pool.close()
