"""Pages for pairing session screens: the code an unpaired projector shows, and the console's
forms that pair and unpair one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.api.deps import AppLimits, CurrentViewer, DbSession, EventById, PathId
from server.errors import GlimpseError
from server.lib.ratelimit import client_address
from server.models.events import Event
from server.pages.console import event_page_with
from server.pages.render import CheckedForm, FormStr, page, see_other
from server.services import screens

router = APIRouter(include_in_schema=False)


def pairing_page(request: Request, event: Event | None = None) -> Response:
    """What a screen shows until it is paired: its code, fetched by screen-pair.js."""
    return page(request, "screen/pair.html", event_id=event.id if event else None)


@router.get("/screen", response_class=HTMLResponse)
def unpaired_screen(request: Request, viewer: CurrentViewer) -> Response:
    """Open this on the projector; type the code it shows in the console."""
    if viewer.screen is not None and viewer.screen.event_id is not None:
        return see_other(f"/screen/{viewer.screen.event_id}")
    return pairing_page(request)


@router.post("/console/events/{event_id}/screens", response_class=HTMLResponse)
def pair_screen_form(
    request: Request,
    event: EventById,
    session: DbSession,
    limits: AppLimits,
    viewer: CheckedForm,
    code: FormStr,
) -> Response:
    try:
        screens.pair_screen(
            session,
            actor=viewer.user,
            event=event,
            code=code,
            limits=limits,
            address=client_address(request),
        )
    except GlimpseError as exc:
        return event_page_with(request, session, viewer, event, exc, pairing_code=code)
    return see_other(f"/console/events/{event.id}?paired=1#screens")


@router.post("/console/events/{event_id}/screens/{screen_id}/unpair", response_class=HTMLResponse)
def unpair_screen_form(
    request: Request,
    event: EventById,
    screen_id: PathId,
    session: DbSession,
    viewer: CheckedForm,
) -> Response:
    try:
        screen = screens.screen_or_404(session, screen_id=screen_id)
        if screen.event_id != event.id:
            raise screens.NotPaired()
        screens.unpair_screen(session, actor=viewer.user, screen=screen)
    except GlimpseError as exc:
        return event_page_with(request, session, viewer, event, exc)
    return see_other(f"/console/events/{event.id}#screens")
