"""The snapshot a client loads before subscribing with since=seq."""

from __future__ import annotations

from sqlmodel import Session

from server.models.events import Event, EventState
from server.services import access, boards, breakouts, events, liveblog, room
from server.services.access import Caller, Role, Scope


def load_state(
    session: Session, *, event: Event, role: Role, attendee_id: int | None = None
) -> EventState:
    """Everything a client of this role may see, and the log seq it is consistent with.

    `attendee_id` is the calling attendee's, who also sees their own cards still held back.
    """
    # Read seq first: the caller's transaction is a snapshot (SQLite WAL, or REPEATABLE
    # READ on PostgreSQL), so nothing after this seq can be in what follows.
    session.refresh(event)
    scope = access.scope_of(session, role, attendee_id)
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
            boards.board_as_seen(session, board=b, scope=scope)
            for b in boards.event_boards(session, event, include_hidden=role == "facilitator")
        ],
        breakouts=breakouts.breakouts_as_seen(session, event=event, scope=scope),
        timer=room.current_timer(session, event),
        screen=room.current_screen(session, event),
    )


def role_for(session: Session, *, event: Event, caller: Caller) -> Role:
    """How the caller sees this event: facilitator, attendee, or public follower where allowed."""
    return access.event_scope(session, event=event, caller=caller).role


def scope_for(session: Session, *, event: Event, caller: Caller) -> Scope:
    """The realtime scope of a connection: its role, and for an attendee their groups."""
    return access.event_scope(session, event=event, caller=caller)
