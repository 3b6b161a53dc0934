"""Raw access in openai's shape: ``client.with_raw_response.agents.run(...)`` gives an
:class:`APIResponse` (status, headers, request id, body) whose ``parse()`` gives the typed output.

The wrapped method runs unchanged; a context variable asks the client's ``_request`` to hand back
the :class:`APIResponse` instead of parsing it, so every endpoint gets raw access without a
second implementation. Error statuses still raise their typed error, as openai's SDK does.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Generic, ParamSpec, TypeVar, cast

import httpx

from ._errors import request_id_of

__all__ = ["APIResponse", "async_to_raw_response_wrapper", "returning_raw", "to_raw_response_wrapper"]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

_RAW: ContextVar[bool] = ContextVar("agentos_factories_raw_response", default=False)


def returning_raw() -> bool:
    """Whether the current call was made through ``with_raw_response``."""
    return _RAW.get()


class APIResponse(Generic[T]):
    """One answer of a non-streamed call, before (or besides) parsing.

    The body has been read (within ``max_response_bytes``) and the connection released;
    :meth:`parse` validates it into the method's return type on first use.
    """

    def __init__(self, http_response: httpx.Response, body: bytes, parse: Callable[[], T]) -> None:
        self._http_response = http_response
        self._body = body
        self._parse = parse
        self._parsed: tuple[T] | None = None

    @property
    def http_response(self) -> httpx.Response:
        """The underlying ``httpx.Response`` (its body already read)."""
        return self._http_response

    @property
    def status_code(self) -> int:
        """The HTTP status (always 2xx here: other statuses raise their typed error)."""
        return self._http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers."""
        return self._http_response.headers

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id``, else the one the SDK sent."""
        return request_id_of(self._http_response)

    @property
    def method(self) -> str:
        """The request's HTTP method."""
        return self._http_response.request.method

    @property
    def url(self) -> httpx.URL:
        """The request's URL."""
        return self._http_response.request.url

    @property
    def content(self) -> bytes:
        """The body as received (decoded from gzip/deflate)."""
        return self._body

    @property
    def text(self) -> str:
        """The body as text (the response's charset, else UTF-8)."""
        return self._body.decode(self._http_response.encoding or "utf-8", errors="replace")

    @property
    def elapsed(self) -> timedelta:
        """Time from sending the request to reading the whole body."""
        return self._http_response.elapsed

    def parse(self) -> T:
        """The typed result the method returns without ``with_raw_response`` (validated once)."""
        if self._parsed is None:
            self._parsed = (self._parse(),)
        return self._parsed[0]

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.method} {self.url}>"


def to_raw_response_wrapper(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """``method`` returning its :class:`APIResponse` instead of the parsed result."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        token = _RAW.set(True)
        try:
            return cast("APIResponse[R]", method(*args, **kwargs))
        finally:
            _RAW.reset(token)

    return wrapped


def async_to_raw_response_wrapper(
    method: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[APIResponse[R]]]:
    """The async twin of :func:`to_raw_response_wrapper`."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        token = _RAW.set(True)
        try:
            return cast("APIResponse[R]", await method(*args, **kwargs))
        finally:
            _RAW.reset(token)

    return wrapped
