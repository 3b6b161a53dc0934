"""``Client`` and ``AsyncClient``: base URL, bearer token, timeouts, retries, transport.

Both hold an httpx client (their own, or one you inject) and expose the endpoint groups
``agents``, ``teams`` and ``workflows``. Everything but sending, sleeping and reading is shared
(:mod:`._request`, :mod:`._retry`, :mod:`._errors`), so the two cannot drift apart.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import httpx
from pydantic import TypeAdapter
from typing_extensions import Self

from . import _retry
from ._errors import APIResponseValidationError, make_status_error, transport_error
from ._request import ApiCall, parse_json
from ._retry import retry_delay, should_retry_exception, should_retry_status
from ._types import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    AsyncTokenSource,
    NotGiven,
    TimeoutTypes,
    TokenSource,
)
from ._version import package_version

if TYPE_CHECKING:
    from .resources.agents import Agents, AsyncAgents
    from .resources.teams import AsyncTeams, Teams
    from .resources.workflows import AsyncWorkflows, Workflows

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")


def _user_agent() -> str:
    return f"agentos-factories/{package_version()}"


def _check_base_url(base_url: str | httpx.URL) -> httpx.URL:
    url = httpx.URL(str(base_url))
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {str(base_url)!r}")
    return url


def _check_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be a non-negative int, got {max_retries!r}")
    return max_retries


def _check_token(token: object) -> str:
    if not isinstance(token, str) or not token:
        raise TypeError(f"the token source must give a non-empty string, got {type(token).__name__}")
    return token


class _Settings:
    """The options ``with_options`` copies; shared by both clients."""

    def __init__(
        self,
        base_url: str | httpx.URL,
        timeout: TimeoutTypes,
        max_retries: int,
        headers: Mapping[str, str] | None,
    ) -> None:
        self.base_url = _check_base_url(base_url)
        self.timeout = httpx.Timeout(timeout)
        self.max_retries = _check_retries(max_retries)
        self.headers = {"User-Agent": _user_agent(), "Accept": "application/json", **(headers or {})}

    def url(self, path: str) -> str:
        return str(self.base_url).rstrip("/") + path

    def build(
        self, http: httpx.Client | httpx.AsyncClient, call: ApiCall, token: str | None
    ) -> httpx.Request:
        headers = {**self.headers, **(call.headers or {})}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        timeout = self.timeout if isinstance(call.timeout, NotGiven) else httpx.Timeout(call.timeout)
        return http.build_request(
            call.method,
            self.url(call.path),
            params=dict(call.params) if call.params else None,
            data=dict(call.form) if call.form is not None else None,
            headers=headers,
            timeout=timeout,
        )


def _checked_event_stream(response: httpx.Response) -> None:
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


class Client:
    """A synchronous client of an AgentOS deployment (real agno AgentOS or the reference server).

    ``token`` is a bearer token, or a callable that returns a fresh one for every request.
    ``timeout`` is seconds for every phase or an ``httpx.Timeout`` with per-phase values.
    Pass ``http_client`` (an ``httpx.Client`` you own and close) or ``transport`` to control
    the connection; otherwise the client makes and closes its own.
    """

    agents: Agents
    teams: Teams
    workflows: Workflows

    def __init__(
        self,
        base_url: str | httpx.URL,
        *,
        token: TokenSource = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass either http_client or transport, not both")
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError("http_client must be an httpx.Client (use AsyncClient for httpx.AsyncClient)")
        self._settings = _Settings(base_url, timeout, max_retries, headers)
        self._token = token
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=self._settings.timeout)
        self._attach_resources()

    def _attach_resources(self) -> None:
        from .resources.agents import Agents
        from .resources.teams import Teams
        from .resources.workflows import Workflows

        self.agents = Agents(self)
        self.teams = Teams(self)
        self.workflows = Workflows(self)

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def http_client(self) -> httpx.Client:
        """The underlying httpx client (shared with ``with_options`` copies)."""
        return self._http

    def with_options(
        self,
        *,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        token: TokenSource | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
    ) -> Client:
        """A copy with some options changed. It shares this client's connections; closing the
        copy leaves them open (the original, or whoever injected the httpx client, owns them)."""
        settings = self._settings
        copy = Client(
            settings.base_url if isinstance(base_url, NotGiven) else base_url,
            token=self._token if isinstance(token, NotGiven) else token,
            timeout=settings.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=settings.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            headers=settings.headers if isinstance(headers, NotGiven) else {**settings.headers, **headers},
            http_client=self._http,
        )
        return copy

    def _current_token(self) -> str | None:
        token = self._token
        if token is None:
            return None
        return _check_token(token() if callable(token) else token)

    def bearer_token(self) -> str | None:
        """The token the next request will carry (calls the token callable, if any)."""
        return self._current_token()

    def close(self) -> None:
        """Close the connections, unless the httpx client was injected or this is a copy."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- sending -------------------------------------------------------------------------------

    def _send(self, call: ApiCall, *, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            request = self._settings.build(self._http, call, self._current_token())
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                if attempt < self._settings.max_retries and should_retry_exception(call.retry, exc):
                    _retry.sleep(retry_delay(attempt))
                    attempt += 1
                    continue
                raise transport_error(exc, method=request.method, url=str(request.url)) from exc
            if (
                response.is_error
                and attempt < self._settings.max_retries
                and should_retry_status(call.retry, response.status_code)
            ):
                response.close()
                _retry.sleep(retry_delay(attempt, response))
                attempt += 1
                continue
            if response.is_error:
                try:
                    response.read()
                except httpx.TransportError as exc:
                    raise transport_error(exc, method=request.method, url=str(request.url)) from exc
                finally:
                    response.close()
                raise make_status_error(response)
            return response

    def _request(self, call: ApiCall, adapter: TypeAdapter[T]) -> T:
        return parse_json(self._send(call, stream=False), adapter)

    def _request_stream(self, call: ApiCall) -> httpx.Response:
        response = self._send(call, stream=True)
        try:
            _checked_event_stream(response)
        except APIResponseValidationError:
            response.close()
            raise
        return response


async def _async_token(source: AsyncTokenSource) -> str | None:
    if source is None:
        return None
    if not callable(source):
        return _check_token(source)
    value: object = source()
    if inspect.isawaitable(value):
        value = await value
    return _check_token(value)


class AsyncClient:
    """The asynchronous twin of :class:`Client`: the same options, methods and errors.

    ``token`` may also be a coroutine function that returns a fresh token.
    """

    agents: AsyncAgents
    teams: AsyncTeams
    workflows: AsyncWorkflows

    def __init__(
        self,
        base_url: str | httpx.URL,
        *,
        token: AsyncTokenSource = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass either http_client or transport, not both")
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("http_client must be an httpx.AsyncClient (use Client for httpx.Client)")
        self._settings = _Settings(base_url, timeout, max_retries, headers)
        self._token = token
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=self._settings.timeout)
        self._attach_resources()

    def _attach_resources(self) -> None:
        from .resources.agents import AsyncAgents
        from .resources.teams import AsyncTeams
        from .resources.workflows import AsyncWorkflows

        self.agents = AsyncAgents(self)
        self.teams = AsyncTeams(self)
        self.workflows = AsyncWorkflows(self)

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The underlying httpx client (shared with ``with_options`` copies)."""
        return self._http

    def with_options(
        self,
        *,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        token: AsyncTokenSource | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
    ) -> AsyncClient:
        """A copy with some options changed, sharing this client's connections (see ``Client``)."""
        settings = self._settings
        return AsyncClient(
            settings.base_url if isinstance(base_url, NotGiven) else base_url,
            token=self._token if isinstance(token, NotGiven) else token,
            timeout=settings.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=settings.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            headers=settings.headers if isinstance(headers, NotGiven) else {**settings.headers, **headers},
            http_client=self._http,
        )

    async def bearer_token(self) -> str | None:
        """The token the next request will carry (calls the token callable, if any)."""
        return await _async_token(self._token)

    async def close(self) -> None:
        """Close the connections, unless the httpx client was injected or this is a copy."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # --- sending -------------------------------------------------------------------------------

    async def _send(self, call: ApiCall, *, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            request = self._settings.build(self._http, call, await _async_token(self._token))
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                if attempt < self._settings.max_retries and should_retry_exception(call.retry, exc):
                    await _retry.async_sleep(retry_delay(attempt))
                    attempt += 1
                    continue
                raise transport_error(exc, method=request.method, url=str(request.url)) from exc
            if (
                response.is_error
                and attempt < self._settings.max_retries
                and should_retry_status(call.retry, response.status_code)
            ):
                await response.aclose()
                await _retry.async_sleep(retry_delay(attempt, response))
                attempt += 1
                continue
            if response.is_error:
                try:
                    await response.aread()
                except httpx.TransportError as exc:
                    raise transport_error(exc, method=request.method, url=str(request.url)) from exc
                finally:
                    await response.aclose()
                raise make_status_error(response)
            return response

    async def _request(self, call: ApiCall, adapter: TypeAdapter[T]) -> T:
        return parse_json(await self._send(call, stream=False), adapter)

    async def _request_stream(self, call: ApiCall) -> httpx.Response:
        response = await self._send(call, stream=True)
        try:
            _checked_event_stream(response)
        except APIResponseValidationError:
            await response.aclose()
            raise
        return response
