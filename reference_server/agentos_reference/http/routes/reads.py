"""Reading stored runs.

Workflow reads take ``factory_input`` as a query parameter (spec table): the factory is
resolved with it (validated, invoked, so its permission checks apply) before the run is
read. Agent and team reads never invoke the factory.

Listings are paginated with agno's parameter names (``limit``, ``page``, ``sort_order``, as
agno's paginated routes have them; its run listings have none) and stay a JSON array of runs.
A page is bounded whatever a session holds, and it is written one run at a time: each run is
one short storage read, so a large listing never holds the storage (or the server's memory)
for the whole session while other requests wait.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.responses import Response, StreamingResponse

from agentos_reference.http.forms import check_query_string
from agentos_reference.http.identity import Verified, pick, request_context, verified_from
from agentos_reference.http.json_input import parse_factory_input
from agentos_reference.http.openapi import documented
from agentos_reference.http.problems import NotFound
from agentos_reference.http.resolution import resolve
from agentos_reference.http.routes.common import PLURALS, TAGS
from agentos_reference.http.state import RunPage, ServerState, server_state
from agentos_reference.registry import KIND_TITLES, Kind, Registration
from agentos_reference.storage import RunKey, RunRecord, SqliteDb

FACTORY_INPUT_QUERY = (
    "JSON object validated against the factory's input_schema; the factory is invoked with it"
)


def _listed(record: RunRecord) -> dict[str, Any]:
    document = dict(record.output)
    run_input = document.get("input")
    # AgentOS's run listings name the message ``run_input``.
    document["run_input"] = run_input.get("input_content") if isinstance(run_input, dict) else run_input
    return document


def _page_size(limit: int | None, state: ServerState) -> int:
    if limit is None:
        return state.limits.list_default_limit
    if limit > state.limits.list_max_limit:
        # FastAPI's own 422, as for limit < 1.
        raise RequestValidationError(
            [
                {
                    "type": "less_than_equal",
                    "loc": ("query", "limit"),
                    "msg": f"Input should be less than or equal to {state.limits.list_max_limit}",
                    "input": str(limit),
                    "ctx": {"le": state.limits.list_max_limit},
                }
            ]
        )
    return limit


async def _listing(kind: Kind, component_id: str, keys: list[tuple[SqliteDb, RunKey]]) -> AsyncIterator[str]:
    yield "["
    separator = ""
    for db, key in keys:
        # The keys come from the caller's owner-scoped listing of this very database (list_runs,
        # the one gate of a listing), and a run's owner never changes, so the run is read by key.
        record = await db.get_run(kind, component_id, key.run_id)
        if record is None:
            continue
        yield separator + json.dumps(
            _listed(record), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
        separator = ","
    yield "]"


async def _authorize_workflow_read(
    state: ServerState,
    registration: Registration,
    request: Request,
    verified: Verified,
    session_id: str | None,
    factory_input: str | None,
) -> None:
    if not registration.is_factory:
        return
    parsed = parse_factory_input(factory_input, state.limits)
    ctx = request_context(
        request,
        verified,
        user_id=verified.user_id,
        session_id=pick(verified.session_id, session_id, "Session ID", warn=False),
        input=parsed,
    )
    await resolve(registration, ctx)


def reads_router(kind: Kind) -> APIRouter:
    router = APIRouter(tags=TAGS[kind])
    title = KIND_TITLES[kind]
    plural = PLURALS[kind]
    # Workflow reads resolve the factory with the factory_input query: its refusals come too.
    refusals = documented(400, 403, 404, 413, 500) if kind == "workflow" else documented(400, 404, 500)

    @router.get(
        f"/{plural}/{{component_id}}/runs/{{run_id}}",
        summary=f"Get {title} Run",
        operation_id=f"get_{kind}_run",
        response_model=None,
        responses=refusals,
    )
    async def get_run(
        component_id: str,
        run_id: str,
        request: Request,
        session_id: str | None = Query(None, max_length=1024),
        factory_input: str | None = Query(
            None, description=FACTORY_INPUT_QUERY if kind == "workflow" else "Not read for this kind"
        ),
    ) -> Response:
        check_query_string(request)
        state = server_state(request)
        registration = state.registration(kind, component_id)
        verified = verified_from(request)
        if kind == "workflow":
            await _authorize_workflow_read(state, registration, request, verified, session_id, factory_input)
        found = await state.find_run(registration, run_id, verified)
        if found is None or (session_id is not None and found[0].session_id != session_id):
            raise NotFound("Run not found")
        return JSONResponse(dict(found[0].output))

    @router.get(
        f"/{plural}/{{component_id}}/runs",
        summary=f"List {title} Runs",
        operation_id=f"list_{kind}_runs",
        response_model=None,
        responses=refusals,
    )
    async def list_runs(
        component_id: str,
        request: Request,
        session_id: str | None = Query(None, max_length=1024),
        status: str | None = Query(None, description="Only runs with this status (e.g. PAUSED)"),
        factory_input: str | None = Query(
            None, description=FACTORY_INPUT_QUERY if kind == "workflow" else "Not read for this kind"
        ),
        limit: int | None = Query(
            None, ge=1, description="Runs per page (default 20, at most 100; Limits.list_*_limit)"
        ),
        page: int = Query(1, ge=1, le=1_000_000, description="Page number, from 1"),
        sort_order: Literal["asc", "desc"] = Query(
            "asc", description="By creation time: oldest first (asc, as agno lists a session) or newest"
        ),
    ) -> Response:
        check_query_string(request)
        state = server_state(request)
        size = _page_size(limit, state)
        registration = state.registration(kind, component_id)
        verified = verified_from(request)
        if kind == "workflow":
            await _authorize_workflow_read(state, registration, request, verified, session_id, factory_input)
        wanted = RunPage(
            limit=size, offset=(page - 1) * size, newest_first=sort_order == "desc", status=status
        )
        keys, session_found = await state.page_of_runs(registration, session_id, verified, wanted)
        if not session_found:
            raise NotFound("Session not found")
        return StreamingResponse(_listing(kind, registration.id, keys), media_type="application/json")

    return router
