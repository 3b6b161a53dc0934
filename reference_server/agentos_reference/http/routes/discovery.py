"""Discovery: ``GET /agents``, ``/agents/{id}`` (and teams, workflows). Never invokes a factory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from agentos_reference.components import Agent, Team, Workflow
from agentos_reference.http.openapi import documented
from agentos_reference.http.routes.common import PLURALS, TAGS
from agentos_reference.http.state import server_state
from agentos_reference.registry import KIND_TITLES, Kind, Registration


def describe(registration: Registration) -> dict[str, Any]:
    """A discovery entry in AgentOS's shape (absent keys instead of nulls)."""
    entry: dict[str, Any] = {
        "id": registration.id,
        "name": registration.name,
        "description": registration.description,
        "db_id": registration.db.id,
        "is_factory": registration.is_factory,
        "is_component": False,
    }
    schema = registration.input_schema
    if schema is not None:
        json_schema = schema.model_json_schema()
        entry["factory_input_schema"] = json_schema
        entry["input_schema"] = json_schema
    component = registration.entry
    if isinstance(component, (Agent, Team)):
        entry["model"] = {
            "name": type(component.model).__name__,
            "model": component.model.id,
            "provider": component.model.provider,
        }
        if component.tools:
            entry["tools"] = [
                {
                    "name": t.name,
                    "description": t.description,
                    "requires_confirmation": t.requires_confirmation,
                }
                for t in component.tools
            ]
    if isinstance(component, Team):
        entry["members"] = [{"id": m.id, "name": m.name} for m in component.members]
    if isinstance(component, Workflow):
        entry["steps"] = [
            {"name": s.name, "requires_confirmation": s.requires_confirmation} for s in component.steps
        ]
    return {key: value for key, value in entry.items() if value is not None}


def discovery_router(kind: Kind) -> APIRouter:
    router = APIRouter(tags=TAGS[kind])
    title = KIND_TITLES[kind]

    @router.get(
        f"/{PLURALS[kind]}",
        summary=f"List {title}s",
        operation_id=f"list_{kind}s",
        response_model=None,
        responses=documented(500),
    )
    async def list_components(request: Request) -> Response:
        return JSONResponse([describe(r) for r in server_state(request).registry.all(kind)])

    @router.get(
        f"/{PLURALS[kind]}/{{component_id}}",
        summary=f"Get {title}",
        operation_id=f"get_{kind}",
        response_model=None,
        responses=documented(404, 500),
    )
    async def get_component(component_id: str, request: Request) -> Response:
        return JSONResponse(describe(server_state(request).registration(kind, component_id)))

    return router


def health_router() -> APIRouter:
    router = APIRouter(tags=["Health"])

    @router.get(
        "/health", summary="Health", operation_id="health", response_model=None, responses=documented(500)
    )
    async def health(request: Request) -> Response:
        started = server_state(request).started_at
        return JSONResponse({"status": "ok", "instantiated_at": started.isoformat().replace("+00:00", "Z")})

    return router
