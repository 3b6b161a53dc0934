"""When a failed request may be sent again, and how long to wait first.

The rule that prevents duplicate runs: a request that *creates work* (a run, a continue) is
retried only when the failure proves it never reached the server: the TCP/TLS connection
could not be opened (``ConnectError``, ``ConnectTimeout``) or no pooled connection was free
(``PoolTimeout``). Once bytes may have been written, a lost answer is reported, never retried.

Idempotent requests (discovery, reading runs, cancel, which only records intent) are also
retried after a read/write failure and on 408, 429, 502, 503 and 504, honouring ``Retry-After``
up to :data:`MAX_RETRY_AFTER` seconds (a longer ask is cut to that; a call's ``total_timeout``
stops the retries when the wait would not fit in it).
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import Literal, TypeAlias

import httpx

__all__ = [
    "MAX_RETRY_AFTER",
    "RETRYABLE_STATUSES",
    "RetryMode",
    "async_sleep",
    "retry_delay",
    "should_retry_exception",
    "should_retry_status",
    "sleep",
]

#: ``"never_sent"``: retry only when the request provably never left (run, continue).
#: ``"idempotent"``: retry transient failures too (GETs, cancel).
RetryMode: TypeAlias = Literal["never_sent", "idempotent"]

RETRYABLE_STATUSES = frozenset({408, 429, 502, 503, 504})

_NEVER_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
#: The longest ``Retry-After`` the client waits: an interactive caller should not hang for minutes
#: on one header. 10 s (it was 60 s).
MAX_RETRY_AFTER = 10.0


def should_retry_exception(mode: RetryMode, exc: httpx.TransportError) -> bool:
    """Whether a request that failed with ``exc`` may be sent again."""
    if isinstance(exc, _NEVER_SENT):
        return True
    return mode == "idempotent"


def should_retry_status(mode: RetryMode, status_code: int) -> bool:
    """Whether an answer with ``status_code`` may be retried: idempotent requests only."""
    return mode == "idempotent" and status_code in RETRYABLE_STATUSES


def _retry_after_seconds(response: httpx.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds: float = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds or seconds < 0:  # NaN or in the past
        return 0.0
    return min(seconds, MAX_RETRY_AFTER)


def retry_delay(attempt: int, response: httpx.Response | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based).

    ``Retry-After`` (seconds or an HTTP date, capped at :data:`MAX_RETRY_AFTER`) wins; otherwise exponential
    backoff from 0.5 s, capped at 8 s, with up to 25 % jitter so clients do not retry in step.
    """
    after = _retry_after_seconds(response)
    if after is not None:
        return after
    base = min(INITIAL_DELAY * (2.0**attempt), MAX_DELAY)
    return base * (1 - 0.25 * random.random())


def sleep(seconds: float) -> None:
    """The sync client's wait between attempts (one place, so tests can observe it)."""
    time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    """The async client's wait between attempts."""
    # Imported here: asyncio costs ~17 ms of every `import agentos_factories`; sync programs never need it.
    import asyncio

    await asyncio.sleep(seconds)
