"""The snapshot a client loads before subscribing with since=seq."""

from __future__ import annotations

from sqlmodel import Session

from server.models.accounts import User
from server.models.events import Event, EventState
from server.models.programmes import Programme
from server.services import boards, events, liveblog, programmes
from server.services.access import is_facilitator


def load_state(session: Session, *, event: Event, role: str) -> EventState:
    """Everything a client of this role may see, and the log seq it is consistent with."""
    # Read seq first: the caller's transaction is a snapshot (SQLite WAL, or REPEATABLE
    # READ on PostgreSQL), so nothing after this seq can be in what follows.
    session.refresh(event)
    return EventState(
        seq=event.last_seq,
        role=role,
        event=events.event_public(session, event),
        agenda=[events.agenda_public(item) for item in events.agenda(session, event)],
        entries=[
            liveblog.entry_public(e).model_dump(mode="json")
            for e in liveblog.entries(session, event)
        ],
        boards=[
            boards.board_public(b).model_dump(mode="json")
            for b in boards.event_boards(session, event, include_hidden=role == "facilitator")
        ],
    )


def role_for(session: Session, *, event: Event, user: User | None) -> str:
    """How the caller sees this event: facilitator, or public follower where allowed."""
    programme = session.get(Programme, event.programme_id)
    assert programme is not None and programme.id is not None
    if is_facilitator(session, user, programme.id):
        return "facilitator"
    programmes.read_programme(session, actor=user, programme=programme)
    return "public"
