"""Reading stored runs.

Workflow reads take ``factory_input`` as a query parameter (spec table): the factory is
resolved with it (validated, invoked, so its permission checks apply) before the run is
read. Agent and team reads never invoke the factory.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from agentos_reference.http.forms import check_query_string
from agentos_reference.http.identity import Verified, pick, request_context, verified_from
from agentos_reference.http.json_input import parse_factory_input
from agentos_reference.http.openapi import documented
from agentos_reference.http.problems import NotFound
from agentos_reference.http.resolution import resolve
from agentos_reference.http.routes.common import PLURALS, TAGS
from agentos_reference.http.state import ServerState, server_state
from agentos_reference.registry import KIND_TITLES, Kind, Registration
from agentos_reference.storage import RunRecord

FACTORY_INPUT_QUERY = (
    "JSON object validated against the factory's input_schema; the factory is invoked with it"
)


def _listed(record: RunRecord) -> dict[str, Any]:
    document = dict(record.output)
    run_input = document.get("input")
    # AgentOS's run listings name the message ``run_input``.
    document["run_input"] = run_input.get("input_content") if isinstance(run_input, dict) else run_input
    return document


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
    ) -> Response:
        check_query_string(request)
        state = server_state(request)
        registration = state.registration(kind, component_id)
        verified = verified_from(request)
        if kind == "workflow":
            await _authorize_workflow_read(state, registration, request, verified, session_id, factory_input)
        records, session_found = await state.list_runs(registration, session_id, verified)
        if not session_found:
            raise NotFound("Session not found")
        return JSONResponse(
            [_listed(record) for record in records if status is None or record.status == status]
        )

    return router
