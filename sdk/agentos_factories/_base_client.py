"""What both clients share besides sending: options, configuration from the environment, request
building, request ids, deadlines, token sources and the log lines.

``_async/client.py`` is the one source of the two clients' sending code (``_sync/client.py`` is
generated from it); everything here is sans-IO, so neither twin can drift from the other.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from ._body import ACCEPT_ENCODING
from ._errors import REQUEST_ID_HEADER, APIResponseValidationError, APITimeoutError, safe_text
from ._logs import logger
from ._request import ApiCall
from ._types import (
    DEFAULT_TIMEOUT,
    AsyncTokenSource,
    NotGiven,
    TimeoutTypes,
    TokenSource,
)
from ._version import package_version

__all__ = [
    "BASE_URL_ENV",
    "TOKEN_ENV",
    "ClientOptions",
    "Deadline",
    "async_resolve_token",
    "check_event_stream",
    "check_http_client",
    "copy_value",
    "env_token",
    "is_success",
    "log_request",
    "log_response",
    "log_retry",
    "new_request_id",
    "resolve_token",
]

BASE_URL_ENV = "AGENTOS_BASE_URL"
TOKEN_ENV = "AGENTOS_TOKEN"


def _check_base_url(base_url: str | httpx.URL | None) -> httpx.URL:
    if base_url is None:
        base_url = os.environ.get(BASE_URL_ENV, "").strip()
        if not base_url:
            raise ValueError(f"no base URL: pass one (Client('http://127.0.0.1:7777')) or set {BASE_URL_ENV}")
    url = httpx.URL(str(base_url))
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {str(base_url)!r}")
    return url


def _check_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be a non-negative int, got {max_retries!r}")
    return max_retries


def _check_positive(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds or None, got {value!r}")
    return float(value)


def _check_bytes(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"max_response_bytes must be a positive int, got {value!r}")
    return value


def env_token(value: Any) -> Any:
    """The token source to use: ``value``, or ``AGENTOS_TOKEN`` when it was not given at all."""
    if isinstance(value, NotGiven):
        return os.environ.get(TOKEN_ENV) or None
    return value


def _check_token(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"the token source must give a non-empty string, got {type(value).__name__}")
    return value


def resolve_token(source: TokenSource) -> str | None:
    """The bearer token for the next request (calls the source when it is a callable)."""
    if source is None:
        return None
    return _check_token(source() if callable(source) else source)


async def async_resolve_token(source: AsyncTokenSource) -> str | None:
    """The async client's twin of :func:`resolve_token`: the source may also be a coroutine function."""
    if source is None:
        return None
    if not callable(source):
        return _check_token(source)
    value: object = source()
    if inspect.isawaitable(value):
        value = await value
    return _check_token(value)


_TWINS: Mapping[type, tuple[str, str]] = {
    httpx.Client: ("httpx.Client", "AsyncClient for httpx.AsyncClient"),
    httpx.AsyncClient: ("httpx.AsyncClient", "Client for httpx.Client"),
}


def check_http_client(http_client: object, transport: object, expected: type) -> None:
    """``http_client`` and ``transport`` exclude each other, and the client kind must match."""
    if http_client is not None and transport is not None:
        raise ValueError("pass either http_client or transport, not both")
    if http_client is not None and not isinstance(http_client, expected):
        name, other = _TWINS[expected]
        raise TypeError(f"http_client must be an {name} (use {other})")


def new_request_id() -> str:
    """A fresh id for one call (kept across its retries), sent as ``X-Request-Id``."""
    return os.urandom(12).hex()


def is_success(call: ApiCall, status_code: int) -> bool:
    """2xx, or 101 for a WebSocket handshake. A 3xx is an error: redirects are not followed."""
    return 200 <= status_code < 300 or (call.upgrade and status_code == 101)


def check_event_stream(response: httpx.Response) -> None:
    """A stream request's 2xx answer must be ``text/event-stream``."""
    content_type = response.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "text/event-stream":
        request = response.request
        raise APIResponseValidationError(
            f"{response.status_code} answer to a stream request is {content_type or 'untyped'!r},"
            " not text/event-stream",
            method=request.method,
            url=str(request.url),
            response=response,
        )


