"""Who may do what, and who sees what: roles, programme membership and every viewer's scope,
decided in one place. Other modules ask here; what each scope then sees of a thing is decided by
server/realtime/registry.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from server.errors import EventFrozen, Forbidden, NotSignedIn
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.breakouts import BreakoutMember
from server.models.events import Event
from server.models.programmes import Programme, ProgrammeFacilitator
from server.realtime.audience import ROLES, Role, Scope

__all__ = ["ROLES", "Caller", "Role", "Scope"]


@dataclass(frozen=True)
class Caller:
    """Whoever is acting: an organiser, an attendee of one event, both, or neither."""

    user: User | None = None
    attendee: Attendee | None = None


def is_facilitator(session: Session, user: User | None, programme_id: int) -> bool:
    if user is None:
        return False
    if user.is_admin:
        return True
    membership = session.exec(
        select(ProgrammeFacilitator).where(
            ProgrammeFacilitator.programme_id == programme_id,
            ProgrammeFacilitator.user_id == user.id,
        )
    ).first()
    return membership is not None


def require_user(user: User | None) -> User:
    if user is None:
        raise NotSignedIn()
    return user


def require_admin(user: User | None) -> User:
    user = require_user(user)
    if not user.is_admin:
        raise Forbidden("Only an administrator can do this.")
    return user


def require_facilitator(session: Session, user: User | None, programme: Programme) -> User:
    """The signed-in user, if they facilitate this programme (admins facilitate every one)."""
    user = require_user(user)
    assert programme.id is not None
    if not is_facilitator(session, user, programme.id):
        raise Forbidden("You are not a facilitator of this programme.")
    return user


def require_event_facilitator(session: Session, user: User | None, event: Event) -> User:
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    return require_facilitator(session, user, programme)


def require_not_frozen(event: Event) -> None:
    if event.status == "frozen":
        raise EventFrozen()


def require_readable(session: Session, user: User | None, programme: Programme) -> None:
    """Public and unlisted programmes are readable by anyone; private ones by facilitators."""
    if programme.visibility != "private":
        return
    if user is None:
        raise NotSignedIn("This programme is private; sign in to see it.")
    if not is_facilitator(session, user, programme.id):
        raise Forbidden("This programme is private.")


# -- scopes: who sees what --------------------------------------------------------------------


def groups_of(session: Session, attendee_id: int) -> set[int]:
    """Every breakout group the attendee is a member of, open or closed."""
    query = select(BreakoutMember.breakout_id).where(BreakoutMember.attendee_id == attendee_id)
    return set(session.exec(query))


def scope_of(session: Session, role: Role, attendee_id: int | None = None) -> Scope:
    """The scope of a role; an attendee's comes with the groups they sit in."""
    if role != "attendee" or attendee_id is None:
        return Scope(role=role)
    return Scope(role=role, attendee_id=attendee_id, groups=groups_of(session, attendee_id))


def member_role(session: Session, *, programme: Programme, caller: Caller, attends: bool) -> Role:
    """facilitator, attendee (when `attends`), or public."""
    if is_facilitator(session, caller.user, programme.id):
        return "facilitator"
    return "attendee" if attends and caller.attendee is not None else "public"


def event_scope(session: Session, *, event: Event, caller: Caller) -> Scope:
    """How the caller sees this event: facilitator, its attendee, or a public follower where
    the programme allows (otherwise 401/403)."""
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    attends = caller.attendee is not None and caller.attendee.event_id == event.id
    role = member_role(session, programme=programme, caller=caller, attends=attends)
    if role == "public":
        require_readable(session, caller.user, programme)
    attendee_id = caller.attendee.id if role == "attendee" and caller.attendee else None
    return scope_of(session, role, attendee_id)
