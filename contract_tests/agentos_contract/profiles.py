"""Profiles: which observed departures from the spec a run accepts, and why.

A :class:`Deviation` names one known departure: its id, the clause it departs from, the
reason, and the *signature*, the observed facts that identify it. A failed observation is
accepted only when its clause is the deviation's clause and every fact of the signature
matches; any other failure of the same clause still counts as a violation. Accepted
deviations are reported on their own, never hidden.

Signature values: a scalar must equal the observed fact, a list lists the allowed values,
``{"contains": "text"}`` needs the text inside the observed value.

The ``agno-3.1`` profile accepts each numbered difference of wire-notes section 2 that a
check can observe. A baseline file (JSON, or TOML on Python 3.11+) adds deviations of the
same shape: ``{"deviations": [{"id", "clause", "reason", "signature": {...}}]}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentos_contract.clauses import CLAUSES_BY_ID
from agentos_contract.model import Observation


class ProfileError(ValueError):
    """An unknown profile or a malformed baseline file."""


@dataclass(frozen=True)
class Deviation:
    id: str
    clause: str
    reason: str
    signature: Mapping[str, Any]
    source: str = "profile"

    def matches(self, observation: Observation) -> bool:
        if observation.clause != self.clause or observation.passed:
            return False
        return all(
            key in observation.facts and _fact_matches(expected, observation.facts[key])
            for key, expected in self.signature.items()
        )


def _fact_matches(expected: Any, observed: Any) -> bool:
    if isinstance(expected, dict):
        if set(expected) != {"contains"}:
            raise ProfileError(f"unknown signature operator in {expected!r}")
        return str(expected["contains"]) in str(observed)
    if isinstance(expected, list):
        return observed in expected
    return bool(expected == observed)


@dataclass(frozen=True)
class Profile:
    name: str
    deviations: tuple[Deviation, ...] = field(default_factory=tuple)

    def match(self, observation: Observation) -> Deviation | None:
        return next((d for d in self.deviations if d.matches(observation)), None)

    def with_baseline(self, deviations: Sequence[Deviation]) -> Profile:
        return Profile(f"{self.name}+baseline", self.deviations + tuple(deviations))


AGNO_3_1 = (
    Deviation(
        "agno-3.1/1",
        "C25",
        "agno 3.1.10 ignores factory_input on GET /workflows/{id}/runs/{run_id} (reading a run no "
        "longer invokes the factory): invalid input answers 200.",
        {"check": "workflow-get-routes", "route": "get-run", "status": 200},
    ),
    Deviation(
        "agno-3.1/2",
        "C27",
        "agno 3.1.10 serves the workflow WebSocket at /workflows/ws (workflow_id in the message), "
        "not /workflows/{id}/ws, whose handshake is refused.",
        {"check": "ws-run", "route": "spec", "handshake": "refused"},
    ),
    Deviation(
        "agno-3.1/3a",
        "C33",
        "agno 3.1.10 passes the WebSocket message's raw factory_input value to a factory without "
        "input_schema: a JSON string or an array arrives as str or list instead of a 400.",
        {"check": "ws-validation", "schema": "none", "outcome": "completed"},
    ),
    Deviation(
        "agno-3.1/3b",
        "C31",
        "agno 3.1.10 reports every WebSocket factory failure as the same error frame "
        "('Factory error: ...') without a status, so a validation failure is not a 400.",
        {"check": "ws-validation", "outcome": "error-frame", "frame_status": None},
    ),
    Deviation(
        "agno-3.1/3c",
        "C38",
        "agno 3.1.10 reports a FactoryPermissionError on the WebSocket as 'Factory error: ...' "
        "without a status, so 403 cannot be told from 400 or 500.",
        {"check": "ws-errors", "frame_status": None, "error": {"contains": "Factory error"}},
    ),
    Deviation(
        "agno-3.1/3d",
        "C39",
        "agno 3.1.10 reports a FactoryError on the WebSocket without a status.",
        {"check": "ws-errors", "frame_status": None, "error": {"contains": "Factory error"}},
    ),
    Deviation(
        "agno-3.1/3e",
        "C40",
        "agno 3.1.10 reports a bad return type on the WebSocket without a status.",
        {"check": "ws-errors", "frame_status": None, "error": {"contains": "Factory error"}},
    ),
    Deviation(
        "agno-3.1/3f",
        "C41",
        "agno 3.1.10 reports an uncaught exception on the WebSocket without a status.",
        {"check": "ws-errors", "frame_status": None, "error": {"contains": "Factory error"}},
    ),
    Deviation(
        "agno-3.1/3g",
        "C47",
        "agno 3.1.10 reports a FactoryValidationError the factory raised on the WebSocket as "
        "'Factory error: ...' without a status, so it is not a 400.",
        {"check": "ws-errors", "frame_status": None, "error": {"contains": "Factory error"}},
    ),
    Deviation(
        "agno-3.1/3h",
        "C41",
        "agno 3.1.10 formats a WebSocket factory failure with str(exc): for an exception whose str() "
        "raises, the error frame carries that second exception's text and no status.",
        {"check": "ws-errors", "frame_status": None, "raised": "unprintable"},
    ),
    Deviation(
        "agno-3.1/3i",
        "H02",
        "agno 3.1.10's WebSocket error frame is 'Factory error: <str(exc)>' for every factory "
        "failure, FactoryError included: the exception text HTTP hides reaches the client.",
        {"check": "ws-errors", "leaked": True, "error": {"contains": "Factory error"}},
    ),
    Deviation(
        "agno-3.1/4a",
        "C17",
        "agno 3.1.10 ignores the verified session_id claim on the WebSocket and uses the "
        "message's session_id (None when the message has none).",
        {"check": "ws-identity", "field": "session_id", "observed_source": ["form", "none"]},
    ),
    Deviation(
        "agno-3.1/4b",
        "C19",
        "agno 3.1.10 always takes the WebSocket user_id from the token's sub, even when the token "
        "has none: the message's user_id is dropped and ctx.user_id is None.",
        {"check": "ws-identity", "field": "user_id", "observed_source": "none"},
    ),
    Deviation(
        "agno-3.1/5",
        "C27",
        "agno 3.1.10 requires the workflows:run scope for WebSocket runs in JWT mode, even with "
        "authorization off; HTTP runs need no scope.",
        {"check": "ws-run", "token_scopes": "none", "error": {"contains": "Insufficient permissions"}},
    ),
    Deviation(
        "agno-3.1/5b",
        "C38",
        "agno 3.1.10 refuses a WebSocket run without the workflows:run scope before the factory "
        "runs ('Insufficient permissions ...', no status), so the factory's own 403 is not seen.",
        {"check": "ws-errors", "probe_behaviour": "scope", "error": {"contains": "Insufficient permissions"}},
    ),
    Deviation(
        "agno-3.1/6a",
        "C28",
        "agno 3.1.10 validates the omitted factory_input as {} on agent/team continue: a factory "
        "with an all-defaults schema sees the defaults model instead of None.",
        {"check": "continue-agent-team", "schema": "defaults", "input_type": "model"},
    ),
    Deviation(
        "agno-3.1/6b",
        "C28",
        "agno 3.1.10 validates the omitted factory_input as {} on agent/team continue: a factory "
        "with a required-field schema can never be continued (400).",
        {"check": "continue-agent-team", "schema": "required", "status": 400},
    ),
    Deviation(
        "agno-3.1/7",
        "C44",
        "agno 3.1.10's WebSocket continue-workflow on a factory workflow surfaces "
        "FactoryContextRequired ('... is a factory and requires a RequestContext.').",
        {"check": "ws-continue", "error": {"contains": "requires a RequestContext"}},
    ),
    Deviation(
        "agno-3.1/10",
        "H02",
        "agno 3.1.10 answers a plain exception raised in a factory with 500 'Error in <kind> "
        "factory: <str(exc)>', leaking the exception text (FactoryError texts stay hidden), in every "
        "run mode (stream=false, stream=true, background=true).",
        {
            "check": "exception-table",
            "leaked": True,
            "raised": ["RuntimeError", "ValueError", "KeyError", "TypeError", "AssertionError"],
        },
    ),
    # Measured for the suite's probe protocol v2 (docs/agno-compat.md, "Probe protocol v2").
    Deviation(
        "agno-3.1/ev1",
        "C10",
        "agno 3.1.10 keeps a factory run's per-step events only when the run was streamed: after a "
        "stream=false run (and a background run) the stored run's events is [] although the factory "
        "set store_events=True.",
        {"check": "stored-runs", "mode": ["json", "background"], "events": "empty"},
    ),
    Deviation(
        "agno-3.1/json1",
        "C33",
        "agno 3.1.10 parses factory_input with json.loads and catches only JSONDecodeError and "
        "TypeError: a number with more digits than Python's int parser takes (ValueError) is a 500 "
        "'Internal server error (ValueError)', not a 400.",
        {"check": "edge-corpus", "edge": "overflowing integer", "status": 500},
    ),
    Deviation(
        "agno-3.1/json2",
        "C33",
        "agno 3.1.10 answers factory_input nested deeper than Python's recursion limit with a 500 "
        "'Internal server error (RecursionError)', not a 400.",
        {"check": "edge-corpus", "edge": "deep nesting", "status": 500},
    ),
    # Tenant isolation (wire-notes section 12): agno keeps tenants apart only with
    # user_isolation=True, which defaults to off. Accepted only where the run found isolation off;
    # with it on, agno holds H05-H08 and these signatures match nothing.
    Deviation(
        "agno-3.1/iso1",
        "H05",
        "agno 3.1.10 without user_isolation=True (the default) lets another verified user read and "
        "list a user's runs (200 with the run, where an unknown id is 404).",
        {"check": "tenant-isolation", "isolation": "off", "route": ["read", "list"]},
    ),
    Deviation(
        "agno-3.1/iso2",
        "H06",
        "agno 3.1.10 without user_isolation=True serves a token without a user, or with an empty "
        "one, like any other user: it reads and lists every user's runs, and a token whose user is "
        "'' continues another user's paused run.",
        {"check": "tenant-isolation", "isolation": "off"},
    ),
    Deviation(
        "agno-3.1/iso3",
        "H07",
        "agno 3.1.10 without user_isolation=True records anyone's cancel of any run id (200 {}, as "
        "for an unknown id): the owner's paused run reads PAUSED, but its next continue ends "
        "CANCELLED.",
        {"check": "tenant-isolation", "isolation": "off"},
    ),
    Deviation(
        "agno-3.1/iso4",
        "H10",
        "agno 3.1.10 checks a WebSocket's token once, at authenticate: after the token expires (HTTP "
        "answers 401) the socket still runs workflows, with isolation on or off.",
        {"check": "ws-isolation", "route": "expiry", "outcome": "completed"},
    ),
)

# Differences of wire-notes section 2 that no check flags, and why (shown in --list-profiles).
AGNO_3_1_NOT_OBSERVED = {
    "agno-3.1/8": "the factory runs before the run lookup on continue and list-runs: the spec does "
    "not order them, so the suite judges 404 for unknown runs only with factories "
    "that succeed",
    "agno-3.1/9": "ctx.session_id is None when the client sends none: that is the spec's third "
    "precedence rule ('None'), so it conforms",
    "agno-3.1/11": "sync invocation of an async factory cannot be reached over HTTP: the clause "
    "(C42) is judged by unit tests",
    "agno-3.1/12": "validation comes before the permission check: conforming (C37)",
}

PROFILES: dict[str, Profile] = {
    "spec": Profile("spec"),
    "agno-3.1": Profile("agno-3.1", AGNO_3_1),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None


def _load_document(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib

            return tomllib.loads(text)
        raise ProfileError("TOML baselines need Python 3.11+; use a .json baseline")
    return json.loads(text)


def load_baseline(path: Path) -> tuple[Deviation, ...]:
    """Read a baseline of user-accepted deviations; every entry is checked, none is guessed."""
    try:
        document = _load_document(path)
    except OSError as exc:
        raise ProfileError(f"cannot read baseline {path}: {exc}") from exc
    except ValueError as exc:
        raise ProfileError(f"baseline {path} is not valid JSON/TOML: {exc}") from exc
    entries = document.get("deviations") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ProfileError(f"baseline {path}: expected a top-level 'deviations' list")
    deviations = []
    for index, entry in enumerate(entries):
        where = f"baseline {path}, deviation #{index + 1}"
        if not isinstance(entry, dict):
            raise ProfileError(f"{where}: expected a table/object")
        missing = {"id", "clause", "reason", "signature"} - set(entry)
        if missing:
            raise ProfileError(f"{where}: missing {', '.join(sorted(missing))}")
        if entry["clause"] not in CLAUSES_BY_ID:
            raise ProfileError(f"{where}: unknown clause {entry['clause']!r}")
        signature = entry["signature"]
        if not isinstance(signature, dict) or not signature:
            raise ProfileError(f"{where}: the signature must be a non-empty table of observed facts")
        for value in signature.values():
            if isinstance(value, dict) and set(value) != {"contains"}:
                raise ProfileError(f"{where}: unknown signature operator in {value!r}")
        if not all(isinstance(entry[k], str) and entry[k] for k in ("id", "reason")):
            raise ProfileError(f"{where}: id and reason must be non-empty strings")
        deviations.append(
            Deviation(entry["id"], entry["clause"], entry["reason"], signature, source=str(path))
        )
    return tuple(deviations)
