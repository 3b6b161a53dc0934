"""Tenant isolation over HTTP: who may read, list, continue and cancel a run, and whose session it joins.

The rules (README, "Tenant isolation"): a run belongs to its *owner*, the verified user that
started it, or to nobody (anonymous) when no verified user did. A caller sees only runs of its own
owner; everything else answers exactly as an unknown id would, and is left as it was. The form
``user_id`` (which a caller without a verified user may set, clause C19) is what the factory sees,
never who owns the run.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb
from agentos_reference.storage import ComponentType

from .conftest import SECRET, bearer, client_for, echo_of, hs_token, ledger, sse_events, trace_header
from .test_lifecycle import decisions

KINDS: list[ComponentType] = ["agent", "team", "workflow"]
DAY = 86_400  # module-level tokens must outlive the whole test session
ALICE = bearer(hs_token(sub="alice", lifetime=DAY))
BOB = bearer(hs_token(sub="bob", lifetime=DAY))
NO_SUB = bearer(hs_token(lifetime=DAY))
EMPTY_SUB = bearer(hs_token(sub="", lifetime=DAY))
ANONYMOUS: dict[str, str] = {}
# Every caller that is not alice, on a server where a token is optional.
INTRUDERS = {"bob": BOB, "token without sub": NO_SUB, "token with sub ''": EMPTY_SUB, "no token": ANONYMOUS}


@pytest.fixture
async def strict(db: SqliteDb) -> AsyncIterator[httpx.AsyncClient]:
    """The probes behind ``--require-auth``."""
    app = ReferenceOS(db=db, with_probes=True, auth=JWTAuth(secret=SECRET, required=True)).get_app()
    async with client_for(app) as c:
        yield c


async def start(
    client: httpx.AsyncClient, kind: str, probe: str, headers: dict[str, str], **form: str
) -> dict[str, Any]:
    response = await client.post(
        f"/{kind}s/probe-{kind}-{probe}/runs",
        data={"message": "mine", "stream": "false", **form},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    output: dict[str, Any] = response.json()
    return output


async def read(
    client: httpx.AsyncClient, kind: str, probe: str, run_id: str, headers: dict[str, str]
) -> httpx.Response:
    return await client.get(f"/{kind}s/probe-{kind}-{probe}/runs/{run_id}", headers=headers)


async def owner_view(client: httpx.AsyncClient, kind: str, probe: str, run_id: str) -> dict[str, Any]:
    response = await read(client, kind, probe, run_id, ALICE)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def answer(response: httpx.Response, run_id: str | None = None) -> tuple[int, Any]:
    """Status and body, with ``run_id`` replaced by a placeholder (unknown-id bodies name the id)."""
    text = response.text if run_id is None else response.text.replace(run_id, "<run>")
    return response.status_code, json.loads(text)


async def continue_as(
    client: httpx.AsyncClient,
    kind: str,
    paused: dict[str, Any],
    headers: dict[str, str],
    *,
    run_id: str | None = None,
    stream: bool = False,
    **form: str,
) -> httpx.Response:
    data = {
        "stream": str(stream).lower(),
        "session_id": paused["session_id"],
        **decisions(kind, paused),
        **form,
    }
    return await client.post(
        f"/{kind}s/probe-{kind}-pause/runs/{run_id or paused['run_id']}/continue", data=data, headers=headers
    )


# --- rules 1 and 2: another caller cannot reach a verified user's run, nor tell it exists ----------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("intruder", list(INTRUDERS))
async def test_another_caller_reads_and_lists_alices_runs_as_unknown_ids(
    client: httpx.AsyncClient, kind: str, intruder: str
) -> None:
    headers = INTRUDERS[intruder]
    done = await start(client, kind, "echo", ALICE, session_id="alice-s")
    run_id = done["run_id"]
    before = await owner_view(client, kind, "echo", run_id)
    path = f"/{kind}s/probe-{kind}-echo/runs"
    for params in ({}, {"session_id": "alice-s"}):
        seen = await client.get(f"{path}/{run_id}", params=params, headers=headers)
        unknown = await client.get(f"{path}/no-such-run", params=params, headers=headers)
        assert answer(seen) == answer(unknown) == (404, {"detail": "Run not found"})
    listed = await client.get(path, params={"session_id": "alice-s"}, headers=headers)
    missing = await client.get(path, params={"session_id": "no-such-session"}, headers=headers)
    assert answer(listed) == answer(missing) == (404, {"detail": "Session not found"})
    everything = await client.get(path, headers=headers)
    assert everything.status_code == 200
    assert run_id not in [run["run_id"] for run in everything.json()]
    assert await owner_view(client, kind, "echo", run_id) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("intruder", list(INTRUDERS))
@pytest.mark.parametrize("stream", [False, True])
async def test_another_caller_continues_alices_paused_run_as_an_unknown_id_and_changes_nothing(
    client: httpx.AsyncClient, kind: str, intruder: str, stream: bool
) -> None:
    headers = INTRUDERS[intruder]
    paused = await start(client, kind, "pause", ALICE)
    before = await owner_view(client, kind, "pause", paused["run_id"])
    # The form user_id is what a caller without a verified user may set: it grants nothing.
    tried = await continue_as(client, kind, paused, headers, stream=stream, user_id="alice")
    unknown = await continue_as(
        client, kind, paused, headers, run_id="no-such-run", stream=stream, user_id="alice"
    )
    assert answer(tried, paused["run_id"]) == answer(unknown, "no-such-run")
    assert tried.status_code == 404
    assert await owner_view(client, kind, "pause", paused["run_id"]) == before
    resumed = await continue_as(client, kind, paused, ALICE)
    assert (resumed.status_code, resumed.json()["status"], resumed.json()["user_id"]) == (
        200,
        "COMPLETED",
        "alice",
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("intruder", list(INTRUDERS))
async def test_another_callers_cancel_answers_as_for_an_unknown_id_and_the_run_stays_paused(
    client: httpx.AsyncClient, db: SqliteDb, kind: ComponentType, intruder: str
) -> None:
    headers = INTRUDERS[intruder]
    paused = await start(client, kind, "pause", ALICE)
    before = await owner_view(client, kind, "pause", paused["run_id"])
    path = f"/{kind}s/probe-{kind}-pause/runs"
    tried = await client.post(f"{path}/{paused['run_id']}/cancel", headers=headers)
    unknown = await client.post(f"{path}/no-such-run/cancel", headers=headers)
    assert answer(tried) == answer(unknown) == (200, {})
    assert await owner_view(client, kind, "pause", paused["run_id"]) == before
    assert not await db.cancel_requested(paused["run_id"]), "no cancel intent is left on alice's run"
    resumed = await continue_as(client, kind, paused, ALICE)
    assert (resumed.status_code, resumed.json()["status"]) == (200, "COMPLETED")


@pytest.mark.parametrize("kind", KINDS)
async def test_the_owner_still_cancels_her_own_run(client: httpx.AsyncClient, kind: str) -> None:
    paused = await start(client, kind, "pause", ALICE)
    assert (
        await client.post(f"/{kind}s/probe-{kind}-pause/runs/{paused['run_id']}/cancel", headers=ALICE)
    ).json() == {}
    assert (await owner_view(client, kind, "pause", paused["run_id"]))["status"] == "CANCELLED"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_background_run_is_its_owners_alone(client: httpx.AsyncClient, kind: str) -> None:
    accepted = await client.post(
        f"/{kind}s/probe-{kind}-echo/runs",
        data={"message": "later", "stream": "false", "background": "true"},
        headers=ALICE,
    )
    assert accepted.status_code == 202
    run_id = accepted.json()["run_id"]
    for _ in range(200):
        mine = await read(client, kind, "echo", run_id, ALICE)
        if mine.json()["status"] != "RUNNING":
            break
        await asyncio.sleep(0.01)
    assert mine.json()["status"] == "COMPLETED"
    for headers in INTRUDERS.values():
        assert answer(await read(client, kind, "echo", run_id, headers)) == (404, {"detail": "Run not found"})


async def test_anonymous_callers_share_the_anonymous_runs_and_verified_users_do_not_see_them(
    client: httpx.AsyncClient,
) -> None:
    anonymous = await start(client, "agent", "echo", ANONYMOUS, session_id="open-s", user_id="someone")
    for headers in (ANONYMOUS, NO_SUB, EMPTY_SUB):
        assert (await read(client, "agent", "echo", anonymous["run_id"], headers)).status_code == 200
    for headers in (ALICE, BOB, bearer(hs_token(sub="someone", lifetime=DAY))):
        assert (await read(client, "agent", "echo", anonymous["run_id"], headers)).status_code == 404


async def test_a_form_user_id_never_grants_the_named_users_runs(client: httpx.AsyncClient) -> None:
    """Clause C19 lets a caller without a verified user set ctx.user_id; ownership stays anonymous."""
    alices = await start(client, "agent", "echo", ALICE, session_id="s")
    posing = await start(client, "agent", "echo", NO_SUB, session_id="s", user_id="alice")
    assert echo_of(posing)["ctx"]["user_id"] == "alice", "the factory sees the form value (C19)"
    listed = await client.get("/agents/probe-agent-echo/runs", params={"session_id": "s"}, headers=NO_SUB)
    assert [run["run_id"] for run in listed.json()] == [posing["run_id"]]
    listed = await client.get("/agents/probe-agent-echo/runs", params={"session_id": "s"}, headers=ALICE)
    assert [run["run_id"] for run in listed.json()] == [alices["run_id"]]


# --- rule 2 under --require-auth: a token without a user is 401 -----------------------------------


@pytest.mark.parametrize(
    "token",
    [
        hs_token(lifetime=DAY),
        hs_token(sub="", lifetime=DAY),
        hs_token(session_id="s", scopes=["a"], lifetime=DAY),
    ],
)
async def test_require_auth_refuses_a_token_without_a_user(strict: httpx.AsyncClient, token: str) -> None:
    requests = [
        strict.post(
            "/agents/probe-agent-echo/runs", data={"message": "m", "stream": "false"}, headers=bearer(token)
        ),
        strict.get("/agents/probe-agent-echo/runs/r", headers=bearer(token)),
        strict.get("/agents/probe-agent-echo/runs", headers=bearer(token)),
        strict.post("/agents/probe-agent-echo/runs/r/cancel", headers=bearer(token)),
        strict.post("/workflows/probe-workflow-pause/runs/r/continue", data={}, headers=bearer(token)),
        strict.get("/agents", headers=bearer(token)),
    ]
    for response in await asyncio.gather(*requests):
        assert response.status_code == 401
        assert response.json() == {"detail": "Token has no user identity: claim 'sub' is missing or empty"}
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert (await strict.get("/health")).status_code == 200
    assert (await strict.get("/agents", headers=ALICE)).status_code == 200


async def test_require_auth_isolates_verified_users(strict: httpx.AsyncClient) -> None:
    paused = await start(strict, "agent", "pause", ALICE)
    assert (await read(strict, "agent", "pause", paused["run_id"], BOB)).status_code == 404
    assert (await continue_as(strict, "agent", paused, BOB)).status_code == 404
    assert (await owner_view(strict, "agent", "pause", paused["run_id"]))["status"] == "PAUSED"


# --- rule 3: a continue never changes who a run belongs to, nor its stored identity ----------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", [ANONYMOUS, NO_SUB])
async def test_a_continue_keeps_the_runs_stored_user_id(
    client: httpx.AsyncClient, db: SqliteDb, kind: ComponentType, caller: dict[str, str]
) -> None:
    paused = await start(client, kind, "pause", ANONYMOUS, user_id="first-user")
    assert paused["user_id"] == "first-user"
    trace, traced = trace_header()
    resumed = await continue_as(client, kind, paused, {**caller, **traced}, user_id="second-user")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["user_id"] == "first-user"
    assert echo_of(resumed.json())["ctx"]["user_id"] == "second-user", (
        "the factory sees the continue's caller"
    )
    record = await db.get_run(kind, f"probe-{kind}-pause", paused["run_id"])
    assert record is not None
    assert (record.user_id, record.output["user_id"], record.owner) == ("first-user", "first-user", None)
    assert len(await ledger(client, trace)) == 1


async def test_a_streamed_continue_keeps_the_runs_stored_user_id(
    client: httpx.AsyncClient, db: SqliteDb
) -> None:
    paused = await start(client, "workflow", "pause", ANONYMOUS, user_id="first-user")
    resumed = await continue_as(client, "workflow", paused, ANONYMOUS, stream=True, user_id="second-user")
    assert sse_events(resumed.text)[-1][0] == "WorkflowCompleted"
    record = await db.get_run("workflow", "probe-workflow-pause", paused["run_id"])
    assert record is not None
    assert (record.status, record.user_id, record.output["user_id"]) == (
        "COMPLETED",
        "first-user",
        "first-user",
    )


# --- rule 4: sessions are per owner ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("intruder", list(INTRUDERS))
@pytest.mark.parametrize("stream", [False, True])
async def test_a_run_posted_into_alices_session_id_lands_in_a_session_of_its_own(
    client: httpx.AsyncClient, kind: str, intruder: str, stream: bool
) -> None:
    headers = INTRUDERS[intruder]
    alices = await start(client, kind, "echo", ALICE, session_id="shared-name")
    path = f"/{kind}s/probe-{kind}-echo/runs"
    before = await client.get(path, params={"session_id": "shared-name"}, headers=ALICE)
    posted = await client.post(
        path,
        data={
            "message": "intruding",
            "stream": str(stream).lower(),
            "session_id": "shared-name",
            "user_id": "alice",
        },
        headers=headers,
    )
    assert posted.status_code == 200, posted.text
    after = await client.get(path, params={"session_id": "shared-name"}, headers=ALICE)
    assert after.json() == before.json()
    assert [run["run_id"] for run in after.json()] == [alices["run_id"]]
    theirs = await client.get(path, params={"session_id": "shared-name"}, headers=headers)
    assert theirs.status_code == 200
    assert alices["run_id"] not in [run["run_id"] for run in theirs.json()]
    assert len(theirs.json()) == 1


# --- rule 5: concurrent requests each see only their own RequestContext --------------------------------


async def test_interleaved_requests_each_see_only_their_own_context(client: httpx.AsyncClient) -> None:
    rng = random.Random(11)
    callers = [
        ("alice", ALICE),
        ("bob", BOB),
        ("carol", bearer(hs_token(sub="carol", scopes=["c"], lifetime=DAY))),
        (None, ANONYMOUS),
    ]
    plan = [
        (kind, stream, callers[index % len(callers)], index)
        for index, (kind, stream) in enumerate((k, s) for k in KINDS for s in (False, True) for _ in range(6))
    ]
    rng.shuffle(plan)
    assert len(plan) == 36

    async def one(kind: str, stream: bool, caller: tuple[str | None, dict[str, str]], index: int) -> None:
        user, headers = caller
        form = {
            "message": f"message-{index}",
            "stream": str(stream).lower(),
            "session_id": f"session-{index}",
            "factory_input": json.dumps({"tenant": f"tenant-{index}", "depth": index}),
        }
        if user is None:
            form["user_id"] = f"form-user-{index}"
        response = await client.post(f"/{kind}s/probe-{kind}-required/runs", data=form, headers=headers)
        assert response.status_code == 200, response.text
        output = sse_events(response.text)[-1][1] if stream else response.json()
        echo = echo_of(output)
        assert echo["message"] == f"message-{index}"
        assert echo["ctx"]["input"] == {"tenant": f"tenant-{index}", "depth": index}
        assert echo["ctx"]["session_id"] == f"session-{index}"
        assert echo["ctx"]["user_id"] == (user or f"form-user-{index}")
        assert echo["ctx"]["claims"].get("sub") == user

    await asyncio.gather(*(one(*entry) for entry in plan))
