"""The snapshot a client loads before subscribing with since=seq.

The snapshot is read whole, as the facilitators see it (`read_full`), and then narrowed to each
viewer by the same projections that narrow the live stream (`state_for`). Which viewers receive
alike follows from those projections (`view_key`), so a whole snapshot read once can serve a
hall of phones joining at once: see server/live/statecache.py.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from server.models.events import AgendaItemPublic, Event, EventPublic, EventState
from server.models.room import ScreenPublic, TimerPublic
from server.realtime.breakouts import breakout_for
from server.realtime.projections import AUTHOR_KEY, board_for
from server.services import access, boards, breakouts, events, liveblog, room
from server.services.access import Caller, Role, Scope


@dataclass(frozen=True)
class FullState:
    """Everything of an event as its facilitators see it, as of log position `seq`."""

    seq: int
    event: EventPublic
    agenda: list[AgendaItemPublic]
    entries: list[dict[str, Any]]
    boards: list[dict[str, Any]]  # every board in full, hidden ones too, with private keys
    breakouts: list[dict[str, Any]]  # every group in full
    timer: TimerPublic | None
    screen: ScreenPublic
    authors: frozenset[int]  # the attendees who wrote a card here: each sees it their own way


def read_full(session: Session, *, event: Event) -> FullState:
    """The whole snapshot, in the caller's one read transaction."""
    # Read seq first: the caller's transaction is a snapshot (SQLite WAL, or REPEATABLE
    # READ on PostgreSQL), so nothing after this seq can be in what follows.
    session.refresh(event)
    every_board = [
        boards.board_full(session, board=b)
        for b in boards.event_boards(session, event=event, include_hidden=True)
    ]
    authors = {c[AUTHOR_KEY] for b in every_board for c in b["cards"] if c[AUTHOR_KEY] is not None}
    return FullState(
        seq=event.last_seq,
        event=events.event_public(session, event=event),
        agenda=[events.agenda_public(item) for item in events.agenda(session, event=event)],
        entries=[
            liveblog.entry_public(e).model_dump(mode="json")
            for e in liveblog.entries(session, event=event)
        ],
        boards=every_board,
        breakouts=breakouts.breakouts_full(
            session, groups=breakouts.event_breakouts(session, event=event)
        ),
        timer=room.current_timer(session, event=event),
        screen=room.current_screen(session, event=event),
        authors=frozenset(authors),
    )


def state_for(full: FullState, scope: Scope) -> EventState:
    """What this viewer may see of the snapshot (server/realtime/projections.py decides)."""
    shown_boards = [b for b in full.boards if scope.role == "facilitator" or b["state"] != "hidden"]
    return EventState(
        seq=full.seq,
        role=scope.role,
        event=full.event,
        agenda=full.agenda,
        entries=full.entries,
        boards=[board_for(scope, b)[1] for b in shown_boards],
        breakouts=[breakout_for(scope, b)[1] for b in full.breakouts],
        timer=full.timer,
        screen=full.screen,
    )


def view_key(full: FullState, scope: Scope) -> Hashable | None:
    """Viewers with equal keys are shown the same snapshot; None for one seen its own way.

    A card looks different only to its author (projections.card_for), a group only to its
    members (breakouts.breakout_for); everything else depends on the role alone. So every
    facilitator sees alike, every public follower, and every attendee who wrote no card here
    and sits in the same groups: a phone that has just joined sees what all the others do.
    """
    if scope.role != "attendee":
        return (scope.role,)
    if scope.attendee_id in full.authors:
        return None
    return (scope.role, frozenset(scope.groups))


def load_state(
    session: Session, *, event: Event, role: Role, attendee_id: int | None = None
) -> EventState:
    """Everything a client of this role may see, and the log seq it is consistent with.

    `attendee_id` is the calling attendee's, who also sees their own cards still held back.
    """
    return state_for(
        read_full(session, event=event),
        access.scope_of(session, role=role, attendee_id=attendee_id),
    )


def role_for(session: Session, *, event: Event, actor: Caller) -> Role:
    """How the actor sees this event: facilitator, attendee, or public follower where allowed."""
    return access.event_scope(session, event=event, actor=actor).role


def scope_for(session: Session, *, event: Event, actor: Caller) -> Scope:
    """The realtime scope of a connection: its role, and for an attendee their groups."""
    return access.event_scope(session, event=event, actor=actor)
