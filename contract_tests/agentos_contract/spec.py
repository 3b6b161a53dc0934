"""The suite's own copy of the spec's tables, each written once: kinds and their routes, the run
scopes, the run modes, the exception-to-status table and the identity-precedence rule.

Checks send what these tables say and judgements compare against them; nothing else in the
suite spells a route, a scope or a status of the exception table. (The reference server and the
SDK each keep their own copy: ``ARCHITECTURE.md``, one table per side.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

# -- kinds, routes and scopes ----------------------------------------------------------------------

Kind = Literal["agent", "team", "workflow"]
KINDS: tuple[Kind, ...] = ("agent", "team", "workflow")

# The scope a factory of each kind may demand to run (the guide's ``"agents:run" not in
# ctx.trusted.scopes`` example, and the probes' scope gate).
RUN_SCOPES: Mapping[Kind, str] = MappingProxyType(
    {"agent": "agents:run", "team": "teams:run", "workflow": "workflows:run"}
)
# Scopes an RBAC deployment may ask of ordinary requests (agno's default scope mappings); sent by
# the suite's own user only when the deployment turned out to enforce scopes on discovery.
RBAC_SCOPES: tuple[str, ...] = (
    "agents:read",
    "teams:read",
    "workflows:read",
    "sessions:read",
    "sessions:write",
    *RUN_SCOPES.values(),
)
# The answers that refuse a caller outright (no token, a token the deployment does not take).
REFUSALS = (401, 403)


def collection(kind: Kind) -> str:
    """``/agents``, ``/teams``, ``/workflows``: discovery, and the prefix of every route below."""
    return f"/{kind}s"


def component_path(kind: Kind, component_id: str) -> str:
    return f"{collection(kind)}/{component_id}"


def runs_path(kind: Kind, component_id: str) -> str:
    """POST: start a run (factory_input from the form); GET on workflows: list runs (from the query)."""
    return f"{component_path(kind, component_id)}/runs"


def run_path(kind: Kind, component_id: str, run_id: str) -> str:
    return f"{runs_path(kind, component_id)}/{run_id}"


def continue_path(kind: Kind, component_id: str, run_id: str) -> str:
    return f"{run_path(kind, component_id, run_id)}/continue"


def cancel_path(kind: Kind, component_id: str, run_id: str) -> str:
    return f"{run_path(kind, component_id, run_id)}/cancel"


def ws_spec_path(workflow_id: str) -> str:
    """The spec's WebSocket route (``WS /workflows/{id}/ws``)."""
    return f"/workflows/{workflow_id}/ws"


# agno 3.1 serves the WebSocket here instead, with the workflow id in the message (wire notes 2.2).
WS_AGNO_PATH = "/workflows/ws"


def id_key(kind: Kind) -> str:
    """The run output's key for the component id (``agent_id``, ...)."""
    return f"{kind}_id"


# -- run modes -------------------------------------------------------------------------------------

# How a run can be asked for: POST .../runs with stream=false (a JSON run output), stream=true (SSE),
# background=true with stream=false (202, the run read back later), and start-workflow over the
# workflow WebSocket. The catalogue says which clause applies to which mode.
RunMode = Literal["json", "sse", "background", "websocket"]
HTTP_RUN_MODES: tuple[RunMode, ...] = ("json", "sse", "background")
RUN_MODES: tuple[RunMode, ...] = (*HTTP_RUN_MODES, "websocket")
BACKGROUND_STATUS = 202


def mode_form(mode: RunMode) -> list[tuple[str, str]]:
    """The form fields that ask for an HTTP run mode."""
    if mode == "json":
        return [("stream", "false")]
    if mode == "sse":
        return [("stream", "true")]
    if mode == "background":
        return [("stream", "false"), ("background", "true")]
    raise ValueError(f"{mode} is not an HTTP run mode")


