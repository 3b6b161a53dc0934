"""What both clients share: request descriptions, form encoding, and response parsing.

Keeping these in one place is what keeps the sync and async clients from drifting: they differ
only in how they send, sleep and read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ._errors import APIResponseValidationError, FactoryInputError
from ._retry import RetryMode
from ._types import NOT_GIVEN, FactoryInput, NotGiven, TimeoutTypes

__all__ = [
    "ApiCall",
    "encode_factory_input",
    "encode_json_list",
    "factory_input_value",
    "form",
    "parse_json",
    "path",
]

T = TypeVar("T")


@dataclass(frozen=True)
class ApiCall:
    """One endpoint call, before auth and base URL are applied."""

    method: str
    path: str
    retry: RetryMode
    params: Mapping[str, str] | None = None
    form: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    timeout: TimeoutTypes | NotGiven = NOT_GIVEN


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


def parse_json(response: httpx.Response, adapter: TypeAdapter[T]) -> T:
    """The validated body of a 2xx answer, or :class:`APIResponseValidationError`."""
    request = response.request
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise APIResponseValidationError(
            f"{response.status_code} body is not JSON: {response.text[:200]!r}",
            method=request.method,
            url=str(request.url),
            response=response,
        ) from exc
    try:
        return adapter.validate_python(body)
    except ValidationError as exc:
        raise APIResponseValidationError(
            f"{response.status_code} body does not match the expected shape: {exc}",
            method=request.method,
            url=str(request.url),
            response=response,
        ) from exc
