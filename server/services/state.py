"""The snapshot a client loads before subscribing with since=seq."""

from __future__ import annotations

from sqlmodel import Session, select

from server.models.breakouts import BreakoutMember
from server.models.events import Event, EventState
from server.models.programmes import Programme
from server.realtime.audience import Scope
from server.services import boards, breakouts, events, liveblog, programmes, room
from server.services.access import Caller, is_facilitator


def load_state(
    session: Session, *, event: Event, role: str, attendee_id: int | None = None
) -> EventState:
    """Everything a client of this role may see, and the log seq it is consistent with.

    `attendee_id` is the calling attendee's, who also sees their own cards still held back.
    """
    # Read seq first: the caller's transaction is a snapshot (SQLite WAL, or REPEATABLE
    # READ on PostgreSQL), so nothing after this seq can be in what follows.
    session.refresh(event)
    scope = Scope(role=role, attendee_id=attendee_id if role == "attendee" else None)
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
        breakouts=breakouts.breakouts_as_seen(
            session, event=event, scope=breakouts.with_groups(session, scope)
        ),
        timer=room.current_timer(session, event),
        screen=room.current_screen(session, event),
    )


def role_for(session: Session, *, event: Event, caller: Caller) -> str:
    """How the caller sees this event: facilitator, attendee, or public follower where allowed."""
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    if is_facilitator(session, caller.user, programme.id):
        return "facilitator"
    if caller.attendee is not None and caller.attendee.event_id == event.id:
        return "attendee"
    programmes.read_programme(session, actor=caller.user, programme=programme)
    return "public"


def scope_for(session: Session, *, event: Event, caller: Caller) -> Scope:
    """The realtime scope of a connection: its role, and for an attendee their groups."""
    role = role_for(session, event=event, caller=caller)
    if role != "attendee" or caller.attendee is None:
        return Scope(role=role)
    groups = session.exec(
        select(BreakoutMember.breakout_id).where(BreakoutMember.attendee_id == caller.attendee.id)
    ).all()
    return Scope(role=role, attendee_id=caller.attendee.id, groups=set(groups))
