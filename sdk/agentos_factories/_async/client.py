"""``AsyncClient``: base URL, bearer token, timeouts, retries, bounded reads, transport.

Written once in ``_async/client.py``; ``scripts/unasync.py`` generates ``_sync/client.py``
(``Client``) from it. Everything but sending, sleeping and reading lives in sans-IO modules
(:mod:`.._base_client`, :mod:`.._request`, :mod:`.._retry`, :mod:`.._errors`, :mod:`.._body`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from typing_extensions import Self

from agentos_factories import _retry
from agentos_factories._base_client import (
    ClientOptions,
    Deadline,
    async_resolve_token,
    check_event_stream,
    check_http_client,
    copy_value,
    env_token,
    is_success,
    log_request,
    log_response,
    log_retry,
    new_request_id,
)
from agentos_factories._body import BodyDecodeError, BodyTooLarge, BoundedBody
from agentos_factories._errors import (
    REQUEST_ID_HEADER,
    AgentOSError,
    APIResponseValidationError,
    ResponseTooLargeError,
    make_status_error,
    transport_error,
)
from agentos_factories._request import ApiCall, parse_json
from agentos_factories._response import APIResponse, returning_raw
from agentos_factories._retry import retry_delay, should_retry_exception, should_retry_status
from agentos_factories._types import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    MAX_ERROR_BODY_BYTES,
    NOT_GIVEN,
    AsyncTokenSource,
    NotGiven,
    TimeoutTypes,
)
from agentos_factories._util import already_read

if TYPE_CHECKING:
    from .agents import AsyncAgents
    from .raw import AsyncClientWithRawResponse
    from .teams import AsyncTeams
    from .workflows import AsyncWorkflows

__all__ = ["AsyncClient"]

T = TypeVar("T")


async def _read_body(
    response: httpx.Response, limit: int, deadline: Deadline, *, truncate: bool = False
) -> bytes:
    """The decoded body, at most ``limit`` bytes (more is :class:`ResponseTooLargeError`, or cut
    when ``truncate``); the response is closed afterwards. Transport errors propagate."""
    request = response.request
    try:
        already = already_read(response)
        encoding = None if already is not None else response.headers.get("content-encoding")
        collector = BoundedBody(encoding, limit, truncate=truncate)
        if not truncate and encoding is None:
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise BodyTooLarge(limit)
        if already is not None:
            collector.feed(already)
        else:
            async for raw in response.aiter_raw():
                collector.feed(raw)
                if collector.full:
                    break
                deadline.check_request(request)
        body = collector.finish()
    except BodyTooLarge as exc:
        raise ResponseTooLargeError(
            f"{exc} (max_response_bytes); the rest was not read",
            method=request.method,
            url=str(request.url),
            response=response,
        ) from None
    except BodyDecodeError as exc:
        if not truncate:
            raise APIResponseValidationError(
                str(exc), method=request.method, url=str(request.url), response=response
            ) from exc
        body = b""
    finally:
        await response.aclose()
    # Whoever holds the response (errors, raw access) can use .content/.text/.json(), as after read().
    response._content = body
    return body


class AsyncClient:
    """A client of an AgentOS deployment: the real agno AgentOS or the reference server.

    ``base_url`` defaults to ``$AGENTOS_BASE_URL``, ``token`` to ``$AGENTOS_TOKEN`` (pass
    ``token=None`` for none); explicit arguments win. ``token`` is a bearer token, or a callable
    that returns a fresh one for every request. ``timeout`` is seconds for every phase or an
    ``httpx.Timeout`` (default: the injected ``http_client``'s, else 600 s with a 5 s connect);
    ``total_timeout`` bounds a whole call, retries and waits included (default none).
    ``max_response_bytes`` bounds a non-streamed body after decompression (default 32 MiB).
    Pass ``http_client`` (one you own and close) or ``transport`` to control the connections;
    otherwise the client makes and closes its own.
    """

    agents: AsyncAgents
    teams: AsyncTeams
    workflows: AsyncWorkflows

    def __init__(
        self,
        base_url: str | httpx.URL | None = None,
        *,
        token: AsyncTokenSource | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        headers: Mapping[str, str] | None = None,
        total_timeout: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        check_http_client(http_client, transport, httpx.AsyncClient)
        self._options = ClientOptions.create(
            base_url,
            timeout=timeout,
            http_client=http_client,
            max_retries=max_retries,
            headers=headers,
            total_timeout=total_timeout,
            max_response_bytes=max_response_bytes,
        )
        self._token: AsyncTokenSource = env_token(token)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=self._options.timeout, headers=self._options.default_headers()
        )
        self._options = self._options.bound_to(self._http)
        self._attach_resources()

    def _attach_resources(self) -> None:
        from .agents import AsyncAgents
        from .teams import AsyncTeams
        from .workflows import AsyncWorkflows

        self.agents = AsyncAgents(self)
        self.teams = AsyncTeams(self)
        self.workflows = AsyncWorkflows(self)

    @property
    def base_url(self) -> httpx.URL:
        """The deployment's URL (requests go to its path plus the route)."""
        return self._options.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The per-phase timeout of every call that does not pass its own."""
        return self._options.timeout

    @property
    def total_timeout(self) -> float | None:
        """The default bound, in seconds, of a whole call or stream (``None``: none)."""
        return self._options.total_timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed call may be sent again (see the retry rules)."""
        return self._options.max_retries

    @property
    def max_response_bytes(self) -> int:
        """The bound of a non-streamed body, after decompression."""
        return self._options.max_response_bytes

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The underlying httpx client (shared with ``copy()``/``with_options()`` copies)."""
        return self._http

    @property
    def with_raw_response(self) -> AsyncClientWithRawResponse:
        """The endpoint groups again, each method returning an ``APIResponse`` (status, headers,
        request id, body) whose ``parse()`` gives what the method returns."""
        from .raw import AsyncClientWithRawResponse

        return AsyncClientWithRawResponse(self)

    def copy(
        self,
        *,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        token: AsyncTokenSource | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A client of the same class (your subclass too) with some options changed. It shares
        this client's connections; closing the copy leaves them open (the original, or whoever
        injected the httpx client, owns them). ``headers`` are added to the current ones."""
        options = self._options
        return self.__class__(
            copy_value(base_url, options.base_url),
            token=copy_value(token, self._token),
            timeout=copy_value(timeout, options.timeout),
            max_retries=copy_value(max_retries, options.max_retries),
            headers=options.headers
            if isinstance(headers, NotGiven)
            else {**options.headers, **{name.lower(): value for name, value in headers.items()}},
            total_timeout=copy_value(total_timeout, options.total_timeout),
            max_response_bytes=copy_value(max_response_bytes, options.max_response_bytes),
            http_client=self._http,
        )

    with_options = copy

    async def bearer_token(self) -> str | None:
        """The token the next request will carry (calls the token callable, if any)."""
        return await async_resolve_token(self._token)

    async def close(self) -> None:
        """Close the connections, unless the httpx client was injected or this is a copy."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        """The client itself; leaving the block closes it."""
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the client."""
        await self.close()

    # --- sending -------------------------------------------------------------------------------

    async def _send(
        self, call: ApiCall, deadline: Deadline, *, read: bool
    ) -> tuple[httpx.Response, bytes | None]:
        """Send ``call``, retrying as its mode allows; a non-success status raises its typed error.

        With ``read``, the body is read (bounded) inside the retry loop, so a connection lost
        mid-body is retried like any other for idempotent calls; otherwise the response is open.
        """
        options = self._options
        request_id = new_request_id()
        attempt = 0
        while True:
            attempt += 1
            request = options.build(
                self._http, call, await async_resolve_token(self._token), request_id, deadline
            )
            log_request(request, attempt)
            body: bytes | None = None
            try:
                deadline.check_request(request)
                response = await self._http.send(request, stream=True)
                log_response(response)
                success = is_success(call, response.status_code)
                if success and read:
                    body = await _read_body(response, options.max_response_bytes, deadline)
            except (
                httpx.RequestError
            ) as exc:  # transport failures, and e.g. an injected client's redirect loop
                error: AgentOSError = transport_error(exc, method=request.method, url=str(request.url))
                wait = retry_delay(attempt - 1)
                if (
                    attempt <= options.max_retries
                    and isinstance(exc, httpx.TransportError)
                    and should_retry_exception(call.retry, exc)
                    and deadline.fits(wait)
                ):
                    log_retry(request, attempt, options.max_retries, wait, error)
                    await _retry.async_sleep(wait)
                    continue
                error._record_attempts(attempt, request.headers.get(REQUEST_ID_HEADER))
                raise error from exc
            except AgentOSError as exc:
                exc._record_attempts(attempt, request.headers.get(REQUEST_ID_HEADER))
                raise
            if success:
                return response, body
            wait = retry_delay(attempt - 1, response)
            if (
                attempt <= options.max_retries
                and should_retry_status(call.retry, response.status_code)
                and deadline.fits(wait)
            ):
                await response.aclose()
                log_retry(request, attempt, options.max_retries, wait, f"status {response.status_code}")
                await _retry.async_sleep(wait)
                continue
            try:
                error_body = await _read_body(response, MAX_ERROR_BODY_BYTES, deadline, truncate=True)
            except (httpx.TransportError, AgentOSError):
                error_body = b""  # the status is the news; a broken error body does not hide it
            status_error = make_status_error(response, error_body)
            status_error._record_attempts(attempt, request.headers.get(REQUEST_ID_HEADER))
            raise status_error

    async def _request(self, call: ApiCall, validate: Callable[[Any], T]) -> T:
        """Send ``call``, read its body and validate it (or hand back the raw response)."""
        response, body = await self._send(call, self._options.deadline(call), read=True)
        assert body is not None
        if returning_raw():
            return APIResponse(response, body, lambda: parse_json(response, body, validate))  # type: ignore[return-value]  # with_raw_response's wrapper types it
        return parse_json(response, body, validate)

    async def _request_stream(self, call: ApiCall, deadline: Deadline) -> httpx.Response:
        """Send a stream request; the open response of a ``text/event-stream`` answer."""
        response, _ = await self._send(call, deadline, read=False)
        try:
            check_event_stream(response)
        except AgentOSError:
            await response.aclose()
            raise
        return response
