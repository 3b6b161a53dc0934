"""Runs with large messages are admitted a few at a time (``http/admission.py``): the rest wait
their turn before their body is even read, in order, and are refused with 503 and Retry-After
when it does not come in time; small runs never wait, and every answer gives its share back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentos_reference import Limits, ReferenceOS, SqliteDb
from agentos_reference.http.admission import LargeRunGate
from agentos_reference.http.problems import ServerBusy

from .conftest import client_for

KIB = 1024
LIMITS = Limits(
    large_message_bytes=8 * KIB, large_messages_in_flight_bytes=64 * KIB, large_run_wait_seconds=0.3
)


async def test_the_gate_admits_within_its_budget_in_order_and_refuses_after_the_wait() -> None:
    gate = LargeRunGate(LIMITS)
    small = await gate.admit(KIB)
    first, second = await gate.admit(40 * KIB), await gate.admit(20 * KIB)
    assert gate.in_flight == 60 * KIB
    order: list[str] = []

    async def wait(name: str, size: int) -> None:
        permit = await gate.admit(size)
        order.append(name)
        permit.release()

    waiting = [
        asyncio.create_task(wait("big", 30 * KIB)),
        asyncio.create_task(wait("small-but-large", 9 * KIB)),
    ]
    await asyncio.sleep(0.05)
    assert order == [], "both wait: the first does not fit, and the second does not jump the queue"
    first.release()
    await asyncio.gather(*waiting)
    assert order == ["big", "small-but-large"]
    with pytest.raises(ServerBusy) as refused:
        await gate.admit(64 * KIB)  # the whole budget, while 20 KiB are still taken
    assert (refused.value.status_code, refused.value.headers) == (503, {"Retry-After": "1"})
    second.release()
    second.release()  # a second release gives nothing back twice
    small.release()
    assert gate.in_flight == 0
    assert not gate._waiting
    huge = await gate.admit(10 * 1024 * KIB)  # larger than the budget: it takes the whole budget
    assert gate.in_flight == 64 * KIB
    huge.release()


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    gate = LargeRunGate(LIMITS)
    held = await gate.admit(64 * KIB)
    waiter = asyncio.create_task(gate.admit(10 * KIB))
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    held.release()
    assert (gate.in_flight, len(gate._waiting)) == (0, 0)


@pytest.mark.parametrize(
    "form", [{"stream": "false"}, {"stream": "true"}, {"background": "true", "stream": "false"}]
)
async def test_every_answer_gives_its_share_back(tmp_path: Path, form: dict[str, str]) -> None:
    db = SqliteDb(tmp_path / "large.sqlite3")
    app = ReferenceOS(db=db, with_probes=True, limits=LIMITS).get_app()
    gate: LargeRunGate = app.state.server.large_runs
    try:
        async with client_for(app) as client:
            for _ in range(3):
                response = await client.post(
                    "/agents/probe-agent-echo/runs", data={"message": "x" * (20 * KIB), **form}
                )
                assert response.status_code in (200, 202), response.text
                await asyncio.gather(*app.state.server.background_tasks)
                assert gate.in_flight == 0
            # Refused before it ran (a 400 from the factory) or on the way: the share comes back too.
            refused = await client.post(
                "/agents/probe-agent-required/runs", data={"message": "x" * (20 * KIB), **form}
            )
            assert refused.status_code == 400
            assert gate.in_flight == 0
    finally:
        db.close()


async def test_a_large_run_is_a_503_when_its_turn_does_not_come_and_a_small_one_still_runs(
    tmp_path: Path,
) -> None:
    db = SqliteDb(tmp_path / "busy.sqlite3")
    app = ReferenceOS(db=db, with_probes=True, limits=LIMITS).get_app()
    gate: LargeRunGate = app.state.server.large_runs
    try:
        held = await gate.admit(64 * KIB)  # as if large runs took the whole budget
        async with client_for(app) as client:
            busy = await client.post(
                "/agents/probe-agent-echo/runs", data={"message": "x" * (20 * KIB), "stream": "false"}
            )
            assert busy.status_code == 503
            assert busy.json() == {"detail": "Too many runs with large messages in flight; retry later"}
            assert busy.headers["retry-after"] == "1"
            small = await client.post(
                "/agents/probe-agent-echo/runs", data={"message": "hi", "stream": "false"}
            )
            assert small.status_code == 200
        held.release()
        assert (await db.count_rows())["runs"] == 1, "the refused run stored nothing"
    finally:
        db.close()
