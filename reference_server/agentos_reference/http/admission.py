"""Runs with a large message are admitted a few at a time.

A run's cost grows with its message: a 1 MiB message is encoded into its events, its stored
output and its answer several times over (tens of milliseconds of CPU, megabytes of memory, and
storage writes every other request queues behind). Two hundred such runs at once, from clients
that will never even read the answer, would hold the server for everyone. So messages of at least
``Limits.large_message_bytes`` share a budget of ``Limits.large_messages_in_flight_bytes``: a run
over it waits its turn (first come, first served) for at most ``Limits.large_run_wait_seconds``,
then is refused with 503 and ``Retry-After``. Smaller runs never wait here.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

from agentos_reference.http.problems import ServerBusy
from agentos_reference.limits import Limits


class Permit:
    """One admitted run's share of the budget; released once, when the run is over."""

    def __init__(self, gate: LargeRunGate | None, weight: int) -> None:
        self._gate = gate
        self._weight = weight

    def release(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate._release(self._weight)


class LargeRunGate:
    def __init__(self, limits: Limits) -> None:
        self.threshold = limits.large_message_bytes
        self.budget = limits.large_messages_in_flight_bytes
        self.wait_seconds = limits.large_run_wait_seconds
        self.in_flight = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    async def admit(self, message_bytes: int) -> Permit:
        """A permit for a run with a message this large (at once for a small one); ServerBusy when
        its turn does not come in time."""
        if message_bytes < self.threshold:
            return Permit(None, 0)
        weight = min(message_bytes, self.budget)
        if not self._waiting and self.in_flight + weight <= self.budget:
            self.in_flight += weight
            return Permit(self, weight)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (weight, turn)
        self._waiting.append(entry)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.wait_seconds)
        except asyncio.CancelledError:
            self._give_up(entry)
            raise
        except asyncio.TimeoutError:
            self._give_up(entry)
            raise ServerBusy(
                "Too many runs with large messages in flight; retry later",
                retry_after=math.ceil(self.wait_seconds),
            ) from None
        return Permit(self, weight)

    def _give_up(self, entry: tuple[int, asyncio.Future[None]]) -> None:
        weight, turn = entry
        if turn.done():
            self._release(weight)  # admitted just as it gave up
        else:
            turn.cancel()
            self._waiting.remove(entry)
            self._admit_waiting()

    def _release(self, weight: int) -> None:
        self.in_flight -= weight
        self._admit_waiting()

    def _admit_waiting(self) -> None:
        while self._waiting and self.in_flight + self._waiting[0][0] <= self.budget:
            weight, turn = self._waiting.popleft()
            self.in_flight += weight
            turn.set_result(None)
