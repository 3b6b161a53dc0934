"""What both clients share: request descriptions, form encoding, and response parsing.

Keeping these in one place is what keeps the sync and async clients from drifting: they differ
only in how they send, sleep and read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from ._errors import APIResponseValidationError, FactoryInputError, safe_text, shallow
from ._retry import RetryMode
from ._types import NOT_GIVEN, FactoryInput, Headers, NotGiven, Query, TimeoutTypes

__all__ = [
    "ApiCall",
    "CallOptions",
    "JSONError",
    "encode_factory_input",
    "encode_json_list",
    "factory_input_value",
    "form",
    "loads",
    "parse_json",
    "path",
]

T = TypeVar("T")


def _checked_strings(name: str, value: Mapping[str, str] | None) -> Mapping[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TypeError(f"{name} must be a mapping of strings to strings")
    return value


def _checked_seconds(name: str, value: float | NotGiven | None) -> float | NotGiven | None:
    if value is None or isinstance(value, NotGiven):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds or None, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class CallOptions:
    """What every method takes besides its own arguments (``NOT_GIVEN``: the client's setting)."""

    timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    total_timeout: float | NotGiven | None = NOT_GIVEN
    extra_headers: Headers | None = None
    extra_query: Query | None = None

    @classmethod
    def of(
        cls,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> CallOptions:
        """Checked options; the common case (nothing given) is one shared instance."""
        if (
            isinstance(timeout, NotGiven)
            and isinstance(total_timeout, NotGiven)
            and extra_headers is None
            and extra_query is None
        ):
            return DEFAULT_OPTIONS
        return cls(
            timeout,
            _checked_seconds("total_timeout", total_timeout),
            _checked_strings("extra_headers", extra_headers),
            _checked_strings("extra_query", extra_query),
        )


DEFAULT_OPTIONS = CallOptions()


@dataclass(frozen=True)
class ApiCall:
    """One endpoint call, before auth and base URL are applied."""

    method: str
    path: str
    retry: RetryMode
    params: Mapping[str, str] | None = None
    form: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    options: CallOptions = DEFAULT_OPTIONS
    #: A WebSocket handshake: ``101 Switching Protocols`` is its success.
    upgrade: bool = False


def path(template: str, *ids: str) -> str:
    """``template`` with each ``{}`` replaced by a percent-encoded id (a ``/`` in an id stays inside it)."""
    for value in ids:
        if not isinstance(value, str) or not value:
            raise ValueError(f"ids must be non-empty strings, got {value!r}")
    return template.format(*(quote(value, safe="") for value in ids))


def _to_json(value: object, where: str) -> object:
    """A plain-JSON copy of ``value``; what a JSON object cannot hold is refused with its path."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FactoryInputError(f"factory_input{where} is {value!r}; JSON has no NaN or Infinity")
        return value
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise FactoryInputError(f"factory_input{where} has a non-string key {key!r}")
            out[key] = _to_json(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_to_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise FactoryInputError(f"factory_input{where} is a {type(value).__name__}, which JSON cannot hold")


def factory_input_value(value: FactoryInput) -> object:
    """``factory_input`` as a JSON-ready object (checked), or ``None`` to leave it out."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        data: object = value.model_dump(mode="json")
    elif isinstance(value, Mapping):
        data = value
    else:
        raise FactoryInputError(
            f"factory_input must be a pydantic model, a mapping or None, not {type(value).__name__}"
        )
    return _to_json(data, "")


def encode_factory_input(value: FactoryInput) -> str | None:
    """The JSON text of ``factory_input`` as the spec sends it, or ``None`` to leave it out."""
    data = factory_input_value(value)
    if data is None:
        return None
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def encode_json_list(items: Sequence[BaseModel | Mapping[str, Any]] | None, name: str) -> str | None:
    """A JSON array of models (exactly the fields the server sent, plus changes) or mappings."""
    if items is None:
        return None
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):  # type: ignore[unreachable]  # untyped callers
        raise TypeError(f"{name} must be a sequence of models or mappings, not {type(items).__name__}")
    encoded: list[object] = []
    for item in items:
        if isinstance(item, BaseModel):
            encoded.append(item.model_dump(mode="json", exclude_unset=True))
        elif isinstance(item, Mapping):
            encoded.append(dict(item))
        else:
            raise TypeError(f"{name} items must be models or mappings, not {type(item).__name__}")
    try:
        return json.dumps(encoded, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} is not JSON-serialisable: {exc}") from exc


def form(**fields: str | bool | None) -> dict[str, str]:
    """Form fields, leaving out ``None`` (absent) and spelling booleans as agno parses them."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, str):
            out[key] = value
        else:
            raise TypeError(f"{key} must be a string, not {type(value).__name__}")
    return out


class JSONError(ValueError):
    """Text that is not JSON Python can hold: malformed, too deeply nested, or a number too long."""


#: Deeper JSON is refused: pydantic validates at most ~255 levels, and deeper data cannot be
#: printed or pickled safely. Real run outputs nest a handful of levels.
MAX_JSON_DEPTH = 200


def loads(data: bytes | str) -> Any:
    """Parsed JSON, or :class:`JSONError` for anything else.

    ``json.loads`` raises ``RecursionError`` on deep nesting and ``ValueError`` on integers longer
    than Python converts (4,300 digits); neither may escape the SDK as such. pydantic-core's parser
    (faster, depth-limited) goes first; ``json`` decides what it refuses (lone surrogates are JSON).
    """
    try:
        return from_json(data)
    except ValueError:
        pass
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        message = str(exc) if not isinstance(exc, RecursionError) else "nested too deeply"
        raise JSONError(message[:200]) from None
    if not shallow(value, MAX_JSON_DEPTH):
        raise JSONError(f"nested deeper than {MAX_JSON_DEPTH} levels, or a number too long to print")
    return value


def parse_json(response: httpx.Response, body: bytes, validate: Callable[[Any], T]) -> T:
    """The validated body of a 2xx answer, or :class:`APIResponseValidationError`."""
    request = response.request
    try:
        data = loads(body)
    except JSONError as exc:
        raise APIResponseValidationError(
            f"{response.status_code} body is not JSON ({exc}): {body[:200]!r}",
            method=request.method,
            url=str(request.url),
            response=response,
        ) from exc
    try:
        return validate(data)
    except (ValidationError, RecursionError) as exc:
        raise APIResponseValidationError(
            f"{response.status_code} body does not match the expected shape: {safe_text(exc)}",
            method=request.method,
            url=str(request.url),
            response=response,
        ) from exc
