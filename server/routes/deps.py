"""Dependencies shared by routes: the unit of work, who is asking, and 404 lookups."""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Path, Request
from sqlmodel import Session

from server.db import Database
from server.errors import CsrfFailed
from server.models.accounts import LoginSession, User
from server.models.attendees import Attendee
from server.models.base import MAX_ID
from server.models.events import AgendaItem, Event
from server.models.programmes import Programme
from server.models.screens import ScreenPairing
from server.ratelimit import Limits, client_address
from server.services import accounts, attendees, events, programmes, screens
from server.services.access import Caller
from server.settings import Settings

SESSION_COOKIE = "glimpse_session"
ATTENDEE_COOKIE = "glimpse_attendee"
SCREEN_COOKIE = "glimpse_screen"
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


@dataclass(frozen=True)
class Viewer:
    """Who is asking: an organiser (by cookie or token), an attendee, a session screen (paired
    or waiting), or nobody in particular."""

    user: User | None = None
    login: LoginSession | None = None
    attendee: Attendee | None = None
    attendee_token: str | None = None
    screen: ScreenPairing | None = None

    @property
    def caller(self) -> Caller:
        return Caller(user=self.user, attendee=self.attendee, screen=self.screen)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def get_viewer(request: Request, session: DbSession, settings: AppSettings) -> Viewer:
    """Resolve the caller from a bearer token or the session and attendee cookies."""
    return resolve_viewer(
        session,
        secret_key=settings.effective_secret_key,
        bearer=bearer_token(request),
        session_cookie=request.cookies.get(SESSION_COOKIE),
        attendee_cookie=request.cookies.get(ATTENDEE_COOKIE),
        screen_cookie=request.cookies.get(SCREEN_COOKIE),
    )


def resolve_viewer(
    session: Session,
    *,
    secret_key: str,
    bearer: str | None,
    session_cookie: str | None,
    attendee_cookie: str | None,
    screen_cookie: str | None = None,
) -> Viewer:
    """Shared by HTTP and WebSocket doors: glp_ bearer tokens are organisers', gla_ attendees'."""
    if bearer and bearer.startswith("glp_"):
        return Viewer(
            user=accounts.user_for_api_token(session, token=bearer, secret_key=secret_key)
        )
    if bearer and bearer.startswith("gla_"):
        attendee = attendees.attendee_for_token(session, token=bearer, secret_key=secret_key)
        return Viewer(attendee=attendee, attendee_token=bearer if attendee else None)
    found = (
        accounts.session_for_cookie(session, token=session_cookie, secret_key=secret_key)
        if session_cookie
        else None
    )
    attendee = (
        attendees.attendee_for_token(session, token=attendee_cookie, secret_key=secret_key)
        if attendee_cookie
        else None
    )
    screen = (
        screens.screen_for_token(session, token=screen_cookie, secret_key=secret_key)
        if screen_cookie
        else None
    )
    return Viewer(
        user=found[0] if found else None,
        login=found[1] if found else None,
        attendee=attendee,
        attendee_token=attendee_cookie if attendee else None,
        screen=screen,
    )


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
    return programmes.programme_or_404(session, slug)


def event_dep(event_id: PathId, session: DbSession) -> Event:
    return events.event_or_404(session, event_id)


def agenda_item_dep(item_id: PathId, session: DbSession) -> AgendaItem:
    return events.agenda_item_or_404(session, item_id)


ProgrammeBySlug = Annotated[Programme, Depends(programme_dep)]
EventById = Annotated[Event, Depends(event_dep)]
AgendaItemById = Annotated[AgendaItem, Depends(agenda_item_dep)]
