"""Who may see which log row, and what each kind of viewer sees of it.

Each row carries the widest audience that may see it (`public`, `attendees`, `group:<id>`,
`attendee:<id>`, `facilitators`). A projection may then narrow what a viewer receives: strip an
anonymous card's author, or turn a card that a viewer can no longer see into `card.deleted`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
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


Shown = tuple[str, str, dict[str, Any]]  # (variant, type, data)
Shape = Callable[[Scope, dict[str, Any]], Shown | None]
# Viewers whose keys are equal receive the same message for a row, so fan-out projects and
# encodes it once per key, not once per socket. A key must tell apart every scope that the
# shape can tell apart.
Viewer = Callable[[Scope, dict[str, Any]], Hashable]


@dataclass(frozen=True)
class Projection:
    shape: Shape
    viewer: Viewer


PROJECTIONS: dict[str, Projection] = {}


def projection(*types: str, viewer: Viewer) -> Callable[[Shape], Shape]:
    """Register how rows of these types are narrowed for each viewer, and who sees alike."""

    def register(fn: Shape) -> Shape:
        for t in types:
            PROJECTIONS[t] = Projection(fn, viewer)
        return fn

    return register


def project(scope: Scope, type: str, audience: str, payload: dict[str, Any]) -> Shown | None:
    """(variant, type, data) this viewer receives for a row, or None if nothing."""
    if not may_see(scope, audience):
        return None
    found = PROJECTIONS.get(type)
    if found is None:
        return ("all", type, payload)
    return found.shape(scope, payload)


def viewer_of(type: str) -> Viewer | None:
    """How to group viewers for rows of this type; None when every viewer sees them alike."""
    found = PROJECTIONS.get(type)
    return None if found is None else found.viewer
