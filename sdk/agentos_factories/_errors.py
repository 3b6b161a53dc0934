"""Every error the SDK raises, and the one status -> class table both clients use.

The tree (``except AgentOSError`` catches all of it)::

    AgentOSError                         .method .url .status_code .detail .response
    ├── APIConnectionError               no answer at all (refused, reset, DNS, protocol)
    │   └── APITimeoutError              a connect/read/write/pool timeout fired
    ├── APIResponseValidationError       2xx, but the body is not what the spec says
    │   └── IncompleteStreamError        an SSE/WebSocket stream ended before its completion event
    ├── InBandError                      an error event inside a stream that carries no HTTP status
    │                                    (agno's WebSocket ``{"event":"error","error":"Factory error: ..."}``,
    │                                    SSE ``RunError``/``WorkflowError``/``error`` events)
    └── APIStatusError                   the server answered with a 4xx/5xx status (or an in-band
        │                                error that names one)
        ├── FactoryValidationError   400 (alias BadRequestError): factory_input failed validation,
        │                                or another malformed request
        ├── AuthenticationError      401
        ├── FactoryPermissionError   403 (alias PermissionDeniedError): the factory (or RBAC) refused
        ├── NotFoundError            404
        ├── ConflictError            409 (agno: the run is not in a continuable state)
        ├── PayloadTooLargeError     413
        ├── UnprocessableEntityError 422 (FastAPI's request validation)
        ├── RateLimitError           429
        └── ServerError              other 5xx
            └── FactoryError         500 (alias InternalServerError)

The spec's server-side exceptions share a base class (``FactoryError``); here the three spec names
are the classes of the statuses the spec maps them to (400, 403, 500). They are deliberately not
subclasses of one another: a client cannot tell a factory's 400 from a router's 400 (for example
agno's ``session_id is required for this action``), so one status is one class. Catch
``APIStatusError`` to handle every status.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeAlias

import httpx

__all__ = [
    "STATUS_ERRORS",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentOSError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "FactoryError",
    "FactoryInputError",
    "FactoryPermissionError",
    "FactoryValidationError",
    "InBandError",
    "IncompleteStreamError",
    "InternalServerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "UnprocessableEntityError",
    "error_class_for_status",
    "error_from_event",
    "make_status_error",
    "transport_error",
]

#: The ``detail`` of an error body: FastAPI sends a string, or a list of validation errors (422).
Detail: TypeAlias = str | list[Any] | dict[str, Any] | None

_MAX_TEXT_DETAIL = 2000


class AgentOSError(Exception):
    """Base of every error raised by the SDK."""

    message: str
    method: str
    url: str
    status_code: int | None
    detail: Detail
    response: httpx.Response | None

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int | None = None,
        detail: Detail = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status_code = status_code
        self.detail = detail
        self.response = response


class APIConnectionError(AgentOSError):
    """The request got no HTTP answer: connection refused or reset, DNS, TLS or protocol failure."""

    def __init__(self, *, method: str, url: str, cause: BaseException, message: str | None = None) -> None:
        text = message or f"{method} {url}: connection error: {cause!r}"
        super().__init__(text, method=method, url=url, detail=str(cause) or type(cause).__name__)


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout fired before the answer was complete."""

    def __init__(self, *, method: str, url: str, cause: BaseException) -> None:
        super().__init__(
            method=method, url=url, cause=cause, message=f"{method} {url}: timed out ({cause!r})"
        )


class APIResponseValidationError(AgentOSError):
    """The server answered 2xx, but the body is not what the spec (or agno's wire format) says."""

    def __init__(self, message: str, *, method: str, url: str, response: httpx.Response | None) -> None:
        super().__init__(
            f"{method} {url}: {message}",
            method=method,
            url=url,
            status_code=response.status_code if response is not None else None,
            detail=message,
            response=response,
        )


class IncompleteStreamError(APIResponseValidationError):
    """An SSE or WebSocket stream ended before its completion event: never a silent success."""


class InBandError(AgentOSError):
    """An error event inside a stream, without an HTTP status.

    agno's workflow WebSocket reports every factory failure (validation, permission, crash) as
    ``{"event": "error", "error": "Factory error: <message>"}``, and SSE streams end a failed run
    with ``RunError``/``TeamRunError``/``WorkflowError`` or an ``error`` event. ``detail`` is the
    server's text, ``event`` the whole event, ``error_type`` its ``error_type`` when present.
    When the event names a status (the reference server adds ``"status"``), the status class of
    :data:`STATUS_ERRORS` is raised instead.
    """

    event: Mapping[str, Any]
    error_type: str | None

    def __init__(
        self,
        *,
        method: str,
        url: str,
        detail: Detail,
        event: Mapping[str, Any],
        response: httpx.Response | None,
    ) -> None:
        super().__init__(
            f"{method} {url}: the server reported an error in the stream: {detail}",
            method=method,
            url=url,
            detail=detail,
            response=response,
        )
        self.event = event
        raw_type = event.get("error_type")
        self.error_type = raw_type if isinstance(raw_type, str) else None


