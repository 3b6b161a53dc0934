"""Run events in AgentOS's names and shapes (``event`` repeated inside every data object)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["agent", "team", "workflow"]


@dataclass(frozen=True)
class RunEvent:
    """One event of a run: its AgentOS name and its JSON data."""

    name: str
    data: dict[str, Any]


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
        data = {"created_at": int(time.time()), "event": full_name, **self._base, **fields}
        return RunEvent(full_name, _drop_none(data))
