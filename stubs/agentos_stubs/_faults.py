"""Injected faults: what the next matching request, factory invocation or stream does instead.

Three stages, because a real failure happens at one of them:

* ``request``: before the deployment sees the request (a status answer, a connection error, a
  timeout); nothing runs and nothing is stored.
* ``factory``: when AgentOS would invoke the factory (after ``factory_input`` validated): the
  factory denies permission or crashes, exactly as a raising factory would answer.
* ``stream``: a streaming answer breaks after some events, ends cleanly before its completion
  event, or carries an error event.
* ``latency``: the answer (any stage's) comes late; taken apart from the others, so a latency and
  a status fault can both apply to one request.

A fault applies to requests naming its target component (any request when the target is None)
and is used up after ``times`` matches; faults of one stage apply in the order they were added.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = ["ConnectionPhase", "Fault", "FaultKind", "FaultPlan", "Stage", "TimeoutPhase"]

FaultKind: TypeAlias = Literal[
    "status",
    "permission_denied",
    "crash",
    "connection_error",
    "timeout",
    "break_stream",
    "end_stream",
    "error_event",
    "latency",
]
Stage: TypeAlias = Literal["request", "factory", "stream", "latency"]
ConnectionPhase: TypeAlias = Literal["connect", "read"]
TimeoutPhase: TypeAlias = Literal["connect", "read", "write", "pool"]

STAGES: Mapping[FaultKind, Stage] = {
    "status": "request",
    "connection_error": "request",
    "timeout": "request",
    "permission_denied": "factory",
    "crash": "factory",
    "break_stream": "stream",
    "end_stream": "stream",
    "error_event": "stream",
    "latency": "latency",
}


@dataclass
class Fault:
    """One injected fault and how many more times it applies."""

    kind: FaultKind
    target: str | None
    remaining: int
    status: int = 0
    detail: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    message: str = ""
    phase: str = ""
    n_events: int = 0
    seconds: float = 0.0

    @property
    def stage(self) -> Stage:
        return STAGES[self.kind]

    def matches(self, component_id: str | None) -> bool:
        return self.target is None or self.target == component_id


class FaultPlan:
    """The pending faults of one deployment."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, stage: Stage, component_id: str | None) -> Fault | None:
        """The first pending fault of ``stage`` for ``component_id``, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.stage == stage and fault.matches(component_id):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
