"""The RFC 6455 client codec: masking, framing, fragmentation, control frames, bounds."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentos_factories._ws_codec import (
    Close,
    Opcode,
    Ping,
    Pong,
    WebSocketProtocol,
    WebSocketProtocolError,
    accept_key,
    encode_frame,
    parse_frames,
)


def test_accept_key_matches_the_rfc_example() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_the_rfc_single_frame_examples() -> None:
    assert encode_frame(Opcode.TEXT, b"Hello") == bytes.fromhex("810548656c6c6f")
    masked = encode_frame(Opcode.TEXT, b"Hello", mask_key=bytes.fromhex("37fa213d"))
    assert masked == bytes.fromhex("818537fa213d7f9f4d5158")


@given(
    opcode=st.sampled_from([Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION]),
    payload=st.binary(max_size=70_000),
    key=st.binary(min_size=4, max_size=4),
    fin=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=80_000), max_size=6),
)
def test_masked_frames_round_trip_in_any_chunking(
    opcode: Opcode, payload: bytes, key: bytes, fin: bool, cuts: list[int]
) -> None:
    wire = encode_frame(opcode, payload, fin=fin, mask_key=key)
    body = wire[-len(payload) :] if payload else b""
    assert bytes(b ^ key[i % 4] for i, b in enumerate(body)) == payload  # XOR-masked with the key
    length_field = wire[1] & 0x7F
    assert wire[1] & 0x80  # the mask bit
    assert length_field == (len(payload) if len(payload) < 126 else 126 if len(payload) < 65536 else 127)
    buffer = bytearray()
    frames = []
    points = sorted({c % (len(wire) + 1) for c in cuts})
    for a, b in zip([0, *points], [*points, len(wire)], strict=True):
        buffer.extend(wire[a:b])
        frames.extend(parse_frames(buffer, max_frame_bytes=1 << 20, allow_masked=True))
    assert len(frames) == 1
    assert (frames[0].opcode, frames[0].payload, frames[0].fin, frames[0].masked) == (
        opcode,
        payload,
        fin,
        True,
    )
    assert not buffer


@given(
    message=st.text(max_size=300),
    sizes=st.lists(st.integers(min_value=1, max_value=50), max_size=10),
    ping_after=st.sets(st.integers(min_value=0, max_value=10)),
    chunk=st.integers(min_value=1, max_value=64),
)
def test_fragmented_messages_are_reassembled_around_control_frames(
    message: str, sizes: list[int], ping_after: set[int], chunk: int
) -> None:
    data = message.encode()
    pieces: list[bytes] = []
    rest = data
    for size in sizes:
        if not rest:
            break
        pieces.append(rest[:size])
        rest = rest[size:]
    pieces.append(rest)
    wire = bytearray()
    expected_pings: list[Ping] = []
    for index, piece in enumerate(pieces):
        opcode = Opcode.TEXT if index == 0 else Opcode.CONTINUATION
        wire += encode_frame(opcode, piece, fin=index == len(pieces) - 1)
        if index in ping_after and index < len(pieces) - 1:
            ping = Ping(f"p{index}".encode())
            expected_pings.append(ping)
            wire += encode_frame(Opcode.PING, ping.payload)
    protocol = WebSocketProtocol()
    events: list[object] = []
    for start in range(0, len(wire), chunk):
        events.extend(protocol.receive(bytes(wire[start : start + chunk])))
    assert events == [*expected_pings, message]


def test_client_frames_are_masked_with_a_fresh_key() -> None:
    protocol = WebSocketProtocol()
    first, second = protocol.text("same"), protocol.text("same")
    assert first[1] & 0x80
    assert second[1] & 0x80
    assert first != second  # a new key each frame
    [frame] = parse_frames(bytearray(first), max_frame_bytes=100, allow_masked=True)
    assert frame.payload == b"same"


def test_close_is_sent_once_and_parsed() -> None:
    protocol = WebSocketProtocol()
    frame = protocol.close(1000, "bye")
    assert protocol.close(1000) == b""
    [parsed] = parse_frames(bytearray(frame), max_frame_bytes=200, allow_masked=True)
    assert parsed.payload == struct.pack("!H", 1000) + b"bye"
    peer = WebSocketProtocol()
    assert peer.receive(encode_frame(Opcode.CLOSE, struct.pack("!H", 1001) + b"going")) == [
        Close(1001, "going")
    ]
    assert peer.receive(b"") == []
    assert WebSocketProtocol().receive(encode_frame(Opcode.CLOSE, b"")) == [Close(None, "")]


def test_pong_and_binary_are_surfaced() -> None:
    protocol = WebSocketProtocol()
    assert protocol.receive(encode_frame(Opcode.PONG, b"x") + encode_frame(Opcode.BINARY, b"\x00\x01")) == [
        Pong(b"x"),
        b"\x00\x01",
    ]


@pytest.mark.parametrize(
    ("wire", "fragment"),
    [
        # A fixed key keeps the test id stable from one collection to the next.
        (encode_frame(Opcode.TEXT, b"hi", mask_key=b"\x12\x34\x56\x78"), "masked"),
        (bytes([0x80 | 0x40 | 0x1, 0]), "reserved"),
        (bytes([0x80 | 0x3, 0]), "opcode"),
        (bytes([0x80 | 0x9, 126, 0, 200]) + b"x" * 200, "control frame"),
        (bytes([0x9, 1]) + b"x", "control frame"),
        (encode_frame(Opcode.CONTINUATION, b"x"), "continuation"),
        (encode_frame(Opcode.TEXT, b"a", fin=False) + encode_frame(Opcode.TEXT, b"b"), "inside a fragmented"),
        (encode_frame(Opcode.TEXT, b"\xff\xfe"), "UTF-8"),
        (encode_frame(Opcode.CLOSE, b"\x03"), "1-byte"),
        (encode_frame(Opcode.CLOSE, b"\x03\xe8\xff"), "UTF-8"),
        (encode_frame(Opcode.CLOSE, b"") + encode_frame(Opcode.TEXT, b"late"), "after the close"),
    ],
)
def test_protocol_violations_are_refused(wire: bytes, fragment: str) -> None:
    with pytest.raises(WebSocketProtocolError, match=fragment):
        WebSocketProtocol().receive(wire)


def test_size_bounds() -> None:
    small = WebSocketProtocol(max_message_bytes=100)
    with pytest.raises(WebSocketProtocolError, match="exceeds") as caught:
        small.receive(encode_frame(Opcode.TEXT, b"x" * 101))
    assert caught.value.code == 1009
    fragmented = WebSocketProtocol(max_message_bytes=100)
    fragmented.receive(encode_frame(Opcode.TEXT, b"x" * 60, fin=False))
    with pytest.raises(WebSocketProtocolError, match="exceeds"):
        fragmented.receive(encode_frame(Opcode.CONTINUATION, b"x" * 60))
    header_only = WebSocketProtocol(max_message_bytes=100)
    with pytest.raises(WebSocketProtocolError, match="exceeds"):
        header_only.receive(bytes([0x81, 127]) + struct.pack("!Q", 1 << 40))


def test_encoding_refuses_bad_control_frames_and_keys() -> None:
    with pytest.raises(ValueError, match="125"):
        encode_frame(Opcode.PING, b"x" * 126)
    with pytest.raises(ValueError, match="4 bytes"):
        encode_frame(Opcode.TEXT, b"x", mask_key=b"12")
