"""The facilitator's console: server-rendered pages that work without any framework."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from server.api.auth import set_session_cookie, sign_in
from server.api.deps import (
    AgendaItemById,
    AppSettings,
    CurrentViewer,
    DbSession,
    EventById,
    ProgrammeBySlug,
)
from server.auth import SESSION_COOKIE
from server.errors import BadInput, GlimpseError
from server.models.events import AgendaItemCreate, AgendaItemUpdate, EventCreate
from server.models.programmes import MEMBER_ROLES, Programme, ProgrammeCreate
from server.pages.render import (
    CheckedForm,
    FormStr,
    Organiser,
    form_csrf,
    local_datetime,
    page,
    parsed,
    said,
    see_other,
)
from server.services import accounts, boards, events, programmes, run_of_show, screens
from server.services.access import (
    acts_of,
    require_event_reader,
    require_member,
)
from server.settings import Settings

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, viewer: CurrentViewer, next: str = "/console") -> Response:
    if viewer.user is not None:
        return see_other(_safe_next(next))
    return page(request, "console/login.html", next=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: FormStr,
    password: FormStr,
    next: Annotated[str, Form()] = "/console",
) -> Response:
    try:
        result = sign_in(request, session, settings, email, password)
    except GlimpseError as exc:
        return page(
            request, "console/login.html", exc.status, error=exc.message, email=email, next=next
        )
    response = see_other(_safe_next(next))
    set_session_cookie(response, settings, result.token)
    return response


@router.post("/logout")
def logout_form(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    viewer: CurrentViewer,
    csrf_token: FormStr,
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and viewer.login:
        form_csrf(viewer, csrf_token)
        accounts.logout(session, token=cookie, secret_key=settings.effective_secret_key)
    response = see_other("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("", response_class=HTMLResponse)
def programmes_page(request: Request, session: DbSession, viewer: Organiser) -> Response:
    return _programmes(request, session, viewer)


def _programmes(
    request: Request, session: DbSession, viewer: CurrentViewer, **extra: Any
) -> Response:
    listing = programmes.list_programmes(session, actor=viewer.user)
    return page(request, "console/programmes.html", viewer=viewer, programmes=listing, **extra)


@router.post("/programmes", response_class=HTMLResponse)
def create_programme_form(
    request: Request,
    session: DbSession,
    viewer: CheckedForm,
    slug: FormStr,
    title: FormStr,
    summary: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "public",
) -> Response:
    try:
        data = parsed(
            ProgrammeCreate,
            {"slug": slug, "title": title, "summary": summary, "visibility": visibility},
        )
        programme = programmes.create_programme(session, actor=viewer.user, data=data)
    except GlimpseError as exc:
        return _programmes(request, session, viewer, **said(exc))
    return see_other(f"/console/p/{programme.slug}")


@router.get("/p/{slug}", response_class=HTMLResponse)
def programme_page(
    request: Request, programme: ProgrammeBySlug, session: DbSession, viewer: Organiser
) -> Response:
    require_member(session, actor=viewer.user, programme=programme, act="read")
    return _programme(request, session, viewer, programme)


def _programme(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    programme: Any,
    status: int = 200,
    **extra: Any,
) -> Response:
    return page(
        request,
        "console/programme.html",
        status,
        viewer=viewer,
        programme=programme,
        events=events.list_events(session, programme=programme),
        facilitators=programmes.facilitators(session, programme=programme),
        acts=acts_of(session, actor=viewer.user, programme_id=programme.id),
        **extra,
    )


@router.post("/p/{slug}/events", response_class=HTMLResponse)
def create_event_form(
    request: Request,
    programme: ProgrammeBySlug,
    session: DbSession,
    settings: AppSettings,
    viewer: CheckedForm,
    title: FormStr,
    event_slug: Annotated[str, Form(alias="slug")] = "",
    venue: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form()] = "",
) -> Response:
    try:
        fields = {
            "slug": event_slug.strip() or None,
            "title": title,
            "venue": venue,
            "starts_at": local_datetime(starts_at, settings),
        }
        data = parsed(EventCreate, fields)
        event = events.create_event(session, actor=viewer.user, programme=programme, data=data)
    except GlimpseError as exc:
        return _programme(request, session, viewer, programme, **said(exc))
    return see_other(f"/console/events/{event.id}")


@router.post("/p/{slug}/facilitators", response_class=HTMLResponse)
def add_facilitator_form(
    request: Request,
    programme: ProgrammeBySlug,
    session: DbSession,
    viewer: CheckedForm,
    email: FormStr,
    role: Annotated[str, Form()] = "facilitator",
) -> Response:
    try:
        if role not in MEMBER_ROLES:
            raise BadInput("Unknown role.")
        programmes.add_facilitator(
            session,
            actor=viewer.user,
            programme=programme,
            email=email,
            role=role,
        )
    except GlimpseError as exc:
        return _programme(request, session, viewer, programme, **said(exc))
    return see_other(f"/console/p/{programme.slug}")


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request, event: EventById, session: DbSession, viewer: Organiser
) -> Response:
    require_event_reader(session, actor=viewer.user, event=event)
    return _event(request, session, viewer, event)


def _event(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    event: Any,
    status: int = 200,
    **extra: Any,
) -> Response:
    return page(
        request,
        "console/event.html",
        status,
        viewer=viewer,
        event=events.event_public(session, event=event),
        programme=session.get(Programme, event.programme_id),
        agenda=events.agenda(session, event=event),
        boards=boards.event_boards(session, event=event, include_hidden=True),
        **run_of_show.console_view(session, event=event),
        acts=acts_of(session, actor=viewer.user, programme_id=event.programme_id),
        screens=screens.paired_screens(session, actor=viewer.user, event=event),
        **extra,
    )


def event_page_with(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    event: Any,
    error: GlimpseError,
    **extra: Any,
) -> Response:
    """The event page again, saying what went wrong with the form just sent."""
    require_event_reader(session, actor=viewer.user, event=event)
    return _event(request, session, viewer, event, **said(error), **extra)


@router.post("/events/{event_id}/status", response_class=HTMLResponse)
def event_status_form(
    request: Request,
    event: EventById,
    session: DbSession,
    viewer: CheckedForm,
    action: FormStr,
) -> Response:
    if action == "freeze":
        # The console freezes from the review page only, where held cards and notes are shown.
        return see_other(f"/console/events/{event.id}/review")
    try:
        events.transition(
            session, actor=viewer.user, event=event, action=cast(events.Transition, action)
        )
    except GlimpseError as exc:
        return _event(request, session, viewer, event, **said(exc))
    return see_other(f"/console/events/{event.id}")


@router.post("/events/{event_id}/agenda", response_class=HTMLResponse)
def add_agenda_form(
    request: Request,
    event: EventById,
    session: DbSession,
    settings: AppSettings,
    viewer: CheckedForm,
    title: FormStr,
    starts_at: Annotated[str, Form()] = "",
    speakers: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    board_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        fields = _agenda_fields(title, starts_at, speakers, description, board_id, settings)
        data = parsed(AgendaItemCreate, fields)
        events.add_agenda_item(session, actor=viewer.user, event=event, data=data)
    except GlimpseError as exc:
        return _event(request, session, viewer, event, **said(exc))
    return see_other(f"/console/events/{event.id}#agenda")


@router.post("/agenda/{item_id}", response_class=HTMLResponse)
def update_agenda_form(
    request: Request,
    item: AgendaItemById,
    session: DbSession,
    settings: AppSettings,
    viewer: CheckedForm,
    title: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form()] = "",
    speakers: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    board_id: Annotated[str, Form()] = "",
    delete: Annotated[str, Form()] = "",
) -> Response:
    event = events.event_or_404(session, event_id=item.event_id)
    try:
        if delete:
            events.delete_agenda_item(session, actor=viewer.user, item=item)
        else:
            fields = _agenda_fields(title, starts_at, speakers, description, board_id, settings)
            data = parsed(AgendaItemUpdate, fields)
            events.update_agenda_item(session, actor=viewer.user, item=item, data=data)
    except GlimpseError as exc:
        return _event(request, session, viewer, event, **said(exc))
    return see_other(f"/console/events/{event.id}#agenda")


def _agenda_fields(
    title: str, starts_at: str, speakers: str, description: str, board_id: str, settings: Settings
) -> dict[str, Any]:
    return {
        "title": title,
        "starts_at": local_datetime(starts_at, settings),
        "speakers": [s for s in (p.strip() for p in speakers.split(",")) if s],
        "description": description,
        "board_id": board_id.strip() or None,
    }


@router.post("/events/{event_id}/next", response_class=HTMLResponse)
def next_session_form(
    request: Request,
    event: EventById,
    session: DbSession,
    viewer: CheckedForm,
) -> Response:
    """The run of show's one tap: the next session's board, timer, screen and "Now"."""
    try:
        run_of_show.move_to_next(session, actor=viewer.user, event=event)
    except GlimpseError as exc:
        return _event(request, session, viewer, event, **said(exc))
    return see_other(f"/console/events/{event.id}")


def _safe_next(url: str) -> str:
    """Only ever send people back to our own pages: the console, a private programme, a screen."""
    ours = url.startswith(("/console", "/p/", "/screen/")) and "//" not in url and "\\" not in url
    return url if ours else "/console"
