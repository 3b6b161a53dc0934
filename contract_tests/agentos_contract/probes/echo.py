"""The echo and ledger documents (docs/probe-protocol.md sections 4 and 6).

Pure functions over plain values: the agno probes feed them what their
``RequestContext`` held, so the document shape lives here once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from agentos_contract.probes.catalogue import DOCUMENT_VERSION, LEDGER_PROBE_ID, Kind

InputType = Literal["none", "dict", "model", "str", "list", "other"]


@dataclass(frozen=True)
class InputDescription:
    """``ctx.input`` as the echo reports it: a JSON value, its type, and the model's class name."""

    value: Any
    input_type: InputType
    input_model: str | None


def describe_input(value: object) -> InputDescription:
    if value is None:
        return InputDescription(None, "none", None)
    if isinstance(value, BaseModel):
        return InputDescription(value.model_dump(mode="json"), "model", type(value).__name__)
    if isinstance(value, dict):
        return InputDescription(json_safe(value), "dict", None)
    if isinstance(value, str):
        return InputDescription(value, "str", None)
    if isinstance(value, list):
        return InputDescription(json_safe(value), "list", None)
    return InputDescription(json_safe(value), "other", None)


def json_safe(value: object) -> Any:
    """``value`` as JSON data; what JSON cannot hold becomes its ``str``.

    Non-finite floats stay floats: ``render`` writes them as ``NaN``/``Infinity``,
    which Python's ``json`` reads back, so a NaN that reached the factory is visible.
    """
    return json.loads(json.dumps(value, default=str))


@dataclass(frozen=True)
class RequestSummary:
    method: str
    path: str


def context_document(
    *,
    user_id: str | None,
    session_id: str | None,
    factory_input: object,
    claims: Mapping[str, Any],
    scopes: Iterable[str],
    request: RequestSummary | None,
) -> dict[str, Any]:
    described = describe_input(factory_input)
    return {
        "user_id": user_id,
        "session_id": session_id,
        "input": described.value,
        "input_type": described.input_type,
        "input_model": described.input_model,
        "claims": json_safe(dict(claims)),
        "scopes": sorted(scopes),
        "request": None if request is None else {"method": request.method, "path": request.path},
    }


def echo_document(
    probe: str, kind: Kind, message: str | None, ctx: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "agentos_contract_probe": DOCUMENT_VERSION,
        "probe": probe,
        "kind": kind,
        "message": message,
        "ctx": None if ctx is None else dict(ctx),
    }


def ledger_document(trace: str, invocations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "agentos_contract_probe": DOCUMENT_VERSION,
        "probe": LEDGER_PROBE_ID,
        "trace": trace,
        "invocations": [dict(entry) for entry in invocations],
    }


def render(document: Mapping[str, Any]) -> str:
    """The reply text of a probe: compact, key-sorted JSON, the same bytes for the same document."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))
