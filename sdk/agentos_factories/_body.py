"""Bounded body decoding, sans-IO: what a server sends costs the client at most what it allows.

httpx decodes ``gzip``/``deflate`` a whole network chunk at a time, so a 300 KB gzip body of
zeros became a gigabyte inside one ``read()``. The SDK reads the raw bytes itself and inflates
them in slices of at most :data:`SLICE_BYTES` (``zlib``'s ``max_length``), counting as it goes:
a body stops at its bound however well it compresses. The SDK asks only for encodings it can
bound (``Accept-Encoding: gzip, deflate``); anything else a server sends is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = [
    "ACCEPT_ENCODING",
    "SLICE_BYTES",
    "BodyDecodeError",
    "BodyTooLarge",
    "BoundedBody",
    "Inflater",
]

ACCEPT_ENCODING = "gzip, deflate"
#: Decoded bytes produced per step; also the largest piece a stream decoder is fed at once.
SLICE_BYTES = 64 * 1024


class BodyDecodeError(ValueError):
    """The body is not in the encoding its ``Content-Encoding`` names, or names one we did not ask for."""


class BodyTooLarge(ValueError):
    """The decoded body passed its bound."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body exceeds {limit} bytes")
        self.limit = limit


class Inflater:
    """Decodes one body's raw bytes in bounded slices (identity, gzip or deflate)."""

    def __init__(self, content_encoding: str | None) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        self._zlib: zlib._Decompress | None
        self._deflate = False
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            # RFC 9110 says zlib-wrapped; some servers send raw deflate. Decided on the first bytes.
            self._zlib = zlib.decompressobj()
            self._deflate = True
        else:
            raise BodyDecodeError(
                f"the server used Content-Encoding {encoding!r}, which the client did not ask for"
            )
        self._started = False

    @property
    def identity(self) -> bool:
        """Whether the body is sent as is."""
        return self._zlib is None

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """Decoded slices of ``raw``, each at most :data:`SLICE_BYTES` long."""
        if self._zlib is None:
            for start in range(0, len(raw), SLICE_BYTES):
                yield raw[start : start + SLICE_BYTES]
            return
        if self._deflate and not self._started and raw:
            self._started = True
            if (raw[0] & 0x0F) != 8:  # no zlib header: raw deflate
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        data = raw
        while True:
            try:
                out = self._zlib.decompress(data, SLICE_BYTES)
            except zlib.error as exc:
                name = "deflate" if self._deflate else "gzip"
                raise BodyDecodeError(f"the body is not valid {name}: {exc}") from exc
            data = self._zlib.unconsumed_tail
            if out:
                yield out
            # A full slice may leave output pending inside zlib even when all input is taken.
            if not data and len(out) < SLICE_BYTES:
                return

    def flush(self) -> bytes:
        """What the decompressor still holds at the end of the body (bounded by one slice)."""
        if self._zlib is None:
            return b""
        try:
            return self._zlib.flush(SLICE_BYTES)
        except zlib.error as exc:  # pragma: no cover - flush of a finished stream does not fail
            raise BodyDecodeError(str(exc)) from exc


class BoundedBody:
    """Collects a body up to ``limit`` decoded bytes.

    ``truncate=False``: more is :class:`BodyTooLarge`. ``truncate=True`` (error bodies): the first
    ``limit`` bytes are kept and :attr:`full` says to stop reading.
    """

    def __init__(self, content_encoding: str | None, limit: int, *, truncate: bool = False) -> None:
        self._inflater = Inflater(content_encoding)
        self._limit = limit
        self._truncate = truncate
        self._parts: list[bytes] = []
        self._size = 0
        self.full = False

    def _add(self, piece: bytes) -> None:
        if self.full:
            return
        room = self._limit - self._size
        if len(piece) > room:
            if not self._truncate:
                raise BodyTooLarge(self._limit)
            piece = piece[:room]
            self.full = True
        self._parts.append(piece)
        self._size += len(piece)

    def feed(self, raw: bytes) -> None:
        """Add raw (still encoded) bytes."""
        if self._inflater.identity:  # the common case: nothing to inflate, so no slicing either
            self._add(raw)
            return
        for piece in self._inflater.feed(raw):
            self._add(piece)
            if self.full:
                return

    def finish(self) -> bytes:
        """The decoded body."""
        if not self.full:
            self._add(self._inflater.flush())
        return b"".join(self._parts)
