"""MLLP framing: whole messages out of a byte stream arriving in pieces of any size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.mllp import FrameReader, FrameTooLongError, frame

MESSAGES = [b"MSH|^~\\&|A\rEVN|A04\r", b"MSH|^~\\&|B\r", b"MSH|^~\\&|C\rPID|1\r"]


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=60))
def test_messages_come_out_whole_however_the_stream_is_cut(sizes: list[int]) -> None:
    """Cut into pieces of any sizes (end blocks split too), the messages come out as sent."""
    stream = b"".join(frame(m) for m in MESSAGES)
    reader, out, position = FrameReader(), [], 0
    for size in sizes * (len(stream) // len(sizes) + 1):
        out += reader.feed(stream[position : position + size])
        position += size
        if position >= len(stream):
            break
    assert MESSAGES == out
    assert (0, 0) == (reader.pending, reader.discarded)


def test_a_frame_without_its_end_is_pending_not_a_message() -> None:
    """Bytes after <VT> with no <FS><CR> yet are held as pending and yield nothing."""
    reader = FrameReader()
    assert [] == reader.feed(b"\x0bMSH|^~\\&|A\r")
    assert len(b"MSH|^~\\&|A\r") == reader.pending


def test_bytes_outside_frames_are_counted_and_skipped() -> None:
    """Noise before and between frames is counted in ``discarded``; the messages survive."""
    reader = FrameReader()
    assert MESSAGES[:2] == reader.feed(b"xx" + frame(MESSAGES[0]) + b"\r\n" + frame(MESSAGES[1]))
    assert 4 == reader.discarded


def test_a_frame_past_the_limit_is_refused() -> None:
    """A frame growing past ``max_frame`` without an end raises rather than growing on."""
    reader = FrameReader(max_frame=10)
    with pytest.raises(FrameTooLongError):
        reader.feed(b"\x0b" + b"M" * 11)
