"""HTTP plumbing of the fake deployment: reading requests, matching routes, writing answers.

Forms are read as FastAPI reads them (``application/x-www-form-urlencoded`` or
``multipart/form-data``, last value of a repeated field wins, an empty value counts as
omitted); routes and error bodies are AgentOS's.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

from ._components import KINDS_BY_COLLECTION, ComponentKind
from ._errors import StubConfigurationError
from ._recorder import Endpoint

__all__ = [
    "DelayedByteStream",
    "HTTPError",
    "ParsedRequest",
    "RouteMatch",
    "SSEByteStream",
    "delayed",
    "json_response",
    "match_route",
    "parse_request",
]


class HTTPError(Exception):
    """An error answer: ``{"detail": detail}`` with ``status_code`` (FastAPI's ``HTTPException``)."""

    def __init__(self, status_code: int, detail: Any) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail
        #: The injected fault that caused this answer, for the recorder.
        self.fault: str | None = None


def missing(location: str, name: str) -> dict[str, Any]:
    """One item of FastAPI's 422 ``detail`` list for a required parameter that was not sent."""
    return {"type": "missing", "loc": [location, name], "msg": "Field required", "input": None}


@dataclass(frozen=True)
class ParsedRequest:
    """A request as the routes read it."""

    method: str
    path: str
    url: str
    headers: httpx.Headers
    query: Mapping[str, str]
    form: Mapping[str, str]
    #: Form fields sent as file parts (FastAPI rejects those where it expects text).
    file_fields: frozenset[str]


def _path_segments(request: httpx.Request, base_path: str) -> list[str]:
    raw = request.url.raw_path.split(b"?", 1)[0].decode("ascii", errors="replace")
    if base_path and raw.startswith(base_path):
        raw = raw[len(base_path) :]
    if len(raw) > 1 and raw.endswith("/"):
        raw = raw[:-1]
    # Split before unquoting, so an id holding an encoded "/" stays one segment.
    return [unquote(segment) for segment in raw.split("/")[1:]]


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], set[str]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    form: dict[str, str] = {}
    files: set[str] = set()
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            files.add(name)
            form.pop(name, None)
        else:
            files.discard(name)
            form[name] = data.decode(part.get_content_charset() or "utf-8", errors="replace")
    return form, files


def parse_request(request: httpx.Request, base_path: str) -> tuple[ParsedRequest, list[str]]:
    """The parsed request and its path segments (relative to the deployment's base path)."""
    try:
        body = request.read()
    except RuntimeError as exc:
        # respx calls the stub synchronously, so an async-only request body cannot be read here.
        raise StubConfigurationError(
            "the stub cannot read an async streaming request body; send form data (data=...) instead"
        ) from exc
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    form: dict[str, str] = {}
    files: set[str] = set()
    if media_type == "application/x-www-form-urlencoded":
        form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        form, files = _multipart(content_type, body)
    query = dict(request.url.params.multi_items())
    segments = _path_segments(request, base_path)
    parsed = ParsedRequest(
        method=request.method.upper(),
        path=request.url.path,
        url=str(request.url),
        headers=request.headers,
        query=query,
        form=form,
        file_fields=frozenset(files),
    )
    return parsed, segments


@dataclass(frozen=True)
class RouteMatch:
    endpoint: Endpoint
    kind: ComponentKind | None = None
    component_id: str | None = None
    run_id: str | None = None


def _routes(segments: list[str]) -> Mapping[str, RouteMatch]:
    """The routes of this path by method (empty when no route has this path)."""
    if segments == ["health"]:
        return {"GET": RouteMatch("health")}
    if not segments or segments[0] not in KINDS_BY_COLLECTION:
        return {}
    kind = KINDS_BY_COLLECTION[segments[0]]
    rest = segments[1:]
    if not rest:
        return {"GET": RouteMatch("list", kind)}
    component_id = rest[0]
    if len(rest) == 1:
        return {"GET": RouteMatch("get", kind, component_id)}
    if rest[1] != "runs":
        return {}
    if len(rest) == 2:
        return {
            "POST": RouteMatch("run", kind, component_id),
            "GET": RouteMatch("list_runs", kind, component_id),
        }
    run_id = rest[2]
    if len(rest) == 3:
        return {"GET": RouteMatch("get_run", kind, component_id, run_id)}
    if len(rest) == 4 and rest[3] in ("continue", "cancel"):
        action: Endpoint = "continue" if rest[3] == "continue" else "cancel"
        return {"POST": RouteMatch(action, kind, component_id, run_id)}
    return {}


