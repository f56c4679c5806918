"""MLLP framing (HL7 v2's Minimal Lower Layer Protocol): ``<VT> message <FS><CR>``.

``FrameReader`` turns the bytes of one connection, as they arrive in pieces of any size,
into whole messages. Only a complete frame is ever a message: bytes after a ``<VT>``
with no ``<FS><CR>`` yet are held, and a connection that ends there leaves them
``pending`` (a message cut short, never parsed). Bytes outside any frame (noise between
frames, a client that forgot the ``<VT>``) are counted in ``discarded``, so the caller
can report them; a frame longer than ``max_frame`` bytes is refused with
``FrameTooLongError`` rather than held without end.
"""

from __future__ import annotations

START = b"\x0b"  # <VT>, start block
END = b"\x1c\x0d"  # <FS><CR>, end block then carriage return
DEFAULT_MAX_FRAME = 4 * 1024 * 1024


class FrameTooLongError(ValueError):
    """A frame grew past the reader's limit without its end block."""


def frame(message: bytes) -> bytes:
    """One message wrapped for sending: ``<VT> message <FS><CR>``."""
    return START + message + END


class FrameReader:
    """Whole MLLP frames out of a byte stream fed in arbitrary pieces."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._max_frame = max_frame
        self._buffer = bytearray()
        self._in_frame = False
        self.discarded = 0  # bytes seen outside any frame

    @property
    def pending(self) -> int:
        """Bytes of a frame begun but not ended (a message cut short if the stream ends)."""
        return len(self._buffer) if self._in_frame else 0

    def feed(self, data: bytes) -> list[bytes]:
        """The messages completed by ``data``, without their framing bytes."""
        messages: list[bytes] = []
        view = memoryview(data)
        position = 0
        while position < len(view):
            if not self._in_frame:
                start = data.find(START, position)
                if start < 0:
                    self.discarded += len(data) - position
                    break
                self.discarded += start - position
                self._in_frame = True
                position = start + 1
                continue
            # An end block may straddle two pieces: look from one byte before this one.
            search_from = max(len(self._buffer) - 1, 0)
            self._buffer += view[position:]
            end = self._buffer.find(END, search_from)
            if end < 0:
                if len(self._buffer) > self._max_frame:
                    size = len(self._buffer)
                    self._buffer.clear()
                    self._in_frame = False
                    raise FrameTooLongError(f"frame of over {size} bytes has no end block")
                break
            messages.append(bytes(self._buffer[:end]))
            rest = bytes(self._buffer[end + len(END) :])
            self._buffer.clear()
            self._in_frame = False
            data, view, position = rest, memoryview(rest), 0
        return messages
