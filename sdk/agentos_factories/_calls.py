"""The endpoint table of the spec, once, as request builders shared by sync and async resources.

| Endpoint                                         | factory_input          | retried                 |
|--------------------------------------------------|------------------------|-------------------------|
| POST /{agents,teams,workflows}/{id}/runs         | form field             | only if never sent      |
| POST /workflows/{id}/runs/{run_id}/continue      | form field             | only if never sent      |
| POST /{agents,teams}/{id}/runs/{run_id}/continue | not read (not sent)    | only if never sent      |
| GET  /workflows/{id}/runs/{run_id}               | query parameter        | idempotent              |
| GET  /workflows/{id}/runs                        | query parameter        | idempotent              |
| POST .../runs/{run_id}/cancel                    | not read (not sent)    | idempotent (intent)     |
| GET  /{kind}, GET /{kind}/{id}                   | -                      | idempotent              |
| WS   /workflows/{id}/ws (or /workflows/ws)       | JSON field of message  | handshake only          |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel

from ._request import ApiCall, CallOptions, encode_factory_input, encode_json_list, form, path
from ._types import FactoryInput

__all__ = [
    "Kind",
    "cancel",
    "continue_run",
    "get_component",
    "get_run",
    "list_components",
    "list_runs",
    "run",
]

Kind: TypeAlias = Literal["agents", "teams", "workflows"]

#: What continue takes back from a paused run, per kind: (form field name, items).
HitlItems: TypeAlias = Sequence[BaseModel | Mapping[str, Any]]


def list_components(kind: Kind, options: CallOptions) -> ApiCall:
    return ApiCall("GET", f"/{kind}", retry="idempotent", options=options)


def get_component(kind: Kind, component_id: str, options: CallOptions) -> ApiCall:
    return ApiCall("GET", path(f"/{kind}/{{}}", component_id), retry="idempotent", options=options)


def _optional_str(name: str, value: str | None) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, not {type(value).__name__}")
    return value


def run(
    kind: Kind,
    component_id: str,
    *,
    message: str,
    stream: bool,
    factory_input: FactoryInput,
    user_id: str | None,
    session_id: str | None,
    options: CallOptions,
) -> ApiCall:
    if not isinstance(message, str):
        raise TypeError(f"message must be a string, not {type(message).__name__}")
    fields = form(
        message=message,
        stream=stream,
        user_id=_optional_str("user_id", user_id),
        session_id=_optional_str("session_id", session_id),
        factory_input=encode_factory_input(factory_input),
    )
    return ApiCall(
        "POST", path(f"/{kind}/{{}}/runs", component_id), retry="never_sent", form=fields, options=options
    )


def continue_run(
    kind: Kind,
    component_id: str,
    run_id: str,
    *,
    stream: bool,
    session_id: str | None,
    user_id: str | None,
    hitl_field: str,
    hitl_items: HitlItems | None,
    factory_input: FactoryInput = None,
    input: str | None = None,
    options: CallOptions,
) -> ApiCall:
    fields = form(
        stream=stream,
        session_id=_optional_str("session_id", session_id),
        user_id=_optional_str("user_id", user_id),
        input=_optional_str("input", input),
        factory_input=encode_factory_input(factory_input),
    )
    encoded = encode_json_list(hitl_items, hitl_field)
    if encoded is not None:
        fields[hitl_field] = encoded
    return ApiCall(
        "POST",
        path(f"/{kind}/{{}}/runs/{{}}/continue", component_id, run_id),
        retry="never_sent",
        form=fields,
        options=options,
    )


def cancel(
    kind: Kind, component_id: str, run_id: str, *, session_id: str | None, options: CallOptions
) -> ApiCall:
    checked = _optional_str("session_id", session_id)
    params = {"session_id": checked} if checked is not None else None
    return ApiCall(
        "POST",
        path(f"/{kind}/{{}}/runs/{{}}/cancel", component_id, run_id),
        retry="idempotent",
        params=params,
        options=options,
    )


def _run_query(session_id: str, factory_input: FactoryInput, status: str | None = None) -> dict[str, str]:
    if not isinstance(session_id, str) or not session_id:
        raise ValueError("session_id is required to read workflow runs")
    params = {"session_id": session_id}
    encoded = encode_factory_input(factory_input)
    if encoded is not None:
        params["factory_input"] = encoded
    if status is not None:
        params["status"] = status
    return params


def get_run(
    workflow_id: str,
    run_id: str,
    *,
    session_id: str,
    factory_input: FactoryInput,
    options: CallOptions,
) -> ApiCall:
    return ApiCall(
        "GET",
        path("/workflows/{}/runs/{}", workflow_id, run_id),
        retry="idempotent",
        params=_run_query(session_id, factory_input),
        options=options,
    )


def list_runs(
    workflow_id: str,
    *,
    session_id: str,
    status: str | None,
    factory_input: FactoryInput,
    options: CallOptions,
    limit: int | None = None,
    page: int | None = None,
) -> ApiCall:
    params = _run_query(session_id, factory_input, status)
    for name, value in (("limit", limit), ("page", page)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            params[name] = str(value)
    return ApiCall(
        "GET",
        path("/workflows/{}/runs", workflow_id),
        retry="idempotent",
        params=params,
        options=options,
    )
