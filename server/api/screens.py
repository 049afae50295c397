"""JSON API for pairing session screens: the code a projector shows, and the console's doors."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server.api.deps import (
    Actor,
    AppLimits,
    AppSettings,
    CurrentViewer,
    DbSession,
    EventById,
    PathId,
)
from server.api.openapi import errors
from server.auth import SCREEN_COOKIE
from server.errors import NotFound
from server.lib.ratelimit import client_address
from server.models.screens import PairedScreen, PairingCode, PairScreen, ScreenPairing
from server.services import screens
from server.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["screens"])
SCREEN_COOKIE_DAYS = 400  # a projector PC stays paired until unpaired; browsers cap at 400


def set_screen_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SCREEN_COOKIE,
        token,
        max_age=SCREEN_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def _code(screen: ScreenPairing) -> PairingCode:
    expires, event_id = screen.code_expires_at, screen.event_id
    return PairingCode(code=screen.code, expires_at=expires, event_id=event_id)


@router.post("/screens/code")
def request_code(
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    limits: AppLimits,
    viewer: CurrentViewer,
) -> PairingCode:
    """The code this screen shows until a facilitator types it (a new one once it expires);
    sets the screen's cookie the first time. Once paired, `event_id` says which event."""
    screen, token = screens.request_code(
        session,
        screen=viewer.screen,
        secret_key=settings.effective_secret_key,
        limits=limits,
        address=client_address(request),
    )
    if token is not None:
        set_screen_cookie(response, settings, token)
    return _code(screen)


@router.get("/screens/me", responses=errors(404))
def this_screen(viewer: CurrentViewer) -> PairingCode:
    """This screen's code and, once paired, its event; 404 for a browser that is no screen."""
    if viewer.screen is None:
        raise NotFound("This browser is not a session screen, or it was unpaired.")
    return _code(viewer.screen)


@router.post("/events/{event_id}/screens", status_code=201)
def pair_screen(
    request: Request,
    body: PairScreen,
    event: EventById,
    session: DbSession,
    limits: AppLimits,
    actor: Actor,
) -> PairedScreen:
    """Pair the screen that shows this code with the event (facilitators, co-facilitators)."""
    screen = screens.pair_screen(
        session,
        actor=actor,
        event=event,
        code=body.code,
        limits=limits,
        address=client_address(request),
    )
    return screens.paired_public(session, screen=screen)


@router.get("/events/{event_id}/screens")
def list_screens(event: EventById, session: DbSession, actor: Actor) -> list[PairedScreen]:
    """The event's paired screens (any member of its programme)."""
    return screens.paired_screens(session, actor=actor, event=event)


# `:int` so that /screens/code and /screens/me are not also this route (their Allow header).
@router.delete("/screens/{screen_id:int}", status_code=204)
def unpair_screen(screen_id: PathId, session: DbSession, actor: Actor) -> None:
    """Unpair a screen: it shows a new code, and its socket closes."""
    screen = screens.screen_or_404(session, screen_id=screen_id)
    screens.unpair_screen(session, actor=actor, screen=screen)
