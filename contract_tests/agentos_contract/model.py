"""The suite's vocabulary: what was sent and seen (exchanges), what a check concluded
(observations), and what the suite says about each clause (verdicts)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Facts = Mapping[str, Any]


class Verdict(str, enum.Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    DEVIATION = "deviation"
    NOT_JUDGED = "not judged"


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its answer, or one WebSocket conversation, exactly as it went."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] | None = None
    status: int | None = None
    response_content_type: str | None = None
    response_text: str = ""
    ws_sent: tuple[str, ...] = ()
    ws_received: tuple[str, ...] = ()
    error: str | None = None
    # The bearer token is never kept: headers and frames hold ``${AGENTOS_CONTRACT_TOKEN}`` instead,
    # and this says which claims (JSON) a token must carry to replay the exchange.
    token_claims: str | None = None

    @property
    def is_websocket(self) -> bool:
        return self.method == "WEBSOCKET"


@dataclass(frozen=True)
class Replay:
    """How to reproduce a failure found by a Hypothesis property."""

    seed: int
    property_name: str
    blob: str | None = None


@dataclass(frozen=True)
class Observation:
    """One judgement of one clause by one check.

    ``facts`` are the observed values a deviation's signature is matched against
    (for example ``{"check": "wf-get-run-input", "status": 200}``).
    """

    clause: str
    check: str
    passed: bool
    expected: str
    observed: str
    facts: Facts = field(default_factory=dict)
    exchange: Exchange | None = None
    replay: Replay | None = None


@dataclass(frozen=True)
class NotJudged:
    """A check that could not judge its clauses, and why."""

    check: str
    clauses: tuple[str, ...]
    reason: str
