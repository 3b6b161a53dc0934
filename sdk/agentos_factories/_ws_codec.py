"""A small RFC 6455 client codec, sans-IO: frames, masking, fragmentation, control frames.

The client masks every frame it sends (section 5.3) and refuses masked frames from the server;
fragmented messages are reassembled, control frames may arrive between fragments, pings are
surfaced so the connection can answer them, and a close frame ends the stream. Frame and
message sizes are bounded so a misbehaving server cannot make the client buffer without limit.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "Close",
    "Frame",
    "Opcode",
    "Ping",
    "Pong",
    "WebSocketProtocol",
    "WebSocketProtocolError",
    "accept_key",
    "encode_frame",
    "new_key",
]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class Opcode(IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


class WebSocketProtocolError(ValueError):
    """The peer broke RFC 6455; ``code`` is the close code to answer with."""

    def __init__(self, message: str, code: int = 1002) -> None:
        super().__init__(message)
        self.code = code


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``."""
    return base64.b64encode(os.urandom(16)).decode()


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer ``key`` with."""
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()


def _mask(payload: bytes, key: bytes) -> bytes:
    if not payload:
        return payload
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


def encode_frame(opcode: Opcode, payload: bytes, *, fin: bool = True, mask_key: bytes | None = None) -> bytes:
    """One frame; masked with ``mask_key`` (4 bytes) when given, as a client must."""
    if opcode >= Opcode.CLOSE and (len(payload) > 125 or not fin):
        raise ValueError("control frames carry at most 125 bytes and are never fragmented")
    first = (0x80 if fin else 0) | int(opcode)
    mask_bit = 0x80 if mask_key is not None else 0
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, mask_bit | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    if mask_key is None:
        return header + payload
    if len(mask_key) != 4:
        raise ValueError("a mask key has 4 bytes")
    return header + mask_key + _mask(payload, mask_key)


@dataclass(frozen=True)
class Frame:
    fin: bool
    opcode: Opcode
    payload: bytes
    masked: bool = False


@dataclass(frozen=True)
class Ping:
    payload: bytes


@dataclass(frozen=True)
class Pong:
    payload: bytes


@dataclass(frozen=True)
class Close:
    code: int | None
    reason: str


Message = str | bytes
Event = Message | Ping | Pong | Close


def parse_frames(buffer: bytearray, *, max_frame_bytes: int, allow_masked: bool = False) -> list[Frame]:
    """Take every complete frame off the front of ``buffer`` (consumed in place)."""
    frames: list[Frame] = []
    while len(buffer) >= 2:
        first, second = buffer[0], buffer[1]
        if first & 0x70:
            raise WebSocketProtocolError("reserved bits set without a negotiated extension")
        try:
            opcode = Opcode(first & 0x0F)
        except ValueError as exc:
            raise WebSocketProtocolError(f"unknown opcode {first & 0x0F:#x}") from exc
        fin = bool(first & 0x80)
        masked = bool(second & 0x80)
        if masked and not allow_masked:
            raise WebSocketProtocolError("the server sent a masked frame")
        length = second & 0x7F
        offset = 2
        if length == 126:
            if len(buffer) < 4:
                break
            (length,) = struct.unpack_from("!H", buffer, 2)
            offset = 4
        elif length == 127:
            if len(buffer) < 10:
                break
            (length,) = struct.unpack_from("!Q", buffer, 2)
            offset = 10
        if opcode >= Opcode.CLOSE and (length > 125 or not fin):
            raise WebSocketProtocolError("a control frame is longer than 125 bytes or fragmented")
        if length > max_frame_bytes:
            raise WebSocketProtocolError(f"a frame of {length} bytes exceeds {max_frame_bytes}", code=1009)
        key = b""
        if masked:
            if len(buffer) < offset + 4:
                break
            key = bytes(buffer[offset : offset + 4])
            offset += 4
        if len(buffer) < offset + length:
            break
        payload = bytes(buffer[offset : offset + length])
        del buffer[: offset + length]
        frames.append(Frame(fin, opcode, _mask(payload, key) if masked else payload, masked))
    return frames


class WebSocketProtocol:
    """The client side of one connection, without I/O: bytes in, events out; frames to send out."""

    def __init__(self, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self._max = max_message_bytes
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_opcode: Opcode | None = None
        self._fragment_size = 0
        self.close_sent = False
        self.close_received: Close | None = None

    # --- sending -------------------------------------------------------------------------------

    def _frame(self, opcode: Opcode, payload: bytes) -> bytes:
        return encode_frame(opcode, payload, mask_key=os.urandom(4))

    def text(self, message: str) -> bytes:
        return self._frame(Opcode.TEXT, message.encode())

    def binary(self, message: bytes) -> bytes:
        return self._frame(Opcode.BINARY, message)

    def ping(self, payload: bytes = b"") -> bytes:
        return self._frame(Opcode.PING, payload)

    def pong(self, payload: bytes) -> bytes:
        return self._frame(Opcode.PONG, payload)

    def close(self, code: int = 1000, reason: str = "") -> bytes:
        """The close frame (once; later calls give ``b""``)."""
        if self.close_sent:
            return b""
        self.close_sent = True
        return self._frame(Opcode.CLOSE, struct.pack("!H", code) + reason.encode()[:123])

    # --- receiving -----------------------------------------------------------------------------

    def receive(self, data: bytes) -> list[Event]:
        """Feed received bytes; get complete messages (``str`` or ``bytes``) and control events."""
        self._buffer.extend(data)
        events: list[Event] = []
        for frame in parse_frames(self._buffer, max_frame_bytes=self._max):
            event = self._on_frame(frame)
            if event is not None:
                events.append(event)
        if len(self._buffer) > self._max + 14:
            raise WebSocketProtocolError("incoming data exceeds the message bound", code=1009)
        return events

    def _on_frame(self, frame: Frame) -> Event | None:
        if self.close_received is not None:
            raise WebSocketProtocolError("a frame arrived after the close frame")
        if frame.opcode == Opcode.PING:
            return Ping(frame.payload)
        if frame.opcode == Opcode.PONG:
            return Pong(frame.payload)
        if frame.opcode == Opcode.CLOSE:
            self.close_received = _parse_close(frame.payload)
            return self.close_received
        if frame.opcode == Opcode.CONTINUATION:
            if self._fragment_opcode is None:
                raise WebSocketProtocolError("a continuation frame without a message to continue")
        elif self._fragment_opcode is not None:
            raise WebSocketProtocolError("a new message began inside a fragmented one")
        else:
            self._fragment_opcode = frame.opcode
        self._fragment_size += len(frame.payload)
        if self._fragment_size > self._max:
            raise WebSocketProtocolError(f"a message exceeds {self._max} bytes", code=1009)
        self._fragments.append(frame.payload)
        if not frame.fin:
            return None
        payload = b"".join(self._fragments)
        opcode = self._fragment_opcode
        self._fragments, self._fragment_opcode, self._fragment_size = [], None, 0
        if opcode == Opcode.TEXT:
            try:
                return payload.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise WebSocketProtocolError("a text message is not UTF-8", code=1007) from exc
        return payload


def _parse_close(payload: bytes) -> Close:
    if not payload:
        return Close(None, "")
    if len(payload) == 1:
        raise WebSocketProtocolError("a close frame with a 1-byte payload")
    (code,) = struct.unpack("!H", payload[:2])
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebSocketProtocolError("a close reason is not UTF-8", code=1007) from exc
    return Close(code, reason)
