"""Tenant isolation in the stub, under both profiles: the reference server's rules, agno's answers.

A run belongs to the verified user that started it, or to nobody. Another owner's run answers
exactly as an unknown id does on that route and is left as it was; a session started by one owner
is not listable or writable by another (``spec``: the intruder gets a session of its own under that
name; ``agno``: 404 ``Session not found`` after the factory ran, as agno 3.1.10 answers).
``require_user=True`` refuses a verified caller without a user (``spec``: 401; ``agno``: 403, the
answers of agno with ``user_isolation=True``, docs/agno-isolation-measured.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from agentos_stubs import Profile, StubContext, StubDeployment, VerifiedIdentity

from .conftest import BASE_URL, KINDS, ctx_of, declare_standard, run_path, sse_frames

PROFILES: list[Profile] = ["spec", "agno"]
FIELDS = {"agent": "tools", "team": "requirements", "workflow": "step_requirements"}
TOKENS = {
    "alice": VerifiedIdentity(user_id="alice", scopes={"agents:run", "teams:run", "workflows:run"}),
    "bob": VerifiedIdentity(user_id="bob"),
    "no-sub": VerifiedIdentity(session_id="token-session"),
}
INTRUDERS = ["bob", "no-sub"]
USERLESS_401 = {"detail": "Token has no user identity: claim 'sub' is missing or empty"}
MISSING_USER_403 = {"detail": "Authenticated request is missing a user identity"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=PROFILES)
def deployment(request: pytest.FixtureRequest) -> StubDeployment:
    profile: Profile = request.param
    return declare_standard(StubDeployment(BASE_URL, tokens=TOKENS, profile=profile))


@pytest.fixture
def http(deployment: StubDeployment) -> Iterator[httpx.Client]:
    with deployment.mock(), httpx.Client(base_url=BASE_URL) as client:
        yield client


def start(http: httpx.Client, kind: str, component: str, token: str, **form: str) -> dict[str, Any]:
    response = http.post(
        run_path(kind, component), data={"message": "mine", "stream": "false", **form}, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def decided(kind: str, paused: dict[str, Any]) -> dict[str, str]:
    items = paused[FIELDS[kind]]
    if kind == "team":
        items = [{**i, "tool_execution": {**i["tool_execution"], "confirmed": True}} for i in items]
    else:
        items = [{**item, "confirmed": True} for item in items]
    return {FIELDS[kind]: json.dumps(items), "session_id": paused["session_id"]}


def resume(
    http: httpx.Client, kind: str, paused: dict[str, Any], token: str, run_id: str | None = None, **form: str
) -> httpx.Response:
    return http.post(
        f"{run_path(kind, f'{kind}-pause')}/{run_id or paused['run_id']}/continue",
        data={"stream": "false", **decided(kind, paused), **form},
        headers=auth(token),
    )


def owner_read(http: httpx.Client, kind: str, component: str, run: dict[str, Any]) -> dict[str, Any]:
    response = http.get(
        f"{run_path(kind, component)}/{run['run_id']}",
        params={"session_id": run["session_id"]},
        headers=auth("alice"),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def answer(response: httpx.Response, run_id: str | None = None) -> tuple[int, Any]:
    text = response.text if run_id is None else response.text.replace(run_id, "<run>")
    return response.status_code, json.loads(text)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("intruder", INTRUDERS)
def test_another_caller_reads_and_lists_alices_runs_as_unknown_ids(
    http: httpx.Client, kind: str, intruder: str
) -> None:
    run = start(http, kind, f"{kind}-plain", "alice", session_id="alice-s")
    before = owner_read(http, kind, f"{kind}-plain", run)
    path = run_path(kind, f"{kind}-plain")
    seen = http.get(f"{path}/{run['run_id']}", params={"session_id": "alice-s"}, headers=auth(intruder))
    unknown = http.get(f"{path}/no-such-run", params={"session_id": "alice-s"}, headers=auth(intruder))
    assert answer(seen) == answer(unknown) == (404, {"detail": "Run not found"})
    listed = http.get(path, params={"session_id": "alice-s"}, headers=auth(intruder))
    missing = http.get(path, params={"session_id": "no-such-session"}, headers=auth(intruder))
    assert answer(listed) == answer(missing) == (404, {"detail": "Session not found"})
    assert owner_read(http, kind, f"{kind}-plain", run) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("intruder", INTRUDERS)
def test_another_caller_continues_and_cancels_alices_run_as_unknown_ids_and_changes_nothing(
    deployment: StubDeployment, http: httpx.Client, kind: str, intruder: str
) -> None:
    paused = start(http, kind, f"{kind}-pause", "alice", session_id="alice-s")
    before = owner_read(http, kind, f"{kind}-pause", paused)
    tried = resume(http, kind, paused, intruder, user_id="alice")
    unknown = resume(http, kind, paused, intruder, run_id="no-such-run", user_id="alice")
    assert answer(tried, paused["run_id"]) == answer(unknown, "no-such-run")
    assert tried.status_code == 404
    # The factory ran for the intruder as for any id, and never saw alice's run.
    assert [i.message for i in deployment.invocations_of(f"{kind}-pause")][-2:] == ["", ""]
    path = f"{run_path(kind, f'{kind}-pause')}"
    cancel = http.post(f"{path}/{paused['run_id']}/cancel", headers=auth(intruder))
    cancel_unknown = http.post(f"{path}/no-such-run/cancel", headers=auth(intruder))
    assert answer(cancel) == answer(cancel_unknown) == (200, {})
    assert owner_read(http, kind, f"{kind}-pause", paused) == before
    done = resume(http, kind, paused, "alice")
    assert (done.status_code, done.json()["status"], done.json()["user_id"]) == (200, "COMPLETED", "alice")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", [False, True])
def test_a_run_posted_into_alices_session_id_never_joins_her_session(
    deployment: StubDeployment, http: httpx.Client, kind: str, stream: bool
) -> None:
    alices = start(http, kind, f"{kind}-plain", "alice", session_id="shared")
    path = run_path(kind, f"{kind}-plain")
    posted = http.post(
        path,
        data={
            "message": "intruding",
            "stream": str(stream).lower(),
            "session_id": "shared",
            "user_id": "alice",
        },
        headers=auth("bob"),
    )
    if deployment.profile == "agno":
        # agno 3.1.10 refuses it once the factory has run (measured with and without user_isolation).
        assert answer(posted) == (404, {"detail": "Session not found"})
        assert deployment.invocations_of(f"{kind}-plain")[-1].message == "intruding"
        assert http.get(path, params={"session_id": "shared"}, headers=auth("bob")).status_code == 404
    else:
        assert posted.status_code == 200
        bobs = http.get(path, params={"session_id": "shared"}, headers=auth("bob")).json()
        assert [run["user_id"] for run in bobs] == ["bob"]
    listed = http.get(path, params={"session_id": "shared"}, headers=auth("alice")).json()
    assert [run["run_id"] for run in listed] == [alices["run_id"]]


def test_an_anonymous_deployment_shares_its_runs(http: httpx.Client, deployment: StubDeployment) -> None:
    deployment.identity = None
    run = http.post(
        run_path("agent", "agent-plain"), data={"message": "m", "stream": "false", "session_id": "s"}
    )
    read = http.get(f"{run_path('agent', 'agent-plain')}/{run.json()['run_id']}", params={"session_id": "s"})
    assert read.status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_continue_keeps_the_runs_stored_user_id(
    http: httpx.Client, deployment: StubDeployment, kind: str
) -> None:
    deployment.identity = None
    paused = http.post(
        run_path(kind, f"{kind}-pause"), data={"message": "m", "stream": "false", "user_id": "first-user"}
    ).json()
    done = http.post(
        f"{run_path(kind, f'{kind}-pause')}/{paused['run_id']}/continue",
        data={"stream": "false", "user_id": "second-user", **decided(kind, paused)},
    )
    assert done.json()["user_id"] == "first-user"
    assert json.loads(done.json()["content"])["user_id"] == "second-user", (
        "the factory sees the continue's caller"
    )
    read = http.get(
        f"{run_path(kind, f'{kind}-pause')}/{paused['run_id']}", params={"session_id": paused["session_id"]}
    )
    assert read.json()["user_id"] == "first-user"


# --- require_user -------------------------------------------------------------------------------


def test_require_user_refuses_a_token_without_a_user(deployment: StubDeployment, http: httpx.Client) -> None:
    deployment.require_user = True
    run = http.post(
        run_path("agent", "agent-plain"), data={"message": "m", "stream": "false"}, headers=auth("no-sub")
    )
    continued = http.post(f"{run_path('agent', 'agent-pause')}/r/continue", data={}, headers=auth("no-sub"))
    cancelled = http.post(f"{run_path('agent', 'agent-pause')}/r/cancel", headers=auth("no-sub"))
    read = http.get(
        f"{run_path('agent', 'agent-plain')}/r", params={"session_id": "s"}, headers=auth("no-sub")
    )
    listed = http.get(run_path("agent", "agent-plain"), params={"session_id": "s"}, headers=auth("no-sub"))
    unknown_component = http.get(
        f"{run_path('agent', 'no-such-agent')}/r", params={"session_id": "s"}, headers=auth("no-sub")
    )
    no_session = http.get(f"{run_path('agent', 'agent-plain')}/r", headers=auth("no-sub"))
    discovery = http.get("/agents", headers=auth("no-sub"))
    refusals = [run, continued, cancelled, read, listed, unknown_component]
    if deployment.profile == "spec":
        for response in [*refusals, no_session, discovery]:
            assert answer(response) == (401, USERLESS_401)
    else:
        for response in refusals:
            assert answer(response) == (403, MISSING_USER_403)
        assert no_session.status_code == 422, "request validation comes first"
        assert discovery.status_code == 200
    assert deployment.invocations == [], "no factory ran for the refused caller"
    assert start(http, "agent", "agent-plain", "alice")["user_id"] == "alice"


def test_without_require_user_a_token_without_a_user_is_an_anonymous_caller(
    deployment: StubDeployment, http: httpx.Client
) -> None:
    mine = start(http, "agent", "agent-plain", "no-sub", user_id="alice")
    assert mine["user_id"] == "alice", "the form user_id fills ctx.user_id (C19)"
    again = http.get(
        f"{run_path('agent', 'agent-plain')}/{mine['run_id']}",
        params={"session_id": mine["session_id"]},
        headers=auth("no-sub"),
    )
    assert again.status_code == 200
    alices = http.get(
        f"{run_path('agent', 'agent-plain')}/{mine['run_id']}",
        params={"session_id": mine["session_id"]},
        headers=auth("alice"),
    )
    assert alices.status_code == 404, "a form user_id never makes the run the named user's"


@pytest.mark.parametrize("kind", KINDS)
def test_agno_with_user_isolation_answers_continue_and_cancel_as_measured(kind: str) -> None:
    deployment = declare_standard(StubDeployment(BASE_URL, tokens=TOKENS, profile="agno", require_user=True))
    with deployment.mock(), httpx.Client(base_url=BASE_URL) as http:
        paused = start(http, kind, f"{kind}-pause", "alice", session_id="alice-s")
        path = run_path(kind, f"{kind}-pause")
        assert answer(resume(http, kind, paused, "bob")) == (404, {"detail": "Run not found"})
        assert answer(resume(http, kind, paused, "bob", run_id="no-such-run")) == (
            404,
            {"detail": "Run not found"},
        )
        for token in ("bob", "alice"):
            no_session = http.post(f"{path}/{paused['run_id']}/cancel", headers=auth(token))
            assert answer(no_session) == (400, {"detail": "session_id is required for this action"})
        for token, session in (("bob", "alice-s"), ("alice", "another-session")):
            refused = http.post(
                f"{path}/{paused['run_id']}/cancel", params={"session_id": session}, headers=auth(token)
            )
            assert answer(refused) == (404, {"detail": "Run not found"})
        assert owner_read(http, kind, f"{kind}-pause", paused)["status"] == "PAUSED"
        own = http.post(
            f"{path}/{paused['run_id']}/cancel", params={"session_id": "alice-s"}, headers=auth("alice")
        )
        assert answer(own) == (200, {})
        done = resume(http, kind, paused, "alice")
        assert done.status_code == 409 or done.json()["status"] == "CANCELLED", "her own cancel took effect"


# --- concurrency and frozen claims ---------------------------------------------------------------


def test_interleaved_requests_each_see_only_their_own_context(deployment: StubDeployment) -> None:
    tokens = {
        f"user-{n}": VerifiedIdentity(user_id=f"user-{n}", claims={"sub": f"user-{n}", "n": n})
        for n in range(4)
    }
    deployment.tokens = tokens
    plan = [
        (kind, stream, index)
        for index, (kind, stream) in enumerate((k, s) for k in KINDS for s in (False, True) for _ in range(6))
    ]
    assert len(plan) == 36

    def one(entry: tuple[str, bool, int]) -> None:
        kind, stream, index = entry
        token = f"user-{index % 4}"
        response = client.post(
            run_path(kind, f"{kind}-required"),
            data={
                "message": f"message-{index}",
                "stream": str(stream).lower(),
                "session_id": f"session-{index}",
                "factory_input": json.dumps({"tenant": f"tenant-{index}", "depth": index}),
            },
            headers=auth(token),
        )
        seen = json.loads(sse_frames(response.text)[-1][1]["content"]) if stream else ctx_of(response)
        assert seen["message"] == f"message-{index}"
        assert seen["input"] == {"tenant": f"tenant-{index}", "depth": index}
        assert (seen["user_id"], seen["session_id"]) == (token, f"session-{index}")
        assert seen["claims"] == {"sub": token, "n": index % 4}

    with (
        deployment.mock(),
        httpx.Client(base_url=BASE_URL) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        list(pool.map(one, plan))


def test_a_reply_cannot_change_the_claims_the_next_request_sees(deployment: StubDeployment) -> None:
    seen: list[Any] = []
    refused: list[str] = []

    def meddle(ctx: StubContext[Any], message: str) -> str:
        roles = ctx.trusted.claims["org"]["roles"]
        seen.append(list(roles))
        try:
            roles.append("admin")
        except AttributeError as error:
            refused.append(type(error).__name__)
        try:
            ctx.trusted.claims["org"]["limits"]["runs"] = 10**6
        except TypeError as error:
            refused.append(type(error).__name__)
        return "ok"

    deployment.agent_factory("meddler", reply=meddle)
    deployment.identity = VerifiedIdentity(
        user_id="alice", claims={"sub": "alice", "org": {"roles": ["reader"], "limits": {"runs": 5}}}
    )
    with deployment.mock(), httpx.Client(base_url=BASE_URL) as client:
        for _ in range(2):
            response = client.post(run_path("agent", "meddler"), data={"message": "m", "stream": "false"})
            assert response.status_code == 200, response.text
    assert seen == [["reader"], ["reader"]]
    assert refused == ["AttributeError", "TypeError"] * 2
