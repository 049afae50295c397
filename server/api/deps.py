"""Dependencies shared by routes: the unit of work, who is asking, and 404 lookups."""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Path, Request
from sqlmodel import Session

from server.auth import Viewer, viewer_for
from server.db import Database
from server.errors import CsrfFailed
from server.lib.ratelimit import Limits, client_address
from server.models.accounts import LoginSession, User
from server.models.base import MAX_ID
from server.models.events import AgendaItem, Event
from server.models.programmes import Programme
from server.services import events, programmes
from server.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# An id in the path: out of the database's range it is refused (422) before any lookup.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


# Dependencies that only read what the app holds are `async def`: FastAPI runs a plain `def`
# dependency in the thread pool, and a write holds the write gate through every such hop.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


TEARDOWN = anyio.CapacityLimiter(64)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed after the route returns, rolled back on error."""
    db: Database = request.state.db
    write = request.method not in SAFE_METHODS
    async with db.write_gate if write else contextlib.nullcontext():
        unit = db.session(write=write)
        session = unit.__enter__()
        try:
            yield session
        except BaseException as exc:
            await anyio.to_thread.run_sync(
                unit.__exit__, type(exc), exc, exc.__traceback__, limiter=TEARDOWN
            )
            raise
        await anyio.to_thread.run_sync(unit.__exit__, None, None, None, limiter=TEARDOWN)


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.state.limits
    return limits


DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
AppLimits = Annotated[Limits, Depends(get_limits)]


def get_viewer(request: Request, session: DbSession, settings: AppSettings) -> Viewer:
    """Resolve the caller from a bearer token or the session and attendee cookies."""
    return viewer_for(request, session, secret_key=settings.effective_secret_key)


def check_csrf(login: LoginSession | None, sent: str | None) -> None:
    """A cookie-authenticated write must echo the sign-in's CSRF token."""
    if login is not None and not (sent and hmac.compare_digest(sent, login.csrf_token)):
        raise CsrfFailed()


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]

T = TypeVar("T")
# Writers get their own worker threads: under the write gate, waiting for a thread that reads
# hold up every writer queued behind.
WRITERS = anyio.CapacityLimiter(32)


async def in_one_hop(
    request: Request, work: Callable[[Session, Viewer], T], *, csrf: bool = True
) -> T:
    """The whole of a busy route's unit of work in one worker thread: open the transaction,
    find the caller, `work`, commit, after-commit hooks.

    What the dependencies above do, in one hop rather than one per dependency: each hop waits
    for the event loop to come round, and a write holds the write gate through all of them.
    Cookie writes must carry the CSRF token, as for `Actor` (unless `csrf` is False, as for a
    route that takes `CurrentViewer` alone).
    """
    db: Database = request.state.db
    settings: Settings = request.state.settings
    write = request.method not in SAFE_METHODS

    def unit() -> T:
        with db.session(write=write) as session:
            viewer = get_viewer(request, session, settings)
            if write and csrf:
                check_csrf(viewer.login, request.headers.get("x-csrf-token"))
            return work(session, viewer)

    if not write:
        return await anyio.to_thread.run_sync(unit)
    async with db.write_gate:
        return await anyio.to_thread.run_sync(unit, limiter=WRITERS)


async def current_user(request: Request, viewer: CurrentViewer) -> User | None:
    """The organiser behind this API request; cookie writes need the X-CSRF-Token header."""
    if request.method not in SAFE_METHODS:
        check_csrf(viewer.login, request.headers.get("x-csrf-token"))
    return viewer.user


Actor = Annotated[User | None, Depends(current_user)]


def count_write(request: Request, viewer: CurrentViewer, limits: AppLimits) -> None:
    """Cards, notes and votes from anyone but an organiser spend their address's write budget."""
    if viewer.user is None:
        limits.hit(limits.write, client_address(request))


CountedWrite = Depends(count_write)


def programme_dep(slug: str, session: DbSession) -> Programme:
    return programmes.programme_or_404(session, slug=slug)


def event_dep(event_id: PathId, session: DbSession) -> Event:
    return events.event_or_404(session, event_id=event_id)


def agenda_item_dep(item_id: PathId, session: DbSession) -> AgendaItem:
    return events.agenda_item_or_404(session, item_id=item_id)


ProgrammeBySlug = Annotated[Programme, Depends(programme_dep)]
EventById = Annotated[Event, Depends(event_dep)]
AgendaItemById = Annotated[AgendaItem, Depends(agenda_item_dep)]
