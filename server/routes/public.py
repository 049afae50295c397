"""Public pages that need no sign-in: home, the live blog of an event, its feed and pictures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from server import feeds, images
from server.errors import NotFound, NotSignedIn
from server.models.events import Event
from server.models.liveblog import Entry
from server.models.programmes import Programme
from server.routes import console
from server.routes.deps import AppSettings, CurrentViewer, DbSession, PathId
from server.services import events, liveblog, programmes, state
from server.services import liveblog_pages as pages
from server.settings import Settings
from server.timeutil import as_utc, utcnow

router = APIRouter(tags=["public"], include_in_schema=False)
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
FEED_ENTRIES = 50
IMMUTABLE = "public, max-age=31536000, immutable"
# What the page's <template> is rendered from: scripts fill it in for entries arriving live.
BLANK_ENTRY: dict[str, Any] = {
    "id": 0,
    "kind": "update",
    "pinned": False,
    "html": "",
    "attribution": "",
    "correction_note": "",
    "edited": False,
    "created_at": None,
    "updated_at": None,
    "agenda_item_id": None,
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """What Glimpse is, and the way in for facilitators."""
    return request.state.templates.TemplateResponse(request, "home.html", {})  # type: ignore[no-any-return]


@dataclass
class Blog:
    """The live blog being asked for, once the caller may read it."""

    programme: Programme
    event: Event
    version: int
    modified: datetime


def open_blog(
    session: DbSession,
    viewer: CurrentViewer,
    programme_slug: str,
    event_slug: str,
    *,
    page: bool = True,
) -> Blog:
    """Look the event up and check the caller may read it: private programmes need sign-in.

    A person opening a private page is sent to sign in; a feed reader is answered 401.
    """
    programme = programmes.programme_or_404(session, programme_slug)
    event = pages.event_at(session, programme, event_slug)
    try:
        state.role_for(session, event=event, caller=viewer.caller)
    except NotSignedIn as exc:
        if not page:
            raise
        raise console.SignInFirst() from exc
    seq, modified = pages.page_version(session, event)
    return Blog(programme, event, seq, max(modified, as_utc(programme.updated_at)))


@cache
def templates_digest() -> str:
    """Changes when a deploy changes how the page looks, so old ETags stop matching."""
    digest = hashlib.sha256()
    for path in sorted([TEMPLATES / "base.html", *(TEMPLATES / "public").glob("*.html")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def etag_for(blog: Blog, *parts: object) -> str:
    key = "|".join(str(p) for p in (blog.version, blog.programme.updated_at, *parts))
    return '"' + hashlib.sha256(f"{templates_digest()}|{key}".encode()).hexdigest()[:24] + '"'


def cache_headers(blog: Blog, etag: str) -> dict[str, str]:
    private = blog.programme.visibility == "private"
    return {
        "ETag": etag,
        "Last-Modified": format_datetime(blog.modified, usegmt=True),
        # Stored, but always revalidated: a live page must never be served stale.
        "Cache-Control": "private, no-cache" if private else "public, no-cache",
    }


def not_modified(request: Request, blog: Blog, etag: str) -> bool:
    """If-None-Match first; If-Modified-Since only when no ETag was sent (RFC 9110)."""
    sent = request.headers.get("if-none-match")
    if sent is not None:
        tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return when.tzinfo is not None and blog.modified.replace(microsecond=0) <= when


def conditional(request: Request, blog: Blog, *parts: object) -> tuple[dict[str, str], bool]:
    """The caching headers for this view, and whether the client's copy is still current."""
    headers = cache_headers(blog, etag_for(blog, *parts))
    return headers, not_modified(request, blog, headers["ETag"])


