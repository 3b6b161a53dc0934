"""``POST /{agents,teams,workflows}/{id}/runs``: build (or take) the component and run it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from agentos_reference.http.execution import start_run
from agentos_reference.http.fields import FieldReader
from agentos_reference.http.forms import declared_body_bytes, read_form
from agentos_reference.http.identity import pick, request_context, verified_from
from agentos_reference.http.json_input import parse_factory_input
from agentos_reference.http.openapi import documented
from agentos_reference.http.problems import PayloadTooLarge
from agentos_reference.http.resolution import resolve
from agentos_reference.http.routes.common import (
    BOOLEAN,
    JSON_TEXT,
    PLURALS,
    TAGS,
    TEXT,
    answer,
    form_body,
    run_in_background,
)
from agentos_reference.http.state import server_state
from agentos_reference.registry import KIND_TITLES, Kind

RUN_FORM = form_body(
    {
        "message": TEXT,
        "stream": {**BOOLEAN, "default": True},
        "session_id": TEXT,
        "user_id": TEXT,
        "factory_input": JSON_TEXT,
        "background": {**BOOLEAN, "default": False},
    },
    ["message"],
)


def run_router(kind: Kind) -> APIRouter:
    router = APIRouter(tags=TAGS[kind])
    title = KIND_TITLES[kind]

    @router.post(
        f"/{PLURALS[kind]}/{{component_id}}/runs",
        summary=f"Create {title} Run",
        operation_id=f"create_{kind}_run",
        openapi_extra=RUN_FORM,
        response_model=None,
        responses=documented(400, 403, 404, 408, 413, 500, 503, streams=True, background=True),
    )
    async def create_run(component_id: str, request: Request) -> Response:
        state = server_state(request)
        registration = state.registration(kind, component_id)
        # A large body waits its turn before it is read (it stays in the socket meanwhile), so runs
        # waiting hold next to nothing; small ones never wait (http/admission.py).
        declared = declared_body_bytes(request, state.limits)
        # An oversized one is refused (413) as soon as its body is read: it never waits.
        permit = await state.large_runs.admit(declared if declared <= state.limits.max_body_bytes else 0)
        handed_over = False
        try:
            fields = FieldReader(await read_form(request, state.limits))
            message = fields.text("message", required=True)
            stream = fields.boolean("stream", default=True)
            background = fields.boolean("background", default=False)
            form_session_id = fields.identifier("session_id")
            form_user_id = fields.identifier("user_id")
            raw_input = fields.text("factory_input")
            fields.raise_if_invalid()
            assert message is not None
            if len(message.encode("utf-8")) > state.limits.max_message_bytes:
                raise PayloadTooLarge(f"message exceeds {state.limits.max_message_bytes} bytes")

            verified = verified_from(request)
            user_id = pick(verified.user_id, form_user_id, "User ID", warn=True)
            session_id = pick(verified.session_id, form_session_id, "Session ID", warn=True)
            parsed_input = parse_factory_input(raw_input, state.limits) if registration.is_factory else None
            component = await resolve(
                registration,
                request_context(
                    request, verified, user_id=user_id, session_id=session_id, input=parsed_input
                ),
            )
            if component.db is not None:
                component.db = state.remember_db(component.db)
            execution = await start_run(
                kind,
                component,
                fallback_db=registration.db,
                message=message,
                session_id=session_id,
                user_id=user_id,
                owner=verified.owner,
                active=state.active,
            )
            execution.when_closed(permit.release)
            handed_over = True
        finally:
            if not handed_over:
                permit.release()
        if background:
            run_in_background(state, execution)
            return JSONResponse(
                {"run_id": execution.run_id, "session_id": execution.engine.session_id, "status": "PENDING"},
                status_code=202,
            )
        return await answer(execution, kind, stream=stream)

    return router
