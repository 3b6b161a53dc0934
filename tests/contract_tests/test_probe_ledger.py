"""The in-process invocation ledger (docs/probe-protocol.md section 6)."""

from __future__ import annotations

import threading

import pytest

from agentos_contract.probes import LEDGER_MAX_TRACES, InvocationLedger, LedgerEntry


def entry(probe: str) -> LedgerEntry:
    return {"probe": probe, "method": "POST", "path": f"/agents/{probe}/runs", "input_type": "none"}


def test_entries_are_kept_per_trace_in_order() -> None:
    ledger = InvocationLedger()
    ledger.record("t1", entry("probe-agent-echo"))
    ledger.record("t2", entry("probe-agent-crash"))
    ledger.record("t1", entry("probe-agent-scope"))
    assert [e["probe"] for e in ledger.invocations("t1")] == ["probe-agent-echo", "probe-agent-scope"]
    assert [e["probe"] for e in ledger.invocations("t2")] == ["probe-agent-crash"]
    assert ledger.invocations("unknown") == []


def test_invocations_is_a_copy() -> None:
    ledger = InvocationLedger()
    ledger.record("t", entry("probe-agent-echo"))
    ledger.invocations("t").clear()
    assert len(ledger.invocations("t")) == 1


def test_oldest_trace_is_dropped_at_the_limit() -> None:
    ledger = InvocationLedger(max_traces=3)
    for trace in ("a", "b", "c"):
        ledger.record(trace, entry("probe-agent-echo"))
    ledger.record("a", entry("probe-agent-crash"))  # appending keeps "a" the oldest
    ledger.record("d", entry("probe-agent-echo"))
    assert len(ledger) == 3
    assert ledger.invocations("a") == []
    assert [len(ledger.invocations(t)) for t in ("b", "c", "d")] == [1, 1, 1]


def test_default_limit_is_the_protocols() -> None:
    assert LEDGER_MAX_TRACES == 10_000


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_traces"):
        InvocationLedger(max_traces=0)


def test_concurrent_records_are_all_kept() -> None:
    ledger = InvocationLedger()

    def record_many() -> None:
        for _ in range(500):
            ledger.record("shared", entry("probe-agent-echo"))

    threads = [threading.Thread(target=record_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ledger.invocations("shared")) == 2000
