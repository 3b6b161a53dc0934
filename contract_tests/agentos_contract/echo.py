"""Reading what a probe saw: the echo document of docs/probe-protocol.md section 4."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agentos_contract.sse import completion_of, parse_sse


@dataclass(frozen=True)
class Echo:
    """The echo of one probe build; ``ctx`` is None for a prototype."""

    probe: str
    kind: str
    ctx: dict[str, Any] | None
    document: dict[str, Any]

    def field(self, name: str) -> Any:
        return (self.ctx or {}).get(name)


def parse_echo(content: Any) -> Echo | None:
    """The echo inside a run's ``content`` (a JSON string, or an already decoded object)."""
    document = content
    if isinstance(content, str):
        try:
            document = json.loads(content)
        except (ValueError, RecursionError):
            return None
    if not isinstance(document, dict) or document.get("agentos_contract_probe") != 1:
        return None
    ctx = document.get("ctx")
    return Echo(
        probe=str(document.get("probe")),
        kind=str(document.get("kind")),
        ctx=ctx if isinstance(ctx, dict) else None,
        document=document,
    )


def echo_from_run_output(body: Any) -> Echo | None:
    return parse_echo(body.get("content")) if isinstance(body, dict) else None


def echo_from_sse(text: str) -> Echo | None:
    completion = completion_of(parse_sse(text))
    if completion is None or not isinstance(completion.data, dict):
        return None
    return parse_echo(completion.data.get("content"))
