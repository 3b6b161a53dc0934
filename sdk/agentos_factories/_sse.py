"""An incremental, bounded Server-Sent Events decoder (WHATWG "event stream interpretation").

Sans-IO: :meth:`SSEDecoder.feed` takes bytes as they arrive and returns the events completed so
far, so a stream is never buffered whole. Lines and events have a size bound; a server that
sends more without a line break or a blank line gets :class:`SSEDecodeError`, not our memory.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "SSEDecodeError", "SSEDecoder", "ServerSentEvent"]

DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024


class SSEDecodeError(ValueError):
    """The bytes are not a well-formed, bounded event stream."""


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event. ``event`` defaults to ``"message"`` as the standard says."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed bytes, get events. One decoder per stream."""

    def __init__(self, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        if max_event_bytes <= 0:
            raise ValueError("max_event_bytes must be positive")
        self._max = max_event_bytes
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._pending: list[str] = []  # text after the last line break, in the pieces it came in
        self._pending_size = 0
        self._skip_lf = False  # the previous chunk ended with CR: a leading LF belongs to it
        self._first_line = True
        self._event_type = ""
        self._data: list[str] = []
        self._data_size = 0
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode ``chunk`` and return the events it completes."""
        try:
            text = self._utf8.decode(chunk)
        except UnicodeDecodeError as exc:
            raise SSEDecodeError(f"event stream is not UTF-8: {exc}") from exc
        return self._consume(text)

    def flush(self) -> list[ServerSentEvent]:
        """End of stream. An event without its closing blank line is discarded, as the standard says."""
        try:
            text = self._utf8.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise SSEDecodeError(f"event stream ends inside a UTF-8 sequence: {exc}") from exc
        events = self._consume(text)
        if self._pending:
            # A last line without a line break still counts as a line; the event stays undispatched.
            self._line("".join(self._pending))
            self._pending, self._pending_size = [], 0
        self._data, self._data_size, self._event_type = [], 0, ""
        return events

    def _consume(self, text: str) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        if self._skip_lf and text:
            if text[0] == "\n":
                text = text[1:]
            self._skip_lf = False
        if "\n" not in text and "\r" not in text:
            # No line ends here: keep the piece without copying what is pending (a long line fed in
            # many pieces must not cost quadratic time).
            self._pending.append(text)
            self._pending_size += len(text)
            if self._pending_size + self._data_size > self._max:
                raise SSEDecodeError(f"an event exceeds {self._max} bytes without ending")
            return events
        buffer = "".join(self._pending) + text
        start = 0
        length = len(buffer)
        while start < length:
            cr = buffer.find("\r", start)
            lf = buffer.find("\n", start)
            if cr == -1 and lf == -1:
                break
            end = lf if cr == -1 else cr if lf == -1 else min(cr, lf)
            line = buffer[start:end]
            if buffer[end] == "\r":
                if end + 1 < length:
                    start = end + 2 if buffer[end + 1] == "\n" else end + 1
                else:
                    start = end + 1
                    self._skip_lf = True
            else:
                start = end + 1
            event = self._line(line)
            if event is not None:
                events.append(event)
        rest = buffer[start:]
        self._pending, self._pending_size = ([rest], len(rest)) if rest else ([], 0)
        if self._pending_size + self._data_size > self._max:
            raise SSEDecodeError(f"an event exceeds {self._max} bytes without ending")
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if self._first_line:
            self._first_line = False
            line = line.removeprefix("\ufeff")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event_type = value
        elif name == "data":
            self._data.append(value)
            self._data_size += len(value) + 1
            if self._data_size > self._max:
                raise SSEDecodeError(f"an event exceeds {self._max} bytes without ending")
        elif name == "id" and "\0" not in value:
            self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data:
            self._event_type = ""
            return None
        event = ServerSentEvent(
            event=self._event_type or "message",
            data="\n".join(self._data),
            id=self._last_id,
            retry=self._retry,
        )
        self._event_type, self._data, self._data_size = "", [], 0
        return event
