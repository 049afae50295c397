"""Who sits in which breakout group: balanced assignment, picking on a phone, moves.

Each reshuffle appends one `breakout.member` row naming who moved from where to where, with
every group it touched in full; a connection's groups follow it live (server/realtime/audience.py
`follow`), so a moved attendee gets their new group's notes from that row on, and no others.
"""

from __future__ import annotations

from sqlmodel import Session, col, delete, func, select

from server.errors import Forbidden, NotFound, NotSignedIn
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.breakouts import AssignRequest, Breakout, BreakoutMember
from server.models.events import Event
from server.services import breakouts
from server.services.access import Caller, require_not_frozen


def balanced_plan(people: list[tuple[int, str]], group_ids: list[int]) -> dict[int, int]:
    """attendee id -> group id: sizes differ by at most one, colleagues spread out.

    People are dealt round the groups like cards, largest organisation first, so the k members
    of one organisation land in k different groups whenever there are at least k groups.
    """
    colleagues: dict[str, list[int]] = {}
    unaffiliated: list[int] = []
    for attendee_id, organisation in sorted(people):
        key = " ".join(organisation.casefold().split())
        (colleagues.setdefault(key, []) if key else unaffiliated).append(attendee_id)
    by_size = sorted(colleagues.values(), key=lambda ids: (-len(ids), ids[0]))
    order = [a for ids in by_size for a in ids] + unaffiliated
    return {a: group_ids[i % len(group_ids)] for i, a in enumerate(order)}


def assign(
    session: Session, *, actor: User | None, event: Event, data: AssignRequest
) -> list[Breakout]:
    """`balanced`: seat every attendee now; `self`: empty the open groups for people to pick.

    Either way every phone is then called to the groups: to its own, or to pick one.
    """
    breakouts.manage(session, event=event, actor=actor)
    breakouts.lock(session, event=event)
    groups = [b for b in breakouts.event_breakouts(session, event=event) if b.state == "open"]
    if not groups:
        raise breakouts.NoOpenBreakouts()
    if data.cap is not None:
        for breakout in groups:
            breakout.cap = data.cap
            session.add(breakout)
    current = _seats(session, groups)
    if data.strategy == "balanced":
        people = session.exec(
            select(Attendee.id, Attendee.organisation).where(Attendee.event_id == event.id)
        ).all()
        plan = balanced_plan([(a, o) for a, o in people], [b.id for b in groups])
    else:
        plan = {}
    moves = _reseat(session, current, plan)
    session.flush()
    if data.cap is not None and not moves:
        for breakout in groups:
            breakouts.log_breakout(session, breakout=breakout, type="breakout.updated")
    breakouts.log_moves(session, event=event, moves=moves, groups=groups)
    breakouts.log_opened(session, event=event, strategy=data.strategy, groups=groups)
    return groups


def _seats(session: Session, groups: list[Breakout]) -> dict[int, set[int]]:
    """attendee id -> the open groups they sit in now (one, unless a group was reopened)."""
    ids = [b.id for b in groups]
    seats: dict[int, set[int]] = {}
    for m in session.exec(select(BreakoutMember).where(col(BreakoutMember.breakout_id).in_(ids))):
        seats.setdefault(m.attendee_id, set()).add(m.breakout_id)
    return seats


def _reseat(
    session: Session, current: dict[int, set[int]], plan: dict[int, int]
) -> list[breakouts.Move]:
    """Make the open groups match the plan; the moves, for those whose seat changed."""
    moves: list[breakouts.Move] = []
    for attendee_id in sorted(current.keys() | plan.keys()):
        was, now = current.get(attendee_id, set()), plan.get(attendee_id)
        left = sorted(was - {now})
        for breakout_id in left:
            _leave(session, attendee_id, breakout_id)
        if now is not None and now not in was:
            session.add(BreakoutMember(breakout_id=now, attendee_id=attendee_id))
        elif not left:
            continue
        # One move per group left (a reopened group can leave someone in two), else one join.
        froms: list[int | None] = [*left] or [None]
        moves += [
            {"attendee_id": attendee_id, "breakout_id": now, "from_breakout_id": from_id}
            for from_id in froms
        ]
    return moves


def _leave(session: Session, attendee_id: int, breakout_id: int) -> None:
    session.exec(
        delete(BreakoutMember).where(
            col(BreakoutMember.attendee_id) == attendee_id,
            col(BreakoutMember.breakout_id) == breakout_id,
        )
    )


def move(session: Session, *, actor: User | None, breakout: Breakout, attendee_id: int) -> Breakout:
    """Move one attendee into this group, out of the open group they were in, live."""
    event = breakouts.event_of(session, breakout=breakout)
    breakouts.manage(session, event=event, actor=actor)
    breakouts.lock(session, event=event)
    attendee = session.get(Attendee, attendee_id)
    if attendee is None or attendee.event_id != event.id:
        raise NotFound("No attendee of this event has that id.")
    if breakout.state != "open":
        raise breakouts.BreakoutsClosed("That group is closed; reopen it before moving people in.")
    current = breakouts.open_groups(session, event=event, attendee_id=attendee_id)
    _seat(session, event, breakout, attendee_id, current=current)
    return breakout


def join(session: Session, *, actor: Caller, breakout: Breakout) -> Breakout:
    """An attendee picks this group on their phone (or by its table card), if it has room."""
    event = breakouts.event_of(session, breakout=breakout)
    attendee = actor.attendee
    if attendee is None or attendee.event_id != event.id:
        if actor.user is None and attendee is None:
            raise NotSignedIn("Join the event first.")
        raise Forbidden("Only this event's attendees can join its groups.")
    require_not_frozen(event)
    breakouts.lock(session, event=event)
    if breakout.state != "open":
        raise breakouts.BreakoutsClosed("That group is closed.")
    current = breakouts.open_groups(session, event=event, attendee_id=attendee.id)
    if current and current != [breakout.id]:
        other = breakouts.breakout_or_404(session, breakout_id=current[0])
        raise breakouts.AlreadyInGroup(
            f"You are already in {other.name}; ask a facilitator to move you."
        )
    if not current:
        _check_room(session, breakout)
    _seat(session, event, breakout, attendee.id, current=current)
    return breakout


def _check_room(session: Session, breakout: Breakout) -> None:
    if breakout.cap is None:
        return
    count = session.exec(
        select(func.count()).where(BreakoutMember.breakout_id == breakout.id)
    ).one()
    if count >= breakout.cap:
        raise breakouts.BreakoutFull()


def _seat(
    session: Session, event: Event, breakout: Breakout, attendee_id: int, *, current: list[int]
) -> None:
    """Seat one attendee here, logging the move; sitting here already changes nothing."""
    moves = _reseat(session, {attendee_id: set(current)}, {attendee_id: breakout.id})
    if not moves:
        return
    session.flush()
    touched = [
        breakout,
        *(breakouts.breakout_or_404(session, breakout_id=b) for b in current if b != breakout.id),
    ]
    breakouts.log_moves(session, event=event, moves=moves, groups=touched)
