"""What the routes answer, declared once for the OpenAPI document.

Every route names the statuses it can answer and :func:`documented` builds its
``responses=``: one table of refusals, all ``{"detail": "<why>"}`` JSON (422 keeps
FastAPI's own validation-error schema, which the server's 422 bodies follow), plus
the run routes' ``text/event-stream`` answer and the 202 of a background run. 401
is declared by the app, on every route, when it verifies tokens.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """A refusal or a failure (every status but 422): why, in one string."""

    detail: str = Field(description="Why the request was refused; generic for a 500")


class BackgroundRunAccepted(BaseModel):
    """``background=true``: the run goes on after this answer; read it back with GET."""

    run_id: str
    session_id: str
    status: Literal["PENDING"]


ERRORS: dict[int, str] = {
    400: "Malformed body, query or JSON field, or factory_input that fails parsing or the input_schema",
    401: "Bearer token refused, or missing where the server requires one",
    403: "The factory refused the caller (FactoryPermissionError)",
    404: "No such component, run or session",
    408: "The request body did not arrive in time (the connection is closed)",
    409: "The run is not paused, or its paused state cannot be continued",
    413: "A field or the request body is over its size limit",
    500: "Internal error; the detail is generic and the cause is in the server log",
    503: "Too many runs with large messages in flight (see Retry-After)",
}

SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "description": "The AgentOS event name (RunStarted, ...)"},
        "data": {
            "type": "string",
            "description": "The event as one line of JSON, its name repeated in `event`",
            "contentMediaType": "application/json",
            "contentSchema": {
                "type": "object",
                "required": ["event", "created_at"],
                "properties": {"event": {"type": "string"}, "created_at": {"type": "integer"}},
            },
        },
    },
}

STREAM = {
    "description": (
        "stream=true (the default): the run's events as server-sent events, one "
        "`event: <Name>\\ndata: <JSON>` frame each, the last one the run's completion, pause, "
        "cancellation or error. stream=false: the run output as JSON."
    ),
    # Before OpenAPI 3.2 (``itemSchema``), an event stream's ``schema`` describes one event.
    "content": {"text/event-stream": {"schema": SSE_EVENT}},
}


def documented(*errors: int, streams: bool = False, background: bool = False) -> dict[int | str, Any]:
    """``responses=`` for a route that can refuse with ``errors``; ``streams`` adds the SSE
    answer to 200, ``background`` the 202 of a background run."""
    responses: dict[int | str, Any] = {
        status: {"model": ErrorResponse, "description": ERRORS[status]} for status in sorted(errors)
    }
    if streams:
        responses[200] = STREAM
    if background:
        responses[202] = {"model": BackgroundRunAccepted, "description": "background=true: run accepted"}
    return responses
