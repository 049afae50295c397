"""JSON API for the archive: the canonical document and its exports, actions, and search."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response

from server.api.deps import (
    Actor,
    AppSettings,
    CurrentViewer,
    DbSession,
    EventById,
    PathId,
    ProgrammeBySlug,
)
from server.api.openapi import errors
from server.models.actions import (
    Action,
    ActionChange,
    ActionCreate,
    ActionPublic,
    ProgressCreate,
    ProgressPublic,
)
from server.models.archive import RedactionCreate, RedactionPublic, SearchResults
from server.services import actions, archive, programmes, redaction, search
from server.services import archive_exports as exports
from server.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["archive"])


def today(settings: Settings) -> date:
    """The venue's date: an action due today is not overdue until the day is over there."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def action_dep(action_id: PathId, session: DbSession) -> Action:
    return actions.action_or_404(session, action_id=action_id)


ActionById = Annotated[Action, Depends(action_dep)]


# -- the document and its exports --------------------------------------------------------------

ARCHIVE_DOC = {
    "description": (
        "The canonical JSON document (a draft, marked so, before freezing). Facilitators of the "
        "programme get the stored record itself (`X-Archive-View: full`); everyone else its "
        'public view (`X-Archive-View: public`, `"view": "public"`, its own ETag). '
        "`X-Archive-SHA256` always names the whole record's hash."
    ),
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _export(
    record: archive.Record, body: str | bytes, media_type: str, name: str, etag: str | None = None
) -> Response:
    """Frozen exports carry the archive's hash and say which view they are; drafts say they are
    drafts and are not cached."""
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Archive-View": record.view,
    }
    if record.sha256 is None:
        headers |= {"X-Archive-Draft": "true", "Cache-Control": "no-store"}
    else:
        # One ETag per view: a cache must never hand one reader's view to another.
        tag = etag or (record.sha256 if record.view == "full" else f"{record.sha256}-public")
        headers |= {
            "ETag": f'"{tag}"',
            "X-Archive-SHA256": record.sha256,
            "Vary": "Cookie, Authorization",
        }
    return Response(body, media_type=media_type, headers=headers)


@router.get("/events/{event_id}/archive", responses={200: ARCHIVE_DOC})
def event_archive(event: EventById, session: DbSession, viewer: CurrentViewer) -> Response:
    """The frozen canonical JSON, whole or its public view; before freezing, a draft for
    facilitators and 404 for others."""
    record = archive.record_for(session, actor=viewer.caller, event=event)
    etag = None
    if record.sha256 is None:
        body = archive.canonical_json(record.document)
    elif record.view == "full":
        body = archive.archive_or_404(
            session, event_id=event.id
        ).document  # the stored bytes themselves
    else:
        body = archive.public_json(archive.archive_or_404(session, event_id=event.id))
        etag = archive.sha256(body)
    name = exports.filename(record.document, "json")
    response = _export(record, body, "application/json", name, etag)
    del response.headers["Content-Disposition"]
    return response


@router.get(
    "/events/{event_id}/archive.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}}},
)
def archive_markdown(
    event: EventById, session: DbSession, viewer: CurrentViewer, settings: AppSettings
) -> Response:
    """The summary as Markdown."""
    record = archive.record_for(session, actor=viewer.caller, event=event)
    text = exports.to_markdown(record.document, ZoneInfo(settings.timezone))
    name = exports.filename(record.document, "md")
    return _export(record, text, "text/markdown; charset=utf-8", name)


@router.get(
    "/events/{event_id}/archive.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def archive_csv(event: EventById, session: DbSession, viewer: CurrentViewer) -> Response:
    """One row per archived card."""
    record = archive.record_for(session, actor=viewer.caller, event=event)
    text = exports.to_csv(record.document)
    name = exports.filename(record.document, "csv")
    return _export(record, text, "text/csv; charset=utf-8", name)


@router.get(
    "/events/{event_id}/archive.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def archive_pdf(
    event: EventById, session: DbSession, viewer: CurrentViewer, settings: AppSettings
) -> Response:
    """The summary as PDF."""
    record = archive.record_for(session, actor=viewer.caller, event=event)
    from server.services.archive_pdf import to_pdf  # fpdf2, fontTools: 0.3 s at start-up

    data = to_pdf(record.document, ZoneInfo(settings.timezone))
    return _export(record, data, "application/pdf", exports.filename(record.document, "pdf"))


@router.post("/events/{event_id}/archive/redactions", status_code=201)
def redact(
    body: RedactionCreate, event: EventById, session: DbSession, actor: Actor
) -> RedactionPublic:
    """Administrators: a new version of the frozen archive without the named items."""
    return redaction.redact_archive(
        session,
        actor=actor,
        event=event,
        items=body.items,
        reason=body.reason,
        remove_content=body.remove_content,
    )


# -- actions ------------------------------------------------------------------------------------


@router.get("/programmes/{slug}/actions")
def list_actions(
    programme: ProgrammeBySlug, session: DbSession, actor: Actor, settings: AppSettings
) -> list[ActionPublic]:
    """The programme's action plan, for whoever may read the programme."""
    programmes.read_programme(session, actor=actor, programme=programme)
    return actions.actions_public(
        session, actions=actions.list_actions(session, programme=programme), today=today(settings)
    )


@router.post("/programmes/{slug}/actions", status_code=201)
def create_action(
    body: ActionCreate,
    programme: ProgrammeBySlug,
    session: DbSession,
    actor: Actor,
    settings: AppSettings,
) -> ActionPublic:
    """Raise an action on the programme (at an event, from a theme, when given)."""
    action = actions.create_action(session, actor=actor, programme=programme, data=body)
    return actions.actions_public(session, actions=[action], today=today(settings))[0]


@router.patch("/actions/{action_id}")
def update_action(
    body: ActionChange, action: ActionById, session: DbSession, actor: Actor, settings: AppSettings
) -> ActionPublic:
    """Change an action's title, owner, who to involve, target date or status."""
    action = actions.update_action(session, actor=actor, action=action, data=body)
    return actions.actions_public(session, actions=[action], today=today(settings))[0]


@router.post("/actions/{action_id}/updates", status_code=201)
def add_update(
    body: ProgressCreate, action: ActionById, session: DbSession, actor: Actor
) -> ProgressPublic:
    """A dated progress update, optionally with the action's new status."""
    return actions.progress_public(
        actions.add_update(session, actor=actor, action=action, data=body)
    )


# -- search -------------------------------------------------------------------------------------


@router.get("/search", responses=errors(404))
def search_archive(
    session: DbSession,
    actor: Actor,
    q: Annotated[str, Query(max_length=200)],
    programme: Annotated[str, Query(max_length=80)],
) -> SearchResults:
    """Full-text over the frozen events of one programme; snippets are escaped HTML."""
    found = programmes.programme_or_404(session, slug=programme)
    return search.search(session, actor=actor, programme=found, query=q)
