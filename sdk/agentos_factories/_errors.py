"""Every error the SDK raises, and the one status -> class table both clients use.

The tree (``except AgentOSError`` catches all of it)::

    AgentOSError                         .method .url .status_code .detail .response .request_id .attempts
    ├── FactoryInputError                factory_input cannot be sent (raised before any request;
    │                                    also a ValueError)
    ├── StreamClosedError                a stream or socket was used after the caller closed it
    │                                    (also a RuntimeError)
    ├── APIConnectionError               no answer at all (refused, reset, DNS, protocol)
    │   └── APITimeoutError              a connect/read/write/pool timeout, or total_timeout, fired
    ├── APIResponseValidationError       2xx, but the body is not what the spec says
    │   ├── IncompleteStreamError        an SSE/WebSocket stream ended before its completion event
    │   └── ResponseTooLargeError        more than the client accepts: max_response_bytes,
    │                                    max_events, an SSE event or WebSocket message over its bound
    ├── InBandError                      an error event inside a stream that carries no HTTP status
    │                                    (agno's WebSocket ``{"event":"error","error":"Factory error: ..."}``,
    │                                    SSE ``RunError``/``WorkflowError``/``error`` events)
    └── APIStatusError                   the server answered with a status that is not 2xx (3xx
        │                                included: redirects are not followed), or an in-band
        │                                error that names one
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

Whatever a server sends, only these classes escape the SDK (besides cancellation and
interrupts): bodies are read within bounds, JSON too deep or with numbers too long for Python is a
typed error, and a ``detail`` is kept only while it is small and shallow enough to print and pickle.
Every error pickles (for job queues and ``multiprocessing``); the pickled copy of its response
carries no ``Authorization`` header.
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
    "ResponseTooLargeError",
    "ServerError",
    "StreamClosedError",
    "UnprocessableEntityError",
    "detail_from_body",
    "error_class_for_status",
    "error_from_event",
    "make_status_error",
    "request_id_of",
    "safe_text",
    "shallow",
    "transport_error",
]

#: The ``detail`` of an error body: FastAPI sends a string, or a list of validation errors (422).
Detail: TypeAlias = str | list[Any] | dict[str, Any] | None

#: The header carrying a request's id: the server's when it answers with one, else the SDK's own.
REQUEST_ID_HEADER = "x-request-id"

_MAX_TEXT_DETAIL = 2000
#: A structured detail deeper than this is kept as text: it must print, compare and pickle safely.
_MAX_DETAIL_DEPTH = 32


def safe_text(value: object, limit: int = _MAX_TEXT_DETAIL) -> str:
    """``str(value)`` cut to ``limit`` characters; never raises (deep nesting, 5,000-digit ints)."""
    try:
        text = value if isinstance(value, str) else str(value)
    except (ValueError, RecursionError, MemoryError):
        text = f"<{type(value).__name__} that cannot be printed>"
    return text if len(text) <= limit else text[:limit] + "..."


def shallow(value: object, limit: int = _MAX_DETAIL_DEPTH) -> bool:
    """Whether ``value`` nests at most ``limit`` deep (iteratively: no recursion on hostile data)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 14_000:
            return False  # a number Python will not print (int -> str stops at 4,300 digits)
    return True


def request_id_of(response: httpx.Response | None, request: httpx.Request | None = None) -> str | None:
    """The server's ``x-request-id``, else the one the SDK sent with the request."""
    if response is not None:
        found = response.headers.get(REQUEST_ID_HEADER)
        if found:
            return safe_text(found, 200)
        if request is None:
            try:
                request = response.request
            except RuntimeError:  # a Response built without a request
                return None
    if request is None:
        return None
    sent = request.headers.get(REQUEST_ID_HEADER)
    return sent if isinstance(sent, str) else None


def _restore(cls: type[AgentOSError], args: tuple[Any, ...], state: dict[str, Any]) -> AgentOSError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def _picklable_response(response: httpx.Response | None) -> httpx.Response | None:
    """A copy fit for pickling: the body read so far, and a request without its bearer token."""
    if response is None:
        return None
    try:
        request = response.request
        headers = httpx.Headers(request.headers)
        headers.pop("authorization", None)
        request_copy = httpx.Request(request.method, request.url, headers=headers)
    except RuntimeError:
        request_copy = None
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    headers = httpx.Headers(response.headers)
    # The body is stored decoded; drop the encoding headers so the copy does not decode it again.
    headers.pop("content-encoding", None)
    headers.pop("content-length", None)
    return httpx.Response(response.status_code, headers=headers, content=content, request=request_copy)


class AgentOSError(Exception):
    """Base of every error raised by the SDK.

    ``request_id`` is the server's ``x-request-id`` or the id the SDK sent; ``attempts`` how many
    times the request was sent (retries included; 0 when it never left).
    """

    message: str
    method: str
    url: str
    status_code: int | None
    detail: Detail
    response: httpx.Response | None
    request_id: str | None
    attempts: int

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int | None = None,
        detail: Detail = None,
        response: httpx.Response | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status_code = status_code
        self.detail = detail
        self.response = response
        self.request_id = request_id if request_id is not None else request_id_of(response)
        self.attempts = 1 if response is not None else 0

    def _record_attempts(self, attempts: int, request_id: str | None) -> None:
        """Set how many attempts led here (said in the message when more than one)."""
        self.attempts = attempts
        if self.request_id is None:
            self.request_id = request_id
        if attempts > 1:
            self.message = f"{self.message} (after {attempts} attempts)"
            self.args = (self.message, *self.args[1:])

    def __reduce__(self) -> tuple[Any, ...]:
        state = dict(self.__dict__)
        state["response"] = _picklable_response(self.response)
        return (_restore, (type(self), self.args, state))


