"""Continue and cancel of a run.

Continue re-invokes the factory first (AgentOS order: the run lookup comes after), with
``ctx.input=None`` for agents and teams and the validated form ``factory_input`` for
workflows. Cancel never invokes a factory: it records the intent and stops the run.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from agentos_reference.http.execution import continue_run, decisions_from_tools
from agentos_reference.http.fields import FieldReader
from agentos_reference.http.forms import read_form
from agentos_reference.http.identity import pick, request_context, verified_from
from agentos_reference.http.json_input import parse_factory_input, parse_json_field
from agentos_reference.http.openapi import documented
from agentos_reference.http.problems import BadRequest, NotFound
from agentos_reference.http.resolution import resolve
from agentos_reference.http.routes.common import BOOLEAN, JSON_TEXT, PLURALS, TAGS, TEXT, answer, form_body
from agentos_reference.http.state import server_state
from agentos_reference.registry import KIND_TITLES, Kind


def _continue_form(kind: Kind) -> dict[str, Any]:
    properties: dict[str, dict[str, Any]] = {
        "stream": {**BOOLEAN, "default": True},
        "session_id": TEXT,
        "user_id": TEXT,
    }
    if kind == "workflow":
        properties.update(step_requirements=JSON_TEXT, factory_input=JSON_TEXT)
    else:
        properties.update(tools=JSON_TEXT, requirements=JSON_TEXT)
    return form_body(properties, [])


def run_not_found(kind: Kind, run_id: str) -> NotFound:
    return NotFound("Run not found" if kind == "workflow" else f"No runs found for run ID {run_id}")


def lifecycle_router(kind: Kind) -> APIRouter:
    router = APIRouter(tags=TAGS[kind])
    title = KIND_TITLES[kind]
    base = f"/{PLURALS[kind]}/{{component_id}}/runs/{{run_id}}"

    @router.post(
        f"{base}/continue",
        summary=f"Continue {title} Run",
        operation_id=f"continue_{kind}_run",
        openapi_extra=_continue_form(kind),
        response_model=None,
        responses=documented(400, 403, 404, 408, 409, 413, 500, streams=True),
    )
    async def continue_paused_run(component_id: str, run_id: str, request: Request) -> Response:
        state = server_state(request)
        registration = state.registration(kind, component_id)
        fields = FieldReader(await read_form(request, state.limits))
        stream = fields.boolean("stream", default=True)
        form_session_id = fields.identifier("session_id")
        form_user_id = fields.identifier("user_id")
        tools_text, requirements_text = fields.text("tools"), fields.text("requirements")
        step_requirements_text = fields.text("step_requirements")
        raw_input = fields.text("factory_input") if kind == "workflow" else None
        fields.raise_if_invalid()

        tool_decisions: dict[str, bool] = {}
        step_requirements: list[Any] = []
        if kind == "workflow":
            parsed = parse_json_field("step_requirements", step_requirements_text, state.limits)
            if parsed is not None and not (
                isinstance(parsed, list) and all(isinstance(i, dict) for i in parsed)
            ):
                raise BadRequest("step_requirements must be a JSON list of objects")
            step_requirements = parsed or []
        else:
            tool_decisions.update(
                decisions_from_tools(parse_json_field("tools", tools_text, state.limits), "tools")
            )
            tool_decisions.update(
                decisions_from_tools(
                    parse_json_field("requirements", requirements_text, state.limits), "requirements"
                )
            )

        verified = verified_from(request)
        user_id = pick(verified.user_id, form_user_id, "User ID", warn=False)
        session_id = pick(verified.session_id, form_session_id, "Session ID", warn=False)
        parsed_input = parse_factory_input(raw_input, state.limits) if registration.is_factory else None
        ctx = request_context(request, verified, user_id=user_id, session_id=session_id, input=parsed_input)
        # Agents and teams: the factory re-runs with ctx.input=None, and nothing is validated (spec table).
        component = await resolve(registration, ctx, validate=kind == "workflow")

        found = await state.find_run(registration, run_id, verified)
        if found is None or (session_id is not None and found[0].session_id != session_id):
            raise run_not_found(kind, run_id)
        record, db = found
        execution = await continue_run(
            component,
            record,
            tool_decisions=tool_decisions,
            step_requirements=step_requirements,
            db=db,
            active=state.active,
        )
        return await answer(execution, kind, stream=stream)

    @router.post(
        f"{base}/cancel",
        summary=f"Cancel {title} Run",
        operation_id=f"cancel_{kind}_run",
        response_model=None,
        responses=documented(404, 500),
    )
    async def cancel_run(component_id: str, run_id: str, request: Request) -> Response:
        state = server_state(request)
        registration = state.registration(kind, component_id)
        # AgentOS answers 200 whether or not the run is one the caller can cancel.
        await state.cancel_run(registration, run_id, verified_from(request))
        return JSONResponse({})

    return router
