"""Breakout groups: making, closing and sharing them, and the views every door shares.

Every change is one function, here (groups), in services/breakout_members.py (who sits where),
services/notes.py (notes) or services/reportback.py (report-back), whichever door it came in
by, and appends its event-log rows in the same transaction. What each viewer sees of a group is
decided once, in server/realtime/breakouts.py.

An attendee sits in at most one open group at a time; membership of closed groups is kept, so
an earlier round's notes stay with the people who wrote them.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from server.errors import Conflict, NotFound
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.breakouts import (
    AssignStrategy,
    Breakout,
    BreakoutCreate,
    BreakoutMember,
    BreakoutPublic,
    BreakoutUpdate,
    MemberPublic,
    Note,
    NotePublic,
)
from server.models.events import Event
from server.realtime import log
from server.realtime.audience import Scope
from server.realtime.breakouts import breakout_for
from server.services import access, privacy
from server.services.access import (
    Caller,
    require_event_facilitator,
    require_not_frozen,
)

Move = dict[str, int | None]  # {"attendee_id", "breakout_id", "from_breakout_id"}


class BreakoutsClosed(Conflict):
    code, message = "breakouts_closed", "This breakout is closed; its notes can no longer change."


class BreakoutFull(Conflict):
    code, message = "breakout_full", "That group is full; pick another one."


class AlreadyInGroup(Conflict):
    code = "already_in_group"


class NoOpenBreakouts(Conflict):
    code, message = "no_open_breakouts", "Open at least one breakout group first."


# -- lookups and who may do what ------------------------------------------------------------


def breakout_or_404(session: Session, *, breakout_id: int) -> Breakout:
    breakout = session.get(Breakout, breakout_id)
    if breakout is None:
        raise NotFound("No breakout group has that id.")
    return breakout


def event_of(session: Session, *, breakout: Breakout) -> Event:
    event = session.get(Event, breakout.event_id)
    assert event is not None
    return event


def manage(session: Session, *, event: Event, actor: User | None) -> User:
    """A facilitator of the event's programme, and the event not frozen."""
    user = require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    return user


def lock(session: Session, *, event: Event) -> None:
    """Queue behind other writers to this event before reading what the log row will carry.

    On PostgreSQL (READ COMMITTED) a group's notes read before the lock could miss a note whose
    row gets the seq just before ours; SQLite's writers are serialised already.
    """
    session.exec(select(Event.id).where(Event.id == event.id).with_for_update()).one()


def open_groups(session: Session, *, event: Event, attendee_id: int) -> list[int]:
    """The open groups of this event the attendee sits in (at most one, by the rule above)."""
    return list(
        session.exec(
            select(BreakoutMember.breakout_id)
            .join(Breakout, col(Breakout.id) == BreakoutMember.breakout_id)
            .where(
                BreakoutMember.attendee_id == attendee_id,
                Breakout.event_id == event.id,
                Breakout.state == "open",
            )
        )
    )


def any_open(session: Session, *, event: Event) -> bool:
    """Whether the event's breakouts are on: at least one of its groups is open."""
    query = select(Breakout.id).where(Breakout.event_id == event.id, Breakout.state == "open")
    return session.exec(query.limit(1)).first() is not None


def viewer_scope(session: Session, *, event: Event, actor: Caller) -> Scope:
    """How the actor sees this event's groups; public followers only where allowed."""
    return access.event_scope(session, event=event, actor=actor)


# -- what callers see --------------------------------------------------------------------------


def notes_full(session: Session, *, notes: list[Note]) -> list[dict[str, Any]]:
    """The facilitator's view of notes: authors named, and why any would be held from the public."""
    attendee_ids = {n.author_attendee_id for n in notes if n.author_attendee_id is not None}
    user_ids = {n.author_user_id for n in notes if n.author_user_id is not None}
    attendees = session.exec(select(Attendee).where(col(Attendee.id).in_(attendee_ids))).all()
    users = session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    names = {("attendee", a.id): a.display_name for a in attendees}
    names |= {("facilitator", u.id): u.name for u in users}
    shown = []
    for note in notes:
        kind, ident = (
            ("attendee", note.author_attendee_id)
            if note.author_attendee_id is not None
            else ("facilitator", note.author_user_id)
        )
        name = names.get((kind, ident or 0))
        author = None if name is None else {"id": ident, "display_name": name, "kind": kind}
        data = NotePublic.model_validate(
            {**note.model_dump(), "author": author, "held_reason": privacy.screen(note.text)}
        )
        shown.append(data.model_dump(mode="json"))
    return shown


