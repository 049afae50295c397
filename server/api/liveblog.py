"""JSON API for the live blog: entries, previews, pictures, and the followers' entries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from sqlmodel import Session

from server.api import conditional
from server.api.deps import Actor, AppSettings, DbSession, EventById, PathId
from server.api.openapi import errors
from server.live.pagecache import Cached
from server.models.base import MAX_ID
from server.models.liveblog import (
    Entry,
    EntryCreate,
    EntryImagePublic,
    EntryPage,
    EntryPreview,
    EntryPublic,
    EntryRevisionPublic,
    EntryUpdate,
    PreviewHtml,
)
from server.services import liveblog
from server.services import liveblog_pages as pages

router = APIRouter(prefix="/api/v1", tags=["live blog"])


def entry_dep(entry_id: PathId, session: DbSession) -> Entry:
    return liveblog.entry_or_404(session, entry_id=entry_id)


EntryById = Annotated[Entry, Depends(entry_dep)]


@router.post(
    "/events/{event_id}/entries",
    status_code=201,
    responses={200: {"model": EntryPublic, "description": "The entry this client_id made"}},
)
def create_entry(
    body: EntryCreate, event: EventById, session: DbSession, actor: Actor, response: Response
) -> EntryPublic:
    """Post an entry; the same `client_id` again answers 200 with the entry it made."""
    entry, created = liveblog.create_entry_once(session, actor=actor, event=event, data=body)
    if not created:
        response.status_code = 200
    return liveblog.entry_public(entry)


@router.post("/events/{event_id}/entries/preview")
def preview_entry(
    body: EntryPreview, event: EventById, session: DbSession, actor: Actor
) -> PreviewHtml:
    """The sanitised HTML a body would post as: the composer's preview is the final render."""
    return liveblog.preview(session, actor=actor, event=event, body=body.body)


@router.patch("/entries/{entry_id}")
def update_entry(
    body: EntryUpdate, entry: EntryById, session: DbSession, actor: Actor
) -> EntryPublic:
    """Edit, pin, move or correct an entry."""
    return liveblog.entry_public(
        liveblog.update_entry(session, actor=actor, entry=entry, data=body)
    )


@router.delete("/entries/{entry_id}", status_code=204)
def delete_entry(entry: EntryById, session: DbSession, actor: Actor) -> None:
    """Delete an entry (a tombstone stays for feeds)."""
    liveblog.delete_entry(session, actor=actor, entry=entry)


@router.get("/entries/{entry_id}/revisions")
def entry_revisions(
    entry: EntryById, session: DbSession, actor: Actor
) -> list[EntryRevisionPublic]:
    """Earlier bodies of an entry, newest first, for its facilitators."""
    return [
        liveblog.revision_public(r) for r in liveblog.revisions(session, actor=actor, entry=entry)
    ]


@router.post("/entries/{entry_id}/images", status_code=201, responses=errors(415))
def add_image(
    entry: EntryById,
    session: DbSession,
    settings: AppSettings,
    actor: Actor,
    file: Annotated[UploadFile, File(description="PNG, JPEG, WebP or GIF")],
    alt: Annotated[str, Form(max_length=200)] = "",
    append: Annotated[bool, Form()] = True,
    decorative: Annotated[bool, Form()] = False,
) -> EntryImagePublic:
    """Attach a picture; unless `append` is false it is shown at the end of the entry.

    It needs `alt` (what it shows, for people who cannot see it) or `decorative=true`."""
    # One byte over the limit is enough to know it is too large.
    data = file.file.read(settings.max_upload_bytes + 1)
    image = liveblog.add_image(
        session,
        actor=actor,
        entry=entry,
        upload=liveblog.Upload(data=data, alt=alt, append=append, decorative=decorative),
        media_dir=settings.data_dir / "media",
        max_bytes=settings.max_upload_bytes,
    )
    return EntryImagePublic.model_validate(
        {
            **image.model_dump(),
            "url": liveblog.media_url(image.filename),
            "markdown": liveblog.image_markdown(image, alt),
        }
    )


@router.get("/public/events/{event_id}/entries", response_model=EntryPage, responses=errors(400))
async def public_entries(
    request: Request,
    event_id: PathId,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    before: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=pages.MAX_PAGE)] = pages.PAGE_SIZE,
) -> Response:
    """Entries for followers: changes after a log `seq`, or a page older than a cursor."""
    params = ("entries", after, before, limit)
    return await conditional.serve(
        request, conditional.View(event_id, params, _render_entries, page=False)
    )


def _render_entries(
    _request: Request, session: Session, blog: conditional.Blog, params: tuple[Any, ...]
) -> Cached:
    _name, after, before, limit = params
    seq = blog.snap.last_seq
    if after is not None:
        changed, deleted = pages.changes_after(session, event=blog.event, after=after)
        found = EntryPage(seq=seq, entries=_public(changed), deleted=deleted)
    else:
        page = pages.page(session, event=blog.event, before=before, limit=limit)
        entries = _public(page.pinned + page.entries)
        found = EntryPage(seq=seq, entries=entries, next_before=page.next_before)
    return Cached(200, "application/json", found.model_dump_json().encode())


def _public(rows: list[Entry]) -> list[EntryPublic]:
    return [liveblog.entry_public(e) for e in rows]