# -- the exception table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionRow:
    """One row of the spec's exception table, as a raise-probe (protocol v2) triggers it.

    ``raised`` is the name the probe takes in ``factory_input.raise``; ``status`` is what every run
    mode answers (an error frame's ``status`` on the WebSocket); ``clause`` is the sentence that
    gives that status.
    """

    raised: str
    clause: str
    status: int
    what: str

    @property
    def hides_text(self) -> bool:
        """A 500 never shows the exception's text (H02); 400/403 details may."""
        return self.status == 500


EXCEPTION_TABLE: tuple[ExceptionRow, ...] = (
    ExceptionRow("FactoryPermissionError", "C38", 403, "raises FactoryPermissionError"),
    ExceptionRow(
        "FactoryPermissionError-subclass", "C38", 403, "raises a subclass of FactoryPermissionError"
    ),
    ExceptionRow("FactoryError", "C39", 500, "raises a bare FactoryError"),
    ExceptionRow("FactoryError-subclass", "C39", 500, "raises a subclass of FactoryError"),
    ExceptionRow("FactoryValidationError", "C47", 400, "raises FactoryValidationError itself"),
    ExceptionRow("ValueError", "C41", 500, "raises ValueError"),
    ExceptionRow("KeyError", "C41", 500, "raises KeyError"),
    ExceptionRow("TypeError", "C41", 500, "raises TypeError"),
    ExceptionRow("RuntimeError", "C41", 500, "raises RuntimeError"),
    ExceptionRow("AssertionError", "C41", 500, "raises AssertionError"),
    ExceptionRow("unprintable", "C41", 500, "raises an exception whose str() itself raises"),
)
EXCEPTIONS_BY_NAME: Mapping[str, ExceptionRow] = MappingProxyType(
    {row.raised: row for row in EXCEPTION_TABLE}
)

# The protocol v1 probes that fail by behaviour rather than by factory_input, with their rows.
BEHAVIOUR_ROWS: tuple[tuple[str, ExceptionRow], ...] = (
    ("scope", ExceptionRow("FactoryPermissionError", "C38", 403, "raises FactoryPermissionError")),
    ("factory-error", ExceptionRow("FactoryError", "C39", 500, "raises FactoryError")),
    ("wrong-type", ExceptionRow("wrong-type", "C40", 500, "returns the wrong component type")),
    ("crash", ExceptionRow("RuntimeError", "C41", 500, "raises RuntimeError")),
)

# Texts the probes put in the exceptions they raise: a 500 that contains one leaks str(exc) (H02).
SECRETS = ("probe-crash-secret-7f3a", "probe-factory-error-secret-91c2", "probe-raise-secret-")


def leaked_secret(text: str) -> bool:
    return any(secret in text for secret in SECRETS)


# -- identity precedence ---------------------------------------------------------------------------


def expected_identity(verified: str | None, form: str | None) -> str | None:
    """The spec's precedence: the verified value when set, else the form field, else None."""
    return verified if verified is not None else form


def identity_clause(verified: str | None, form: str | None) -> str:
    """The clause that decides one identity field: C17 verified wins, C18 a disagreeing form value
    is overridden, C19 the form is the fallback, C20 neither gives None."""
    if verified is not None:
        return "C18" if form is not None and form != verified else "C17"
    return "C19" if form is not None else "C20"


# -- run outputs -----------------------------------------------------------------------------------

# The first and last event of a completed run of each kind (SSE names, and the stored events').
START_EVENTS: Mapping[Kind, str] = MappingProxyType(
    {"agent": "RunStarted", "team": "TeamRunStarted", "workflow": "WorkflowStarted"}
)
COMPLETION_EVENTS: Mapping[Kind, str] = MappingProxyType(
    {"agent": "RunCompleted", "team": "TeamRunCompleted", "workflow": "WorkflowCompleted"}
)
TERMINAL_STATUSES = frozenset({"COMPLETED", "ERROR", "CANCELLED", "PAUSED"})
