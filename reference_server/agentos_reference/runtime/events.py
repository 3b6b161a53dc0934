"""Run events in AgentOS's names and shapes (``event`` repeated inside every data object).

An event is made together with its wire text (strict JSON, UTF-8 encodable), so an event no
client could receive (a lone surrogate from a tool, a NaN in a model's tool arguments) fails
where the engine makes it, and the engine ends that run as failed, instead of failing later
in the middle of a response or of a storage write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["agent", "team", "workflow"]


class EventEncodingError(ValueError):
    """An event's data cannot be sent as JSON text (not UTF-8 encodable, non-finite, not JSON at all)."""


@dataclass(frozen=True)
class RunEvent:
    """One event of a run: its AgentOS name, its JSON data, and that data as one line of JSON text."""

    name: str
    data: dict[str, Any]
    data_json: str


def wire_json(name: str, data: dict[str, Any]) -> str:
    """``data`` as one line of strict JSON text that encodes to UTF-8 (EventEncodingError otherwise)."""
    try:
        # JSON escapes every newline inside strings, so the text is always one line.
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError) as error:
        raise EventEncodingError(f"{name} cannot be sent as JSON text: {error}") from error
    return text


@dataclass(frozen=True)
class StepContext:
    """Where a nested agent/team run sits inside a workflow run (stamped on its events)."""

    workflow_id: str | None
    workflow_run_id: str
    step_id: str
    step_name: str
    step_index: int


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


class EventStamp:
    """Builds the events of one run, stamping the identity fields each of them carries."""

    def __init__(
        self,
        kind: Kind,
        *,
        component_id: str | None,
        component_name: str | None,
        run_id: str,
        session_id: str,
        step: StepContext | None = None,
    ) -> None:
        self.kind = kind
        self._prefix = "Team" if kind == "team" else ""
        self._base: dict[str, Any] = {f"{kind}_id": component_id or "", f"{kind}_name": component_name}
        if kind == "workflow":
            self._base.update(session_id=session_id, run_id=run_id)
        else:
            self._base.update(run_id=run_id, session_id=session_id)
        if step is not None:
            self._base.update(
                workflow_id=step.workflow_id,
                workflow_run_id=step.workflow_run_id,
                step_id=step.step_id,
                step_name=step.step_name,
                step_index=step.step_index,
            )
        self._base["nested_depth"] = 0

    def event_name(self, name: str) -> str:
        """Team events carry a ``Team`` prefix (``TeamRunStarted``); agent and workflow names are as given."""
        return self._prefix + name

    def make(self, name: str, **fields: Any) -> RunEvent:
        full_name = self.event_name(name)
        data = _drop_none({"created_at": int(time.time()), "event": full_name, **self._base, **fields})
        return RunEvent(full_name, data, wire_json(full_name, data))


class EventLog:
    """The events a run keeps with its stored output, held as their wire text.

    Every event is encoded once, when it is made (:func:`wire_json`); storing the run splices
    those texts in instead of encoding the events a second time.
    """

    def __init__(self, stored: Iterable[Mapping[str, Any]] = ()) -> None:
        # Events read back from storage were written as strict JSON by this server: they encode again.
        self._texts = [json.dumps(item, separators=(",", ":"), ensure_ascii=False) for item in stored]

    def append(self, event: RunEvent) -> None:
        self._texts.append(event.data_json)

    def json(self) -> str:
        """The events as one JSON array."""
        return "[" + ",".join(self._texts) + "]"