@router.get("/p/{programme_slug}/{event_slug}", response_class=HTMLResponse)
def live_blog(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    settings: AppSettings,
    programme_slug: str,
    event_slug: str,
    before: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """The live blog: newest first, pinned on top, the agenda beside it; then live by socket."""
    blog = open_blog(session, viewer, programme_slug, event_slug)
    agenda = events.agenda(session, blog.event)
    now_item = pages.current_item(agenda, utcnow())
    headers, fresh = conditional(request, blog, "page", before, now_item and now_item.id)
    if fresh:
        return Response(status_code=304, headers=headers)
    found = pages.page(session, blog.event, before=before)
    context = page_context(session, settings, blog, agenda, found, target=None)
    return render(request, "public/liveblog.html", context, headers)


@router.get("/p/{programme_slug}/{event_slug}/e/{entry_id}", response_class=HTMLResponse)
def permalink(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    settings: AppSettings,
    programme_slug: str,
    event_slug: str,
    entry_id: PathId,
) -> Response:
    """One entry's address: the live blog opened at that entry (410 once it was deleted)."""
    blog = open_blog(session, viewer, programme_slug, event_slug)
    entry = pages.entry_in_event(session, blog.event, entry_id)
    if entry is None:
        raise NotFound("No update has that address.")
    agenda = events.agenda(session, blog.event)
    now_item = pages.current_item(agenda, utcnow())
    headers, fresh = conditional(request, blog, "entry", entry_id, now_item and now_item.id)
    if fresh:
        return Response(status_code=304, headers=headers)
    found = pages.page_through(session, blog.event, entry)
    context = page_context(session, settings, blog, agenda, found, target=entry)
    status = 410 if entry.deleted_at is not None else 200
    return render(request, "public/liveblog.html", context, headers, status)


def render(
    request: Request, name: str, context: dict[str, Any], headers: dict[str, str], status: int = 200
) -> Response:
    response: Response = request.state.templates.TemplateResponse(
        request, name, context, status_code=status, headers=headers
    )
    return response


def page_context(
    session: DbSession,
    settings: Settings,
    blog: Blog,
    agenda: list[Any],
    found: pages.Page,
    target: Entry | None,
) -> dict[str, Any]:
    event = events.event_public(session, blog.event)
    about = feeds.Blog(settings.public_base_url.rstrip("/"), blog.programme, event)
    now_item = pages.current_item(agenda, utcnow())
    shown = found.pinned + found.entries
    gone = target is not None and target.deleted_at is not None
    start, end = coverage(blog.event, settings)
    return {
        "programme": blog.programme,
        "event": event,
        "base": f"/p/{blog.programme.slug}/{event.slug}",
        "url": about.url,
        "agenda": agenda,
        "agenda_titles": {item.id: item.title for item in agenda},
        "current_item_id": now_item.id if now_item and event.status == "live" else None,
        "pinned": [liveblog.entry_public(e) for e in found.pinned],
        "entries": [liveblog.entry_public(e) for e in found.entries],
        "next_before": found.next_before,
        "at_head": found.head,
        "key_moments": moments(pages.key_moments(session, blog.event)),
        "blank": BLANK_ENTRY,
        "target_id": target.id if target is not None else None,
        "target_gone": gone,
        # A removed entry's words must not live on in link previews.
        "description": feeds.headline(target) if target and not gone else _summary(blog),
        "jsonld": feeds.live_blog_jsonld(about, entries=shown, start=start, end=end),
        "noindex": blog.programme.visibility != "public",
        "timezone": settings.timezone,
    }


def moments(rows: list[Entry]) -> list[dict[str, Any]]:
    return [{"id": e.id, "created_at": e.created_at, "headline": feeds.headline(e)} for e in rows]


def _summary(blog: Blog) -> str:
    where = f" at {blog.event.venue}" if blog.event.venue else ""
    return f"Follow {blog.event.title}{where} as it happens: {blog.programme.title}."


def coverage(event: Event, settings: Settings) -> tuple[datetime | None, datetime | None]:
    """When live coverage starts and ends (or is expected to: the end of the event's day)."""
    start = event.started_at or event.starts_at
    if event.ended_at is not None or start is None:
        return start, event.ended_at
    zone = ZoneInfo(settings.timezone)
    day = as_utc(start).astimezone(zone).date()
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)


@router.get("/p/{programme_slug}/{event_slug}/feed.atom")
def atom_feed(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    settings: AppSettings,
    programme_slug: str,
    event_slug: str,
) -> Response:
    """The live blog as Atom: entries by last change, deletions as RFC 6721 tombstones."""
    blog = open_blog(session, viewer, programme_slug, event_slug, page=False)
    headers, fresh = conditional(request, blog, "feed")
    if fresh:
        return Response(status_code=304, headers=headers)
    about = feeds.Blog(
        settings.public_base_url.rstrip("/"),
        blog.programme,
        events.event_public(session, blog.event),
    )
    body = feeds.atom(
        about,
        entries=pages.recently_updated(session, blog.event, limit=FEED_ENTRIES),
        deleted=pages.tombstones(session, blog.event, limit=FEED_ENTRIES),
        updated=blog.modified,
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)


@router.get("/media/{filename}")
def media(filename: str, settings: AppSettings) -> Response:
    """A live-blog picture: its random name never points at other bytes, so cache it for good."""
    path = images.path_of(settings.data_dir / "media", filename)
    if path is None:
        raise NotFound("No picture has that name.")
    media_type = images.CONTENT_TYPES[filename.rsplit(".", 1)[1]]
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": IMMUTABLE})
