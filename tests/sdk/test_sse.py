"""The incremental SSE decoder: the standard's framing, any chunking, and its size bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentos_factories._sse import ServerSentEvent, SSEDecodeError, SSEDecoder


def decode_all(chunks: list[bytes], **kwargs: int) -> list[ServerSentEvent]:
    decoder = SSEDecoder(**kwargs)
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


def test_agno_framing() -> None:
    body = b'event: RunStarted\ndata: {"event":"RunStarted"}\n\nevent: RunCompleted\ndata: {"a":1}\n\n'
    assert decode_all([body]) == [
        ServerSentEvent("RunStarted", '{"event":"RunStarted"}'),
        ServerSentEvent("RunCompleted", '{"a":1}'),
    ]


def test_the_standard_details() -> None:
    body = (
        "\ufeff: a comment\r\n"
        "data:no space\r\n"
        "data:  two spaces\r\n"
        "id: 7\r\n"
        "retry: 1500\r\n"
        "unknown: field\r\n"
        "\r\n"
        "event: only-a-name\n\n"  # no data: not dispatched
        "data\n\n"  # a field name alone means empty data
    ).encode()
    assert decode_all([body]) == [
        ServerSentEvent("message", "no space\n two spaces", id="7", retry=1500),
        ServerSentEvent("message", "", id="7", retry=1500),
    ]


def test_an_unterminated_last_event_is_not_dispatched() -> None:
    assert decode_all([b'event: RunCompleted\ndata: {"a":1}\n']) == []
    assert decode_all([b'event: RunCompleted\ndata: {"a":1}']) == []


def test_lone_carriage_returns_end_lines() -> None:
    assert decode_all([b"data: a\r", b"\r", b"data: b\r\n\r\n"]) == [
        ServerSentEvent("message", "a"),
        ServerSentEvent("message", "b"),
    ]


def test_a_line_without_end_beyond_the_bound_is_refused() -> None:
    decoder = SSEDecoder(max_event_bytes=64)
    decoder.feed(b"data: " + b"x" * 40)
    with pytest.raises(SSEDecodeError, match="exceeds 64"):
        decoder.feed(b"y" * 40)


def test_an_event_beyond_the_bound_is_refused_even_split_into_lines() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    for _ in range(5):
        decoder.feed(b"data: 0123456789\n")  # 5 lines of 11: under the bound
    with pytest.raises(SSEDecodeError, match="exceeds 100"):
        decoder.feed(b"data: 0123456789\n" * 5)


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(SSEDecodeError, match="UTF-8"):
        SSEDecoder().feed(b"data: \xff\xfe\n\n")
    decoder = SSEDecoder()
    decoder.feed(b"data: \xe2\x82")  # a split character is fine until the stream ends inside it
    with pytest.raises(SSEDecodeError, match="UTF-8"):
        decoder.flush()


_text = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=30)
_events = st.lists(
    st.tuples(st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True), st.lists(_text, min_size=1, max_size=3)),
    max_size=6,
)


@given(
    events=_events, cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12), crlf=st.booleans()
)
def test_any_chunking_gives_the_same_events(
    events: list[tuple[str, list[str]]], cuts: list[int], crlf: bool
) -> None:
    newline = "\r\n" if crlf else "\n"
    body = "".join(
        f"event: {name}{newline}" + "".join(f"data: {line}{newline}" for line in lines) + newline
        for name, lines in events
    ).encode()
    points = sorted({cut % (len(body) + 1) for cut in cuts})
    chunks = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    expected = [ServerSentEvent(name, "\n".join(lines)) for name, lines in events]
    assert decode_all(chunks) == expected
    assert decode_all([body]) == expected
