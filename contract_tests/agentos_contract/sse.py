"""Server-sent events as AgentOS frames them: ``event: <Name>\\ndata: <one-line JSON>\\n\\n``.

The suite reads whole (bounded) bodies, so this splits a complete text; a judge must see
malformed frames, so a frame whose data is not JSON is kept with ``data=None``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SseEvent:
    event: str | None
    data: Any
    raw: str


def parse_sse(text: str) -> list[SseEvent]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name: str | None = None
        data_lines = []
        for line in block.split("\n"):
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data_lines.append(value)
        try:
            data = json.loads("\n".join(data_lines)) if data_lines else None
        except (ValueError, RecursionError):
            data = None
        events.append(SseEvent(name, data, block))
    return events


COMPLETION_EVENTS = frozenset({"RunCompleted", "TeamRunCompleted", "WorkflowCompleted"})
ERROR_EVENTS = frozenset({"RunError", "TeamRunError", "WorkflowError", "error"})


def completion_of(events: list[SseEvent]) -> SseEvent | None:
    return next((e for e in reversed(events) if e.event in COMPLETION_EVENTS), None)
