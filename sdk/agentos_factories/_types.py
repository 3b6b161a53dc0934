"""Aliases and sentinels shared by the whole SDK.

``NOT_GIVEN`` tells "the caller said nothing" apart from an explicit ``None``
(e.g. ``timeout=None`` disables the timeout, while leaving it out keeps the
client's default), the way httpx and the anthropic SDK do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal, TypeAlias, TypeVar

import httpx
from pydantic import BaseModel
from typing_extensions import final, override


@final
class NotGiven:
    """The type of :data:`NOT_GIVEN`; falsy, and a singleton in practice."""

    def __bool__(self) -> Literal[False]:
        return False

    @override
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()

#: What ``factory_input`` accepts on the plain methods: a pydantic model instance
#: (sent as ``model_dump(mode="json")``), a JSON-object mapping, or nothing.
FactoryInput: TypeAlias = BaseModel | Mapping[str, object] | None

#: A pydantic model type parameter of the typed factory handles.
ModelT = TypeVar("ModelT", bound=BaseModel)

#: A bearer token: the token itself, or a callable that returns a fresh one per request.
TokenSource: TypeAlias = str | Callable[[], str] | None

#: The async client also accepts a coroutine function as the token source.
AsyncTokenSource: TypeAlias = str | Callable[[], str] | Callable[[], Awaitable[str]] | None

#: A timeout in seconds for every phase, an ``httpx.Timeout`` with per-phase values, or ``None`` (no timeout).
TimeoutTypes: TypeAlias = float | httpx.Timeout | None

#: Which WebSocket route a workflow session uses: the spec's ``/workflows/{id}/ws``, agno 3.1's
#: ``/workflows/ws`` (workflow id in the message), or ``"auto"``: the spec route first, then agno's
#: when the handshake is refused.
WebSocketRoute: TypeAlias = Literal["auto", "spec", "agno"]

#: Extra request headers (``extra_headers=``) or query parameters (``extra_query=``) of one call.
Headers: TypeAlias = Mapping[str, str]
Query: TypeAlias = Mapping[str, str]

#: The timeout when neither ``timeout`` nor an injected ``http_client`` says otherwise.
DEFAULT_TIMEOUT = httpx.Timeout(timeout=600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
#: The default bound of a non-streamed body, decoded (``max_response_bytes``): 32 MiB.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: How much of an error body is read: its ``detail`` is a message, not a document.
MAX_ERROR_BODY_BYTES = 8 * 1024
