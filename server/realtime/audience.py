"""Who a viewer is, and which log rows they may see at all.

Each row carries the widest audience that may see it (`public`, `attendees`, `group:<id>`,
`attendee:<id>`, `facilitators`); the row's type then narrows what each viewer receives
(server/realtime/registry.py). Which scope a caller has is decided in one place,
server/services/access.py; this module only holds the types, so that it imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# `screen`: a projector paired with one event (server/services/screens.py): what the room sees,
# every group's notes that are not held, and never anything only facilitators may read.
Role = Literal["facilitator", "attendee", "screen", "public"]
ROLES: tuple[Role, ...] = ("facilitator", "attendee", "screen", "public")

PUBLIC = "public"
ATTENDEES = "attendees"
FACILITATORS = "facilitators"


@dataclass
class Scope:
    """What one viewer may see; `groups` changes as its attendee moves between breakouts."""

    role: Role
    attendee_id: int | None = None
    groups: set[int] = field(default_factory=set)
    screen_id: int | None = None  # a paired screen's pairing, closed when it is unpaired


def may_see(scope: Scope, audience: str) -> bool:
    if scope.role == "facilitator" or audience == PUBLIC:
        return True
    if audience == ATTENDEES:
        return scope.role in ("attendee", "screen")
    kind, _, ident = audience.partition(":")
    if kind == "group":
        return scope.role == "screen" or (ident.isdigit() and int(ident) in scope.groups)
    if kind == "attendee":
        return scope.attendee_id is not None and ident == str(scope.attendee_id)
    return False


def follow(scope: Scope, type: str, payload: dict[str, Any]) -> None:
    """Move an attendee's scope between groups as their `breakout.member` rows go by.

    The hub calls this before projecting each row, live and in replay alike, so every row after
    a move is judged by the groups the attendee is in from then on.
    """
    if type != "breakout.member" or scope.attendee_id is None:
        return
    for move in payload.get("moves", []):
        if move["attendee_id"] != scope.attendee_id:
            continue
        if move.get("from_breakout_id") is not None:
            scope.groups.discard(move["from_breakout_id"])
        if move.get("breakout_id") is not None:
            scope.groups.add(move["breakout_id"])
