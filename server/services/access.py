"""Who may do what: roles and programme membership, decided in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from server.errors import EventFrozen, Forbidden, NotSignedIn
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.events import Event
from server.models.programmes import Programme, ProgrammeFacilitator


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
