"""The runs a fake deployment has answered, kept so continue, cancel and the run reads work."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel

from ._components import ComponentKind, StubComponent
from ._errors import StubConfigurationError

__all__ = ["Content", "PauseArtefacts", "RunStatus", "RunStore", "StoredRun", "new_id", "render_reply"]

RunStatus: TypeAlias = Literal["PENDING", "RUNNING", "COMPLETED", "PAUSED", "CANCELLED", "ERROR"]


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Content:
    """A run's answer as agno serialises it: ``content`` and ``content_type``."""

    value: Any
    content_type: str


def render_reply(component: StubComponent, value: object) -> Content:
    """The content of a reply's return value; anything else is the test author's mistake."""
    if isinstance(value, str):
        return Content(value, "str")
    if isinstance(value, BaseModel):
        return Content(value.model_dump(mode="json"), type(value).__name__)
    if isinstance(value, (Mapping, list)):
        try:
            data = json.loads(json.dumps(value, allow_nan=False, default=_thaw))
        except (TypeError, ValueError) as exc:
            raise StubConfigurationError(
                f"{component.id}: the reply returned data JSON cannot hold: {exc}"
            ) from exc
        return Content(data, "dict" if isinstance(value, Mapping) else "list")
    raise StubConfigurationError(
        f"{component.id}: a reply returns text, a pydantic model, a JSON object or a JSON array,"
        f" not {type(value).__name__}"
        " (raise agentos_stubs.FactoryError to make the factory fail)"
    )


def _thaw(value: object) -> object:
    # A reply may return (part of) the deep-frozen claims: their read-only mappings are JSON objects.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


@dataclass(frozen=True)
class PauseArtefacts:
    """The ids of what a paused run waits for (agent/team tool call, workflow step)."""

    tool_call_id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex}")
    requirement_id: str = field(default_factory=new_id)
    step_id: str = field(default_factory=new_id)
    created_at: int = field(default_factory=lambda: int(time.time()))


@dataclass
class StoredRun:
    """One run: what was asked, by whom, and how it stands.

    ``owner`` is the verified user the run belongs to (None: no verified user started it); it is
    set once and decides who may read, list, continue and cancel the run. ``user_id`` is what the
    run shows (``ctx.user_id`` of its start), never who may see it.
    """

    component: StubComponent
    run_id: str
    session_id: str
    user_id: str | None
    message: str
    status: RunStatus
    content: Content | None = None
    pause: PauseArtefacts | None = None
    #: The continue's decision on the paused tool or step (None: not decided, or never paused).
    confirmed: bool | None = None
    forked_from_run_id: str | None = None
    #: ``POST .../cancel`` was received for this run (agno records the intent).
    cancel_requested: bool = False
    created_at: int = field(default_factory=lambda: int(time.time()))
    owner: str | None = None
    #: The per-step events kept on the run output (factories set store_events=True); None: not kept.
    events: list[dict[str, Any]] | None = None

    @property
    def kind(self) -> ComponentKind:
        return self.component.kind


class RunStore:
    """Runs by id; a run belongs to one component, one session and one owner.

    Every lookup is scoped to an owner: another owner's run is not found, as if it did not exist.
    """

    def __init__(self) -> None:
        self._runs: dict[str, StoredRun] = {}

    def add(self, run: StoredRun) -> StoredRun:
        self._runs[run.run_id] = run
        return run

    def find(
        self, component: StubComponent, run_id: str, session_id: str | None, *, owner: str | None
    ) -> StoredRun | None:
        """The run, if it is this component's, ``owner``'s and (when a session is given) in that session."""
        run = self._runs.get(run_id)
        if run is None or run.component.kind != component.kind or run.component.id != component.id:
            return None
        if run.owner != owner:
            return None
        if session_id is not None and run.session_id != session_id:
            return None
        return run

    def in_session(self, component: StubComponent, session_id: str, *, owner: str | None) -> list[StoredRun]:
        """``owner``'s runs of this component in the session (sessions are namespaced per owner)."""
        return [
            run
            for run in self._runs.values()
            if run.component.kind == component.kind
            and run.component.id == component.id
            and run.session_id == session_id
            and run.owner == owner
        ]

    def session_owned_by_another(self, component: StubComponent, session_id: str, owner: str | None) -> bool:
        """Whether another owner already has runs of this component in ``session_id``."""
        return any(
            run.component.kind == component.kind
            and run.component.id == component.id
            and run.session_id == session_id
            and run.owner != owner
            for run in self._runs.values()
        )

    def clear(self) -> None:
        self._runs.clear()