class FactoryInputError(AgentOSError, ValueError):
    """``factory_input`` cannot be sent as the spec requires (a JSON object); raised before any request."""

    def __init__(self, message: str) -> None:
        super().__init__(message, method="", url="")


class StreamClosedError(AgentOSError, RuntimeError):
    """A stream (or WebSocket session) was iterated or read after the caller closed it."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message, method=method, url=url)


class APIConnectionError(AgentOSError):
    """The request got no HTTP answer: connection refused or reset, DNS, TLS or protocol failure."""

    def __init__(self, *, method: str, url: str, cause: BaseException, message: str | None = None) -> None:
        text = message or f"{method} {url}: connection error: {safe_text(repr(cause), 500)}"
        super().__init__(text, method=method, url=url, detail=safe_text(cause, 500) or type(cause).__name__)


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout fired before the answer was complete, or the call's
    ``total_timeout`` ran out."""

    def __init__(self, *, method: str, url: str, cause: BaseException) -> None:
        super().__init__(
            method=method,
            url=url,
            cause=cause,
            message=f"{method} {url}: timed out ({safe_text(repr(cause), 500)})",
        )


class APIResponseValidationError(AgentOSError):
    """The server answered 2xx, but the body is not what the spec (or agno's wire format) says."""

    def __init__(self, message: str, *, method: str, url: str, response: httpx.Response | None) -> None:
        message = safe_text(message)
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


class ResponseTooLargeError(APIResponseValidationError):
    """The server sent more than the client accepts: a body over ``max_response_bytes``, a stream
    over ``max_events``, or an SSE event or WebSocket message over its size bound."""


class InBandError(AgentOSError):
    """An error event inside a stream, without an HTTP status.

    agno's workflow WebSocket reports every factory failure (validation, permission, crash) as
    ``{"event": "error", "error": "Factory error: <message>"}``, and SSE streams end a failed run
    with ``RunError``/``TeamRunError``/``WorkflowError`` or an ``error`` event. ``detail`` is the
    server's text, ``event`` the whole event, ``error_type`` its ``error_type`` when present.
    When the event names a status (the reference server adds ``"status"``), or its text is one of
    agno's refusals whose HTTP twin has a certain status, that status's class is raised instead.
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
            f"{method} {url}: the server reported an error in the stream: {safe_text(detail)}",
            method=method,
            url=url,
            detail=detail,
            response=response,
        )
        self.event = event if shallow(dict(event)) else {"event": safe_text(event.get("event"), 200)}
        raw_type = event.get("error_type")
        self.error_type = safe_text(raw_type, 200) if isinstance(raw_type, str) else None


class APIStatusError(AgentOSError):
    """The server answered with a status that is not 2xx, or an in-band error naming one."""

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
            f"{method} {url} -> {status_code}: {safe_text(detail)}",
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


def detail_from_body(body: bytes) -> Detail:
    """The ``detail`` of an error body (FastAPI's ``{"detail": ...}``, other JSON, or text), bounded."""
    try:
        parsed: Any = json.loads(body)
    except (ValueError, RecursionError):
        text = body.decode("utf-8", errors="replace")
        return safe_text(text) if text else None
    if isinstance(parsed, dict):
        parsed = parsed.get("detail", parsed)
    if parsed is None or isinstance(parsed, str):
        return parsed
    if isinstance(parsed, (list, dict)) and shallow(parsed):
        return parsed
    return safe_text(body.decode("utf-8", errors="replace"))


def make_status_error(response: httpx.Response, body: bytes) -> APIStatusError:
    """The typed error for an answer whose status is not 2xx; ``body`` is what was read of it."""
    request = response.request
    detail: Detail
    if 300 <= response.status_code < 400:
        location = response.headers.get("location")
        detail = (
            f"redirect to {safe_text(location, 500)!r} not followed" if location else "redirect not followed"
        )
    else:
        detail = detail_from_body(body)
    cls = error_class_for_status(response.status_code)
    return cls(
        method=request.method,
        url=str(request.url),
        status_code=response.status_code,
        detail=detail,
        response=response,
    )


def error_from_event(
    event: Mapping[str, Any],
    *,
    method: str,
    url: str,
    response: httpx.Response | None,
    status: int | None = None,
) -> AgentOSError:
    """The typed error for an in-band error event (SSE or WebSocket).

    A status (``"status"`` or ``"status_code"``, an int 400-599, or ``status`` given by the caller
    who recognised the text) selects the table's class; without one the result is an :class:`InBandError`.
    """
    detail: Detail
    for key in ("error", "detail", "content"):
        value = event.get(key)
        if isinstance(value, str) or (isinstance(value, (list, dict)) and shallow(value)):
            detail = value
            break
    else:
        detail = None
    named = event.get("status", event.get("status_code"))
    if isinstance(named, int) and not isinstance(named, bool) and 400 <= named <= 599:
        status = named
    if status is not None:
        return error_class_for_status(status)(
            method=method, url=url, status_code=status, detail=detail, response=response
        )
    return InBandError(method=method, url=url, detail=detail, event=event, response=response)


def transport_error(exc: httpx.RequestError, *, method: str, url: str) -> APIConnectionError:
    """The SDK error for an httpx transport failure (or another request error without an answer)."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(method=method, url=url, cause=exc)
    return APIConnectionError(method=method, url=url, cause=exc)
