"""``skip_retry_waits()``: the SDK's retries happen at once in tests, and their waits are recorded.

The SDK waits between attempts (exponential back-off, ``Retry-After``) through two functions of
``agentos_factories._retry``; this swaps both for ones that only record the seconds, for the
``with`` block (the ``agentos_no_retry_waits`` fixture does it for one test).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["skip_retry_waits"]


@contextmanager
def skip_retry_waits() -> Iterator[list[float]]:
    """Within the block every SDK retry wait returns at once; yields the waits it skipped (seconds)."""
    from agentos_factories import _retry

    skipped: list[float] = []

    def record(seconds: float) -> None:
        skipped.append(seconds)

    async def record_async(seconds: float) -> None:
        skipped.append(seconds)

    saved = (_retry.sleep, _retry.async_sleep)
    _retry.sleep, _retry.async_sleep = record, record_async
    try:
        yield skipped
    finally:
        _retry.sleep, _retry.async_sleep = saved
