"""Pieces the run routes share: paths, OpenAPI bodies, answering a run as JSON or SSE."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

from agentos_reference.http.execution import RunExecution
from agentos_reference.http.sse import SseResponse
from agentos_reference.http.state import ServerState
from agentos_reference.logs import log_failure
from agentos_reference.registry import KIND_TITLES, Kind

logger = logging.getLogger("agentos_reference.routes")

PLURALS: dict[Kind, str] = {"agent": "agents", "team": "teams", "workflow": "workflows"}
TAGS: dict[Kind, list[str | Any]] = {"agent": ["Agents"], "team": ["Teams"], "workflow": ["Workflows"]}


def form_body(properties: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its form itself (documents the fields it accepts)."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": bool(required),
            "content": {
                "application/x-www-form-urlencoded": {"schema": schema},
                "multipart/form-data": {"schema": schema},
            },
        }
    }


TEXT = {"type": "string"}
BOOLEAN = {"type": "boolean"}
JSON_TEXT = {"type": "string", "description": "JSON text"}


async def answer(execution: RunExecution, kind: Kind, *, stream: bool) -> Response:
    """``stream=true``: SSE frames as they happen. ``stream=false``: the run output once it ends."""
    if stream:
        return SseResponse(execution.events(), on_close=execution.close)
    output = await execution.drain()
    if execution.status == "ERROR":
        return JSONResponse({"detail": f"{KIND_TITLES[kind]} run failed"}, status_code=500)
    return JSONResponse(output)


def run_in_background(state: ServerState, execution: RunExecution) -> None:
    """``background=true``: the run continues after the 202; its output is read back with GET."""

    async def drive() -> None:
        try:
            await execution.drain()
        except Exception as error:
            log_failure(logger, error, "background run %s failed", execution.run_id)

    task = asyncio.get_running_loop().create_task(drive())
    state.background_tasks.add(task)
    task.add_done_callback(state.background_tasks.discard)