class APIStatusError(AgentOSError):
    """The server answered with an error status (4xx/5xx), or an in-band error naming one."""

    status_code: int
    response: httpx.Response | None

    def __init__(
        self,
        *,
        method: str,
        url: str,
        status_code: int,
        detail: Detail,
        response: httpx.Response | None,
    ) -> None:
        super().__init__(
            f"{method} {url} -> {status_code}: {detail}",
            method=method,
            url=url,
            status_code=status_code,
            detail=detail,
            response=response,
        )


class FactoryValidationError(APIStatusError):
    """400: ``factory_input`` failed the factory's ``input_schema`` (or another malformed request)."""


class AuthenticationError(APIStatusError):
    """401: missing, malformed, expired or wrongly signed token."""


class FactoryPermissionError(APIStatusError):
    """403: the factory (``FactoryPermissionError``) or the deployment's RBAC refused the caller."""


class NotFoundError(APIStatusError):
    """404: unknown component, run or session."""


class ConflictError(APIStatusError):
    """409: the run is not in a state this action accepts (e.g. continuing a completed workflow run)."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body is larger than the deployment accepts."""


class UnprocessableEntityError(APIStatusError):
    """422: the request did not match the route's parameters (FastAPI validation, ``detail`` is a list)."""


class RateLimitError(APIStatusError):
    """429: too many requests (retried for idempotent requests, honouring ``Retry-After``)."""


class ServerError(APIStatusError):
    """A 5xx status other than 500."""


class FactoryError(ServerError):
    """500: the factory raised, returned the wrong kind of component, or the server failed."""


#: Documented aliases, for readers who think in HTTP terms.
BadRequestError = FactoryValidationError
PermissionDeniedError = FactoryPermissionError
InternalServerError = FactoryError

#: The one status -> class table, used by the sync client, the async client, SSE and WebSocket.
STATUS_ERRORS: Mapping[int, type[APIStatusError]] = {
    400: FactoryValidationError,
    401: AuthenticationError,
    403: FactoryPermissionError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: FactoryError,
}


def error_class_for_status(status_code: int) -> type[APIStatusError]:
    """The class for an error status: the table's entry, else ``ServerError`` (5xx) or ``APIStatusError``."""
    found = STATUS_ERRORS.get(status_code)
    if found is not None:
        return found
    return ServerError if status_code >= 500 else APIStatusError


def _detail_of(response: httpx.Response) -> Detail:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = response.text
        return text[:_MAX_TEXT_DETAIL] if text else None
    if isinstance(body, dict):
        detail = body.get("detail", body)
        if isinstance(detail, (str, list, dict)) or detail is None:
            return detail
        return str(detail)
    if isinstance(body, (str, list)):
        return body
    return str(body)


def make_status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for an error response; its body must already be read."""
    request = response.request
    cls = error_class_for_status(response.status_code)
    return cls(
        method=request.method,
        url=str(request.url),
        status_code=response.status_code,
        detail=_detail_of(response),
        response=response,
    )


def error_from_event(
    event: Mapping[str, Any], *, method: str, url: str, response: httpx.Response | None
) -> AgentOSError:
    """The typed error for an in-band error event (SSE or WebSocket).

    A status (``"status"`` or ``"status_code"``, an int 400-599) selects the table's class;
    without one the result is an :class:`InBandError`.
    """
    detail: Detail
    for key in ("error", "detail", "content"):
        value = event.get(key)
        if isinstance(value, (str, list, dict)):
            detail = value
            break
    else:
        detail = None
    status = event.get("status", event.get("status_code"))
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
        return error_class_for_status(status)(
            method=method, url=url, status_code=status, detail=detail, response=response
        )
    return InBandError(method=method, url=url, detail=detail, event=event, response=response)


class FactoryInputError(ValueError):
    """``factory_input`` cannot be sent as the spec requires (a JSON object); raised before any request."""


def transport_error(exc: httpx.TransportError, *, method: str, url: str) -> APIConnectionError:
    """The SDK error for an httpx transport failure."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(method=method, url=url, cause=exc)
    return APIConnectionError(method=method, url=url, cause=exc)
