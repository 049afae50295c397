"""Join codes: the alphabet they are written in, and what a person typed, normalised.

A leaf of services/: events, attendees, room and screens all read codes, and none of them
need import another for it.
"""

from __future__ import annotations

# No 0/O, 1/I/L: a code read aloud across a noisy room or off a slide is typed right.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def normalise_join_code(code: str) -> str:
    """What a person typed, forgiving case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
