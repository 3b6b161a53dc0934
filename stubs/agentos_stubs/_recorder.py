"""What application code sent, and what the fake factories were invoked with, for assertions."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeAlias, TypeVar

import httpx

from ._components import ComponentKind
from ._context import StubContext

__all__ = ["Endpoint", "FactoryInvocation", "RecordedRequest", "Recorder"]

#: Which AgentOS endpoint a request reached (None when no route matched).
Endpoint: TypeAlias = Literal["health", "list", "get", "run", "continue", "cancel", "get_run", "list_runs"]

T = TypeVar("T")

_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


@dataclass(frozen=True)
class RecordedRequest:
    """One request the application sent to the fake deployment, as sent.

    ``form`` and ``query`` keep the last value of a repeated field (as AgentOS reads them).
    ``status_code`` is the answer's status, or None when an injected connection error or timeout
    answered instead; ``fault`` names the injected fault that shaped the answer, if any.
    """

    method: str
    path: str
    url: str
    headers: httpx.Headers
    query: Mapping[str, str]
    form: Mapping[str, str]
    endpoint: Endpoint | None
    kind: ComponentKind | None
    component_id: str | None
    run_id: str | None
    status_code: int | None
    fault: str | None

    def _field(self, name: str) -> str | None:
        """A form field, or for the GET routes the query parameter of that name."""
        if name in self.form:
            return self.form[name]
        return self.query.get(name) if self.method == "GET" else None

    @property
    def factory_input_text(self) -> str | None:
        """The ``factory_input`` text exactly as sent (form field; query parameter on GETs)."""
        return self._field("factory_input")

    @property
    def factory_input(self) -> Any:
        """The ``factory_input`` sent, parsed from JSON; None when it was not sent.

        Raises ``ValueError`` naming the text when what was sent is not JSON.
        """
        text = self.factory_input_text
        if text is None or text == "":
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the factory_input sent is not JSON ({exc}): {text!r}") from None

    @property
    def message(self) -> str | None:
        return self.form.get("message")

    @property
    def user_id(self) -> str | None:
        """The ``user_id`` the application sent (not the one verified middleware would use)."""
        return self._field("user_id")

    @property
    def session_id(self) -> str | None:
        """The ``session_id`` the application sent (form field, or query parameter)."""
        return self._field("session_id") or self.query.get("session_id")

    @property
    def stream(self) -> bool | None:
        """The ``stream`` form field as AgentOS parses it; None when omitted or unparseable."""
        value = self.form.get("stream")
        if value is None:
            return None
        lowered = value.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None

    @property
    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass(frozen=True)
class FactoryInvocation(Generic[T]):
    """One invocation of a fake factory (or prototype reply): the context it got and how it ended.

    ``error`` is what the reply (or an injected fault) raised; None when it returned.
    """

    kind: ComponentKind
    component_id: str
    endpoint: Endpoint
    context: StubContext[T] | None
    message: str
    error: BaseException | None


class Recorder:
    """Thread-safe lists of requests and invocations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._invocations: list[FactoryInvocation[Any]] = []

    def request(self, recorded: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(recorded)

    def invocation(self, invocation: FactoryInvocation[Any]) -> None:
        with self._lock:
            self._invocations.append(invocation)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def invocations(self) -> list[FactoryInvocation[Any]]:
        with self._lock:
            return list(self._invocations)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._invocations.clear()
