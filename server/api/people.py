"""JSON API for the people of an event: who joined, and erasing one of them on request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from server.api.deps import Actor, DbSession, EventById, PathId
from server.models.attendees import Attendee, AttendeeSummary, ErasedPublic, ErasureRequest
from server.services import erasure

router = APIRouter(prefix="/api/v1", tags=["attendees"])


def attendee_dep(event: EventById, attendee_id: PathId, session: DbSession) -> Attendee:
    return erasure.attendee_or_404(session, event=event, attendee_id=attendee_id)


AttendeeOfEvent = Annotated[Attendee, Depends(attendee_dep)]


@router.get("/events/{event_id}/attendees")
def list_attendees(event: EventById, session: DbSession, actor: Actor) -> list[AttendeeSummary]:
    """Everyone who joined the event (facilitators)."""
    return erasure.people(session, actor=actor, event=event)


@router.post("/events/{event_id}/attendees/{attendee_id}/erase")
def erase_attendee(
    event: EventById,
    attendee: AttendeeOfEvent,
    data: ErasureRequest,
    session: DbSession,
    actor: Actor,
) -> ErasedPublic:
    """Erase one attendee and what is theirs, before the event is frozen (facilitators)."""
    return erasure.erase_attendee(
        session, actor=actor, event=event, attendee=attendee, cards=data.cards
    )
