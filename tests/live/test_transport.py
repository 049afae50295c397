"""Frames written straight into the transport must be what a real WebSocket client parses."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from server.live.transport import Outgoing


def parse(data: bytes) -> Frame:
    """One frame as the websockets client reads it from the wire (server frames: unmasked)."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False, max_size=None)
    try:
        next(parser)
    except StopIteration as done:
        assert reader.at_eof(), "bytes left over after the frame"
        frame: Frame = done.value
        return frame
    raise AssertionError("the frame was incomplete")


# Payload lengths around the 7-bit, 16-bit and 64-bit length encodings (RFC 6455 §5.2).
@pytest.mark.parametrize("text", ["", "x" * 125, "x" * 126, "x" * 65_535, "x" * 65_536, "é" * 70])
def test_a_direct_frame_parses_as_the_same_text_at_every_length_boundary(text: str) -> None:
    frame = parse(Outgoing(text).frame)
    assert frame.opcode is Opcode.TEXT and frame.fin
    assert frame.data.decode() == text
