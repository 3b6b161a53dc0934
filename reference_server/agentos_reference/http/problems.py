"""HTTP errors the routes raise; each answers ``{"detail": ...}`` with its status.

``error_type`` names the class of failure for WebSocket error frames, where there is
no status line to tell a 400 from a 403 or a 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException


class RequestFailed(HTTPException):
    def __init__(self, status_code: int, detail: Any, error_type: str) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.error_type = error_type


class BadRequest(RequestFailed):
    def __init__(self, detail: str) -> None:
        super().__init__(400, detail, "bad_request")


class InvalidFactoryInput(RequestFailed):
    """``factory_input`` is not JSON or not a JSON object (400 before any factory runs)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail, "validation")


class NotFound(RequestFailed):
    def __init__(self, detail: str) -> None:
        super().__init__(404, detail, "not_found")


class Conflict(RequestFailed):
    def __init__(self, detail: str) -> None:
        super().__init__(409, detail, "conflict")


class PayloadTooLarge(RequestFailed):
    def __init__(self, detail: str) -> None:
        super().__init__(413, detail, "too_large")


class RequestTimedOut(RequestFailed):
    """The request body did not arrive in time (408); the connection is closed after the answer."""

    def __init__(self, detail: str) -> None:
        super().__init__(408, detail, "timeout")
        self.headers = {"Connection": "close"}


class ServerBusy(RequestFailed):
    """The server cannot take this request now (503); ``Retry-After`` says when to try again."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(503, detail, "busy")
        self.headers = {"Retry-After": str(retry_after)}


class UnprocessableForm(RequestFailed):
    """422 with FastAPI's validation-error list, as AgentOS answers a missing or mistyped form field."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, errors, "bad_request")


class FactoryRefused(RequestFailed):
    """A factory resolution failed: 400 (validation), 403 (permission) or 500 (anything else)."""


def error_type_of(error: HTTPException) -> str:
    return error.error_type if isinstance(error, RequestFailed) else "bad_request"


def missing_field(name: str) -> dict[str, Any]:
    return {"type": "missing", "loc": ["body", name], "msg": "Field required", "input": None}