class Deadline:
    """A call's ``total_timeout``: checked before each attempt and wait and between reads; every
    timeout phase of an attempt is cut to the time left, so one read waits at most that long."""

    __slots__ = ("_at", "seconds")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        """Seconds left, ``None`` without a deadline."""
        return None if self._at is None else self._at - time.monotonic()

    def fits(self, wait: float) -> bool:
        """Whether waiting ``wait`` seconds still leaves time for another attempt."""
        left = self.remaining()
        return left is None or wait < left

    def check(self, method: str, url: str) -> None:
        """Raise :class:`APITimeoutError` once the deadline has passed."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise self.error(method, url)

    def check_request(self, request: httpx.Request) -> None:
        """:meth:`check` for ``request`` (its URL is spelled out only when the deadline has passed)."""
        if self._at is not None and self._at <= time.monotonic():
            raise self.error(request.method, str(request.url))

    def error(self, method: str, url: str) -> APITimeoutError:
        return APITimeoutError(
            method=method, url=url, cause=TimeoutError(f"total_timeout of {self.seconds:g} s ran out")
        )

    def clip(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """``timeout`` with no phase longer than the time left."""
        left = self.remaining()
        if left is None:
            return timeout
        left = max(left, 0.001)

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cut(timeout.connect),
            read=cut(timeout.read),
            write=cut(timeout.write),
            pool=cut(timeout.pool),
        )


@dataclass(frozen=True)
class ClientOptions:
    """The options a client holds and ``copy()`` carries over; shared by both clients."""

    base_url: httpx.URL
    timeout: httpx.Timeout
    max_retries: int
    headers: Mapping[str, str]
    total_timeout: float | None
    max_response_bytes: int
    #: The part of ``headers`` (plus ``accept-encoding``) the httpx client does not already send by
    #: default; :meth:`bound_to` fills it. Per-request header merging is a measurable share of a call.
    per_request_headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        base_url: str | httpx.URL | None,
        *,
        timeout: TimeoutTypes | NotGiven,
        http_client: httpx.Client | httpx.AsyncClient | None,
        max_retries: int,
        headers: Mapping[str, str] | None,
        total_timeout: float | None,
        max_response_bytes: int,
    ) -> ClientOptions:
        if isinstance(timeout, NotGiven):
            # An injected httpx client's own timeout wins over the SDK's default.
            effective = http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
        else:
            effective = httpx.Timeout(timeout)
        return cls(
            base_url=_check_base_url(base_url),
            timeout=effective,
            max_retries=_check_retries(max_retries),
            headers={
                "user-agent": f"agentos-factories/{package_version()}",
                "accept": "application/json",
                **{name.lower(): value for name, value in (headers or {}).items()},
            },
            total_timeout=_check_positive("total_timeout", total_timeout),
            max_response_bytes=_check_bytes(max_response_bytes),
        )

    def default_headers(self) -> dict[str, str]:
        """What every request carries: the client's headers and the encodings the SDK can bound."""
        return {**self.headers, "accept-encoding": ACCEPT_ENCODING}

    def bound_to(self, http: httpx.Client | httpx.AsyncClient) -> ClientOptions:
        """These options for requests through ``http``: only what its defaults lack is sent per request."""
        wanted = self.default_headers()
        missing = {name: value for name, value in wanted.items() if http.headers.get(name) != value}
        return replace(self, per_request_headers=missing)

    def deadline(self, call: ApiCall) -> Deadline:
        chosen = call.options.total_timeout
        return Deadline(self.total_timeout if isinstance(chosen, NotGiven) else chosen)

    def url(self, path: str) -> str:
        return self._base + path

    @property
    def _base(self) -> str:
        # Cached: str(httpx.URL) on every call is measurable in the SDK's per-call overhead.
        base: str | None = self.__dict__.get("_base_text")
        if base is None:
            base = str(self.base_url).rstrip("/")
            object.__setattr__(self, "_base_text", base)
        return base

    def build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        call: ApiCall,
        token: str | None,
        request_id: str,
        deadline: Deadline,
    ) -> httpx.Request:
        options = call.options
        # Lower-case names throughout, so a caller's "X-Request-Id" replaces ours instead of joining it.
        headers = {**self.per_request_headers, REQUEST_ID_HEADER: request_id}
        if call.headers:
            headers.update((name.lower(), value) for name, value in call.headers.items())
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        if options.extra_headers:
            headers.update((name.lower(), value) for name, value in options.extra_headers.items())
            # Only encodings the SDK inflates within its bounds (see _body); not overridable.
            headers["accept-encoding"] = ACCEPT_ENCODING
        params: dict[str, str] | None = dict(call.params) if call.params else None
        if options.extra_query:
            params = {**(params or {}), **options.extra_query}
        timeout = self.timeout if isinstance(options.timeout, NotGiven) else httpx.Timeout(options.timeout)
        return http.build_request(
            call.method,
            self.url(call.path),
            params=params,
            data=dict(call.form) if call.form is not None else None,
            headers=headers,
            timeout=deadline.clip(timeout),
        )


def copy_value(value: Any, current: Any) -> Any:
    """``current`` when ``value`` is ``NOT_GIVEN``."""
    return current if isinstance(value, NotGiven) else value


def log_request(request: httpx.Request, attempt: int) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "request %s %s (attempt %d, request id %s)",
            request.method,
            request.url,
            attempt,
            request.headers.get(REQUEST_ID_HEADER),
        )


def log_response(response: httpx.Response) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        request = response.request
        logger.debug(
            "response %s %s -> %d (request id %s)",
            request.method,
            request.url,
            response.status_code,
            response.headers.get(REQUEST_ID_HEADER) or request.headers.get(REQUEST_ID_HEADER),
        )


def log_retry(request: httpx.Request, attempt: int, max_retries: int, wait: float, reason: object) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "retrying %s %s in %.2f s (attempt %d of %d failed: %s)",
            request.method,
            request.url,
            wait,
            attempt,
            max_retries + 1,
            safe_text(reason, 300),
        )