def breakouts_full(session: Session, *, groups: list[Breakout]) -> list[dict[str, Any]]:
    """The facilitator's view of groups: every member, and every note oldest first."""
    ids = [b.id for b in groups]
    members: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    rows = session.exec(
        select(BreakoutMember.breakout_id, Attendee)
        .join(Attendee, col(Attendee.id) == BreakoutMember.attendee_id)
        .where(col(BreakoutMember.breakout_id).in_(ids))
        .order_by(col(BreakoutMember.joined_at), col(Attendee.id))
    ).all()
    for breakout_id, attendee in rows:
        member = MemberPublic(id=attendee.id, display_name=attendee.display_name)
        members[breakout_id].append(member.model_dump())
    notes: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    found = session.exec(
        select(Note)
        .where(col(Note.breakout_id).in_(ids), col(Note.deleted_at).is_(None))
        .order_by(col(Note.created_at), col(Note.id))
    ).all()
    for note in notes_full(session, notes=list(found)):
        notes[note["breakout_id"]].append(note)
    return [
        BreakoutPublic.model_validate(
            {
                **b.model_dump(),
                "member_count": len(members[b.id]),
                "members": members[b.id],
                "notes": notes[b.id],
            }
        ).model_dump(mode="json")
        for b in groups
    ]


def event_breakouts(session: Session, *, event: Event) -> list[Breakout]:
    """The event's groups, oldest first."""
    query = select(Breakout).where(Breakout.event_id == event.id).order_by(col(Breakout.id))
    return list(session.exec(query))


def breakouts_as_seen(session: Session, *, event: Event, scope: Scope) -> list[dict[str, Any]]:
    """The event's groups as this viewer sees them (for /state and the list route)."""
    return [
        breakout_for(scope, b)[1]
        for b in breakouts_full(session, groups=event_breakouts(session, event=event))
    ]


def breakout_as_seen(session: Session, *, breakout: Breakout, actor: Caller) -> dict[str, Any]:
    """One group as the actor sees it (REST answers)."""
    scope = viewer_scope(session, event=event_of(session, breakout=breakout), actor=actor)
    return breakout_for(scope, breakouts_full(session, groups=[breakout])[0])[1]


def log_breakout(session: Session, *, breakout: Breakout, type: str) -> None:
    """A group in full to everyone; projections narrow it per viewer."""
    payload = breakouts_full(session, groups=[breakout])[0]
    log.append(session, event_id=breakout.event_id, type=type, audience=log.PUBLIC, payload=payload)


def log_moves(session: Session, *, event: Event, moves: list[Move], groups: list[Breakout]) -> None:
    """One row for a whole reshuffle: the moves, and every group touched, in full."""
    if not moves:
        return
    payload = {"moves": moves, "breakouts": breakouts_full(session, groups=groups)}
    log.append(
        session, event_id=event.id, type="breakout.member", audience=log.PUBLIC, payload=payload
    )


def log_opened(
    session: Session, *, event: Event, strategy: AssignStrategy, groups: list[Breakout]
) -> None:
    """Call the room to its groups: each phone learns its own open group, or to pick one.

    The row names only the open groups; which one is a viewer's own is decided as it passes
    (server/realtime/breakouts.py `breakout_opened`), after the moves just before it.
    """
    payload = {"strategy": strategy, "breakout_ids": [b.id for b in groups]}
    log.append(
        session, event_id=event.id, type="breakout.opened", audience=log.ATTENDEES, payload=payload
    )


# -- groups --------------------------------------------------------------------------------------


def create_breakout(
    session: Session, *, actor: User | None, event: Event, data: BreakoutCreate
) -> Breakout:
    """Open a group with a name, a prompt and an optional cap for picking it."""
    manage(session, event=event, actor=actor)
    breakout = Breakout(event_id=event.id, **data.model_dump())
    session.add(breakout)
    session.flush()
    log_breakout(session, breakout=breakout, type="breakout.created")
    return breakout


def update_breakout(
    session: Session, *, actor: User | None, breakout: Breakout, data: BreakoutUpdate
) -> Breakout:
    """Rename, re-prompt, re-cap, close or reopen a group, or share its notes with everyone."""
    event = event_of(session, breakout=breakout)
    manage(session, event=event, actor=actor)
    lock(session, event=event)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        # `cap: null` lifts the cap; for the other fields null means "leave it".
        if value is not None or field == "cap":
            setattr(breakout, field, value)
    session.add(breakout)
    session.flush()
    log_breakout(session, breakout=breakout, type="breakout.updated")
    return breakout


def close_breakouts(session: Session, *, actor: User | None, event: Event) -> list[Breakout]:
    """Close every open group of the event: their notes become read-only."""
    manage(session, event=event, actor=actor)
    lock(session, event=event)
    groups = event_breakouts(session, event=event)
    for breakout in groups:
        if breakout.state == "open":
            breakout.state = "closed"
            session.add(breakout)
            session.flush()
            log_breakout(session, breakout=breakout, type="breakout.updated")
    return groups
