"""Participation figures of an event for its archive: who joined, how many were connected at
once, and how much they wrote.

"Peak connected" is the most distinct attendees with a socket open at once, summed over every
process. Presence sees it (server/live/presence.py) and raises `event.peak_connected` through
`record_peak`; freezing copies the stored figure into the document.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from server.models.attendees import Attendee
from server.models.events import Event

Doc = dict[str, Any]


def figures(
    session: Session, *, event: Event, entries: list[Doc], boards: list[Doc], breakouts: list[Doc]
) -> Doc:
    """The headline figures, counted from the document's own parts where it has them."""
    joined = session.exec(
        select(func.count()).select_from(Attendee).where(Attendee.event_id == event.id)
    ).one()
    # Read afresh, not from `event`: the hub may have raised it since the row was loaded.
    peak = session.exec(select(Event.peak_connected).where(Event.id == event.id)).one()
    return {
        "attendees_joined": joined,
        "peak_connected": peak,
        **counts(entries, boards, breakouts),
    }


def counts(entries: list[Doc], boards: list[Doc], breakouts: list[Doc]) -> Doc:
    """How much was written and voted, as the public reads it: held and hidden cards and held
    notes are not counted (a redaction counts again with this, from the new version)."""
    cards = [c for b in boards for c in b["cards"] if c.get("status", "visible") == "visible"]
    votes = sum(c["votes"] for c in cards) + sum(t["votes"] for b in boards for t in b["themes"])
    return {
        "entries": len(entries),
        "cards": len(cards),
        "notes": sum(1 for g in breakouts for n in g["notes"] if not n.get("held_reason")),
        "votes": votes,
    }


def record_peak(session: Session, *, event_id: int, connected: int) -> int:
    """Raise the event's peak to `connected` attendees if that is higher; returns the peak now
    stored. Never lowers it and never touches a frozen event, so any number of processes may
    call it at once in any order. An event that is gone answers `connected`: nothing to retry.
    """
    session.execute(
        update(Event)
        .where(
            col(Event.id) == event_id,
            col(Event.peak_connected) < connected,
            col(Event.status) != "frozen",
        )
        .values(peak_connected=connected)
    )
    stored = session.exec(select(Event.peak_connected).where(Event.id == event_id)).first()
    return connected if stored is None else stored
