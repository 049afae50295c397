"""JSON API for programmes and their facilitators."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import Actor, DbSession, ProgrammeBySlug
from server.models.events import EventCreate, EventPublic
from server.models.programmes import (
    FacilitatorAdd,
    FacilitatorPublic,
    ProgrammeCreate,
    ProgrammePublic,
    ProgrammeUpdate,
)
from server.services import events, programmes

router = APIRouter(prefix="/api/v1/programmes", tags=["programmes"])


def _public(programme: object) -> ProgrammePublic:
    return ProgrammePublic.model_validate(programme, from_attributes=True)


@router.post("", status_code=201)
def create_programme(body: ProgrammeCreate, session: DbSession, actor: Actor) -> ProgrammePublic:
    """Start a programme; the caller becomes its first facilitator."""
    return _public(programmes.create_programme(session, actor=actor, data=body))


@router.get("")
def list_programmes(session: DbSession, actor: Actor) -> list[ProgrammePublic]:
    """The programmes the caller facilitates (every programme, for admins)."""
    return [_public(p) for p in programmes.list_programmes(session, actor=actor)]


@router.get("/{slug}")
def read_programme(programme: ProgrammeBySlug, session: DbSession, actor: Actor) -> ProgrammePublic:
    """One programme; private ones only for their facilitators."""
    return _public(programmes.read_programme(session, actor=actor, programme=programme))


@router.patch("/{slug}")
def update_programme(
    body: ProgrammeUpdate, programme: ProgrammeBySlug, session: DbSession, actor: Actor
) -> ProgrammePublic:
    """Change title, summary or visibility."""
    return _public(
        programmes.update_programme(session, actor=actor, programme=programme, data=body)
    )


@router.post("/{slug}/facilitators", status_code=201)
def add_facilitator(
    body: FacilitatorAdd, programme: ProgrammeBySlug, session: DbSession, actor: Actor
) -> FacilitatorPublic:
    """Make another organiser account a member: facilitator (default), cofacilitator (moderates,
    blogs, runs the room) or lead (reads everything, changes nothing); again to change the role."""
    return programmes.add_facilitator(
        session, actor=actor, programme=programme, email=body.email, role=body.role
    )


@router.post("/{slug}/events", status_code=201)
def create_event(
    body: EventCreate, programme: ProgrammeBySlug, session: DbSession, actor: Actor
) -> EventPublic:
    """Create a draft event day with its join code."""
    event = events.create_event(session, actor=actor, programme=programme, data=body)
    return events.event_public(session, event=event)


@router.get("/{slug}/events")
def list_events(programme: ProgrammeBySlug, session: DbSession, actor: Actor) -> list[EventPublic]:
    """The programme's events, by start time."""
    programmes.read_programme(session, actor=actor, programme=programme)
    return [
        events.event_public(session, event=e)
        for e in events.list_events(session, programme=programme)
    ]
