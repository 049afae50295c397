"""The console's people page: who joined the day, and erasing one of them on request."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.api.deps import CurrentViewer, DbSession, EventById, PathId
from server.errors import GlimpseError
from server.models.events import Event
from server.models.programmes import Programme
from server.pages.render import CheckedForm, FormStr, Organiser, page, said, see_other
from server.services import erasure, events

router = APIRouter(include_in_schema=False)


@router.get("/console/events/{event_id}/people", response_class=HTMLResponse)
def people_page(
    request: Request, event: EventById, session: DbSession, viewer: Organiser
) -> Response:
    """Everyone who joined, with how much of theirs there is, and an Erase for each."""
    return _people(request, session, viewer, event)


@router.post("/console/events/{event_id}/people/{attendee_id}/erase", response_class=HTMLResponse)
def erase_form(
    request: Request,
    event: EventById,
    attendee_id: PathId,
    session: DbSession,
    viewer: CheckedForm,
    cards: FormStr = "anonymise",
    confirmed: FormStr = "",
) -> Response:
    """Erase, after a second, deliberate step: it cannot be undone."""
    choice: erasure.CardsChoice = "delete" if cards == "delete" else "anonymise"
    try:
        attendee = erasure.attendee_or_404(session, event=event, attendee_id=attendee_id)
        if confirmed != "yes":
            asking = {"id": attendee.id, "name": attendee.display_name, "cards": choice}
            return _people(request, session, viewer, event, confirming=asking)
        erasure.erase_attendee(
            session, actor=viewer.user, event=event, attendee=attendee, cards=choice
        )
    except GlimpseError as exc:
        return _people(request, session, viewer, event, **said(exc))
    return see_other(f"/console/events/{event.id}/people?erased=1")


def _people(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    event: Event,
    status: int = 200,
    error: str = "",
    confirming: dict[str, object] | None = None,
) -> Response:
    people = erasure.people(session, actor=viewer.user, event=event)
    return page(
        request,
        "console/people.html",
        status,
        viewer=viewer,
        event=events.event_public(session, event=event),
        programme=session.get(Programme, event.programme_id),
        people=people,
        erased=request.query_params.get("erased") == "1",
        error=error,
        confirming=confirming,
    )
