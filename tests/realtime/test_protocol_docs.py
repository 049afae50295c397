"""The protocol is data, and docs/realtime.md lists every type of it."""

from __future__ import annotations

from pathlib import Path

from server.realtime import protocol

DOC = (Path(__file__).resolve().parents[2] / "docs" / "realtime.md").read_text()


def test_every_message_type_is_documented() -> None:
    types = protocol.LOGGED_TYPES | protocol.EPHEMERAL_TYPES | protocol.INBOUND_TYPES
    missing = sorted(t for t in types if f"`{t}`" not in DOC)
    assert missing == []


def test_every_close_code_is_documented() -> None:
    codes = [
        protocol.CLOSE_NOT_ALLOWED,
        protocol.CLOSE_NO_EVENT,
        protocol.CLOSE_TOO_SLOW,
        protocol.CLOSE_FROZEN,
    ]
    assert all(f"**{code}**" in DOC for code in codes)
