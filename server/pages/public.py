"""Public pages that need no sign-in: home, the live blog of an event, its feed and pictures."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlmodel import Session

from server.api.conditional import Blog, View, answer, open_blog, serve
from server.api.deps import AppSettings, CurrentViewer, DbSession, PathId
from server.errors import NotFound
from server.lib import images
from server.lib.timeutil import as_utc, utcnow
from server.live.pagecache import Cached
from server.models.events import Event
from server.models.liveblog import Entry
from server.pages import feeds
from server.services import events, liveblog
from server.services import liveblog_pages as pages
from server.settings import Settings

router = APIRouter(tags=["public"], include_in_schema=False)
HTML = "text/html; charset=utf-8"
FEED_ENTRIES = 50
IMMUTABLE = "public, max-age=31536000, immutable"
DAY_CACHE = "public, max-age=86400"
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


@router.get("/p/{programme_slug}/{event_slug}", response_class=HTMLResponse)
async def live_blog(
    request: Request,
    programme_slug: str,
    event_slug: str,
    before: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """The live blog: newest first, pinned on top, the agenda beside it; then live by socket."""
    address = (programme_slug, event_slug)
    return await serve(request, View(address, ("page", before), render_page, timed=True))


def render_page(
    request: Request, session: Session, blog: Blog, params: tuple[Hashable, ...]
) -> Cached:
    before = params[1]
    assert before is None or isinstance(before, str)
    agenda = list(blog.snap.agenda)
    found = pages.page(session, event=blog.event, before=before)
    context = page_context(session, request.state.settings, blog, agenda, found, target=None)
    response = render(request, "public/liveblog.html", context, {})
    return Cached(200, HTML, bytes(response.body))


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
    blog = open_blog(session, viewer, (programme_slug, event_slug))
    entry = pages.entry_in_event(session, event=blog.event, entry_id=entry_id)
    if entry is None:
        raise NotFound("No update has that address.")
    agenda = list(blog.snap.agenda)
    found = pages.page_through(session, event=blog.event, entry=entry)
    context = page_context(session, settings, blog, agenda, found, target=entry)
    status = 410 if entry.deleted_at is not None else 200
    page = render(request, "public/liveblog.html", context, {}, status)
    return answer(request, blog.snap, Cached(status, HTML, bytes(page.body)))


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
    event = events.event_public(session, event=blog.event)
    about = feeds.Blog(settings.public_base_url.rstrip("/"), blog.programme, event)
    now_item = pages.now_item(
        agenda, utcnow(), live=blog.event.status == "live", chosen=blog.event.now_item_id
    )
    shown = found.pinned + found.entries
    gone = target is not None and target.deleted_at is not None
    start, end = coverage(blog.event, settings)
    picture = pages.latest_picture(session, event=blog.event)
    return {
        "picture": picture,
        "picture_url": picture and about.base_url + liveblog.media_url(picture.filename),
        "programme": blog.programme,
        "event": event,
        "base": f"/p/{blog.programme.slug}/{event.slug}",
        "url": about.url,
        "agenda": agenda,
        "agenda_titles": {item.id: item.title for item in agenda},
        "now_item": now_item,
        "current_item_id": now_item.id if now_item else None,
        "pinned": [liveblog.entry_public(e) for e in found.pinned],
        "entries": [liveblog.entry_public(e) for e in found.entries],
        "next_before": found.next_before,
        "at_head": found.head,
        "key_moments": moments(pages.key_moments(session, event=blog.event)),
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
async def atom_feed(request: Request, programme_slug: str, event_slug: str) -> Response:
    """The live blog as Atom: entries by last change, deletions as RFC 6721 tombstones."""
    address = (programme_slug, event_slug)
    return await serve(request, View(address, ("feed",), render_feed, page=False))


def render_feed(
    request: Request, session: Session, blog: Blog, _params: tuple[Hashable, ...]
) -> Cached:
    settings: Settings = request.state.settings
    about = feeds.Blog(
        settings.public_base_url.rstrip("/"),
        blog.programme,
        events.event_public(session, event=blog.event),
    )
    body = feeds.atom(
        about,
        entries=pages.recently_updated(session, event=blog.event, limit=FEED_ENTRIES),
        deleted=pages.tombstones(session, event=blog.event, limit=FEED_ENTRIES),
        updated=blog.snap.modified,
    )
    return Cached(200, "application/atom+xml; charset=utf-8", body)


@router.get("/favicon.ico")
def favicon() -> Response:
    """The tab icon browsers ask for at the root whatever the page says (pages also link it)."""
    icon = Path(__file__).resolve().parents[2] / "web" / "static" / "favicon.ico"
    return FileResponse(icon, media_type="image/x-icon", headers={"Cache-Control": DAY_CACHE})


@router.get("/media/{filename}")
def media(filename: str, settings: AppSettings) -> Response:
    """A live-blog picture: its random name never points at other bytes, so cache it for good."""
    path = images.path_of(settings.data_dir / "media", filename)
    if path is None:
        raise NotFound("No picture has that name.")
    media_type = images.CONTENT_TYPES[filename.rsplit(".", 1)[1]]
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": IMMUTABLE})
