"""Programmes: creating, reading, editing, and who facilitates them."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.errors import Conflict, NotFound
from server.lib.timeutil import utcnow
from server.models.accounts import User
from server.models.programmes import (
    FacilitatorPublic,
    MemberRole,
    Programme,
    ProgrammeCreate,
    ProgrammeFacilitator,
    ProgrammeUpdate,
)
from server.services import accounts, audit
from server.services.access import (
    require_facilitator,
    require_readable,
    require_user,
)


def programme_or_404(session: Session, *, slug: str) -> Programme:
    programme = session.exec(select(Programme).where(Programme.slug == slug)).first()
    if programme is None:
        raise NotFound("No programme has that address.")
    return programme


def create_programme(session: Session, *, actor: User | None, data: ProgrammeCreate) -> Programme:
    """Any organiser may start a programme; they become its first facilitator."""
    user = require_user(actor)
    if session.exec(select(Programme).where(Programme.slug == data.slug)).first():
        raise Conflict("A programme already uses that address.")
    programme = Programme(**data.model_dump())
    session.add(programme)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("A programme already uses that address.") from exc
    session.add(ProgrammeFacilitator(programme_id=programme.id, user_id=user.id))
    session.flush()
    return programme


def list_programmes(session: Session, *, actor: User | None) -> list[Programme]:
    """Admins see every programme; facilitators see the ones they run."""
    user = require_user(actor)
    query = select(Programme).order_by(col(Programme.title))
    if not user.is_admin:
        query = query.join(
            ProgrammeFacilitator, col(ProgrammeFacilitator.programme_id) == col(Programme.id)
        ).where(ProgrammeFacilitator.user_id == user.id)
    return list(session.exec(query))


def read_programme(session: Session, *, actor: User | None, programme: Programme) -> Programme:
    """Public and unlisted programmes are readable by anyone; private ones by facilitators."""
    require_readable(session, actor=actor, programme=programme)
    return programme


def update_programme(
    session: Session, *, actor: User | None, programme: Programme, data: ProgrammeUpdate
) -> Programme:
    """Change the title, summary or visibility of a programme."""
    require_facilitator(session, actor=actor, programme=programme)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(programme, field, value)
    programme.updated_at = utcnow()
    session.add(programme)
    session.flush()
    return programme


def add_facilitator(
    session: Session,
    *,
    actor: User | None,
    programme: Programme,
    email: str,
    role: MemberRole = "facilitator",
) -> FacilitatorPublic:
    """Make an existing account a member of this programme in `role`, or give a member that
    role (the same again changes nothing). A facilitator cannot demote themselves: a programme
    keeps the one who is changing it."""
    user = require_facilitator(session, actor=actor, programme=programme)
    member = accounts.user_by_email(session, email=email)
    if member is None:
        raise NotFound("No account has that email; create it first with glimpse create-user.")
    if member.id == user.id and role != "facilitator":
        raise Conflict("You cannot change your own role; ask another facilitator.")
    row = session.get(ProgrammeFacilitator, (programme.id, member.id))
    if row is None or row.role != role:
        was = None if row is None else row.role
        row = row or ProgrammeFacilitator(programme_id=programme.id, user_id=member.id)
        row.role = role
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=user,
            action="member.role",
            event_id=None,
            details={"programme_id": programme.id, "user_id": member.id, "role": role, "was": was},
        )
    return FacilitatorPublic(id=member.id, email=member.email, name=member.name, role=role)


def facilitators(session: Session, *, programme: Programme) -> list[FacilitatorPublic]:
    """Every member of the programme with their role, by email."""
    rows = session.exec(
        select(User, ProgrammeFacilitator.role)
        .join(ProgrammeFacilitator, col(ProgrammeFacilitator.user_id) == col(User.id))
        .where(ProgrammeFacilitator.programme_id == programme.id)
        .order_by(col(User.email))
    )
    return [FacilitatorPublic(id=u.id, email=u.email, name=u.name, role=r) for u, r in rows]
