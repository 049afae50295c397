"""Who may do what, and who sees what: roles, programme membership and every viewer's scope,
decided in one place. Other modules ask here; what each scope then sees of a thing is decided by
server/realtime/registry.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, select

from server.errors import EventFrozen, Forbidden, NotSignedIn
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.breakouts import BreakoutMember
from server.models.events import Event
from server.models.programmes import MEMBER_ROLES, MemberRole, Programme, ProgrammeFacilitator
from server.models.screens import ScreenPairing
from server.realtime.audience import ROLES, Role, Scope

__all__ = ["MEMBER_ROLES", "ROLES", "Caller", "MemberRole", "Role", "Scope"]

# What a programme member may do, by their role there. Every member reads all a facilitator
# reads (the console, held cards, every group's notes): seeing is one thing, acting another.
# - run: the programme and its events: settings, members, agenda, boards, breakouts, freezing,
#   erasure, actions;
# - assist: moderate cards and notes, post to the live blog, the room (timer, screen, pairing);
# - read: the console, read-only.
Act = Literal["run", "assist", "read"]
ACTS: dict[MemberRole, frozenset[Act]] = {
    "facilitator": frozenset({"run", "assist", "read"}),
    "cofacilitator": frozenset({"assist", "read"}),
    "lead": frozenset({"read"}),
}
REFUSALS: dict[Act, str] = {
    "run": "Only this programme's facilitators can do this.",
    "assist": "Only this programme's facilitators and co-facilitators can do this.",
    "read": "You are not a member of this programme.",
}


@dataclass(frozen=True)
class Caller:
    """Whoever is acting: an organiser, an attendee of one event, a paired screen, or none."""

    user: User | None = None
    attendee: Attendee | None = None
    screen: ScreenPairing | None = None


def membership(session: Session, *, actor: User | None, programme_id: int) -> MemberRole | None:
    """The user's role in this programme (admins facilitate every one), or None."""
    if actor is None:
        return None
    if actor.is_admin:
        return "facilitator"
    member = session.exec(
        select(ProgrammeFacilitator).where(
            ProgrammeFacilitator.programme_id == programme_id,
            ProgrammeFacilitator.user_id == actor.id,
        )
    ).first()
    return None if member is None else member.role


def acts_of(session: Session, *, actor: User | None, programme_id: int) -> frozenset[Act]:
    """What the user may do in this programme (pages show only the controls that work)."""
    role = membership(session, actor=actor, programme_id=programme_id)
    return frozenset() if role is None else ACTS[role]


def may(session: Session, *, actor: User | None, programme_id: int, act: Act) -> bool:
    return act in acts_of(session, actor=actor, programme_id=programme_id)


def is_facilitator(session: Session, *, actor: User | None, programme_id: int) -> bool:
    """Whether the user sees this programme as its facilitators do (any member role)."""
    return membership(session, actor=actor, programme_id=programme_id) is not None


def require_user(actor: User | None) -> User:
    if actor is None:
        raise NotSignedIn()
    return actor


def require_admin(actor: User | None) -> User:
    actor = require_user(actor)
    if not actor.is_admin:
        raise Forbidden("Only an administrator can do this.")
    return actor


def require_member(
    session: Session, *, actor: User | None, programme: Programme, act: Act = "run"
) -> User:
    """The signed-in user, if their role in this programme lets them `act`."""
    actor = require_user(actor)
    if not may(session, actor=actor, programme_id=programme.id, act=act):
        raise Forbidden(REFUSALS[act])
    return actor


def require_facilitator(session: Session, *, actor: User | None, programme: Programme) -> User:
    """The signed-in user, if they facilitate this programme (admins facilitate every one)."""
    return require_member(session, actor=actor, programme=programme, act="run")


def require_event_member(session: Session, *, actor: User | None, event: Event, act: Act) -> User:
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    return require_member(session, actor=actor, programme=programme, act=act)


def require_event_facilitator(session: Session, *, actor: User | None, event: Event) -> User:
    return require_event_member(session, actor=actor, event=event, act="run")


def require_event_assistant(session: Session, *, actor: User | None, event: Event) -> User:
    """A facilitator or co-facilitator: moderation, the live blog and the room."""
    return require_event_member(session, actor=actor, event=event, act="assist")


def require_event_reader(session: Session, *, actor: User | None, event: Event) -> User:
    """Any member of the event's programme, a read-only lead included: the console's pages."""
    return require_event_member(session, actor=actor, event=event, act="read")


def require_not_frozen(event: Event) -> None:
    if event.status == "frozen":
        raise EventFrozen()


def require_readable(session: Session, *, actor: User | None, programme: Programme) -> None:
    """Public and unlisted programmes are readable by anyone; private ones by facilitators."""
    if programme.visibility != "private":
        return
    if actor is None:
        raise NotSignedIn("This programme is private; sign in to see it.")
    if not is_facilitator(session, actor=actor, programme_id=programme.id):
        raise Forbidden("This programme is private.")


# -- scopes: who sees what --------------------------------------------------------------------


def groups_of(session: Session, *, attendee_id: int) -> set[int]:
    """Every breakout group the attendee is a member of, open or closed."""
    query = select(BreakoutMember.breakout_id).where(BreakoutMember.attendee_id == attendee_id)
    return set(session.exec(query))


def scope_of(session: Session, *, role: Role, attendee_id: int | None = None) -> Scope:
    """The scope of a role; an attendee's comes with the groups they sit in."""
    if role != "attendee" or attendee_id is None:
        return Scope(role=role)
    return Scope(
        role=role, attendee_id=attendee_id, groups=groups_of(session, attendee_id=attendee_id)
    )


def member_role(session: Session, *, programme: Programme, actor: Caller, attends: bool) -> Role:
    """facilitator (any member of the programme, who sees as its facilitators do), attendee
    (when `attends`), or public. What a member may change is `may`'s to say, not the scope's."""
    if is_facilitator(session, actor=actor.user, programme_id=programme.id):
        return "facilitator"
    return "attendee" if attends and actor.attendee is not None else "public"


def screen_of(actor: Caller, event: Event) -> ScreenPairing | None:
    """The actor's screen credential, if it is paired with this event and not revoked."""
    screen = actor.screen
    if screen is None or screen.event_id != event.id or screen.revoked_at is not None:
        return None
    return screen


def event_scope(session: Session, *, event: Event, actor: Caller) -> Scope:
    """How the actor sees this event: facilitator, its attendee, or a public follower where
    the programme allows (otherwise 401/403)."""
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    attends = actor.attendee is not None and actor.attendee.event_id == event.id
    role = member_role(session, programme=programme, actor=actor, attends=attends)
    screen = screen_of(actor, event)
    if role == "public" and screen is not None:
        return Scope(role="screen", screen_id=screen.id)
    if role == "public":
        require_readable(session, actor=actor.user, programme=programme)
    attendee_id = actor.attendee.id if role == "attendee" and actor.attendee else None
    return scope_of(session, role=role, attendee_id=attendee_id)
