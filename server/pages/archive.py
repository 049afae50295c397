"""Archive pages: a programme's archive, an event's summary, and the console's review and
action check-in."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from server.api.archive import ActionById, today
from server.api.deps import AppSettings, CurrentViewer, DbSession, EventById, ProgrammeBySlug
from server.auth import Viewer
from server.errors import BadInput, GlimpseError, NotSignedIn, SignInFirst
from server.models.actions import ACTION_STATUSES, ActionCreate, ProgressCreate
from server.models.base import MAX_ID
from server.models.programmes import Programme
from server.pages import render
from server.services import actions, archive, archive_views, events, programme_archive, search
from server.services import liveblog_pages as pages
from server.services import programmes as programme_service
from server.services.access import require_event_reader
from server.services.archive_public import public_view
from server.settings import Settings

router = APIRouter(tags=["archive pages"], include_in_schema=False)
FormStr = Annotated[str, Form()]


def _helpers(settings: Settings) -> dict[str, Any]:
    zone = ZoneInfo(settings.timezone)
    return {
        "at": lambda value, fmt="%H:%M": archive_views.local(value, zone, fmt),
        "bar_width": archive_views.bar_width,
        "safe_html": archive_views.safe_html,
    }


def _readable(session: DbSession, viewer: CurrentViewer, programme: Programme) -> None:
    """Private programmes send a person to sign in first."""
    try:
        programme_service.read_programme(session, actor=viewer.user, programme=programme)
    except NotSignedIn as exc:
        raise SignInFirst() from exc


# -- public pages -------------------------------------------------------------------------------


@router.get("/p/{slug}", response_class=HTMLResponse)
def programme_page(
    request: Request,
    programme: ProgrammeBySlug,
    session: DbSession,
    viewer: CurrentViewer,
    settings: AppSettings,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Every event of the programme, what recurs between them, the action plan, and search."""
    _readable(session, viewer, programme)
    line = programme_archive.timeline(session, programme=programme)
    past = programme_archive.extracts(session, frozen=line.frozen)
    found = search.search(session, actor=viewer.user, programme=programme, query=q) if q else None
    plan = actions.actions_public(
        session, actions=actions.list_actions(session, programme=programme), today=today(settings)
    )
    return render.page(
        request,
        "archive/programme.html",
        programme=programme,
        timeline=line,
        chart=programme_archive.participation_chart(past),
        past=past,
        recurring=programme_archive.recurring_themes(past),
        boards=programme_archive.programme_boards(session, actor=viewer.user, programme=programme),
        actions=plan,
        query=q,
        results=found,
        noindex=programme.visibility != "public",
        viewer=viewer,
        **_helpers(settings),
    )


@router.get("/p/{slug}/{event_slug}/summary", response_class=HTMLResponse)
def summary_page(
    request: Request,
    programme: ProgrammeBySlug,
    event_slug: str,
    session: DbSession,
    viewer: CurrentViewer,
    settings: AppSettings,
) -> Response:
    """The day in one page, from its frozen document (or a draft, for its facilitators)."""
    _readable(session, viewer, programme)
    event = pages.event_at(session, programme=programme, slug=event_slug)
    record = archive.record_for(session, actor=viewer.caller, event=event)
    return render.page(
        request,
        "archive/summary.html",
        s=archive_views.summarise(record.document),
        sha256=record.sha256,
        view=record.view,
        event_id=event.id,
        programme=programme,
        noindex=programme.visibility != "public" or record.draft,
        **_helpers(settings),
    )


# -- console --------------------------------------------------------------------------------------


def _console_event(session: DbSession, viewer: Viewer, event: Any) -> dict[str, Any]:
    """The signed-in facilitator of this event, the event and its programme, for a page."""
    require_event_reader(session, actor=viewer.user, event=event)
    programme = session.get(Programme, event.programme_id)
    return {"viewer": viewer, "event": event, "programme": programme}