def match_route(method: str, segments: list[str]) -> RouteMatch:
    """The route of a request; ``HTTPError`` 404/405 with Starlette's bodies when there is none."""
    routes = _routes(segments)
    if not routes:
        raise HTTPError(404, "Not Found")
    found = routes.get(method)
    if found is None:
        raise HTTPError(405, "Method Not Allowed")
    return found


def component_of(segments: list[str]) -> str | None:
    """The component id a path names, for fault targeting even where no route matches."""
    if len(segments) >= 2 and segments[0] in KINDS_BY_COLLECTION:
        return segments[1]
    return None


def json_response(status_code: int, body: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
    content = json.dumps(body, separators=(",", ":")).encode()
    all_headers = {"content-type": "application/json", "content-length": str(len(content)), **(headers or {})}
    return httpx.Response(status_code, headers=all_headers, content=content)


def error_response(error: HTTPError, headers: Mapping[str, str] | None = None) -> httpx.Response:
    return json_response(error.status_code, {"detail": error.detail}, headers)


def reason_phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


class SSEByteStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An SSE body for sync and async clients; optionally breaks after ``break_after`` frames.

    The break is what a dropped connection looks like to httpx: ``RemoteProtocolError`` while the
    body is read, after the frames already sent.
    """

    def __init__(self, frames: list[bytes], *, break_after: int | None, request: httpx.Request) -> None:
        self._frames = frames
        self._break_after = break_after
        self._request = request

    def _broken(self) -> httpx.RemoteProtocolError:
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body (incomplete chunked read)",
            request=self._request,
        )

    def _frames_before_break(self) -> Iterator[bytes]:
        for index, frame in enumerate(self._frames):
            if self._break_after is not None and index >= self._break_after:
                raise self._broken()
            yield frame
        if self._break_after is not None:
            raise self._broken()

    def __iter__(self) -> Iterator[bytes]:
        yield from self._frames_before_break()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for frame in self._frames_before_break():
            yield frame


def sse_response(frames: list[bytes], *, break_after: int | None, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"},
        stream=SSEByteStream(frames, break_after=break_after, request=request),
    )


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout")
    value = timeouts.get("read") if isinstance(timeouts, Mapping) else None
    return float(value) if isinstance(value, (int, float)) else None


class DelayedByteStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body whose first byte comes ``seconds`` late: ``time.sleep`` for sync clients,
    ``asyncio.sleep`` for async ones (the event loop keeps running). When the request's read
    timeout is shorter, it waits that long and raises ``httpx.ReadTimeout``, as a slow server does.
    """

    def __init__(self, inner: httpx.Response, seconds: float, request: httpx.Request) -> None:
        self._inner = inner.stream
        self._seconds = seconds
        self._request = request

    def _wait(self) -> tuple[float, bool]:
        limit = _read_timeout(self._request)
        if limit is not None and limit < self._seconds:
            return limit, True
        return self._seconds, False

    def _timed_out(self) -> httpx.ReadTimeout:
        return httpx.ReadTimeout("timed out", request=self._request)

    def __iter__(self) -> Iterator[bytes]:
        import time

        seconds, times_out = self._wait()
        time.sleep(seconds)
        if times_out:
            raise self._timed_out()
        assert isinstance(self._inner, httpx.SyncByteStream)
        yield from self._inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import asyncio

        seconds, times_out = self._wait()
        await asyncio.sleep(seconds)
        if times_out:
            raise self._timed_out()
        assert isinstance(self._inner, httpx.AsyncByteStream)
        async for chunk in self._inner:
            yield chunk


def delayed(response: httpx.Response, seconds: float, request: httpx.Request) -> httpx.Response:
    """``response`` with its body ``seconds`` late (see :class:`DelayedByteStream`)."""
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=DelayedByteStream(response, seconds, request),
        request=request,
    )
