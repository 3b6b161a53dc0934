"""Small I/O helpers in sync and async pairs, named so ``scripts/unasync.py`` maps one to the other
(``async_x`` -> ``x``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import httpx
from typing_extensions import Self

__all__ = [
    "AsyncStartOnAwait",
    "StartOnAwait",
    "already_read",
    "async_close_iterator",
    "async_iterate_once",
    "async_release",
    "close_iterator",
    "iterate_once",
    "release",
]

#: Tasks closing dropped async responses; kept here so they are not collected before they run.
_CLOSING: set[Any] = set()


def already_read(response: httpx.Response) -> bytes | None:
    """The body of a response an in-process transport (``httpx.MockTransport``, respx) built
    already read and decoded, whose raw stream cannot be iterated again; ``None`` otherwise."""
    if not response.is_stream_consumed:
        return None
    try:
        return response.content
    except httpx.ResponseNotRead:
        return None


def iterate_once(data: bytes) -> Iterator[bytes]:
    """``data`` as a one-chunk iterator (a body that was already read)."""
    yield data


async def async_iterate_once(data: bytes) -> AsyncIterator[bytes]:
    """The async twin of :func:`iterate_once`."""
    yield data


def close_iterator(iterator: Iterator[bytes]) -> None:
    """Close a generator-backed iterator (httpx's ``iter_raw``) that was not read to its end."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


async def async_close_iterator(iterator: AsyncIterator[bytes]) -> None:
    """The async twin of :func:`close_iterator`."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


def release(response: httpx.Response) -> None:
    """Close a response a dropped stream still held (from ``__del__``)."""
    response.close()


def async_release(response: httpx.Response) -> None:
    """Close a response a dropped async stream still held, from ``__del__``: a task on the running
    event loop, when there is one (under another event loop the response is left to httpx)."""
    try:
        import asyncio

        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = loop.create_task(response.aclose())
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


class StartOnAwait:
    """The sync twin of :class:`AsyncStartOnAwait`: a sync stream is not awaitable."""


class AsyncStartOnAwait:
    """``await client.agents.stream(...)`` sends the request and gives the stream, the form of the
    SDK before ``async with client.agents.stream(...)`` existed."""

    async def _ensure_started(self) -> None:
        raise NotImplementedError

    def __await__(self) -> Generator[Any, None, Self]:
        return self._started().__await__()

    async def _started(self) -> Self:
        await self._ensure_started()
        return self
