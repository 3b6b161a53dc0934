"""Running a Hypothesis property whose body talks to the target.

The target's client lives on the suite's event loop; Hypothesis drives a synchronous test
function. So the property runs in a worker thread and each example hops back onto the loop
(``anyio.from_thread.run``). A failure is an :class:`Observation` that the body returns;
Hypothesis shrinks it and the final, minimal one is recorded with the seed and the
``@reproduce_failure`` blob. Running out of budget (or losing the target) stops the
property at once without being mistaken for a failure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from agentos_contract.model import Observation, Replay
from agentos_contract.target import BudgetExhausted, TargetUnreachable

T = TypeVar("T")

_BLOB = re.compile(r"@reproduce_failure\((.*?)\)")


def derive_seed(seed: int, property_name: str) -> int:
    """The seed one property draws from: the run's ``--seed`` and the property's name, hashed.

    Each property gets its own stream of examples, so a seed that happens to draw nothing
    interesting for one factory's property says nothing about the others; the same ``--seed``
    always derives the same seeds, so a report's rerun line replays every property."""
    digest = hashlib.sha256(f"{seed}:{property_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _PropertyFailed(Exception):
    def __init__(self, observation: Observation) -> None:
        super().__init__(f"{observation.clause}: {observation.observed}")
        self.observation = observation


@dataclass
class PropertyOutcome:
    examples: int = 0
    passes: dict[str, Observation] = field(default_factory=dict)
    failure: Observation | None = None


Body = Callable[[Any], Awaitable[list[Observation]]]


async def run_property(
    name: str,
    strategy: st.SearchStrategy[T],
    body: Callable[[T], Awaitable[list[Observation]]],
    *,
    max_examples: int,
    seed_value: int,
    shrink: bool = True,
) -> PropertyOutcome:
    """Run ``body`` on up to ``max_examples`` examples; stop at the first failed observation."""
    outcome = PropertyOutcome()
    stop: list[BaseException] = []
    first_failure: list[Observation] = []

    def example(value: T) -> None:
        if stop:
            return
        try:
            observations: list[Observation] = anyio.from_thread.run(_call, body, value)
        except (BudgetExhausted, TargetUnreachable) as exc:
            stop.append(exc)
            return
        outcome.examples += 1
        for observation in observations:
            if observation.passed:
                outcome.passes.setdefault(observation.clause, observation)
            else:
                if not first_failure:
                    first_failure.append(observation)
                raise _PropertyFailed(observation)

    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    test = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        print_blob=True,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )(seed(seed_value)(given(strategy)(example)))

    def run() -> None:
        try:
            test()
        except _PropertyFailed as failed:
            notes = "\n".join(getattr(failed, "__notes__", []))
            match = _BLOB.search(notes)
            replay = Replay(seed=seed_value, property_name=name, blob=match.group(0) if match else None)
            outcome.failure = _with_replay(failed.observation, replay)
        except Flaky:
            if first_failure:
                outcome.failure = _with_replay(first_failure[0], Replay(seed_value, name, None))

    await anyio.to_thread.run_sync(run)
    if stop:
        raise stop[0]
    return outcome


async def _call(body: Callable[[T], Awaitable[list[Observation]]], value: T) -> list[Observation]:
    return await body(value)


def _with_replay(observation: Observation, replay: Replay) -> Observation:
    return Observation(
        clause=observation.clause,
        check=observation.check,
        passed=False,
        expected=observation.expected,
        observed=observation.observed,
        facts=observation.facts,
        exchange=observation.exchange,
        replay=replay,
    )
