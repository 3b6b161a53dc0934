"""Reading ``application/x-www-form-urlencoded`` and ``multipart/form-data`` bodies.

Stricter than Starlette's own reader on purpose: text must be valid UTF-8 (Starlette
falls back to latin-1 and would hand a factory mojibake), and the body is counted as
it streams in so an oversized request is refused without reading it all.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import anyio
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from agentos_reference.http.problems import BadRequest, PayloadTooLarge, RequestTimedOut
from agentos_reference.limits import Limits


@dataclass(frozen=True)
class FilePart:
    """A multipart part sent as a file (it has a filename)."""

    filename: str
    content_type: str | None
    data: bytes


FormValue = str | FilePart


@dataclass
class FormFields:
    """Form fields by name; a repeated field keeps every value, and the last one counts."""

    values: dict[str, list[FormValue]] = field(default_factory=dict)

    def add(self, name: str, value: FormValue) -> None:
        self.values.setdefault(name, []).append(value)

    def last(self, name: str) -> FormValue | None:
        found = self.values.get(name)
        return found[-1] if found else None

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)


def declared_body_bytes(request: Request, limits: Limits) -> int:
    """How large the request body says it is (``Content-Length``); one without a usable length
    (chunked) counts as the largest allowed."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        return int(declared)
    return limits.max_body_bytes


async def read_body(request: Request, limits: Limits) -> bytes:
    """The request body, refused with 413 once it passes ``limits.max_body_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("Content-Length must be a non-negative integer")
        if int(declared) > limits.max_body_bytes:
            raise PayloadTooLarge(f"Request body exceeds {limits.max_body_bytes} bytes")
    chunks = bytearray()
    try:
        # A deadline for the whole body, not per chunk: a body trickled a byte at a time never
        # waits long for its next chunk.
        with anyio.fail_after(limits.body_read_timeout_seconds):
            async for chunk in request.stream():
                chunks += chunk
                if len(chunks) > limits.max_body_bytes:
                    raise PayloadTooLarge(f"Request body exceeds {limits.max_body_bytes} bytes")
    except TimeoutError:
        raise RequestTimedOut(
            f"The request body did not arrive within {limits.body_read_timeout_seconds:g} s"
        ) from None
    return bytes(chunks)


async def read_form(request: Request, limits: Limits) -> FormFields:
    """Parse the request's form body; a body of any other type reads as an empty form."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    body = await read_body(request, limits)
    if content_type == b"application/x-www-form-urlencoded":
        return _parse_urlencoded(body, limits)
    if content_type == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise BadRequest("Malformed multipart body: the Content-Type has no boundary")
        return _parse_multipart(body, boundary, limits)
    return FormFields()


def check_query_string(request: Request) -> None:
    """400 when the query string is not UTF-8 (Starlette would read it with replacement characters)."""
    raw: bytes = request.scope.get("query_string", b"")
    text = _decode(raw, "The query string")
    try:
        urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise BadRequest("A percent-encoded query value is not valid UTF-8") from error


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {error.start})") from error


def _parse_urlencoded(body: bytes, limits: Limits) -> FormFields:
    text = _decode(body, "The form body")
    try:
        pairs = urllib.parse.parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=limits.max_form_fields,
        )
    except UnicodeDecodeError as error:
        raise BadRequest("A percent-encoded form value is not valid UTF-8") from error
    except ValueError as error:
        raise BadRequest(f"Too many form fields (at most {limits.max_form_fields})") from error
    fields = FormFields()
    for name, value in pairs:
        fields.add(name, value)
    return fields


class _MultipartCollector:
    """Callbacks for python-multipart's streaming parser, collecting whole parts."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.fields = FormFields()
        self.parts = 0
        self.finished = False
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_form_fields:
            raise BadRequest(f"Too many form fields (at most {self.limits.max_form_fields})")
        self._headers = {}
        self._data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field = bytearray()
        self._header_value = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def on_part_end(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise BadRequest("Malformed multipart body: a part has no form-data name")
        name = _decode(options[b"name"], "A multipart field name")
        if b"filename" in options:
            content_type = self._headers.get(b"content-type")
            self.fields.add(
                name,
                FilePart(
                    filename=_decode(options[b"filename"], "A multipart filename"),
                    content_type=content_type.decode("latin-1") if content_type else None,
                    data=bytes(self._data),
                ),
            )
        else:
            self.fields.add(name, _decode(bytes(self._data), f"Form field {name!r}"))

    def on_end(self) -> None:
        self.finished = True


def _parse_multipart(body: bytes, boundary: bytes, limits: Limits) -> FormFields:
    collector = _MultipartCollector(limits)
    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": collector.on_part_begin,
                "on_part_data": collector.on_part_data,
                "on_part_end": collector.on_part_end,
                "on_header_field": collector.on_header_field,
                "on_header_value": collector.on_header_value,
                "on_header_end": collector.on_header_end,
                "on_end": collector.on_end,
            },
        )
        parser.write(body)
        parser.finalize()
    except FormParserError as error:
        raise BadRequest(f"Malformed multipart body: {error}") from error
    if not collector.finished:
        raise BadRequest("Malformed multipart body: it ends before its closing boundary")
    return collector.fields
