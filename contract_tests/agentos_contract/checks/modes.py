"""Running a probe in each HTTP run mode (``spec.RunMode``) and reading what became of the run.

``json`` answers the run output, ``sse`` streams it, ``background`` answers 202 and the run is read
back (polled, within a bound) with ``GET .../runs/{run_id}`` until it has ended. Every mode ends in a
:class:`ModeRun`: the POST's answer, the run's ids, and the echo the probe answered with, wherever
that mode delivers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio

from agentos_contract.checks.base import OMIT, Check, echo_of
from agentos_contract.discovery import Component
from agentos_contract.echo import Echo, echo_from_run_output
from agentos_contract.judgements import accepted_run
from agentos_contract.spec import TERMINAL_STATUSES, RunMode, run_path
from agentos_contract.sse import parse_sse
from agentos_contract.target import Answer

# A background run of a probe ends within milliseconds; the suite waits at most ~3 s for it.
POLL_WAITS_S = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0)


@dataclass(frozen=True)
class ModeRun:
    mode: RunMode
    answer: Answer
    run_id: str | None
    session_id: str | None
    echo: Echo | None
    # The run as stored: the JSON run output (json), the final GET (background), None (sse).
    body: dict[str, Any] | None
    # background: the last GET of the run (None when the 202 never came).
    read_back: Answer | None = None

    @property
    def started(self) -> bool:
        """The run was accepted: 200 (json, sse) or 202 (background)."""
        return self.answer.status == (202 if self.mode == "background" else 200)


def _sse_ids(answer: Answer) -> tuple[str | None, str | None]:
    for event in parse_sse(answer.text):
        data = event.data
        if isinstance(data, dict) and isinstance(data.get("run_id"), str):
            session = data.get("session_id")
            return data["run_id"], session if isinstance(session, str) else None
    return None, None


async def read_run(
    check: Check, probe: Component, run_id: str, session_id: str | None, headers: Mapping[str, str]
) -> Answer:
    params = {"session_id": session_id} if session_id else None
    return await check.target.request(
        "GET", run_path(probe.kind, probe.id, run_id), params=params, headers=headers
    )


async def wait_for_end(
    check: Check, probe: Component, run_id: str, session_id: str | None, headers: Mapping[str, str]
) -> Answer:
    """GET the run until it has ended (a terminal status) or the bounded wait is over; the last answer."""
    answer: Answer | None = None
    for wait_s in POLL_WAITS_S:
        await anyio.sleep(wait_s)
        answer = await read_run(check, probe, run_id, session_id, headers)
        body = answer.json()
        if answer.status != 200 or (isinstance(body, dict) and body.get("status") in TERMINAL_STATUSES):
            return answer
    assert answer is not None
    return answer


async def run_in_mode(
    check: Check,
    probe: Component,
    mode: RunMode,
    *,
    headers: Mapping[str, str],
    factory_input: Any = OMIT,
    user_id: str | None = None,
    session_id: str | None = None,
    extra_form: Iterable[tuple[str, str]] = (),
    read_headers: Mapping[str, str] | None = None,
) -> ModeRun:
    """Run ``probe`` in ``mode`` (``read_headers``: who reads a background run back, default the
    same caller)."""
    extra = list(extra_form)
    if mode == "background":
        extra.append(("background", "true"))
    answer = await check.run(
        probe,
        factory_input=factory_input,
        user_id=user_id,
        session_id=session_id,
        stream=mode == "sse",
        headers=dict(headers),
        extra_form=extra,
    )
    if mode == "sse":
        run_id, session = _sse_ids(answer) if answer.status == 200 else (None, None)
        return ModeRun(mode, answer, run_id, session, echo_of(answer, True), None)
    if mode == "json":
        body = answer.json()
        if answer.status != 200 or not isinstance(body, dict):
            return ModeRun(mode, answer, None, None, None, None)
        run_id, session = body.get("run_id"), body.get("session_id")
        return ModeRun(
            mode,
            answer,
            run_id if isinstance(run_id, str) else None,
            session if isinstance(session, str) else None,
            echo_of(answer, False),
            body,
        )
    accepted = accepted_run(answer)
    if accepted is None:
        return ModeRun(mode, answer, None, None, None, None)
    run_id, session = accepted
    read_back = await wait_for_end(check, probe, run_id, session, read_headers or headers)
    stored = read_back.json()
    body = stored if isinstance(stored, dict) else None
    return ModeRun(mode, answer, run_id, session, echo_from_run_output(body), body, read_back)