@router.get("/console/events/{event_id}/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    event: EventById,
    session: DbSession,
    viewer: render.Organiser,
    settings: AppSettings,
) -> Response:
    """What freezing will archive, and what is still held back for a decision."""
    context = _console_event(session, viewer, event)
    # What the public will read once frozen; what is held back is listed beside it.
    summary = archive_views.summarise(
        public_view(archive.draft_document(session, actor=context["viewer"].user, event=event))
    )
    found = archive.review(session, actor=context["viewer"].user, event=event)
    return render.page(
        request, "console/review.html", s=summary, review=found, **context, **_helpers(settings)
    )


@router.post("/console/events/{event_id}/review/freeze", response_class=HTMLResponse)
def freeze_form(event: EventById, session: DbSession, viewer: render.CheckedForm) -> Response:
    """Freeze from the review page, the console's only way to freeze: held items are seen first."""
    context = _console_event(session, viewer, event)
    events.transition(session, actor=context["viewer"].user, event=event, action="freeze")
    return render.see_other(f"/console/events/{event.id}")


def _actions_page(
    request: Request,
    session: DbSession,
    context: dict[str, Any],
    settings: Settings,
    status: int = 200,
    **extra: Any,
) -> Response:
    open_ones = actions.list_actions(session, programme=context["programme"], open_only=True)
    return render.page(
        request,
        "console/actions.html",
        status,
        open_actions=actions.actions_public(session, actions=open_ones, today=today(settings)),
        themes=actions.event_themes(session, event=context["event"]),
        statuses=ACTION_STATUSES,
        **context,
        **extra,
    )


@router.get("/console/events/{event_id}/actions", response_class=HTMLResponse)
def actions_page(
    request: Request,
    event: EventById,
    session: DbSession,
    viewer: render.Organiser,
    settings: AppSettings,
) -> Response:
    """The programme's open actions for a progress check-in, and a form to raise new ones."""
    return _actions_page(request, session, _console_event(session, viewer, event), settings)


@router.post("/console/events/{event_id}/actions", response_class=HTMLResponse)
def raise_action_form(
    request: Request,
    event: EventById,
    session: DbSession,
    viewer: render.CheckedForm,
    settings: AppSettings,
    title: FormStr,
    owner: FormStr = "",
    involve: FormStr = "",
    target_date: FormStr = "",
    theme_id: FormStr = "",
) -> Response:
    """Raise an action at this event, from one of its themes when chosen."""
    context = _console_event(session, viewer, event)
    try:
        fields = {
            "title": title,
            "owner": owner,
            "involve": [n.strip() for n in involve.split(",") if n.strip()],
            "target_date": _form_date(target_date),
            "theme_id": _chosen_id(theme_id),
            "event_id": event.id,
        }
        data = render.parsed(ActionCreate, fields)
        actions.create_action(
            session, actor=context["viewer"].user, programme=context["programme"], data=data
        )
    except GlimpseError as exc:
        return _actions_page(request, session, context, settings, **render.said(exc))
    return render.see_other(f"/console/events/{event.id}/actions")


@router.post("/console/actions/{action_id}/updates", response_class=HTMLResponse)
def progress_form(
    request: Request,
    action: ActionById,
    session: DbSession,
    viewer: render.CheckedForm,
    settings: AppSettings,
    event_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    text: FormStr,
    status: FormStr = "",
) -> Response:
    """A progress check-in on an open action, given at this event."""
    event = events.event_or_404(session, event_id=event_id)
    context = _console_event(session, viewer, event)
    try:
        fields = {"text": text, "status": status or None, "event_id": event.id}
        data = render.parsed(ProgressCreate, fields)
        actions.add_update(session, actor=context["viewer"].user, action=action, data=data)
    except GlimpseError as exc:
        return _actions_page(request, session, context, settings, **render.said(exc))
    return render.see_other(f"/console/events/{event.id}/actions#action-{action.id}")


def _chosen_id(text: str) -> int | str | None:
    """A <select>'s id as a number when it is one; anything else the schema refuses."""
    text = text.strip()
    return int(text) if text.isdecimal() and text.isascii() else text or None


def _form_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError as exc:
        raise BadInput("Dates look like 2026-12-31.") from exc
