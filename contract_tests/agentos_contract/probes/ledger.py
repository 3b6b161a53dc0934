"""The process-wide invocation ledger (docs/probe-protocol.md section 6)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TypedDict

from agentos_contract.probes.catalogue import LEDGER_MAX_TRACES
from agentos_contract.probes.echo import InputType


class LedgerEntry(TypedDict):
    probe: str
    method: str
    path: str
    input_type: InputType


class InvocationLedger:
    """Probe factory invocations grouped by trace; the oldest trace goes once ``max_traces`` is reached."""

    def __init__(self, max_traces: int = LEDGER_MAX_TRACES) -> None:
        if max_traces < 1:
            raise ValueError(f"max_traces must be at least 1, got {max_traces}")
        self._max_traces = max_traces
        self._traces: OrderedDict[str, list[LedgerEntry]] = OrderedDict()
        # Sync factories run on the event loop, but an ASGI server may also
        # call them from worker threads; appends must not interleave.
        self._lock = threading.Lock()

    def record(self, trace: str, entry: LedgerEntry) -> None:
        with self._lock:
            entries = self._traces.get(trace)
            if entries is None:
                if len(self._traces) >= self._max_traces:
                    self._traces.popitem(last=False)
                entries = self._traces[trace] = []
            entries.append(entry)

    def invocations(self, trace: str) -> list[LedgerEntry]:
        """A copy of the trace's entries, oldest first (empty for an unknown or dropped trace)."""
        with self._lock:
            return list(self._traces.get(trace, ()))

    def __len__(self) -> int:
        with self._lock:
            return len(self._traces)


LEDGER = InvocationLedger()
