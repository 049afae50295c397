"""Participation figures of an event for its archive: who joined, how many were active at once,
and how much they wrote.

"Peak active" stands in for peak connections, which no table records (the hub counts sockets in
memory, per process): the most distinct attendees who joined, posted a card or wrote a note
within any one 30-minute window. It is a lower bound on how many were in the room at once.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.models.attendees import Attendee
from server.models.boards import Board, Card
from server.models.breakouts import Breakout, Note
from server.models.events import Event
from server.timeutil import as_utc

ACTIVE_WINDOW = timedelta(minutes=30)
Doc = dict[str, Any]


def figures(
    session: Session, event: Event, entries: list[Doc], boards: list[Doc], breakouts: list[Doc]
) -> Doc:
    """The headline figures, counted from the document's own parts where it has them."""
    joined = session.exec(select(Attendee.created_at).where(Attendee.event_id == event.id)).all()
    cards = [c for b in boards for c in b["cards"]]
    votes = sum(c["votes"] for c in cards) + sum(t["votes"] for b in boards for t in b["themes"])
    return {
        "attendees_joined": len(joined),
        "peak_active": peak_active(_activity(session, event)),
        "entries": len(entries),
        "cards": len(cards),
        "notes": sum(len(g["notes"]) for g in breakouts),
        "votes": votes,
    }


def _activity(session: Session, event: Event) -> list[tuple[datetime, int]]:
    """(when, attendee id) for each join, card and note: who was in the room, and when."""
    joins = session.exec(
        select(Attendee.created_at, Attendee.id).where(Attendee.event_id == event.id)
    ).all()
    cards = session.exec(
        select(Card.created_at, Card.author_attendee_id)
        .join(Board, col(Board.id) == Card.board_id)
        .where(Board.event_id == event.id, col(Card.author_attendee_id).is_not(None))
    ).all()
    notes = session.exec(
        select(Note.created_at, Note.author_attendee_id)
        .join(Breakout, col(Breakout.id) == Note.breakout_id)
        .where(Breakout.event_id == event.id, col(Note.author_attendee_id).is_not(None))
    ).all()
    return [(as_utc(at), who) for at, who in [*joins, *cards, *notes] if who is not None]


def peak_active(activity: list[tuple[datetime, int]], window: timedelta = ACTIVE_WINDOW) -> int:
    """The most distinct attendees active within any one window (a sliding window over time)."""
    seen: Counter[int] = Counter()
    inside: deque[tuple[datetime, int]] = deque()
    best = 0
    for at, who in sorted(activity):
        inside.append((at, who))
        seen[who] += 1
        while at - inside[0][0] > window:
            _, gone = inside.popleft()
            seen[gone] -= 1
            if not seen[gone]:
                del seen[gone]
        best = max(best, len(seen))
    return best
