"""Public views answered from memory: a stranger's refresh is served from the event's current
seq held by the page cache (server/live/pagecache.py), without a database session or a render;
anyone else, or a view not yet rendered at this seq, is read and rendered in a worker thread and
kept. Used by the public live-blog page, its feed and the followers' entries API."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import anyio
from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from server.api.deps import get_viewer
from server.auth import ATTENDEE_COOKIE, SESSION_COOKIE, Viewer
from server.db import Database
from server.errors import NotSignedIn, SignInFirst
from server.lib.timeutil import as_utc, utcnow
from server.live.pagecache import Cached, Key, PageCache, Snapshot, fingerprint, not_modified
from server.models.events import Event
from server.models.programmes import Programme
from server.services import events, programmes, state
from server.services import liveblog_pages as pages

Address = int | tuple[str, str]  # an event by id, or by its programme's slug and its own


@dataclass
class Blog:
    """The live blog being asked for, once the caller may read it, and what it depends on."""

    programme: Programme
    event: Event
    role: str
    snap: Snapshot


def open_blog(session: Session, viewer: Viewer, address: Address, *, page: bool = True) -> Blog:
    """Look the event up and check the caller may read it: private programmes need sign-in.

    A person opening a private page is sent to sign in; a feed reader is answered 401.
    """
    if isinstance(address, int):
        event = events.event_or_404(session, event_id=address)
        programme = session.get(Programme, event.programme_id)
        assert programme is not None
    else:
        programme = programmes.programme_or_404(session, slug=address[0])
        event = pages.event_at(session, programme=programme, slug=address[1])
    try:
        role = state.role_for(session, event=event, actor=viewer.caller)
    except NotSignedIn as exc:
        if not page:
            raise
        raise SignInFirst() from exc
    return Blog(programme, event, role, read_snapshot(session, programme, event))


def read_snapshot(session: Session, programme: Programme, event: Event) -> Snapshot:
    """What the event's public views depend on, read in the caller's transaction."""
    assert programme.id is not None and event.id is not None
    seq, modified = pages.page_version(session, event=event)
    return Snapshot(
        event_id=event.id,
        programme_id=programme.id,
        slugs=(programme.slug, event.slug),
        private=programme.visibility == "private",
        page_seq=seq,
        last_seq=event.last_seq,
        modified=max(modified, as_utc(programme.updated_at)),
        programme_updated=programme.updated_at,
        agenda=tuple(events.agenda(session, event=event)),
        fingerprint=fingerprint(programme, event),
        live=event.status == "live",
        now_item_id=event.now_item_id,
    )


Render = Callable[[Request, Session, Blog, tuple[Hashable, ...]], Cached]  # …, View.params


@dataclass(frozen=True)
class View:
    """One cacheable public answer: whose, which view with which parameters, how to render it."""

    address: Address
    params: tuple[Hashable, ...]  # the view's name first
    render: Render
    page: bool = True  # a page sends a stranger to sign in; feeds and the API answer 401
    timed: bool = False  # shows which agenda item is on now

    def key(self, snap: Snapshot, role: str) -> Key:
        if not self.timed:
            return (*self.params, role)
        now_item = pages.now_item(
            list(snap.agenda), utcnow(), live=snap.live, chosen=snap.now_item_id
        )
        return (*self.params, now_item and now_item.id, role)


def has_credentials(request: Request) -> bool:
    """Whether the caller may be someone: only then does serving them need the database."""
    cookies = request.cookies
    return bool(
        request.headers.get("authorization")
        or SESSION_COOKIE in cookies
        or ATTENDEE_COOKIE in cookies
    )


async def serve(request: Request, view: View) -> Response:
    """Answer from memory when a stranger asks for a cached public view; else read and render."""
    cache: PageCache = request.state.page_cache
    if not has_credentials(request):
        snap = cache.find(view.address)
        if snap is not None and not snap.private:
            body = snap.bodies.get(view.key(snap, "public"))
            if body is not None:
                return answer(request, snap, body)
    return await anyio.to_thread.run_sync(fill, request, view, cache.token())


def answer(request: Request, snap: Snapshot, body: Cached) -> Response:
    """304 when the client's copy is current, else the body."""
    headers = snap.headers(body.etag)
    if not_modified(request.headers, snap.modified, body.etag):
        return Response(status_code=304, headers=headers)
    return Response(body.body, body.status, headers, media_type=body.media_type)


def fill(request: Request, view: View, token: int) -> Response:
    """The slow path, in a worker thread: who is asking, the snapshot, the render; then keep."""
    cache: PageCache = request.state.page_cache
    db: Database = request.state.db
    with db.session(write=False) as session:
        viewer = Viewer()
        if has_credentials(request):
            viewer = get_viewer(request, session, request.state.settings)
        blog = open_blog(session, viewer, view.address, page=view.page)
        current = cache.find(blog.snap.event_id)
        if current is not None and current.fingerprint == blog.snap.fingerprint:
            blog.snap = current  # the same version: its bodies serve this caller too
        key = view.key(blog.snap, blog.role)
        body = blog.snap.bodies.get(key) or view.render(request, session, blog, view.params)
    cache.keep(token, blog.snap, key, body)
    return answer(request, blog.snap, body)
