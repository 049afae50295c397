"""Who may see which log row, and what each kind of viewer sees of it.

Each row carries the widest audience that may see it (`public`, `attendees`, `group:<id>`,
`attendee:<id>`, `facilitators`). A projection may then narrow what a viewer receives: strip an
anonymous card's author, or turn a card that a viewer can no longer see into `card.deleted`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PUBLIC = "public"
ATTENDEES = "attendees"
FACILITATORS = "facilitators"


@dataclass
class Scope:
    """What one connection may see; `groups` changes as its attendee moves between breakouts."""

    role: str  # "facilitator", "attendee" or "public"
    attendee_id: int | None = None
    groups: set[int] = field(default_factory=set)

    @property
    def key(self) -> str:
        """Connections with the same key see every row the same way (used to encode once)."""
        return self.role


def may_see(scope: Scope, audience: str) -> bool:
    if scope.role == "facilitator" or audience == PUBLIC:
        return True
    if audience == ATTENDEES:
        return scope.role == "attendee"
    kind, _, ident = audience.partition(":")
    if kind == "group":
        return ident.isdigit() and int(ident) in scope.groups
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


# type -> function(scope, payload) returning (variant key, data) or None to withhold the row.
Projection = Callable[[Scope, dict[str, Any]], tuple[str, str, dict[str, Any]] | None]
PROJECTIONS: dict[str, Projection] = {}


def projection(*types: str) -> Callable[[Projection], Projection]:
    """Register how rows of these types are narrowed for each viewer."""

    def register(fn: Projection) -> Projection:
        for t in types:
            PROJECTIONS[t] = fn
        return fn

    return register


def project(
    scope: Scope, type: str, audience: str, payload: dict[str, Any]
) -> tuple[str, str, dict[str, Any]] | None:
    """(variant, type, data) this viewer receives for a row, or None if nothing."""
    if not may_see(scope, audience):
        return None
    fn = PROJECTIONS.get(type)
    if fn is None:
        return ("all", type, payload)
    return fn(scope, payload)
